/**
 * Sampler health of one NUTS fit, from its CSV draws: divergent transitions, transitions that
 * hit the maximum tree depth, E-BFMI per chain (as bin/diagnose computes it: the mean squared
 * step of energy__ over its variance, both with n - 1), and the largest rank-normalised split
 * R-hat over the variables asked for (with one chain, from its two halves; summary.ts).
 */
import { bracketName, type StanFit } from "../cmdstan/stanCsv.js";
import { rankNormalizedSplitRhat } from "./summary.js";

export interface SamplerHealth {
  divergences: number;
  /** Post-warmup transitions (draws) over all chains. */
  transitions: number;
  treedepthHits: number;
  maxTreedepth: number;
  /** E-BFMI of each chain. */
  ebfmi: number[];
  /** Largest R-hat over the variables' scalars (NaN: none finite, e.g. every one constant). */
  maxRhat: number;
  /** The scalar with that R-hat (alpha[3]). */
  maxRhatVariable: string | null;
}

/** E-BFMI of one chain's energy__ (bin/diagnose's formula). */
export function ebfmi(energy: ArrayLike<number>): number {
  const n = energy.length;
  if (n < 2) return NaN;
  let step = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) {
    mean += energy[i];
    if (i > 0) step += (energy[i] - energy[i - 1]) ** 2;
  }
  mean /= n;
  let variance = 0;
  for (let i = 0; i < n; i++) variance += (energy[i] - mean) ** 2;
  return step / (n - 1) / (variance / (n - 1));
}

function column(fit: StanFit, name: string): Float64Array[] {
  return fit.chains.map((c) => {
    const draws = c.draws[name];
    if (!draws) throw new Error(`${c.file}: no ${name} column (not a NUTS fit?)`);
    return draws;
  });
}

function sum(xs: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < xs.length; i++) s += xs[i];
  return s;
}

/** The largest R-hat over the scalars of `variables`, and which scalar has it. */
function largestRhat(fit: StanFit, variables: readonly string[]): { maxRhat: number; maxRhatVariable: string | null } {
  let maxRhat = NaN;
  let maxRhatVariable: string | null = null;
  for (const v of fit.variables.filter((x) => variables.includes(x.name))) {
    for (const col of v.columnNames) {
      const rhat = rankNormalizedSplitRhat(fit.chains.map((c) => c.draws[col]));
      if (Number.isFinite(rhat) && !(rhat <= maxRhat)) {
        maxRhat = rhat;
        maxRhatVariable = bracketName(col);
      }
    }
  }
  return { maxRhat, maxRhatVariable };
}

/** Health of a fit read with its sampler columns and the variables whose R-hat is checked. */
export function samplerHealth(fit: StanFit, maxTreedepth: number, rhatVariables: readonly string[]): SamplerHealth {
  return {
    divergences: column(fit, "divergent__").reduce((s, c) => s + sum(c), 0),
    transitions: fit.chains.reduce((s, c) => s + c.numDraws, 0),
    treedepthHits: column(fit, "treedepth__").reduce((s, c) => s + c.filter((d) => d >= maxTreedepth).length, 0),
    maxTreedepth,
    ebfmi: column(fit, "energy__").map(ebfmi),
    ...largestRhat(fit, rhatVariables),
  };
}
