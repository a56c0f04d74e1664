/**
 * The power command's own flags: the original's single-cell flags and its grid script's, each
 * setting a config key (the study options every command takes come on top).
 */
import type { KindCliOption } from "../studyKind.js";

const MISPRICES =
  "sampler settings other than the config's: a timing measured with them misprices a grid run with the config's (and the grid refuses it without --allow-sampler-mismatch)";

export const POWER_CLI_OPTIONS: readonly KindCliOption[] = [
  { flag: "output-dir", key: "output_dir", type: "string", describe: "output folder (overrides output_dir)" },
  {
    flag: "iterations",
    key: "iterations",
    type: "number",
    describe: "fits of the cell, or of each cell of a grid (default: the config's n_iterations; for a grid 10)",
  },
  {
    flag: "rho-copy",
    key: "rho_copy",
    type: "number",
    describe: "probability that a repeat copies the first choice, in [0, 1]",
  },
  {
    flag: "menus-per-cell",
    key: "study_design_config.M_per_cell",
    type: "number",
    describe: "menus per design cell (each shown num_presentations times)",
  },
  {
    flag: "measure",
    key: "measure",
    type: "boolean",
    describe: "time a few fits of this cell into <output-dir>/_measure",
  },
  {
    flag: "measure-iterations",
    key: "measure_iterations",
    type: "number",
    describe: "fits --measure runs (default 2)",
  },
  { flag: "iter-sampling", key: "n_mcmc_samples", type: "number", describe: "draws per chain", warn: MISPRICES },
  {
    flag: "iter-warmup",
    key: "n_mcmc_warmup",
    type: "number",
    describe: "warmup iterations per chain",
    warn: MISPRICES,
  },
  { flag: "chains", key: "n_mcmc_chains", type: "number", describe: "chains per fit", warn: MISPRICES },
  {
    flag: "cells",
    key: "cells",
    type: "string",
    describe: "run a grid: menus_per_cell:rho_copy pairs, e.g. 15:0.9,30:0.9",
  },
  {
    flag: "budget-hours",
    key: "budget_hours",
    type: "number",
    describe: "refuse a grid predicted to take longer (hours on these cores); required with --cells",
  },
  {
    flag: "timing",
    key: "timing",
    type: "string",
    describe: "timing.json of a measured run (default <output-dir>/_measure/timing.json)",
  },
  { flag: "dry-run", key: "dry_run", type: "boolean", describe: "price the grid, print the table and stop" },
  {
    flag: "allow-sampler-mismatch",
    key: "allow_sampler_mismatch",
    type: "boolean",
    describe: "price a grid from a timing measured under other sampler settings",
  },
];
