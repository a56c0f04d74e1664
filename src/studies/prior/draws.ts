/**
 * The prior draws of a study: each block's `draws.csv` (written by its replicate: the columns
 * `param_set`, `draw`, then every simulator output in CmdStan's column names, `beta.1.2`), read
 * back into one table in parameter-set order, and written out as `prior_samples.csv` in the
 * original's layout (bracket names, `param_set` last; with or without a leading row index).
 * Numbers are written as the shortest text that reads back to the same double; nan, inf, -inf
 * as CmdStan writes them.
 */
import { readFile } from "node:fs/promises";
import { bracketName, parseStanNumber } from "../../cmdstan/stanCsv.js";
import { StanCsvError } from "../../util/errors.js";

const LEAD = ["param_set", "draw"];

function formatValue(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  return Object.is(x, -0) ? "0" : String(x);
}

/** Position just after the `k`-th comma of `line` (0 for k = 0), or -1 when it has fewer. */
function afterComma(line: string, k: number): number {
  let at = 0;
  for (let c = 0; c < k; c++) {
    const next = line.indexOf(",", at);
    if (next < 0) return -1;
    at = next + 1;
  }
  return at;
}

function commas(line: string): number {
  let n = 0;
  for (let at = line.indexOf(","); at >= 0; at = line.indexOf(",", at + 1)) n++;
  return n;
}

/**
 * Rows of one block, built run by run from the runs' CSV text. The values are copied as CmdStan
 * wrote them, not parsed: they are parsed (and a bad one named) when the blocks are read back.
 * A full Stan CSV read of a small, wide file (one parameter set: about 900 columns, 5 draws) costs
 * more CPU than the CmdStan run itself, and a study makes hundreds of them.
 */
export class BlockRows {
  private columns: string | undefined;
  private readonly lines: string[] = [];

  /**
   * Add the `n` draws of one fixed_param run (its CSV text): draw d belongs to parameter set
   * `firstSet + floor(d / perSet)` and is its draw `d % perSet`. The sampler columns (`lp__`,
   * `accept_stat__`), which CmdStan writes first, are left out.
   */
  addRun(text: string, file: string, n: number, firstSet: number, perSet: number): void {
    const lines = text.split("\n");
    const h = lines.findIndex((l) => l !== "" && !l.startsWith("#"));
    if (h < 0) throw new StanCsvError("no header row", file);
    const header = lines[h].split(",");
    const lead = header.findIndex((c) => !c.endsWith("__"));
    if (lead < 0 || header.slice(lead).some((c) => c.endsWith("__"))) {
      throw new StanCsvError("expected the sampler columns (*__) first, then the simulator's outputs", file, h + 1);
    }
    const columns = header.slice(lead).join(",");
    if (this.columns === undefined) this.columns = columns;
    else if (columns !== this.columns)
      throw new StanCsvError("its columns differ from the block's other runs", file, h + 1);
    let d = 0;
    for (let i = h + 1; i < lines.length; i++) {
      const line = lines[i];
      if (line === "" || line.startsWith("#")) continue;
      if (commas(line) !== header.length - 1) {
        throw new StanCsvError(`${commas(line) + 1} fields, expected ${header.length}`, file, i + 1);
      }
      if (d === n) throw new StanCsvError(`more than the ${n} draws asked for`, file, i + 1);
      this.lines.push(`${firstSet + Math.floor(d / perSet)},${d % perSet},${line.slice(afterComma(line, lead))}`);
      d++;
    }
    if (d !== n) throw new StanCsvError(`${d} draws, expected ${n}`, file);
  }

  text(): string {
    return `${[...LEAD, this.columns ?? ""].join(",")}\n${this.lines.join("\n")}\n`;
  }
}

/** Every block's draws, in parameter-set order: columns by CmdStan name, plus param_set. */
export class PriorDraws {
  columns: string[] = [];
  readonly data = new Map<string, number[]>();
  readonly paramSet: number[] = [];

  get rows(): number {
    return this.paramSet.length;
  }

  /** Append one block's draws.csv (errors name the file and line). */
  async addBlockFile(file: string): Promise<void> {
    const lines = (await readFile(file, "utf8")).split("\n").filter((l) => l !== "");
    if (lines.length === 0) throw new StanCsvError("empty draws file (no header)", file, 1);
    const header = lines[0].split(",");
    if (header[0] !== LEAD[0] || header[1] !== LEAD[1]) {
      throw new StanCsvError(
        `header starts with '${header.slice(0, 2).join(",")}', expected 'param_set,draw'`,
        file,
        1,
      );
    }
    const columns = header.slice(2);
    if (this.columns.length === 0) {
      this.columns = columns;
      for (const c of columns) this.data.set(c, []);
    } else if (columns.join(",") !== this.columns.join(",")) {
      throw new StanCsvError("its columns differ from the other blocks' (another simulator?)", file, 1);
    }
    lines.slice(1).forEach((line, k) => {
      const fields = line.split(",");
      if (fields.length !== header.length) {
        throw new StanCsvError(`${fields.length} fields, expected ${header.length}`, file, k + 2);
      }
      const values = fields.map((f) => parseStanNumber(f));
      const bad = values.findIndex((v) => v === undefined);
      if (bad >= 0) throw new StanCsvError(`${header[bad]}: '${fields[bad]}' is not a number`, file, k + 2);
      this.paramSet.push(values[0]!);
      columns.forEach((c, i) => this.data.get(c)!.push(values[i + 2]!));
    });
  }

  /** A scalar output's draws, or one entry of a container (`column("beta", 2, 1, 3)`). */
  column(name: string, ...index: number[]): number[] {
    const key = index.length ? `${name}.${index.join(".")}` : name;
    const v = this.data.get(key);
    if (!v) throw new Error(`the simulator's draws have no column ${bracketName(key)}`);
    return v;
  }

  has(name: string): boolean {
    return this.data.has(name) || this.columns.some((c) => c.startsWith(`${name}.`));
  }

  /** The columns of one output, in the simulator's order. */
  columnsOf(name: string): string[] {
    return this.columns.filter((c) => c === name || c.startsWith(`${name}.`));
  }

  /** prior_samples.csv: bracket names, `param_set` last; `index` adds pandas' unnamed row index first. */
  samplesCsv(index: boolean): string {
    const quote = (s: string) => (s.includes(",") ? `"${s}"` : s);
    const header = [...(index ? [""] : []), ...this.columns.map((c) => quote(bracketName(c))), "param_set"];
    const cols = this.columns.map((c) => this.data.get(c)!);
    const out = [header.join(",")];
    for (let r = 0; r < this.rows; r++) {
      const row = cols.map((v) => formatValue(v[r]));
      out.push([...(index ? [String(r)] : []), ...row, String(this.paramSet[r])].join(","));
    }
    return `${out.join("\n")}\n`;
  }
}
