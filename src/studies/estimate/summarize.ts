/**
 * After the fit: read its chains back (the variables the figures and checks need, not every
 * per-problem output), and write the estimation's outputs (docs/estimate.md): the figures
 * (plots.ts), ppc/ppc_summary.json with one posterior predictive p-value per ppc_* output, and
 * report.md (settings, the data read, sampler health from bin/diagnose and the draws, the
 * posterior summary of the parameters, the checks, the figures). A failed fit gets a report that
 * says why.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { ppcStatistics, PPC_PREFIX, type PpcStatistic } from "../../analysis/ppc.js";
import { samplerHealth, type SamplerHealth } from "../../analysis/samplerHealth.js";
import { parseSummaryCsv, type VariableSummaryRow } from "../../analysis/summary.js";
import type { CompiledModel } from "../../cmdstan/compile.js";
import { parseDiagnose, type DiagnoseReading } from "../../cmdstan/diagnose.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import type { ModelInfo } from "../../cmdstan/modelInfo.js";
import { readStanFit } from "../../cmdstan/stanCsv.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import { writeFigures } from "../../report/figures.js";
import {
  renderSectionText,
  writeSectionReport,
  type ReportSection,
  type SectionReport,
} from "../../report/sectionReport.js";
import { codeSpan, oneLine, pyFixed, pyRound, type Column } from "../../report/text.js";
import { writeJsonAtomic } from "../../util/atomicWrite.js";
import type { TruthsRecord } from "../faithfulness.js";
import type { StudyOutcome } from "../studyKind.js";
import type { EstimateConfig } from "./config.js";
import { chainFiles, fitDir } from "./fit.js";
import { posteriorFigures, ppcFigures, samplerFigures } from "./plots.js";

export interface EstimateOutcome extends StudyOutcome {
  ok: boolean;
  /** The posterior predictive p-values, by ppc_* output. */
  pValues: Record<string, number>;
}

interface Args {
  config: EstimateConfig;
  install: CmdStanInstall;
  model: CompiledModel;
  info: ModelInfo;
  record: ReplicateRecord | undefined;
  /** Data keys of the file the model does not declare. */
  unused: string[];
  wallSeconds: number;
  /** Whether the chains are the users' own run's, and why not (../faithfulness.ts). */
  truths: TruthsRecord;
}

/** The outputs the figures and checks read: parameters, small transformed parameters, ppc_* and T_*. */
function variablesRead(info: ModelInfo): string[] {
  const tp = Object.entries(info.transformedParameters)
    .filter(([name, d]) => d.dimensions === 0 || name === "upsilon")
    .map(([name]) => name);
  const gq = Object.keys(info.generatedQuantities).filter((n) => n.startsWith(PPC_PREFIX) || /^T_(obs|rep)_/.test(n));
  return [...Object.keys(info.parameters), ...tp, ...gq, "energy__", "divergent__", "treedepth__"];
}

function settings(args: Args): SectionReport["settings"] {
  const c = args.config;
  return [
    ["model_path", c.model_path],
    ["data_path", c.data_path],
    ["n_mcmc_chains", c.n_mcmc_chains],
    ["n_mcmc_samples (per chain)", c.n_mcmc_samples],
    ["n_mcmc_warmup", c.warmup],
    ["adapt_delta", c.adapt_delta ?? "CmdStan's default (0.8)"],
    ["max_treedepth", c.max_treedepth ?? "CmdStan's default (10)"],
    ["seed", c.seed],
    ["cmdstan_version", args.install.version],
    ["wall_time_s", args.wallSeconds.toFixed(1)],
    ["chains", args.truths.sentence.replace("truths", "draws")],
  ];
}

export async function summarizeEstimate(args: Args): Promise<EstimateOutcome> {
  const out = args.config.output_dir;
  const report: SectionReport = {
    title: "Model estimation",
    intro: `${path.basename(args.config.model_path)} fitted to ${path.basename(args.config.data_path)} with CmdStan's NUTS sampler.`,
    settings: settings(args),
    sections: [dataSection(args)],
  };
  let pValues: Record<string, number> = {};
  if (args.record?.status === "ok") {
    const { sections, ppc } = await fitSections(args);
    report.sections.push(...sections);
    pValues = Object.fromEntries(ppc.map((s) => [s.name, s.pValue]));
  } else {
    const error = await readFile(path.join(fitDir(out), "error.txt"), "utf8").catch(() => "(no error.txt)");
    report.sections.push({ heading: "The fit failed", paragraphs: [codeSpan(oneLine(error, 2000))] });
  }
  const reportFile = await writeSectionReport(report, out);
  return { ok: args.record?.status === "ok", pValues, reportFile, terminalTables: renderSectionText(report) };
}

function dataSection(args: Args): ReportSection {
  const read = Object.keys(args.info.inputs);
  return {
    heading: "Data",
    paragraphs: [
      `The data file was checked against the data the model declares before CmdStan ran; input_data.json is ` +
        `a copy of it, stan_data.json what CmdStan read.`,
    ],
    bullets: [
      `read: ${read.join(", ") || "(none)"}`,
      ...(args.unused.length
        ? [`in the file, not declared by the model (not passed on): ${args.unused.join(", ")}`]
        : []),
    ],
  };
}

async function fitSections(args: Args): Promise<{ sections: ReportSection[]; ppc: PpcStatistic[] }> {
  const { config, info } = args;
  const out = config.output_dir;
  const dir = fitDir(out);
  const fit = await readStanFit(chainFiles(args, dir), { variables: variablesRead(info) });
  const summaryFile = path.join(dir, "posterior_summary.csv");
  const summary = parseSummaryCsv(await readFile(summaryFile, "utf8"), summaryFile);
  const diagnose = parseDiagnose(
    await readFile(path.join(dir, "diagnostics.txt"), "utf8"),
    config.n_mcmc_chains * config.n_mcmc_samples,
  );
  const health = samplerHealth(fit, config.max_treedepth ?? 10, Object.keys(info.parameters));
  const ppc = ppcStatistics(fit);
  await writeJsonAtomic(path.join(out, "ppc", "ppc_summary.json"), ppcJson(ppc));
  const sections: ReportSection[] = [
    healthSection(diagnose, health),
    {
      heading: "Posterior summary",
      paragraphs: [`The parameters and scalar transformed parameters; every output is in fit/posterior_summary.csv.`],
      table: summaryTable(summary, info),
      figures: await writeFigures(out, posteriorFigures(fit, info)),
    },
    { heading: "Trace, energy and pairs", figures: await writeFigures(out, samplerFigures(fit, info, health.ebfmi)) },
    await ppcSection(out, ppc),
  ];
  return { sections, ppc };
}

function healthSection(d: DiagnoseReading, h: SamplerHealth): ReportSection {
  const pct = h.transitions ? pyFixed((100 * h.divergences) / h.transitions, 2) : "n/a";
  return {
    heading: "Sampler health",
    paragraphs: ["From CmdStan's bin/diagnose (fit/diagnostics.txt) and the draws."],
    bullets: [
      `divergent transitions: ${h.divergences} of ${h.transitions} (${pct}%); bin/diagnose reports ${d.divergences}`,
      `transitions at the maximum tree depth (${h.maxTreedepth}): ${h.treedepthHits}`,
      `E-BFMI per chain: ${h.ebfmi.map((e) => pyFixed(e, 3)).join(", ")}; bin/diagnose: ${d.ebfmiOk ? "satisfactory" : "not satisfactory"}`,
      `largest R-hat of the parameters: ${Number.isFinite(h.maxRhat) ? `${pyFixed(h.maxRhat, 4)} (${h.maxRhatVariable})` : "n/a"}`,
    ],
  };
}

function summaryTable(rows: VariableSummaryRow[], info: ModelInfo): Column[] {
  const base = (n: string) => n.replace(/\[.*$/, "");
  const tpScalars = Object.entries(info.transformedParameters).filter(([, d]) => d.dimensions === 0);
  const shown = new Set([...Object.keys(info.parameters), ...tpScalars.map(([n]) => n)]);
  const kept = rows.filter((r) => shown.has(base(r.name)));
  const col = (header: string, f: (r: VariableSummaryRow) => number, digits: number): Column => ({
    header,
    kind: "float",
    values: kept.map((r) => pyRound(f(r), digits)),
  });
  return [
    { header: "parameter", kind: "string", values: kept.map((r) => r.name) },
    col("mean", (r) => r.mean, 4),
    col("sd", (r) => r.sd, 4),
    col("5%", (r) => r.q5, 4),
    col("50%", (r) => r.q50, 4),
    col("95%", (r) => r.q95, 4),
    col("ESS_bulk", (r) => r.essBulk, 0),
    col("R_hat", (r) => r.rhat, 4),
  ];
}

function ppcJson(ppc: PpcStatistic[]) {
  const mean = (x: Float64Array | undefined) => (x ? x.reduce((s, v) => s + v, 0) / x.length : null);
  return Object.fromEntries(
    ppc.map((s) => [
      s.name,
      {
        p_value: s.pValue,
        T_obs: s.obs ? `T_obs_${s.stat}` : null,
        T_rep: s.rep ? `T_rep_${s.stat}` : null,
        T_obs_mean: mean(s.obs),
        T_rep_mean: mean(s.rep),
      },
    ]),
  );
}

async function ppcSection(out: string, ppc: PpcStatistic[]): Promise<ReportSection> {
  if (!ppc.length) {
    return {
      heading: "Posterior predictive checks",
      paragraphs: ["The model outputs no ppc_* indicators, so there are no posterior predictive p-values."],
    };
  }
  return {
    heading: "Posterior predictive checks",
    paragraphs: [
      "Each ppc_* output of the model is 1 when a statistic of replicated choices is at least the observed one's; " +
        "its mean over the draws is the posterior predictive p-value (ppc/ppc_summary.json).",
    ],
    table: [
      { header: "check", kind: "string", values: ppc.map((s) => s.name) },
      { header: "p_value", kind: "float", values: ppc.map((s) => pyRound(s.pValue, 3)) },
    ],
    figures: await writeFigures(out, ppcFigures(ppc)),
  };
}
