/**
 * The hierarchical prior predictive kind (docs/prior.md): the simulator (h_m01_sim or a model
 * with its outputs) run on the hierarchical design with the config's hyperparameters, many
 * parameter sets, a few choice draws each; the draws summarised into the original's folders
 * (hierarchicalOutputs.ts). Before anything runs, the simulator is checked with stanc --info.
 */
import path from "node:path";
import { readModelInfo } from "../../cmdstan/modelInfo.js";
import { designDataRole, MENU_SIZES_ONLY, simulationData } from "../../design/studyDesign.js";
import { portableConfig } from "../../pipeline/studyConfig.js";
import { designHash, prepareDesign, writeDesignFile } from "../../pipeline/studySetup.js";
import { writeJsonAtomic } from "../../util/atomicWrite.js";
import type { KindStudy, PrepareContext, StudyKind } from "../studyKind.js";
import { summarizeHierarchicalPrior, type PriorOutcome } from "./hierarchicalOutputs.js";
import {
  mergedHyperparameters,
  parseHierarchicalPriorConfig,
  type HierarchicalPriorConfig,
} from "./hierarchicalConfig.js";
import { dataProblems, outputProblems, refuseSimulator, valueProblems, type WantedOutput } from "./simulator.js";
import { hierarchicalPriorOriginal } from "./originals.js";
import { priorStudy } from "./study.js";

export const priorHierarchicalKind: StudyKind<HierarchicalPriorConfig, PriorOutcome> = {
  name: "prior-hierarchical",
  command: "prior",
  describe: "run or resume a prior predictive analysis (hierarchical or flat family)",
  unit: "block",
  modelKey: "sim_model_path",
  parseConfig: parseHierarchicalPriorConfig,
  portableConfig: (config, cmdstanPath) => portableConfig(config, cmdstanPath),
  original: hierarchicalPriorOriginal,
  prepare: prepareHierarchicalPrior,
};

/** The simulator outputs the summaries read. */
function wantedOutputs(alphaVar: string): WantedOutput[] {
  const param = "a parameter summarised";
  return [
    { name: "gamma0", dims: 0, why: param },
    { name: "gamma", dims: 1, why: param },
    { name: "sigma_cell", dims: 0, why: param },
    { name: alphaVar, dims: 1, why: "the per-cell sensitivity, config alpha_var" },
    { name: "delta", dims: 1, why: param },
    { name: "beta", dims: 3, why: "the cells' feature weights, one K x D matrix per cell" },
    { name: "y", dims: 1, why: "the simulated choices" },
    { name: "selected_seu_max", dims: 1, why: "whether each choice had the highest expected utility" },
  ];
}

async function prepareHierarchicalPrior(
  config: HierarchicalPriorConfig,
  ctx: PrepareContext,
): Promise<KindStudy<PriorOutcome>> {
  const design = await prepareDesign(config);
  const info = await readModelInfo(ctx.install, config.sim_model_path);
  const hyperparameters = mergedHyperparameters(config);
  const simData = { ...simulationData(design), ...hyperparameters };
  const why = (k: string) =>
    designDataRole(k) === "menu-size data" ? MENU_SIZES_ONLY : "hyperparameters can supply a scalar";
  refuseSimulator(config.source, "sim_model_path", config.sim_model_path, [
    ...outputProblems(info, wantedOutputs(config.alpha_var)),
    ...dataProblems(info, simData, why),
    ...valueProblems(info, config.hyperparameters, "hyperparameters"),
  ]);
  const out = config.output_dir;
  const fingerprint = { design_hash: designHash(design), hyperparameters, alpha_var: config.alpha_var };
  return priorStudy(
    ctx,
    config,
    { info, data: simData },
    {
      fingerprint: { family: "hierarchical", ...fingerprint },
      writeSetup: async () => {
        await writeDesignFile(out, design, ctx.log);
        await writeJsonAtomic(path.join(out, "hyperparameters.json"), hyperparameters);
      },
      summarize: (read) => {
        const hasUpsilon = "upsilon" in info.generatedQuantities;
        return summarizeHierarchicalPrior({ config, design, hyperparameters, hasUpsilon, ...read });
      },
    },
  );
}
