/** Study config validation: every error names the file and the key. */
import { mkdtemp, writeFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../../src/util/errors.js";
import { iterationSeeds } from "../../../src/studies/recover/config.js";
import { recoverKind } from "../../../src/studies/recover/kind.js";
import { loadStudyConfig } from "../../../src/studies/runStudy.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const SMOKE = path.join(ROOT, "configs", "h_m01_parameter_recovery_smoke_config.json");
const ORIGINAL = path.join(ROOT, "test", "fixtures", "original-configs");

describe("study config", () => {
  let dir: string;
  const write = async (name: string, value: unknown) => {
    const file = path.join(dir, name);
    await writeFile(file, typeof value === "string" ? value : JSON.stringify(value));
    return file;
  };
  const base = {
    inference_model_path: path.join(ROOT, "stan", "h_m01.stan"),
    sim_model_path: path.join(ROOT, "stan", "h_m01_sim.stan"),
    study_design_config: {
      factors: [6, 3],
      K: 3,
      D: 2,
      R: 10,
      M_per_cell: 20,
      min_alts_per_problem: 2,
      max_alts_per_problem: 4,
    },
  };
  const errorOf = async (value: unknown): Promise<string> => {
    const file = await write(`c${Math.random().toString(36).slice(2)}.json`, value);
    const err = await loadStudyConfig(recoverKind, file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    const message = (err as Error).message;
    expect(message).toContain(file);
    return message;
  };

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-config-"));
  });

  it("reads the shipped configs with the original's defaults (docs/recovery.md, Config)", async () => {
    const c = await loadStudyConfig(recoverKind, path.join(ROOT, "configs", "h_m01_parameter_recovery_config.json"));
    expect(c).toMatchObject({
      n_iterations: 20,
      n_mcmc_chains: 4,
      n_mcmc_samples: 2000,
      warmup: 1000,
      adapt_delta: 0.95,
      max_treedepth: 12,
      keep_csv: false,
    });
    expect(c.inference_model_path).toBe(path.join(ROOT, "stan", "h_m01.stan"));
    expect(iterationSeeds(c, 1)).toEqual({ sim: 12345, fit: 54321 });
    expect(iterationSeeds(c, 20)).toEqual({ sim: 12364, fit: 54340 });
    const smoke = await loadStudyConfig(recoverKind, SMOKE);
    expect(smoke.n_iterations).toBeLessThan(10);
  });

  it("applies defaults to a minimal config", async () => {
    const c = await loadStudyConfig(recoverKind, await write("minimal.json", base));
    expect(c).toMatchObject({ n_iterations: 20, n_mcmc_chains: 4, n_mcmc_samples: 2000, warmup: 1000, seed: 12345 });
  });

  it("rejects an unknown key, naming it", async () => {
    expect(await errorOf({ ...base, n_chains: 4 })).toMatch(/n_chains/);
  });

  it("rejects a wrong type, naming the key", async () => {
    expect(await errorOf({ ...base, n_mcmc_samples: "2000" })).toMatch(/n_mcmc_samples/);
    expect(await errorOf({ ...base, adapt_delta: 1.5 })).toMatch(/adapt_delta/);
    expect(await errorOf({ ...base, keep_csv: "yes" })).toMatch(/keep_csv/);
  });

  it("rejects a missing model file, naming the key and the path", async () => {
    const msg = await errorOf({ ...base, sim_model_path: "/nowhere/sim.stan" });
    expect(msg).toMatch(/sim_model_path/);
    expect(msg).toContain("/nowhere/sim.stan");
  });

  it("rejects a bad design config key inside study_design_config", async () => {
    expect(await errorOf({ ...base, study_design_config: { ...base.study_design_config, factors: [6, "3"] } })).toMatch(
      /study_design_config\.factors/,
    );
  });

  it("requires a design", async () => {
    const { study_design_config: _d, ...noDesign } = base;
    expect(await errorOf(noDesign)).toMatch(/study_design_config/);
  });

  it("reads configs in the original's format unchanged", async () => {
    const smoke = await loadStudyConfig(recoverKind, path.join(ORIGINAL, "h_m01_parameter_recovery_smoke_config.json"));
    expect(smoke.study_design_path).toBeUndefined();
    expect(smoke.study_design_config).toMatchObject({ J: 6, P: 3 });
    expect(smoke).toMatchObject({ alpha_var: "alpha", extra_scalar_params: [], sim_only_keys: [], sim_overrides: {} });
    const size = await loadStudyConfig(recoverKind, path.join(ORIGINAL, "h_m01_size_parameter_recovery_config.json"));
    expect(size).toMatchObject({
      alpha_var: "alpha_cell",
      extra_scalar_params: ["gamma_size"],
      sim_only_keys: ["gamma_size_mean", "gamma_size_sd", "menu_size", "mean_menu_size"],
    });
    expect(size.inference_model_path).toBe(path.join(ROOT, "stan", "h_m01_size.stan"));
    for (const name of [
      "h_m01_size_parameter_recovery_config.json",
      "h_m01_size_parameter_recovery_smoke_config.json",
      "h_m01_size_null_calibration_config.json",
      "h_m01_size_null_calibration_smoke_config.json",
    ]) {
      const c = await loadStudyConfig(recoverKind, path.join(ROOT, "configs", name));
      expect(c.alpha_var, name).toBe("alpha_cell");
    }
    expect(
      (await loadStudyConfig(recoverKind, path.join(ROOT, "configs", "h_m01_size_null_calibration_config.json")))
        .sim_overrides,
    ).toEqual({ gamma_size_sd: 0 });
  });

  it("ignores every key beginning with _, at the top and in study_design_config", async () => {
    const c = await loadStudyConfig(
      recoverKind,
      await write("notes.json", {
        ...base,
        _comment: ["a", "b"],
        _todo: 3,
        study_design_config: { ...base.study_design_config, _comment: "x" },
      }),
    );
    expect(c).not.toHaveProperty("_comment");
    expect(await errorOf({ ...base, comment: "no underscore" })).toMatch(/unknown key "comment"/);
  });

  it("takes study_design_path null as absent, and a path with study_design_config null", async () => {
    const c = await loadStudyConfig(recoverKind, await write("nullpath.json", { ...base, study_design_path: null }));
    expect(c.study_design_path).toBeUndefined();
    const designFile = await write("design.json", "{}");
    const { study_design_config: _d, ...noDesign } = base;
    const p = await loadStudyConfig(
      recoverKind,
      await write("path.json", { ...noDesign, study_design_path: designFile, study_design_config: null }),
    );
    expect(p.study_design_path).toBe(designFile);
    expect(p.study_design_config).toBeUndefined();
  });

  it("accepts a manual design without X", async () => {
    const c = await loadStudyConfig(
      recoverKind,
      await write("manual.json", { ...base, study_design_config: { J: 6, P: 3 } }),
    );
    expect(c.study_design_config).toEqual({ J: 6, P: 3 });
  });

  it("refuses bad naming keys, naming the key", async () => {
    expect(await errorOf({ ...base, alpha_var: "alpha cell" })).toMatch(/alpha_var: must be a Stan variable name/);
    expect(await errorOf({ ...base, alpha_var: 3 })).toMatch(/alpha_var: must be a Stan variable name/);
    expect(await errorOf({ ...base, extra_scalar_params: "gamma_size" })).toMatch(
      /extra_scalar_params: must be a list of Stan variable names/,
    );
    expect(await errorOf({ ...base, extra_scalar_params: ["gamma_size", "sigma_cell"] })).toMatch(
      /extra_scalar_params\[1\]: names sigma_cell, which is already tracked/,
    );
    expect(await errorOf({ ...base, alpha_var: "delta" })).toMatch(/alpha_var: names delta, which is already tracked/);
    expect(await errorOf({ ...base, sim_only_keys: [3] })).toMatch(/sim_only_keys\[0\]/);
    expect(await errorOf({ ...base, sim_overrides: { gamma_size_sd: "0" } })).toMatch(
      /sim_overrides\.gamma_size_sd: must be a number/,
    );
    expect(await errorOf({ ...base, sim_overrides: [1] })).toMatch(/sim_overrides: must be an object of numbers/);
  });

  it("refuses a key of the flat family, naming it and saying so", async () => {
    expect(await errorOf({ ...base, sim_hyperparams: { alpha_mean: 3 } })).toMatch(
      /sim_hyperparams: a key of the flat family's recovery \(m_0 \.\.\. m_3\), but this config is read as a hierarchical one/,
    );
    expect(await errorOf({ ...base, study_design_config: { ...base.study_design_config, M: 40 } })).toMatch(
      /study_design_config\.M: a key of the flat designs \(m_0 \.\.\. m_3\), but this is a hierarchical recovery/,
    );
  });

  it("rejects a file that is not JSON", async () => {
    expect(await errorOf("{ not json")).toMatch(/not valid JSON/);
  });

  it("refuses a config that is a JSON list, not an object of keys", async () => {
    expect(await errorOf([base])).toMatch(/: must be a JSON object of config keys, found a list$/);
    expect(await errorOf("null")).toMatch(/found null$/);
  });

  it("refuses an output_dir naming a file, and a model path naming a folder", async () => {
    const file = await write("not-a-folder", "x");
    expect(await errorOf({ ...base, output_dir: file })).toMatch(
      new RegExp(`output_dir \\(or --output\\): ${file} is a file; expected a folder`),
    );
    expect(await errorOf({ ...base, inference_model_path: dir })).toMatch(
      new RegExp(`inference_model_path: ${dir} is a folder; expected a \\.stan file`),
    );
  });
});
