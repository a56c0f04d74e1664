/**
 * The hot kernel of the reader: one draw row (a line of comma-separated numbers) into the
 * selected columns. Every row is validated (exact field count, every field a number, `nan`,
 * `inf`, `-inf` allowed), so a file is either read completely or refused with the line.
 *
 * Plain decimals, the bulk of every file, are scanned on the file's bytes without slicing
 * (scanPlainNumber); any other field goes through parseStanNumber on the text.
 */
import { Buffer, isAscii } from "node:buffer";
import { StanCsvError } from "../../util/errors.js";
import { parseStanNumber } from "./numbers.js";

// Character codes of '0' and '9', declared here rather than imported: in the scanner's loop an
// imported binding costs a load (and a check that it is initialised) per character.
const CH_0 = 48;
const CH_9 = 57;

/** Exact powers of ten (10^22 is the largest power of ten a double holds exactly). */
const POW10 = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/**
 * Fast path of the draw parser: the field of `row` (the file's bytes, see asciiBytes) starting
 * at `p` (up to the next ',' or `n`) when it is `[+-]digits[.digits][(e|E)[+-]digits]` with 1
 * to 15 mantissa digits and a decimal exponent within +-22, converted as m / 10^k or m * 10^k:
 * both operands are exact doubles, so the one rounding gives the correctly rounded value, i.e.
 * exactly what `+field` gives (Clinger's fast path).
 *
 * Returns the field's end (the index of its ',' or `n`) and writes the value into `value[0]`;
 * returns -1 for anything else (nan, inf, more digits, empty or malformed fields), which the
 * caller hands to parseStanNumber. The value goes through the caller's Float64Array rather than
 * the return value because a double returned from a call that is not inlined is boxed.
 */
function scanPlainNumber(row: Uint8Array, p: number, n: number, value: Float64Array): number {
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
  if (digits === 0 || digits > 15) return -1;
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
    if (ed === 0 || ed > 4) return -1;
    scale += eneg ? ex : -ex;
  }
  if ((c !== 44 && c !== -1) || scale > 22 || scale < -22) return -1;
  const v = scale > 0 ? m / POW10[scale] : scale < 0 ? m * POW10[-scale] : m;
  value[0] = neg ? -v : v;
  return q; // q <= n: it only moves past a character that was read
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

/** Parses the draw at text[start, end) (one line without its line break) into `target[slot][at]`. */
export type RowReader = (start: number, end: number, lineNo: number, target: Float64Array[], at: number) => void;

export interface RowLayout {
  file: string;
  /** Every column of the header, in file order (named in errors). */
  columnNames: string[];
  /** Column index -> slot in `target`, -1 for a column not kept. */
  slot: Int32Array;
  /**
   * Pathfinder pads fields with spaces: files of methods other than sample take only the
   * general path, with fields trimmed.
   */
  tolerateSpaces: boolean;
}

/** A RowReader for the draws of `text` (`fileBytes`: the file's bytes, when read from a file). */
export function makeRowReader(text: string, fileBytes: Uint8Array | undefined, layout: RowLayout): RowReader {
  const { file, columnNames, slot, tolerateSpaces } = layout;
  const ncol = columnNames.length;
  const bytes = tolerateSpaces ? new Uint8Array(0) : asciiBytes(text, fileBytes);
  const scanned = new Float64Array(1); // scanPlainNumber's value
  const fieldError = (j: number, field: string, lineNo: number): never => {
    throw new StanCsvError(`column ${j + 1} (${columnNames[j]}): '${field}' is not a number`, file, lineNo);
  };
  return (start, end, lineNo, target, at) => {
    const row = text;
    const n = end;
    let p = start;
    for (let j = 0; j < ncol; j++) {
      // Fast path (plain decimals, the bulk of every file); anything else, or a field the fast
      // path cannot convert exactly, goes through parseStanNumber.
      let e = tolerateSpaces ? -1 : scanPlainNumber(bytes, p, n, scanned);
      const fast = e >= 0;
      if (!fast) {
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
      const s = slot[j];
      if (fast) {
        if (s >= 0) target[s][at] = scanned[0];
      } else {
        let field = row.slice(p, e);
        if (tolerateSpaces) field = field.trim();
        const parsed = parseStanNumber(field);
        if (parsed === undefined) fieldError(j, field, lineNo);
        if (s >= 0) target[s][at] = parsed as number;
      }
      p = e + 1;
    }
  };
}
