/**
 * A copy of a Stan CSV file restricted to some variables: every comment line as it is (the
 * configuration, the adaptation, the timing), the sampler columns (`lp__`, `divergent__`, ...)
 * and the columns of the variables asked for, in file order. bin/diagnose and the reader take it
 * as they take the whole file.
 *
 * Why: a small model writes most of its CSV for outputs no study reads (a flat model's per-slot
 * psi and eta, per-problem chi, log_lik, y_pred: 95% of the columns at M = 25). Reading those,
 * and diagnosing them, cost more CPU than sampling the fit (bench/flatRecovery.ts).
 * The file is streamed through one buffer of a few MB (a whole fit's CSVs in memory made the
 * garbage collector, and every later process start, slower: fork copies the page tables), the
 * scan works on the bytes, skips to each run of kept columns with a native search and copies
 * the run in one piece.
 */
import { mkdir, open, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { StanCsvError } from "../util/errors.js";

const NEWLINE = 10;
const COMMA = 44;
const HASH = 35;
const CR = 13;
const CHUNK = 4 << 20;

/**
 * The columns to keep, as runs of adjacent columns [first, last]: sampler columns and those of
 * `variables` (`beta.1.2` is beta's). A run is copied in one piece.
 */
function keptRuns(header: string, variables: ReadonlySet<string>): [number, number][] {
  const runs: [number, number][] = [];
  header
    .trim()
    .split(",")
    .forEach((name, i) => {
      if (!(name.endsWith("__") || variables.has(name.split(".")[0]))) return;
      const last = runs[runs.length - 1];
      if (last && last[1] === i - 1) last[1] = i;
      else runs.push([i, i]);
    });
  return runs;
}

/** Where the field after `field` commas from `from` starts, or -1 when the row [.., end) ends first. */
function skipFields(buf: Buffer, from: number, end: number, fields: number): number {
  let p = from;
  for (let f = 0; f < fields; f++) {
    const comma = buf.indexOf(COMMA, p);
    if (comma < 0 || comma >= end) return -1;
    p = comma + 1;
  }
  return p;
}

/** Copy the kept runs of the row at [start, end) into `out` at `o`; returns the new offset. */
function copyRow(buf: Buffer, start: number, end: number, runs: [number, number][], out: Buffer, o: number): number {
  let field = 0;
  let p = start;
  for (let r = 0; r < runs.length; r++) {
    const [first, last] = runs[r];
    const runStart = p > end ? -1 : skipFields(buf, p, end, first - field);
    const lastStart = runStart < 0 ? -1 : skipFields(buf, runStart, end, last - first);
    if (lastStart < 0) {
      const fields = 1 + countCommas(buf, start, end);
      throw new Error(`row has ${fields} fields, expected at least ${runs[runs.length - 1][1] + 1}`);
    }
    let runEnd = buf.indexOf(COMMA, lastStart);
    if (runEnd < 0 || runEnd > end) runEnd = end;
    if (r > 0) out[o++] = COMMA;
    o += buf.copy(out, o, runStart, runEnd);
    field = last + 1;
    p = runEnd + 1;
  }
  out[o++] = NEWLINE;
  return o;
}

/** Commas in [from, end): a row's fields less one. */
function countCommas(buf: Buffer, from: number, end: number): number {
  let n = 0;
  for (let p = buf.indexOf(COMMA, from); p >= 0 && p < end; p = buf.indexOf(COMMA, p + 1)) n++;
  return n;
}

/** What the scan knows between chunks: the kept columns once the header is read, the line number. */
interface Scan {
  wanted: ReadonlySet<string>;
  keep?: [number, number][];
  line: number;
  file: string;
}

/**
 * The complete lines of buf[0, end) (and the last one too when `final`) into `out` from 0; returns
 * where the unprocessed rest starts and how many bytes of `out` were written.
 */
function scanLines(buf: Buffer, end: number, final: boolean, scan: Scan, out: Buffer): { rest: number; o: number } {
  let pos = 0;
  let o = 0;
  while (pos < end) {
    let nl = buf.indexOf(NEWLINE, pos);
    if (nl < 0 || nl >= end) {
      if (!final) break;
      nl = end;
    }
    scan.line++;
    const rowEnd = nl > pos && buf[nl - 1] === CR ? nl - 1 : nl;
    if (buf[pos] === HASH || rowEnd === pos) {
      o += buf.copy(out, o, pos, nl);
      out[o++] = NEWLINE;
    } else {
      scan.keep ??= keptRuns(buf.toString("utf8", pos, rowEnd), scan.wanted);
      try {
        o = copyRow(buf, pos, rowEnd, scan.keep, out, o);
      } catch (err) {
        throw new StanCsvError((err as Error).message, scan.file, scan.line);
      }
    }
    pos = nl + 1;
  }
  return { rest: Math.min(pos, end), o };
}

/** The bytes of `buf` (a whole Stan CSV file) with only the columns of `variables` and the sampler's. */
export function stanCsvSubset(buf: Buffer, variables: readonly string[], file = "(CSV)"): Buffer {
  const out = Buffer.allocUnsafe(buf.length + 1);
  const { o } = scanLines(buf, buf.length, true, { wanted: new Set(variables), line: 0, file }, out);
  return out.subarray(0, o);
}

async function copySubset(input: FileHandle, output: FileHandle, scan: Scan, chunk: number): Promise<void> {
  let buf = Buffer.allocUnsafe(chunk);
  let out = Buffer.allocUnsafe(chunk + 1);
  let have = 0;
  for (;;) {
    if (have === buf.length) {
      // A line longer than the buffer: grow both.
      buf = Buffer.concat([buf, Buffer.allocUnsafe(buf.length)]);
      out = Buffer.allocUnsafe(buf.length + 1);
    }
    const { bytesRead } = await input.read(buf, have, buf.length - have, null);
    const end = have + bytesRead;
    const { rest, o } = scanLines(buf, end, bytesRead === 0, scan, out);
    if (o > 0) await output.write(out, 0, o);
    if (bytesRead === 0) return;
    buf.copy(buf, 0, rest, end);
    have = end - rest;
  }
}

/**
 * Write the subset of `file` to `outFile`: a scratch copy, read and removed by the caller, so it
 * is written plainly (no temporary file, no fsync). `chunk`: the read buffer's first size.
 */
export async function writeStanCsvSubset(
  file: string,
  outFile: string,
  variables: readonly string[],
  chunk = CHUNK,
): Promise<void> {
  const input = await open(file, "r").catch((e: Error) => {
    throw new StanCsvError(`cannot read file: ${e.message}`, file);
  });
  try {
    await mkdir(path.dirname(outFile), { recursive: true });
    const output = await open(outFile, "w");
    try {
      await copySubset(input, output, { wanted: new Set(variables), line: 0, file }, chunk);
    } finally {
      await output.close();
    }
  } finally {
    await input.close();
  }
}
