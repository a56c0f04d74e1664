/**
 * The power study kind (docs/power.md): one cell is a loop of fits, each simulating
 * pseudo-replicated choices (the design of the config, every menu shown num_presentations times,
 * later presentations copying the first with probability rho_copy) and fitting the inference
 * model, scored on the decisions its posterior supports about the target (iteration.ts). A grid
 * of cells (grid.ts) runs every fit of every cell in one pool, priced and held to a budget
 * before anything runs (pricing.ts).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { CompiledModel } from "../../cmdstan/compile.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { sample } from "../../cmdstan/run.js";
import { toStanJson } from "../../cmdstan/stanJson.js";
import {
  pseudoReplicate,
  pseudoReplicatedSimData,
  type PseudoReplicatedDesign,
} from "../../design/pseudoReplication.js";
import { fitData } from "../../design/studyDesign.js";
import { compileStudyModels, designHash, prepareDesign, writeDesignFile } from "../../pipeline/studySetup.js";
import { writeFileAtomic, writeJsonAtomic } from "../../util/atomicWrite.js";
import { InputError, UserFacingError } from "../../util/errors.js";
import type { KindStudy, StudyKind } from "../studyKind.js";
import { POWER_CLI_OPTIONS } from "./cliOptions.js";
import { modelsFingerprint, samplerFingerprint } from "../common/recoveryConfig.js";
import { parsePowerConfig, portablePowerConfig, powerSeeds, samplerSettings, type PowerConfig } from "./config.js";
import { powerGrid } from "./grid.js";
import { iterationDirOf, RECORD_FILE, runPowerIteration, type PowerContext } from "./iteration.js";
import { checkPowerModels } from "./modelContract.js";
import { regimeA } from "./regimeA.js";
import { summarizeCell, type PowerCellOutcome } from "./report.js";
import type { PowerCellStudy } from "./cellStudy.js";
import { writeCellOutputs, type CellShape } from "./summarize.js";

export const powerKind: StudyKind<PowerConfig, PowerCellOutcome> = {
  name: "power",
  describe: "run or resume a power analysis of one cell, or a grid of cells (--cells)",
  unit: "iteration",
  modelKey: "inference_model_path",
  parseConfig: parsePowerConfig,
  portableConfig: portablePowerConfig,
  original: regimeA,
  prepare: preparePower,
  cliOptions: POWER_CLI_OPTIONS,
  grid: powerGrid,
};

/** Check the models, compile them, make the design; check the simulator takes this cell's data. */
async function preparePower(
  config: PowerConfig,
  { install, log, cachedModelsOnly, truths }: Parameters<typeof powerKind.prepare>[1],
): Promise<KindStudy<PowerCellOutcome> & PowerCellStudy> {
  const base = await prepareDesign(config);
  const rep = pseudoReplicate(base, config.num_presentations);
  const simData = pseudoReplicatedSimData(rep, config.rho_copy, config.sim_overrides);
  const models = await checkPowerModels(install, config, rep.design, simData);
  const modelFiles = [config.inference_model_path, config.sim_model_path];
  const optimise = config.stanc_o1 ? [config.inference_model_path] : [];
  const compile = { prefix: "power", log, cachedOnly: cachedModelsOnly, optimise };
  const [inference, sim] = await compileStudyModels(install, modelFiles, compile);
  const simText = toStanJson(simData, { ints: models.simInts });
  if (!cachedModelsOnly) await checkSimulatorTakes(sim, simText, config);

  const out = config.output_dir;
  const simDataFile = path.join(out, "sim_data.json");
  const ctx: PowerContext = { config, install, inference, sim, design: rep.design, simDataFile, ...models };
  const shape: CellShape = { M_total: rep.design.M_total, J: rep.design.J, n_menus: rep.replication.n_menus };
  const hashes = { inference: inference.hash, sim: sim.hash };
  return {
    count: config.n_iterations,
    chainsPerReplicate: config.n_mcmc_chains,
    workPerReplicate: config.n_mcmc_chains * (config.warmup + config.n_mcmc_samples),
    fingerprint: powerFingerprint(config, hashes, designHash(base)),
    replicateDir: (i) => iterationDirOf(out, i),
    recordName: RECORD_FILE,
    writeSetup: async () => {
      await writeDesignFile(out, base, log);
      await writeFileAtomic(simDataFile, simText);
      await writeJsonAtomic(path.join(out, "config_info.json"), { ...configInfo(config, rep, install), truths });
    },
    runReplicate: (i, env) => runPowerIteration(ctx, env, i),
    onReplicateFinished: async (records) => void (await writeCellOutputs(config, shape, records)),
    summarize: (records, wallSeconds) => summarizeCell(config, shape, records, wallSeconds),
    power: {
      config,
      shape,
      inference,
      probeData: async (dir) => {
        const file = path.join(dir, `probe-${shape.M_total}.json`);
        const y = rep.design.cell.map(() => 1);
        await writeFile(file, toStanJson(fitData(rep.design, y, config.sim_only_keys), { ints: models.fitInts }));
        return file;
      },
    },
  };
}

/**
 * One simulation of iteration 1's seed, outside the study folder: a design the simulator rejects
 * (its transformed data checks the pseudo-replication) is refused now, with the simulator's own
 * message, before any fit of any cell runs.
 */
async function checkSimulatorTakes(sim: CompiledModel, simText: string, config: PowerConfig): Promise<void> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "cr-power-check-"));
  try {
    const dataFile = path.join(dir, "sim_data.json");
    await writeFile(dataFile, simText);
    const seed = powerSeeds(config, 1).sim;
    await sample(sim, { chains: 1, numSamples: 1, algorithm: "fixed_param", seed, dataFile, outputDir: dir });
  } catch (err) {
    if (!(err instanceof UserFacingError)) throw err;
    throw new InputError(
      `${config.source}: the simulator ${config.sim_model_path} rejects the data of this cell ` +
        `(M_per_cell ${JSON.stringify(config.study_design_config?.M_per_cell ?? "from study_design_path")}, ` +
        `rho_copy ${config.rho_copy}, num_presentations ${config.num_presentations}); nothing was run. ` +
        `Its message: ${err.message}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * Everything that decides a cell's results; its folder is refused to another. n_iterations is
 * left out (iteration i depends only on i, so a cell can be extended). The key order is part of
 * the hash every record carries: keep it.
 */
export function powerFingerprint(
  c: PowerConfig,
  modelHashes: { inference: string; sim: string },
  designHashValue: string,
): Record<string, unknown> {
  return {
    ...samplerFingerprint(c),
    num_presentations: c.num_presentations,
    rho_copy: c.rho_copy,
    sim_overrides: c.sim_overrides,
    sim_only_keys: c.sim_only_keys,
    decisions: { target: c.target, ci_prob: c.ci_prob, rope: c.rope },
    ...modelsFingerprint(c, modelHashes, designHashValue),
  };
}

/** config_info.json: the cell's design, then the run's settings. */
function configInfo(config: PowerConfig, rep: PseudoReplicatedDesign, install: CmdStanInstall) {
  const { J, K, P, M_total } = rep.design;
  return {
    J,
    K,
    P,
    n_menus: rep.replication.n_menus,
    num_presentations: config.num_presentations,
    M_total,
    rho_copy: config.rho_copy,
    n_iterations: config.n_iterations,
    sampler: { ...samplerSettings(config), max_treedepth: config.max_treedepth ?? null },
    seed: config.seed,
    target: config.target,
    ci_prob: config.ci_prob,
    rope: config.rope,
    sim_overrides: config.sim_overrides,
    sim_only_keys: config.sim_only_keys,
    cmdstan_version: install.version,
    models: { inference: config.inference_model_path, simulator: config.sim_model_path },
  };
}
