/**
 * One simulate-and-fit iteration of a flat recovery (docs/flat-recovery.md, "Each iteration"):
 * the steps every recovery kind shares are in ../common/fitSteps.ts; what is the flat family's
 * own is here: the true parameters in the original's layout (alpha, beta as K rows of D, delta,
 * upsilon, then omega, or kappa and omega), and the fit's data (the design's, the inference
 * model's hyperparameters, y, and z for a risky fit).
 */
import type { CompiledModel } from "../../cmdstan/compile.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import type { StanCsv } from "../../cmdstan/stanCsv.js";
import { toStanJson } from "../../cmdstan/stanJson.js";
import { flatStanData } from "../../design/flat/stanData.js";
import type { FlatDesign } from "../../design/flat/types.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import type { ReplicateFiles } from "../../pipeline/replicateFiles.js";
import type { ReplicateEnv } from "../../pipeline/replicates.js";
import { oneDraw, runRecoveryIteration } from "../common/fitSteps.js";
import { flatTruthFromSimulation } from "../common/flatTruth.js";
import type { FlatRecoveryConfig } from "./config.js";
import type { FlatModelPair } from "./modelContract.js";

export interface FlatIterationContext {
  config: FlatRecoveryConfig;
  install: CmdStanInstall;
  inference: CompiledModel;
  sim: CompiledModel;
  design: FlatDesign;
  models: FlatModelPair;
  simDataFile: string;
}

async function writeTruthAndData(ctx: FlatIterationContext, out: ReplicateFiles, simCsv: StanCsv): Promise<void> {
  const truth = flatTruthFromSimulation(simCsv, ctx.models.scalars);
  await out.put("true_parameters.json", `${JSON.stringify(truth, null, 2)}\n`);
  const choices = Object.fromEntries(ctx.models.choices.map((c) => [c, oneDraw(simCsv, c)]));
  const data = { ...flatStanData(ctx.design), ...ctx.models.fitHyperparameters, ...choices };
  await out.put("data.json", toStanJson(data, { ints: ctx.models.fitInts }));
}

export function runFlatIteration(ctx: FlatIterationContext, env: ReplicateEnv, i: number): Promise<ReplicateRecord> {
  const { models } = ctx;
  const tracked = [...models.scalars, "beta", "delta", "upsilon"];
  const summaryVariables = ctx.config.summary_variables === "all" ? undefined : models.summaryVariables;
  const writeTruth = (out: ReplicateFiles, simCsv: StanCsv) => writeTruthAndData(ctx, out, simCsv);
  return runRecoveryIteration(
    { ...ctx, simReads: models.simReads, tracked, summaryVariables, writeTruthAndData: writeTruth },
    env,
    i,
  );
}
