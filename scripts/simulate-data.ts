/**
 * A data file for `cmdstan-recover estimate`, simulated by one of our flat simulators: a flat
 * design generated from a design config and a seed, one fixed_param draw of the simulator (the
 * original's default hyperparameters unless given), and the design's Stan data with the drawn
 * choices y (and z for risky simulators) written as Stan JSON, in the keys the users' real data
 * files hold. The tests use it (the users' own data file is not in their repository), and
 * configs/data/ holds one made with it:
 *
 *   npx tsx scripts/simulate-data.ts --sim stan/m_0_sim.stan --design '{"M": 20}' --seed 7 --out FILE
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";
import { compileModel } from "../src/cmdstan/compile.js";
import { locateCmdStan, type CmdStanInstall } from "../src/cmdstan/locate.js";
import { readModelInfo } from "../src/cmdstan/modelInfo.js";
import { sample } from "../src/cmdstan/run.js";
import { readStanCsv } from "../src/cmdstan/stanCsv.js";
import { writeStanJson } from "../src/cmdstan/stanJson.js";
import { parseFlatDesignConfig, RISKY_PROBS_DEFAULTS } from "../src/design/flat/config.js";
import { generateFlatDesign } from "../src/design/flat/generate.js";
import { hyperparameterNames, hyperparameterValues } from "../src/design/flat/hyperparameters.js";
import { FLAT_STAN_INT_KEYS, flatStanData } from "../src/design/flat/stanData.js";

export interface SimulateDataOptions {
  install: CmdStanInstall;
  /** The simulator (.stan). */
  sim: string;
  /** A flat design config (study_design_config's keys). */
  design: Record<string, unknown>;
  seed: number;
  /** The data file to write. */
  out: string;
  hyperparameters?: Record<string, number>;
}

/** Writes the data file; returns the data written. */
export async function simulateDataFile(opts: SimulateDataOptions): Promise<Record<string, unknown>> {
  const config = parseFlatDesignConfig(opts.design, { riskyProbsDefault: RISKY_PROBS_DEFAULTS.configDrivers });
  const design = generateFlatDesign(config, opts.seed);
  const info = await readModelInfo(opts.install, opts.sim);
  const names = hyperparameterNames(info.inputs);
  const hyper = hyperparameterValues(names, opts.hyperparameters ?? {}, { model: opts.sim, key: "hyperparameters" });
  const model = await compileModel(opts.install, opts.sim);
  const tmp = await mkdtemp(path.join(os.tmpdir(), "cr-simulate-"));
  try {
    const simData = path.join(tmp, "sim_data.json");
    await writeStanJson(simData, { ...flatStanData(design), ...hyper }, { ints: FLAT_STAN_INT_KEYS });
    const run = await sample(model, {
      chains: 1,
      numSamples: 1,
      algorithm: "fixed_param",
      seed: opts.seed,
      dataFile: simData,
      outputDir: tmp,
    });
    const csv = await readStanCsv(run.csvFiles[0], {
      variables: ["y", "z"].filter((v) => v in info.generatedQuantities),
    });
    const choices = Object.fromEntries(csv.variables.map((v) => [v.name, v.columnNames.map((c) => csv.draws[c][0])]));
    const data = { ...flatStanData(design), ...choices };
    await writeStanJson(opts.out, data, { ints: FLAT_STAN_INT_KEYS });
    return data;
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      sim: { type: "string" },
      design: { type: "string", default: "{}" },
      seed: { type: "string", default: "1" },
      out: { type: "string" },
    },
  });
  if (!values.sim || !values.out)
    throw new Error("usage: simulate-data.ts --sim FILE.stan --out FILE [--design JSON] [--seed N]");
  await simulateDataFile({
    install: await locateCmdStan(),
    sim: path.resolve(values.sim),
    design: JSON.parse(values.design) as Record<string, unknown>,
    seed: Number(values.seed),
    out: path.resolve(values.out),
  });
  process.stdout.write(`wrote ${values.out}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
