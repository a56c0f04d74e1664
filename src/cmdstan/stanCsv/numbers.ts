/** Numbers as CmdStan prints them, read strictly (used for every value of a Stan CSV file). */

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
