/**
 * The 35 configs of the users' repository (test/fixtures/README.md), each read by the command
 * that runs it, from a folder laid out as their repository (test/helpers/usersRepository.ts):
 * every one is taken by a study kind of its command (or, design-only, by `design`) with no key
 * refused. Running them is each kind's own tests' business; this is the census that none is left
 * behind. Configs whose copy in the users' repository we do not hold come from configs/.
 */
import { constants } from "node:fs";
import { copyFile, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDesignConfig, runFlatDesign } from "../../src/cli/design.js";
import { loadConfigOfCommand } from "../../src/studies/runStudy.js";
import { studyCommands } from "../../src/studies/kinds.js";
import { REPO_ROOT } from "../helpers/cmdstan.js";
import { usersRepository } from "../helpers/usersRepository.js";

/** Each config of the users' repository, the command that runs it, and the kind expected. */
const USERS_CONFIGS: [file: string, command: string, kind: string][] = [
  ["parameter_recovery_config.json", "recover", "recover-flat"],
  ["claude_insurance_recovery_config.json", "recover", "recover-flat"],
  ["gpt4o_ellsberg_recovery_config.json", "recover", "recover-flat"],
  ["m02_parameter_recovery_config.json", "recover", "recover-flat"],
  ["m1_parameter_recovery_config.json", "recover", "recover-flat"],
  ["m2_parameter_recovery_config.json", "recover", "recover-flat"],
  ["m3_parameter_recovery_config.json", "recover", "recover-flat"],
  ["m_03_concentration_sweep_recovery_config.json", "recover", "recover-flat"],
  ["sbc_config.json", "sbc", "sbc-flat"],
  ["m02_sbc_config.json", "sbc", "sbc-flat"],
  ["m02_sbc_reduced_config.json", "sbc", "sbc-flat"],
  ["m1_sbc_config.json", "sbc", "sbc-flat"],
  ["m2_sbc_config.json", "sbc", "sbc-flat"],
  ["m3_sbc_config.json", "sbc", "sbc-flat"],
  ["m_03_concentration_sweep_sbc_config.json", "sbc", "sbc-flat"],
  ["m1_matched_recovery_config.json", "matched", "matched"],
  ["m1_matched_recovery_n100_config.json", "matched", "matched"],
  ["m1_matched_recovery_smoke_config.json", "matched", "matched"],
  ["prior_analysis_config.json", "prior", "prior-flat"],
  ["m1_prior_analysis_config.json", "prior", "prior-flat"],
  ["m2_prior_analysis_config.json", "prior", "prior-flat"],
  ["m3_prior_analysis_config.json", "prior", "prior-flat"],
  ["h_m01_prior_analysis_config.json", "prior", "prior-hierarchical"],
  ["h_m01_parameter_recovery_config.json", "recover", "recover"],
  ["h_m01_parameter_recovery_factorial_smoke_config.json", "recover", "recover"],
  ["h_m01_parameter_recovery_smoke_config.json", "recover", "recover"],
  ["h_m01_size_parameter_recovery_config.json", "recover", "recover"],
  ["h_m01_size_null_calibration_config.json", "recover", "recover"],
  ["h_m01_sbc_config.json", "sbc", "sbc"],
  ["h_m01_size_sbc_config.json", "sbc", "sbc"],
  ["h_m01_size_power_regime_a_config.json", "power", "power"],
  ["sample_size_config.json", "sample-size", "sample-size"],
  ["model_estimation_config.json", "estimate", "estimate"],
  ["study_config.json", "design", "design"],
  ["m1_study_config.json", "design", "design"],
];

let repo: string;
beforeAll(async () => {
  repo = await usersRepository(path.join(await mkdtemp(path.join(os.tmpdir(), "cr-users-")), "repo"));
  // The hierarchical configs we hold only in configs/ (their stan/ paths resolve in the layout);
  // a users' copy, where we hold one, is kept.
  for (const [file] of USERS_CONFIGS) {
    const ours = path.join(REPO_ROOT, "configs", file);
    const theirs = path.join(repo, file);
    await copyFile(ours, theirs, constants.COPYFILE_EXCL).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== "EEXIST" && e.code !== "ENOENT") throw e;
    });
  }
  // model_estimation_config.json names their data file, which their repository lacks at HEAD.
  const data = path.join(repo, "applications", "llm_rationality", "data", "stan_data_GPT-4.json");
  await mkdir(path.dirname(data), { recursive: true });
  await writeFile(data, "{}");
});
afterAll(() => rm(path.dirname(repo), { recursive: true, force: true }));

describe("the users' 35 configs", () => {
  it("are 35, each listed once", () => {
    expect(new Set(USERS_CONFIGS.map(([f]) => f)).size).toBe(35);
  });

  it.each(USERS_CONFIGS.filter(([, command]) => command !== "design"))(
    "%s is run by `%s` as %s",
    async (file, command, kind) => {
      const kinds = studyCommands().get(command);
      expect(kinds, `no command ${command}`).toBeDefined();
      const found = await loadConfigOfCommand(kinds!, path.join(repo, file));
      expect(found.kind.name).toBe(kind);
    },
  );

  it.each(USERS_CONFIGS.filter(([, command]) => command === "design"))(
    "%s is a flat design-only config `%s` writes",
    async (file) => {
      const request = await readDesignConfig(path.join(repo, file));
      expect(request).toMatchObject({ family: "flat", designOnly: true });
      const out = path.join(repo, "results", "designs", `from-${file}`);
      const { design } = await runFlatDesign(request, undefined, out);
      expect(design.M).toBeGreaterThan(0);
    },
  );
});
