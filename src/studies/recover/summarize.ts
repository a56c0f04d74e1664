/**
 * After the loop: read back every finished iteration's files and write the study's outputs:
 * all_true_parameters.json, recovery_summary/recovery_statistics.json, the three plots and
 * report.md. Works from the files alone (the same inputs as the source report's reader).
 */
import path from "node:path";
import {
  computeRecoveryStatistics,
  parseTrueParameters,
  recoveryStandardErrors,
  type RecoveryStatistics,
} from "../../analysis/recovery.js";
import { QUANTILE_RULE_LABELS, quantileRuleFor } from "../../analysis/summary.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import type { StudyDesign } from "../../design/studyDesign.js";
import { writeRecoveryPlots } from "./plots.js";
import { plotLinks } from "../../report/text.js";
import { renderTerminalTables, writeReport, type ReportInput } from "./report.js";
import { readIterationFiles } from "../common/iterationFiles.js";
import type { RecoveryConfig } from "./config.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import { writeJsonAtomic } from "../../util/atomicWrite.js";
import { parameterNames } from "./modelContract.js";
import type { TruthsRecord } from "../faithfulness.js";
import { REPORT11_ITERATIONS, REPORT11_NAME, REPORT11_STATISTICS } from "./report11.js";

export interface RecoverySummary {
  statistics: RecoveryStatistics;
  nSuccessful: number;
  failures: { iteration: number; reason: string }[];
  reportFile: string;
  terminalTables: string;
}

interface SummarizeArgs {
  config: RecoveryConfig;
  install: CmdStanInstall;
  design: StudyDesign;
  truths: TruthsRecord;
  records: Map<number, ReplicateRecord>;
  wallSeconds: number;
}

/** The run's settings as the report prints them. */
function reportConfig({ config, design, install, wallSeconds }: SummarizeArgs): ReportInput["config"] {
  return {
    n_iterations: config.n_iterations,
    n_mcmc_chains: config.n_mcmc_chains,
    n_mcmc_samples: config.n_mcmc_samples,
    n_warmup: config.warmup,
    adapt_delta: config.adapt_delta,
    max_treedepth: config.max_treedepth,
    J: design.J,
    K: design.K,
    D: design.D,
    P: design.P,
    M_total: design.M_total,
    cmdstan_version: install.version,
    quantile_rule: QUANTILE_RULE_LABELS[quantileRuleFor(install.version)],
    model_path: config.inference_model_path,
    sim_model_path: config.sim_model_path,
    design_name: design._metadata.design_name,
    wall_time_seconds: wallSeconds,
  };
}

export async function summarizeRecovery(args: SummarizeArgs): Promise<RecoverySummary> {
  const { config, truths } = args;
  const out = config.output_dir;
  const defaultTransitions = config.n_mcmc_chains * config.n_mcmc_samples;
  const { iterations, failures, diagnostics } = await readIterationFiles(
    out,
    args.records,
    defaultTransitions,
    parseTrueParameters,
  );
  const summaryDir = path.join(out, "recovery_summary");
  const names = parameterNames(config);
  const statistics = iterations.length ? computeRecoveryStatistics(iterations, names) : {};
  await writeJsonAtomic(path.join(summaryDir, "recovery_statistics.json"), statistics);
  const plots = iterations.length
    ? plotLinks(summaryDir, await writeRecoveryPlots(summaryDir, iterations, statistics, names))
    : [];
  // Report 11's numbers beside ours only where the config is its study (../faithfulness.ts).
  const comparison =
    truths.original_settings && iterations.length
      ? {
          name: REPORT11_NAME,
          iterations: REPORT11_ITERATIONS,
          published: REPORT11_STATISTICS,
          standardErrors: recoveryStandardErrors(iterations, names),
        }
      : undefined;
  const input: ReportInput = {
    config: reportConfig(args),
    names,
    diagnostics,
    statistics,
    nSuccessful: iterations.length,
    failures,
    plots,
    truths,
    comparison,
  };
  const reportFile = await writeReport(summaryDir, input);
  const nSuccessful = iterations.length;
  return { statistics, nSuccessful, failures, reportFile, terminalTables: renderTerminalTables(input) };
}
