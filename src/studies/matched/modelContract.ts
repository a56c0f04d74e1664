/**
 * What the matched study needs from its three models, learnt from `stanc --info` before anything
 * is compiled or sampled; models that cannot work are refused in one message naming the config,
 * each model's key and every problem (docs/matched.md, "Models"):
 *
 * - the simulator is risky: it declares the risky problems' data (N, S, x, J) and outputs alpha,
 *   beta, delta and both kinds of choice, y and z;
 * - the uncertain-only model (conditions A and B) declares y and none of the risky data or z;
 * - the risky model (conditions C and D) declares y, the risky data and z;
 * - both inference models output alpha (a scalar), beta (K x D) and delta (K - 1): the parameters
 *   the aggregate compares; every data key a model declares must be one the study gives it (the
 *   design's, its hyperparameters valued from sim_hyperparams or the original's defaults, the
 *   choices).
 */
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { readModelInfo, type ModelInfo } from "../../cmdstan/modelInfo.js";
import { hyperparameterNames } from "../../design/flat/hyperparameters.js";
import { flatStanData } from "../../design/flat/stanData.js";
import type { FlatDesign } from "../../design/flat/types.js";
import {
  dataProblems,
  intKeys,
  outputProblems,
  RISKY_DATA,
  refuseModelProblems,
  simHyperparameterProblems,
  valuedHyperparameters,
  type WantedOutput,
} from "../common/flatModelChecks.js";
import type { ModelRole } from "./conditions.js";
import { ROLE_KEYS, type MatchedConfig } from "./config.js";

/** The parameters the matched study records and compares, in the truth's order. */
export const MATCHED_TRACKED: readonly WantedOutput[] = [
  ["alpha", 0, "a scalar"],
  ["beta", 2, "a K x D matrix"],
  ["delta", 1, "a vector of K - 1"],
];

const CHOICES: WantedOutput[] = [
  ["y", 1, "the uncertain problems' choices"],
  ["z", 1, "the risky problems' choices"],
];

/** What one inference model is given and summarised on. */
export interface MatchedFitModel {
  info: ModelInfo;
  hyperparameters: Record<string, number>;
  ints: string[];
  /** Its parameters and the tracked outputs: what a "tracked" summary covers. */
  summaryVariables: string[];
}

export interface MatchedModels {
  sim: ModelInfo;
  simHyperparameters: Record<string, number>;
  /** The simulator's data: the design's and its hyperparameters. */
  simData: Record<string, unknown>;
  simInts: string[];
  /** The simulator outputs read: the truth and the choices. */
  simReads: string[];
  fits: Record<ModelRole, MatchedFitModel>;
}

const WHY_ROLE: Record<ModelRole, string> = {
  uncertain: "conditions A and B fit the uncertain problems alone",
  risky: "conditions C and D fit the uncertain and the risky problems together",
};

/** The simulator's problems: it must be risky and output the truth and both kinds of choice. */
function simProblems(sim: ModelInfo, simData: Record<string, unknown>, names: string[], config: MatchedConfig) {
  const notRisky = RISKY_DATA.filter((k) => !(k in sim.inputs));
  return [
    ...(notRisky.length
      ? [
          `it does not declare the risky problems' data ${notRisky.join(", ")}: it must simulate z for conditions C and D`,
        ]
      : []),
    ...outputProblems(sim, [...MATCHED_TRACKED, ...CHOICES]),
    ...dataProblems(sim.inputs, simData, "the design has no N"),
    ...simHyperparameterProblems(sim, names, config.sim_hyperparams),
  ];
}

/** An inference model's problems for its role, and what it is given. */
function fitModel(info: ModelInfo, role: ModelRole, design: FlatDesign, config: MatchedConfig) {
  const problems: string[] = [];
  const names = hyperparameterNames(info.inputs);
  const hyperparameters = valuedHyperparameters(names, config.sim_hyperparams, config[ROLE_KEYS[role]], problems);
  const riskyKeys = [...RISKY_DATA, "z"];
  const declaredRisky = riskyKeys.filter((k) => k in info.inputs);
  const wanted = role === "risky" ? ["y", ...riskyKeys] : ["y"];
  const missing = wanted.filter((k) => !(k in info.inputs));
  if (role === "uncertain" && declaredRisky.length)
    problems.push(`it declares the risky data ${declaredRisky.join(", ")}, but ${WHY_ROLE.uncertain}`);
  if (missing.length) problems.push(`it does not declare ${missing.join(", ")}, but ${WHY_ROLE[role]}`);
  problems.push(...outputProblems(info, [...MATCHED_TRACKED]));
  // The data it gets: the design's share for its role, its hyperparameters, the choices.
  const given: Record<string, unknown> = { ...flatStanData(design), ...hyperparameters, y: [], z: [] };
  const others = Object.fromEntries(Object.entries(info.inputs).filter(([k]) => !riskyKeys.includes(k) && k !== "y"));
  problems.push(...dataProblems(others, given, "the design has no N"));
  const summaryVariables = [...new Set([...Object.keys(info.parameters), ...MATCHED_TRACKED.map(([n]) => n)])];
  return { problems, model: { info, hyperparameters, ints: intKeys(info.inputs), summaryVariables } };
}

export async function checkMatchedModels(
  install: CmdStanInstall,
  config: MatchedConfig,
  design: FlatDesign,
): Promise<MatchedModels> {
  const [sim, uncertain, risky] = await Promise.all(
    [config.sim_model_path, config.uncertain_model_path, config.risky_model_path].map((f) => readModelInfo(install, f)),
  );
  const problems: string[] = [];
  const names = hyperparameterNames(sim.inputs);
  const simHyperparameters = valuedHyperparameters(names, config.sim_hyperparams, config.sim_model_path, problems);
  const simData = { ...flatStanData(design), ...simHyperparameters };
  problems.push(...simProblems(sim, simData, names, config));
  const fits = {
    uncertain: fitModel(uncertain, "uncertain", design, config),
    risky: fitModel(risky, "risky", design, config),
  };
  refuseModelProblems(config.source, [
    { key: "sim_model_path", what: "the simulator", file: config.sim_model_path, problems },
    ...(["uncertain", "risky"] as const).map((role) => ({
      key: ROLE_KEYS[role],
      what: role === "uncertain" ? "the uncertain-only model" : "the risky model",
      file: config[ROLE_KEYS[role]],
      problems: fits[role].problems,
    })),
  ]);
  return {
    sim,
    simHyperparameters,
    simData,
    simInts: intKeys(sim.inputs),
    simReads: [...MATCHED_TRACKED.map(([n]) => n), "y", "z"],
    fits: { uncertain: fits.uncertain.model, risky: fits.risky.model },
  };
}
