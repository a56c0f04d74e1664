/**
 * The flat SBC config: the users' flat SBC configs parse unchanged and go to the flat kind of
 * `cmdstan-recover sbc` (and the hierarchical ones to the hierarchical kind), the original
 * driver's defaults, and mix-ups of the two families or impossible settings refused before
 * anything runs, naming the file and the key.
 */
import { copyFile, mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfigOfCommand, loadStudyConfig } from "../../../src/studies/runStudy.js";
import { studyCommands } from "../../../src/studies/kinds.js";
import { flatSbcFingerprint, parseFlatSbcConfig, type FlatSbcConfig } from "../../../src/studies/sbcFlat/config.js";
import { sbcFlatKind } from "../../../src/studies/sbcFlat/kind.js";
import { simulationSeed } from "../../../src/studies/sbcCommon/sampler.js";
import { InputError } from "../../../src/util/errors.js";
import { REPO_ROOT } from "../../helpers/cmdstan.js";

const ORIGINAL = path.join(REPO_ROOT, "test", "fixtures", "original-configs");
const STUDY_DESIGN = path.join(REPO_ROOT, "test", "fixtures", "flat-designs", "study.json");
const M1_DESIGN = path.join(REPO_ROOT, "test", "fixtures", "flat-designs", "m1_study.json");
const SBC_KINDS = studyCommands().get("sbc")!;
const M0_SBC = path.join(REPO_ROOT, "stan", "m_0_sbc.stan");
/** The users' flat SBC configs (their README's table: models, designs, counts). */
const USERS = [
  { file: "sbc_config.json", model: "m_0_sbc", sims: 100, chains: 4, thin: 1, M: 5 },
  { file: "m02_sbc_config.json", model: "m_02_sbc", sims: 200, chains: 1, thin: 3, M: 300 },
  { file: "m02_sbc_reduced_config.json", model: "m_02_sbc", sims: 75, chains: 1, thin: 3, M: 300 },
  { file: "m1_sbc_config.json", model: "m_1_sbc", sims: 100, chains: 1, thin: 3, M: 20 },
  { file: "m2_sbc_config.json", model: "m_2_sbc", sims: 100, chains: 1, thin: 3, M: 20 },
  { file: "m3_sbc_config.json", model: "m_3_sbc", sims: 100, chains: 1, thin: 3, M: 20 },
];

describe("flat SBC config", () => {
  let dir: string;
  /** The users' folder: their configs, models/ (our stan/), and the design the default config loads. */
  let users: string;
  const write = async (value: unknown) => {
    const file = path.join(dir, `c${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, typeof value === "string" ? value : JSON.stringify(value));
    return file;
  };
  const base = { sbc_model_path: M0_SBC, study_design_config: { M: 10, K: 3, D: 2, R: 5 } };
  /** The message of the error loading `value` through the sbc command, which must name the file. */
  const errorOf = async (value: unknown): Promise<string> => {
    const file = await write(value);
    const err = await loadConfigOfCommand(SBC_KINDS, file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain(file);
    return (err as Error).message;
  };
  const kindOf = async (value: unknown) => (await loadConfigOfCommand(SBC_KINDS, await write(value))).kind.name;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-sbc-flat-config-"));
    users = path.join(dir, "users");
    await mkdir(path.join(users, "results", "designs"), { recursive: true });
    await symlink(path.join(REPO_ROOT, "stan"), path.join(users, "models"));
    await copyFile(STUDY_DESIGN, path.join(users, "results", "designs", "study.json"));
    for (const u of USERS) await copyFile(path.join(ORIGINAL, u.file), path.join(users, u.file));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("reads the users' flat SBC configs unchanged, as the flat kind of the sbc command", async () => {
    for (const u of USERS) {
      const { kind, config } = await loadConfigOfCommand(SBC_KINDS, path.join(users, u.file));
      expect(kind.name, u.file).toBe("sbc-flat");
      const c = config as FlatSbcConfig;
      expect(c.sbc_model_path, u.file).toBe(path.join(users, "models", `${u.model}.stan`));
      expect(c, u.file).toMatchObject({
        n_sbc_sims: u.sims,
        n_mcmc_samples: 1000,
        n_mcmc_chains: u.chains,
        thin: u.thin,
        iterSampling: 1000 / u.chains,
        iterWarmup: 500 / u.chains,
        seed: 123,
        extra_data: {},
      });
      if (u.file === "sbc_config.json") {
        expect(c.study_design_path).toBe(path.join(users, "results", "designs", "study.json"));
        expect(c.designConfig).toBeUndefined();
      } else {
        expect(c.study_design_path).toBeUndefined();
        expect(c.designConfig?.M, u.file).toBe(u.M);
      }
    }
    const m1 = (await loadConfigOfCommand(SBC_KINDS, path.join(users, "m1_sbc_config.json"))).config as FlatSbcConfig;
    // The driver's rule: a design config with N has risky problems, risky_probs "fixed" unless given.
    expect(m1.designConfig).toMatchObject({ M: 20, K: 3, D: 2, R: 10, max_alts_per_problem: 4 });
    expect(m1.designConfig?.risky).toEqual({ N: 20, S: 8, risky_probs: "fixed" });
    const m02 = (await loadConfigOfCommand(SBC_KINDS, path.join(users, "m02_sbc_config.json"))).config as FlatSbcConfig;
    expect(m02.designConfig).toMatchObject({ M: 300, K: 4, D: 32, R: 30 });
    expect(m02.designConfig?.risky).toBeUndefined();
  });

  it("reads the shipped configs (configs/, our stan/ paths) the same way", async () => {
    for (const u of USERS) {
      const file = path.join(REPO_ROOT, "configs", u.file);
      // The default config loads results/designs/study.json, which a design-only run writes first.
      const over = u.file === "sbc_config.json" ? { study_design_path: STUDY_DESIGN } : {};
      const { kind, config } = await loadConfigOfCommand(SBC_KINDS, file, over);
      expect(kind.name, u.file).toBe("sbc-flat");
      expect((config as FlatSbcConfig).sbc_model_path).toBe(path.join(REPO_ROOT, "stan", `${u.model}.stan`));
      expect(config).toMatchObject({ n_sbc_sims: u.sims, n_mcmc_chains: u.chains, thin: u.thin });
    }
    for (const smoke of ["m_0_sbc_smoke_config.json", "m_1_sbc_smoke_config.json"]) {
      const { kind, config } = await loadConfigOfCommand(SBC_KINDS, path.join(REPO_ROOT, "configs", smoke));
      expect(kind.name).toBe("sbc-flat");
      expect(config).toMatchObject({ n_sbc_sims: 20, n_mcmc_samples: 200, thin: 3, iterWarmup: 200 });
    }
  });

  it("takes the original driver's defaults: 100 simulations, 1000 draws over 4 chains, thin 1, seed 123 + i - 1", async () => {
    const c = await loadStudyConfig(sbcFlatKind, await write(base));
    expect(c).toMatchObject({
      n_sbc_sims: 100,
      n_mcmc_samples: 1000,
      n_mcmc_chains: 4,
      thin: 1,
      iterSampling: 250,
      iterWarmup: 125,
      maxTreedepthUsed: 10,
      seed: 123,
      keep_csv: false,
    });
    expect(c.adapt_delta).toBeUndefined();
    expect(c.max_treedepth).toBeUndefined();
    expect(c.output_dir).toBe(path.join(process.cwd(), "results", "sbc"));
    expect([1, 2, 100].map((i) => simulationSeed(c, i))).toEqual([123, 124, 222]);
    const given = await loadStudyConfig(
      sbcFlatKind,
      await write({ ...base, n_mcmc_chains: 1, iter_warmup: 300, adapt_delta: 0.9, max_treedepth: 12 }),
    );
    expect(given).toMatchObject({ iterSampling: 1000, iterWarmup: 300, adapt_delta: 0.9, maxTreedepthUsed: 12 });
  });

  it("sends each config to its family's kind: flat keys or a flat design file to sbc-flat, the rest to sbc", async () => {
    expect(await kindOf(base)).toBe("sbc-flat");
    expect(await kindOf({ ...base, study_design_config: { N: 5 } })).toBe("sbc-flat");
    expect(await kindOf({ sbc_model_path: M0_SBC, study_design_path: STUDY_DESIGN })).toBe("sbc-flat");
    expect(await kindOf({ sbc_model_path: M0_SBC, study_design_path: M1_DESIGN })).toBe("sbc-flat");
    const h = { sbc_model_path: path.join(REPO_ROOT, "stan", "h_m01_sbc.stan") };
    expect(await kindOf({ ...h, study_design_config: { factors: [2, 2] } })).toBe("sbc");
    expect(await kindOf({ ...h, study_design_config: { J: 4, P: 2 } })).toBe("sbc");
    expect(
      (await loadConfigOfCommand(SBC_KINDS, path.join(REPO_ROOT, "configs", "h_m01_sbc_smoke_config.json"))).kind.name,
    ).toBe("sbc");
  });

  it("refuses a flat config with the hierarchical keys, and a hierarchical one with flat keys, naming file and key", async () => {
    expect(await errorOf({ ...base, alpha_var: "alpha_cell" })).toMatch(
      /: "alpha_var": a key of hierarchical SBC configs \(the h_m01 models, a design of cells\), but this is one of flat SBC configs/,
    );
    expect(await errorOf({ ...base, alpha_var: "a", extra_params_after_gamma: ["g"] })).toMatch(
      /"alpha_var", "extra_params_after_gamma": keys of hierarchical SBC configs/,
    );
    // A design with keys of both families: read as hierarchical (it has cells), its flat keys named.
    expect(await errorOf({ ...base, study_design_config: { M: 10, M_per_cell: 5 } })).toMatch(
      /study_design_config: "M": a key of the flat designs \(m_0 \.\.\. m_3 models\) alongside its hierarchical keys "M_per_cell"/,
    );
    const h = { sbc_model_path: path.join(REPO_ROOT, "stan", "h_m01_sbc.stan"), study_design_config: { factors: [2] } };
    expect(await errorOf({ ...h, study_design_config: { factors: [2], N: 10, S: 4 } })).toMatch(
      /study_design_config: "N", "S": keys of the flat designs .* alongside its hierarchical keys "factors"/,
    );
    expect(await errorOf({ ...h, extra_data: { delta_concentration: 2 } })).toMatch(
      /"extra_data": a key of flat SBC configs \(the m_0 \.\.\. m_3 models, a design with M problems\), but this is one of hierarchical SBC configs/,
    );
    // Read directly by the flat kind, a hierarchical design key is the flat design schema's refusal.
    const file = await write({ ...base, study_design_config: { M: 10, factors: [2] } });
    await expect(loadStudyConfig(sbcFlatKind, file)).rejects.toThrow(
      /study_design_config: "factors": a key of the hierarchical designs, but this is a flat design/,
    );
  });

  it("refuses impossible designs and settings, naming file and key", async () => {
    expect(await errorOf({ ...base, study_design_config: { M: 10, R: 3, max_alts_per_problem: 4 } })).toMatch(
      /study_design_config: max_alts_per_problem: \(4\) exceeds R = 3/,
    );
    expect(
      await errorOf({ ...base, study_design_config: { M: 10, N: 5, S: 3, R: 8, max_alts_per_problem: 4 } }),
    ).toMatch(/max_alts_per_problem: \(4\) exceeds S = 3/);
    expect(await errorOf({ ...base, n_sims: 5 })).toMatch(/unknown key "n_sims"/);
    expect(await errorOf({ ...base, thin: 0 })).toMatch(/thin: must be a positive integer/);
    expect(await errorOf({ ...base, n_mcmc_samples: 2, n_mcmc_chains: 4 })).toMatch(
      /n_mcmc_samples: \(2\) must be at least n_mcmc_chains \(4\)/,
    );
    expect(await errorOf({ ...base, extra_data: { delta_concentration: "2" } })).toMatch(
      /extra_data\.delta_concentration: must be a number/,
    );
    expect(await errorOf({ ...base, sbc_model_path: path.join(dir, "missing.stan") })).toMatch(
      /sbc_model_path: file not found/,
    );
    expect(await errorOf({ study_design_config: { M: 10 } })).toMatch(/sbc_model_path: is required/);
    expect(await errorOf({ sbc_model_path: M0_SBC, study_design_path: path.join(dir, "none.json") })).toMatch(
      /study_design_path: file not found/,
    );
  });

  it("parses its portable config (what a cluster task reads) back to the same config", async () => {
    const c = await loadStudyConfig(sbcFlatKind, path.join(users, "m1_sbc_config.json"));
    const again = parseFlatSbcConfig(sbcFlatKind.portableConfig(c, "/opt/cmdstan"), "study_config.json", "/");
    expect({ ...again, source: c.source }).toEqual({ ...c, iter_warmup: c.iterWarmup, cmdstan: "/opt/cmdstan" });
  });

  it("the fingerprint leaves out what does not change a simulation's numbers", async () => {
    const a = await loadStudyConfig(sbcFlatKind, await write({ ...base, n_sbc_sims: 10, cores: 1, keep_csv: true }));
    const b = await loadStudyConfig(sbcFlatKind, await write({ ...base, n_sbc_sims: 50 }));
    expect(flatSbcFingerprint(a, "m", "d", {})).toEqual(flatSbcFingerprint(b, "m", "d", {}));
    const c = await loadStudyConfig(sbcFlatKind, await write({ ...base, thin: 2 }));
    expect(flatSbcFingerprint(c, "m", "d", {})).not.toEqual(flatSbcFingerprint(b, "m", "d", {}));
    expect(flatSbcFingerprint(b, "m", "d", { delta_concentration: 2 })).not.toEqual(
      flatSbcFingerprint(b, "m", "d", { delta_concentration: 1 }),
    );
  });
});
