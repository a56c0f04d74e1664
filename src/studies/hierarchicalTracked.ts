/**
 * The config keys with which the hierarchical family's study kinds name the outputs they track
 * (docs/models.md): `alpha_var`, the per-cell sensitivity vector (h_m01: alpha; h_m01_size:
 * alpha_cell), and a list of extra scalars tracked after gamma, whose key the original names
 * differently per kind (recover: extra_scalar_params; sbc: extra_params_after_gamma).
 */
import { z } from "zod";
import { stanName } from "../pipeline/studyConfig.js";

/** The names every hierarchical study tracks; alpha_var and the extras may not repeat them. */
const FIXED_TRACKED_NAMES = ["gamma0", "gamma", "sigma_cell", "delta"];

export const alphaVarKey = {
  /** The model's per-cell sensitivity vector. */
  alpha_var: stanName.default("alpha"),
};

export const extraScalars = z
  .array(stanName, { invalid_type_error: "must be a list of Stan variable names" })
  .default([]);

/** alpha_var and the extra scalars (config key `extrasKey`) must name distinct, untracked outputs. */
export function checkTrackedNames(
  alphaVar: string,
  extras: readonly string[],
  extrasKey: string,
  ctx: z.RefinementCtx,
): void {
  const tracked = [...FIXED_TRACKED_NAMES, alphaVar, ...extras];
  tracked.forEach((name, i) => {
    if (tracked.indexOf(name) !== i) {
      const key = i >= FIXED_TRACKED_NAMES.length + 1 ? [extrasKey, i - FIXED_TRACKED_NAMES.length - 1] : ["alpha_var"];
      const list = [...new Set(tracked)].join(", ");
      ctx.addIssue({
        code: "custom",
        path: key,
        message: `names ${name}, which is already tracked (tracked: ${list})`,
      });
    }
  });
}
