/**
 * A copy of a Stan CSV file restricted to some variables: every comment line as it is (the
 * configuration, the adaptation, the timing), the sampler columns (`lp__`, `divergent__`, ...)
 * and the columns of the variables asked for, in file order. bin/diagnose and the reader take it
 * as they take the whole file.
 *
 * Why: a small model writes most of its CSV for outputs no study reads (a flat model's per-slot
 * psi and eta, per-problem chi, log_lik, y_pred: 95% of the columns at M = 25). Reading those,
 * and diagnosing them, cost more CPU than sampling the fit (bench/flatRecovery.ts).
 * The scan works on the bytes and stops each row at the last column kept.
 */
import { mkdir, readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { StanCsvError } from "../util/errors.js";

const NEWLINE = 10;
const COMMA = 44;
const HASH = 35;

/** Indices of the columns to keep: sampler columns and those of `variables` (`beta.1.2` is beta's). */
function keptColumns(header: string, variables: ReadonlySet<string>): number[] {
  return header
    .trim()
    .split(",")
    .flatMap((name, i) => (name.endsWith("__") || variables.has(name.split(".")[0]) ? [i] : []));
}

/** Copy the kept fields of the row at [start, end) into `out` at `o`; returns the new offset. */
function copyRow(buf: Buffer, start: number, end: number, keep: number[], out: Buffer, o: number): number {
  let field = 0;
  let fieldStart = start;
  for (let k = 0; k < keep.length; k++) {
    // Skip to the kept field (indexOf is a native scan).
    for (; field < keep[k]; field++) {
      const comma = buf.indexOf(COMMA, fieldStart);
      if (comma < 0 || comma >= end)
        throw new Error(`row has ${field + 1} fields, expected at least ${keep[keep.length - 1] + 1}`);
      fieldStart = comma + 1;
    }
    let fieldEnd = buf.indexOf(COMMA, fieldStart);
    if (fieldEnd < 0 || fieldEnd > end) fieldEnd = end;
    if (k > 0) out[o++] = COMMA;
    o += buf.copy(out, o, fieldStart, fieldEnd);
  }
  out[o++] = NEWLINE;
  return o;
}

/** The bytes of `buf` (a Stan CSV file) with only the columns of `variables` and the sampler's. */
export function stanCsvSubset(buf: Buffer, variables: readonly string[], file = "(CSV)"): Buffer {
  const wanted = new Set(variables);
  const out = Buffer.allocUnsafe(buf.length + 1);
  let o = 0;
  let keep: number[] | undefined;
  let line = 0;
  for (let pos = 0; pos < buf.length; line++) {
    let end = buf.indexOf(NEWLINE, pos);
    if (end < 0) end = buf.length;
    const rowEnd = end > pos && buf[end - 1] === 13 ? end - 1 : end;
    if (buf[pos] === HASH || rowEnd === pos) {
      o += buf.copy(out, o, pos, end);
      out[o++] = NEWLINE;
    } else if (!keep) {
      keep = keptColumns(buf.toString("utf8", pos, rowEnd), wanted);
      o = copyRow(buf, pos, rowEnd, keep, out, o);
    } else {
      try {
        o = copyRow(buf, pos, rowEnd, keep, out, o);
      } catch (err) {
        throw new StanCsvError((err as Error).message, file, line + 1);
      }
    }
    pos = end + 1;
  }
  return out.subarray(0, o);
}

/**
 * Write the subset of `file` to `outFile`: a scratch copy, read and removed by the caller, so it
 * is written plainly (no temporary file, no fsync).
 */
export async function writeStanCsvSubset(file: string, outFile: string, variables: readonly string[]): Promise<void> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new StanCsvError(`cannot read file: ${(e as Error).message}`, file);
  }
  await mkdir(path.dirname(outFile), { recursive: true });
  await writeFile(outFile, stanCsvSubset(bytes, variables, file));
}
