/**
 * The power config (docs/power.md "Config"): the original power harness's keys, read as they are
 * (inference_model_path, sim_model_path, the design source, output_dir, n_mcmc_samples,
 * n_mcmc_warmup, n_mcmc_chains, n_iterations, adapt_delta, num_presentations, rho_copy,
 * sim_only_keys, sim_overrides), the keys every study kind takes, this tool's own (target,
 * ci_prob, rope, max_treedepth), and the keys the command's flags set (cells, iterations,
 * measure, measure_iterations, budget_hours, timing, dry_run, allow_sampler_mismatch).
 *
 * `study_design_config.M_per_cell` counts MENUS per cell: each is shown num_presentations times.
 * Seeds: iteration i (1-based) simulates with seed + i - 1 and fits with seed + 1000 + i - 1,
 * the original's seed + it and seed + 1000 + it for its 0-based it.
 */
import path from "node:path";
import { z } from "zod";
import { DEFAULT_CI_PROB, DEFAULT_ROPE } from "../../analysis/power.js";
import {
  checkDesignSource,
  designStudyKeys,
  parseDesignStudyConfig,
  portableConfig,
  posInt,
  resolveAgainst,
  stanName,
  type BaseStudyConfig,
  type DesignSource,
} from "../../pipeline/studyConfig.js";
import { InputError } from "../../util/errors.js";
import { recoveryKeys, resolveRecoveryKeys, simulatorKeys } from "../common/recoveryConfig.js";

/** Iterations per cell of a grid without --iterations (the original grid's default). */
export const DEFAULT_GRID_ITERATIONS = 10;
export const DEFAULT_MEASURE_ITERATIONS = 2;
export const MEASURE_FOLDER = "_measure";

const unitInterval = (what: string) =>
  z
    .number({ invalid_type_error: `must be ${what}` })
    .min(0, `must be ${what}`)
    .max(1, `must be ${what}`);

export const powerConfigSchema = z
  .object({
    ...designStudyKeys({ seed: 12345, output_dir: "results/h_m01_size_power" }),
    ...recoveryKeys,
    ...simulatorKeys,
    n_iterations: posInt().default(DEFAULT_GRID_ITERATIONS),
    /** The original passes none: CmdStan's default (10). */
    max_treedepth: posInt().optional(),
    num_presentations: posInt().default(2),
    rho_copy: unitInterval("a probability in [0, 1]").default(0),
    /** The scalar the decisions are about, and how they are made. */
    target: stanName.default("gamma_size"),
    ci_prob: z.number({ invalid_type_error: "must be a number in (0, 1)" }).gt(0).lt(1).default(DEFAULT_CI_PROB),
    rope: z.number({ invalid_type_error: "must be a number >= 0" }).min(0).default(DEFAULT_ROPE),
    // The command's flags (a config may set them too).
    cells: z
      .union([z.string(), z.array(z.string())], { invalid_type_error: 'must be a list like "15:0.9,30:0.9"' })
      .optional(),
    iterations: posInt().optional(),
    measure: z.boolean({ invalid_type_error: "must be true or false" }).default(false),
    measure_iterations: posInt().default(DEFAULT_MEASURE_ITERATIONS),
    budget_hours: z.number({ invalid_type_error: "must be a number of hours > 0" }).gt(0, "must be > 0").optional(),
    timing: z.string().min(1).optional(),
    dry_run: z.boolean({ invalid_type_error: "must be true or false" }).default(false),
    allow_sampler_mismatch: z.boolean({ invalid_type_error: "must be true or false" }).default(false),
  })
  .strict()
  .superRefine((c, ctx) => checkDesignSource(c, ctx));

type Parsed = z.output<typeof powerConfigSchema>;

/** One cell of a grid: menus per cell and rho_copy. */
export interface PowerCell {
  menus_per_cell: number;
  rho_copy: number;
}

export interface PowerConfig
  extends Omit<Parsed, keyof BaseStudyConfig | keyof DesignSource | "cells">, BaseStudyConfig, DesignSource {
  /** Warmup actually used. */
  warmup: number;
  /** The grid's cells, when the config (or --cells) asks for a grid. */
  cells?: PowerCell[];
}

/** Python's str() of a float, as the original names cell folders: 0.0, 0.5, 0.25. */
export function pyFloat(x: number): string {
  return Number.isInteger(x) ? `${x}.0` : String(x);
}

/** A cell's folder, as the original names it: menus30_rho0p9. */
export function cellName(cell: PowerCell): string {
  return `menus${cell.menus_per_cell}_rho${pyFloat(cell.rho_copy).replace(".", "p")}`;
}

/** "15:0.9,30:0.9" (or a list of such parts) as cells; every problem is named with what is expected. */
export function parseCells(spec: string | string[], what = "--cells"): PowerCell[] {
  const parts = (Array.isArray(spec) ? spec : [spec]).flatMap((s) => s.split(",")).map((s) => s.trim());
  const cells: PowerCell[] = [];
  for (const part of parts) {
    const m = /^(\d+)\s*:\s*([0-9]*\.?[0-9]+(?:[eE][-+]?\d+)?)$/.exec(part);
    if (!m) {
      throw new InputError(
        `${what}: "${part}" is not a cell; expected menus_per_cell:rho_copy pairs separated by commas, e.g. 15:0.9,30:0.9`,
      );
    }
    const menus = Number(m[1]);
    const rho = Number(m[2]);
    if (menus < 1) throw new InputError(`${what}: "${part}": menus per cell must be a positive integer`);
    if (!(rho >= 0 && rho <= 1)) throw new InputError(`${what}: "${part}": rho_copy ${rho} is outside [0, 1]`);
    const cell = { menus_per_cell: menus, rho_copy: rho };
    if (cells.some((c) => cellName(c) === cellName(cell))) throw new InputError(`${what}: "${part}" is listed twice`);
    cells.push(cell);
  }
  if (!cells.length) throw new InputError(`${what}: no cells given; expected e.g. 15:0.9,30:0.9`);
  return cells;
}

/** Validate a parsed config object. Relative paths resolve against `baseDir`. */
export function parsePowerConfig(raw: unknown, source: string, baseDir: string): PowerConfig {
  const c = parseDesignStudyConfig(powerConfigSchema, raw, source, baseDir);
  const cells =
    c.cells === undefined ? undefined : parseCells(c.cells, c.source === source ? "cells (--cells)" : "cells");
  const resolved: PowerConfig = {
    ...c,
    ...resolveRecoveryKeys(c, source, baseDir, { study_design_path: c.study_design_path }),
    cells,
    timing: c.timing ? resolveAgainst(baseDir, c.timing) : undefined,
    // --iterations sets the iterations of this run: of the cell, or of each cell of a grid.
    n_iterations: c.iterations ?? (cells ? DEFAULT_GRID_ITERATIONS : c.n_iterations),
  };
  if (c.measure) {
    // A first timing: a few fits of this cell, in a folder of their own; for a grid, of one cell
    // per rho, in the grid's own cells (grid.ts), whose fits the grid then keeps.
    if (!cells) resolved.output_dir = path.join(c.output_dir, MEASURE_FOLDER);
    resolved.n_iterations = c.measure_iterations;
  }
  return resolved;
}

/** The keys of a run, not of a study: left out of what a cluster task or a grid's cell rebuilds. */
const RUN_KEYS = [
  "warmup",
  "cells",
  "iterations",
  "measure",
  "measure_iterations",
  "budget_hours",
  "timing",
  "dry_run",
  "allow_sampler_mismatch",
] as const;

/** The config a cluster task (or a grid's cell) rebuilds this study from (see studyConfig.ts). */
export function portablePowerConfig(c: PowerConfig, cmdstanPath: string): Record<string, unknown> {
  return portableConfig(c, cmdstanPath, { drop: [...RUN_KEYS], put: { n_mcmc_warmup: c.warmup } });
}

export const DEFAULT_POWER_SEED = 12345;
/** Offset between an iteration's simulation seed and its fit seed. */
export const POWER_FIT_SEED_OFFSET = 1000;

/** Seeds of iteration i (1-based). */
export function powerSeeds(config: Pick<PowerConfig, "seed">, i: number): { sim: number; fit: number } {
  return { sim: config.seed + (i - 1), fit: config.seed + POWER_FIT_SEED_OFFSET + (i - 1) };
}

/** The sampler settings a timing is valid for (the original's keys). */
export function samplerSettings(c: PowerConfig) {
  return {
    iter_warmup: c.warmup,
    iter_sampling: c.n_mcmc_samples,
    chains: c.n_mcmc_chains,
    adapt_delta: c.adapt_delta,
  };
}
