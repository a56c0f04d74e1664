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
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { trackedVariables, type ParameterNames, type TrackedVariable } from "../../analysis/trackedParameters.js";
import { fitData, simulationData, type StudyDesign } from "../../design/studyDesign.js";
import { dataProblems, intKeys, outputProblems, overrideProblems, refuseModelProblems } from "../shared/modelData.js";
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

  const origin = (name: string) =>
    name === names.alphaVar
      ? " (config alpha_var)"
      : names.extraScalars.includes(name)
        ? " (config extra_scalar_params)"
        : "";
  refuseModelProblems(config.source, [
    {
      key: "inference_model_path",
      role: "inference model",
      file: config.inference_model_path,
      problems: [
        ...outputProblems(inference, tracked, origin),
        ...dataProblems(inference.inputs, fitKeys, config.sim_only_keys, true),
      ],
    },
    {
      key: "sim_model_path",
      role: "simulator",
      file: config.sim_model_path,
      problems: [
        ...outputProblems(sim, [...tracked, y], origin),
        ...dataProblems(sim.inputs, simData, config.sim_only_keys, false),
        ...overrideProblems(sim.inputs, config.sim_overrides),
      ],
    },
  ]);

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
