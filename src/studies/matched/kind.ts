/**
 * The matched study (docs/matched.md), command `matched`: the uncertain-only model (m_0) against
 * the risky model (m_1) on slices of one simulation per iteration. Make or load the flat design
 * (with risky problems; M and N even and equal), check the three models with stanc, compile them;
 * a replicate is one iteration: a simulation and its four conditions' fits (iteration.ts); the
 * records reduce to the original's aggregate_metrics.csv and our report (summarize.ts).
 */
import path from "node:path";
import { QUANTILE_RULE_LABELS, quantileRuleFor } from "../../analysis/summary.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { toStanJson } from "../../cmdstan/stanJson.js";
import type { FlatDesign } from "../../design/flat/types.js";
import { flatDesignHash, prepareFlatDesign, writeFlatDesignFile } from "../../pipeline/flatStudyDesign.js";
import { compileStudyModels } from "../../pipeline/studySetup.js";
import { formatDuration } from "../../report/text.js";
import { writeJsonAtomic, writeFileAtomic } from "../../util/atomicWrite.js";
import { InputError } from "../../util/errors.js";
import { unpublishedOriginal } from "../faithfulness.js";
import { DEFAULT_RECOVERY_SEED, iterationDir, RECORD_FILE } from "../common/fitSteps.js";
import { flatRunInfo } from "../common/recoveryConfig.js";
import type { KindStudy, PrepareContext, StudyKind } from "../studyKind.js";
import { conditionsJson, matchedConditions, matchedSizeProblems, type MatchedCondition } from "./conditions.js";
import { matchedFingerprint, parseMatchedConfig, portableMatchedConfig, type MatchedConfig } from "./config.js";
import { runMatchedIteration, type MatchedIterationContext } from "./iteration.js";
import { checkMatchedModels } from "./modelContract.js";
import { summarizeMatched, type MatchedSummary } from "./summarize.js";

export const matchedKind: StudyKind<MatchedConfig, MatchedSummary> = {
  name: "matched",
  describe:
    "run or resume the matched recovery: an uncertain-only and a risky model fitted on slices of one simulation",
  unit: "iteration",
  modelKey: "sim_model_path",
  parseConfig: parseMatchedConfig,
  portableConfig: portableMatchedConfig,
  original: unpublishedOriginal(DEFAULT_RECOVERY_SEED),
  prepare: prepareMatched,
};

/**
 * The design; a design file that cannot halve into the conditions is refused, naming it (a
 * study_design_config was checked with the config).
 */
async function matchedDesign(config: MatchedConfig): Promise<FlatDesign> {
  const design = await prepareFlatDesign(config);
  const file = config.study_design_path;
  if (!file) return design;
  const where = `${config.source}: study_design_path: ${file}`;
  if (!design.risky)
    throw new InputError(
      `${where} has no risky problems (no N, S, x, J); conditions C and D fit the risky model on them`,
    );
  const problems = matchedSizeProblems({ M: design.M, N: design.risky.N }, (size) => `${where}: ${size}`);
  if (problems.length) throw new InputError(problems.join("; "));
  return design;
}

const modelName = (file: string) => path.basename(file, ".stan");

async function prepareMatched(config: MatchedConfig, prep: PrepareContext): Promise<KindStudy<MatchedSummary>> {
  const { install, log } = prep;
  const design = await matchedDesign(config);
  const models = await checkMatchedModels(install, config, design);
  const files = [config.sim_model_path, config.uncertain_model_path, config.risky_model_path];
  const compile = { prefix: "matched", log, cachedOnly: prep.cachedModelsOnly };
  const [sim, uncertain, risky] = await compileStudyModels(install, files, compile);
  const conditions = matchedConditions(design.M, design.risky!.N);
  const out = config.output_dir;
  const ctx: MatchedIterationContext = {
    config,
    install,
    design,
    models,
    compiled: { sim, uncertain, risky },
    conditions,
    simDataFile: path.join(out, "sim_data.json"),
  };
  const modelNames = { uncertain: modelName(config.uncertain_model_path), risky: modelName(config.risky_model_path) };
  const info = { ...configInfo(config, design, install, ctx), truths: prep.truths };
  const fits = models.fits;
  return {
    count: config.n_iterations,
    chainsPerReplicate: conditions.length * config.n_mcmc_chains,
    workPerReplicate: conditions.length * config.n_mcmc_chains * (config.warmup + config.n_mcmc_samples),
    replicateDir: (i) => iterationDir(out, i),
    recordName: RECORD_FILE,
    fingerprint: matchedFingerprint(
      config,
      {
        sim: { path: config.sim_model_path, hash: sim.hash },
        uncertain: { path: config.uncertain_model_path, hash: uncertain.hash },
        risky: { path: config.risky_model_path, hash: risky.hash },
      },
      {
        sim: models.simHyperparameters,
        fit: { uncertain: fits.uncertain.hyperparameters, risky: fits.risky.hyperparameters },
      },
      flatDesignHash(design),
    ),
    writeSetup: async () => {
      await writeFlatDesignFile(out, design, log);
      await writeFileAtomic(ctx.simDataFile, toStanJson(models.simData, { ints: models.simInts }));
      await writeJsonAtomic(path.join(out, "conditions.json"), conditionsJson(conditions, modelNames));
      await writeJsonAtomic(path.join(out, "config_info.json"), info);
    },
    runReplicate: (i, env) => runMatchedIteration(ctx, env, i),
    summarize: (records, wallSeconds) =>
      summarizeMatched({
        outputDir: out,
        nIterations: config.n_iterations,
        conditions,
        modelOf: Object.fromEntries(conditions.map((c) => [c.label, modelNames[c.role]])),
        K: design.K,
        D: design.D,
        transitions: config.n_mcmc_chains * config.n_mcmc_samples,
        settings: (wall) => [...reportSettings(info), ["wall_time", formatDuration(wall)]],
        records,
        wallSeconds,
      }),
  };
}

/** config_info.json: the counts, the sampler settings used, the hyperparameters, the design's sizes, the models. */
function configInfo(config: MatchedConfig, design: FlatDesign, install: CmdStanInstall, ctx: MatchedIterationContext) {
  const { fits } = ctx.models;
  return {
    ...flatRunInfo(config),
    sim_hyperparameters_used: ctx.models.simHyperparameters,
    fit_hyperparameters_used: { uncertain: fits.uncertain.hyperparameters, risky: fits.risky.hyperparameters },
    design_name: design.settings.design_name,
    M: design.M,
    N: design.risky!.N,
    K: design.K,
    D: design.D,
    R: design.R,
    S: design.risky!.S,
    risky_probs: design.risky!.risky_probs ?? null,
    conditions: ctx.conditions.map((c: MatchedCondition) => c.label),
    seed: config.seed,
    cmdstan_version: install.version,
    quantile_rule: QUANTILE_RULE_LABELS[quantileRuleFor(install.version)],
    sim_model_path: config.sim_model_path,
    uncertain_model_path: config.uncertain_model_path,
    risky_model_path: config.risky_model_path,
  };
}

/** config_info.json's settings as the report lists them. */
function reportSettings(info: ReturnType<typeof configInfo>): [string, unknown][] {
  const source = (what: "adapt_delta" | "max_treedepth") =>
    `${info[what]}${info.sampler_settings_from[what] === "config" ? "" : " (CmdStan default, not passed)"}`;
  const pairs = (o: Record<string, number>) =>
    Object.entries(o)
      .map(([k, v]) => `${k}=${v}`)
      .join(", ") || "none";
  return [
    ["design_name", info.design_name],
    ["n_iterations", info.n_iterations],
    ["n_mcmc_chains", info.n_mcmc_chains],
    ["n_mcmc_samples", info.n_mcmc_samples],
    ["n_warmup", info.n_mcmc_warmup],
    ["adapt_delta", source("adapt_delta")],
    ["max_treedepth", source("max_treedepth")],
    ["summary_variables", info.summary_variables],
    ["M, N", `${info.M}, ${info.N}`],
    ["K, D, R, S", `${info.K}, ${info.D}, ${info.R}, ${info.S}`],
    ["risky_probs", info.risky_probs],
    ["simulator_hyperparameters", pairs(info.sim_hyperparameters_used)],
    ["seed", info.seed],
    ["cmdstan_version", info.cmdstan_version],
    ["quantile_rule", info.quantile_rule],
    ["sim_model_path", info.sim_model_path],
    ["uncertain_model_path", info.uncertain_model_path],
    ["risky_model_path", info.risky_model_path],
  ];
}
