/**
 * Stan JSON data files that CmdStan reads back exactly (checked against CmdStan 2.27's reader,
 * src/cmdstan/io/json/, by test/design/stanJson.cmdstan.test.ts).
 *
 * - One top-level object; each value a number, a bigint, or a (typed) array nested to any depth.
 *   Arrays must be rectangular: matrices are arrays of rows, `array[J] vector[D]` an array of J
 *   arrays, `array[M, R] int` nested arrays; an empty container is `[]`.
 * - Keys listed in `ints` must hold integers in the 32-bit range Stan's `int` has.
 * - Other numbers are reals. Integral values are written as integers ('1'), which CmdStan accepts
 *   for real variables, except outside the 32-bit range: CmdStan 2.27 stores a JSON integer in a C
 *   `int`, so 3000000000 would wrap around. Those are written as '3000000000.0' (a real literal).
 * - NaN, Infinity and -Infinity are written bare (CmdStan parses them with rapidjson's
 *   kParseNanAndInfFlag); -0 is written as 0.
 * - Anything else (undefined, null, strings, booleans, objects, functions, ragged arrays, a
 *   non-integer under an `ints` key) is an InputError naming the key path, e.g. `X[2][0]`
 *   (0-based indices, as in the JavaScript value).
 */
import { writeFileAtomic } from "../util/atomicWrite.js";
import { InputError } from "../util/errors.js";

export interface StanJsonOptions {
  /** Keys whose every value must be a 32-bit integer (Stan `int` data). */
  ints?: readonly string[];
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

type Shape = number[];

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (ArrayBuffer.isView(v)) return "a typed array";
  if (typeof v === "object") return `an object (${Object.prototype.toString.call(v).slice(8, -1)})`;
  if (typeof v === "string") return `a string (${JSON.stringify(v.length > 20 ? v.slice(0, 20) + "..." : v)})`;
  if (typeof v === "function") return "a function";
  if (typeof v === "undefined") return "undefined";
  return `${typeof v} ${String(v)}`;
}

function isArrayLike(v: unknown): v is ArrayLike<unknown> {
  return Array.isArray(v) || (ArrayBuffer.isView(v) && !(v instanceof DataView));
}

function formatNumber(v: number, isInt: boolean, path: string): string {
  if (isInt) {
    if (!Number.isInteger(v) || v < INT_MIN || v > INT_MAX) {
      throw new InputError(`Stan JSON: ${path}: must be a 32-bit integer (declared int), got ${v}`);
    }
    return String(v === 0 ? 0 : v);
  }
  if (Number.isNaN(v)) return "NaN";
  if (v === Infinity) return "Infinity";
  if (v === -Infinity) return "-Infinity";
  if (v === 0) return "0";
  const s = JSON.stringify(v);
  if (Number.isInteger(v) && (v < INT_MIN || v > INT_MAX) && !/[.eE]/.test(s)) return `${s}.0`;
  return s;
}

function formatBigInt(v: bigint, isInt: boolean, path: string): string {
  if (v >= BigInt(INT_MIN) && v <= BigInt(INT_MAX)) return v.toString();
  if (isInt) throw new InputError(`Stan JSON: ${path}: must be a 32-bit integer (declared int), got ${v}`);
  return `${v.toString()}.0`;
}

/** Writes `v` (number or nested array) into `out`, checking shape against `shape` (filled on first sight). */
function emit(v: unknown, path: string, isInt: boolean, shape: Shape | undefined, out: string[]): Shape {
  if (typeof v === "number") {
    if (shape !== undefined && shape.length > 0) {
      throw new InputError(
        `Stan JSON: ${path}: non-rectangular value: a number where an array of ${shape.join(" x ")} was expected`,
      );
    }
    out.push(formatNumber(v, isInt, path));
    return [];
  }
  if (typeof v === "bigint") {
    if (shape !== undefined && shape.length > 0) {
      throw new InputError(
        `Stan JSON: ${path}: non-rectangular value: a number where an array of ${shape.join(" x ")} was expected`,
      );
    }
    out.push(formatBigInt(v, isInt, path));
    return [];
  }
  if (isArrayLike(v)) {
    const n = v.length;
    if (shape !== undefined) {
      if (shape.length === 0)
        throw new InputError(`Stan JSON: ${path}: non-rectangular value: an array where a number was expected`);
      if (shape[0] !== n) {
        throw new InputError(
          `Stan JSON: ${path}: non-rectangular value: ${n} entries where its siblings have ${shape[0]}`,
        );
      }
    }
    out.push("[");
    let inner: Shape | undefined = shape?.slice(1);
    for (let i = 0; i < n; i++) {
      if (i > 0) out.push(",");
      inner = emit(v[i], `${path}[${i}]`, isInt, inner, out);
    }
    out.push("]");
    // An empty array says nothing about deeper dimensions; keep what the siblings said.
    return [n, ...(inner ?? [])];
  }
  throw new InputError(`Stan JSON: ${path}: must be a number or an array of numbers, got ${describe(v)}`);
}

/** The Stan JSON text for `data` (one key per line, values compact, trailing newline). */
export function toStanJson(data: Record<string, unknown>, opts: StanJsonOptions = {}): string {
  if (data === null || typeof data !== "object" || isArrayLike(data)) {
    throw new InputError(`Stan JSON: data must be an object mapping variable names to values, got ${describe(data)}`);
  }
  const ints = new Set(opts.ints ?? []);
  const lines: string[] = [];
  for (const key of Object.keys(data)) {
    if (key === "") throw new InputError("Stan JSON: empty variable name");
    const out: string[] = [];
    emit(data[key], key, ints.has(key), undefined, out);
    lines.push(`  ${JSON.stringify(key)}: ${out.join("")}`);
  }
  return lines.length === 0 ? "{}\n" : `{\n${lines.join(",\n")}\n}\n`;
}

/** toStanJson + writeFileAtomic. */
export async function writeStanJson(
  file: string,
  data: Record<string, unknown>,
  opts: StanJsonOptions = {},
): Promise<void> {
  await writeFileAtomic(file, toStanJson(data, opts));
}
