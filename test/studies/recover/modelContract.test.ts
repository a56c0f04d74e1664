/**
 * The model pair check (real stanc --info, nothing compiled): a study whose models cannot work
 * with its config and design is refused up front, in one message naming the model file and
 * everything missing.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../../src/util/errors.js";
import type { CmdStanInstall } from "../../../src/cmdstan/locate.js";
import { generateStudyDesign } from "../../../src/design/studyDesign.js";
import type { RecoveryConfigInput } from "../../../src/studies/recover/config.js";
import { recoverKind } from "../../../src/studies/recover/kind.js";
import { loadStudyConfig } from "../../../src/studies/runStudy.js";
import { checkModelPair } from "../../../src/studies/recover/modelContract.js";
import { REPO_ROOT, testCmdStan } from "../../helpers/cmdstan.js";

const SIZE_CONFIG = path.join(REPO_ROOT, "configs", "h_m01_size_parameter_recovery_smoke_config.json");
const H_M01_CONFIG = path.join(REPO_ROOT, "configs", "h_m01_parameter_recovery_smoke_config.json");

describe("checkModelPair (real stanc)", () => {
  let install: CmdStanInstall;
  let dir: string;
  beforeAll(async () => {
    install = await testCmdStan();
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-contract-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const check = async (file: string, overrides: Partial<RecoveryConfigInput> = {}) => {
    const config = await loadStudyConfig(recoverKind, file, overrides);
    const design = generateStudyDesign(config.study_design_config!, config.seed);
    return { config, result: await checkModelPair(install, config, design).catch((e: unknown) => e) };
  };
  const message = (e: unknown) => {
    expect(e).toBeInstanceOf(InputError);
    return (e as Error).message;
  };

  it("accepts the shipped pairs and says which data are int and what to read from the simulator", async () => {
    const { result } = await check(SIZE_CONFIG, { sim_overrides: { gamma_size_sd: 0 } });
    const pair = result as Awaited<ReturnType<typeof checkModelPair>>;
    expect(pair.simData.gamma_size_sd).toBe(0);
    expect(pair.simReads).toEqual([
      "gamma0",
      "gamma",
      "gamma_size",
      "sigma_cell",
      "alpha_cell",
      "delta",
      "upsilon",
      "y",
    ]);
    expect(pair.fitInts).toEqual(expect.arrayContaining(["J", "cell", "I", "y", "M_per_cell"]));
    expect(pair.fitInts).not.toContain("s");
    const h = (await check(H_M01_CONFIG)).result as Awaited<ReturnType<typeof checkModelPair>>;
    expect(h.simReads).toEqual(["gamma0", "gamma", "sigma_cell", "alpha", "delta", "upsilon", "y"]);
  });

  it("refuses an inference model lacking alpha_cell, naming the file and the variable", async () => {
    const src = await readFile(path.join(REPO_ROOT, "stan", "h_m01_size.stan"), "utf8");
    const file = path.join(dir, "no_alpha_cell.stan");
    await writeFile(file, src.replace(/alpha_cell/g, "alpha_c"));
    const { config, result } = await check(SIZE_CONFIG, { inference_model_path: file });
    const text = message(result);
    expect(text).toContain(
      `${config.source}: inference_model_path: the inference model ${file} does not fit this study:`,
    );
    expect(text).toContain("- it does not output alpha_cell (config alpha_var), a vector of J");
    expect(text).not.toContain("sim_model_path");
  });

  it("refuses data the fit does not get, saying why", async () => {
    // sim_only_keys removes s, which h_m01_size needs.
    const removed = message((await check(SIZE_CONFIG, { sim_only_keys: ["s", "menu_size"] })).result);
    expect(removed).toMatch(
      /inference model .*h_m01_size\.stan does not fit this study:\n {2}- it declares data s, which the fit does not get \(sim_only_keys removes it from the fit's data\)/,
    );
    // A design without menu_sizes has no s at all, for either model.
    const plain = { factors: [3, 2], R: 12, M_per_cell: 10 };
    const noSizes = message((await check(SIZE_CONFIG, { study_design_config: plain })).result);
    expect(noSizes).toContain(
      "it declares data s, which the fit does not get (the design makes it only when study_design_config.menu_sizes is given)",
    );
    expect(noSizes).toMatch(
      /sim_model_path: the simulator .*h_m01_size_sim\.stan does not fit this study:[^]*it declares data gamma_size_mean, which the simulation does not get/,
    );
  });

  it("refuses sim_overrides the simulator does not declare as a scalar", async () => {
    const text = message((await check(H_M01_CONFIG, { sim_overrides: { gamma_size_sd: 0, J: 2.5, w: 1 } })).result);
    expect(text).toContain("sim_overrides.gamma_size_sd: the simulator declares no data gamma_size_sd");
    expect(text).toContain("sim_overrides.J: the simulator declares J int, got 2.5");
    expect(text).toContain("sim_overrides.w: the simulator's w is not a scalar");
  });

  it("refuses tracked outputs of the wrong shape", async () => {
    const { result } = await check(H_M01_CONFIG, { alpha_var: "sigma_cell_x", extra_scalar_params: ["log_alpha"] });
    const text = message(result);
    expect(text).toContain("it does not output sigma_cell_x (config alpha_var), a vector of J");
    expect(text).toContain("its output log_alpha (config extra_scalar_params) has 1 dimension(s), expected a scalar");
  });
});
