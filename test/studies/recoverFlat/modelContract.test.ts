/**
 * What the flat recovery learns from the models (stanc --info of the real CmdStan, nothing
 * compiled): the tracked scalars, the hyperparameters with their values, the choices; and every
 * pair that cannot work refused before any CmdStan run, naming the config, the model and the key.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFlatDesignConfig } from "../../../src/design/flat/config.js";
import { generateFlatDesign } from "../../../src/design/flat/generate.js";
import type { FlatDesign } from "../../../src/design/flat/types.js";
import type { FlatRecoveryConfig } from "../../../src/studies/recoverFlat/config.js";
import { recoverFlatKind } from "../../../src/studies/recoverFlat/kind.js";
import { checkFlatModelPair } from "../../../src/studies/recoverFlat/modelContract.js";
import { loadStudyConfig } from "../../../src/studies/runStudy.js";
import { InputError } from "../../../src/util/errors.js";
import { testCmdStan } from "../../helpers/cmdstan.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const stan = (name: string) => path.join(ROOT, "stan", `${name}.stan`);

const uncertain = generateFlatDesign(parseFlatDesignConfig({ M: 8, K: 3, D: 2, R: 6 }), 1);
const risky = generateFlatDesign(parseFlatDesignConfig({ M: 8, N: 6, K: 3, D: 2, R: 6, S: 5 }), 1);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "cr-flatcontract-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function config(model: string, sim: string, extra: Record<string, unknown> = {}): Promise<FlatRecoveryConfig> {
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  const design = { M: 8, K: 3, D: 2, R: 6, ...(extra.N ? { N: extra.N } : {}) };
  const { N: _n, ...rest } = extra;
  await writeFile(
    file,
    JSON.stringify({ inference_model_path: model, sim_model_path: sim, study_design_config: design, ...rest }),
  );
  return loadStudyConfig(recoverFlatKind, file);
}

async function check(model: string, sim: string, design: FlatDesign, extra: Record<string, unknown> = {}) {
  return checkFlatModelPair(await testCmdStan(), await config(model, sim, extra), design);
}

async function refusal(model: string, sim: string, design: FlatDesign, extra: Record<string, unknown> = {}) {
  const c = await config(model, sim, extra);
  const err = await checkFlatModelPair(await testCmdStan(), c, design).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InputError);
  const message = (err as Error).message;
  expect(message.startsWith(`${c.source}: `)).toBe(true);
  return message;
}

/** A copy of stan/<name>.stan in the test folder with `edit` applied. */
async function edited(name: string, edit: (text: string) => string): Promise<string> {
  const file = path.join(dir, `${name}_${Math.random().toString(36).slice(2, 8)}.stan`);
  await writeFile(file, edit(await readFile(stan(name), "utf8")));
  return file;
}

describe("learnt from the models", () => {
  it("m_0: alpha tracked; the simulator's three hyperparameters at the original's defaults; y", async () => {
    const pair = await check(stan("m_0"), stan("m_0_sim"), uncertain);
    expect(pair.scalars).toEqual(["alpha"]);
    expect(pair.simHyperparameters).toEqual({ alpha_mean: 0, alpha_sd: 1, beta_sd: 1 });
    expect(pair.fitHyperparameters).toEqual({});
    expect(pair.choices).toEqual(["y"]);
    expect(pair.simData).toMatchObject({ M: 8, K: 3, D: 2, R: 6, alpha_mean: 0 });
    expect(pair.summaryVariables).toEqual(["alpha", "beta", "delta", "upsilon"]);
    expect(pair.simReads).toEqual(["alpha", "beta", "delta", "upsilon", "y"]);
    expect(pair.fitInts).toEqual(["M", "K", "D", "R", "I", "y"]);
  });

  it("m_01: sim_hyperparams set the simulator's data", async () => {
    const hyper = { alpha_mean: 3.0, alpha_sd: 0.75, beta_sd: 1.0 };
    const pair = await check(stan("m_01"), stan("m_01_sim"), uncertain, { sim_hyperparams: hyper });
    expect(pair.simHyperparameters).toEqual(hyper);
    expect(pair.simData).toMatchObject(hyper);
  });

  it("m_2 tracks alpha and omega, m_3 alpha, kappa and omega (from their outputs, not their names)", async () => {
    const m2 = await check(stan("m_2"), stan("m_2_sim"), risky, { N: 6 });
    expect(m2.scalars).toEqual(["alpha", "omega"]);
    expect(m2.simHyperparameters).toEqual({ alpha_mean: 0, alpha_sd: 1, omega_mean: 0, omega_sd: 1, beta_sd: 1 });
    expect(m2.choices).toEqual(["y", "z"]);
    const m3 = await check(stan("m_3"), stan("m_3_sim"), risky, { N: 6 });
    expect(m3.scalars).toEqual(["alpha", "kappa", "omega"]);
    expect(m3.simHyperparameters).toMatchObject({ kappa_mean: 0, kappa_sd: 0.5 });
    expect(m3.summaryVariables).toEqual(["alpha", "kappa", "beta", "delta", "omega", "upsilon"]);
  });

  it("m_03: delta_concentration reaches the fit, from sim_hyperparams, else its default", async () => {
    const given = await check(stan("m_03"), stan("m_03_sim"), uncertain, {
      sim_hyperparams: { delta_concentration: 5 },
    });
    expect(given.fitHyperparameters).toEqual({ delta_concentration: 5 });
    expect(given.simHyperparameters.delta_concentration).toBe(5);
    const byDefault = await check(stan("m_03"), stan("m_03_sim"), uncertain);
    expect(byDefault.fitHyperparameters).toEqual({ delta_concentration: 1 });
  });
});

describe("refused before any CmdStan run", () => {
  it("a risky model on a design without risky problems, naming the design key", async () => {
    const message = await refusal(stan("m_1"), stan("m_1_sim"), uncertain);
    expect(message).toContain(
      "inference_model_path: the inference model " +
        `${stan("m_1")} does not fit this study:\n  - it declares the risky problems' data N, S, x, J, but the design has none (study_design_config: no N (the number of risky problems))`,
    );
    expect(message).toMatch(
      /sim_model_path: the simulator .*m_1_sim\.stan does not fit this study:\n  - it declares the risky problems' data N, S, x, J/,
    );
  });

  it("a sim_hyperparams key the simulator does not declare, and one that is design data", async () => {
    const message = await refusal(stan("m_0"), stan("m_0_sim"), uncertain, { sim_hyperparams: { gamma_sd: 1, M: 4 } });
    expect(message).toContain(
      "sim_hyperparams.gamma_sd: the simulator declares no data gamma_sd (its hyperparameters: alpha_mean, alpha_sd, beta_sd)",
    );
    expect(message).toContain("sim_hyperparams.M: M is design data of the simulator, not a hyperparameter");
  });

  it("a model declaring data the design lacks, and a hyperparameter with no default", async () => {
    const model = await edited("m_0", (t) =>
      t.replace("array[M] int<lower=1> y;", "array[M] int<lower=1> y;\n  vector[M] weight;"),
    );
    const sim = await edited("m_0_sim", (t) =>
      t.replace("real<lower=0> beta_sd;", "real<lower=0> beta_sd;\n  real tau_scale;"),
    );
    const message = await refusal(model, sim, uncertain);
    expect(message).toContain(
      "it declares data weight, which neither the design, the hyperparameters nor the choices provide",
    );
    expect(message).toContain(
      `sim_hyperparams: tau_scale (data of ${sim}) has no default; give its value in sim_hyperparams`,
    );
  });

  it("a model without a tracked output, naming it and its shape", async () => {
    const model = await edited("m_0", (t) => t.replace(/\bupsilon\b/g, "utility"));
    expect(await refusal(model, stan("m_0_sim"), uncertain)).toMatch(
      /inference_model_path: .*does not fit this study:\n {2}- it does not output upsilon, a vector of K/,
    );
  });
});
