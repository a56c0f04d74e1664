/**
 * The prior command's configs: the users' four prior configs and ours parse unchanged and go to
 * the right family; the original's defaults and fallbacks; refusals name the file and the key.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfigOfCommand } from "../../../src/studies/runStudy.js";
import { studyCommands } from "../../../src/studies/kinds.js";
import { blockCount, blockRange } from "../../../src/studies/prior/config.js";
import { blockRuns } from "../../../src/studies/prior/block.js";
import type { FlatPriorConfig } from "../../../src/studies/prior/flatConfig.js";
import type { HierarchicalPriorConfig } from "../../../src/studies/prior/hierarchicalConfig.js";
import { InputError } from "../../../src/util/errors.js";
import { usersRepository } from "../../helpers/usersRepository.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const ORIGINAL = path.join(ROOT, "test", "fixtures", "original-configs");
const prior = studyCommands().get("prior")!;

describe("prior configs", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-prior-config-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  const write = async (value: unknown) => {
    const file = path.join(dir, `c${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, JSON.stringify(value));
    return file;
  };
  const errorOf = async (value: unknown) => {
    const file = await write(value);
    const err = await loadConfigOfCommand(prior, file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain(file);
    return (err as Error).message;
  };
  const flatBase = { sim_model_path: path.join(ROOT, "stan", "m_1_sim.stan"), study_design_config: { M: 4, N: 3 } };

  it("reads the users' hierarchical config as the hierarchical family, with its counts and hyperparameters", async () => {
    const { kind, config } = await loadConfigOfCommand(prior, path.join(ORIGINAL, "h_m01_prior_analysis_config.json"));
    expect(kind.name).toBe("prior-hierarchical");
    const c = config as HierarchicalPriorConfig;
    expect(c).toMatchObject({ n_param_samples: 200, n_choice_samples: 5, seed: 12345, seeding: "per_param_set" });
    expect(c.sim_model_path).toBe(path.join(ROOT, "stan", "h_m01_sim.stan"));
    expect(c.hyperparameters).toEqual({
      gamma0_mean: 2.5,
      gamma0_sd: 0.5,
      gamma_sd: 0.5,
      sigma_cell_sd: 0.3,
      beta_sd: 1,
    });
  });

  it("reads prior_analysis_config.json (model_path, a repository-relative design file) as the flat family", async () => {
    const users = await usersRepository(path.join(dir, "users-a"));
    const { kind, config } = await loadConfigOfCommand(prior, path.join(users, "prior_analysis_config.json"));
    expect(kind.name).toBe("prior-flat");
    const c = config as FlatPriorConfig;
    expect(c).toMatchObject({ n_param_samples: 1000, n_choice_samples: 1, simulator_key: "model_path" });
    expect(c.sim_model_path).toBe(path.join(users, "models", "m_0_sim.stan"));
    expect(c.study_design_path).toBe(path.join(users, "results", "designs", "study.json"));
  });

  it("reads the users' m1/m2/m3 configs, honouring n_simulations and parameter_priors", async () => {
    const users = await usersRepository(path.join(dir, "users-b"));
    for (const m of [1, 2, 3]) {
      const { kind, config } = await loadConfigOfCommand(prior, path.join(users, `m${m}_prior_analysis_config.json`));
      expect(kind.name).toBe("prior-flat");
      const c = config as FlatPriorConfig;
      expect(c.n_param_samples).toBe(100);
      expect(c.sim_model_path).toBe(path.join(users, "models", `m_${m}_sim.stan`));
      expect(c.study_design_config).toMatchObject({ M: 20, N: 20, S: 8, risky_probs: "fixed" });
      expect(c.priorValues).toMatchObject({ alpha_mean: 0, alpha_sd: 1, beta_sd: 1 });
      if (m === 2) expect(c.priorValues).toMatchObject({ omega_mean: 0, omega_sd: 1 });
      if (m === 3) expect(c.priorValues).toMatchObject({ kappa_mean: 0, kappa_sd: 0.5 });
    }
  });

  it("reads our configs in configs/", async () => {
    const files = ["h_m01_prior_analysis", "h_m01_prior_analysis_smoke", "prior_analysis", "m1_prior_analysis"];
    const kinds = [];
    for (const f of [...files, "m2_prior_analysis", "m3_prior_analysis", "m3_prior_analysis_smoke"]) {
      kinds.push((await loadConfigOfCommand(prior, path.join(ROOT, "configs", `${f}_config.json`))).kind.name);
    }
    expect(kinds).toEqual(["prior-hierarchical", "prior-hierarchical", ...Array(5).fill("prior-flat")]);
  });

  it("maps parameter_priors {mean, sd} entries onto <name>_mean and <name>_sd", async () => {
    const parameter_priors = { alpha: { mean: 3, sd: 0.75 }, beta_sd: 2 };
    const { config } = await loadConfigOfCommand(prior, await write({ ...flatBase, parameter_priors }));
    expect((config as FlatPriorConfig).priorValues).toEqual({ alpha_mean: 3, alpha_sd: 0.75, beta_sd: 2 });
  });

  it("refuses, naming the key: two counts that differ, two design sources, two simulators, bad values", async () => {
    expect(await errorOf({ ...flatBase, n_simulations: 10, n_param_samples: 20 })).toMatch(
      /n_simulations: \(10\) differs from n_param_samples \(20\)/,
    );
    expect(await errorOf({ ...flatBase, study_design_path: "x.json" })).toMatch(/give one design source/);
    const other = path.join(ROOT, "stan", "m_0_sim.stan");
    expect(await errorOf({ ...flatBase, model_path: other })).toMatch(/sim_model_path: names another simulator/);
    expect(await errorOf({ ...flatBase, parameter_priors: { alpha: "wide" } })).toMatch(
      /parameter_priors.alpha: must be a number, or/,
    );
    expect(await errorOf({ ...flatBase, seeding: "fast" })).toMatch(
      /seeding: must be one of "per_param_set", "per_block"/,
    );
    expect(await errorOf({ ...flatBase, study_design_config: { M: 4, M_per_cell: 2 } })).toMatch(
      /study_design_config: .*"M_per_cell": a key of the hierarchical designs/,
    );
    expect(await errorOf({ study_design_config: { factors: [2] }, hyperparameters: { gamma0_mean: "x" } })).toMatch(
      /hyperparameters.gamma0_mean: must be a number/,
    );
    expect(await errorOf({ study_design_config: { factors: [2] }, n_choice_samples: 0 })).toMatch(
      /n_choice_samples: must be a positive integer/,
    );
  });

  it("groups parameter sets into blocks, and seeds each set as the original (12345 + i) unless per_block", () => {
    const run = {
      n_param_samples: 45,
      n_choice_samples: 5,
      param_sets_per_block: 20,
      seeding: "per_param_set" as const,
      seed: 12345,
    };
    expect(blockCount(run)).toBe(3);
    expect(blockRange(run, 3)).toEqual({ first: 40, count: 5 });
    expect(blockRuns(run, 2).map((r) => r.seed)).toEqual(Array.from({ length: 20 }, (_, k) => 12345 + 20 + k));
    expect(blockRuns({ ...run, seeding: "per_block" }, 3)).toEqual([{ seed: 12385, firstSet: 40, sets: 5 }]);
  });
});

describe("the users' own prior runs as the kinds' originals", () => {
  it("takes the users' configs for their own runs and names what another config changes", async () => {
    const h = await loadConfigOfCommand(prior, path.join(ORIGINAL, "h_m01_prior_analysis_config.json"));
    expect(await h.kind.original.settingsDiffer(h.config)).toEqual([]);
    expect(h.kind.original.published).toBe(false);
    const smoke = await loadConfigOfCommand(
      prior,
      path.join(ROOT, "configs", "h_m01_prior_analysis_smoke_config.json"),
    );
    expect(await smoke.kind.original.settingsDiffer(smoke.config)).toEqual([
      "n_param_samples 20 (the users' h_m01_prior_analysis_config.json: 200)",
      "n_choice_samples 2 (the users' h_m01_prior_analysis_config.json: 5)",
    ]);
    const users = await usersRepository(path.join(await mkdtemp(path.join(os.tmpdir(), "cr-prior-users-")), "users"));
    const flat = await loadConfigOfCommand(prior, path.join(users, "prior_analysis_config.json"));
    expect(await flat.kind.original.settingsDiffer(flat.config)).toEqual([]);
    const m3 = await loadConfigOfCommand(prior, path.join(users, "m3_prior_analysis_config.json"));
    const differ = await m3.kind.original.settingsDiffer(m3.config);
    expect(differ[0]).toBe("n_param_samples 100 (the users' prior_analysis_config.json: 1000)");
  });
});
