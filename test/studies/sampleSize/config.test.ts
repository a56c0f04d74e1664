/**
 * The sample-size config: the users' config (as they hold it, from a folder laid out as their
 * repository) and ours parse with the original's defaults; the grid's cells are M_<M>; every
 * refusal names the file and the key.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSampleSizeConfig } from "../../../src/studies/sampleSize/config.js";
import { sampleSizeKind } from "../../../src/studies/sampleSize/kind.js";
import { studyCommands } from "../../../src/studies/kinds.js";
import { loadStudyConfig } from "../../../src/studies/runStudy.js";
import { InputError } from "../../../src/util/errors.js";
import { REPO_ROOT } from "../../helpers/cmdstan.js";
import { usersRepository } from "../../helpers/usersRepository.js";

const SMOKE = path.join(REPO_ROOT, "configs", "sample_size_smoke_config.json");
let tmp: string;
let users: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), "cr-samplesize-config-"));
  users = await usersRepository(path.join(tmp, "users"));
});
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

/** A config of the keys given, parsed as if its file were in the users' repository. */
const parse = (raw: Record<string, unknown>) => parseSampleSizeConfig(raw, path.join(users, "ss.json"), users);
const minimal = { K: 3, D: 2, R: 10, M_grid: [10, 20] };

describe("sample-size config", () => {
  it("is its own command", () => {
    expect(studyCommands().get("sample-size")).toEqual([sampleSizeKind]);
  });

  it("the command refuses a config without K, naming the file and the key (exit status 1)", async () => {
    const file = path.join(tmp, "no_k.json");
    await writeFile(file, JSON.stringify({ D: 2, R: 6, M_grid: [10] }));
    const cli = [path.join(REPO_ROOT, "node_modules", ".bin", "tsx"), path.join(REPO_ROOT, "src", "cli.ts")];
    const r = await execa(cli[0], [cli[1], "sample-size", "--config", file], { reject: false });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/no_k\.json: .*K.*is required/);
  }, 60_000);

  it("reads the users' config as they hold it", async () => {
    const c = await loadStudyConfig(sampleSizeKind, path.join(users, "sample_size_config.json"));
    expect(c).toMatchObject({ K: 3, D: 2, R: 10, M_grid: [10, 15, 20, 25, 30], n_iterations: 10 });
    expect(c.base_design_path).toBe(path.join(users, "results", "designs", "study.json"));
    expect(c.inference_model_path).toBe(path.join(users, "models", "m_0.stan"));
    expect(c.warmup).toBe(500);
    expect(sampleSizeKind.grid!.cells(c)!.map((s) => s.name)).toEqual(["M_10", "M_15", "M_20", "M_25", "M_30"]);
    expect(sampleSizeKind.grid!.cells(c)![1].set).toEqual({ M: 15 });
  });

  it("takes the original's defaults: m_0 and its simulator, 10 iterations, 4 chains x 1000, seeds 12345", () => {
    const c = parse(minimal);
    expect(c).toMatchObject({ n_iterations: 10, n_mcmc_samples: 1000, n_mcmc_chains: 4, warmup: 500, seed: 12345 });
    expect(c.inference_model_path).toBe(path.join(users, "models", "m_0.stan"));
    expect(c.sim_model_path).toBe(path.join(users, "models", "m_0_sim.stan"));
    expect(c.base_design_path).toBeUndefined();
    expect(c.output_dir).toBe(path.join(users, "results", "sample_size_estimation"));
  });

  it("a config with M is one cell, and M must be one of M_grid", async () => {
    const smoke = await loadStudyConfig(sampleSizeKind, SMOKE, { M: 15 });
    expect(sampleSizeKind.grid!.cells(smoke)).toBeUndefined();
    await expect(loadStudyConfig(sampleSizeKind, SMOKE, { M: 12 })).rejects.toThrow(
      /sample_size_smoke_config\.json: M: 12 is not one of M_grid \(10, 15\)/,
    );
  });

  it("a cell's config, as a cluster task or the grid rebuilds it, parses back into the same config", async () => {
    const config = await loadStudyConfig(sampleSizeKind, SMOKE, { M: 10 });
    const portable = JSON.parse(JSON.stringify(sampleSizeKind.portableConfig(config, "/opt/cmdstan")));
    expect(portable).toMatchObject({ M: 10, M_grid: [10, 15], n_mcmc_warmup: 100 });
    const again = sampleSizeKind.parseConfig(portable, "recipe", "/nowhere");
    const { source: _a, cmdstan: _b, n_mcmc_warmup: _w, ...before } = config as unknown as Record<string, unknown>;
    const { source: _c, cmdstan: _d, n_mcmc_warmup: _v, ...after } = again as unknown as Record<string, unknown>;
    expect(after).toEqual(before);
  });

  it.each([
    [{ ...minimal, K: undefined }, /ss\.json: .*K.*is required \(the number of consequences\)/],
    [{ ...minimal, M_grid: undefined }, /M_grid.*is required/],
    [{ ...minimal, M_grid: [] }, /M_grid.*must list at least one number of problems/],
    [{ ...minimal, M_grid: [10, 20, 10] }, /M_grid.*lists 10 twice/],
    [{ ...minimal, M_grid: [10, 2.5] }, /M_grid.*1.*must be a positive integer/],
    [{ ...minimal, M_grid: [10, 0] }, /M_grid.*must be a positive integer/],
    [{ ...minimal, M_grid: 10 }, /M_grid.*must be a list of positive integers/],
    [{ ...minimal, R: 1 }, /R.*must be an integer >= 2/],
    [{ ...minimal, concentration_grid: [1, 2] }, /ss\.json: .*concentration_grid/],
    [{ ...minimal, base_design_path: "results/designs/none.json" }, /ss\.json: base_design_path: file not found/],
  ])("refuses %j naming the file and the key", (raw, message) => {
    const bad = Object.fromEntries(Object.entries(raw).filter(([, v]) => v !== undefined));
    expect(() => parse(bad)).toThrow(InputError);
    expect(() => parse(bad)).toThrow(message);
  });
});
