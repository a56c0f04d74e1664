/**
 * The flat recovery config: the users' configs (ours in configs/, theirs as they hold them in
 * test/fixtures/original-configs/) parse and go to the flat kind; the `recover` command picks
 * the kind by the config's family; every refusal names the file and the key.
 */
import { mkdir, mkdtemp, rm, symlink, writeFile, copyFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { studyCommands } from "../../../src/studies/kinds.js";
import { recoverFlatKind } from "../../../src/studies/recoverFlat/kind.js";
import type { FlatRecoveryConfig } from "../../../src/studies/recoverFlat/config.js";
import { samplerSettings } from "../../../src/studies/common/recoveryConfig.js";
import { iterationSeeds } from "../../../src/studies/common/fitSteps.js";
import { loadConfigOfCommand, loadStudyConfig } from "../../../src/studies/runStudy.js";
import type { StudyKind } from "../../../src/studies/studyKind.js";
import { InputError } from "../../../src/util/errors.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const CONFIGS = path.join(ROOT, "configs");
const ORIGINAL = path.join(ROOT, "test", "fixtures", "original-configs");
const RECOVER_KINDS = studyCommands().get("recover")!;

/** The users' flat recovery configs, with the model, design and counts each must give. */
const USERS: Array<[string, { model: string; M: number; K: number; iterations: number; risky: boolean }]> = [
  ["parameter_recovery_config.json", { model: "m_0", M: 25, K: 3, iterations: 50, risky: false }],
  ["claude_insurance_recovery_config.json", { model: "m_01", M: 300, K: 3, iterations: 20, risky: false }],
  ["gpt4o_ellsberg_recovery_config.json", { model: "m_02", M: 300, K: 4, iterations: 20, risky: false }],
  ["m02_parameter_recovery_config.json", { model: "m_02", M: 300, K: 4, iterations: 20, risky: false }],
  ["m1_parameter_recovery_config.json", { model: "m_1", M: 50, K: 3, iterations: 25, risky: true }],
  ["m2_parameter_recovery_config.json", { model: "m_2", M: 50, K: 3, iterations: 25, risky: true }],
  ["m3_parameter_recovery_config.json", { model: "m_3", M: 50, K: 3, iterations: 25, risky: true }],
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "cr-flatconfig-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const write = async (name: string, value: unknown) => {
  const file = path.join(dir, name);
  await writeFile(file, typeof value === "string" ? value : JSON.stringify(value));
  return file;
};

const base = {
  inference_model_path: path.join(ROOT, "stan", "m_0.stan"),
  sim_model_path: path.join(ROOT, "stan", "m_0_sim.stan"),
  study_design_config: { M: 10, K: 3, D: 2, R: 6 },
};

/** The message of the InputError `kind` throws reading `value`; it must name the file. */
async function refusal(value: unknown, kind: StudyKind = recoverFlatKind as unknown as StudyKind): Promise<string> {
  const file = await write(`c${Math.random().toString(36).slice(2)}.json`, value);
  const err = await loadStudyConfig(kind, file).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InputError);
  const message = (err as Error).message;
  expect(message).toContain(file);
  return message;
}

describe("the users' flat recovery configs", () => {
  it.each(USERS)("configs/%s runs through `recover` as a flat recovery with our stan/ models", async (name, want) => {
    const { kind, config } = await loadConfigOfCommand(RECOVER_KINDS, path.join(CONFIGS, name));
    expect(kind.name).toBe("recover-flat");
    const c = config as FlatRecoveryConfig;
    expect(c.inference_model_path).toBe(path.join(ROOT, "stan", `${want.model}.stan`));
    expect(c.sim_model_path).toBe(path.join(ROOT, "stan", `${want.model}_sim.stan`));
    expect(c.n_iterations).toBe(want.iterations);
    expect(c.study_design_config).toMatchObject({ M: want.M, K: want.K });
    expect("N" in c.study_design_config!).toBe(want.risky);
    expect(c.study_design_path).toBeUndefined();
  });

  it.each(USERS)("the users' own %s parses unchanged, its models/ paths resolving", async (name, want) => {
    // As the users hold it: paths under models/, relative to their repository's root.
    const repo = path.join(dir, `repo-${name}`);
    await mkdir(repo, { recursive: true });
    await symlink(path.join(ROOT, "stan"), path.join(repo, "models"));
    await copyFile(path.join(ORIGINAL, name), path.join(repo, name));
    const { kind, config } = await loadConfigOfCommand(RECOVER_KINDS, path.join(repo, name));
    expect(kind.name).toBe("recover-flat");
    expect((config as FlatRecoveryConfig).inference_model_path).toBe(path.join(repo, "models", `${want.model}.stan`));
  });

  it("takes the original's defaults and seeds, and leaves adapt_delta and max_treedepth to CmdStan", async () => {
    const c = await loadStudyConfig(recoverFlatKind, await write("minimal.json", base));
    expect(c).toMatchObject({ n_iterations: 20, n_mcmc_chains: 4, n_mcmc_samples: 2000, warmup: 1000, seed: 12345 });
    expect(c.adapt_delta).toBeUndefined();
    expect(c.max_treedepth).toBeUndefined();
    expect(c.sim_hyperparams).toEqual({});
    expect(c.summary_variables).toBe("tracked");
    expect(samplerSettings(c)).toMatchObject({ adapt_delta: 0.8, max_treedepth: 10 });
    expect(iterationSeeds(c, 1)).toEqual({ sim: 12345, fit: 54321 });
    expect(iterationSeeds(c, 50)).toEqual({ sim: 12394, fit: 54370 });
    const set = await loadStudyConfig(
      recoverFlatKind,
      await write("sampler.json", { ...base, adapt_delta: 0.9, max_treedepth: 12, n_mcmc_warmup: 300 }),
    );
    expect(set).toMatchObject({ adapt_delta: 0.9, max_treedepth: 12, warmup: 300 });
    expect(samplerSettings(set).from).toEqual({ adapt_delta: "config", max_treedepth: "config" });
  });
});

describe("a cluster task's copy of the config", () => {
  it("parses back into the same study (the warmup used, the sampler settings only when given)", async () => {
    const file = await write("portable.json", {
      ...base,
      sim_hyperparams: { alpha_sd: 2 },
      n_mcmc_samples: 300,
      adapt_delta: 0.9,
    });
    const c = await loadStudyConfig(recoverFlatKind, file);
    const portable = recoverFlatKind.portableConfig(c, "/opt/cmdstan");
    expect(portable).toMatchObject({ n_mcmc_warmup: 150, adapt_delta: 0.9, cmdstan: "/opt/cmdstan" });
    expect(portable).not.toHaveProperty("max_treedepth");
    const back = recoverFlatKind.parseConfig(portable, "study_config.json", "/");
    expect({ ...back, source: c.source, cmdstan: c.cmdstan }).toEqual({ ...c, n_mcmc_warmup: 150 });
  });
});

describe("which kind runs a recovery config", () => {
  const kindOf = async (value: unknown) =>
    (await loadConfigOfCommand(RECOVER_KINDS, await write("k.json", value))).kind.name;

  it("registers the flat kind before the hierarchical one, under the same command", () => {
    expect(RECOVER_KINDS.map((k) => k.name)).toEqual(["recover-flat", "recover"]);
  });

  it("is the flat kind for flat design keys, sim_hyperparams, study_config_path or a flat design file", async () => {
    expect(await kindOf(base)).toBe("recover-flat");
    const { study_design_config: _d, ...noDesign } = base;
    expect(await kindOf({ ...noDesign, study_design_config: { K: 3, N: 5 } })).toBe("recover-flat");
    const designOnly = await write("study_config.json", { M: 8, K: 3, D: 2, R: 5 });
    expect(await kindOf({ ...noDesign, study_config_path: designOnly })).toBe("recover-flat");
    const flatFile = path.join(ROOT, "test", "fixtures", "flat-designs", "study.json");
    expect(await kindOf({ ...noDesign, study_design_path: flatFile })).toBe("recover-flat");
    // A hierarchical config but for sim_hyperparams is the flat kind's, which names the mix-up.
    const hier = { ...noDesign, study_design_config: { factors: [2, 2], M_per_cell: 5 } };
    expect(await recoverFlatKind.accepts!({ ...hier, sim_hyperparams: { alpha_sd: 1 } }, dir)).toBe(true);
    expect(await recoverFlatKind.accepts!(hier, dir)).toBe(false);
    expect(await refusal({ ...hier, sim_hyperparams: { alpha_sd: 1 } })).toMatch(
      /study_design_config: "factors", "M_per_cell": keys of the hierarchical designs, but this is a flat design/,
    );
  });

  it("is the hierarchical kind for the hierarchical configs", async () => {
    for (const name of ["h_m01_parameter_recovery_config.json", "h_m01_size_parameter_recovery_config.json"]) {
      expect((await loadConfigOfCommand(RECOVER_KINDS, path.join(CONFIGS, name))).kind.name).toBe("recover");
    }
  });
});

describe("refusals name the file and the key", () => {
  it.each([
    ["alpha_var", "alpha_cell"],
    ["extra_scalar_params", ["gamma_size"]],
    ["sim_only_keys", ["menu_size"]],
    ["sim_overrides", { gamma_size_sd: 0 }],
  ])("a flat config with the hierarchical key %s", async (key, value) => {
    const message = await refusal({ ...base, [key]: value });
    expect(message).toMatch(
      new RegExp(`${key}: a key of the hierarchical recovery .*this config is of the flat family`),
    );
    expect(message).toContain("it has study_design_config.M");
  });

  it("a flat design with M_per_cell", async () => {
    const message = await refusal({ ...base, study_design_config: { ...base.study_design_config, M_per_cell: 5 } });
    expect(message).toMatch(
      /study_design_config: "M_per_cell": a key of the hierarchical designs, but this is a flat design/,
    );
  });

  it("bad values and design sources", async () => {
    expect(await refusal({ ...base, sim_hyperparams: { alpha_mean: "3" } })).toMatch(
      /sim_hyperparams\.alpha_mean: must be a number/,
    );
    expect(await refusal({ ...base, sim_hyperparams: [3] })).toMatch(/sim_hyperparams: must be an object of numbers/);
    expect(await refusal({ ...base, adapt_delta: 1 })).toMatch(/adapt_delta/);
    expect(await refusal({ ...base, summary_variables: "some" })).toMatch(
      /summary_variables: must be "tracked" or "all"/,
    );
    expect(await refusal({ ...base, study_design_config: { ...base.study_design_config, M: 0 } })).toMatch(
      /study_design_config\.M: must be an integer >= 1/,
    );
    expect(await refusal({ ...base, study_design_config: { M: 10, R: 3, max_alts_per_problem: 4 } })).toMatch(
      /study_design_config\.max_alts_per_problem: \(4\) exceeds R = 3/,
    );
    const designOnly = await write("design_only.json", { M: 8 });
    expect(await refusal({ ...base, study_config_path: designOnly })).toMatch(
      /study_design_config: give one design source, not study_config_path and study_design_config/,
    );
    const { study_design_config: _d, ...noDesign } = base;
    expect(await refusal({ ...noDesign, sim_hyperparams: {} })).toMatch(
      /study_design_config: is required when neither study_design_path nor study_config_path is given/,
    );
    expect(await refusal({ ...noDesign, study_config_path: "/nowhere/study_config.json" })).toMatch(
      /study_config_path: file not found: \/nowhere\/study_config\.json/,
    );
    expect(await refusal({ ...base, n_chains: 4 })).toMatch(/unknown key "n_chains"/);
  });
});
