/**
 * The parameter-recovery study kind (docs/recovery.md): check the model pair against the config
 * and the design, compile both models, make or load the design; a replicate is one
 * simulate-and-fit iteration (iteration.ts); the records reduce to the recovery statistics,
 * plots and report (summarize.ts). The engine (src/pipeline/replicates.ts) runs, resumes and
 * times it.
 */
import path from "node:path";
import { QUANTILE_RULE_LABELS, quantileRuleFor } from "../../analysis/summary.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { toStanJson } from "../../cmdstan/stanJson.js";
import type { StudyDesign } from "../../design/studyDesign.js";
import { designHash, prepareDesign, writeDesignFile } from "../../pipeline/studySetup.js";
import { writeFileAtomic, writeJsonAtomic } from "../../util/atomicWrite.js";
import type { KindStudy, PrepareContext, StudyKind } from "../studyKind.js";
import { prepareModelPair } from "../common/recoveryConfig.js";
import { parseRecoveryConfig, portableRecoveryConfig, recoveryFingerprint, type RecoveryConfig } from "./config.js";
import { recoveryReplicates } from "../common/fitSteps.js";
import { runIteration, type IterationContext } from "./iteration.js";
import { checkModelPair } from "./modelContract.js";
import { report11 } from "./report11.js";
import { summarizeRecovery, type RecoverySummary } from "./summarize.js";
import type { TruthsRecord } from "../faithfulness.js";

export const recoverKind: StudyKind<RecoveryConfig, RecoverySummary> = {
  name: "recover",
  describe: "run or resume a parameter-recovery study",
  unit: "iteration",
  modelKey: "inference_model_path",
  parseConfig: parseRecoveryConfig,
  portableConfig: portableRecoveryConfig,
  original: report11,
  prepare: prepareRecovery,
};

/** Check, compile and design: the recovery study, ready for the replicate loop. */
async function prepareRecovery(config: RecoveryConfig, prep: PrepareContext): Promise<KindStudy<RecoverySummary>> {
  const { install, log, truths } = prep;
  const { design, models, inference, sim } = await prepareModelPair(config, prep, prepareDesign, checkModelPair);
  const out = config.output_dir;
  const simDataFile = path.join(out, "sim_data.json");
  const ctx: IterationContext = { config, install, inference, sim, design, models, simDataFile };
  return {
    ...recoveryReplicates(config),
    fingerprint: recoveryFingerprint(config, { inference: inference.hash, sim: sim.hash }, designHash(design)),
    writeSetup: async () => {
      await writeDesignFile(out, design, log);
      await writeFileAtomic(simDataFile, toStanJson(models.simData, { ints: models.simInts }));
      await writeJsonAtomic(path.join(out, "config_info.json"), configInfo(config, design, install, truths));
    },
    runReplicate: (i, env) => runIteration(ctx, env, i),
    summarize: (records, wallSeconds) => summarizeRecovery({ config, install, design, truths, records, wallSeconds }),
  };
}

/** config_info.json: the original's keys (n_iterations ... M_total), then this tool's. */
function configInfo(config: RecoveryConfig, design: StudyDesign, install: CmdStanInstall, truths: TruthsRecord) {
  return {
    n_iterations: config.n_iterations,
    n_mcmc_samples: config.n_mcmc_samples,
    n_mcmc_chains: config.n_mcmc_chains,
    sim_overrides: config.sim_overrides,
    alpha_var: config.alpha_var,
    extra_scalar_params: config.extra_scalar_params,
    sim_only_keys: config.sim_only_keys,
    J: design.J,
    K: design.K,
    D: design.D,
    P: design.P,
    M_total: design.M_total,
    n_mcmc_warmup: config.warmup,
    adapt_delta: config.adapt_delta,
    max_treedepth: config.max_treedepth,
    seed: config.seed,
    cmdstan_version: install.version,
    quantile_rule: QUANTILE_RULE_LABELS[quantileRuleFor(install.version)],
    inference_model_path: config.inference_model_path,
    sim_model_path: config.sim_model_path,
    // Whether these truths are the original study's, and why not (../faithfulness.ts).
    truths,
  };
}
