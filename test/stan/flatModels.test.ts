/**
 * The flat model family (stan/m_*.stan, docs/flat-models.md) with the real CmdStan:
 * - every program declares the documented data, parameters and outputs, in order (stanc --info),
 *   and the siblings stay copies of m_0, m_1, m_0_sim, m_1_sim, m_0_sbc, m_1_sbc but for their
 *   documented differences;
 * - the simulators' outputs follow from their parameter draws (psi, eta, the padded per-problem
 *   arrays, choices in range, the SEU-maximiser indicator and its totals), K = 3 and K = 2;
 * - the inference models fit a simulated data set, their transformed parameters and generated
 *   quantities follow from each draw, and bad choices are rejected with a message naming the
 *   index; m_03 reads delta_concentration;
 * - the SBC models rank every documented scalar against a truth that is constant over draws
 *   and chains.
 * The simulators' draw order is checked in flatSimDrawOrder.test.ts.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileModel, type CompiledModel } from "../../src/cmdstan/compile.js";
import { readModelInfo } from "../../src/cmdstan/modelInfo.js";
import { sample } from "../../src/cmdstan/run.js";
import { readStanCsv, type StanCsv } from "../../src/cmdstan/stanCsv.js";
import { toStanJson } from "../../src/cmdstan/stanJson.js";
import { CmdStanRunError } from "../../src/util/errors.js";
import { testCmdStan } from "../helpers/cmdstan.js";
import {
  FLAT_INT_KEYS,
  FLAT_MODELS,
  at,
  atDraw,
  declared,
  drawParameters,
  fitData,
  flatQuantities,
  isRisky,
  offered,
  rows,
  sbcData,
  secondScalar,
  simData,
  stanPath,
  tinyDesign,
  vec,
  type FlatDesign,
  type FlatModel,
} from "../helpers/flatModels.js";

const KINDS = ["fit", "sim", "sbc"] as const;
const fileOf = (model: FlatModel, kind: (typeof KINDS)[number]) => (kind === "fit" ? model : `${model}_${kind}`);
const ALL = FLAT_MODELS.flatMap((m) => KINDS.map((k) => [fileOf(m, k), m, k] as const));

/** |a - b| within 1e-10, relative for large values. */
function close(a: number, b: number, what: string) {
  expect(Math.abs(a - b), `${what}: ${a} vs ${b}`).toBeLessThanOrEqual(1e-10 * Math.max(1, Math.abs(b)));
}
const sum = (v: number[]) => v.reduce((a, b) => a + b, 0);

describe("flat models: declarations", () => {
  it.each(ALL)("%s declares the documented data, parameters and outputs, in order", async (file, model, kind) => {
    const info = await readModelInfo(await testCmdStan(), stanPath(file));
    const want = declared(model, kind);
    expect(Object.keys(info.inputs)).toEqual(want.inputs);
    expect(Object.keys(info.parameters)).toEqual(want.parameters);
    expect(Object.keys(info.transformedParameters)).toEqual(want.transformedParameters);
    expect(Object.keys(info.generatedQuantities)).toEqual(want.generatedQuantities);
    const gq = info.generatedQuantities;
    if (kind === "fit") {
      for (const [name, v] of Object.entries(gq))
        if (/^(ppc_|T_obs_modal|T_rep_modal|y_pred|z_pred)/.test(name)) expect([name, v.type]).toEqual([name, "int"]);
      expect(info.transformedParameters.upsilon).toEqual({ type: "real", dimensions: 1 });
    }
    if (kind === "sbc") {
      expect(gq.pars_).toEqual({ type: "real", dimensions: 1 });
      expect(gq.ranks_).toEqual({ type: "real", dimensions: 1 });
    }
    if (kind === "sim") for (const y of ["y", "z"]) if (gq[y]) expect(gq[y]).toEqual({ type: "int", dimensions: 1 });
  });

  /** The code lines of a program (comments dropped, its own name in messages neutralised). */
  async function code(file: string): Promise<string[]> {
    const text = await readFile(stanPath(file), "utf8");
    return text
      .split("\n")
      .map((l) => l.replace(/\/\/.*$/, "").trimEnd())
      .filter((l) => l.trim() !== "")
      .map((l) => l.replaceAll(`"${file}: `, `"MODEL: `));
  }
  /** Lines of `b` that are not in `a`, and of `a` not in `b` (as multisets). */
  function changes(a: string[], b: string[]) {
    const minus = (x: string[], y: string[]) => {
      const left = [...y];
      return x.filter((l) => {
        const i = left.indexOf(l);
        if (i < 0) return true;
        left.splice(i, 1);
        return false;
      });
    };
    return { removed: minus(a, b).map((l) => l.trim()), added: minus(b, a).map((l) => l.trim()) };
  }

  it("the siblings are m_0 / m_1 but for their documented differences", async () => {
    const [m0, m1, m0Sim, m1Sim, m0Sbc, m1Sbc] = await Promise.all(
      ["m_0", "m_1", "m_0_sim", "m_1_sim", "m_0_sbc", "m_1_sbc"].map(code),
    );
    const dir = "delta ~ dirichlet(rep_vector(delta_concentration, K - 1));";
    expect(changes(m0, await code("m_01"))).toEqual({
      removed: ["alpha ~ lognormal(0, 1);"],
      added: ["alpha ~ lognormal(3.0, 0.75);"],
    });
    expect(changes(m0, await code("m_02"))).toEqual({
      removed: ["alpha ~ lognormal(0, 1);"],
      added: ["alpha ~ lognormal(3.5, 0.75);"],
    });
    expect(changes(m0, await code("m_03"))).toEqual({
      removed: ["delta ~ dirichlet(rep_vector(1, K - 1));"],
      added: ["real<lower=0> delta_concentration;", dir],
    });
    expect(changes(m1, await code("m_2"))).toEqual({
      removed: ["vector[S] u_s = alpha * eta_s;"],
      added: ["real<lower=0> omega;", "vector[S] u_s = omega * eta_s;", "omega ~ lognormal(0, 1);"],
    });
    expect(changes(m1, await code("m_3"))).toEqual({
      removed: ["vector[S] u_s = alpha * eta_s;"],
      added: [
        "real<lower=0> kappa;",
        "real<lower=0> omega = kappa * alpha;",
        "vector[S] u_s = omega * eta_s;",
        "kappa ~ lognormal(0, 0.5);",
      ],
    });
    for (const v of ["m_01_sim", "m_02_sim"])
      expect(changes(m0Sim, await code(v))).toEqual({
        removed: ["real alpha_mean;"],
        added: ["real<lower=0> alpha_mean;"],
      });
    expect(changes(m0Sim, await code("m_03_sim"))).toEqual({
      removed: ["real alpha_mean;", "delta = dirichlet_rng(rep_vector(1, K - 1));"],
      added: [
        "real<lower=0> alpha_mean;",
        "real<lower=0> delta_concentration;",
        "delta = dirichlet_rng(rep_vector(delta_concentration, K - 1));",
      ],
    });
    const riskySim = changes(m1Sim, await code("m_2_sim"));
    expect(riskySim.removed).toEqual(["real alpha_mean;", "vector[n_alt_risky[n]] p = softmax(alpha * eta_n);"]);
    expect(riskySim.added).toContain("omega = lognormal_rng(omega_mean, omega_sd);");
    expect(changes(m1Sim, await code("m_3_sim")).added).toEqual(
      expect.arrayContaining(["kappa = lognormal_rng(kappa_mean, kappa_sd);", "omega = kappa * alpha;"]),
    );
    for (const [v, prior] of [
      ["m_01_sbc", "lognormal(3.0, 0.75)"],
      ["m_02_sbc", "lognormal(3.5, 0.75)"],
    ])
      expect(changes(m0Sbc, await code(v))).toEqual({
        removed: ["real alpha_ = lognormal_rng(0, 1);", "alpha ~ lognormal(0, 1);"],
        added: [`real alpha_ = ${prior.replace("lognormal", "lognormal_rng")};`, `alpha ~ ${prior};`],
      });
    expect(changes(m0Sbc, await code("m_03_sbc"))).toEqual({
      removed: ["delta_ = dirichlet_rng(rep_vector(1, K - 1));", "delta ~ dirichlet(rep_vector(1, K - 1));"],
      added: [
        "real<lower=0> delta_concentration;",
        "delta_ = dirichlet_rng(rep_vector(delta_concentration, K - 1));",
        dir,
      ],
    });
    expect(changes(m1Sbc, await code("m_3_sbc")).added).toEqual(
      expect.arrayContaining([
        "real kappa_ = lognormal_rng(0, 0.5);",
        "real omega_ = kappa_ * alpha_;",
        "real<lower=0> omega = kappa * alpha;",
        "vector[S] u_risky = omega * (X * upsilon);",
      ]),
    );
  });
});

describe("flat models with the real CmdStan", () => {
  let dir: string;
  const exe: Record<string, CompiledModel> = {};

  beforeAll(async () => {
    const install = await testCmdStan();
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-flat-models-"));
    // One at a time: two cores, and g++ is the slow part.
    for (const [file] of ALL) exe[file] = await compileModel(install, stanPath(file));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function writeData(name: string, data: Record<string, unknown>): Promise<string> {
    const file = path.join(dir, `${name}.json`);
    await writeFile(file, toStanJson(data, { ints: [...FLAT_INT_KEYS] }));
    return file;
  }

  async function run(
    file: string,
    data: Record<string, unknown>,
    prefix: string,
    opts: { seed?: number; chains?: number; warmup?: number; draws?: number; fixed?: boolean } = {},
  ): Promise<StanCsv[]> {
    const r = await sample(exe[file], {
      chains: opts.chains ?? 1,
      numWarmup: opts.warmup ?? 150,
      numSamples: opts.draws ?? 100,
      algorithm: opts.fixed ? "fixed_param" : "hmc",
      seed: opts.seed ?? 4321,
      sigFigs: 17,
      refresh: 0,
      dataFile: await writeData(prefix, data),
      outputDir: dir,
      outputPrefix: prefix,
    });
    return Promise.all(r.csvFiles.map((f) => readStanCsv(f)));
  }

  const names = (csv: StanCsv) => csv.variables.map((v) => v.name).filter((n) => !n.endsWith("__"));
  const problemSizes = (rowsOf: number[][]) => offered(rowsOf).map((a) => a.length);

  /** A padded per-problem array against the unpadded values. */
  function checkPadded(csv: StanCsv, draw: number, name: string, want: number[][], pad: number) {
    const width = Math.max(...want.map((r) => r.length));
    want.forEach((row, m) => {
      for (let j = 1; j <= width; j++) {
        const v = atDraw(csv, draw, name, m + 1, j);
        if (j <= row.length) close(v, row[j - 1], `${name}[${m + 1},${j}]`);
        else expect([name, m + 1, j, v]).toEqual([name, m + 1, j, pad]);
      }
    });
  }

  /** Choices of one draw: in 1..sizes[m], and the SEU-maximiser indicator from the reported etas. */
  function checkChoices(csv: StanCsv, draw: number, choice: string, etas: string, sel: string, sizes: number[]) {
    const picks = sizes.map((_, m) => atDraw(csv, draw, choice, m + 1));
    const selected = sizes.map((n, m) => {
      expect(Number.isInteger(picks[m]) && picks[m] >= 1 && picks[m] <= n, `${choice}[${m + 1}] = ${picks[m]}`).toBe(
        true,
      );
      const e = Array.from({ length: n }, (_, j) => atDraw(csv, draw, etas, m + 1, j + 1));
      const want = Math.abs(e[picks[m] - 1] - Math.max(...e)) < 1e-10 ? 1 : 0;
      expect([sel, m + 1, atDraw(csv, draw, sel, m + 1)]).toEqual([sel, m + 1, want]);
      return want;
    });
    return sum(selected);
  }

  describe.each([3, 2] as const)("simulators, K = %i", (K) => {
    const d = tinyDesign(K);
    it.each(FLAT_MODELS)("%s_sim: outputs follow from the parameter draws", async (model) => {
      const [csv] = await run(`${model}_sim`, simData(model, d), `${model}_sim-K${K}`, { fixed: true, draws: 20 });
      expect(names(csv)).toEqual(declared(model, "sim").generatedQuantities);
      expect(csv.numDraws).toBe(20);
      const risky = isRisky(model);
      const alphas = new Set<number>();
      let anyUnselected = false;
      for (let i = 0; i < csv.numDraws; i++) {
        const p = drawParameters(csv, model, d, i);
        alphas.add(p.alpha);
        const q = flatQuantities(d, p);
        expect(p.alpha).toBeGreaterThan(0);
        p.delta.forEach((v) => expect(v).toBeGreaterThanOrEqual(0));
        close(sum(p.delta), 1, "sum(delta)");
        if (K === 2) expect(p.delta).toEqual([1]);
        if (model === "m_3") close(atDraw(csv, i, "omega"), atDraw(csv, i, "kappa") * p.alpha, "omega");
        q.upsilon.forEach((u, k) => close(atDraw(csv, i, "upsilon", k + 1), u, `upsilon[${k + 1}]`));
        expect(atDraw(csv, i, "upsilon", 1)).toBe(0);
        q.psi.forEach((row, t) =>
          row.forEach((v, k) => close(atDraw(csv, i, "psi", t + 1, k + 1), v, `psi[${t + 1}]`)),
        );
        const eta = risky ? "eta_uncertain" : "eta";
        q.eta.forEach((v, t) => close(atDraw(csv, i, eta, t + 1), v, `${eta}[${t + 1}]`));
        const [etas, probs, sel, total] = risky
          ? ["uncertain_etas", "uncertain_probs", "selected_seu_max_uncertain", "total_seu_max_selected_uncertain"]
          : ["problem_etas", "choice_probabilities", "selected_seu_max", "total_seu_max_selected"];
        checkPadded(csv, i, etas, q.problemEtas, -1e10);
        checkPadded(csv, i, probs, q.probs, 0);
        const nSel = checkChoices(csv, i, "y", etas, sel, problemSizes(d.I));
        anyUnselected ||= nSel < d.M;
        expect(atDraw(csv, i, total)).toBe(nSel);
        if (risky) {
          q.etaRisky.forEach((v, t) => close(atDraw(csv, i, "eta_risky", t + 1), v, `eta_risky[${t + 1}]`));
          checkPadded(csv, i, "risky_etas", q.riskyEtas, -1e10);
          checkPadded(csv, i, "risky_probs", q.riskyProbs, 0);
          const nRisky = checkChoices(csv, i, "z", "risky_etas", "selected_seu_max_risky", problemSizes(d.J));
          expect(atDraw(csv, i, "total_seu_max_selected_risky")).toBe(nRisky);
          expect(atDraw(csv, i, "total_seu_max_selected")).toBe(nSel + nRisky);
        }
      }
      expect(alphas.size).toBe(20); // every draw is a fresh draw of the parameters
      expect(anyUnselected).toBe(true); // the indicator was seen at 0 too
    });
  });

  it("a simulator refuses a problem with fewer than two alternatives, naming it", async () => {
    const d = tinyDesign(3);
    const I = d.I.map((r) => [...r]);
    I[4] = [0, 0, 1, 0, 0];
    const err = await run("m_1_sim", simData("m_1", { ...d, I }), "sim-one-alt", { fixed: true, draws: 1 }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CmdStanRunError);
    expect((err as Error).message).toMatch(/m_1_sim: problem 5 \(row I\[5\]\) offers 1 alternative\(s\)/);
  });

  /** Choices simulated by the model's simulator (one draw). */
  async function simulatedChoices(model: FlatModel, d: FlatDesign, seed: number) {
    const [csv] = await run(`${model}_sim`, simData(model, d), `${model}-data-K${d.K}-${seed}`, {
      fixed: true,
      draws: 1,
      seed,
    });
    return { y: vec(csv, "y", d.M), z: isRisky(model) ? vec(csv, "z", d.N) : [] };
  }

  /** The posterior predictive statistics of one kind of problem, from one draw's reported chi. */
  function checkPpc(
    csv: StanCsv,
    draw: number,
    chiName: string,
    sizes: number[],
    obs: number[],
    predName: string,
    suffix: string,
  ) {
    const chi = sizes.map((n, m) => Array.from({ length: n }, (_, j) => atDraw(csv, draw, chiName, m + 1, j + 1)));
    const pred = obs.map((_, m) => atDraw(csv, draw, predName, m + 1));
    pred.forEach((v, m) => expect(v >= 1 && v <= chi[m].length, `${predName}[${m + 1}] = ${v}`).toBe(true));
    const ll = (c: number[]) => sum(c.map((v, m) => Math.log(chi[m][v - 1])));
    const modal = (c: number[]) => c.filter((v, m) => chi[m][v - 1] >= Math.max(...chi[m]) - 1e-9).length;
    const prob = (c: number[]) => sum(c.map((v, m) => chi[m][v - 1]));
    const get = (n: string) => atDraw(csv, draw, n + suffix);
    close(get("T_obs_ll"), ll(obs), "T_obs_ll" + suffix);
    close(get("T_rep_ll"), ll(pred), "T_rep_ll" + suffix);
    expect(get("ppc_ll")).toBe(get("T_rep_ll") >= get("T_obs_ll") ? 1 : 0);
    expect(get("T_obs_modal")).toBe(modal(obs));
    expect(get("T_rep_modal")).toBe(modal(pred));
    expect(get("ppc_modal")).toBe(get("T_rep_modal") >= get("T_obs_modal") ? 1 : 0);
    close(get("T_obs_prob"), prob(obs), "T_obs_prob" + suffix);
    close(get("T_rep_prob"), prob(pred), "T_rep_prob" + suffix);
    expect(get("ppc_prob")).toBe(get("T_rep_prob") >= get("T_obs_prob") ? 1 : 0);
    return obs.map((v, m) => Math.log(chi[m][v - 1]));
  }

  describe.each([3, 2] as const)("inference models, K = %i", (K) => {
    const d = tinyDesign(K);
    it.each(FLAT_MODELS)(
      "%s fits a simulated data set; its transformed parameters and outputs follow from each draw",
      async (model) => {
        const { y, z } = await simulatedChoices(model, d, 77);
        const chains = await run(model, fitData(model, d, y, z), `${model}-fit-K${K}`, { chains: 2 });
        const risky = isRisky(model);
        const want = declared(model, "fit");
        for (const csv of chains) {
          expect(names(csv)).toEqual([...want.parameters, ...want.transformedParameters, ...want.generatedQuantities]);
          expect(csv.numDraws).toBe(100);
          for (const i of [0, 37, 99]) {
            const p = drawParameters(csv, model, d, i);
            const q = flatQuantities(d, p);
            expect(p.alpha).toBeGreaterThan(0);
            close(sum(p.delta), 1, "sum(delta)");
            if (model === "m_3") close(atDraw(csv, i, "omega"), atDraw(csv, i, "kappa") * p.alpha, "omega");
            q.upsilon.forEach((u, k) => close(atDraw(csv, i, "upsilon", k + 1), u, `upsilon[${k + 1}]`));
            q.psi.forEach((r, t) =>
              r.forEach((v, k) => close(atDraw(csv, i, "psi", t + 1, k + 1), v, `psi[${t + 1}]`)),
            );
            const [eta, chi] = risky ? ["eta_uncertain", "chi_uncertain"] : ["eta", "chi"];
            q.eta.forEach((v, t) => close(atDraw(csv, i, eta, t + 1), v, `${eta}[${t + 1}]`));
            checkPadded(csv, i, chi, q.probs, 0);
            const ll = checkPpc(csv, i, chi, problemSizes(d.I), y, "y_pred", risky ? "_uncertain" : "");
            const llName = risky ? "log_lik_uncertain" : "log_lik";
            ll.forEach((v, m) => close(atDraw(csv, i, llName, m + 1), v, `${llName}[${m + 1}]`));
            if (risky) {
              q.etaRisky.forEach((v, t) => close(atDraw(csv, i, "eta_risky", t + 1), v, `eta_risky[${t + 1}]`));
              checkPadded(csv, i, "chi_risky", q.riskyProbs, 0);
              const llr = checkPpc(csv, i, "chi_risky", problemSizes(d.J), z, "z_pred", "_risky");
              llr.forEach((v, n) => close(atDraw(csv, i, "log_lik_risky", n + 1), v, `log_lik_risky[${n + 1}]`));
              close(atDraw(csv, i, "log_lik_total"), sum(ll) + sum(llr), "log_lik_total");
              const g = (n: string) => atDraw(csv, i, n);
              expect(g("ppc_ll_combined")).toBe(
                g("T_rep_ll_uncertain") + g("T_rep_ll_risky") >= g("T_obs_ll_uncertain") + g("T_obs_ll_risky") ? 1 : 0,
              );
            }
          }
        }
      },
    );
  });

  it.each(FLAT_MODELS)("%s rejects bad choices and too small problems, naming the index", async (model) => {
    const d = tinyDesign(3);
    const y = [1, 2, 5, 3, 2, 4];
    const z = [2, 3, 1, 4];
    const cases: { name: string; data: Record<string, unknown>; message: RegExp }[] = [
      {
        name: "y",
        data: fitData(
          model,
          d,
          y.map((v, m) => (m === 3 ? 4 : v)),
          z,
        ),
        message: new RegExp(`${model}: y\\[4\\] = 4 is outside 1\\.\\.N_m: problem 4 offers N_m = 3 alternatives`),
      },
      {
        name: "I",
        data: fitData(model, { ...d, I: d.I.map((r, m) => (m === 1 ? [0, 1, 0, 0, 0] : r)) }, [1, 1, 1, 1, 1, 1], z),
        message: new RegExp(`${model}: problem 2 \\(row I\\[2\\]\\) offers 1 alternative\\(s\\); at least 2`),
      },
    ];
    if (isRisky(model))
      cases.push(
        {
          name: "z",
          data: fitData(model, d, y, [2, 3, 3, 4]),
          message: new RegExp(
            `${model}: z\\[3\\] = 3 is outside 1\\.\\.N'_n: risky problem 3 offers N'_n = 2 alternatives`,
          ),
        },
        {
          name: "J",
          data: fitData(model, { ...d, J: d.J.map((r, n) => (n === 3 ? [0, 0, 0, 1] : r)) }, y, [1, 1, 1, 1]),
          message: new RegExp(`${model}: risky problem 4 \\(row J\\[4\\]\\) offers 1 alternative\\(s\\)`),
        },
      );
    // The good data run.
    await expect(run(model, fitData(model, d, y, z), `${model}-good`, { warmup: 20, draws: 5 })).resolves.toHaveLength(
      1,
    );
    for (const c of cases) {
      const err = await run(model, c.data, `${model}-bad-${c.name}`, { warmup: 20, draws: 5 }).catch((e: unknown) => e);
      expect(err, c.name).toBeInstanceOf(CmdStanRunError);
      expect((err as Error).message, c.name).toMatch(c.message);
    }
  });

  it("m_03 reads delta_concentration: it is required, and it sets delta's prior", async () => {
    const d = tinyDesign(3);
    const { y } = await simulatedChoices("m_03", d, 78);
    const without = fitData("m_03", d, y);
    delete without.delta_concentration;
    const err = await run("m_03", without, "m_03-no-c", { warmup: 20, draws: 5 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CmdStanRunError);
    expect((err as Error).message).toMatch(/delta_concentration/);
    // Six problems say little about delta: the prior decides its spread.
    const sd = async (c: number) => {
      const [csv] = await run("m_03", fitData("m_03", d, y, [], c), `m_03-c${c}`, { warmup: 200, draws: 200 });
      const v = Array.from(csv.draws["delta.1"]);
      const mean = sum(v) / v.length;
      return Math.sqrt(sum(v.map((x) => (x - mean) ** 2)) / (v.length - 1));
    };
    expect(await sd(1000)).toBeLessThan(0.05); // Dirichlet(1000, 1000): sd 0.011
    expect(await sd(1)).toBeGreaterThan(0.1); // uniform on the 1-simplex: sd 0.29
  });

  describe.each([3, 2] as const)("SBC models, K = %i", (K) => {
    const d = tinyDesign(K);
    it.each(FLAT_MODELS)(
      "%s_sbc: pars_ is one truth in the documented layout; ranks_ compare each draw",
      async (model) => {
        const file = `${model}_sbc`;
        const chains = await run(file, sbcData(model, d), `${file}-K${K}`, { chains: 2, warmup: 100, draws: 40 });
        const second = secondScalar(model);
        const P = (second ? 2 : 1) + K * d.D + K - 1;
        const want = declared(model, "sbc");
        const truth = vec(chains[0], "pars_", P);
        const yTrue = vec(chains[0], "y_", d.M);
        const sizes = problemSizes(d.I);
        yTrue.forEach((v, m) => expect(v >= 1 && v <= sizes[m], `y_[${m + 1}] = ${v}`).toBe(true));
        expect(truth[0]).toBeGreaterThan(0); // alpha
        if (second) expect(truth[1]).toBeGreaterThan(0); // omega or kappa
        const deltaTrue = truth.slice(P - (K - 1));
        deltaTrue.forEach((v) => expect(v).toBeGreaterThanOrEqual(0));
        close(sum(deltaTrue), 1, "sum(delta truth)");
        for (const csv of chains) {
          expect(names(csv)).toEqual([...want.parameters, ...want.transformedParameters, ...want.generatedQuantities]);
          expect(csv.variables.find((v) => v.name === "pars_")?.dims).toEqual([P]);
          expect(csv.variables.find((v) => v.name === "ranks_")?.dims).toEqual([P]);
          for (let i = 0; i < csv.numDraws; i++) {
            // One truth: the same in every draw of every chain (transformed data), as are the choices.
            expect(vec(csv, "pars_", P, i)).toEqual(truth);
            expect(vec(csv, "y_", d.M, i)).toEqual(yTrue);
            if (isRisky(model)) expect(vec(csv, "z_", d.N, i)).toEqual(vec(chains[0], "z_", d.N));
            const p = drawParameters(csv, model, d, i);
            const draw = [p.alpha, ...(second ? [atDraw(csv, i, second)] : []), ...p.beta.flat(), ...p.delta];
            expect(vec(csv, "ranks_", P, i)).toEqual(draw.map((v, j) => (v > truth[j] ? 1 : 0)));
            if (model === "m_3") close(atDraw(csv, i, "omega"), atDraw(csv, i, "kappa") * p.alpha, "omega");
            if (!isRisky(model)) {
              const q = flatQuantities(d, p);
              q.probs.forEach((pr, m) =>
                close(atDraw(csv, i, "log_lik", m + 1), Math.log(pr[yTrue[m] - 1]), `log_lik[${m + 1}]`),
              );
            }
          }
        }
        if (isRisky(model)) {
          expect(chains[0].variables.some((v) => v.name === "log_lik")).toBe(false);
          const zTrue = vec(chains[0], "z_", d.N);
          const sizesRisky = problemSizes(d.J);
          zTrue.forEach((v, n) => expect(v >= 1 && v <= sizesRisky[n], `z_[${n + 1}] = ${v}`).toBe(true));
        }
        // Another seed, another truth.
        const [other] = await run(file, sbcData(model, d), `${file}-K${K}-other`, {
          seed: 4322,
          fixed: true,
          draws: 1,
        });
        expect(vec(other, "pars_", P)).not.toEqual(truth);
      },
    );
  });

  it("an SBC truth is not the simulator's truth for the same seed (chain 0 against chain 1)", async () => {
    const d = tinyDesign(3);
    const [sbc] = await run("m_0_sbc", sbcData("m_0", d), "sbc-vs-sim-sbc", { seed: 99, fixed: true, draws: 1 });
    const [sim] = await run("m_0_sim", simData("m_0", d), "sbc-vs-sim-sim", { seed: 99, fixed: true, draws: 1 });
    expect(at(sbc, "pars_", 1)).not.toBe(at(sim, "alpha"));
    expect(rows(sim, "beta", 3, 2).flat()).not.toEqual(vec(sbc, "pars_", 7).slice(1));
  });
});
