/**
 * A power cell's outputs (docs/power.md "A cell's outputs"), in the original's keys, rewritten as
 * fits finish and once more at the end, from the records alone:
 *
 * - iterations.json: the decision records of the finished fits, in iteration order;
 * - summary.json: n_iterations, regime, the design, each rate (the mean of its field over the
 *   fits, nulls left out), bias, rmse, mean_agreement_rate, seconds_per_iteration, total_seconds,
 *   sampler, provisional, frozen_at; then this tool's keys;
 * - timing.json: seconds_per_iteration, seconds, sampler, M_total, n_menus, J,
 *   measured_not_estimated; then this tool's (the fits' costs for the cost model), beside the
 *   engine's own timing keys.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { cellStatistics, type ScoredFit } from "../../analysis/power.js";
import { fitCoreSeconds, type MeasuredFit } from "../../analysis/costModel.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import { mergeJsonAtomic, writeJsonAtomic } from "../../util/atomicWrite.js";
import { parseJsonAs, readJsonFile } from "../../util/jsonFile.js";
import { samplerSettings, type PowerConfig } from "./config.js";
import { COST_FILE, DECISION_FILE, iterationDirOf, type DecisionRecord } from "./iteration.js";

export const REGIME = "a_pseudo_replication";

/** What a cell's outputs need of its design. */
export interface CellShape {
  M_total: number;
  J: number;
  n_menus: number;
}

const nullableNumber = z.number().nullable();
const decisionSchema = z
  .object({
    iteration: z.number().int(),
    posterior_mean: z.number(),
    ci_lower: z.number(),
    ci_upper: z.number(),
    ci_width: z.number(),
    covered: z.boolean(),
    excludes_zero: z.boolean(),
    correct_sign: z.boolean().nullable(),
    type_s: z.boolean(),
    outside_rope: z.boolean(),
    agreement_rate: nullableNumber,
    divergences: z.boolean(),
    n_divergent: z.number().int(),
    diagnose_problems: z.array(z.string()),
    seconds: z.number(),
  })
  .passthrough();

/** A fit's cost.json (also what a timing.json's `fits` hold). */
export const costSchema = z
  .object({
    M_total: z.number().positive(),
    rho: z.number(),
    chains: z.number().int().positive(),
    warmup: z.number().int(),
    samples: z.number().int(),
    chain_seconds: z.number().nonnegative(),
    sampling_seconds: z.number().nonnegative(),
    sampling_gradients: z.number().nonnegative(),
    chain_cpu_seconds: z.number().optional(),
    sampling_cpu_seconds: z.number().optional(),
    post_seconds: z.number().optional(),
  })
  .passthrough();

/** The finished fits of a cell: their decision records and costs, in iteration order. */
export async function readCellFits(
  outputDir: string,
  records: ReadonlyMap<number, ReplicateRecord>,
): Promise<{ decisions: DecisionRecord[]; costs: MeasuredFit[]; failures: { iteration: number; reason: string }[] }> {
  const decisions: DecisionRecord[] = [];
  const costs: MeasuredFit[] = [];
  const failures: { iteration: number; reason: string }[] = [];
  for (const i of [...records.keys()].sort((a, b) => a - b)) {
    const dir = iterationDirOf(outputDir, i);
    if (records.get(i)!.status === "failed") {
      const file = path.join(dir, "error.txt");
      failures.push({
        iteration: i,
        reason: existsSync(file) ? (await readFile(file, "utf8")).trim() : "(no error.txt)",
      });
      continue;
    }
    // Validated, but kept as written (the original's key order).
    const file = path.join(dir, DECISION_FILE);
    const text = await readFile(file, "utf8");
    parseJsonAs(file, text, decisionSchema);
    decisions.push(JSON.parse(text) as DecisionRecord);
    costs.push(await readJsonFile(path.join(dir, COST_FILE), costSchema));
  }
  return { decisions, costs, failures };
}

/** summary.json's content: the original's keys in its order, then this tool's. */
export function cellSummary(config: PowerConfig, shape: CellShape, decisions: DecisionRecord[], costs: MeasuredFit[]) {
  const truthKey = `true_${config.target}`;
  const scored: ScoredFit[] = decisions.map((d) => ({ ...d, true_value: d[truthKey] as number }));
  const seconds = decisions.map((d) => d.seconds);
  const total = seconds.reduce((a, s) => a + s, 0);
  const coreSeconds = costs.map(fitCoreSeconds);
  const { mean_agreement_rate, ...rates } = cellStatistics(scored);
  return {
    n_iterations: decisions.length,
    regime: REGIME,
    rho_copy: config.rho_copy,
    num_presentations: config.num_presentations,
    n_menus: shape.n_menus,
    M_total: shape.M_total,
    J: shape.J,
    menus_per_cell: shape.n_menus / shape.J,
    power_excludes_zero: rates.power_excludes_zero,
    power_outside_rope: rates.power_outside_rope,
    correct_sign_rate: rates.correct_sign_rate,
    type_s_rate: rates.type_s_rate,
    coverage: rates.coverage,
    nominal_coverage: config.ci_prob,
    mean_ci_width: rates.mean_ci_width,
    bias: rates.bias,
    rmse: rates.rmse,
    mean_agreement_rate,
    seconds_per_iteration: decisions.length ? total / decisions.length : null,
    total_seconds: total,
    sampler: samplerSettings(config),
    provisional: true,
    frozen_at: null,
    target: config.target,
    rope: config.rope,
    core_seconds_per_iteration: coreSeconds.length ? coreSeconds.reduce((a, s) => a + s, 0) / coreSeconds.length : null,
    fits_with_diagnose_problems: decisions.filter((d) => d.divergences).length,
    divergent_transitions: decisions.reduce((a, d) => a + d.n_divergent, 0),
  };
}

export type CellSummaryJson = ReturnType<typeof cellSummary>;

/** Write iterations.json, summary.json and timing.json of a cell from its records. */
export async function writeCellOutputs(
  config: PowerConfig,
  shape: CellShape,
  records: ReadonlyMap<number, ReplicateRecord>,
): Promise<{
  summary: CellSummaryJson;
  decisions: DecisionRecord[];
  costs: MeasuredFit[];
  failures: { iteration: number; reason: string }[];
}> {
  const out = config.output_dir;
  const { decisions, costs, failures } = await readCellFits(out, records);
  const summary = cellSummary(config, shape, decisions, costs);
  await writeJsonAtomic(path.join(out, "iterations.json"), decisions);
  await writeJsonAtomic(path.join(out, "summary.json"), summary);
  await mergeJsonAtomic(path.join(out, "timing.json"), {
    seconds_per_iteration: summary.seconds_per_iteration,
    seconds: decisions.map((d) => d.seconds),
    sampler: summary.sampler,
    M_total: shape.M_total,
    n_menus: shape.n_menus,
    J: shape.J,
    measured_not_estimated: true,
    rho_copy: config.rho_copy,
    core_seconds_per_iteration: summary.core_seconds_per_iteration,
    fits: costs,
  });
  return { summary, decisions, costs, failures };
}
