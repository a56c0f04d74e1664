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
import type { ModelInfo } from "../../cmdstan/modelInfo.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { trackedVariables, type ParameterNames, type TrackedVariable } from "../../analysis/trackedParameters.js";
import { simulationData, type StudyDesign } from "../../design/studyDesign.js";
import { checkModelPairData, intKeys } from "../common/modelData.js";
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
  const simData = { ...simulationData(design), ...config.sim_overrides };
  const tracked = trackedVariables(names);
  const y: TrackedVariable = { name: "y", shape: "vector", length: "M_total" };
  const origin = (name: string) =>
    name === names.alphaVar
      ? " (config alpha_var)"
      : names.extraScalars.includes(name)
        ? " (config extra_scalar_params)"
        : "";
  const { inference, sim } = await checkModelPairData(install, {
    source: config.source,
    inferenceFile: config.inference_model_path,
    simFile: config.sim_model_path,
    inferenceOutputs: tracked,
    simOutputs: [...tracked, y],
    origin,
    design,
    simData,
    simOnlyKeys: config.sim_only_keys,
    overrides: config.sim_overrides,
  });
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
