/**
 * Swapping in the next model, end to end with the real CmdStan: the h_m01_size smoke study
 * (tracked keys from the config, the model's names in the report), its null calibration (every
 * true gamma_size is 0), a config in the original tool's format run unchanged, and a model
 * lacking alpha_cell refused before anything is sampled.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../../src/util/errors.js";
import { recoverKind } from "../../../src/studies/recover/kind.js";
import { loadStudyConfig, runStudy } from "../../../src/studies/runStudy.js";
import { REPO_ROOT, testCmdStan } from "../../helpers/cmdstan.js";

const CONFIGS = path.join(REPO_ROOT, "configs");
const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream };
const readJson = async (...p: string[]) => JSON.parse(await readFile(path.join(...p), "utf8"));

describe("swapping the model (real CmdStan)", () => {
  let tmp: string;
  beforeAll(async () => {
    await testCmdStan();
    tmp = await mkdtemp(path.join(os.tmpdir(), "cr-swap-"));
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("runs the h_m01_size smoke config: keys as the original, names as the model", async () => {
    const out = path.join(tmp, "size");
    const config = await loadStudyConfig(
      recoverKind,
      path.join(CONFIGS, "h_m01_size_parameter_recovery_smoke_config.json"),
      {
        output_dir: out,
      },
    );
    const result = await runStudy(recoverKind, config, quiet);
    expect(result.nSuccessful).toBe(config.n_iterations);

    const stats = await readJson(out, "recovery_summary", "recovery_statistics.json");
    expect(Object.keys(stats)).toEqual([
      "gamma0",
      "gamma_1",
      "gamma_2",
      "gamma_3",
      "gamma_size",
      "sigma_cell",
      ...Array.from({ length: 6 }, (_, j) => `alpha_${j + 1}`),
      "delta_1",
      "delta_2",
    ]);
    const truth = await readJson(out, "iteration_1", "true_parameters.json");
    expect(Object.keys(truth)).toEqual(["gamma0", "gamma", "sigma_cell", "alpha", "delta", "upsilon", "extras"]);
    expect(truth.alpha).toHaveLength(6);
    expect(Object.keys(truth.extras)).toEqual(["gamma_size"]);
    expect(Number.isFinite(truth.extras.gamma_size)).toBe(true);
    // The fit's data: the design without the hyperparameters and sim_only_keys, plus y.
    const data = await readJson(out, "iteration_1", "data.json");
    expect(Object.keys(data)).toEqual([
      "J",
      "K",
      "D",
      "R",
      "P",
      "w",
      "M_total",
      "cell",
      "I",
      "M_per_cell",
      "X",
      "s",
      "y",
    ]);
    const simData = await readJson(out, "sim_data.json");
    expect(simData).toMatchObject({ mean_menu_size: 5, gamma_size_mean: 0, gamma_size_sd: 0.5 });
    const info = await readJson(out, "config_info.json");
    expect(info).toMatchObject({
      alpha_var: "alpha_cell",
      extra_scalar_params: ["gamma_size"],
      J: 6,
      P: 3,
      M_total: 360,
    });

    const report = await readFile(path.join(out, "recovery_summary", "report.md"), "utf8");
    for (const needle of ["| alpha_cell[3] |", "| gamma_size |", "### Cell-level sensitivities (alpha_cell)"])
      expect(report).toContain(needle);
    expect(report).not.toMatch(/\| alpha\[/);
    expect(result.terminalTables).toMatch(/\ngamma_size +-?\d/);
  });

  it("null calibration: sim_overrides gamma_size_sd 0 makes every true gamma_size 0", async () => {
    const out = path.join(tmp, "null");
    const config = await loadStudyConfig(
      recoverKind,
      path.join(CONFIGS, "h_m01_size_null_calibration_smoke_config.json"),
      {
        output_dir: out,
        n_iterations: 2,
        n_mcmc_samples: 100,
      },
    );
    const result = await runStudy(recoverKind, config, quiet);
    expect(result.nSuccessful).toBe(2);
    const all = await readJson(out, "all_true_parameters.json");
    expect(all.map((t: { extras: { gamma_size: number } }) => t.extras.gamma_size)).toEqual([0, 0]);
    expect((await readJson(out, "sim_data.json")).gamma_size_sd).toBe(0);
    const s = result.statistics.gamma_size;
    // With truth 0, the bias is the mean posterior mean.
    expect(Number.isFinite(s.bias)).toBe(true);
    expect(s.coverage).toBeGreaterThanOrEqual(0);
  });

  it("runs a config in the original tool's format unchanged (manual design without X, null path, note keys)", async () => {
    const out = path.join(tmp, "original");
    const config = await loadStudyConfig(
      recoverKind,
      path.join(REPO_ROOT, "test", "fixtures", "original-configs", "h_m01_parameter_recovery_smoke_config.json"),
      { output_dir: out },
    );
    const result = await runStudy(recoverKind, config, quiet);
    expect(result.nSuccessful).toBe(2);
    const design = await readJson(out, "study_design.json");
    expect(design.X).toEqual([
      [0, 0, 0],
      [1, 0, 0],
      [0, 1, 0],
      [1, 1, 0],
      [0, 0, 1],
      [1, 0, 1],
    ]);
    expect(Object.keys(result.statistics)).toContain("gamma_3");
  });

  it("refuses, before sampling, an h_m01_size model lacking alpha_cell, naming the file and the variable", async () => {
    const src = await readFile(path.join(REPO_ROOT, "stan", "h_m01_size.stan"), "utf8");
    const file = path.join(tmp, "h_m01_size_renamed.stan");
    await writeFile(file, src.replace(/alpha_cell/g, "sensitivity"));
    const out = path.join(tmp, "renamed-out");
    const config = await loadStudyConfig(
      recoverKind,
      path.join(CONFIGS, "h_m01_size_parameter_recovery_smoke_config.json"),
      {
        output_dir: out,
        inference_model_path: file,
      },
    );
    const err = await runStudy(recoverKind, config, quiet).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain(
      `inference model ${file} does not fit this study:\n  - it does not output alpha_cell (config alpha_var)`,
    );
    // Nothing was compiled into the output or sampled.
    expect(existsSync(out) ? await readdir(out) : []).toEqual([]);
  });
});
