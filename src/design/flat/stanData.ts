/**
 * The Stan data of a flat design, as the m_0 ... m_3 models and their simulators declare it:
 * M, K, D, R, w, I, and for risky designs N, S, x, J after them. The simulators' hyperparameters
 * (alpha_mean, ...) and the choices y (and z) are added by the study that runs the models.
 */
import type { FlatDesign } from "./types.js";

/** Keys of flat-model data that hold integers (with the choices y and z): pass as `ints` to toStanJson. */
export const FLAT_STAN_INT_KEYS: readonly string[] = ["M", "K", "D", "R", "I", "N", "S", "J", "y", "z"];

/**
 * The design's Stan data, in the models' order (the choices y and z, which the study adds, are
 * declared after I and after J). Arrays are shared with `design`, not copied.
 */
export function flatStanData(design: FlatDesign): Record<string, unknown> {
  const data: Record<string, unknown> = {
    M: design.M,
    K: design.K,
    D: design.D,
    R: design.R,
    w: design.w,
    I: design.I,
  };
  const r = design.risky;
  if (r) Object.assign(data, { N: r.N, S: r.S, x: r.x, J: r.J });
  return data;
}
