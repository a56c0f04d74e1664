/**
 * What a power cell needs of its pair of models, checked with `stanc --info` before anything is
 * compiled or sampled (studies/common/modelData.ts): the inference model outputs the target as a
 * scalar and gets every data key it declares from the fit's data (the pseudo-replicated design
 * without the simulator's hyperparameters, the replication, rho_copy and sim_only_keys, plus y);
 * the simulator outputs the target and y and gets every data key it declares from the simulation
 * data; sim_overrides name scalars the simulator declares.
 */
import type { TrackedVariable } from "../../analysis/trackedParameters.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import type { StudyDesign } from "../../design/studyDesign.js";
import { checkModelPairData, intKeys } from "../common/modelData.js";
import type { PowerConfig } from "./config.js";

export interface PowerModels {
  simInts: string[];
  fitInts: string[];
  /** Whether the simulator outputs agreement_rate (the share of repeats that agree with their first). */
  simReportsAgreement: boolean;
}

export async function checkPowerModels(
  install: CmdStanInstall,
  config: PowerConfig,
  design: StudyDesign,
  simData: Record<string, unknown>,
): Promise<PowerModels> {
  const target: TrackedVariable = { name: config.target, shape: "scalar" };
  const y: TrackedVariable = { name: "y", shape: "vector", length: "M_total" };
  const { inference, sim } = await checkModelPairData(install, {
    source: config.source,
    inferenceFile: config.inference_model_path,
    simFile: config.sim_model_path,
    inferenceOutputs: [target],
    simOutputs: [target, y],
    origin: (name) => (name === config.target ? " (config target)" : ""),
    design,
    simData,
    simOnlyKeys: config.sim_only_keys,
    overrides: config.sim_overrides,
  });
  return {
    simInts: intKeys(sim.inputs),
    fitInts: intKeys(inference.inputs),
    simReportsAgreement: sim.generatedQuantities.agreement_rate?.dimensions === 0,
  };
}
