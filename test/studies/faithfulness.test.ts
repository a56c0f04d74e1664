/**
 * Which truths a run draws (src/studies/faithfulness.ts): the decision for the CmdStan releases
 * around the generator change (2.27.0, 2.33.1, 2.34.1 draw with ecuyer1988; 2.35.0, 2.37.0 with
 * mixmax), the seed and the original study's settings; the record and its lines, with a newer
 * pruned CmdStan passed over; and each kind's settings against its report's, from the shipped
 * configs. The pruned 2.33.1 and 2.37.0 reference toolsets cannot compile a study, so the newer
 * case is tested here on their real trees; the 2.27 case runs end to end in test/studies/<kind>/.
 */
import { mkdirSync, symlinkSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { compareVersions, locateCmdStan, type CmdStanInstall } from "../../src/cmdstan/locate.js";
import {
  decideTruths,
  differingSettings,
  ORIGINAL_TRUTHS_SENTENCE,
  truthsLines,
  truthsRecord,
} from "../../src/studies/faithfulness.js";
import { recoverKind } from "../../src/studies/recover/kind.js";
import { report11 } from "../../src/studies/recover/report11.js";
import { loadStudyConfig } from "../../src/studies/runStudy.js";
import { sbcKind } from "../../src/studies/sbc/kind.js";
import { report12 } from "../../src/studies/sbc/report12.js";
import { REPO_ROOT, testCmdStan } from "../helpers/cmdstan.js";
import { referenceTree } from "../helpers/toolsets.js";

const config = (name: string) => path.join(REPO_ROOT, "configs", name);
const OTHER_27 =
  "other truths than the original study's: CmdStan 2.27 draws with another generator; install CmdStan >= 2.35 for the original's truths";

describe("decideTruths", () => {
  it.each([
    ["2.27.0", false, "boost::ecuyer1988"],
    ["2.33.1", false, "boost::ecuyer1988"],
    ["2.34.1", false, "boost::ecuyer1988"],
    ["2.35.0", true, "boost::random::mixmax"],
    ["2.37.0", true, "boost::random::mixmax"],
  ])("CmdStan %s, the original's seed and settings: original truths %s (%s)", (version, original, generator) => {
    const d = decideTruths({ version, seed: 12345, originalSeed: 12345, originalStudy: true });
    expect(d).toMatchObject({ original_truths: original, generator });
    if (original) expect(d.sentence).toBe("the original study's truths: CmdStan >= 2.35, seeds as the original");
    else {
      const [major, minor] = version.split(".");
      expect(d.sentence).toBe(
        `other truths than the original study's: CmdStan ${major}.${minor} draws with another generator; install CmdStan >= 2.35 for the original's truths`,
      );
    }
  });

  it("another seed or other settings: other truths on any release, every reason named, the generator first", () => {
    expect(decideTruths({ version: "2.37.0", seed: 7, originalSeed: 12345, originalStudy: true })).toEqual({
      original_truths: false,
      generator: "boost::random::mixmax",
      sentence: "other truths than the original study's: seed 7, not the original's 12345",
    });
    expect(decideTruths({ version: "2.35.0", seed: 123, originalSeed: 123, originalStudy: false }).sentence).toBe(
      "other truths than the original study's: this config's design or settings are not the original study's",
    );
    const all = decideTruths({ version: "2.27.0", seed: 1, originalSeed: 123, originalStudy: false });
    expect(all.sentence).toBe(
      `${OTHER_27}; seed 1, not the original's 123; this config's design or settings are not the original study's`,
    );
  });
});

describe("the truths record", () => {
  const install = (version: string, passedOver: CmdStanInstall["passedOver"] = undefined): CmdStanInstall => ({
    path: `/opt/cmdstan-${version}`,
    version,
    stancVersion: "",
    compiler: "",
    source: "provisioned",
    canCompile: true,
    ...(passedOver ? { passedOver } : {}),
  });

  it("says when a newer CmdStan was found but cannot compile and an older one is used", () => {
    const pruned = {
      path: "/home/u/.cmdstan/cmdstan-2.37.0",
      version: "2.37.0",
      source: "home" as const,
      reason: "no stan/src",
    };
    const t = truthsRecord(install("2.27.0", [pruned]), report11, 12345, []);
    expect(t).toMatchObject({
      original_truths: false,
      sentence: OTHER_27,
      cmdstan_version: "2.27.0",
      generator: "boost::ecuyer1988",
      original_study: "Report 11",
      original_generator: "boost::random::mixmax",
      seed: 12345,
      original_seed: 12345,
      original_settings: true,
      settings_differ: [],
      passed_over: { path: pruned.path, version: "2.37.0", generator: "boost::random::mixmax", reason: "no stan/src" },
    });
    expect(t.passed_over!.sentence).toBe(
      "CmdStan 2.37.0 (boost::random::mixmax) at /home/u/.cmdstan/cmdstan-2.37.0 was found first but cannot compile models (a pruned tree), so this run uses CmdStan 2.27.0 at /opt/cmdstan-2.27.0",
    );
    expect(truthsLines(t)).toEqual([
      `truths: ${OTHER_27} (CmdStan 2.27.0, boost::ecuyer1988; seed 12345)`,
      `passed over: ${t.passed_over!.sentence}`,
      "settings: Report 11's, so its published numbers are set beside this run's",
    ]);
    // An older tree passed over is not worth a word.
    const older = { ...pruned, version: "2.26.1" };
    expect(truthsRecord(install("2.27.0", [older]), report11, 12345, []).passed_over).toBeNull();
  });

  it("another seed or other settings: no comparison, and the lines say which settings differ", () => {
    const t = truthsRecord(install("2.37.0"), report12, 99, ["thin 2 (Report 12: 3)"]);
    expect(t).toMatchObject({ original_truths: false, original_settings: false, passed_over: null });
    expect(truthsLines(t).at(-1)).toBe(
      "settings: not Report 12's (thin 2 (Report 12: 3); seed 99 (Report 12: 123)), so its published numbers are not compared",
    );
    const seedOnly = truthsRecord(install("2.37.0"), report11, 1, []);
    expect(seedOnly.original_settings).toBe(false);
  });

  it.each([
    ["2.33.1", false],
    ["2.37.0", true],
  ])(
    "on the real CmdStan %s tree: original truths %s at the original's seed and settings",
    async (version, original) => {
      const tree = await locateCmdStan({ explicit: referenceTree(version), purpose: "tools" });
      expect(tree.version).toBe(version);
      const t = truthsRecord(tree, report11, 12345, []);
      expect(t.original_truths).toBe(original);
      expect(t.sentence).toBe(
        original
          ? ORIGINAL_TRUTHS_SENTENCE
          : "other truths than the original study's: CmdStan 2.33 draws with another generator; install CmdStan >= 2.35 for the original's truths",
      );
      expect(truthsLines(t)[0]).toContain(`(CmdStan ${version}, ${t.generator}; seed 12345)`);
    },
  );
});

describe("a newer CmdStan found first but pruned (real trees)", () => {
  it("~/.cmdstan/cmdstan-2.37.0 (the pruned reference tree) passed over for the full CmdStan: the record says so", async () => {
    const full = await testCmdStan();
    const dir = await mkdtemp(path.join(os.tmpdir(), "cr-truths-"));
    try {
      const home = path.join(dir, "home");
      const project = path.join(dir, "project");
      mkdirSync(path.join(home, ".cmdstan"), { recursive: true });
      mkdirSync(path.join(project, ".cmdstan"), { recursive: true });
      const pruned = path.join(home, ".cmdstan", "cmdstan-2.37.0");
      symlinkSync(referenceTree("2.37.0"), pruned);
      symlinkSync(full.path, path.join(project, ".cmdstan", `cmdstan-${full.version}`));
      const install = await locateCmdStan({ root: project, env: { HOME: home } });
      expect(install).toMatchObject({ version: full.version, source: "provisioned" });
      const t = truthsRecord(install, report11, 12345, []);
      // Said only when the tree passed over is the newer (the suite's CmdStan is 2.27.0).
      expect(t.passed_over === null).toBe(compareVersions("2.37.0", full.version) <= 0);
      if (t.passed_over) {
        expect(t.passed_over).toMatchObject({
          path: pruned,
          version: "2.37.0",
          source: "home",
          generator: "boost::random::mixmax",
        });
        expect(t.passed_over!.reason).toMatch(/no Stan Math sources/);
        expect(truthsLines(t)[1]).toBe(
          `passed over: CmdStan 2.37.0 (boost::random::mixmax) at ${pruned} was found first but cannot compile models ` +
            `(a pruned tree), so this run uses CmdStan ${full.version} at ${install.path}`,
        );
      }
      // The full CmdStan the suite runs is older than 2.35: other truths, and why.
      if (full.version.startsWith("2.27.")) expect(t.sentence).toBe(OTHER_27);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("settings against the original's", () => {
  it("compares by value, object keys in any order", () => {
    expect(
      differingSettings({ a: { scale: 1, loc: 0 }, b: [1, 2] }, { a: { loc: 0, scale: 1 }, b: [1, 2] }, "R"),
    ).toEqual([]);
    expect(differingSettings({ b: [2, 1] }, { a: null, b: [1, 2] }, "R")).toEqual(["b [2,1] (R: [1,2])"]);
    expect(differingSettings({}, { a: 0 }, "R")).toEqual(["a null (R: 0)"]);
  });

  it("recover: the default config is Report 11's study; the smoke config and changed settings are not", async () => {
    const def = await loadStudyConfig(recoverKind, config("h_m01_parameter_recovery_config.json"));
    expect(await report11.settingsDiffer(def)).toEqual([]);
    const smoke = await loadStudyConfig(recoverKind, config("h_m01_parameter_recovery_smoke_config.json"));
    expect(await report11.settingsDiffer(smoke)).toEqual([
      "n_iterations 3 (Report 11: 20)",
      "n_mcmc_chains 2 (Report 11: 4)",
      "n_mcmc_samples 200 (Report 11: 2000)",
      "n_mcmc_warmup 100 (Report 11: 1000)",
    ]);
    const changed = await loadStudyConfig(recoverKind, config("h_m01_parameter_recovery_config.json"), {
      adapt_delta: 0.9,
      sim_overrides: { gamma_sd: 1 },
    });
    expect(await report11.settingsDiffer(changed)).toEqual([
      "adapt_delta 0.9 (Report 11: 0.95)",
      'sim_overrides {"gamma_sd":1} (Report 11: {})',
    ]);
    const size = await loadStudyConfig(recoverKind, config("h_m01_size_parameter_recovery_config.json"));
    const differ = await report11.settingsDiffer(size);
    for (const key of ["factors", "J", "R", "M_per_cell", "menu_sizes", "alpha_var", "extra_scalar_params"])
      expect(differ.some((d) => d.startsWith(`${key} `))).toBe(true);
  });

  it("sbc: the default config is Report 12's study (an explicit adapt delta of 0.8 too); the smoke config is not", async () => {
    const def = await loadStudyConfig(sbcKind, config("h_m01_sbc_config.json"));
    expect(await report12.settingsDiffer(def)).toEqual([]);
    const explicit = await loadStudyConfig(sbcKind, config("h_m01_sbc_config.json"), {
      adapt_delta: 0.8,
      max_treedepth: 10,
    });
    expect(await report12.settingsDiffer(explicit)).toEqual([]);
    const smoke = await loadStudyConfig(sbcKind, config("h_m01_sbc_smoke_config.json"));
    expect(await report12.settingsDiffer(smoke)).toEqual([
      "factors [3,2] (Report 12: [6,3])",
      "J 6 (Report 12: 18)",
      "P 3 (Report 12: 7)",
      "R 6 (Report 12: 10)",
      "M_per_cell 10 (Report 12: 20)",
      "n_sbc_sims 20 (Report 12: 100)",
      "n_mcmc_samples 300 (Report 12: 1000)",
      "iter_warmup 200 (Report 12: 500)",
    ]);
  });
});
