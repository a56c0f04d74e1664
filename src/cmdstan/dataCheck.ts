/**
 * A user's data file checked against what a model declares (`stanc --info`: each data
 * variable's base type, int or real, and its number of dimensions) before CmdStan reads it, so
 * that a bad file is refused in one message naming the file, every bad key and, where it helps,
 * the line: a key the model declares and the file lacks; a value of the wrong shape (a number
 * where an array is declared, too few or too many levels of nesting, rows of different
 * lengths); a real where an int is declared (`1.5`, and also `2.0`, which CmdStan's reader
 * refuses for an int); a NaN; a null; anything else that is not a number (strings, booleans,
 * objects). The sizes of the dimensions depend on other data (`array[M, R] int I`) that
 * `stanc --info` does not report; CmdStan checks them when it reads the data and names the
 * variable and both shapes.
 */
import { InputError } from "../util/errors.js";
import type { Found, StanJsonFile } from "./stanJsonRead.js";

/** What `stanc --info` says of a data variable. */
export interface DeclaredData {
  type: string;
  dimensions: number;
}

export interface CheckedData {
  /** The declared keys only, in the model's order (what CmdStan is given). */
  data: Record<string, unknown>;
  /** The declared keys whose base type is int (for the Stan JSON writer). */
  ints: string[];
  /** Keys of the file that the model does not declare (not passed on). */
  unused: string[];
}

function describeDeclared(d: DeclaredData): string {
  return d.dimensions === 0 ? `a scalar ${d.type}` : `${d.type} data with ${d.dimensions} dimension(s)`;
}

function kindOf(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return `a string (${JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}...` : v)})`;
  if (typeof v === "object") return "an object";
  return `a ${typeof v}`;
}

const at = (f: Found) => `${f.path}${f.literal !== undefined ? ` = ${f.literal}` : ""} (line ${f.line})`;

/**
 * Shape problems of `v` against `dims` levels of nesting: rectangular arrays of numbers only.
 * `lengths[depth]` is the length of the first array met at that depth; every other must match.
 */
function shapeProblem(v: unknown, dims: number, path: string, lengths: number[] = [], depth = 0): string | undefined {
  if (depth === dims) {
    if (typeof v === "number") return undefined;
    if (Array.isArray(v)) return `${path}: an array where a number is expected (too many levels of nesting)`;
    return `${path}: ${kindOf(v)} where a number is expected`;
  }
  if (!Array.isArray(v)) {
    const what = typeof v === "number" ? "a number" : kindOf(v);
    return `${path}: ${what} where an array is expected (${dims - depth} more level(s) of nesting declared)`;
  }
  lengths[depth] ??= v.length;
  if (v.length !== lengths[depth]) {
    return `${path}: ${v.length} entries where the other arrays at its level have ${lengths[depth]} (arrays must be rectangular)`;
  }
  for (let i = 0; i < v.length; i++) {
    const problem = shapeProblem(v[i], dims, `${path}[${i}]`, lengths, depth + 1);
    if (problem) return problem;
  }
  return undefined;
}

/** The first number of `v` (nested) that is not an integer, with its path. */
function firstNonInteger(v: unknown, path: string): { path: string; value: number } | undefined {
  if (typeof v === "number") return Number.isInteger(v) ? undefined : { path, value: v };
  if (!Array.isArray(v)) return undefined;
  for (let i = 0; i < v.length; i++) {
    const f = firstNonInteger(v[i], `${path}[${i}]`);
    if (f) return f;
  }
  return undefined;
}

function keyProblems(file: StanJsonFile, key: string, d: DeclaredData): string[] {
  const line = ` (line ${file.keyLines[key]})`;
  const v = file.values[key];
  const firsts = file.firsts[key] ?? {};
  if (firsts.null) return [`${key}: holds null at ${at(firsts.null)}; the model declares ${describeDeclared(d)}`];
  if (firsts.nan) return [`${key}: holds NaN at ${at(firsts.nan)}; data must be numbers`];
  const shape = shapeProblem(v, d.dimensions, key);
  if (shape) return [`${shape}${line}; the model declares ${key} as ${describeDeclared(d)}`];
  if (d.type !== "int") return [];
  const bad = firstNonInteger(v, key);
  if (bad) return [`${key}: the model declares int, but ${bad.path} is ${bad.value}${line}`];
  if (firsts.real) {
    return [`${key}: the model declares int, but ${at(firsts.real)} is written as a real; write integers (2, not 2.0)`];
  }
  return [];
}

/**
 * Check `file` against a model's declared data (`inputs`, in the model's order); `model` names
 * the model in the message. Throws one InputError listing every problem.
 */
export function checkStanData(file: StanJsonFile, inputs: Record<string, DeclaredData>, model: string): CheckedData {
  const problems: string[] = [];
  for (const [key, d] of Object.entries(inputs)) {
    if (!(key in file.values)) problems.push(`${key}: missing; ${model} declares it as ${describeDeclared(d)}`);
    else problems.push(...keyProblems(file, key, d));
  }
  if (problems.length) {
    throw new InputError(`${file.file}: does not hold the data ${model} declares:\n  - ${problems.join("\n  - ")}`);
  }
  return {
    data: Object.fromEntries(Object.keys(inputs).map((k) => [k, file.values[k]])),
    ints: Object.keys(inputs).filter((k) => inputs[k].type === "int"),
    unused: Object.keys(file.values).filter((k) => !(k in inputs)),
  };
}
