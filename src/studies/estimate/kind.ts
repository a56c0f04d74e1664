/**
 * The estimation kind (docs/estimate.md): one model fitted to one data file (the users' LLM
 * choices). The data file is checked against the model's declared data (stanc --info) before
 * anything is compiled or sampled; the fit is the study's only replicate, so the engine gives it
 * resume, interrupts, progress, timing.json, exit statuses and the Slurm executor like any
 * study's; the summary draws the plots, the posterior predictive checks and report.md.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { QUANTILE_RULE_LABELS, quantileRuleFor } from "../../analysis/summary.js";
import { checkStanData } from "../../cmdstan/dataCheck.js";
import { readModelInfo } from "../../cmdstan/modelInfo.js";
import { parseStanJsonText } from "../../cmdstan/stanJsonRead.js";
import { toStanJson } from "../../cmdstan/stanJson.js";
import { sha256 } from "../../pipeline/records.js";
import { compileStudyModels } from "../../pipeline/studySetup.js";
import { writeFileAtomic, writeJsonAtomic } from "../../util/atomicWrite.js";
import { InputError } from "../../util/errors.js";
import type { KindStudy, PrepareContext, StudyKind } from "../studyKind.js";
import {
  estimateOriginal,
  fitSettings,
  parseEstimateConfig,
  portableEstimateConfig,
  type EstimateConfig,
} from "./config.js";
import { fitDir, FIT_RECORD, runFit, STAN_DATA_FILE } from "./fit.js";
import { summarizeEstimate, type EstimateOutcome } from "./summarize.js";

export const estimateKind: StudyKind<EstimateConfig, EstimateOutcome> = {
  name: "estimate",
  describe: "fit a model to a data file (the users' choices), with diagnostics, plots and posterior predictive checks",
  unit: "fit",
  modelKey: "model_path",
  parseConfig: parseEstimateConfig,
  portableConfig: portableEstimateConfig,
  original: estimateOriginal,
  prepare: prepareEstimate,
};

async function readDataText(file: string): Promise<string> {
  try {
    return await readFile(file, "utf8");
  } catch (err) {
    throw new InputError(`${file}: cannot read the data file (${(err as NodeJS.ErrnoException).code ?? err})`);
  }
}

async function prepareEstimate(config: EstimateConfig, ctx: PrepareContext): Promise<KindStudy<EstimateOutcome>> {
  const info = await readModelInfo(ctx.install, config.model_path);
  const text = await readDataText(config.data_path);
  const checked = checkStanData(
    parseStanJsonText(text, config.data_path),
    info.inputs,
    `the model ${config.model_path}`,
  );
  const stanData = toStanJson(checked.data, { ints: checked.ints });
  const compile = { prefix: "estimate", log: ctx.log, cachedOnly: ctx.cachedModelsOnly };
  const [model] = await compileStudyModels(ctx.install, [config.model_path], compile);
  const out = config.output_dir;
  const fitCtx = { config, install: ctx.install, model };
  return {
    count: 1,
    chainsPerReplicate: config.n_mcmc_chains,
    workPerReplicate: config.n_mcmc_chains * (config.warmup + config.n_mcmc_samples),
    fingerprint: {
      ...fitSettings(config),
      model: { path: config.model_path, hash: model.hash },
      data: { path: config.data_path, hash: sha256(stanData) },
    },
    replicateDir: () => fitDir(out),
    recordName: FIT_RECORD,
    writeSetup: async () => {
      await writeFileAtomic(path.join(out, "input_data.json"), text);
      await writeFileAtomic(path.join(out, STAN_DATA_FILE), stanData);
      await writeJsonAtomic(path.join(out, "config_info.json"), {
        data_path: config.data_path,
        model_path: config.model_path,
        ...fitSettings(config),
        data_keys_read: Object.keys(checked.data),
        data_keys_not_read: checked.unused,
        cmdstan_version: ctx.install.version,
        // Whether these chains are the users' own run's, and why not (../faithfulness.ts).
        truths: ctx.truths,
        quantile_rule: QUANTILE_RULE_LABELS[quantileRuleFor(ctx.install.version)],
      });
    },
    runReplicate: (_i, env) => runFit(fitCtx, env),
    summarize: (records, wallSeconds) =>
      summarizeEstimate({
        ...fitCtx,
        info,
        record: records.get(1),
        unused: checked.unused,
        wallSeconds,
        truths: ctx.truths,
      }),
  };
}
