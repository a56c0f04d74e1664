/**
 * Posterior summaries of MCMC draws: mean, MCSE, sd, the 5/50/95% quantiles, bulk/tail ESS
 * and rank-normalised split R-hat.
 *
 * Definitions (and where they deviate from the reference tools):
 *
 * - Quantiles: the rule of the `bin/stansummary` of the CmdStan in use, which changed in 2.36
 *   (quantileRuleFor). Up to 2.35 (`stan::mcmc::chains::quantiles` in stan/src/stan/mcmc/chains.hpp
 *   feeds every pooled draw into a Boost.Accumulators `tail_quantile` whose cache holds all
 *   draws) it is NOT an interpolating rule: with N sorted draws x[0..N-1] and probability p,
 *     p <  0.5:  n = ceil(N * p),       q = x[n - 1]   (the n-th smallest)
 *     p >= 0.5:  n = ceil(N * (1 - p)), q = x[N - n]   (the n-th largest)
 *   computed in double precision exactly like that (so for N = 4000, p = 0.95:
 *   N * (1 - 0.95) = 200.00000000000017, n = 201, q = x[3799]), and NaN when n >= N (Boost
 *   returns NaN outside its cache, e.g. every quantile of a single draw). n = 0 (p = 0 or
 *   p = 1, which stansummary refuses: it takes integer percentiles 1..99) is undefined
 *   behaviour in Boost; here n is raised to 1 (min / max). Checked against the real 2.27 and
 *   2.33.1. From 2.36 it is linear interpolation between order statistics (Hyndman-Fan type 7,
 *   R's default, numpy's 'linear'): h = (N - 1) p, q = x[floor h] + (h - floor h)(x[floor h + 1] -
 *   x[floor h]). Checked against the real 2.37.0.
 * - R-hat: Vehtari et al. (2021), max of the rank-normalised split R-hat of the draws (bulk)
 *   and of their folded values |x - median| (tail), computed as ArviZ 0.20 `rhat(method="rank")`
 *   (split chains: first floor(n/2) and last floor(n/2) draws of each chain; Blom ranks
 *   (r - 3/8) / (S + 1/4) with average ranks for ties; normal quantile function).
 * - ESS bulk / tail: ArviZ 0.20 `ess(method="bulk" / "tail")`: Geyer's initial positive and
 *   monotone sequences over the autocovariances of the split chains; tail = min of the ESS of
 *   the indicators I(x <= q05) and I(x <= q95) with q from the type-7 (R default) quantile.
 * - MCSE of the mean: sd / sqrt(ess_mean) with ess_mean the ESS of the split chains without
 *   rank normalisation, i.e. ArviZ `mcse(method="mean")` / posterior `mcse_mean`.
 * - Deviations from ArviZ, on purpose: (1) draws that are all equal give NaN ESS, MCSE and
 *   R-hat (ArviZ gives ESS = number of draws and MCSE 0 there; posterior and stansummary give
 *   NaN); (2) a single chain still gets a split R-hat from its two halves (ArviZ returns NaN
 *   below 2 chains; posterior and stansummary compute it). Fewer than 4 draws per chain or any
 *   NaN draw give NaN diagnostics, as in ArviZ.
 */
import { parse as parseCsv } from "csv-parse/sync";
import { z } from "zod";
import { StanCsvError } from "../util/errors.js";
import { bracketName, parseStanNumber, type StanFit } from "../cmdstan/stanCsv.js";

export interface DrawSummary {
  mean: number;
  mcse: number;
  sd: number;
  q5: number;
  q50: number;
  q95: number;
  essBulk: number;
  essTail: number;
  rhat: number;
}

export interface VariableSummaryRow extends DrawSummary {
  name: string;
}

// ---------------------------------------------------------------------------------------
// Quantiles

/** How bin/stansummary computes its 5/50/95% quantiles (see the module comment). */
export type QuantileRule = "order-statistic" | "type-7";

/** The rule's name as posterior_summary.csv, config_info.json and the report print it. */
export const QUANTILE_RULE_LABELS: Record<QuantileRule, string> = {
  "order-statistic": "order statistic (stansummary <= 2.35)",
  "type-7": "type 7 linear interpolation (stansummary >= 2.36)",
};

/** The quantile rule of the bin/stansummary of CmdStan `version` (X.Y.Z, or X.Y.Z-rcN). */
export function quantileRuleFor(version: string): QuantileRule {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) throw new Error(`not a CmdStan version: '${version}'`);
  const [major, minor] = [Number(m[1]), Number(m[2])];
  return major > 2 || (major === 2 && minor >= 36) ? "type-7" : "order-statistic";
}

/** The p-quantile of sorted draws by `rule`. */
export function quantileBy(rule: QuantileRule, sorted: Float64Array, p: number): number {
  if (rule === "order-statistic") return quantile(sorted, p);
  if (sorted.length === 0 || Number.isNaN(p) || Number.isNaN(sorted[sorted.length - 1])) return NaN;
  return quantileType7(sorted, p);
}

/** stansummary's quantile of sorted draws up to CmdStan 2.35 (see the module comment). */
export function quantile(sorted: Float64Array, p: number): number {
  const N = sorted.length;
  if (N === 0 || Number.isNaN(p)) return NaN;
  if (Number.isNaN(sorted[N - 1])) return NaN; // Float64Array.sort puts NaN last
  if (p < 0.5) {
    const n = Math.max(1, Math.ceil(N * p));
    return n < N ? sorted[n - 1] : NaN;
  }
  const n = Math.max(1, Math.ceil(N * (1 - p)));
  return n < N ? sorted[N - n] : NaN;
}

/** R type 7 / numpy 'linear' / scipy mquantiles(alphap=1, betap=1), as ArviZ uses for ESS tail. */
function quantileType7(sorted: Float64Array, p: number): number {
  const n = sorted.length;
  // scipy.stats.mstats.mquantiles: m = alphap + p*(1-alphap-betap); aleph = n*p + m
  const aleph = n * p + (1 + p * (1 - 1 - 1));
  const k = Math.floor(Math.min(Math.max(aleph, 1), n - 1));
  const gamma = Math.min(Math.max(aleph - k, 0), 1);
  if (n === 1) return sorted[0];
  return (1 - gamma) * sorted[k - 1] + gamma * sorted[k];
}

// ---------------------------------------------------------------------------------------
// Normal quantile function (Wichura 1988, AS 241 PPND16; relative accuracy about 1e-16)

// A numeric kernel: Wichura's AS241 rational approximations, kept whole as published.
// eslint-disable-next-line max-lines-per-function
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) {
    if (p === 0) return -Infinity;
    if (p === 1) return Infinity;
    return NaN;
  }
  const q = p - 0.5;
  if (Math.abs(q) <= 0.425) {
    const r = 0.180625 - q * q;
    return (
      (q *
        (((((((r * 2509.0809287301226727 + 33430.575583588128105) * r + 67265.770927008700853) * r +
          45921.953931549871457) *
          r +
          13731.693765509461125) *
          r +
          1971.5909503065514427) *
          r +
          133.14166789178437745) *
          r +
          3.387132872796366608)) /
      (((((((r * 5226.495278852545925 + 28729.085735721942674) * r + 39307.89580009271061) * r +
        21213.794301586595867) *
        r +
        5394.1960214247511077) *
        r +
        687.1870074920579083) *
        r +
        42.313330701600911252) *
        r +
        1)
    );
  }
  let r = q < 0 ? p : 1 - p;
  r = Math.sqrt(-Math.log(r));
  let val: number;
  if (r <= 5) {
    r -= 1.6;
    val =
      (((((((r * 7.7454501427834140764e-4 + 0.0227238449892691845833) * r + 0.24178072517745061177) * r +
        1.27045825245236838258) *
        r +
        3.64784832476320460504) *
        r +
        5.7694972214606914055) *
        r +
        4.6303378461565452959) *
        r +
        1.42343711074968357734) /
      (((((((r * 1.05075007164441684324e-9 + 5.475938084995344946e-4) * r + 0.0151986665636164571966) * r +
        0.14810397642748007459) *
        r +
        0.68976733498510000455) *
        r +
        1.6763848301838038494) *
        r +
        2.05319162663775882187) *
        r +
        1);
  } else {
    r -= 5;
    val =
      (((((((r * 2.01033439929228813265e-7 + 2.71155556874348757815e-5) * r + 0.0012426609473880784386) * r +
        0.026532189526576123093) *
        r +
        0.29656057182850489123) *
        r +
        1.7848265399172913358) *
        r +
        5.4637849111641143699) *
        r +
        6.6579046435011037772) /
      (((((((r * 2.04426310338993978564e-15 + 1.4215117583164458887e-7) * r + 1.8463183175100546818e-5) * r +
        7.868691311456132591e-4) *
        r +
        0.0148753612908506148525) *
        r +
        0.13692988092273580531) *
        r +
        0.59983220655588793769) *
        r +
        1);
  }
  return q < 0 ? -val : val;
}

// ---------------------------------------------------------------------------------------
// Chains as one matrix: m chains of n draws, chain-major in one Float64Array.

interface Mat {
  data: Float64Array;
  m: number;
  n: number;
}

function checkChains(chains: Float64Array[]): number {
  if (chains.length === 0) throw new Error("summary of zero chains");
  const n = chains[0].length;
  for (const c of chains) if (c.length !== n) throw new Error(`chains of unequal length (${n} and ${c.length} draws)`);
  return n;
}

/** ArviZ _split_chains: first floor(n/2) and last floor(n/2) draws of every chain. */
function splitChains(chains: Float64Array[], n: number): Mat {
  const half = Math.floor(n / 2);
  const m = chains.length * 2;
  const data = new Float64Array(m * half);
  chains.forEach((c, i) => {
    data.set(c.subarray(0, half), 2 * i * half);
    data.set(c.subarray(n - half, n), (2 * i + 1) * half);
  });
  return { data, m, n: half };
}

/**
 * LSD radix passes (11-bit digits) over unsigned keys, carrying a permutation and optional
 * second key array. Passes whose digit is the same for every key are skipped.
 */
function radixPasses(
  keys: Uint32Array,
  perm: Uint32Array,
  other: Uint32Array | null,
): { keys: Uint32Array; perm: Uint32Array; other: Uint32Array | null } {
  const n = keys.length;
  const count = new Uint32Array(2048);
  let k2: Uint32Array = new Uint32Array(n);
  let p2: Uint32Array = new Uint32Array(n);
  let o2: Uint32Array | null = other ? new Uint32Array(n) : null;
  for (let pass = 0; pass < 3; pass++) {
    const sh = pass * 11;
    const mask = pass === 2 ? 0x3ff : 0x7ff;
    count.fill(0);
    for (let i = 0; i < n; i++) count[(keys[i] >>> sh) & mask]++;
    if (n === 0 || count[(keys[0] >>> sh) & mask] === n) continue;
    let sum = 0;
    for (let d = 0; d <= mask; d++) {
      const c = count[d];
      count[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const j = count[(keys[i] >>> sh) & mask]++;
      k2[j] = keys[i];
      p2[j] = perm[i];
      if (other) (o2 as Uint32Array)[j] = other[i];
    }
    let t: Uint32Array = keys;
    keys = k2;
    k2 = t;
    t = perm;
    perm = p2;
    p2 = t;
    if (other) {
      t = other;
      other = o2;
      o2 = t;
    }
  }
  return { keys, perm, other };
}

/**
 * Sort with permutation (`sorted[k] = x[perm[k]]`), no NaN allowed: radix sort of the IEEE-754
 * high words mapped to order-preserving unsigned keys, then short runs of equal high words
 * finished by insertion sort; if a run is long (nearly constant draws) a full 64-bit radix
 * sort instead. About as fast as the native sort, and it gives the ranks too.
 */
function argsort(x: Float64Array): { perm: Uint32Array; sorted: Float64Array } {
  const n = x.length;
  const src = new Uint32Array(x.buffer, x.byteOffset, 2 * n);
  const hi0 = new Uint32Array(n);
  const perm0 = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    const h = src[2 * i + 1];
    hi0[i] = h & 0x80000000 ? ~h >>> 0 : (h | 0x80000000) >>> 0;
    perm0[i] = i;
  }
  const byHi = radixPasses(hi0, perm0, null);
  const hi = byHi.keys;
  let perm = byHi.perm;
  const sorted = new Float64Array(n);
  for (let k = 0; k < n; k++) sorted[k] = x[perm[k]];
  // Runs of equal high words: fine when already in order (ties, e.g. discrete draws), insertion
  // sort when short, a full 64-bit radix sort when some long run is out of order.
  let longRun = false;
  for (let a = 0; a < n && !longRun;) {
    let b = a + 1;
    let ordered = true;
    while (b < n && hi[b] === hi[a]) {
      if (sorted[b] < sorted[b - 1]) ordered = false;
      b++;
    }
    if (!ordered) {
      if (b - a > 32) longRun = true;
      else {
        for (let k = a + 1; k < b; k++) {
          const v = sorted[k];
          const p = perm[k];
          let j = k - 1;
          while (j >= a && sorted[j] > v) {
            sorted[j + 1] = sorted[j];
            perm[j + 1] = perm[j];
            j--;
          }
          sorted[j + 1] = v;
          perm[j + 1] = p;
        }
      }
    }
    a = b;
  }
  if (longRun) {
    // Full sort: low words first (LSD), then high words.
    const lo0 = new Uint32Array(n);
    const hiK = new Uint32Array(n);
    const p0 = new Uint32Array(n);
    for (let i = 0; i < n; i++) {
      const h = src[2 * i + 1];
      const l = src[2 * i];
      lo0[i] = h & 0x80000000 ? ~l >>> 0 : l;
      hiK[i] = h & 0x80000000 ? ~h >>> 0 : (h | 0x80000000) >>> 0;
      p0[i] = i;
    }
    const byLo = radixPasses(lo0, p0, hiK);
    perm = radixPasses(byLo.other as Uint32Array, byLo.perm, null).perm;
    for (let k = 0; k < n; k++) sorted[k] = x[perm[k]];
  }
  return { perm, sorted };
}

/**
 * Normal scores of the untied ranks 1..S, the same numbers zScale would compute one by one.
 * Every column of a fit has the same S, so the table is computed once per fit instead of once
 * per draw of every column (normalQuantile was 9% of a fit's summary time).
 */
const normalScoreTables = new Map<number, Float64Array>();
function untiedNormalScores(S: number): Float64Array {
  let table = normalScoreTables.get(S);
  if (!table) {
    const denom = S - 2 * (3 / 8) + 1;
    table = new Float64Array(S);
    for (let k = 0; k < S; k++) table[k] = normalQuantile((k + 1 - 3 / 8) / denom);
    if (normalScoreTables.size >= 8) normalScoreTables.clear(); // a handful of sizes per study
    normalScoreTables.set(S, table);
  }
  return table;
}

/**
 * Average ranks (1-based, ties averaged) -> Blom (r - 3/8) / (S + 1/4) -> normal scores, over
 * the whole matrix, as ArviZ `_z_scale`; from the matrix's sort permutation.
 */
function zScale(x: Mat, perm: Uint32Array, sorted: Float64Array): Mat {
  const S = sorted.length;
  const denom = S - 2 * (3 / 8) + 1;
  const untied = untiedNormalScores(S);
  const out = new Float64Array(S);
  for (let k = 0; k < S;) {
    let e = k + 1;
    while (e < S && sorted[e] === sorted[k]) e++;
    const rank = (k + 1 + e) / 2; // average of ranks k+1..e
    const z = e === k + 1 ? untied[k] : normalQuantile((rank - 3 / 8) / denom);
    for (let i = k; i < e; i++) out[perm[i]] = z;
    k = e;
  }
  return { data: out, m: x.m, n: x.n };
}

function medianOfSorted(s: Float64Array): number {
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/** |x - med| for the matrix, with its sort permutation merged from the input's (no new sort). */
function folded(
  x: Mat,
  perm: Uint32Array,
  sorted: Float64Array,
  med: number,
): { mat: Mat; perm: Uint32Array; sorted: Float64Array } {
  const S = sorted.length;
  const data = new Float64Array(S);
  for (let i = 0; i < S; i++) data[i] = Math.abs(x.data[i] - med);
  let a = 0;
  let b = S;
  while (a < b) {
    const mid = (a + b) >>> 1;
    if (sorted[mid] < med) a = mid + 1;
    else b = mid;
  }
  const outSorted = new Float64Array(S);
  const outPerm = new Uint32Array(S);
  let l = a - 1; // walking down, med - sorted[l] grows
  let r = a; // walking up, sorted[r] - med grows
  for (let o = 0; o < S; o++) {
    const lv = l >= 0 ? Math.abs(sorted[l] - med) : Infinity;
    const rv = r < S ? Math.abs(sorted[r] - med) : Infinity;
    if (l >= 0 && (r >= S || lv <= rv)) {
      outSorted[o] = lv;
      outPerm[o] = perm[l--];
    } else {
      outSorted[o] = rv;
      outPerm[o] = perm[r++];
    }
  }
  return { mat: { data, m: x.m, n: x.n }, perm: outPerm, sorted: outSorted };
}

function hasNaN(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== a[i]) return true;
  return false;
}

// --- FFT (iterative radix-2, in place) for long autocovariance sequences ---

function fft(re: Float64Array, im: Float64Array, inverse: boolean): void {
  const N = re.length;
  for (let i = 1, j = 0; i < N; i++) {
    let bit = N >> 1;
    for (; j & bit; bit >>= 1) j ^= bit;
    j ^= bit;
    if (i < j) {
      let t = re[i];
      re[i] = re[j];
      re[j] = t;
      t = im[i];
      im[i] = im[j];
      im[j] = t;
    }
  }
  for (let len = 2; len <= N; len <<= 1) {
    const ang = ((inverse ? 2 : -2) * Math.PI) / len;
    const wr = Math.cos(ang);
    const wi = Math.sin(ang);
    const halfLen = len >> 1;
    for (let i = 0; i < N; i += len) {
      let cr = 1;
      let ci = 0;
      for (let k = 0; k < halfLen; k++) {
        const a = i + k;
        const b = a + halfLen;
        const xr = re[b] * cr - im[b] * ci;
        const xi = re[b] * ci + im[b] * cr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
        // Recompute the twiddle directly now and then to bound rounding drift.
        if ((k & 15) === 15) {
          const t = ang * (k + 1);
          cr = Math.cos(t);
          ci = Math.sin(t);
        } else {
          const ncr = cr * wr - ci * wi;
          ci = cr * wi + ci * wr;
          cr = ncr;
        }
      }
    }
  }
}

/**
 * Mean over chains of the autocovariance at each lag, (1/n) sum_i (x_i - xbar)(x_{i+t} - xbar)
 * as ArviZ `autocov`. Lags are computed directly on demand; once more than a few dozen are
 * needed (slowly mixing chains) all lags are computed at once by FFT.
 */
class MeanAutocov {
  private readonly centered: Float64Array;
  private readonly cache: Float64Array;
  private readonly have: Uint8Array;
  private direct = 0;
  readonly chainMeans: Float64Array;
  constructor(private readonly x: Mat) {
    const { data, m, n } = x;
    this.centered = new Float64Array(data.length);
    this.chainMeans = new Float64Array(m);
    for (let c = 0; c < m; c++) {
      let s = 0;
      for (let i = 0; i < n; i++) s += data[c * n + i];
      const mean = s / n;
      this.chainMeans[c] = mean;
      for (let i = 0; i < n; i++) this.centered[c * n + i] = data[c * n + i] - mean;
    }
    this.cache = new Float64Array(n);
    this.have = new Uint8Array(n);
  }
  at(t: number): number {
    if (this.have[t]) return this.cache[t];
    const { m, n } = this.x;
    if (this.direct >= 48 && n > 128) {
      this.allByFft();
      return this.cache[t];
    }
    this.direct++;
    const y = this.centered;
    let total = 0;
    for (let c = 0; c < m; c++) {
      const o = c * n;
      let s = 0;
      for (let i = 0; i + t < n; i++) s += y[o + i] * y[o + i + t];
      total += s / n;
    }
    this.cache[t] = total / m;
    this.have[t] = 1;
    return this.cache[t];
  }
  /** All lags at once: sum of the chains' power spectra (two real chains per complex FFT), one inverse FFT. */
  private allByFft(): void {
    const { m, n } = this.x;
    let N = 1;
    while (N < 2 * n) N <<= 1;
    const power = new Float64Array(N);
    const re = new Float64Array(N);
    const im = new Float64Array(N);
    const y = this.centered;
    for (let c = 0; c < m; c += 2) {
      re.fill(0);
      im.fill(0);
      re.set(y.subarray(c * n, (c + 1) * n));
      if (c + 1 < m) im.set(y.subarray((c + 1) * n, (c + 2) * n));
      fft(re, im, false);
      // Z = X + iY with X, Y the transforms of the two real chains:
      // |X_k|^2 + |Y_k|^2 = (|Z_k|^2 + |Z_{N-k}|^2) / 2.
      for (let k = 0; k < N; k++) {
        const j = (N - k) & (N - 1);
        power[k] += (re[k] * re[k] + im[k] * im[k] + re[j] * re[j] + im[j] * im[j]) / 2;
      }
    }
    re.set(power);
    im.fill(0);
    fft(re, im, true);
    for (let t = 0; t < n; t++) {
      if (!this.have[t]) {
        this.cache[t] = re[t] / N / n / m;
        this.have[t] = 1;
      }
    }
  }
}

function sampleVar(a: Float64Array): number {
  const n = a.length;
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i];
  const mean = s / n;
  let ss = 0;
  for (let i = 0; i < n; i++) ss += (a[i] - mean) * (a[i] - mean);
  return ss / (n - 1);
}

/** ArviZ `_ess` on m chains of n draws (already split / transformed). */
function essCore(x: Mat): number {
  const { data, m, n } = x;
  if (hasNaN(data)) return NaN;
  let mn = Infinity;
  let mx = -Infinity;
  for (let i = 0; i < data.length; i++) {
    if (data[i] < mn) mn = data[i];
    if (data[i] > mx) mx = data[i];
  }
  if (mx - mn < 1e-15) return data.length; // ArviZ: np.finfo(float).resolution
  const acov = new MeanAutocov(x);
  const meanVar = (acov.at(0) * n) / (n - 1);
  let varPlus = (meanVar * (n - 1)) / n;
  if (m > 1) varPlus += sampleVar(acov.chainMeans);
  const rho = new Float64Array(n);
  let rhoEven = 1;
  rho[0] = rhoEven;
  let rhoOdd = 1 - (meanVar - acov.at(1)) / varPlus;
  rho[1] = rhoOdd;
  let t = 1;
  while (t < n - 3 && rhoEven + rhoOdd > 0) {
    rhoEven = 1 - (meanVar - acov.at(t + 1)) / varPlus;
    rhoOdd = 1 - (meanVar - acov.at(t + 2)) / varPlus;
    if (rhoEven + rhoOdd >= 0) {
      rho[t + 1] = rhoEven;
      rho[t + 2] = rhoOdd;
    }
    t += 2;
  }
  const maxT = t - 2;
  if (rhoEven > 0) rho[maxT + 1] = rhoEven;
  t = 1;
  while (t <= maxT - 2) {
    if (rho[t + 1] + rho[t + 2] > rho[t - 1] + rho[t]) {
      rho[t + 1] = (rho[t - 1] + rho[t]) / 2;
      rho[t + 2] = rho[t + 1];
    }
    t += 2;
  }
  const total = m * n;
  let sum = 0;
  for (let i = 0; i <= maxT; i++) sum += rho[i];
  let tau = -1 + 2 * sum + (maxT + 1 < n ? rho[maxT + 1] : 0);
  tau = Math.max(tau, 1 / Math.log10(total));
  if (hasNaN(rho)) return NaN;
  return total / tau;
}

/** ArviZ `_rhat` on m chains of n draws. */
function rhatCore(x: Mat): number {
  const { data, m, n } = x;
  if (hasNaN(data)) return NaN;
  const means = new Float64Array(m);
  let within = 0;
  for (let c = 0; c < m; c++) {
    const chain = data.subarray(c * n, (c + 1) * n);
    let s = 0;
    for (let i = 0; i < n; i++) s += chain[i];
    means[c] = s / n;
    within += sampleVar(chain);
  }
  within /= m;
  const between = n * sampleVar(means);
  return Math.sqrt((between / within + n - 1) / n);
}

/** Shared validity rule: NaN unless every chain has >= 4 draws, no NaN, not all equal. */
function invalid(chains: Float64Array[], n: number): boolean {
  if (n < 4) return true;
  const first = chains[0][0];
  let constant = true;
  for (const c of chains) {
    for (let i = 0; i < c.length; i++) {
      const v = c[i];
      if (v !== v) return true;
      if (v !== first) constant = false;
    }
  }
  return constant;
}

function pooled(chains: Float64Array[]): Float64Array {
  const n = chains[0].length;
  const out = new Float64Array(chains.length * n);
  chains.forEach((c, i) => out.set(c, i * n));
  return out;
}

/** Rank-normalised split R-hat: max of bulk and folded (tail) versions. */
export function rankNormalizedSplitRhat(chains: Float64Array[]): number {
  const n = checkChains(chains);
  if (invalid(chains, n)) return NaN;
  const split = splitChains(chains, n);
  const { perm, sorted } = argsort(split.data);
  return rhatOfSplit(split, perm, sorted, zScale(split, perm, sorted));
}

function rhatOfSplit(split: Mat, perm: Uint32Array, sorted: Float64Array, zBulk: Mat): number {
  const bulk = rhatCore(zBulk);
  const f = folded(split, perm, sorted, medianOfSorted(sorted));
  const tail = rhatCore(zScale(f.mat, f.perm, f.sorted));
  return tail > bulk ? tail : bulk; // Python max(bulk, tail)
}

export function essBulk(chains: Float64Array[]): number {
  const n = checkChains(chains);
  if (invalid(chains, n)) return NaN;
  const split = splitChains(chains, n);
  const { perm, sorted } = argsort(split.data);
  return essCore(zScale(split, perm, sorted));
}

function essQuantile(chains: Float64Array[], n: number, sortedPooled: Float64Array, p: number): number {
  const q = quantileType7(sortedPooled, p);
  const ind = chains.map((c) => {
    const o = new Float64Array(n);
    for (let i = 0; i < n; i++) o[i] = c[i] <= q ? 1 : 0;
    return o;
  });
  return essCore(splitChains(ind, n));
}

function essTailSorted(chains: Float64Array[], n: number, sortedPooled: Float64Array): number {
  const lo = essQuantile(chains, n, sortedPooled, 0.05);
  const hi = essQuantile(chains, n, sortedPooled, 0.95);
  return hi < lo ? hi : lo; // Python min(lo, hi)
}

export function essTail(chains: Float64Array[]): number {
  const n = checkChains(chains);
  if (invalid(chains, n)) return NaN;
  return essTailSorted(chains, n, pooled(chains).sort());
}

export function summarizeChains(chains: Float64Array[], quantileRule: QuantileRule): DrawSummary {
  const n = checkChains(chains);
  const all = pooled(chains);
  const N = all.length;
  const bad = invalid(chains, n);
  let s = 0;
  for (let i = 0; i < N; i++) s += all[i];
  let mean = s / N;
  let ss = 0;
  for (let i = 0; i < N; i++) ss += (all[i] - mean) * (all[i] - mean);
  let sd = N > 1 ? Math.sqrt(ss / (N - 1)) : NaN;
  // Chains of even length: the split matrix is the pooled array itself (same layout).
  const split = splitChains(chains, n);
  const even = n % 2 === 0;
  let sorted: Float64Array;
  let splitSort: { perm: Uint32Array; sorted: Float64Array } | undefined;
  if (bad && hasNaN(all)) sorted = all.slice().sort();
  else {
    const a = argsort(all);
    sorted = a.sorted;
    if (even) splitSort = a;
  }
  if (N > 0 && sorted[0] === sorted[N - 1]) {
    mean = sorted[0]; // all equal: exact mean, sd 0 (no rounding noise)
    sd = N > 1 ? 0 : NaN;
  }
  const q5 = quantileBy(quantileRule, sorted, 0.05);
  const q50 = quantileBy(quantileRule, sorted, 0.5);
  const q95 = quantileBy(quantileRule, sorted, 0.95);
  if (bad) return { mean, mcse: NaN, sd, q5, q50, q95, essBulk: NaN, essTail: NaN, rhat: NaN };
  splitSort ??= argsort(split.data);
  const zBulk = zScale(split, splitSort.perm, splitSort.sorted);
  const bulkEss = essCore(zBulk);
  const rhat = rhatOfSplit(split, splitSort.perm, splitSort.sorted, zBulk);
  const tailEss = essTailSorted(chains, n, sorted);
  const meanEss = essCore(split);
  const mcse = sd / Math.sqrt(meanEss);
  return { mean, mcse, sd, q5, q50, q95, essBulk: bulkEss, essTail: tailEss, rhat };
}

// ---------------------------------------------------------------------------------------
// Fits

const isSamplerColumn = (name: string): boolean => name.endsWith("__");

/**
 * One row per scalar output (bracket names, CSV column order), from the pooled post-warmup
 * draws of all chains. Default: model outputs only; `includeSamplerColumns` adds lp__ etc.
 * `variables` restricts to those variable names (sampler columns by name are allowed).
 * `quantileRule`: that of the CmdStan in use (quantileRuleFor), so the quantiles are its stansummary's.
 */
export function summarizeFit(
  fit: StanFit,
  opts: { quantileRule: QuantileRule; variables?: string[]; includeSamplerColumns?: boolean },
): VariableSummaryRow[] {
  const available = new Map(fit.variables.map((v) => [v.name, v]));
  let wanted: Set<string> | undefined;
  if (opts.variables) {
    const missing = opts.variables.filter((v) => !available.has(v));
    if (missing.length > 0)
      throw new StanCsvError(
        `variable${missing.length > 1 ? "s" : ""} ${missing.map((m) => `'${m}'`).join(", ")} not in the fit`,
        fit.files[0],
      );
    wanted = new Set(opts.variables);
  }
  const columnToVar = new Map<string, string>();
  for (const v of fit.variables) for (const c of v.columnNames) columnToVar.set(c, v.name);
  const rows: VariableSummaryRow[] = [];
  for (const col of fit.chains[0].columnNames) {
    const varName = columnToVar.get(col);
    if (varName === undefined) continue; // not read (subset)
    if (wanted ? !wanted.has(varName) : !opts.includeSamplerColumns && isSamplerColumn(col)) continue;
    const chains = fit.chains.map((c) => c.draws[col]);
    rows.push({ name: bracketName(col), ...summarizeChains(chains, opts.quantileRule) });
  }
  return rows;
}

// ---------------------------------------------------------------------------------------
// CSV form

export const SUMMARY_CSV_HEADER = ",Mean,MCSE,StdDev,5%,50%,95%,ESS_bulk,ESS_tail,R_hat";
const FIELDS = ["mean", "mcse", "sd", "q5", "q50", "q95", "essBulk", "essTail", "rhat"] as const;

function formatNumber(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (Object.is(x, -0)) return "-0";
  return String(x); // shortest text that round-trips to the same double
}

/** A CSV field, quoted when it holds a comma, quote or line break (RFC 4180). */
export function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/**
 * Header `,Mean,MCSE,StdDev,5%,50%,95%,ESS_bulk,ESS_tail,R_hat`; names quoted when they hold
 * commas; a closing `#` comment names the quantile rule (stansummary's own CSV also ends in `#`
 * comment lines, so readers of the original's files skip it).
 */
export function formatSummaryCsv(rows: VariableSummaryRow[], quantileRule: QuantileRule): string {
  const out = [SUMMARY_CSV_HEADER];
  for (const r of rows) out.push([csvField(r.name), ...FIELDS.map((f) => formatNumber(r[f]))].join(","));
  out.push(`# Quantiles: ${QUANTILE_RULE_LABELS[quantileRule]}`);
  return out.join("\n") + "\n";
}

const numberOrNaN = z.union([z.number(), z.nan()]);
const rowSchema = z.object({
  name: z.string().min(1),
  mean: numberOrNaN,
  mcse: numberOrNaN,
  sd: numberOrNaN,
  q5: numberOrNaN,
  q50: numberOrNaN,
  q95: numberOrNaN,
  essBulk: numberOrNaN,
  essTail: numberOrNaN,
  rhat: numberOrNaN,
});

/** Read back what formatSummaryCsv wrote. Errors name the file and line. */
export function parseSummaryCsv(text: string, file: string): VariableSummaryRow[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parseCsv(text, {
      relax_column_count: true,
      info: true,
      skip_empty_lines: true,
      comment: "#",
    }) as typeof records;
  } catch (e) {
    const err = e as Error & { lines?: number };
    throw new StanCsvError(`not valid CSV: ${err.message}`, file, err.lines);
  }
  if (records.length === 0) throw new StanCsvError("empty summary file (no header row)", file, 1);
  const header = records[0].record.join(",");
  if (header !== SUMMARY_CSV_HEADER)
    throw new StanCsvError(`header is '${header}', expected '${SUMMARY_CSV_HEADER}'`, file, records[0].info.lines);
  const rows: VariableSummaryRow[] = [];
  const names = new Set<string>();
  for (const { record, info } of records.slice(1)) {
    const line = info.lines;
    if (record.length !== FIELDS.length + 1)
      throw new StanCsvError(`row has ${record.length} fields, expected ${FIELDS.length + 1}`, file, line);
    const obj: Record<string, unknown> = { name: record[0] };
    FIELDS.forEach((f, i) => {
      const raw = record[i + 1].trim();
      const v = parseStanNumber(raw);
      if (v === undefined) throw new StanCsvError(`${f} '${raw}' is not a number`, file, line);
      obj[f] = v;
    });
    const parsed = rowSchema.safeParse(obj);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new StanCsvError(`${issue.path.join(".") || "row"}: ${issue.message}`, file, line);
    }
    if (names.has(parsed.data.name)) throw new StanCsvError(`variable '${parsed.data.name}' appears twice`, file, line);
    names.add(parsed.data.name);
    rows.push(parsed.data);
  }
  return rows;
}
