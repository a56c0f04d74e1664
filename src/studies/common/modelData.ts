/**
 * Checks a simulate-and-fit study makes of its pair of models with `stanc --info`, before
 * anything is compiled or sampled (recovery and power alike): the outputs it reads exist with the
 * right shape, every data key a model declares is in the data it will get (and if not, why not),
 * and every sim_overrides key is a scalar the simulator declares. All problems are gathered into
 * one message naming the config key and the model file.
 */
import type { TrackedVariable } from "../../analysis/trackedParameters.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { readModelInfo, type ModelInfo } from "../../cmdstan/modelInfo.js";
import {
  designDataRole,
  fitData,
  MENU_SIZES_ONLY,
  SIM_HYPERPARAMETER_KEYS,
  type StudyDesign,
} from "../../design/studyDesign.js";
import { InputError } from "../../util/errors.js";

export type Declared = Record<string, { type: string; dimensions: number }>;

function describeShape(v: TrackedVariable): string {
  return v.shape === "scalar" ? "a scalar" : `a vector of ${v.length}`;
}

/** Problems with the outputs `wanted` of one model; `origin(name)` says which config key named one. */
export function outputProblems(info: ModelInfo, wanted: TrackedVariable[], origin: (name: string) => string): string[] {
  const declared: Declared = { ...info.parameters, ...info.transformedParameters, ...info.generatedQuantities };
  const problems: string[] = [];
  for (const v of wanted) {
    const d = declared[v.name];
    const dims = v.shape === "scalar" ? 0 : 1;
    if (!d) problems.push(`it does not output ${v.name}${origin(v.name)}, ${describeShape(v)}`);
    else if (d.dimensions !== dims) {
      problems.push(
        `its output ${v.name}${origin(v.name)} has ${d.dimensions} dimension(s), expected ${describeShape(v)}`,
      );
    }
  }
  return problems;
}

/** Why a data key a model declares is absent from the data it is given. */
function whyAbsent(key: string, simOnlyKeys: readonly string[], forFit: boolean): string {
  if (forFit && simOnlyKeys.includes(key)) return "sim_only_keys removes it from the fit's data";
  const isFiveHyper = SIM_HYPERPARAMETER_KEYS.some((k) => k === key);
  if (forFit && isFiveHyper) return "simulator hyperparameters are removed from the fit's data";
  if (!isFiveHyper && designDataRole(key) !== undefined) return MENU_SIZES_ONLY;
  return forFit
    ? "neither the design nor the simulator's y provides it"
    : "the design does not make it; sim_overrides can supply a scalar";
}

/** Data keys a model declares that `data` lacks, each with the reason. */
export function dataProblems(
  inputs: Declared,
  data: Record<string, unknown>,
  simOnlyKeys: readonly string[],
  forFit: boolean,
): string[] {
  return Object.keys(inputs)
    .filter((k) => !(k in data))
    .map(
      (k) =>
        `it declares data ${k}, which ${forFit ? "the fit" : "the simulation"} does not get (${whyAbsent(k, simOnlyKeys, forFit)})`,
    );
}

/** sim_overrides keys the simulator does not declare as a scalar of the right type. */
export function overrideProblems(inputs: Declared, overrides: Record<string, number>): string[] {
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

/** Data keys a model declares as int (for toStanJson's `ints`). */
export const intKeys = (inputs: Declared) => Object.keys(inputs).filter((k) => inputs[k].type === "int");

/** What a simulate-and-fit study asks of its pair of models. */
export interface ModelPairRequest {
  /** The config file, for messages. */
  source: string;
  inferenceFile: string;
  simFile: string;
  /** Outputs each model must have; `origin(name)` names the config key that asked for one. */
  inferenceOutputs: TrackedVariable[];
  simOutputs: TrackedVariable[];
  origin: (name: string) => string;
  /** The fit's data without y, and the simulator's data (sim_overrides applied). */
  design: StudyDesign;
  simData: Record<string, unknown>;
  simOnlyKeys: readonly string[];
  overrides: Record<string, number>;
}

/**
 * Read both models with stanc --info and check them against the request; throws one InputError
 * listing every problem of both, naming inference_model_path and sim_model_path.
 */
export async function checkModelPairData(
  install: CmdStanInstall,
  q: ModelPairRequest,
): Promise<{ inference: ModelInfo; sim: ModelInfo }> {
  const [inference, sim] = await Promise.all([
    readModelInfo(install, q.inferenceFile),
    readModelInfo(install, q.simFile),
  ]);
  // Only the keys of the fit's data matter here; a placeholder y stands for the simulated one.
  const fitKeys = fitData(
    q.design,
    q.design.cell.map(() => 1),
    q.simOnlyKeys,
  );
  const paragraphs = [
    {
      key: "inference_model_path",
      role: "inference model",
      file: q.inferenceFile,
      problems: [
        ...outputProblems(inference, q.inferenceOutputs, q.origin),
        ...dataProblems(inference.inputs, fitKeys, q.simOnlyKeys, true),
      ],
    },
    {
      key: "sim_model_path",
      role: "simulator",
      file: q.simFile,
      problems: [
        ...outputProblems(sim, q.simOutputs, q.origin),
        ...dataProblems(sim.inputs, q.simData, q.simOnlyKeys, false),
        ...overrideProblems(sim.inputs, q.overrides),
      ],
    },
  ]
    .filter((m) => m.problems.length)
    .map((m) => `${m.key}: the ${m.role} ${m.file} does not fit this study:\n  - ${m.problems.join("\n  - ")}`);
  if (paragraphs.length) throw new InputError(`${q.source}: ${paragraphs.join(`\n${q.source}: `)}`);
  return { inference, sim };
}
