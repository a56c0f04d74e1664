/**
 * The flat simulators (stan/m_*_sim.stan) draw in the documented order (docs/flat-models.md,
 * section 3): from CmdStan 2.35 on, the same seed gives the original study's truths only in that
 * order. Checked against test/models/flat_sim_draw_order.stan, which makes those _rng calls and
 * nothing else, run with the same seed and chain id (1, as cmdstanpy passes for one chain):
 * alpha, omega or kappa, beta and delta must be the same numbers (17 significant digits: the same
 * doubles), and every choice must be categorical_rng's pick for the reference's uniform, computed
 * here by hand from the reference's parameters, uncertain problems first and risky ones after.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileModel, type CompiledModel } from "../../src/cmdstan/compile.js";
import { sample } from "../../src/cmdstan/run.js";
import { readStanCsv } from "../../src/cmdstan/stanCsv.js";
import { toStanJson } from "../../src/cmdstan/stanJson.js";
import { compileTestModel, testCmdStan } from "../helpers/cmdstan.js";
import {
  FLAT_INT_KEYS,
  FLAT_MODELS,
  at,
  categoricalFromUniform,
  flatQuantities,
  isRisky,
  rows,
  secondScalar,
  simData,
  simHyperparameters,
  stanPath,
  tinyDesign,
  vec,
  type FlatDesign,
  type FlatModel,
} from "../helpers/flatModels.js";

describe("the flat simulators draw in the documented order", () => {
  let dir: string;
  let reference: CompiledModel;
  const sims: Partial<Record<FlatModel, CompiledModel>> = {};

  beforeAll(async () => {
    const install = await testCmdStan();
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-flat-sim-order-"));
    reference = await compileTestModel("flat_sim_draw_order");
    for (const model of FLAT_MODELS) sims[model] = await compileModel(install, stanPath(`${model}_sim`));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function oneDraw(model: CompiledModel, data: Record<string, unknown>, seed: number, prefix: string) {
    const dataFile = path.join(dir, `${prefix}.json`);
    await writeFile(dataFile, toStanJson(data, { ints: [...FLAT_INT_KEYS] }));
    const r = await sample(model, {
      chains: 1,
      numSamples: 1,
      algorithm: "fixed_param",
      seed,
      sigFigs: 17,
      refresh: 0,
      dataFile,
      outputDir: dir,
      outputPrefix: prefix,
    });
    return { csv: await readStanCsv(r.csvFiles[0]), text: await readFile(r.csvFiles[0], "utf8") };
  }

  /** The reference sequence's data for a simulator's data. */
  function referenceData(model: FlatModel, d: FlatDesign, c: number): Record<string, number> {
    const h = simHyperparameters(model, c);
    const second = secondScalar(model);
    return {
      K: d.K,
      D: d.D,
      M: d.M,
      N: isRisky(model) ? d.N : 0,
      second: second ? 1 : 0,
      alpha_mean: h.alpha_mean,
      alpha_sd: h.alpha_sd,
      second_mean: second ? h[`${second}_mean`] : 0,
      second_sd: second ? h[`${second}_sd`] : 1,
      beta_sd: h.beta_sd,
      delta_concentration: c,
    };
  }

  async function compare(model: FlatModel, d: FlatDesign, seed: number, c = 1) {
    const tag = `${model}-K${d.K}-M${d.M}-c${c}-${seed}`;
    const s = await oneDraw(sims[model]!, simData(model, d, c), seed, `sim-${tag}`);
    const r = await oneDraw(reference, referenceData(model, d, c), seed, `ref-${tag}`);
    const alpha = at(r.csv, "alpha");
    expect(at(s.csv, "alpha")).toBe(alpha);
    const second = secondScalar(model);
    if (second) expect([second, at(s.csv, second)]).toEqual([second, at(r.csv, "scale2", 1)]);
    const beta = rows(r.csv, "beta", d.K, d.D);
    expect(rows(s.csv, "beta", d.K, d.D)).toEqual(beta);
    const delta = vec(r.csv, "delta", d.K - 1);
    expect(vec(s.csv, "delta", d.K - 1)).toEqual(delta);

    // The choices, by hand: categorical_rng's pick for each reference uniform, y first, then z.
    const riskyScale =
      model === "m_2" ? at(r.csv, "scale2", 1) : model === "m_3" ? at(r.csv, "scale2", 1) * alpha : alpha;
    const q = flatQuantities(d, { alpha, riskyScale, beta, delta });
    const uY = vec(r.csv, "u_y", d.M);
    expect(vec(s.csv, "y", d.M)).toEqual(q.probs.map((p, m) => categoricalFromUniform(p, uY[m])));
    if (isRisky(model)) {
      const uZ = vec(r.csv, "u_z", d.N);
      expect(vec(s.csv, "z", d.N)).toEqual(q.riskyProbs.map((p, n) => categoricalFromUniform(p, uZ[n])));
    }
    expect(s.text).toMatch(/^# id = 1\b/m); // one chain with id=1, as cmdstanpy launches it
    return s.csv;
  }

  it.each(FLAT_MODELS)("%s_sim: the same numbers as the reference sequence, seeds 12345 and 12346", async (model) => {
    for (const seed of [12345, 12346]) await compare(model, tinyDesign(3), seed);
    await compare(model, tinyDesign(2), 12345);
  });

  it("m_03_sim: the concentration changes delta but not alpha or beta (one dirichlet call either way)", async () => {
    const c1 = await compare("m_03", tinyDesign(3), 12345, 1);
    const c5 = await compare("m_03", tinyDesign(3), 12345, 5);
    const c05 = await compare("m_03", tinyDesign(3), 12345, 0.5); // Stan's other Dirichlet algorithm (below 1)
    for (const other of [c5, c05]) {
      expect(at(other, "alpha")).toBe(at(c1, "alpha"));
      expect(rows(other, "beta", 3, 2)).toEqual(rows(c1, "beta", 3, 2));
      expect(vec(other, "delta", 2)).not.toEqual(vec(c1, "delta", 2));
    }
  });

  it("the parameters are drawn before anything that depends on the design: other designs, same truths", async () => {
    const d = tinyDesign(3);
    const fewer: FlatDesign = { ...d, M: 3, I: d.I.slice(0, 3), N: 2, J: d.J.slice(0, 2) };
    for (const model of ["m_0", "m_3"] as const) {
      const all = await compare(model, d, 2024);
      const part = await compare(model, fewer, 2024);
      for (const name of ["alpha", "beta.2.1", "delta.1"]) expect(at(part, name)).toBe(at(all, name));
      // The first problems' choices come first in the sequence, so they are shared too.
      expect(vec(part, "y", 3)).toEqual(vec(all, "y", 3));
    }
  });
});
