/**
 * One simulate-and-fit iteration of a hierarchical recovery study (docs/recovery.md, steps 1-7):
 * the steps every recovery kind shares are in ../common/fitSteps.ts; what is the hierarchical
 * family's own is here: the true parameters in the original's record shape, and the fit's data
 * (the design without the simulator's hyperparameters and sim_only_keys, plus y).
 */
import type { CompiledModel } from "../../cmdstan/compile.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import type { StanCsv } from "../../cmdstan/stanCsv.js";
import { toStanJson } from "../../cmdstan/stanJson.js";
import type { TrueParameters } from "../../analysis/recovery.js";
import { trackedVariables } from "../../analysis/trackedParameters.js";
import { fitData, type StudyDesign } from "../../design/studyDesign.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import type { ReplicateFiles } from "../../pipeline/replicateFiles.js";
import type { ReplicateEnv } from "../../pipeline/replicates.js";
import { oneDraw, runRecoveryIteration } from "../common/fitSteps.js";
import type { RecoveryConfig } from "./config.js";
import { parameterNames, type ModelPair } from "./modelContract.js";

export { iterationDir, RECORD_FILE } from "../common/fitSteps.js";

/** What every iteration of a study shares. */
export interface IterationContext {
  config: RecoveryConfig;
  install: CmdStanInstall;
  inference: CompiledModel;
  sim: CompiledModel;
  design: StudyDesign;
  /** What the models declare and read (modelContract.ts). */
  models: ModelPair;
  /** Stan JSON file of the simulator's data (design + hyperparameters), shared by all iterations. */
  simDataFile: string;
}

/**
 * The true parameters in the original's record shape: `alpha` holds alpha_var's values, `extras`
 * the extra scalars by name; upsilon is the simulator's, or cumulative_sum([0, delta]) when it
 * has none.
 */
function truthFromSimulation(csv: StanCsv, config: RecoveryConfig): TrueParameters {
  const delta = oneDraw(csv, "delta");
  const upsilon = csv.variables.some((v) => v.name === "upsilon")
    ? oneDraw(csv, "upsilon")
    : delta.reduce((acc, d) => [...acc, acc[acc.length - 1] + d], [0]);
  return {
    gamma0: oneDraw(csv, "gamma0")[0],
    gamma: oneDraw(csv, "gamma"),
    sigma_cell: oneDraw(csv, "sigma_cell")[0],
    alpha: oneDraw(csv, config.alpha_var),
    delta,
    upsilon,
    extras: Object.fromEntries(config.extra_scalar_params.map((name) => [name, oneDraw(csv, name)[0]])),
  };
}

/**
 * 2. True parameters; 3. inference data: the design without the simulator's hyperparameters and
 * sim_only_keys, plus y.
 */
async function writeTruthAndData(ctx: IterationContext, out: ReplicateFiles, simCsv: StanCsv): Promise<void> {
  const truth = truthFromSimulation(simCsv, ctx.config);
  await out.put("true_parameters.json", `${JSON.stringify(truth, null, 2)}\n`);
  const y = oneDraw(simCsv, "y");
  const dataText = toStanJson(fitData(ctx.design, y, ctx.config.sim_only_keys), { ints: ctx.models.fitInts });
  await out.put("data.json", dataText);
}

export function runIteration(ctx: IterationContext, env: ReplicateEnv, i: number): Promise<ReplicateRecord> {
  const tracked = trackedVariables(parameterNames(ctx.config)).map((v) => v.name);
  const writeTruth = (out: ReplicateFiles, simCsv: StanCsv) => writeTruthAndData(ctx, out, simCsv);
  return runRecoveryIteration(
    { ...ctx, simReads: ctx.models.simReads, tracked, writeTruthAndData: writeTruth },
    env,
    i,
  );
}
