/**
 * The h_m01_size models (docs/models.md "h_m01_size") with the real CmdStan: the simulator's draws respect
 * the supports and its documented order, a zero gamma_size_sd draws nothing, the inference
 * model rejects an uncentred s, and its likelihood (problems grouped by cell and menu size)
 * equals a per-problem computation from s directly.
 */
import { readFile, mkdtemp, writeFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileModel, type CompiledModel } from "../../src/cmdstan/compile.js";
import { CmdStanRunError } from "../../src/util/errors.js";
import { sample } from "../../src/cmdstan/run.js";
import { readStanCsv, type StanCsv } from "../../src/cmdstan/stanCsv.js";
import { toStanJson } from "../../src/cmdstan/stanJson.js";
import {
  STAN_INT_KEYS,
  fitData,
  generateStudyDesign,
  menuSizes,
  simulationData,
  type DesignConfig,
} from "../../src/design/studyDesign.js";
import { REPO_ROOT, compileTestModel, testCmdStan, firstDraw as values } from "../helpers/cmdstan.js";

/** The design of the h_m01_size configs, with fewer problems per cell. */
const SIZE_DESIGN: DesignConfig = { factors: [3, 2], K: 3, D: 2, R: 12, M_per_cell: 24, menu_sizes: [2, 4, 6, 8] };

describe("h_m01_size models (real CmdStan)", () => {
  let dir: string;
  let sim: CompiledModel;
  let inference: CompiledModel;
  const design = generateStudyDesign(SIZE_DESIGN, 12345);
  const json = (data: Record<string, unknown>) => toStanJson(data, { ints: [...STAN_INT_KEYS] });

  async function simulate(data: Record<string, unknown>, seed: number, name: string): Promise<StanCsv> {
    const dataFile = path.join(dir, `${name}-sim.json`);
    await writeFile(dataFile, json(data));
    const r = await sample(sim, {
      chains: 1,
      numSamples: 1,
      algorithm: "fixed_param",
      seed,
      dataFile,
      outputDir: dir,
      outputPrefix: `${name}-sim`,
    });
    return readStanCsv(r.csvFiles[0]);
  }

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  beforeAll(async () => {
    const install = await testCmdStan();
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-h_m01_size-"));
    [sim, inference] = await Promise.all([
      compileModel(install, path.join(REPO_ROOT, "stan", "h_m01_size_sim.stan")),
      compileModel(install, path.join(REPO_ROOT, "stan", "h_m01_size.stan")),
    ]);
  });

  it("simulator: the draw respects every support and reports each menu's size", async () => {
    const N = menuSizes(design);
    for (const seed of [1, 2]) {
      const csv = await simulate(simulationData(design), seed, `support-${seed}`);
      const logAlpha = values(csv, "log_alpha_cell");
      const alpha = values(csv, "alpha_cell");
      expect(alpha).toHaveLength(6);
      // 6 significant digits in the CSV: compare relatively.
      alpha.forEach((a, j) => expect(Math.abs(a / Math.exp(logAlpha[j]) - 1)).toBeLessThan(2e-5));
      expect(values(csv, "sigma_cell")[0]).toBeGreaterThanOrEqual(0);
      expect(Number.isFinite(values(csv, "gamma_size")[0])).toBe(true);
      const delta = values(csv, "delta");
      expect(delta.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 5);
      expect(values(csv, "menu_size")).toEqual(N);
      values(csv, "y").forEach((y, m) => {
        expect(Number.isInteger(y)).toBe(true);
        expect(y).toBeGreaterThanOrEqual(1);
        expect(y).toBeLessThanOrEqual(N[m]);
      });
    }
  });

  it("simulator: gamma0 and gamma are drawn before gamma_size, sigma_cell after it; beta_sd scales the same draws", async () => {
    const base = simulationData(design);
    const at = (over: Record<string, number>, name: string) => simulate({ ...base, ...over }, 777, name);
    const reference = await at({}, "order-ref");
    // gamma_size_sd 0 draws no gamma_size: what comes before it is unchanged, what comes after shifts.
    const noSize = await at({ gamma_size_sd: 0, gamma_size_mean: 0.7 }, "order-nosize");
    expect(values(noSize, "gamma0")).toEqual(values(reference, "gamma0"));
    expect(values(noSize, "gamma")).toEqual(values(reference, "gamma"));
    expect(values(noSize, "gamma_size")).toEqual([0.7]);
    expect(values(noSize, "sigma_cell")).not.toEqual(values(reference, "sigma_cell"));
    // beta_sd scales the same standard normals: everything but beta (and y) is unchanged, and
    // delta, drawn after beta, too.
    const wide = await at({ beta_sd: 2 }, "order-wide");
    for (const name of ["gamma0", "gamma", "gamma_size", "sigma_cell", "log_alpha_cell", "delta"]) {
      expect(values(wide, name), name).toEqual(values(reference, name));
    }
    const beta = values(reference, "beta");
    values(wide, "beta").forEach((b, i) => expect(b).toBeCloseTo(2 * beta[i], 4));
  });

  it("inference: rejects an s that is not the centred menu size, naming the problem", async () => {
    const data = fitData(
      design,
      menuSizes(design).map(() => 1),
    );
    const s = [...(data.s as number[])];
    s[4] += 0.25;
    const dataFile = path.join(dir, "bad-s.json");
    await writeFile(dataFile, json({ ...data, s }));
    const err = await sample(inference, {
      chains: 1,
      numWarmup: 10,
      numSamples: 10,
      seed: 1,
      dataFile,
      outputDir: dir,
      outputPrefix: "bad-s",
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CmdStanRunError);
    expect((err as Error).message).toMatch(/h_m01_size: s\[5\] = .* but N_m - mean menu size = /);
  });

  it("the likelihood grouped by (cell, menu size) equals a per-problem computation from s", async () => {
    const check = await compileTestModel("h_m01_size_logdensity_check");
    const simCsv = await simulate(simulationData(design), 4242, "check");
    const gamma0 = values(simCsv, "gamma0")[0];
    const gamma = values(simCsv, "gamma");
    const sigma = values(simCsv, "sigma_cell")[0];
    const logAlpha = values(simCsv, "log_alpha_cell");
    const z = design.X.map(
      (row, j) => (logAlpha[j] - gamma0 - row.reduce((acc, x, p) => acc + x * gamma[p], 0)) / sigma,
    );
    const betaFlat = values(simCsv, "beta");
    const beta = Array.from({ length: 6 }, (_, j) =>
      Array.from({ length: 3 }, (_, k) => Array.from({ length: 2 }, (_, d) => betaFlat[j * 6 + k * 2 + d])),
    );
    const base = {
      ...fitData(design, values(simCsv, "y")),
      gamma,
      gamma_size: values(simCsv, "gamma_size")[0],
      sigma_cell: sigma,
      z_alpha: z,
      beta,
      delta: values(simCsv, "delta"),
    };
    // The truth, and a huge alpha that takes the likelihood's exact log_sum_exp fallback.
    for (const [name, g0] of [
      ["truth", gamma0],
      ["huge-alpha", 7.5],
    ] as const) {
      const dataFile = path.join(dir, `check-${name}.json`);
      await writeFile(dataFile, json({ ...base, gamma0: g0 }));
      const r = await sample(check, {
        chains: 1,
        numSamples: 1,
        algorithm: "fixed_param",
        seed: 1,
        sigFigs: 18,
        dataFile,
        outputDir: dir,
        outputPrefix: `check-${name}`,
      });
      const csv = await readStanCsv(r.csvFiles[0]);
      const ll = values(csv, "ll_grouped")[0];
      expect(Number.isFinite(ll)).toBe(true);
      expect(ll).toBeLessThan(0);
      // 6 cells x 4 sizes: every (cell, size) pair occurs, so 24 groups.
      expect(values(csv, "n_groups")[0]).toBe(24);
      expect(values(csv, "abs_diff_ll")[0], name).toBeLessThan(1e-8);
    }
  });

  it("shares h_m01's functions block, and the check model shares h_m01_size's blocks verbatim", async () => {
    const block = (text: string, from: string, to: string) =>
      text.slice(text.indexOf(from), text.indexOf(to, text.indexOf(from)));
    const read = (...p: string[]) => readFile(path.join(REPO_ROOT, ...p), "utf8");
    const [h, size, check] = await Promise.all([
      read("stan", "h_m01.stan"),
      read("stan", "h_m01_size.stan"),
      read("test", "models", "h_m01_size_logdensity_check.stan"),
    ]);
    const functions = (t: string) => block(t, "functions {", "\ndata {");
    const transformedData = (t: string) => block(t, "transformed data {", "\n}\n");
    expect(functions(size).length).toBeGreaterThan(500);
    expect(functions(size)).toBe(functions(h));
    expect(functions(check)).toBe(functions(size));
    expect(transformedData(size).length).toBeGreaterThan(1000);
    expect(transformedData(check)).toBe(transformedData(size));
  });
});
