/**
 * The distribution functions the SBC statistics need, in double precision: the log-gamma
 * function, the chi-square upper tail, the binomial pmf / cdf / quantile, and the exact
 * distribution of the two-sided one-sample Kolmogorov-Smirnov statistic.
 *
 * Written here rather than taken from a statistics package (jstat, @stdlib/stats-kstest) so that
 * the KS p-value follows scipy's `kstwo` regime by regime: the original tool computed Report 12's
 * p-values with scipy, and ours are compared with them. Each function is checked against scipy
 * 1.17 (the test venv) in test/analysis/distributions.test.ts.
 */

const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
  12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];

/** log Gamma(x) for x > 0 (Lanczos, g = 7, n = 9; relative error about 1e-15). */
export function logGamma(x: number): number {
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x);
  const z = x - 1;
  let a = LANCZOS[0];
  const t = z + LANCZOS_G + 0.5;
  for (let i = 1; i < LANCZOS.length; i++) a += LANCZOS[i] / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

const EPS = 1e-16;
const TINY = 1e-300;

/** Regularised lower incomplete gamma P(a, x) by its series (converges fast for x < a + 1). */
function gammaPSeries(a: number, x: number): number {
  let term = 1 / a;
  let sum = term;
  for (let n = 1; n < 10000; n++) {
    term *= x / (a + n);
    sum += term;
    if (Math.abs(term) < Math.abs(sum) * EPS) break;
  }
  return sum * Math.exp(-x + a * Math.log(x) - logGamma(a));
}

/** Regularised upper incomplete gamma Q(a, x) by its continued fraction (modified Lentz; x >= a + 1). */
function gammaQContinuedFraction(a: number, x: number): number {
  let b = x + 1 - a;
  let c = 1 / TINY;
  let d = 1 / b;
  let h = d;
  for (let i = 1; i < 10000; i++) {
    const an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (Math.abs(d) < TINY) d = TINY;
    c = b + an / c;
    if (Math.abs(c) < TINY) c = TINY;
    d = 1 / d;
    const delta = d * c;
    h *= delta;
    if (Math.abs(delta - 1) < EPS) break;
  }
  return Math.exp(-x + a * Math.log(x) - logGamma(a)) * h;
}

/** Upper tail of the chi-square distribution with `df` degrees of freedom: P(X > x) (scipy chi2.sf). */
export function chiSquareSf(x: number, df: number): number {
  if (!(df > 0)) return NaN;
  if (Number.isNaN(x)) return NaN;
  if (x <= 0) return 1;
  const a = df / 2;
  const h = x / 2;
  return h < a + 1 ? 1 - gammaPSeries(a, h) : gammaQContinuedFraction(a, h);
}

/** Binomial probability of k successes in n trials with success probability p. */
export function binomialPmf(k: number, n: number, p: number): number {
  if (k < 0 || k > n) return 0;
  if (p <= 0) return k === 0 ? 1 : 0;
  if (p >= 1) return k === n ? 1 : 0;
  const logChoose = logGamma(n + 1) - logGamma(k + 1) - logGamma(n - k + 1);
  return Math.exp(logChoose + k * Math.log(p) + (n - k) * Math.log1p(-p));
}

/** Binomial quantile: the smallest k with P(X <= k) >= q (scipy binom.ppf). */
export function binomialQuantile(q: number, n: number, p: number): number {
  if (p <= 0) return 0;
  if (p >= 1) return n;
  let cdf = 0;
  for (let k = 0; k < n; k++) {
    cdf += binomialPmf(k, n, p);
    if (cdf >= q) return k;
  }
  return n;
}

/** Central interval of probability `level` of Binomial(n, p), as scipy binom.interval: [ppf((1-level)/2), ppf((1+level)/2)]. */
export function binomialInterval(level: number, n: number, p: number): [number, number] {
  return [binomialQuantile((1 - level) / 2, n, p), binomialQuantile((1 + level) / 2, n, p)];
}

// ---------------------------------------------------------------------------------------------
// Kolmogorov-Smirnov: the exact distribution of D_n = sup |F_n - F| for a continuous F.

/**
 * P(D+_n >= d), the one-sided statistic's exact upper tail (Birnbaum and Tingey 1951):
 * d * sum_{j=0}^{floor(n (1 - d))} C(n, j) (1 - d - j/n)^(n - j) (d + j/n)^(j - 1), summed in logs.
 */
export function smirnovSf(n: number, d: number): number {
  if (d <= 0) return 1;
  if (d >= 1) return 0;
  const jmax = Math.floor(n * (1 - d) + 1e-12);
  const logN1 = logGamma(n + 1);
  let sum = 0;
  for (let j = 0; j <= jmax; j++) {
    const a = 1 - d - j / n;
    const b = d + j / n;
    if (a <= 0) {
      // (1 - d - j/n)^(n - j) is 0 unless n - j = 0 (0^0 = 1).
      if (n - j === 0) sum += Math.exp(logN1 - logGamma(j + 1) - logGamma(n - j + 1) + (j - 1) * Math.log(b));
      continue;
    }
    sum += Math.exp(logN1 - logGamma(j + 1) - logGamma(n - j + 1) + (n - j) * Math.log(a) + (j - 1) * Math.log(b));
  }
  return Math.min(1, d * sum);
}

const SCALE_UP = 2 ** 128;
const SCALE_DOWN = 2 ** -128;

function matMul(a: Float64Array, b: Float64Array, m: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let k = 0; k < m; k++) {
      const aik = a[i * m + k];
      if (aik === 0) continue;
      for (let j = 0; j < m; j++) out[i * m + j] += aik * b[k * m + j];
    }
  }
  return out;
}

/**
 * P(D_n < d) by Durbin's matrix (Marsaglia, Tsang and Wang 2003), with k = ceil(n d) as scipy's
 * `_kolmogn_DMTW`: the (k, k) entry of H^n times n!/n^n, with powers of two kept apart so
 * nothing overflows.
 */
export function kolmogorovCdfDurbin(n: number, d: number): number {
  if (d >= 1) return 1;
  const nd = n * d;
  if (nd <= 0.5) return 0;
  const k = Math.ceil(nd);
  const h = k - nd;
  const m = 2 * k - 1;
  // First column v and last row (v reversed); H[i][j] = 1/(i - j + 1)! below the superdiagonal.
  const v = new Float64Array(m);
  const w = new Float64Array(m);
  let fac = 1;
  for (let j = 1; j <= m; j++) {
    w[j - 1] = fac;
    fac /= j;
    v[j - 1] = (1 - h ** j) * fac;
  }
  const tt = Math.max(2 * h - 1, 0) ** m - 2 * h ** m;
  v[m - 1] = (1 + tt) * fac;
  let H = new Float64Array(m * m);
  for (let i = 1; i < m; i++) for (let r = i - 1; r < m; r++) H[r * m + i] = w[r - i + 1];
  for (let r = 0; r < m; r++) H[r * m] = v[r];
  for (let c = 0; c < m; c++) H[(m - 1) * m + c] = v[m - 1 - c];

  let power = new Float64Array(m * m);
  for (let i = 0; i < m; i++) power[i * m + i] = 1;
  let exponent = 0;
  let hExponent = 0;
  for (let nn = n; nn > 0; nn = Math.floor(nn / 2)) {
    if (nn % 2) {
      power = matMul(power, H, m);
      exponent += hExponent;
    }
    H = matMul(H, H, m);
    hExponent *= 2;
    if (Math.abs(H[(k - 1) * m + (k - 1)]) > SCALE_UP) {
      for (let i = 0; i < H.length; i++) H[i] /= SCALE_UP;
      hExponent += 128;
    }
  }
  let p = power[(k - 1) * m + (k - 1)];
  for (let i = 1; i <= n; i++) {
    p = (i * p) / n;
    if (Math.abs(p) < SCALE_DOWN) {
      p *= SCALE_UP;
      exponent -= 128;
    }
  }
  return Math.min(1, Math.max(0, p * 2 ** exponent));
}

/**
 * P(D_n >= d) for the two-sided one-sample statistic: scipy's `kstwo.sf(d, n)`, which
 * `scipy.stats.kstest` reports as the p-value. The same regimes as scipy (`_kolmogn`): exact
 * closed forms near the ends, Durbin's matrix in the body (where scipy uses Durbin or
 * Pomeranz, both exact), and 2 x the one-sided tail far out in the tail, where the two agree
 * to about the square of the p-value. For n > 140 scipy switches part of the body to the
 * Pelz-Good approximation; Durbin's exact matrix is used here instead (they agree to about 1e-6).
 */
export function kolmogorovSf(n: number, d: number): number {
  if (!Number.isInteger(n) || n <= 0 || Number.isNaN(d)) return NaN;
  if (d >= 1) return 0;
  if (d <= 0) return 1;
  const t = n * d;
  if (t <= 1) {
    if (t <= 0.5) return 1;
    let cdf = 1;
    for (let i = 1; i <= n; i++) cdf *= (i / n) * (2 * t - 1);
    return 1 - cdf;
  }
  if (t >= n - 1) return 2 * (1 - d) ** n;
  if (d >= 0.5) return Math.min(1, 2 * smirnovSf(n, d));
  const nxSquared = t * d;
  if (n <= 140) {
    if (nxSquared <= 4) return 1 - kolmogorovCdfDurbin(n, d);
    return Math.min(1, 2 * smirnovSf(n, d));
  }
  if (nxSquared >= 370) return 0;
  if (nxSquared >= 2.2) return Math.min(1, 2 * smirnovSf(n, d));
  return 1 - kolmogorovCdfDurbin(n, d);
}
