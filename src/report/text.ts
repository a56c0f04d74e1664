/**
 * Text that reports print: numbers formatted as the original's Python reports print them
 * (`round(x, n)`, `f"{x:.nf}"`, pandas' `DataFrame.to_string` columns), tables as aligned text
 * and as markdown, durations, links and one-line reasons. Shared by every study kind's report.
 */
import path from "node:path";

/** x * 10^n rounded half-to-even on the exact binary value of x; null when x is not finite. */
function scaledRoundHalfEven(x: number, n: number): { neg: boolean; q: bigint } | null {
  if (!Number.isFinite(x)) return null;
  const neg = x < 0 || Object.is(x, -0);
  const buf = new DataView(new ArrayBuffer(8));
  buf.setFloat64(0, Math.abs(x));
  const bits = buf.getBigUint64(0);
  const expBits = Number((bits >> 52n) & 0x7ffn);
  const frac = bits & ((1n << 52n) - 1n);
  // |x| = mant * 2^exp exactly.
  const mant = expBits === 0 ? frac : frac | (1n << 52n);
  const exp = (expBits === 0 ? 1 : expBits) - 1075;
  const scaled = mant * 10n ** BigInt(n);
  if (exp >= 0) return { neg, q: scaled << BigInt(exp) };
  const k = BigInt(-exp);
  let q = scaled >> k;
  const r = scaled - (q << k);
  const half = 1n << (k - 1n);
  if (r > half || (r === half && (q & 1n) === 1n)) q += 1n;
  return { neg, q };
}

/** Python's `round(x, n)` for n >= 0 (round half to even, exact). */
export function pyRound(x: number, n: number): number {
  const s = scaledRoundHalfEven(x, n);
  if (!s) return x;
  const v = Number(s.q) / 10 ** n;
  return s.neg ? -v : v;
}

/** Python's `f"{x:.{n}f}"` (round half to even on the exact value; keeps the sign of -0). */
export function pyFixed(x: number, n: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const s = scaledRoundHalfEven(x, n)!;
  const digits = s.q.toString().padStart(n + 1, "0");
  const body = n === 0 ? digits : `${digits.slice(0, digits.length - n)}.${digits.slice(digits.length - n)}`;
  return (s.neg ? "-" : "") + body;
}

/**
 * Python's `repr` of a float, which pandas' `to_csv` writes for a float column: the shortest
 * digits that read back to the same double, in fixed notation for decimal exponents -4 to 15
 * (always with a fraction: `1.0`), else scientific with a two-digit exponent (`1e-05`, `1.5e+16`).
 */
export function pyRepr(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  const sign = x < 0 || Object.is(x, -0) ? "-" : "";
  if (x === 0) return `${sign}0.0`;
  // toExponential() without a count gives the shortest round-trip digits, as String() does.
  const [mantissa, e] = Math.abs(x).toExponential().split("e");
  const exp = Number(e);
  const digits = mantissa.replace(".", "");
  if (exp < -4 || exp >= 16)
    return `${sign}${mantissa}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  if (exp < 0) return `${sign}0.${"0".repeat(-exp - 1)}${digits}`;
  const whole = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
  return `${sign}${whole}.${digits.slice(exp + 1) || "0"}`;
}

/** Python's `f"{x:.{n}e}"`. */
function pyExp(x: number, n: number): string {
  if (!Number.isFinite(x)) return pyFixed(x, n);
  const [m, e] = x.toExponential(n).split("e");
  const sign = e.startsWith("-") ? "-" : "+";
  return `${m}e${sign}${e.replace(/^[+-]/, "").padStart(2, "0")}`;
}

/** pandas' float column formatting in `to_string` (display.precision 6, shared trailing zeros trimmed). */
export function pandasFloatColumn(values: number[]): string[] {
  const digits = 6;
  const isDecimal = (c: string) => /^\s*[+-]?[0-9]+\.[0-9]*$/.test(c);
  const shouldTrim = (cs: string[]) => {
    const nums = cs.filter(isDecimal);
    return nums.length > 0 && nums.every((c) => c.endsWith("0"));
  };
  let cells = values.map((v) => (Number.isNaN(v) ? "NaN" : pyFixed(v, digits)));
  while (shouldTrim(cells)) cells = cells.map((c) => (isDecimal(c) ? c.slice(0, -1) : c));
  cells = cells.map((c) => (isDecimal(c) && c.endsWith(".") ? `${c}0` : c));
  // pandas switches to scientific notation for tiny values, or for large ones that print long.
  const finite = values.filter((v) => Number.isFinite(v)).map(Math.abs);
  const tooLong = cells.length > 0 && Math.max(...cells.map((c) => c.length)) > digits + 6;
  const hasLarge = finite.some((v) => v > 1e6);
  const hasSmall = finite.some((v) => v > 0 && v < 10 ** -digits);
  if (hasSmall || (tooLong && hasLarge)) {
    return values.map((v) => (Number.isNaN(v) ? "NaN" : pyExp(v, digits)));
  }
  return cells;
}

type Cell = string | number | boolean;
export interface Column {
  header: string;
  kind: "string" | "int" | "float" | "bool";
  values: Cell[];
  /** Markdown alignment; default right for numbers, left for strings (text tables are right-aligned). */
  align?: "left" | "right";
}

function formatColumn(col: Column): string[] {
  switch (col.kind) {
    case "float":
      return pandasFloatColumn(col.values as number[]);
    case "int":
      return col.values.map((v) => String(v));
    case "bool":
      return col.values.map((v) => (v ? "True" : "False"));
    default:
      return col.values.map((v) => String(v));
  }
}

/** pandas' `DataFrame.to_string(index=False)` layout. */
export function pandasToString(columns: Column[]): string {
  const formatted = columns.map((c) => {
    const header = (c.kind === "string" ? "" : " ") + c.header;
    const cells = formatColumn(c);
    const width = Math.max(header.length, ...cells.map((s) => s.length));
    return [header, ...cells].map((s) => s.padStart(width));
  });
  const nLines = formatted[0]?.length ?? 0;
  const lines: string[] = [];
  for (let i = 0; i < nLines; i++) lines.push(formatted.map((col) => col[i]).join(" "));
  return lines.join("\n");
}

/** The same columns as a GitHub-flavoured markdown table (numbers right-aligned). */
export function markdownTable(columns: Column[]): string {
  const cells = columns.map(formatColumn);
  const escape = (s: string) => s.replace(/\|/g, "\\|");
  const header = `| ${columns.map((c) => escape(c.header)).join(" | ")} |`;
  const left = (c: Column) => (c.align ?? (c.kind === "string" ? "left" : "right")) === "left";
  const rule = `|${columns.map((c) => (left(c) ? ":---" : "---:")).join("|")}|`;
  const n = columns[0]?.values.length ?? 0;
  const rows: string[] = [];
  for (let i = 0; i < n; i++) rows.push(`| ${cells.map((col) => escape(col[i].trim())).join(" | ")} |`);
  return [header, rule, ...rows].join("\n");
}

/** "123.4 s (2 min 3 s)": a run's wall time as reports print it. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return String(seconds);
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  const hms = h > 0 ? `${h} h ${m} min ${rest} s` : m > 0 ? `${m} min ${rest} s` : `${rest} s`;
  return `${pyFixed(seconds, 1)} s (${hms})`;
}

/** Links from `reportDir` to the given plot files (posix separators, for markdown). */
export function plotLinks(reportDir: string, files: string[]): string[] {
  return files.map((f) => path.relative(reportDir, path.resolve(f)).split(path.sep).join("/"));
}

/** A failure reason on one line, at most `max` characters. */
export function oneLine(text: string, max = 400): string {
  let t = text.replace(/\s+/g, " ").trim();
  if (t.length > max) t = `${t.slice(0, max - 1)}…`;
  return t === "" ? "(no reason recorded)" : t;
}

/** Text as a markdown code span (fenced by more backticks than it contains). */
export function codeSpan(t: string): string {
  const longestRun = Math.max(0, ...(t.match(/`+/g) ?? []).map((r) => r.length));
  const fence = "`".repeat(longestRun + 1);
  const pad = t.startsWith("`") || t.endsWith("`") ? " " : "";
  return `${fence}${pad}${t}${pad}${fence}`;
}

/** "1h02m", "3m07s", "12s" (or "?"): a short duration for a progress line. */
export function compactDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return "?";
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0 ? `${h}h${String(m).padStart(2, "0")}m` : m > 0 ? `${m}m${String(sec).padStart(2, "0")}s` : `${sec}s`;
}
