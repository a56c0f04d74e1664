/**
 * The flat family's prior predictive kind (docs/prior.md): a flat simulator (m_0_sim ... m_3_sim,
 * or any model with their outputs) on a flat design, its hyperparameters learnt from its declared
 * data and valued from `parameter_priors` or the original's defaults. It takes a config when the
 * config says it is flat (accepts): a flat model key (`model_path`), a flat key (`parameter_priors`,
 * `n_simulations`, `n_samples`, `study_config_path`), a flat design config (M, N, S or
 * risky_probs) or a flat design file (M, no M_total).
 */
import path from "node:path";
import { readModelInfo, type ModelInfo } from "../../cmdstan/modelInfo.js";
import {
  hyperparameterNames,
  hyperparameterValues,
  undeclaredHyperparameters,
} from "../../design/flat/hyperparameters.js";
import { flatStanData } from "../../design/flat/stanData.js";
import { flatDesignHash, prepareFlatDesign, writeFlatDesignFile } from "../../pipeline/flatDesignSetup.js";
import { writeJsonAtomic } from "../../util/atomicWrite.js";
import { isFlatRecoveryConfig } from "../common/familyKeys.js";
import type { KindStudy, PrepareContext, StudyKind } from "../studyKind.js";
import { parseFlatPriorConfig, portableFlatPriorConfig, type FlatPriorConfig } from "./flatConfig.js";
import { problemGroups, summarizeFlatPrior, type ProblemGroup } from "./flatOutputs.js";
import type { PriorOutcome } from "./outputs.js";
import { dataProblems, outputProblems, refuseSimulator, type WantedOutput } from "./simulator.js";
import { flatPriorOriginal } from "./originals.js";
import { priorStudy } from "./study.js";

/** Top-level keys only the flat prior configs have. */
const FLAT_PRIOR_KEYS = ["model_path", "parameter_priors", "n_simulations", "n_samples"];

/** Whether a prior config is the flat family's (see the module comment). */
async function acceptsFlat(raw: Record<string, unknown>, baseDir: string): Promise<boolean> {
  return FLAT_PRIOR_KEYS.some((k) => k in raw) || isFlatRecoveryConfig(raw, baseDir);
}

export const priorFlatKind: StudyKind<FlatPriorConfig, PriorOutcome> = {
  name: "prior-flat",
  command: "prior",
  accepts: acceptsFlat,
  describe: "run or resume a prior predictive analysis (hierarchical or flat family)",
  unit: "block",
  modelKey: ["model_path", "sim_model_path"],
  parseConfig: parseFlatPriorConfig,
  portableConfig: portableFlatPriorConfig,
  original: flatPriorOriginal,
  prepare: prepareFlatPrior,
};

const RISKY_DATA = ["N", "S", "x", "J"];

/** The simulator's outputs the summaries read, and its problem groups; refuses what does not fit. */
function checkSimulator(config: FlatPriorConfig, info: ModelInfo, simData: Record<string, unknown>): ProblemGroup[] {
  const wanted: WantedOutput[] = [
    { name: "alpha", dims: 0, why: "the sensitivity" },
    { name: "beta", dims: 2, why: "the K x D feature weights" },
    { name: "delta", dims: 1, why: "the utility increments" },
  ];
  const { groups, problems } = problemGroups(info);
  const why = (k: string) =>
    RISKY_DATA.includes(k)
      ? "the design has no risky problems; give N (and S) in study_design_config"
      : "not a design key";
  refuseSimulator(config.source, config.simulator_key, config.sim_model_path, [
    ...outputProblems(info, wanted),
    ...problems,
    ...dataProblems(info, simData, why),
  ]);
  return groups;
}

/** The hyperparameters: the simulator's, valued from parameter_priors or the original's defaults. */
function hyperparameters(config: FlatPriorConfig, info: ModelInfo): Record<string, number> {
  const names = hyperparameterNames(info.inputs);
  const key = `${config.source}: parameter_priors`;
  const unknown = undeclaredHyperparameters(config.priorValues, names);
  if (unknown.length) {
    refuseSimulator(
      config.source,
      "parameter_priors",
      config.sim_model_path,
      unknown.map((k) => `it has no hyperparameter ${k} (its hyperparameters: ${names.join(", ") || "none"})`),
    );
  }
  return hyperparameterValues(names, config.priorValues, { model: config.sim_model_path, key });
}

async function prepareFlatPrior(config: FlatPriorConfig, ctx: PrepareContext): Promise<KindStudy<PriorOutcome>> {
  const design = await prepareFlatDesign(config);
  const info = await readModelInfo(ctx.install, config.sim_model_path);
  const hyper = hyperparameters(config, info);
  const simData = { ...flatStanData(design), ...hyper };
  const groups = checkSimulator(config, info, simData);
  const out = config.output_dir;
  return priorStudy(
    ctx,
    config,
    { info, data: simData },
    {
      fingerprint: { family: "flat", design_hash: flatDesignHash(design), hyperparameters: hyper },
      writeSetup: async () => {
        await writeFlatDesignFile(out, design, ctx.log);
        await writeJsonAtomic(path.join(out, "hyperparameters.json"), hyper);
      },
      summarize: (read) => summarizeFlatPrior({ config, design, hyperparameters: hyper, groups, info, ...read }),
    },
  );
}
