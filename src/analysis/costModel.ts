/**
 * What a fit will cost, predicted from fits measured before (docs/power.md "The cost model").
 *
 * A fit of C chains x (W warmup + S sampling) iterations costs, in core-seconds of its chains,
 *
 *     C x (W + S) x L x g
 *
 * with g the seconds per gradient evaluation and L the gradient evaluations per iteration (the
 * leapfrog steps NUTS takes). They vary for different reasons, so they are predicted apart:
 *
 * - g depends on the data's shape (M_total: the likelihood gathers every menu slot) and the
 *   machine, not on what the data say. It is measured per fit (sampling seconds over the sum of
 *   n_leapfrog__ in the CSV), and carried to another design by a probe: a short run of fixed
 *   gradient count on that design's data, timed on the same machine beside the measured one.
 * - L depends on the posterior's geometry: on what the data say (rho_copy: copied answers make
 *   the choices look more certain, and the sampler takes more, smaller steps) and on how much
 *   data there is. It is taken from the measured fits of the same rho (same M_total if measured;
 *   else a log-log fit on M_total within that rho when two sizes were measured, or without two
 *   sizes L proportional to the square root of M_total: the step size follows the posterior's
 *   narrowest scale, which shrinks as 1 / sqrt(data), while the trajectory spans directions the
 *   prior dominates, which do not), interpolated linearly between measured rhos, and held at the
 *   nearest measured rho outside them.
 *
 * The warmup's gradients are not in the CSV (only saved draws carry n_leapfrog__), so a fit's L
 * is its chains' total seconds over g and over its iterations: warmup and sampling alike.
 */

/** One measured fit: its design, sampler settings and what its chains' CSVs say. */
export interface MeasuredFit {
  M_total: number;
  rho: number;
  chains: number;
  warmup: number;
  samples: number;
  /** Sum over chains of CmdStan's elapsed warmup + sampling seconds. */
  chain_seconds: number;
  /** Sum over chains of the sampling seconds, and of n_leapfrog__ over the sampling draws. */
  sampling_seconds: number;
  sampling_gradients: number;
  /**
   * The same two as CPU seconds of the chains' processes, where the OS told them: what other work
   * on the machine does not inflate, so the model reads them first.
   */
  chain_cpu_seconds?: number;
  sampling_cpu_seconds?: number;
  /** Wall seconds of the post-fit work (reading, scoring, bin/diagnose), as a core-second cost. */
  post_seconds?: number;
  /** Per-chain detail, as cost.json keeps it (not read by the model). */
  chain_detail?: object[];
}

/** A fit's chains' core-seconds: CPU where measured, else CmdStan's wall-clock seconds. */
export function chainCoreSeconds(f: MeasuredFit): number {
  return f.chain_cpu_seconds ?? f.chain_seconds;
}

/** What a fit cost in all: its chains' core-seconds and its post-fit work. */
export function fitCoreSeconds(f: MeasuredFit): number {
  return chainCoreSeconds(f) + (f.post_seconds ?? 0);
}

/** A design to price: its shape, rho and sampler settings. */
export interface FitShape {
  M_total: number;
  rho: number;
  chains: number;
  warmup: number;
  samples: number;
}

export interface FitPrediction {
  /** Core-seconds of the fit's chains, plus its post-fit work. */
  core_seconds: number;
  seconds_per_gradient: number;
  gradients_per_iteration: number;
  /** How the prediction was made, for the pricing table. */
  basis: string;
}

/** Seconds per gradient of a design, measured by a probe, keyed by M_total. */
export type ProbeTable = ReadonlyMap<number, number>;

const sameRho = (a: number, b: number) => Math.abs(a - b) < 1e-9;
const geoMean = (xs: number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);

export function secondsPerGradient(f: MeasuredFit): number {
  return (f.chain_cpu_seconds !== undefined ? f.sampling_cpu_seconds! : f.sampling_seconds) / f.sampling_gradients;
}

export function gradientsPerIteration(f: MeasuredFit): number {
  return chainCoreSeconds(f) / secondsPerGradient(f) / (f.chains * (f.warmup + f.samples));
}

/** g for a design: the measured g carried by the probes' ratio, else by M_total's. */
function predictGradientSeconds(fits: readonly MeasuredFit[], M: number, probes: ProbeTable): [number, string] {
  const probed = fits.filter((f) => probes.has(f.M_total));
  if (probes.has(M) && probed.length) {
    const g = geoMean(probed.map((f) => (secondsPerGradient(f) * probes.get(M)!) / probes.get(f.M_total)!));
    return [g, "g by probe"];
  }
  const same = fits.filter((f) => f.M_total === M);
  if (same.length) return [geoMean(same.map(secondsPerGradient)), "g measured"];
  // No probe: proportional to M_total (the likelihood's menu slots dominate a gradient).
  return [geoMean(fits.map((f) => (secondsPerGradient(f) * M) / f.M_total)), "g by M_total"];
}

/** How L grows with M_total where the measured fits cannot say (one size measured): L ~ sqrt(M_total). */
export const DEFAULT_L_EXPONENT = 0.5;

/** L at one measured rho for a design of M_total M. */
function gradientsAtRho(fits: readonly MeasuredFit[], M: number): number {
  const same = fits.filter((f) => f.M_total === M);
  if (same.length) return geoMean(same.map(gradientsPerIteration));
  const sizes = [...new Set(fits.map((f) => f.M_total))];
  if (sizes.length < 2)
    return geoMean(fits.map((f) => gradientsPerIteration(f) * (M / f.M_total) ** DEFAULT_L_EXPONENT));
  // log L = a + b log M_total, least squares over the measured fits of this rho.
  const pts = fits.map((f) => [Math.log(f.M_total), Math.log(gradientsPerIteration(f))] as const);
  const mx = pts.reduce((a, [x]) => a + x, 0) / pts.length;
  const my = pts.reduce((a, [, y]) => a + y, 0) / pts.length;
  const b = pts.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0) / pts.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return Math.exp(my + b * (Math.log(M) - mx));
}

function predictGradients(fits: readonly MeasuredFit[], shape: FitShape): [number, string] {
  const rhos = [...new Set(fits.map((f) => f.rho))].sort((a, b) => a - b);
  const at = (rho: number) =>
    gradientsAtRho(
      fits.filter((f) => sameRho(f.rho, rho)),
      shape.M_total,
    );
  const exact = rhos.find((r) => sameRho(r, shape.rho));
  if (exact !== undefined) {
    const measuredHere = fits.some((f) => sameRho(f.rho, exact) && f.M_total === shape.M_total);
    return [at(exact), measuredHere ? "L measured" : `L at rho ${exact}`];
  }
  const below = rhos.filter((r) => r < shape.rho).at(-1);
  const above = rhos.find((r) => r > shape.rho);
  if (below === undefined || above === undefined) {
    const nearest = (below ?? above)!;
    return [at(nearest), `L held from rho ${nearest}`];
  }
  const t = (shape.rho - below) / (above - below);
  return [(1 - t) * at(below) + t * at(above), `L between rho ${below} and ${above}`];
}

/** Post-fit work per fit: measured, scaled by M_total (the CSV's width follows it). */
function predictPost(fits: readonly MeasuredFit[], M: number): number {
  const with_ = fits.filter((f) => f.post_seconds !== undefined);
  if (!with_.length) return 0;
  return with_.reduce((a, f) => a + (f.post_seconds! * M) / f.M_total, 0) / with_.length;
}

/** The predicted cost of one fit of `shape`, from the measured fits (at least one). */
export function predictFit(
  fits: readonly MeasuredFit[],
  shape: FitShape,
  probes: ProbeTable = new Map(),
): FitPrediction {
  const usable = fits.filter((f) => f.sampling_gradients > 0 && secondsPerGradient(f) > 0 && chainCoreSeconds(f) > 0);
  if (!usable.length) throw new Error("predictFit: no measured fit with timing and gradient counts");
  const [g, gBasis] = predictGradientSeconds(usable, shape.M_total, probes);
  const [L, lBasis] = predictGradients(usable, shape);
  const chains = shape.chains * (shape.warmup + shape.samples) * L * g;
  return {
    core_seconds: chains + predictPost(usable, shape.M_total),
    seconds_per_gradient: g,
    gradients_per_iteration: L,
    basis: `${lBasis}; ${gBasis}`,
  };
}

/**
 * The original's model, for comparison: seconds per fit linear in M_total through the measured
 * fits (their mean core-seconds per unit of M_total, per chain-iteration).
 */
export function predictLinearInMTotal(fits: readonly MeasuredFit[], shape: FitShape): number {
  const perUnit =
    fits.reduce((a, f) => a + fitCoreSeconds(f) / f.M_total / (f.chains * (f.warmup + f.samples)), 0) / fits.length;
  return perUnit * shape.M_total * shape.chains * (shape.warmup + shape.samples);
}

/** How far predictions were off: actual / predicted per cell, and summaries of |log ratio|. */
export function predictionError(pairs: readonly { actual: number; predicted: number }[]): {
  ratios: number[];
  max_abs_log_ratio: number | null;
  geometric_mean_ratio: number | null;
} {
  const ratios = pairs.filter((p) => p.predicted > 0 && p.actual > 0).map((p) => p.actual / p.predicted);
  if (!ratios.length) return { ratios, max_abs_log_ratio: null, geometric_mean_ratio: null };
  return {
    ratios,
    max_abs_log_ratio: Math.max(...ratios.map((r) => Math.abs(Math.log(r)))),
    geometric_mean_ratio: geoMean(ratios),
  };
}
