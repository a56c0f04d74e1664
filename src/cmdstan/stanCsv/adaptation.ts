/**
 * The adaptation block of HMC output, which follows the `# Adaptation terminated` line:
 *
 *     # Step size = 0.787025
 *     # Diagonal elements of inverse mass matrix:      (diag_e; `Elements of ...` for dense_e)
 *     # 1, 0.5                                         (one line; dense_e: one line per row)
 */
import { StanCsvError } from "../../util/errors.js";
import type { Lines } from "./lines.js";
import { parseStanNumber } from "./numbers.js";
import type { StanAdaptation } from "./types.js";

/** Reads the block after `# Adaptation terminated`; `declared` is the header's metric argument. */
export function readAdaptation(lines: Lines, declared: string | undefined): StanAdaptation {
  const stepSize = readStepSize(lines);
  // CmdStan 2.27 writes nothing after the step size for metric=unit_e (some releases write
  // 'No free parameters for unit metric').
  if (declared === "unit_e") {
    const nxt = lines.peek();
    const c = nxt !== null && nxt.startsWith("#") ? nxt.slice(1).trim() : "";
    if (!/inverse mass matrix|unit metric/.test(c)) return { stepSize, inverseMetric: [], metric: "unit_e" };
  }
  const metricHead = lines.needComment("the inverse metric");
  const metricLine = lines.lineNo;
  /** The block's metric must be the one the header asked for. */
  const agree = (metric: StanAdaptation["metric"], holds: string): void => {
    if (declared && declared !== metric)
      throw new StanCsvError(
        `header says metric = ${declared} but the adaptation block ${holds}`,
        lines.file,
        metricLine,
      );
  };
  if (/^Diagonal elements of inverse mass matrix:?$/.test(metricHead)) {
    agree("diag_e", "holds a diagonal inverse metric");
    return { stepSize, inverseMetric: readDiagonalMetric(lines), metric: "diag_e" };
  }
  if (/^Elements of inverse mass matrix:?$/.test(metricHead)) {
    agree("dense_e", "holds a dense inverse metric");
    return { stepSize, inverseMetric: readDenseMetric(lines), metric: "dense_e" };
  }
  if (/^No free parameters for unit metric$/.test(metricHead)) {
    agree("unit_e", "is for a unit metric");
    return { stepSize, inverseMetric: [], metric: "unit_e" };
  }
  throw new StanCsvError(
    `expected the inverse metric after the step size, found '# ${metricHead}'`,
    lines.file,
    metricLine,
  );
}

function readStepSize(lines: Lines): number {
  const stepContent = lines.needComment("'# Step size = <number>'");
  const sm = /^Step size\s*=\s*(.*)$/.exec(stepContent);
  if (!sm)
    throw new StanCsvError(
      `expected '# Step size = <number>' after '# Adaptation terminated', found '# ${stepContent}'`,
      lines.file,
      lines.lineNo,
    );
  const stepSize = parseStanNumber(sm[1].trim());
  if (stepSize === undefined)
    throw new StanCsvError(`step size '${sm[1].trim()}' is not a number`, lines.file, lines.lineNo);
  return stepSize;
}

/** One comment line of comma-separated numbers (`what` names it in errors). */
function readNumberList(lines: Lines, expected: string, what: string): number[] {
  const content = lines.needComment(expected);
  if (content === "") return [];
  return content.split(",").map((f, i) => {
    const v = parseStanNumber(f.trim());
    if (v === undefined)
      throw new StanCsvError(`${what}: entry ${i + 1} '${f.trim()}' is not a number`, lines.file, lines.lineNo);
    return v;
  });
}

function readDiagonalMetric(lines: Lines): number[] {
  const values = readNumberList(lines, "the diagonal of the inverse metric", "diagonal inverse metric");
  // A dense-looking continuation (more metric rows) means the block is not what it says.
  const nxt = lines.peek();
  if (nxt !== null && nxt.startsWith("#")) {
    const c = nxt.slice(1).trim();
    if (c !== "" && c.split(",").every((f) => parseStanNumber(f.trim()) !== undefined))
      throw new StanCsvError(
        `diagonal inverse metric continues over several lines (a matrix?); expected one line of values`,
        lines.file,
        lines.lineNo + 1,
      );
  }
  return values;
}

/** n rows of n entries; the first row gives n. */
function readDenseMetric(lines: Lines): number[][] {
  const first = readNumberList(lines, "the first row of the dense inverse metric", "dense inverse metric row 1");
  const n = first.length;
  const rows = [first];
  for (let r = 1; r < n; r++) {
    const row = readNumberList(lines, `row ${r + 1} of the dense inverse metric`, `dense inverse metric row ${r + 1}`);
    if (row.length !== n)
      throw new StanCsvError(
        `dense inverse metric row ${r + 1} has ${row.length} entries, expected ${n} (a ${n} x ${n} matrix)`,
        lines.file,
        lines.lineNo,
      );
    rows.push(row);
  }
  return rows;
}
