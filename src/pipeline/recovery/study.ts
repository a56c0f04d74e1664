/**
 * The parameter-recovery study type (SPEC section 4): check the model pair against the config
 * and the design, compile both models, make or load the design; a replicate is one
 * simulate-and-fit iteration (iteration.ts); the records reduce to the recovery statistics,
 * plots and report (summarize.ts). The shared loop (../replicates.ts) runs, resumes and times it.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { QUANTILE_RULE_LABELS, quantileRuleFor } from "../../analysis/summary.js";
import { locateCmdStan } from "../../cmdstan/locate.js";
import { toStanJson } from "../../cmdstan/stanJson.js";
import { serializeStudyDesign } from "../../design/studyDesignFile.js";
import { writeFileAtomic, writeJsonAtomic } from "../files.js";
import { selectExecutor } from "../executors/select.js";
import {
  defaultCores,
  runReplicates,
  type ReplicateExecutor,
  type ReplicateStudy,
  type RunReplicatesOptions,
  type StudyKind,
} from "../replicates.js";
import { compileAll, designHash, prepareDesign } from "../studySetup.js";
import { parseStudyConfig, portableStudyConfig, resultFingerprint, type StudyConfig } from "./config.js";
import { iterationDir, RECORD_FILE, runIteration, type IterationContext } from "./iteration.js";
import { checkModelPair } from "./modelContract.js";
import { summarizeStudy, type StudySummary } from "./summarize.js";

export interface RunStudyOptions extends Omit<RunReplicatesOptions, "executor"> {
  executor?: ReplicateExecutor;
}

export interface StudyResult extends StudySummary {
  outputDir: string;
  wallSeconds: number;
  resumed: number;
}

/**
 * Check, compile and design: the recovery study, ready for the shared loop. `cachedModelsOnly`:
 * use the models already compiled, never compile (a cluster task).
 */
export async function prepareRecoveryStudy(
  config: StudyConfig,
  log: (line: string) => void,
  opts: { cachedModelsOnly?: boolean } = {},
): Promise<ReplicateStudy<StudySummary>> {
  const install = await locateCmdStan({ explicit: config.cmdstan });
  log(`[recover] CmdStan ${install.version} at ${install.path}`);
  // Models are checked against the design and the config first (cheap, stanc only).
  const design = await prepareDesign(config);
  const models = await checkModelPair(install, config, design);
  const names = `${path.basename(config.inference_model_path)} and ${path.basename(config.sim_model_path)}`;
  log(
    opts.cachedModelsOnly
      ? `[recover] using the compiled ${names}`
      : `[recover] compiling ${names} (cached when unchanged)`,
  );
  const [inference, sim] = await compileAll(install, [config.inference_model_path, config.sim_model_path], {
    cachedOnly: opts.cachedModelsOnly,
  });

  const out = config.output_dir;
  const simDataFile = path.join(out, "sim_data.json");
  const ctx: IterationContext = { config, install, inference, sim, design, models, simDataFile };
  return {
    command: "recover",
    unit: "iteration",
    outputDir: out,
    count: config.n_iterations,
    chainsPerReplicate: config.n_mcmc_chains,
    workPerReplicate: config.n_mcmc_chains * (config.warmup + config.n_mcmc_samples),
    cores: defaultCores(config.cores),
    fingerprint: resultFingerprint(config, { inference: inference.hash, sim: sim.hash }, designHash(design)),
    replicateDir: (i) => iterationDir(out, i),
    recordName: RECORD_FILE,
    writeSetup: async () => {
      const designFile = path.join(out, "study_design.json");
      if (!existsSync(designFile)) await writeFileAtomic(designFile, serializeStudyDesign(design));
      await writeFileAtomic(simDataFile, toStanJson(models.simData, { ints: models.simInts }));
      await writeJsonAtomic(path.join(out, "config_info.json"), {
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
      });
    },
    runReplicate: (i, env) => runIteration(ctx, env, i),
    summarize: (records, wallSeconds) => summarizeStudy({ config, install, design, records, wallSeconds }),
    recipe: { kind: "recover", config: portableStudyConfig(config, install.path) },
  };
}

/** How a cluster task rebuilds a recovery study (registered in ../studyKinds.ts). */
export const recoveryStudyKind: StudyKind = {
  rebuild: async (raw, source, { cores, log }) => {
    const config = parseStudyConfig(raw, source, path.dirname(source));
    return prepareRecoveryStudy({ ...config, cores }, log, { cachedModelsOnly: true });
  },
};

/** Run (or resume) a recovery study. */
export async function runStudy(config: StudyConfig, opts: RunStudyOptions = {}): Promise<StudyResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const executor = opts.executor ?? selectExecutor(config.executor, config.slurm);
  const r = await runReplicates(() => prepareRecoveryStudy(config, log), { ...opts, log, executor });
  return { ...r.summary, outputDir: r.outputDir, wallSeconds: r.wallSeconds, resumed: r.resumed };
}
