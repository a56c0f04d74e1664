/**
 * Reader for the CSV files CmdStan writes (Stan CSV).
 *
 * Layout (see /work/shared/CMDSTAN.md): `#` comment lines with the run's arguments (read by
 * key, never by position), one header row, then for HMC optionally the saved warmup draws,
 * the adaptation block (`# Adaptation terminated`, `# Step size = ...`, the inverse metric),
 * the post-warmup draws, and the timing block (`#  Elapsed Time: ...`).
 *
 * The header row goes through csv-parse; the draws go through a hand-written splitter that
 * still validates every row (exact field count, every field a number, `nan`/`inf`/`-inf`
 * allowed) and every count (warmup and post-warmup draws against num_warmup, num_samples,
 * thin, save_warmup). Nothing is silently dropped or padded: any deviation is a
 * StanCsvError that names the file, the line and the problem.
 */
import { Buffer, isAscii } from "node:buffer";
import { readFile } from "node:fs/promises";
import { parse as parseCsv } from "csv-parse/sync";
import { StanCsvError } from "../util/errors.js";

export interface StanCsvConfig {
  stanVersion: string;
  model: string;
  method: string;
  algorithm?: string;
  engine?: string;
  /** `metric` argument of HMC (diag_e, dense_e, unit_e) when present. */
  metric?: string;
  numSamples: number;
  numWarmup: number;
  saveWarmup: boolean;
  thin: number;
  adaptEngaged?: boolean;
  adaptDelta?: number;
  maxDepth?: number;
  seed?: number;
  chainId?: number;
  dataFile?: string;
  /**
   * Every `key = value` comment line before the header, keyed by its dotted path in the
   * argument tree (built from the indentation), value without the ` (Default)` suffix.
   * Examples: `stan_version_major`, `model`, `method`, `method.sample.num_samples`,
   * `method.sample.adapt.delta`, `method.sample.algorithm.hmc.engine.nuts.max_depth`,
   * `method.sample.algorithm.hmc.metric`, `id`, `data.file`, `random.seed`, `output.file`.
   */
  raw: Record<string, string>;
}

/** One output variable. `columnNames` are CSV column names (`beta.1.2`), in row-major order of the index. */
export interface StanVariable {
  name: string;
  dims: number[];
  columnNames: string[];
}

export interface StanAdaptation {
  stepSize: number;
  /** diag_e: the diagonal; dense_e: the matrix by rows; unit_e: []. */
  inverseMetric: number[] | number[][];
  metric: "diag_e" | "dense_e" | "unit_e";
}

export interface StanCsv {
  file: string;
  config: StanCsvConfig;
  /** Every column of the header row, in file order (also the unselected ones). */
  columnNames: string[];
  /** The selected variables (all when no subset was asked for), in file order. */
  variables: StanVariable[];
  /** Post-warmup draws of the selected columns, keyed by CSV column name (`alpha.3`). */
  draws: Record<string, Float64Array>;
  numDraws: number;
  numWarmupDraws: number;
  /** Saved warmup draws (save_warmup=1), same keys as `draws`; absent when none were saved. */
  warmupDraws?: Record<string, Float64Array>;
  adaptation?: StanAdaptation;
  timing?: { warmup: number; sampling: number; total: number };
}

export interface ReadStanCsvOptions {
  /** Subset by variable name (`gamma0`, `alpha`); sampler columns (`lp__`, ...) by name too. */
  variables?: string[];
  /** Refuse files whose `method` is not this one (checked right after the comment header). */
  requireMethod?: "sample";
}

export interface StanFit {
  files: string[];
  chains: StanCsv[];
  variables: StanVariable[];
  config: StanCsvConfig;
}

// ---------------------------------------------------------------------------------------
// Small helpers

/** `beta.1.2.1` -> `beta[1,2,1]`; names without indices are returned unchanged. */
export function bracketName(csvColumn: string): string {
  const dot = csvColumn.indexOf(".");
  if (dot < 0) return csvColumn;
  return `${csvColumn.slice(0, dot)}[${csvColumn
    .slice(dot + 1)
    .split(".")
    .join(",")}]`;
}

const CH_0 = 48;
const CH_9 = 57;

/**
 * Strict number parse: a decimal literal as C++ iostreams print it, or nan / inf / -inf
 * (any case, optional sign, `infinity`). Returns undefined for anything else (empty,
 * whitespace, hex, trailing garbage).
 */
export function parseStanNumber(s: string): number | undefined {
  const n = s.length;
  if (n === 0) return undefined;
  const v = +s;
  const cl = s.charCodeAt(n - 1);
  if (v === v && ((cl >= CH_0 && cl <= CH_9) || cl === 46)) {
    const c0 = s.charCodeAt(0);
    if (!((c0 >= CH_0 && c0 <= CH_9) || c0 === 45 || c0 === 43 || c0 === 46)) return undefined;
    if (n > 1 && c0 === CH_0) {
      const c1 = s.charCodeAt(1) | 0x20;
      if (c1 === 120 || c1 === 98 || c1 === 111) return undefined; // 0x 0b 0o
    }
    return v;
  }
  switch (s.toLowerCase()) {
    case "nan":
    case "-nan":
    case "+nan":
      return NaN;
    case "inf":
    case "+inf":
    case "infinity":
    case "+infinity":
      return Infinity;
    case "-inf":
    case "-infinity":
      return -Infinity;
    default:
      return undefined;
  }
}

/** Exact powers of ten (10^22 is the largest power of ten a double holds exactly). */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** End of the field scanned by the last successful scanPlainNumber call (index of its ',' or the row's end). */
let scanEnd = 0;

/**
 * Fast path of the draw parser: the field of `row` (the file's bytes, see asciiBytes) starting
 * at `p` (up to the next ',' or `n`)
 * when it is `[+-]digits[.digits][(e|E)[+-]digits]` with 1 to 15 mantissa digits and a decimal
 * exponent within +-22, converted as m / 10^k or m * 10^k: both operands are exact doubles,
 * so the one rounding gives the correctly rounded value, i.e. exactly what `+field` gives
 * (Clinger's fast path). Sets scanEnd. Returns NaN for anything else (nan, inf, more digits,
 * empty or malformed fields), which the caller hands to parseStanNumber unchanged.
 */
function scanPlainNumber(row: Uint8Array, p: number, n: number): number {
  let q = p;
  let c = q < n ? row[q] : -1;
  let neg = false;
  if (c === 45 || c === 43) {
    neg = c === 45;
    c = ++q < n ? row[q] : -1;
  }
  let m = 0;
  let digits = 0;
  let scale = 0;
  while (c >= CH_0 && c <= CH_9) {
    m = m * 10 + (c - CH_0);
    digits++;
    c = ++q < n ? row[q] : -1;
  }
  if (c === 46) {
    c = ++q < n ? row[q] : -1;
    while (c >= CH_0 && c <= CH_9) {
      m = m * 10 + (c - CH_0);
      digits++;
      scale++;
      c = ++q < n ? row[q] : -1;
    }
  }
  if (digits === 0 || digits > 15) return NaN;
  if (c === 101 || c === 69) {
    c = ++q < n ? row[q] : -1;
    let eneg = false;
    if (c === 45 || c === 43) {
      eneg = c === 45;
      c = ++q < n ? row[q] : -1;
    }
    let ex = 0;
    let ed = 0;
    while (c >= CH_0 && c <= CH_9) {
      ex = ex * 10 + (c - CH_0);
      ed++;
      c = ++q < n ? row[q] : -1;
    }
    if (ed === 0 || ed > 4) return NaN;
    scale += eneg ? ex : -ex;
  }
  if ((c !== 44 && c !== -1) || scale > 22 || scale < -22) return NaN;
  scanEnd = q < n ? q : n;
  const v = scale > 0 ? m / POW10[scale] : scale < 0 ? m * POW10[-scale] : m;
  return neg ? -v : v;
}

/**
 * The text as one byte per UTF-16 unit, so that byte offsets are string offsets: the file's own
 * bytes when they are all ASCII (always, for CmdStan's output), else the text with every
 * non-ASCII unit replaced by DEL, which the fast path refuses (the field then goes through
 * parseStanNumber on the text itself, and its error message quotes the real characters).
 */
function asciiBytes(text: string, fileBytes?: Uint8Array): Uint8Array {
  if (fileBytes && isAscii(fileBytes)) return fileBytes;
  return Buffer.from(text.replace(/[\x80-\uffff]/g, "\x7f"), "latin1");
}

const COLUMN_NAME = /^[A-Za-z][A-Za-z0-9_]*(?:\.[1-9][0-9]*)*$/;

/** Line reader over the whole text that knows line numbers and whether a line ended in \n. */
class Lines {
  private pos = 0;
  lineNo = 0;
  terminated = true;
  /** Where the last line returned by next() lies in the text (end excludes '\n' and a final '\r'). */
  lineStart = 0;
  lineEnd = 0;
  constructor(private readonly text: string) {}
  next(): string | null {
    const text = this.text;
    if (this.pos >= text.length) return null;
    let end = text.indexOf("\n", this.pos);
    this.lineStart = this.pos;
    if (end < 0) {
      end = text.length;
      this.pos = text.length;
      this.terminated = false;
    } else {
      this.pos = end + 1;
      this.terminated = true;
    }
    if (end > this.lineStart && text.charCodeAt(end - 1) === 13) end--;
    this.lineEnd = end;
    this.lineNo++;
    return text.slice(this.lineStart, end);
  }
  /** Look at the next line without consuming it. */
  peek(): string | null {
    const save = {
      pos: this.pos,
      lineNo: this.lineNo,
      terminated: this.terminated,
      lineStart: this.lineStart,
      lineEnd: this.lineEnd,
    };
    const line = this.next();
    Object.assign(this, save);
    return line;
  }
}

function parseBool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  const s = v.trim().toLowerCase();
  if (s === "1" || s === "true") return true;
  if (s === "0" || s === "false") return false;
  return undefined;
}

interface ParsedComments {
  raw: Record<string, string>;
  lines: Map<string, number>;
}

/** Comment content after '#', without the leading '#'. */
function parseConfigLine(content: string, stack: string[], out: ParsedComments, lineNo: number): void {
  if (content.trim() === "") return;
  let k = 0;
  while (k < content.length && content.charCodeAt(k) === 32) k++;
  const depth = Math.max(0, Math.floor((k - 1) / 2));
  const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*(?:=(.*))?$/.exec(content.slice(k).trimEnd());
  if (!m) return; // not part of the argument tree (free text); nothing to record
  const key = m[1];
  stack.length = Math.min(stack.length, depth);
  while (stack.length < depth) stack.push("?");
  stack.push(key);
  if (m[2] !== undefined) {
    let value = m[2].trim();
    if (value.endsWith("(Default)")) value = value.slice(0, -"(Default)".length).trim();
    const path = stack.join(".");
    out.raw[path] = value;
    out.lines.set(path, lineNo);
  }
}

const configLineNumbers = new WeakMap<StanCsvConfig, Map<string, number>>();

/** Line number of a raw config key in the file the config came from (for error messages). */
function configLine(config: StanCsvConfig, key: string): number | undefined {
  return configLineNumbers.get(config)?.get(key);
}

function buildConfig(file: string, parsed: ParsedComments, headerLine: number): StanCsvConfig {
  const raw = parsed.raw;
  const need = (key: string, what: string): string => {
    const v = raw[key];
    if (v === undefined || v === "")
      throw new StanCsvError(
        `missing '${key}' (${what}) in the comment header before the column names`,
        file,
        headerLine,
      );
    return v;
  };
  const int = (key: string, optional: boolean): number | undefined => {
    const v = raw[key];
    if (v === undefined || v === "") {
      if (optional) return undefined;
      throw new StanCsvError(`missing '${key}' in the comment header`, file, headerLine);
    }
    if (!/^-?\d+$/.test(v)) throw new StanCsvError(`'${key}' = '${v}' is not an integer`, file, parsed.lines.get(key));
    return Number(v);
  };
  const num = (key: string): number | undefined => {
    const v = raw[key];
    if (v === undefined || v === "") return undefined;
    const x = parseStanNumber(v);
    if (x === undefined) throw new StanCsvError(`'${key}' = '${v}' is not a number`, file, parsed.lines.get(key));
    return x;
  };
  const bool = (key: string, optional: boolean): boolean | undefined => {
    const v = raw[key];
    if (v === undefined) {
      if (optional) return undefined;
      throw new StanCsvError(`missing '${key}' in the comment header`, file, headerLine);
    }
    const b = parseBool(v);
    if (b === undefined)
      throw new StanCsvError(`'${key}' = '${v}' is not a boolean (0/1/true/false)`, file, parsed.lines.get(key));
    return b;
  };

  const major = need("stan_version_major", "Stan version");
  const minor = need("stan_version_minor", "Stan version");
  const patch = need("stan_version_patch", "Stan version");
  const model = need("model", "model name");
  const method = need("method", "method");
  const isSample = method === "sample";
  const S = "method.sample";
  const numSamples = isSample ? (int(`${S}.num_samples`, false) as number) : (int(`${S}.num_samples`, true) ?? 0);
  const numWarmup = isSample ? (int(`${S}.num_warmup`, false) as number) : (int(`${S}.num_warmup`, true) ?? 0);
  const thin = isSample ? (int(`${S}.thin`, false) as number) : (int(`${S}.thin`, true) ?? 1);
  const saveWarmup = isSample
    ? (bool(`${S}.save_warmup`, false) as boolean)
    : (bool(`${S}.save_warmup`, true) ?? false);
  if (isSample) {
    if (numSamples < 0)
      throw new StanCsvError(`num_samples = ${numSamples} is negative`, file, parsed.lines.get(`${S}.num_samples`));
    if (numWarmup < 0)
      throw new StanCsvError(`num_warmup = ${numWarmup} is negative`, file, parsed.lines.get(`${S}.num_warmup`));
    if (thin < 1) throw new StanCsvError(`thin = ${thin} must be at least 1`, file, parsed.lines.get(`${S}.thin`));
  }
  const algorithm = raw[`${S}.algorithm`] || undefined;
  const engine = raw[`${S}.algorithm.hmc.engine`] || undefined;
  const metric = raw[`${S}.algorithm.hmc.metric`] || undefined;
  const maxDepth = engine === "nuts" ? int(`${S}.algorithm.hmc.engine.nuts.max_depth`, true) : undefined;
  const dataFile = raw["data.file"];
  const config: StanCsvConfig = {
    stanVersion: `${major}.${minor}.${patch}`,
    model,
    method,
    algorithm,
    engine,
    metric,
    numSamples,
    numWarmup,
    saveWarmup,
    thin,
    adaptEngaged: bool(`${S}.adapt.engaged`, true),
    adaptDelta: num(`${S}.adapt.delta`),
    maxDepth,
    seed: num("random.seed"),
    chainId: int("id", true),
    dataFile: dataFile ? dataFile : undefined,
    raw,
  };
  for (const k of Object.keys(config) as (keyof StanCsvConfig)[]) if (config[k] === undefined) delete config[k];
  configLineNumbers.set(config, parsed.lines);
  return config;
}

/** Group header columns into variables; validates names, contiguity and column-major order. */
function columnsToVariables(file: string, columns: string[], headerLine: number): StanVariable[] {
  const vars: StanVariable[] = [];
  const seen = new Set<string>();
  let i = 0;
  while (i < columns.length) {
    const first = columns[i];
    const dot = first.indexOf(".");
    const base = dot < 0 ? first : first.slice(0, dot);
    if (seen.has(base))
      throw new StanCsvError(
        `column ${i + 1} '${first}': variable '${base}' appears twice in the header (its columns are not contiguous)`,
        file,
        headerLine,
      );
    seen.add(base);
    if (dot < 0) {
      vars.push({ name: base, dims: [], columnNames: [first] });
      i++;
      continue;
    }
    // Collect the contiguous run of columns base.<i>.<j>...
    const start = i;
    const idx: number[][] = [];
    while (i < columns.length && columns[i].startsWith(base + ".")) {
      idx.push(
        columns[i]
          .slice(base.length + 1)
          .split(".")
          .map(Number),
      );
      i++;
    }
    const k = idx[0].length;
    const dims = new Array<number>(k).fill(0);
    for (let r = 0; r < idx.length; r++) {
      if (idx[r].length !== k)
        throw new StanCsvError(
          `column ${start + r + 1} '${columns[start + r]}' has ${idx[r].length} indices, other columns of '${base}' have ${k}`,
          file,
          headerLine,
        );
      for (let d = 0; d < k; d++) if (idx[r][d] > dims[d]) dims[d] = idx[r][d];
    }
    const size = dims.reduce((a, b) => a * b, 1);
    if (size !== idx.length)
      throw new StanCsvError(
        `variable '${base}' has ${idx.length} columns but its indices span [${dims.join(",")}] = ${size} cells`,
        file,
        headerLine,
      );
    // Column-major: first index fastest.
    const cur = new Array<number>(k).fill(1);
    for (let r = 0; r < idx.length; r++) {
      for (let d = 0; d < k; d++) {
        if (idx[r][d] !== cur[d])
          throw new StanCsvError(
            `column ${start + r + 1} '${columns[start + r]}' is out of the column-major order CmdStan writes (expected '${base}.${cur.join(".")}')`,
            file,
            headerLine,
          );
      }
      for (let d = 0; d < k; d++) {
        if (cur[d] < dims[d]) {
          cur[d]++;
          break;
        }
        cur[d] = 1;
      }
    }
    // Row-major listing of the names.
    const names: string[] = [];
    const t = new Array<number>(k).fill(1);
    for (let r = 0; r < size; r++) {
      names.push(`${base}.${t.join(".")}`);
      for (let d = k - 1; d >= 0; d--) {
        if (t[d] < dims[d]) {
          t[d]++;
          break;
        }
        t[d] = 1;
      }
    }
    vars.push({ name: base, dims, columnNames: names });
  }
  return vars;
}

function parseHeaderRow(file: string, line: string, lineNo: number): string[] {
  let records: string[][];
  try {
    records = parseCsv(line, { relax_column_count: false }) as string[][];
  } catch (e) {
    throw new StanCsvError(`header row is not valid CSV: ${(e as Error).message}`, file, lineNo);
  }
  if (records.length !== 1) throw new StanCsvError(`header row is not a single CSV record`, file, lineNo);
  const cols = records[0];
  const seen = new Set<string>();
  cols.forEach((c, i) => {
    if (c === "") throw new StanCsvError(`header column ${i + 1} is empty`, file, lineNo);
    if (!COLUMN_NAME.test(c))
      throw new StanCsvError(
        `header column ${i + 1} '${c}' is not a Stan output name (name, or name.i.j with positive indices)`,
        file,
        lineNo,
      );
    if (seen.has(c)) throw new StanCsvError(`header column ${i + 1} '${c}' appears twice`, file, lineNo);
    seen.add(c);
  });
  return cols;
}

/** Growable Float64Array, for outputs whose number of rows is not known in advance. */
class Grow {
  data = new Float64Array(64);
  n = 0;
  push(v: number): void {
    if (this.n === this.data.length) {
      const d = new Float64Array(this.data.length * 2);
      d.set(this.data);
      this.data = d;
    }
    this.data[this.n++] = v;
  }
  done(): Float64Array {
    return this.data.slice(0, this.n);
  }
}

function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

// ---------------------------------------------------------------------------------------

/**
 * Read one Stan CSV file. For method=sample every count is checked; other methods are read
 * generically (header plus numeric rows, surrounding spaces in fields tolerated as pathfinder
 * writes them) unless `requireMethod` refuses them.
 */
export async function readStanCsv(file: string, opts: ReadStanCsvOptions = {}): Promise<StanCsv> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new StanCsvError(`cannot read file: ${(e as Error).message}`, file);
  }
  return parseStanCsv(bytes.toString("utf8"), file, opts, bytes);
}

/** The parser behind readStanCsv, on text already in memory (`file` is used in messages). */
export function parseStanCsvText(text: string, file: string, opts: ReadStanCsvOptions = {}): StanCsv {
  return parseStanCsv(text, file, opts);
}

function parseStanCsv(text: string, file: string, opts: ReadStanCsvOptions, fileBytes?: Uint8Array): StanCsv {
  const lines = new Lines(text);
  const comments: ParsedComments = { raw: {}, lines: new Map() };
  const stack: string[] = [];

  // 1. Comment header up to the column names.
  let line: string | null;
  let header: string | null = null;
  while ((line = lines.next()) !== null) {
    if (line.startsWith("#")) {
      parseConfigLine(line.slice(1), stack, comments, lines.lineNo);
      continue;
    }
    if (line.trim() === "") throw new StanCsvError("empty line before the header row", file, lines.lineNo);
    header = line;
    break;
  }
  if (header === null)
    throw new StanCsvError(
      "no header row (file is empty or holds only comment lines)",
      file,
      lines.lineNo || undefined,
    );
  const headerLine = lines.lineNo;
  if (!lines.terminated)
    throw new StanCsvError("header row is not terminated by a newline (file truncated?)", file, headerLine);

  const config = buildConfig(file, comments, headerLine);
  if (opts.requireMethod && config.method !== opts.requireMethod)
    throw new StanCsvError(
      `method is '${config.method}', expected '${opts.requireMethod}' (this is not ${opts.requireMethod === "sample" ? "MCMC sampler" : opts.requireMethod} output)`,
      file,
      comments.lines.get("method"),
    );

  // 2. Header row -> variables, selection.
  const columnNames = parseHeaderRow(file, header, headerLine);
  const ncol = columnNames.length;
  const allVars = columnsToVariables(file, columnNames, headerLine);
  let variables = allVars;
  if (opts.variables) {
    const byName = new Map(allVars.map((v) => [v.name, v]));
    const missing = opts.variables.filter((n) => !byName.has(n));
    if (missing.length > 0)
      throw new StanCsvError(
        `variable${missing.length > 1 ? "s" : ""} ${missing.map((m) => `'${m}'`).join(", ")} not in the header (has: ${allVars.map((v) => v.name).join(", ")})`,
        file,
        headerLine,
      );
    const wanted = new Set(opts.variables);
    variables = allVars.filter((v) => wanted.has(v.name));
  }
  const selectedCols = new Set<string>();
  for (const v of variables) for (const c of v.columnNames) selectedCols.add(c);
  const slot = new Int32Array(ncol).fill(-1); // column index -> selected slot
  const slotNames: string[] = [];
  columnNames.forEach((c, j) => {
    if (selectedCols.has(c)) {
      slot[j] = slotNames.length;
      slotNames.push(c);
    }
  });
  const nsel = slotNames.length;

  // 3. Body.
  const isSample = config.method === "sample";
  const isHmc = isSample && columnNames.includes("stepsize__");
  const expectedWarmup = isHmc && config.saveWarmup ? ceilDiv(config.numWarmup, config.thin) : 0;
  const expectedDraws = isSample ? ceilDiv(config.numSamples, config.thin) : -1;
  const tolerateSpaces = !isSample;

  const warm: Float64Array[] = [];
  const post: Float64Array[] = [];
  const grow: Grow[] = [];
  for (let s = 0; s < nsel; s++) {
    if (isSample) {
      warm.push(new Float64Array(expectedWarmup));
      post.push(new Float64Array(expectedDraws));
    } else grow.push(new Grow());
  }
  let stage: "warmup" | "sampling" | "done" = isHmc ? "warmup" : "sampling";
  let nWarm = 0;
  let nPost = 0;
  let lastLine = headerLine;
  let adaptation: StanAdaptation | undefined;
  let timing: StanCsv["timing"];
  const fieldError = (j: number, field: string, lineNo: number): never => {
    throw new StanCsvError(`column ${j + 1} (${columnNames[j]}): '${field}' is not a number`, file, lineNo);
  };

  // The fast path scans bytes (see asciiBytes); other methods' files only take the general path.
  const bytes = tolerateSpaces ? new Uint8Array(0) : asciiBytes(text, fileBytes);
  /** Parses the draw at text[start, end) (one line without its line break) into `target` at `at`. */
  const readRow = (start: number, end: number, lineNo: number, target: Float64Array[] | null, at: number): void => {
    const row = text;
    const n = end;
    let p = start;
    for (let j = 0; j < ncol; j++) {
      // Fast path (plain decimals, the bulk of every file); anything else, or a field the fast
      // path cannot convert exactly, goes through parseStanNumber as before.
      let v = tolerateSpaces ? NaN : scanPlainNumber(bytes, p, n);
      let e: number;
      if (v === v) {
        e = scanEnd;
      } else {
        e = row.indexOf(",", p);
        if (e < 0 || e > n) e = n;
      }
      if (e === n) {
        if (j !== ncol - 1)
          throw new StanCsvError(
            `row has ${j + 1} fields, the header has ${ncol} (missing values: truncated or malformed row)`,
            file,
            lineNo,
          );
      } else if (j === ncol - 1) {
        let extra = 1;
        for (let q = row.indexOf(",", e + 1); q >= 0 && q < n; q = row.indexOf(",", q + 1)) extra++;
        throw new StanCsvError(`row has ${ncol + extra} fields, the header has ${ncol}`, file, lineNo);
      }
      if (v !== v) {
        let field = row.slice(p, e);
        if (tolerateSpaces) field = field.trim();
        const parsed = parseStanNumber(field);
        if (parsed === undefined) fieldError(j, field, lineNo);
        v = parsed as number;
      }
      const s = slot[j];
      if (s >= 0) {
        if (target) target[s][at] = v;
        else grow[s].push(v);
      }
      p = e + 1;
    }
  };

  /** Next line, which must be a comment; returns its content after '#', trimmed. */
  const needComment = (what: string): string => {
    const l = lines.next();
    if (l === null) throw new StanCsvError(`file ends where ${what} was expected`, file, lines.lineNo);
    if (!l.startsWith("#")) throw new StanCsvError(`expected ${what}, found '${l.slice(0, 60)}'`, file, lines.lineNo);
    return l.slice(1).trim();
  };
  const parseList = (content: string, lineNo: number, what: string): number[] => {
    if (content === "") return [];
    return content.split(",").map((f, i) => {
      const v = parseStanNumber(f.trim());
      if (v === undefined)
        throw new StanCsvError(`${what}: entry ${i + 1} '${f.trim()}' is not a number`, file, lineNo);
      return v;
    });
  };

  const readAdaptation = (): StanAdaptation => {
    const stepContent = needComment("'# Step size = <number>'");
    const sm = /^Step size\s*=\s*(.*)$/.exec(stepContent);
    if (!sm)
      throw new StanCsvError(
        `expected '# Step size = <number>' after '# Adaptation terminated', found '# ${stepContent}'`,
        file,
        lines.lineNo,
      );
    const stepSize = parseStanNumber(sm[1].trim());
    if (stepSize === undefined)
      throw new StanCsvError(`step size '${sm[1].trim()}' is not a number`, file, lines.lineNo);
    // CmdStan 2.27 writes nothing after the step size for metric=unit_e (some releases write
    // 'No free parameters for unit metric').
    if (config.metric === "unit_e") {
      const nxt = lines.peek();
      const c = nxt !== null && nxt.startsWith("#") ? nxt.slice(1).trim() : "";
      if (!/inverse mass matrix|unit metric/.test(c)) return { stepSize, inverseMetric: [], metric: "unit_e" };
    }
    const metricHead = needComment("the inverse metric");
    const metricLine = lines.lineNo;
    const declared = config.metric;
    if (/^Diagonal elements of inverse mass matrix:?$/.test(metricHead)) {
      if (declared && declared !== "diag_e")
        throw new StanCsvError(
          `header says metric = ${declared} but the adaptation block holds a diagonal inverse metric`,
          file,
          metricLine,
        );
      const values = parseList(
        needComment("the diagonal of the inverse metric"),
        lines.lineNo,
        "diagonal inverse metric",
      );
      // A dense-looking continuation (more metric rows) means the block is not what it says.
      const nxt = lines.peek();
      if (nxt !== null && nxt.startsWith("#")) {
        const c = nxt.slice(1).trim();
        if (c !== "" && c.split(",").every((f) => parseStanNumber(f.trim()) !== undefined))
          throw new StanCsvError(
            `diagonal inverse metric continues over several lines (a matrix?); expected one line of values`,
            file,
            lines.lineNo + 1,
          );
      }
      return { stepSize, inverseMetric: values, metric: "diag_e" };
    }
    if (/^Elements of inverse mass matrix:?$/.test(metricHead)) {
      if (declared && declared !== "dense_e")
        throw new StanCsvError(
          `header says metric = ${declared} but the adaptation block holds a dense inverse metric`,
          file,
          metricLine,
        );
      const first = parseList(
        needComment("the first row of the dense inverse metric"),
        lines.lineNo,
        "dense inverse metric row 1",
      );
      const n = first.length;
      const rows = [first];
      for (let r = 1; r < n; r++) {
        const row = parseList(
          needComment(`row ${r + 1} of the dense inverse metric`),
          lines.lineNo,
          `dense inverse metric row ${r + 1}`,
        );
        if (row.length !== n)
          throw new StanCsvError(
            `dense inverse metric row ${r + 1} has ${row.length} entries, expected ${n} (a ${n} x ${n} matrix)`,
            file,
            lines.lineNo,
          );
        rows.push(row);
      }
      return { stepSize, inverseMetric: rows, metric: "dense_e" };
    }
    if (/^No free parameters for unit metric$/.test(metricHead)) {
      if (declared && declared !== "unit_e")
        throw new StanCsvError(
          `header says metric = ${declared} but the adaptation block is for a unit metric`,
          file,
          metricLine,
        );
      return { stepSize, inverseMetric: [], metric: "unit_e" };
    }
    throw new StanCsvError(
      `expected the inverse metric after the step size, found '# ${metricHead}'`,
      file,
      metricLine,
    );
  };

  const timingRe = (label: string) => new RegExp(`^(?:Elapsed Time:)?\\s*(\\S+)\\s+seconds\\s+\\(${label}\\)$`);
  const readTiming = (firstContent: string): NonNullable<StanCsv["timing"]> => {
    const get = (content: string, label: string, lineNo: number): number => {
      const m = timingRe(label).exec(content);
      const v = m ? parseStanNumber(m[1]) : undefined;
      if (v === undefined)
        throw new StanCsvError(
          `malformed timing line, expected '<seconds> seconds (${label})', found '# ${content}'`,
          file,
          lineNo,
        );
      return v;
    };
    const warmup = get(firstContent, "Warm-up", lines.lineNo);
    const sampling = get(needComment("the sampling time"), "Sampling", lines.lineNo);
    const total = get(needComment("the total time"), "Total", lines.lineNo);
    return { warmup, sampling, total };
  };

  while ((line = lines.next()) !== null) {
    const lineNo = lines.lineNo;
    if (line.startsWith("#")) {
      if (!isSample) continue; // other methods: comment lines carry nothing we read
      const content = line.slice(1).trim();
      if (content === "") continue;
      if (content === "Adaptation terminated") {
        if (stage !== "warmup")
          throw new StanCsvError(
            isHmc
              ? `second adaptation block`
              : `adaptation block in output without HMC sampler columns (no stepsize__)`,
            file,
            lineNo,
          );
        if (nWarm !== expectedWarmup)
          throw new StanCsvError(
            `${nWarm} warmup draws before the adaptation block, expected ${expectedWarmup} (save_warmup=${config.saveWarmup ? 1 : 0}, num_warmup=${config.numWarmup}, thin=${config.thin})`,
            file,
            lineNo,
          );
        adaptation = readAdaptation();
        stage = "sampling";
        continue;
      }
      if (content.startsWith("Elapsed Time:")) {
        if (stage === "warmup")
          throw new StanCsvError(
            `timing block before the adaptation block (no '# Adaptation terminated' in HMC output)`,
            file,
            lineNo,
          );
        if (timing) throw new StanCsvError("second timing block", file, lineNo);
        timing = readTiming(content);
        stage = "done";
        continue;
      }
      continue; // other comments (blank '#', free text of newer releases)
    }
    if (!lines.terminated)
      throw new StanCsvError(
        `last line is not terminated by a newline: the file was cut off (truncated draw)`,
        file,
        lineNo,
      );
    if (line.trim() === "") throw new StanCsvError("empty line among the draws", file, lineNo);
    lastLine = lineNo;
    if (!isSample) {
      readRow(lines.lineStart, lines.lineEnd, lineNo, null, 0);
      nPost++;
      continue;
    }
    if (stage === "done") throw new StanCsvError("draw after the timing block", file, lineNo);
    if (stage === "warmup") {
      if (!config.saveWarmup)
        throw new StanCsvError(
          `draw found where the adaptation block ('# Adaptation terminated', '# Step size = ...', inverse metric) was expected (save_warmup=0, HMC output)`,
          file,
          lineNo,
        );
      if (nWarm >= expectedWarmup)
        throw new StanCsvError(
          `more than ${expectedWarmup} warmup draws (num_warmup=${config.numWarmup}, thin=${config.thin}) before the adaptation block (block missing?)`,
          file,
          lineNo,
        );
      readRow(lines.lineStart, lines.lineEnd, lineNo, warm, nWarm);
      nWarm++;
      continue;
    }
    if (nPost >= expectedDraws)
      throw new StanCsvError(
        `more than the ${expectedDraws} post-warmup draws expected (num_samples=${config.numSamples}, thin=${config.thin})`,
        file,
        lineNo,
      );
    readRow(lines.lineStart, lines.lineEnd, lineNo, post, nPost);
    nPost++;
  }

  if (isSample) {
    if (stage === "warmup")
      throw new StanCsvError(
        `no adaptation block ('# Adaptation terminated', '# Step size = ...', inverse metric) in HMC output` +
          (nWarm > 0 ? ` after ${nWarm} warmup draws` : ""),
        file,
        lines.lineNo,
      );
    if (nPost !== expectedDraws)
      throw new StanCsvError(
        `${nPost} post-warmup draws, expected ${expectedDraws} (num_samples=${config.numSamples}, thin=${config.thin}): file incomplete`,
        file,
        lastLine,
      );
  }

  const draws: Record<string, Float64Array> = {};
  let warmupDraws: Record<string, Float64Array> | undefined;
  if (isSample) {
    slotNames.forEach((c, s) => (draws[c] = post[s]));
    if (expectedWarmup > 0) {
      warmupDraws = {};
      for (let s = 0; s < nsel; s++) warmupDraws[slotNames[s]] = warm[s];
    }
  } else {
    slotNames.forEach((c, s) => (draws[c] = grow[s].done()));
  }

  const out: StanCsv = {
    file,
    config,
    columnNames,
    variables,
    draws,
    numDraws: nPost,
    numWarmupDraws: nWarm,
  };
  if (warmupDraws) out.warmupDraws = warmupDraws;
  if (adaptation) out.adaptation = adaptation;
  if (timing) out.timing = timing;
  return out;
}

/**
 * Read the chains of one fit and check they belong together: same method, model, columns,
 * num_samples and thin. A disagreement is a StanCsvError naming the file that differs from
 * the first one.
 */
export async function readStanFit(
  files: string[],
  opts: { variables?: string[]; requireMethod?: "sample" } = {},
): Promise<StanFit> {
  if (files.length === 0) throw new StanCsvError("no CSV files given for the fit", "(none)");
  // Read in parallel but report failures in file order: with Promise.all the file named in the
  // error would be whichever chain happened to fail first on a busy machine.
  const settled = await Promise.allSettled(files.map((f) => readStanCsv(f, opts)));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  const chains = settled.map((r) => (r as PromiseFulfilledResult<StanCsv>).value);
  const ref = chains[0];
  for (let c = 1; c < chains.length; c++) {
    const ch = chains[c];
    const a = ref.config;
    const b = ch.config;
    const differ = (what: string, key: string, x: unknown, y: unknown): never => {
      throw new StanCsvError(
        `${what} ${JSON.stringify(y)} differs from ${JSON.stringify(x)} in ${ref.file} (chains of one fit must agree)`,
        ch.file,
        configLine(b, key),
      );
    };
    if (a.method !== b.method) differ("method", "method", a.method, b.method);
    if (a.model !== b.model) differ("model", "model", a.model, b.model);
    if (a.numSamples !== b.numSamples) differ("num_samples", "method.sample.num_samples", a.numSamples, b.numSamples);
    if (a.thin !== b.thin) differ("thin", "method.sample.thin", a.thin, b.thin);
    if (ref.columnNames.length !== ch.columnNames.length || ref.columnNames.some((n, i) => n !== ch.columnNames[i])) {
      const i = ref.columnNames.findIndex((n, k) => n !== ch.columnNames[k]);
      const detail =
        i >= 0 && i < ch.columnNames.length
          ? `column ${i + 1} is '${ch.columnNames[i]}', ${ref.file} has '${ref.columnNames[i] ?? "(none)"}'`
          : `${ch.columnNames.length} columns, ${ref.file} has ${ref.columnNames.length}`;
      throw new StanCsvError(`header columns differ from the first chain: ${detail}`, ch.file);
    }
    if (ref.numDraws !== ch.numDraws)
      throw new StanCsvError(`${ch.numDraws} draws, ${ref.file} has ${ref.numDraws}`, ch.file);
  }
  return { files: [...files], chains, variables: ref.variables, config: ref.config };
}
