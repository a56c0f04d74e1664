/** The estimation config: the users' keys and ours; a missing data file named by its key. */
import { mkdtemp } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { estimateKind } from "../../../src/studies/estimate/kind.js";
import { loadStudyConfig } from "../../../src/studies/runStudy.js";
import { usersRepository } from "../../helpers/usersRepository.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");

describe("estimation config", () => {
  it("reads the smoke config with the original's defaults (warmup = samples / 2, seed 12345, CmdStan's sampler defaults)", async () => {
    const c = await loadStudyConfig(estimateKind, path.join(ROOT, "configs", "model_estimation_smoke_config.json"));
    expect(c).toMatchObject({ n_mcmc_samples: 500, n_mcmc_chains: 4, warmup: 250, seed: 12345 });
    expect(c.adapt_delta).toBeUndefined();
    expect(c.data_path).toBe(path.join(ROOT, "configs", "data", "m_0_simulated.json"));
  });

  it("names data_path when the users' data file is not there", async () => {
    const users = await usersRepository(path.join(await mkdtemp(path.join(os.tmpdir(), "cr-estimate-")), "users"));
    for (const file of [
      path.join(users, "model_estimation_config.json"),
      path.join(ROOT, "configs", "model_estimation_config.json"),
    ]) {
      await expect(loadStudyConfig(estimateKind, file)).rejects.toThrow(
        /model_estimation_config.json: data_path: file not found: .*stan_data_GPT-4.json/,
      );
    }
  });

  it("refuses unknown keys and bad values, naming them", async () => {
    const err = await loadStudyConfig(estimateKind, path.join(ROOT, "configs", "model_estimation_smoke_config.json"), {
      n_mcmc_chains: 0,
      adapt_delta: 1.5,
    }).catch((e: Error) => e.message);
    expect(err).toMatch(/n_mcmc_chains: must be a positive integer/);
    expect(err).toMatch(/adapt_delta: /);
  });
});
