/**
 * The h_m01 models with the real CmdStan: the simulator's draw respects the supports, the
 * inference model learns gamma0 from informative data, broken data is rejected with the
 * model's message, and the per-(cell, alternative) likelihood equals a per-slot computation.
 */
import { readFile, mkdtemp, writeFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileModel, type CompiledModel } from "../../src/cmdstan/compile.js";
import { CmdStanRunError } from "../../src/util/errors.js";
import { sample } from "../../src/cmdstan/run.js";
import { readStanCsv, readStanFit, type StanCsv } from "../../src/cmdstan/stanCsv.js";
import { toStanJson } from "../../src/cmdstan/stanJson.js";
import { summarizeFit } from "../../src/analysis/summary.js";
import {
  STAN_INT_KEYS,
  fitData,
  generateStudyDesign,
  menuSizes,
  simulationData,
  type StudyDesign,
} from "../../src/design/studyDesign.js";
import { REPO_ROOT, compileTestModel, testCmdStan, firstDraw as values } from "../helpers/cmdstan.js";
import { REPORT_DESIGN_CONFIG } from "../helpers/designs.js";

const REPORT_DESIGN = REPORT_DESIGN_CONFIG;

describe("h_m01 models (real CmdStan)", () => {
  let dir: string;
  let sim: CompiledModel;
  let inference: CompiledModel;
  const json = (data: Record<string, unknown>) => toStanJson(data, { ints: [...STAN_INT_KEYS] });

  async function simulate(design: StudyDesign, seed: number, name: string): Promise<StanCsv> {
    const dataFile = path.join(dir, `${name}-sim.json`);
    await writeFile(dataFile, json(simulationData(design)));
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
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-h_m01-"));
    sim = await compileModel(install, path.join(REPO_ROOT, "stan", "h_m01_sim.stan"));
    inference = await compileModel(install, path.join(REPO_ROOT, "stan", "h_m01.stan"));
  });

  it("simulator: fixed_param draws on the [6, 3] design respect every support", async () => {
    const design = generateStudyDesign(REPORT_DESIGN, 12345);
    const N = menuSizes(design);
    for (const seed of [12345, 12346, 12347]) {
      const csv = await simulate(design, seed, `support-${seed}`);
      expect(csv.numDraws).toBe(1);
      const alpha = values(csv, "alpha");
      const logAlpha = values(csv, "log_alpha");
      expect(alpha).toHaveLength(18);
      alpha.forEach((a, j) => {
        expect(a).toBeGreaterThan(0);
        expect(Math.log(a)).toBeCloseTo(logAlpha[j], 4);
      });
      const delta = values(csv, "delta");
      expect(delta).toHaveLength(2);
      delta.forEach((d) => expect(d).toBeGreaterThanOrEqual(0));
      expect(delta[0] + delta[1]).toBeCloseTo(1, 5);
      const upsilon = values(csv, "upsilon");
      expect(upsilon[0]).toBe(0);
      expect(upsilon[2]).toBeCloseTo(1, 5);
      expect(upsilon[1]).toBeGreaterThanOrEqual(upsilon[0]);
      expect(upsilon[2]).toBeGreaterThanOrEqual(upsilon[1]);
      expect(values(csv, "sigma_cell")[0]).toBeGreaterThan(0);
      const y = values(csv, "y");
      expect(y).toHaveLength(360);
      y.forEach((v, m) => {
        expect(Number.isInteger(v)).toBe(true);
        expect(v).toBeGreaterThanOrEqual(1);
        expect(v).toBeLessThanOrEqual(N[m]);
      });
      const selected = values(csv, "selected_seu_max");
      expect(values(csv, "total_seu_max")[0]).toBe(selected.reduce((a, b) => a + b, 0));
    }
  });

  it("inference: the posterior mean of gamma0 moves from the prior mean toward the truth", async () => {
    // Informative data: alpha near exp(1.2) ~ 3.3 in both cells (the prior says exp(2.5) ~ 12),
    // where choice probabilities still change with alpha (unlike alpha > 50, where they saturate).
    const base = generateStudyDesign({ ...REPORT_DESIGN, factors: [2], reference_indices: [0], M_per_cell: 200 }, 7);
    const design: StudyDesign = { ...base, gamma0_mean: 1.2, gamma0_sd: 0.05, gamma_sd: 0.05, sigma_cell_sd: 0.02 };
    const simCsv = await simulate(design, 2024, "informative");
    const truth = values(simCsv, "gamma0")[0];
    const dataFile = path.join(dir, "informative-fit.json");
    await writeFile(dataFile, json(fitData(design, values(simCsv, "y"))));
    const run = await sample(inference, {
      chains: 2,
      numWarmup: 300,
      numSamples: 300,
      adaptDelta: 0.95,
      seed: 54321,
      dataFile,
      outputDir: dir,
      outputPrefix: "informative-fit",
    });
    const fit = await readStanFit(run.csvFiles, { variables: ["gamma0"] });
    const [g0] = summarizeFit(fit, { quantileRule: "order-statistic" }); // only the mean is read
    expect(g0.name).toBe("gamma0");
    // Moved at least half of the way from the prior mean 2.5 toward the truth (~1.2).
    expect(truth).toBeLessThan(1.4);
    expect(g0.mean).toBeLessThan(2.5 - (2.5 - truth) / 2);
    expect(g0.mean).toBeGreaterThan(truth - 0.5);
  });

  it("rejects broken data with the model's message naming the index", async () => {
    const design = generateStudyDesign(REPORT_DESIGN, 12345);
    const y = Array.from({ length: design.M_total }, () => 1);
    const cases: { name: string; edit: (d: Record<string, unknown>) => void; message: RegExp }[] = [
      {
        name: "one-alternative-menu",
        edit: (d) => {
          const I = (d.I as number[][]).map((row) => [...row]);
          const first = I[41].indexOf(1);
          I[41] = I[41].map((_, r) => (r === first ? 1 : 0));
          d.I = I;
        },
        message: /menu of problem m = 42/,
      },
      { name: "y-out-of-range", edit: (d) => ((d.y as number[])[99] = 9), message: /y\[100\] = 9 is outside 1\.\.N_m/ },
      {
        name: "cell-count",
        edit: (d) => {
          const mpc = [...(d.M_per_cell as number[])];
          mpc[6] = 21;
          d.M_per_cell = mpc;
        },
        message: /M_per_cell\[7\] = 21 but 20 problems have cell = 7/,
      },
    ];
    for (const c of cases) {
      const data = { ...fitData(design, y), y: [...y] };
      c.edit(data);
      const dataFile = path.join(dir, `${c.name}.json`);
      await writeFile(dataFile, json(data));
      const err = await sample(inference, {
        chains: 1,
        numWarmup: 10,
        numSamples: 10,
        seed: 1,
        dataFile,
        outputDir: dir,
        outputPrefix: c.name,
      }).catch((e: unknown) => e);
      expect(err, c.name).toBeInstanceOf(CmdStanRunError);
      expect((err as Error).message, c.name).toMatch(c.message);
    }
  });

  it("the per-(cell, alternative) likelihood equals a per-slot computation on the same parameters", async () => {
    const check = await compileTestModel("h_m01_logdensity_check");
    const design = generateStudyDesign(REPORT_DESIGN, 12345);
    const simCsv = await simulate(design, 12345, "check");
    const gamma0 = values(simCsv, "gamma0")[0];
    const gamma = values(simCsv, "gamma");
    const sigma = values(simCsv, "sigma_cell")[0];
    const logAlpha = values(simCsv, "log_alpha");
    // z_alpha from the simulated log_alpha: (log_alpha - gamma0 - X gamma) / sigma_cell.
    const z = design.X.map((row, j) => (logAlpha[j] - gamma0 - row.reduce((s, x, p) => s + x * gamma[p], 0)) / sigma);
    const betaFlat = values(simCsv, "beta");
    const betaVar = simCsv.variables.find((v) => v.name === "beta")!;
    expect(betaVar.dims).toEqual([18, 3, 2]);
    // columnNames are row-major over [j, k, d]: rebuild beta[j][k][d].
    const beta = Array.from({ length: 18 }, (_, j) =>
      Array.from({ length: 3 }, (_, k) => Array.from({ length: 2 }, (_, d) => betaFlat[j * 6 + k * 2 + d])),
    );
    const base = {
      ...fitData(design, values(simCsv, "y")),
      gamma,
      sigma_cell: sigma,
      z_alpha: z,
      beta,
      delta: values(simCsv, "delta"),
    };
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
      const llPair = values(csv, "ll_pair")[0];
      expect(Number.isFinite(llPair)).toBe(true);
      expect(llPair).toBeLessThan(0);
      expect(values(csv, "max_abs_diff_log_lik")[0], name).toBeLessThan(1e-9);
      expect(values(csv, "abs_diff_ll")[0], name).toBeLessThan(1e-6);
      expect(values(csv, "max_abs_diff_eta")[0], name).toBeLessThan(1e-12);
    }
  });

  it("the check model's functions block is a verbatim copy of h_m01's", async () => {
    const block = (text: string) => text.slice(text.indexOf("functions {"), text.indexOf("\ndata {"));
    const model = await readFile(path.join(REPO_ROOT, "stan", "h_m01.stan"), "utf8");
    const check = await readFile(path.join(REPO_ROOT, "test", "models", "h_m01_logdensity_check.stan"), "utf8");
    expect(block(model).length).toBeGreaterThan(500);
    expect(block(check)).toBe(block(model));
  });
});
