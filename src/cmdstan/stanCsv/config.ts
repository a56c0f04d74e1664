/**
 * The comment header of a Stan CSV file: the `#` lines before the header row, in which CmdStan
 * prints its arguments as an indented tree (`#   num_samples = 1000 (Default)`). They are
 * read by key, never by position: releases add, drop and reorder lines.
 */
import { StanCsvError } from "../../util/errors.js";
import type { Lines } from "./lines.js";
import { parseStanNumber } from "./numbers.js";
import type { StanCsvConfig } from "./types.js";

/** The `key = value` comment lines by dotted path, and the line each came from. */
interface ConfigComments {
  raw: Record<string, string>;
  lines: Map<string, number>;
}

export interface ConfigHeader {
  config: StanCsvConfig;
  /** The header row (column names), which ends the comment block. */
  header: string;
  headerLine: number;
}

/**
 * Reads the comment lines up to the header row into a typed config. With `requireMethod`, a
 * file of another method is refused here, before its body (which has another layout) is read.
 */
export function readConfigHeader(lines: Lines, requireMethod?: "sample"): ConfigHeader {
  const file = lines.file;
  const comments: ConfigComments = { raw: {}, lines: new Map() };
  const stack: string[] = [];
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

  const config = buildConfig(new ConfigValues(file, comments, headerLine));
  if (requireMethod && config.method !== requireMethod)
    throw new StanCsvError(
      `method is '${config.method}', expected '${requireMethod}' (this is not ${requireMethod === "sample" ? "MCMC sampler" : requireMethod} output)`,
      file,
      comments.lines.get("method"),
    );
  return { config, header, headerLine };
}

const configLineNumbers = new WeakMap<StanCsvConfig, Map<string, number>>();

/** Line number of a raw config key in the file the config came from (for error messages). */
export function configLine(config: StanCsvConfig, key: string): number | undefined {
  return configLineNumbers.get(config)?.get(key);
}

/**
 * One comment line (content after '#') into `out`. The indentation gives the depth in the
 * argument tree (two spaces a level); `stack` holds the keys of the enclosing levels.
 */
function parseConfigLine(content: string, stack: string[], out: ConfigComments, lineNo: number): void {
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

function parseBool(v: string | undefined): boolean | undefined {
  if (v === undefined) return undefined;
  const s = v.trim().toLowerCase();
  if (s === "1" || s === "true") return true;
  if (s === "0" || s === "false") return false;
  return undefined;
}

/**
 * Typed reads of the comment values. A malformed value is reported at its own line; a missing
 * one at the header row, where the comment block ended without it.
 */
class ConfigValues {
  constructor(
    readonly file: string,
    readonly comments: ConfigComments,
    readonly headerLine: number,
  ) {}

  get raw(): Record<string, string> {
    return this.comments.raw;
  }

  lineOf(key: string): number | undefined {
    return this.comments.lines.get(key);
  }

  need(key: string, what: string): string {
    const v = this.raw[key];
    if (v === undefined || v === "")
      throw new StanCsvError(
        `missing '${key}' (${what}) in the comment header before the column names`,
        this.file,
        this.headerLine,
      );
    return v;
  }

  int(key: string, optional: boolean): number | undefined {
    const v = this.raw[key];
    if (v === undefined || v === "") {
      if (optional) return undefined;
      throw new StanCsvError(`missing '${key}' in the comment header`, this.file, this.headerLine);
    }
    if (!/^-?\d+$/.test(v)) throw new StanCsvError(`'${key}' = '${v}' is not an integer`, this.file, this.lineOf(key));
    return Number(v);
  }

  num(key: string): number | undefined {
    const v = this.raw[key];
    if (v === undefined || v === "") return undefined;
    const x = parseStanNumber(v);
    if (x === undefined) throw new StanCsvError(`'${key}' = '${v}' is not a number`, this.file, this.lineOf(key));
    return x;
  }

  bool(key: string, optional: boolean): boolean | undefined {
    const v = this.raw[key];
    if (v === undefined) {
      if (optional) return undefined;
      throw new StanCsvError(`missing '${key}' in the comment header`, this.file, this.headerLine);
    }
    const b = parseBool(v);
    if (b === undefined)
      throw new StanCsvError(`'${key}' = '${v}' is not a boolean (0/1/true/false)`, this.file, this.lineOf(key));
    return b;
  }
}

const S = "method.sample";

/**
 * num_samples, num_warmup, thin and save_warmup: required and range-checked for method=sample
 * (the draw counts are checked against them); other methods get neutral defaults.
 */
function samplingCounts(values: ConfigValues, isSample: boolean) {
  const count = (key: string, absent: number) =>
    isSample ? (values.int(`${S}.${key}`, false) as number) : (values.int(`${S}.${key}`, true) ?? absent);
  const numSamples = count("num_samples", 0);
  const numWarmup = count("num_warmup", 0);
  const thin = count("thin", 1);
  const saveWarmup = isSample
    ? (values.bool(`${S}.save_warmup`, false) as boolean)
    : (values.bool(`${S}.save_warmup`, true) ?? false);
  if (isSample) {
    const { file } = values;
    if (numSamples < 0)
      throw new StanCsvError(`num_samples = ${numSamples} is negative`, file, values.lineOf(`${S}.num_samples`));
    if (numWarmup < 0)
      throw new StanCsvError(`num_warmup = ${numWarmup} is negative`, file, values.lineOf(`${S}.num_warmup`));
    if (thin < 1) throw new StanCsvError(`thin = ${thin} must be at least 1`, file, values.lineOf(`${S}.thin`));
  }
  return { numSamples, numWarmup, thin, saveWarmup };
}

function buildConfig(values: ConfigValues): StanCsvConfig {
  const raw = values.raw;
  const major = values.need("stan_version_major", "Stan version");
  const minor = values.need("stan_version_minor", "Stan version");
  const patch = values.need("stan_version_patch", "Stan version");
  const model = values.need("model", "model name");
  const method = values.need("method", "method");
  const { numSamples, numWarmup, saveWarmup, thin } = samplingCounts(values, method === "sample");
  const algorithm = raw[`${S}.algorithm`] || undefined;
  const engine = raw[`${S}.algorithm.hmc.engine`] || undefined;
  const metric = raw[`${S}.algorithm.hmc.metric`] || undefined;
  const maxDepth = engine === "nuts" ? values.int(`${S}.algorithm.hmc.engine.nuts.max_depth`, true) : undefined;
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
    adaptEngaged: values.bool(`${S}.adapt.engaged`, true),
    adaptDelta: values.num(`${S}.adapt.delta`),
    maxDepth,
    seed: values.num("random.seed"),
    chainId: values.int("id", true),
    dataFile: dataFile ? dataFile : undefined,
    raw,
  };
  for (const k of Object.keys(config) as (keyof StanCsvConfig)[]) if (config[k] === undefined) delete config[k];
  configLineNumbers.set(config, values.comments.lines);
  return config;
}
