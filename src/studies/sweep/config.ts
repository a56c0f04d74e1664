/**
 * A concentration sweep (docs/sweeps.md): `concentration_grid`, a list of Dirichlet
 * concentrations, in a flat recovery or flat SBC config makes the study a grid (docs/architecture.md
 * "Grids"), one cell per value, each setting `delta_concentration` for the simulator and the
 * fitted (or SBC) model alike: a matched prior. A cell's folder is `alpha0=<value>`, the value as
 * written (the original rounded it to one decimal, so 0.25 and 0.2 shared a folder); values that
 * would share a folder are refused.
 */
import { z } from "zod";
import type { GridCellSpec } from "../../pipeline/studyRecipe.js";

export const SWEEP_KEY = "concentration_grid";
/** The data value each cell sets: the Dirichlet concentration of delta in m_03, m_03_sim and m_03_sbc. */
export const SWEPT_DATA = "delta_concentration";

/** A cell's folder: the value as JavaScript prints it (1 -> alpha0=1, 2.5 -> alpha0=2.5, 0.25 -> alpha0=0.25). */
export function sweepFolder(value: number): string {
  return `alpha0=${String(value)}`;
}

const concentration = z
  .number({ invalid_type_error: "must be a number (a Dirichlet concentration)" })
  .finite("must be finite")
  .positive("must be positive (a Dirichlet concentration is > 0)");

/** The config key: optional; when given, a non-empty list of distinct positive numbers. */
export const sweepKeys = {
  concentration_grid: z
    .array(concentration, { invalid_type_error: "must be a list of positive numbers, e.g. [1, 2, 5, 10]" })
    .min(1, "must list at least one value (or leave the key out for one study)")
    .superRefine((values, ctx) => {
      const seen = new Map<string, number>();
      values.forEach((v, i) => {
        const folder = sweepFolder(v);
        const first = seen.get(folder);
        if (first !== undefined)
          ctx.addIssue({
            code: "custom",
            path: [i],
            message: `${v} is listed twice (entries ${first + 1} and ${i + 1}: both would be the folder ${folder})`,
          });
        else seen.set(folder, i);
      });
    })
    .optional(),
};

/**
 * Refuse a sweep whose swept value is also given elsewhere (`where`: sim_hyperparams or
 * extra_data): each cell sets it, so a fixed value there would be silently overridden.
 */
export function checkSweepAgainst(c: Record<string, unknown>, where: string, ctx: z.RefinementCtx): void {
  const values = c[where];
  if (c[SWEEP_KEY] === undefined || !values || typeof values !== "object") return;
  if (SWEPT_DATA in values)
    ctx.addIssue({
      code: "custom",
      path: [where, SWEPT_DATA],
      message: `cannot be given with ${SWEEP_KEY}, which sets it in each cell (leave it out, or drop ${SWEEP_KEY} for one study)`,
    });
}

/** The cells of a sweep: one per value, setting the swept data value at `key` (a dotted config key). */
export function sweepCells(grid: readonly number[] | undefined, key: string): GridCellSpec[] | undefined {
  return grid?.map((value) => ({ name: sweepFolder(value), set: { [`${key}.${SWEPT_DATA}`]: value } }));
}
