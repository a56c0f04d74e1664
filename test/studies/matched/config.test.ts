/**
 * The matched study's config and conditions: the users' three configs (ours in configs/, theirs
 * as they hold them in test/fixtures/original-configs/, without model keys) parse, the default
 * models resolve to our stan/ files wherever the config is run from, the conditions and seeds are
 * the original's at M = N = 50 and halve other sizes, each condition's data is its slice, and
 * every refusal names the file and the key.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFlatDesignConfig } from "../../../src/design/flat/config.js";
import { generateFlatDesign } from "../../../src/design/flat/generate.js";
import { studyCommands } from "../../../src/studies/kinds.js";
import {
  conditionData,
  conditionsJson,
  matchedConditions,
  matchedSeeds,
} from "../../../src/studies/matched/conditions.js";
import { matchedKind } from "../../../src/studies/matched/kind.js";
import { loadStudyConfig } from "../../../src/studies/runStudy.js";
import { InputError } from "../../../src/util/errors.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const stan = (name: string) => path.join(ROOT, "stan", `${name}.stan`);
const USERS: Array<[string, number, number, number]> = [
  ["m1_matched_recovery_config.json", 30, 2000, 4],
  ["m1_matched_recovery_n100_config.json", 100, 2000, 4],
  ["m1_matched_recovery_smoke_config.json", 2, 500, 2],
];
const DESIGN = { M: 50, N: 50, K: 3, D: 5, R: 15, S: 15, risky_probs: "fixed" };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "cr-matchedconfig-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const write = async (value: unknown) => {
  const file = path.join(dir, `c${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify(value));
  return file;
};

/** The message of the InputError reading `value` gives; it must name the file. */
async function refusal(value: unknown): Promise<string> {
  const file = await write(value);
  const err = await loadStudyConfig(matchedKind, file).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InputError);
  const message = (err as Error).message;
  expect(message.startsWith(`${file}: `)).toBe(true);
  return message;
}

describe("the users' matched configs", () => {
  it.each(USERS)("configs/%s and the users' own file run as `matched`", async (name, n, samples, chains) => {
    expect(studyCommands().get("matched")).toEqual([matchedKind]);
    const ours = await loadStudyConfig(matchedKind, path.join(ROOT, "configs", name));
    const theirs = await loadStudyConfig(matchedKind, path.join(ROOT, "test", "fixtures", "original-configs", name));
    for (const c of [ours, theirs]) {
      expect(c).toMatchObject({ n_iterations: n, n_mcmc_samples: samples, n_mcmc_chains: chains, seed: 12345 });
      expect(c.warmup).toBe(samples / 2);
      expect(c.sim_model_path).toBe(stan("m_1_sim"));
      expect(c.uncertain_model_path).toBe(stan("m_0"));
      expect(c.risky_model_path).toBe(stan("m_1"));
      expect(c.designConfig).toMatchObject({ M: 50, K: 3, D: 5, R: 15, risky: { N: 50, S: 15, risky_probs: "fixed" } });
      expect(c.adapt_delta).toBeUndefined();
      expect(c.max_treedepth).toBeUndefined();
    }
  });

  it("finds the default models in this tool's stan/ when the config's folder has none", async () => {
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const c = await loadStudyConfig(matchedKind, await write({ study_design_config: DESIGN }));
      expect(c.sim_model_path).toBe(stan("m_1_sim"));
      expect(c.output_dir).toBe(path.join(dir, "results", "parameter_recovery", "m1_matched_comparison"));
    } finally {
      process.chdir(cwd);
    }
  });

  it("takes the models a config names, and parses back from a cluster task's portable config", async () => {
    const file = await write({
      study_design_config: DESIGN,
      uncertain_model_path: stan("m_02"),
      n_mcmc_warmup: 100,
      adapt_delta: 0.9,
    });
    const c = await loadStudyConfig(matchedKind, file);
    expect(c.uncertain_model_path).toBe(stan("m_02"));
    expect(c.warmup).toBe(100);
    const portable = matchedKind.portableConfig(c, "/opt/cmdstan");
    expect(portable).not.toHaveProperty("designConfig");
    const again = matchedKind.parseConfig(portable, c.source, "/");
    expect({ ...again, cmdstan: undefined }).toEqual({ ...c, cmdstan: undefined });
  });
});

describe("refused, naming the file and the key", () => {
  it("an odd M, an odd N, N other than M, no N", async () => {
    expect(await refusal({ study_design_config: { ...DESIGN, M: 49, N: 49 } })).toMatch(
      /study_design_config\.M: 49 is odd; conditions A and C fit the first half of the uncertain problems, so M must be even; .*study_design_config\.N: 49 is odd/,
    );
    expect(await refusal({ study_design_config: { ...DESIGN, N: 40 } })).toContain(
      "study_design_config.N: 40 differs from M = 50; the conditions pair as many risky problems as uncertain ones",
    );
    const { N: _n, S: _s, risky_probs: _r, ...uncertain } = DESIGN;
    expect(await refusal({ study_design_config: uncertain })).toContain(
      "study_design_config.N: is required: conditions C and D fit the risky model on risky problems",
    );
  });

  it("unknown keys, hierarchical keys, bad values, two design sources, a missing model file", async () => {
    expect(await refusal({ study_design_config: DESIGN, inference_model_path: "m.stan" })).toMatch(
      /unknown key.*inference_model_path/,
    );
    expect(await refusal({ study_design_config: { ...DESIGN, M_per_cell: 2 } })).toContain(
      '"M_per_cell": a key of the hierarchical designs, but this is a flat design',
    );
    expect(await refusal({ study_design_config: DESIGN, n_mcmc_chains: 0 })).toContain("n_mcmc_chains");
    expect(await refusal({ study_design_config: DESIGN, study_design_path: "d.json" })).toContain(
      "study_design_path: give either study_design_path or study_design_config, not both",
    );
    expect(await refusal({ study_design_config: DESIGN, risky_model_path: "nowhere/m_1.stan" })).toMatch(
      /risky_model_path: file not found: .*nowhere\/m_1\.stan/,
    );
  });
});

describe("the conditions", () => {
  it("are the original's at M = N = 50, with its seeds", () => {
    const conditions = matchedConditions(50, 50);
    expect(conditionsJson(conditions, { uncertain: "m_0", risky: "m_1" })).toEqual([
      { label: "A_m0_M25", model: "m_0", M: 25, N: 0, seed_offset: 100 },
      { label: "B_m0_M50", model: "m_0", M: 50, N: 0, seed_offset: 200 },
      { label: "C_m1_M25N25", model: "m_1", M: 25, N: 25, seed_offset: 300 },
      { label: "D_m1_M50N50", model: "m_1", M: 50, N: 50, seed_offset: 400 },
    ]);
    expect(matchedSeeds(12345, 1, conditions)).toEqual({
      sim: 12345,
      A_m0_M25: 54421,
      B_m0_M50: 54521,
      C_m1_M25N25: 54621,
      D_m1_M50N50: 54721,
    });
    // 54321 + 17 (i - 1) + offset, and seed + i - 1 for the simulation; another seed shifts them all.
    expect(matchedSeeds(12345, 3, conditions)).toMatchObject({ sim: 12347, A_m0_M25: 54321 + 34 + 100 });
    expect(matchedSeeds(1, 2, conditions)).toMatchObject({ sim: 2, D_m1_M50N50: 1 + 41976 + 17 + 400 });
  });

  it("halve other sizes, and no two fits of a study share a seed", () => {
    expect(matchedConditions(20, 20).map((c) => c.label)).toEqual([
      "A_m0_M10",
      "B_m0_M20",
      "C_m1_M10N10",
      "D_m1_M20N20",
    ]);
    const conditions = matchedConditions(50, 50);
    const seeds = Array.from({ length: 200 }, (_, i) => Object.values(matchedSeeds(12345, i + 1, conditions)));
    const fits = seeds.flatMap((s) => s.slice(1));
    expect(new Set(fits).size).toBe(fits.length);
  });

  it("give each fit its slice of the one data set", () => {
    const design = generateFlatDesign(parseFlatDesignConfig({ M: 6, N: 6, K: 3, D: 2, R: 5, S: 5 }), 3);
    const choices = { y: [1, 2, 1, 2, 1, 2], z: [2, 1, 2, 1, 2, 1] };
    const [a, b, c, d] = matchedConditions(6, 6).map((cond) => conditionData(design, choices, cond, {}));
    expect(Object.keys(a)).toEqual(["M", "K", "D", "R", "w", "I", "y"]);
    expect(a).toMatchObject({ M: 3, I: design.I.slice(0, 3), y: [1, 2, 1], w: design.w });
    expect(b).toMatchObject({ M: 6, I: design.I, y: choices.y });
    expect(Object.keys(c)).toEqual(["M", "K", "D", "R", "w", "I", "y", "N", "S", "x", "J", "z"]);
    expect(c).toMatchObject({ M: 3, N: 3, S: 5, J: design.risky!.J.slice(0, 3), z: [2, 1, 2], x: design.risky!.x });
    expect(d).toMatchObject({ M: 6, N: 6, J: design.risky!.J, z: choices.z });
    const withHyper = conditionData(design, choices, matchedConditions(6, 6)[0], { delta_concentration: 2 });
    expect(withHyper.delta_concentration).toBe(2);
  });
});
