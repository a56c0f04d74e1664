/**
 * Posterior predictive checks from a model's own generated quantities (docs/estimate.md): every
 * scalar output named `ppc_<stat>` is a per-draw indicator 1[T_rep >= T_obs], so its mean over
 * the draws is the posterior predictive p-value of statistic <stat>; where the model also outputs
 * `T_obs_<stat>` and `T_rep_<stat>`, their draws are kept for the histograms. Nothing here knows a
 * model: the names come from its outputs.
 */
import type { StanFit } from "../cmdstan/stanCsv.js";
import { mean } from "./describe.js";

export const PPC_PREFIX = "ppc_";

export interface PpcStatistic {
  /** The indicator's name (ppc_ll_uncertain). */
  name: string;
  /** The statistic (ll_uncertain). */
  stat: string;
  /** Mean of the indicator over all draws of all chains. */
  pValue: number;
  /** Draws of T_obs_<stat> and T_rep_<stat>, pooled over chains, when the model outputs both. */
  obs?: Float64Array;
  rep?: Float64Array;
}

/** The pooled draws of a scalar output, or undefined when the fit has no such column. */
export function pooledColumn(fit: StanFit, column: string): Float64Array | undefined {
  if (!fit.chains.every((c) => c.draws[column])) return undefined;
  const n = fit.chains.reduce((s, c) => s + c.numDraws, 0);
  const out = new Float64Array(n);
  let at = 0;
  for (const c of fit.chains) {
    out.set(c.draws[column], at);
    at += c.numDraws;
  }
  return out;
}

/** The scalar outputs of `fit` named ppc_*, in the model's order, with their p-values. */
export function ppcStatistics(fit: StanFit): PpcStatistic[] {
  return fit.variables
    .filter((v) => v.name.startsWith(PPC_PREFIX) && v.dims.length === 0)
    .map((v) => {
      const stat = v.name.slice(PPC_PREFIX.length);
      const obs = pooledColumn(fit, `T_obs_${stat}`);
      const rep = pooledColumn(fit, `T_rep_${stat}`);
      return {
        name: v.name,
        stat,
        pValue: mean(pooledColumn(fit, v.name)!),
        ...(obs && rep ? { obs, rep } : {}),
      };
    });
}
