/**
 * What a flat recovery needs from its pair of models, learnt from `stanc --info` before anything
 * is compiled or sampled; a pair that cannot work is refused in one message naming the config,
 * the model file and every problem (docs/flat-recovery.md, "Models"):
 *
 * - the inference model outputs alpha (a scalar), beta (a K x D matrix), delta and upsilon
 *   (vectors), and maybe kappa and omega (scalars): those are tracked;
 * - the simulator outputs the same and the choices y (and z, for the fit of a risky model);
 * - the simulator's data are the design's plus its hyperparameters (the scalar data that are not
 *   design keys), valued from sim_hyperparams or the original's defaults; a sim_hyperparams key
 *   it does not declare is refused;
 * - the fit's data are the design's, the inference model's own hyperparameters (m_03's
 *   delta_concentration: from sim_hyperparams, else the default) and the choices; every data
 *   key a model declares must be there, and a risky model needs a design with risky problems.
 */
import { FLAT_SCALARS } from "../../analysis/flatRecovery.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { readModelInfo, type ModelInfo } from "../../cmdstan/modelInfo.js";
import {
  hyperparameterNames,
  hyperparameterValues,
  undeclaredHyperparameters,
} from "../../design/flat/hyperparameters.js";
import { flatStanData } from "../../design/flat/stanData.js";
import type { FlatDesign } from "../../design/flat/types.js";
import { InputError } from "../../util/errors.js";
import type { FlatRecoveryConfig } from "./config.js";

export interface FlatModelPair {
  inference: ModelInfo;
  sim: ModelInfo;
  /** The tracked sensitivity scalars, in tracking order (alpha; kappa, omega where the model has them). */
  scalars: string[];
  /** The simulator's hyperparameters and the inference model's, with the values used. */
  simHyperparameters: Record<string, number>;
  fitHyperparameters: Record<string, number>;
  /** The simulator's data: the design's and its hyperparameters. */
  simData: Record<string, unknown>;
  /** The simulated choices the fit gets: y, and z when the inference model declares it. */
  choices: string[];
  simInts: string[];
  fitInts: string[];
  /** The simulator outputs read: the tracked variables and the choices. */
  simReads: string[];
  /** The inference model's parameters and tracked outputs: what a "tracked" summary covers. */
  summaryVariables: string[];
}

type Declared = ModelInfo["inputs"];

const RISKY_DATA = ["N", "S", "x", "J"];
const outputsOf = (info: ModelInfo): Declared => ({
  ...info.parameters,
  ...info.transformedParameters,
  ...info.generatedQuantities,
});
const intKeys = (inputs: Declared) => Object.keys(inputs).filter((k) => inputs[k].type === "int");

/** The outputs a model must have, by name and number of dimensions. */
function outputProblems(info: ModelInfo, wanted: Array<[string, number, string]>): string[] {
  const declared = outputsOf(info);
  return wanted.flatMap(([name, dims, what]) => {
    const d = declared[name];
    if (!d) return [`it does not output ${name}, ${what}`];
    return d.dimensions === dims ? [] : [`its output ${name} has ${d.dimensions} dimension(s), expected ${what}`];
  });
}

/** The tracked outputs: the scalars the inference model has, beta, delta, upsilon. */
function trackedOutputs(scalars: string[]): Array<[string, number, string]> {
  return [
    ...scalars.map((s): [string, number, string] => [s, 0, "a scalar"]),
    ["beta", 2, "a K x D matrix"],
    ["delta", 1, "a vector of K - 1"],
    ["upsilon", 1, "a vector of K"],
  ];
}

/** Why the design source lacks the risky problems' data, naming the config key. */
function noRiskyProblems(config: FlatRecoveryConfig): string {
  if (config.study_design_path) return `study_design_path: ${config.study_design_path} has no risky problems`;
  if (config.study_config_path) return `study_config_path: ${config.study_config_path} has no N`;
  return "study_design_config: no N (the number of risky problems)";
}

/** Declared data the model does not get: risky data named together, the rest one by one. */
function dataProblems(inputs: Declared, data: Record<string, unknown>, config: FlatRecoveryConfig): string[] {
  const absent = Object.keys(inputs).filter((k) => !(k in data));
  const risky = absent.filter((k) => RISKY_DATA.includes(k) || k === "z");
  const problems = absent
    .filter((k) => !risky.includes(k))
    .map((k) => `it declares data ${k}, which neither the design, the hyperparameters nor the choices provide`);
  if (risky.length)
    problems.unshift(
      `it declares the risky problems' data ${risky.join(", ")}, but the design has none (${noRiskyProblems(config)})`,
    );
  return problems;
}

/** Values of `names`: sim_hyperparams, else the original's default; a name with neither is a problem. */
function valued(names: string[], given: Record<string, number>, model: string, problems: string[]) {
  try {
    return hyperparameterValues(names, given, { model, key: "sim_hyperparams" });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    problems.push(err.message);
    return {};
  }
}

function hyperparameterProblems(sim: ModelInfo, names: string[], given: Record<string, number>): string[] {
  return undeclaredHyperparameters(given, names).map((k) =>
    sim.inputs[k]
      ? `sim_hyperparams.${k}: ${k} is design data of the simulator, not a hyperparameter (set it in the design)`
      : `sim_hyperparams.${k}: the simulator declares no data ${k} (its hyperparameters: ${names.join(", ") || "none"})`,
  );
}

export async function checkFlatModelPair(
  install: CmdStanInstall,
  config: FlatRecoveryConfig,
  design: FlatDesign,
): Promise<FlatModelPair> {
  const [inference, sim] = await Promise.all([
    readModelInfo(install, config.inference_model_path),
    readModelInfo(install, config.sim_model_path),
  ]);
  const scalars = FLAT_SCALARS.filter((s) => s === "alpha" || outputsOf(inference)[s]?.dimensions === 0);
  const designData = flatStanData(design);
  const simProblems: string[] = [];
  const fitProblems: string[] = [];
  const simNames = hyperparameterNames(sim.inputs);
  const simHyperparameters = valued(simNames, config.sim_hyperparams, config.sim_model_path, simProblems);
  const fitNames = hyperparameterNames(inference.inputs);
  const fitHyperparameters = valued(fitNames, config.sim_hyperparams, config.inference_model_path, fitProblems);
  const choices = ["y", ...("z" in inference.inputs ? ["z"] : [])];
  const simData = { ...designData, ...simHyperparameters };
  const fitKeys = { ...designData, ...fitHyperparameters, ...Object.fromEntries(choices.map((c) => [c, []])) };
  const choiceOutputs = choices.map((c): [string, number, string] => [c, 1, "an array of choices"]);
  fitProblems.push(
    ...outputProblems(inference, trackedOutputs(scalars)),
    ...dataProblems(inference.inputs, fitKeys, config),
  );
  simProblems.push(
    ...outputProblems(sim, [...trackedOutputs(scalars), ...choiceOutputs]),
    ...dataProblems(sim.inputs, simData, config),
    ...hyperparameterProblems(sim, simNames, config.sim_hyperparams),
  );
  refuseProblems(config, fitProblems, simProblems);
  return {
    inference,
    sim,
    scalars,
    simHyperparameters,
    fitHyperparameters,
    simData,
    choices,
    simInts: intKeys(sim.inputs),
    fitInts: intKeys(inference.inputs),
    simReads: [...trackedOutputs(scalars).map(([name]) => name), ...choices],
    summaryVariables: [...new Set([...Object.keys(inference.parameters), ...trackedOutputs(scalars).map(([n]) => n)])],
  };
}

/** One InputError for both models' problems, a paragraph per model naming the config and its key. */
function refuseProblems(config: FlatRecoveryConfig, fitProblems: string[], simProblems: string[]): void {
  const paragraphs: string[] = [];
  if (fitProblems.length)
    paragraphs.push(
      `inference_model_path: the inference model ${config.inference_model_path} does not fit this study:\n  - ${fitProblems.join("\n  - ")}`,
    );
  if (simProblems.length)
    paragraphs.push(
      `sim_model_path: the simulator ${config.sim_model_path} does not fit this study:\n  - ${simProblems.join("\n  - ")}`,
    );
  if (paragraphs.length) throw new InputError(`${config.source}: ${paragraphs.join(`\n${config.source}: `)}`);
}
