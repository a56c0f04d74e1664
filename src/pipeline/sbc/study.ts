/**
 * The SBC study type (SPEC section 8): check the SBC model against the config and the design,
 * compile it, make or load the design; a replicate is one simulation (simulation.ts: a single
 * fit whose truth comes from transformed data); the records reduce to the rank statistics,
 * plots and report (summarize.ts). The shared loop (../replicates.ts) runs, resumes and times it
 * on the same core budget as recovery: with one chain per fit, cores + 1 fits are in flight.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { quantileRuleFor } from "../../analysis/summary.js";
import { trackedParameters } from "../../analysis/trackedParameters.js";
import { locateCmdStan } from "../../cmdstan/locate.js";
import { toStanJson } from "../../cmdstan/stanJson.js";
import { serializeStudyDesign } from "../../design/studyDesignFile.js";
import { writeFileAtomic, writeJsonAtomic } from "../files.js";
import { selectExecutor } from "../executors/select.js";
import {
  defaultCores,
  runReplicates,
  type ReplicateStudy,
  type RunReplicatesOptions,
  type StudyKind,
} from "../replicates.js";
import { compileAll, designHash, prepareDesign } from "../studySetup.js";
import { parseSbcConfig, portableSbcConfig, sbcFingerprint, type SbcConfig } from "./config.js";
import { checkSbcModel, checkSbcOutputLengths, sbcData } from "./modelContract.js";
import { RECORD_FILE, runSimulation, simulationDir, type SimulationContext } from "./simulation.js";
import { summarizeSbc, type SbcSummary } from "./summarize.js";

export interface SbcResult extends SbcSummary {
  outputDir: string;
  wallSeconds: number;
  resumed: number;
}

/**
 * Check, compile and design: the SBC study, ready for the shared loop. `cachedModelsOnly`: use
 * the model already compiled, never compile (a cluster task).
 */
export async function prepareSbcStudy(
  config: SbcConfig,
  log: (line: string) => void,
  opts: { cachedModelsOnly?: boolean } = {},
): Promise<ReplicateStudy<SbcSummary>> {
  const install = await locateCmdStan({ explicit: config.cmdstan });
  log(`[sbc] CmdStan ${install.version} at ${install.path}`);
  const design = await prepareDesign(config);
  const modelInfo = await checkSbcModel(install, config, design);
  const name = path.basename(config.sbc_model_path);
  log(opts.cachedModelsOnly ? `[sbc] using the compiled ${name}` : `[sbc] compiling ${name} (cached when unchanged)`);
  const [model] = await compileAll(install, [config.sbc_model_path], { cachedOnly: opts.cachedModelsOnly });
  const tracked = trackedParameters(
    { alphaVar: config.alpha_var, extraScalars: config.extra_params_after_gamma },
    design,
  );

  const out = config.output_dir;
  const dataFile = path.join(out, "sbc_data.json");
  const dataText = toStanJson(sbcData(design), { ints: modelInfo.ints });
  await checkSbcOutputLengths(model, config, dataText, tracked);

  const ctx: SimulationContext = {
    config,
    model,
    modelInfo,
    tracked,
    dataFile,
    quantileRule: quantileRuleFor(install.version),
  };
  return {
    command: "sbc",
    unit: "simulation",
    outputDir: out,
    count: config.n_sbc_sims,
    chainsPerReplicate: config.n_mcmc_chains,
    workPerReplicate: config.n_mcmc_chains * (config.iterWarmup + config.iterSampling),
    cores: defaultCores(config.cores),
    fingerprint: sbcFingerprint(config, model.hash, designHash(design)),
    replicateDir: (i) => simulationDir(out, i),
    recordName: RECORD_FILE,
    writeSetup: async () => {
      const designFile = path.join(out, "study_design.json");
      if (!existsSync(designFile)) await writeFileAtomic(designFile, serializeStudyDesign(design));
      await writeFileAtomic(dataFile, dataText);
      await writeJsonAtomic(path.join(out, "config_info.json"), {
        n_sbc_sims: config.n_sbc_sims,
        n_mcmc_samples: config.n_mcmc_samples,
        n_mcmc_chains: config.n_mcmc_chains,
        thin: config.thin,
        iter_warmup: config.iterWarmup,
        iter_sampling: config.iterSampling,
        adapt_delta: config.adapt_delta ?? null,
        max_treedepth: config.max_treedepth ?? null,
        alpha_var: config.alpha_var,
        extra_params_after_gamma: config.extra_params_after_gamma,
        J: design.J,
        K: design.K,
        D: design.D,
        P: design.P,
        M_total: design.M_total,
        tracked_parameters: tracked.map((t) => t.variable),
        seed: config.seed,
        cmdstan_version: install.version,
        sbc_model_path: config.sbc_model_path,
      });
    },
    runReplicate: (i, env) => runSimulation(ctx, env, i),
    summarize: (records, wallSeconds) => summarizeSbc({ config, install, design, tracked, records, wallSeconds }),
    recipe: { kind: "sbc", config: portableSbcConfig(config, install.path) },
  };
}

/** How a cluster task rebuilds an SBC study (registered in ../studyKinds.ts). */
export const sbcStudyKind: StudyKind = {
  rebuild: async (raw, source, { cores, log }) => {
    const config = parseSbcConfig(raw, source, path.dirname(source));
    return prepareSbcStudy({ ...config, cores }, log, { cachedModelsOnly: true });
  },
};

/** Run (or resume) an SBC study, on this machine or a cluster (the config's executor). */
export async function runSbc(config: SbcConfig, opts: RunReplicatesOptions = {}): Promise<SbcResult> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const executor = opts.executor ?? selectExecutor(config.executor, config.slurm);
  const r = await runReplicates(() => prepareSbcStudy(config, log), { ...opts, log, executor });
  return { ...r.summary, outputDir: r.outputDir, wallSeconds: r.wallSeconds, resumed: r.resumed };
}
