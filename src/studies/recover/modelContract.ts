/**
 * What a recovery study needs from its pair of models, checked with `stanc --info` before
 * anything is compiled or sampled, so a swapped-in model that cannot work is refused in one
 * message naming the model file and everything missing:
 *
 * - the inference model outputs every tracked variable (gamma0, gamma, the extra scalars,
 *   sigma_cell, alpha_var, delta) with the right shape, and every data key it declares is in the
 *   fit data (the design data minus the simulator hyperparameters and sim_only_keys, plus y);
 * - the simulator outputs the tracked variables and y, and every data key it declares is in the
 *   simulation data (the design data with sim_overrides applied);
 * - every sim_overrides key is a scalar the simulator declares as data.
 *
 * The check also says which data keys each model declares as int, for the Stan JSON writer.
 */
import { readModelInfo, type ModelInfo } from "../../cmdstan/modelInfo.js";
import { InputError } from "../../util/errors.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { trackedVariables, type ParameterNames, type TrackedVariable } from "../../analysis/trackedParameters.js";
import {
  designDataRole,
  fitData,
  MENU_SIZES_ONLY,
  SIM_HYPERPARAMETER_KEYS,
  simulationData,
  type StudyDesign,
} from "../../design/studyDesign.js";
import type { RecoveryConfig } from "./config.js";

export interface ModelPair {
  inference: ModelInfo;
  sim: ModelInfo;
  /** The simulator's data: the design data with sim_overrides applied. */
  simData: Record<string, unknown>;
  /** Data keys each model declares as int (for toStanJson's `ints`). */
  simInts: string[];
  fitInts: string[];
  /** The simulator outputs read for the truth: the tracked variables, y, and upsilon when it has one. */
  simReads: string[];
}

/** The config's names of the tracked outputs. */
export function parameterNames(config: Pick<RecoveryConfig, "alpha_var" | "extra_scalar_params">): ParameterNames {
  return { alphaVar: config.alpha_var, extraScalars: config.extra_scalar_params };
}

type Declared = Record<string, { type: string; dimensions: number }>;

function describeTracked(v: TrackedVariable): string {
  return v.shape === "scalar" ? "a scalar" : `a vector of ${v.length}`;
}

/** Problems with the tracked outputs (and y, for the simulator) of one model. */
function outputProblems(info: ModelInfo, wanted: TrackedVariable[], names: ParameterNames): string[] {
  const declared: Declared = { ...info.parameters, ...info.transformedParameters, ...info.generatedQuantities };
  const origin = (name: string) =>
    name === names.alphaVar
      ? " (config alpha_var)"
      : names.extraScalars.includes(name)
        ? " (config extra_scalar_params)"
        : "";
  const problems: string[] = [];
  for (const v of wanted) {
    const d = declared[v.name];
    const dims = v.shape === "scalar" ? 0 : 1;
    if (!d) problems.push(`it does not output ${v.name}${origin(v.name)}, ${describeTracked(v)}`);
    else if (d.dimensions !== dims) {
      problems.push(
        `its output ${v.name}${origin(v.name)} has ${d.dimensions} dimension(s), expected ${describeTracked(v)}`,
      );
    }
  }
  return problems;
}

/** Why a data key a model declares is absent from the data it is given. */
function whyAbsent(key: string, config: RecoveryConfig, forFit: boolean): string {
  if (forFit && config.sim_only_keys.includes(key)) return "sim_only_keys removes it from the fit's data";
  const isFiveHyper = SIM_HYPERPARAMETER_KEYS.some((k) => k === key);
  if (forFit && isFiveHyper) return "simulator hyperparameters are removed from the fit's data";
  if (!isFiveHyper && designDataRole(key) !== undefined) return MENU_SIZES_ONLY;
  return forFit
    ? "neither the design nor the simulator's y provides it"
    : "the design does not make it; sim_overrides can supply a scalar";
}

function dataProblems(
  inputs: Declared,
  data: Record<string, unknown>,
  config: RecoveryConfig,
  forFit: boolean,
): string[] {
  return Object.keys(inputs)
    .filter((k) => !(k in data))
    .map(
      (k) =>
        `it declares data ${k}, which ${forFit ? "the fit" : "the simulation"} does not get (${whyAbsent(k, config, forFit)})`,
    );
}

function overrideProblems(inputs: Declared, overrides: Record<string, number>): string[] {
  const problems: string[] = [];
  for (const [k, v] of Object.entries(overrides)) {
    const d = inputs[k];
    if (!d)
      problems.push(
        `sim_overrides.${k}: the simulator declares no data ${k} (its data: ${Object.keys(inputs).join(", ")})`,
      );
    else if (d.dimensions !== 0) problems.push(`sim_overrides.${k}: the simulator's ${k} is not a scalar`);
    else if (d.type === "int" && !Number.isInteger(v))
      problems.push(`sim_overrides.${k}: the simulator declares ${k} int, got ${v}`);
  }
  return problems;
}

const intKeys = (inputs: Declared) => Object.keys(inputs).filter((k) => inputs[k].type === "int");

/** Check both models against the config and the design; throws one InputError listing every problem. */
export async function checkModelPair(
  install: CmdStanInstall,
  config: RecoveryConfig,
  design: StudyDesign,
): Promise<ModelPair> {
  const names = parameterNames(config);
  const [inference, sim] = await Promise.all([
    readModelInfo(install, config.inference_model_path),
    readModelInfo(install, config.sim_model_path),
  ]);
  const simData = { ...simulationData(design), ...config.sim_overrides };
  // Only the keys of the fit's data matter here; a placeholder y stands for the simulated one.
  const fitKeys = fitData(
    design,
    design.cell.map(() => 1),
    config.sim_only_keys,
  );
  const tracked = trackedVariables(names);
  const y: TrackedVariable = { name: "y", shape: "vector", length: "M_total" };

  const inferenceProblems = [
    ...outputProblems(inference, tracked, names),
    ...dataProblems(inference.inputs, fitKeys, config, true),
  ];
  const simProblems = [
    ...outputProblems(sim, [...tracked, y], names),
    ...dataProblems(sim.inputs, simData, config, false),
    ...overrideProblems(sim.inputs, config.sim_overrides),
  ];
  const paragraphs: string[] = [];
  if (inferenceProblems.length) {
    paragraphs.push(
      `inference_model_path: the inference model ${config.inference_model_path} does not fit this study:\n  - ${inferenceProblems.join("\n  - ")}`,
    );
  }
  if (simProblems.length) {
    paragraphs.push(
      `sim_model_path: the simulator ${config.sim_model_path} does not fit this study:\n  - ${simProblems.join("\n  - ")}`,
    );
  }
  if (paragraphs.length) throw new InputError(`${config.source}: ${paragraphs.join(`\n${config.source}: `)}`);

  const simOutputs = new Set(sim.outputs);
  return {
    inference,
    sim,
    simData,
    simInts: intKeys(sim.inputs),
    fitInts: intKeys(inference.inputs),
    simReads: [...tracked.map((v) => v.name), ...(simOutputs.has("upsilon") ? ["upsilon"] : []), "y"],
  };
}
