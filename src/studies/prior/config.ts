/**
 * What the two prior predictive kinds' configs share (docs/prior.md): the counts, the grouping of
 * parameter sets into replicates, how the simulator runs are seeded, the simulator's path
 * (relative paths in the users' configs are repository paths; our own models are the default),
 * and the seeds.
 *
 * Seeds: parameter set i (0-based) is one fixed_param run of the simulator with seed `seed + i`,
 * one chain, n_choice_samples draws: at the default seed 12345 the original's calls exactly. With
 * `seeding: "per_block"` a block's sets come from one run instead (seed `seed + first set of the
 * block`, n_choice_samples draws per set): the same distribution, other numbers, fewer processes.
 */
import path from "node:path";
import { z } from "zod";
import { posInt, resolveAgainst } from "../../pipeline/studyConfig.js";
import { projectRoot } from "../../util/projectRoot.js";

export const DEFAULT_PRIOR_SEED = 12345;
/** Parameter sets per replicate (a replicate is one folder, one record). */
export const DEFAULT_PARAM_SETS_PER_BLOCK = 20;
export const SEEDINGS = ["per_param_set", "per_block"] as const;
export type Seeding = (typeof SEEDINGS)[number];

/** The keys both families take (the counts default to the original scripts'). */
export const priorRunKeys = {
  n_choice_samples: posInt().default(5),
  param_sets_per_block: posInt().default(DEFAULT_PARAM_SETS_PER_BLOCK),
  seeding: z
    .enum(SEEDINGS, { errorMap: () => ({ message: `must be one of ${SEEDINGS.map((s) => `"${s}"`).join(", ")}` }) })
    .default("per_param_set"),
};

/** What a prior study runs, whatever the family. */
export interface PriorRun {
  n_param_samples: number;
  n_choice_samples: number;
  param_sets_per_block: number;
  seeding: Seeding;
  seed: number;
}

/** A simulator path from a config: relative to `baseDir`; absent: our own `stan/<fallback>`. */
export function simulatorPath(given: string | undefined, baseDir: string, fallback: string): string {
  return given ? resolveAgainst(baseDir, given) : path.join(projectRoot(), "stan", fallback);
}

/** The replicates: block b (1-based) holds parameter sets first .. first + count - 1 (0-based). */
export function blockCount(run: PriorRun): number {
  return Math.ceil(run.n_param_samples / run.param_sets_per_block);
}

export function blockRange(run: PriorRun, b: number): { first: number; count: number } {
  const first = (b - 1) * run.param_sets_per_block;
  return { first, count: Math.min(run.param_sets_per_block, run.n_param_samples - first) };
}

/** The part of the run that decides the numbers (a block's sets depend on all of it). */
export function runFingerprint(run: PriorRun): Record<string, unknown> {
  return {
    n_param_samples: run.n_param_samples,
    n_choice_samples: run.n_choice_samples,
    param_sets_per_block: run.param_sets_per_block,
    seeding: run.seeding,
    seed: run.seed,
  };
}
