/** SBC config validation: the original's keys as they are, Report 12's defaults, errors naming the file and the key. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../../src/util/errors.js";
import { sbcFingerprint, simulationSeed } from "../../../src/studies/sbc/config.js";
import { sbcKind } from "../../../src/studies/sbc/kind.js";
import { loadStudyConfig } from "../../../src/studies/runStudy.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const ORIGINAL = path.join(ROOT, "test", "fixtures", "original-configs");

describe("SBC config", () => {
  let dir: string;
  const write = async (value: unknown) => {
    const file = path.join(dir, `c${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, typeof value === "string" ? value : JSON.stringify(value));
    return file;
  };
  const base = { sbc_model_path: path.join(ROOT, "stan", "h_m01_sbc.stan"), study_design_config: { factors: [2, 2] } };
  const errorOf = async (value: unknown): Promise<string> => {
    const file = await write(value);
    const err = await loadStudyConfig(sbcKind, file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain(file);
    return (err as Error).message;
  };
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-sbc-config-"));
  });

  it("reads the default config: Report 12's settings, CmdStan's sampler defaults, simulation i seeded 123 + i - 1", async () => {
    const c = await loadStudyConfig(sbcKind, path.join(ROOT, "configs", "h_m01_sbc_config.json"));
    expect(c).toMatchObject({
      n_sbc_sims: 100,
      n_mcmc_samples: 1000,
      n_mcmc_chains: 1,
      thin: 3,
      iterSampling: 1000,
      iterWarmup: 500,
      maxTreedepthUsed: 10,
      seed: 123,
      alpha_var: "alpha",
    });
    expect(c.adapt_delta).toBeUndefined();
    expect(c.max_treedepth).toBeUndefined();
    expect(c.sbc_model_path).toBe(path.join(ROOT, "stan", "h_m01_sbc.stan"));
    expect(c.study_design_config).toMatchObject({ factors: [6, 3], design_name: "alignment_6x3_main_effects_sbc" });
    // docs/sbc.md "Seeds": simulation i (0-based) samples with seed 123 + i.
    expect([1, 2, 100].map((i) => simulationSeed(c, i))).toEqual([123, 124, 222]);
  });

  it("accepts the original tool's config as it is (note keys, study_design_path null, no seed)", async () => {
    const c = await loadStudyConfig(sbcKind, path.join(ORIGINAL, "h_m01_size_sbc_config.json"));
    expect(c).toMatchObject({
      alpha_var: "alpha_cell",
      extra_params_after_gamma: ["gamma_size"],
      iterWarmup: 1000,
      adapt_delta: 0.9,
      max_treedepth: 12,
      maxTreedepthUsed: 12,
      seed: 123,
    });
    expect(c.study_design_path).toBeUndefined();
  });

  it("splits the draws over chains, warmup half the draws per chain by default", async () => {
    const c = await loadStudyConfig(sbcKind, await write({ ...base, n_mcmc_samples: 1000, n_mcmc_chains: 4 }));
    expect(c).toMatchObject({ iterSampling: 250, iterWarmup: 125 });
  });

  it("refuses unknown keys, wrong types and impossible counts, naming the key", async () => {
    expect(await errorOf({ ...base, n_sims: 5 })).toMatch(/unknown key "n_sims"/);
    expect(await errorOf({ ...base, thin: 0 })).toMatch(/thin: must be a positive integer/);
    expect(await errorOf({ ...base, adapt_delta: 1.2 })).toMatch(/adapt_delta/);
    expect(await errorOf({ ...base, n_mcmc_samples: 2, n_mcmc_chains: 4 })).toMatch(
      /n_mcmc_samples: \(2\) must be at least n_mcmc_chains \(4\)/,
    );
    expect(await errorOf({ ...base, extra_params_after_gamma: ["gamma0"] })).toMatch(
      /extra_params_after_gamma\[0\]: names gamma0, which is already tracked/,
    );
    expect(await errorOf({ study_design_config: { factors: [2, 2] } })).toMatch(/sbc_model_path: is required/);
    expect(await errorOf({ ...base, study_design_config: { factors: [2, 2], K: 1 } })).toMatch(
      /study_design_config\.K/,
    );
    expect(await errorOf({ ...base, sbc_model_path: path.join(dir, "missing.stan") })).toMatch(
      /sbc_model_path: file not found/,
    );
    expect(await errorOf("{ not json")).toMatch(/not valid JSON/);
  });

  it("the fingerprint leaves out what does not change a simulation's numbers", async () => {
    const a = await loadStudyConfig(sbcKind, await write({ ...base, n_sbc_sims: 10, cores: 1, keep_csv: true }));
    const b = await loadStudyConfig(sbcKind, await write({ ...base, n_sbc_sims: 50 }));
    expect(sbcFingerprint(a, "m", "d")).toEqual(sbcFingerprint(b, "m", "d"));
    const c = await loadStudyConfig(sbcKind, await write({ ...base, thin: 2 }));
    expect(sbcFingerprint(c, "m", "d")).not.toEqual(sbcFingerprint(b, "m", "d"));
  });
});
