/**
 * SBC ranks (Talts et al. 2018): the rank of a true value among the posterior draws kept after
 * thinning.
 *
 * Kept draws: every `thin`-th draw starting at draw 0 of the post-warmup draws (chains pooled in
 * chain order, as cmdstanpy's `stan_variable` returns them), so 1000 draws at thin 3 keep draws
 * 0, 3, ..., 999: L = 334 draws. The rank is the number of kept draws <= the truth, in 0..L
 * (L + 1 possible values).
 *
 * The SBC model outputs per draw the indicator `ranks_[k]` = 1 if the draw of scalar k exceeds
 * its truth (computed in double precision inside Stan, before the CSV's rounding), so the rank is
 * L minus the number of kept draws whose indicator is 1. Ties: a draw equal to the truth counts
 * as <= the truth (not exceeding it). The SBC literature randomises ties; for the continuous
 * parameters tracked here a tie has probability zero, so none is randomised.
 */

/** How many draws thinning keeps: draws 0, thin, 2 thin, ... below nDraws. */
export function keptDrawCount(nDraws: number, thin: number): number {
  if (!Number.isInteger(thin) || thin < 1) throw new Error(`thin must be a positive integer, got ${thin}`);
  return Math.ceil(nDraws / thin);
}

/** Pool the chains of one column in chain order. */
export function pooledDraws(chains: readonly ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(chains.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chains) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/**
 * The rank from per-draw "draw > truth" indicators (0 or 1) of the pooled draws: the kept draws
 * (every thin-th from draw 0) minus the kept ones that exceed the truth.
 */
export function rankFromIndicators(exceeds: ArrayLike<number>, thin: number): number {
  const kept = keptDrawCount(exceeds.length, thin);
  let above = 0;
  for (let i = 0; i < exceeds.length; i += thin) {
    const e = exceeds[i];
    if (e !== 0 && e !== 1) throw new Error(`draw ${i}: an SBC indicator must be 0 or 1, got ${e}`);
    above += e;
  }
  return kept - above;
}

/** The rank computed from the draws themselves: kept draws <= truth (for checks and other models). */
export function rankOfTruth(draws: ArrayLike<number>, truth: number, thin: number): number {
  let rank = 0;
  for (let i = 0; i < draws.length; i += thin) if (draws[i] <= truth) rank += 1;
  return rank;
}
