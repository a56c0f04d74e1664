/**
 * What the matched study learns from its three models (stanc --info of the real CmdStan, nothing
 * compiled), and the models it refuses before any CmdStan run, naming the config, each model's
 * key and every problem: a simulator that is not risky, an uncertain-only model that takes risky
 * data, a risky model that does not, a missing tracked output, data nobody gives.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFlatDesignConfig } from "../../../src/design/flat/config.js";
import { generateFlatDesign } from "../../../src/design/flat/generate.js";
import { matchedKind } from "../../../src/studies/matched/kind.js";
import { checkMatchedModels } from "../../../src/studies/matched/modelContract.js";
import { loadStudyConfig } from "../../../src/studies/runStudy.js";
import { InputError } from "../../../src/util/errors.js";
import { testCmdStan } from "../../helpers/cmdstan.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const stan = (name: string) => path.join(ROOT, "stan", `${name}.stan`);
const DESIGN = { M: 8, N: 8, K: 3, D: 2, R: 6, S: 5 };
const design = generateFlatDesign(parseFlatDesignConfig(DESIGN), 1);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "cr-matchedcontract-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function check(models: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
  const file = path.join(dir, `config-${Math.random().toString(36).slice(2)}.json`);
  await writeFile(file, JSON.stringify({ study_design_config: DESIGN, ...models, ...extra }));
  const config = await loadStudyConfig(matchedKind, file);
  return { config, result: checkMatchedModels(await testCmdStan(), config, design) };
}

async function refusal(models: Record<string, string>, extra: Record<string, unknown> = {}): Promise<string> {
  const { config, result } = await check(models, extra);
  const err = await result.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(InputError);
  const message = (err as Error).message;
  expect(message.startsWith(`${config.source}: `)).toBe(true);
  return message;
}

/** A copy of stan/<name>.stan in the test folder with `edit` applied. */
async function edited(name: string, edit: (text: string) => string): Promise<string> {
  const file = path.join(dir, `${name}_${Math.random().toString(36).slice(2, 8)}.stan`);
  await writeFile(file, edit(await readFile(stan(name), "utf8")));
  return file;
}

describe("learnt from the models", () => {
  it("the defaults: the simulator's hyperparameters, the choices read, what each fit is summarised on", async () => {
    const models = await (await check()).result;
    expect(models.simHyperparameters).toEqual({ alpha_mean: 0, alpha_sd: 1, beta_sd: 1 });
    expect(models.simData).toMatchObject({ M: 8, N: 8, S: 5, alpha_mean: 0 });
    expect(models.simReads).toEqual(["alpha", "beta", "delta", "y", "z"]);
    expect(models.fits.uncertain.summaryVariables).toEqual(["alpha", "beta", "delta"]);
    expect(models.fits.uncertain.ints).toEqual(["M", "K", "D", "R", "I", "y"]);
    expect(models.fits.risky.ints).toEqual(["M", "K", "D", "R", "I", "y", "N", "S", "J", "z"]);
    expect(models.fits.risky.hyperparameters).toEqual({});
  });

  it("a swapped-in uncertain-only model gets its own hyperparameters (m_03: delta_concentration)", async () => {
    const models = await (
      await check({ uncertain_model_path: stan("m_03") }, { sim_hyperparams: { delta_concentration: 4 } })
    ).result.catch((e: Error) => e);
    // The simulator declares no delta_concentration, so the key is refused for it, by name.
    expect((models as Error).message).toContain(
      "sim_hyperparams.delta_concentration: the simulator declares no data delta_concentration",
    );
    const byDefault = await (await check({ uncertain_model_path: stan("m_03") })).result;
    expect(byDefault.fits.uncertain.hyperparameters).toEqual({ delta_concentration: 1 });
  });
});

describe("refused before any CmdStan run", () => {
  it("a simulator without risky problems, an uncertain-only model with them, a risky model without", async () => {
    const message = await refusal({
      sim_model_path: stan("m_0_sim"),
      uncertain_model_path: stan("m_1"),
      risky_model_path: stan("m_0"),
    });
    expect(message).toContain(
      `sim_model_path: the simulator ${stan("m_0_sim")} does not fit this study:\n` +
        "  - it does not declare the risky problems' data N, S, x, J: it must simulate z for conditions C and D\n" +
        "  - it does not output z, the risky problems' choices",
    );
    expect(message).toContain(
      `uncertain_model_path: the uncertain-only model ${stan("m_1")} does not fit this study:\n` +
        "  - it declares the risky data N, S, x, J, z, but conditions A and B fit the uncertain problems alone",
    );
    expect(message).toContain(
      `risky_model_path: the risky model ${stan("m_0")} does not fit this study:\n` +
        "  - it does not declare N, S, x, J, z, but conditions C and D fit the uncertain and the risky problems together",
    );
  });

  it("a model without a tracked output, and one declaring data nobody gives", async () => {
    const noDelta = await edited("m_0", (t) => t.replace(/\bdelta\b/g, "increments"));
    const extraData = await edited("m_1", (t) =>
      t.replace("array[N] int<lower=1> z;", "array[N] int<lower=1> z;\n  vector[N] weight;"),
    );
    const message = await refusal({ uncertain_model_path: noDelta, risky_model_path: extraData });
    expect(message).toMatch(
      /uncertain_model_path: .* does not fit this study:\n {2}- it does not output delta, a vector of K - 1/,
    );
    expect(message).toMatch(
      /risky_model_path: .* does not fit this study:\n {2}- it declares data weight, which neither the design, the hyperparameters nor the choices provide/,
    );
    expect(message).not.toContain("sim_model_path");
  });
});
