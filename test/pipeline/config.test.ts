/** Study config validation: every error names the file and the key. */
import { mkdtemp, writeFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/cmdstan/errors.js";
import { iterationSeeds, loadStudyConfig } from "../../src/pipeline/config.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..");
const SMOKE = path.join(ROOT, "configs", "h_m01_parameter_recovery_smoke_config.json");

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
    study_design_config: { factors: [6, 3], K: 3, D: 2, R: 10, M_per_cell: 20, min_alts_per_problem: 2, max_alts_per_problem: 4 },
  };
  const errorOf = async (value: unknown): Promise<string> => {
    const file = await write(`c${Math.random().toString(36).slice(2)}.json`, value);
    const err = await loadStudyConfig(file).catch((e: unknown) => e);
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

  it("reads the shipped configs with SPEC section 4 defaults", async () => {
    const c = await loadStudyConfig(path.join(ROOT, "configs", "h_m01_parameter_recovery_config.json"));
    expect(c).toMatchObject({ n_iterations: 20, n_mcmc_chains: 4, n_mcmc_samples: 2000, warmup: 1000, adapt_delta: 0.95, max_treedepth: 12, keep_csv: false });
    expect(c.inference_model_path).toBe(path.join(ROOT, "stan", "h_m01.stan"));
    expect(iterationSeeds(c, 1)).toEqual({ sim: 12345, fit: 54321 });
    expect(iterationSeeds(c, 20)).toEqual({ sim: 12364, fit: 54340 });
    const smoke = await loadStudyConfig(SMOKE);
    expect(smoke.n_iterations).toBeLessThan(10);
  });

  it("applies defaults to a minimal config", async () => {
    const c = await loadStudyConfig(await write("minimal.json", base));
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
    expect(await errorOf({ ...base, study_design_config: { ...base.study_design_config, factors: [6, "3"] } })).toMatch(/study_design_config\.factors/);
  });

  it("requires a design", async () => {
    const { study_design_config: _d, ...noDesign } = base;
    expect(await errorOf(noDesign)).toMatch(/study_design_config/);
  });

  it("rejects a file that is not JSON", async () => {
    expect(await errorOf("{ not json")).toMatch(/not valid JSON/);
  });
});
