/**
 * One fit of a power cell (docs/power.md "One iteration"): simulate pseudo-replicated choices,
 * fit the inference model, and score the decisions its posterior supports about the target.
 *
 * Files in `iteration_i/`: data.json (the fit's data), decision.json (the decision record, the
 * original's keys), cost.json (what the fit cost: chain seconds and gradient counts, for the cost
 * model), diagnostics.txt (bin/diagnose), and iteration.json (the completion record, last);
 * `sim/` and `fit/` hold CmdStan's files (fit CSVs removed unless keep_csv).
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import { decide, type Decision } from "../../analysis/power.js";
import type { MeasuredFit } from "../../analysis/costModel.js";
import type { CompiledModel } from "../../cmdstan/compile.js";
import type { ChainCpu } from "../../cmdstan/run.js";
import { diagnoseProblems, parseDiagnose } from "../../cmdstan/diagnose.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { readStanFit, type StanFit } from "../../cmdstan/stanCsv.js";
import { toStanJson } from "../../cmdstan/stanJson.js";
import { fitData, type StudyDesign } from "../../design/studyDesign.js";
import { besideDiagnose } from "../../pipeline/fitFiles.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import { ReplicateFiles } from "../../pipeline/replicateFiles.js";
import type { ReplicateEnv } from "../../pipeline/replicates.js";
import { fitChains, fitSampler, oneDraw, simulateOnce } from "../common/sampling.js";
import { powerSeeds, type PowerConfig } from "./config.js";

/** What every fit of a cell shares. */
export interface PowerContext {
  config: PowerConfig;
  install: CmdStanInstall;
  inference: CompiledModel;
  sim: CompiledModel;
  /** The pseudo-replicated design (rows are presentations). */
  design: StudyDesign;
  /** Stan JSON of the simulator's data, shared by every fit of the cell. */
  simDataFile: string;
  simInts: string[];
  fitInts: string[];
  /** Whether the simulator reports agreement_rate. */
  simReportsAgreement: boolean;
}

export const RECORD_FILE = "iteration.json";
export const DECISION_FILE = "decision.json";
export const COST_FILE = "cost.json";

/** The decision record of one fit, in the original's keys (plus this tool's diagnose detail). */
export type DecisionRecord = { iteration: number } & Record<string, unknown> &
  Decision & {
    agreement_rate: number | null;
    divergences: boolean;
    n_divergent: number;
    diagnose_problems: string[];
    seconds: number;
  };

export async function runPowerIteration(ctx: PowerContext, env: ReplicateEnv, i: number): Promise<ReplicateRecord> {
  const { config } = ctx;
  const started = Date.now();
  const seeds = powerSeeds(config, i);
  const out = await ReplicateFiles.fresh(iterationDirOf(config.output_dir, i), i, seeds, env, RECORD_FILE);
  try {
    const simReads = [config.target, "y", ...(ctx.simReportsAgreement ? ["agreement_rate"] : [])];
    const run = { dataFile: ctx.simDataFile, replicateDir: out.dir, seed: seeds.sim, reads: simReads };
    const simCsv = await simulateOnce(ctx.sim, { ...run, chainTimeoutS: config.chain_timeout_s }, env);
    const truth = oneDraw(simCsv, config.target)[0];
    const agreement = ctx.simReportsAgreement ? oneDraw(simCsv, "agreement_rate")[0] : null;
    const data = fitData(ctx.design, oneDraw(simCsv, "y"), config.sim_only_keys);
    await out.put("data.json", toStanJson(data, { ints: ctx.fitInts }));
    out.lap("simulate");
    const fitted = await fitChains(ctx.inference, fitRun(config, out.dir, i, seeds.fit), env);
    const csvFiles = fitted.csvFiles;
    out.lap("sample");
    const post = Date.now();
    const both = await besideDiagnose(ctx.install.path, csvFiles, () => readStanFit(csvFiles, fitReads(config)));
    if (both.read.status === "rejected") throw both.read.reason;
    if (both.diagnose.status === "rejected") throw both.diagnose.reason;
    const r = { value: both.read.value.value, diagnostics: both.diagnose.value.value };
    out.time("score", both.read.value.seconds);
    out.time("diagnose", both.diagnose.value.seconds);
    const transitions = config.n_mcmc_chains * config.n_mcmc_samples;
    const problems = diagnoseProblems(r.diagnostics, transitions);
    // The original's keys in its order, then this tool's detail of the diagnostics.
    const record: DecisionRecord = {
      iteration: i,
      ...decide(pooledDraws(r.value, config.target), truth, { ciProb: config.ci_prob, rope: config.rope }),
      [`true_${config.target}`]: truth,
      agreement_rate: agreement,
      divergences: problems.length > 0,
      seconds: (Date.now() - started) / 1000,
      n_divergent: parseDiagnose(r.diagnostics, transitions).divergences,
      diagnose_problems: problems,
    };
    await out.put("diagnostics.txt", r.diagnostics);
    await out.put(DECISION_FILE, `${JSON.stringify(record, null, 2)}\n`);
    const cost = fitCost(r.value, fitted.chainCpu, ctx, (Date.now() - post) / 1000);
    await out.put(COST_FILE, `${JSON.stringify(cost, null, 2)}\n`);
    if (config.keep_csv) for (const f of csvFiles) await out.vouchFor(f);
    else for (const f of csvFiles) await rm(f, { force: true });
    return await out.finish("ok");
  } catch (err) {
    if (env.signal.aborted) throw err;
    return out.fail(`iteration ${i}`, err);
  }
}

export function iterationDirOf(outputDir: string, i: number): string {
  return path.join(outputDir, `iteration_${i}`);
}

function fitRun(config: PowerConfig, replicateDir: string, i: number, seed: number) {
  return { replicateDir, replicate: i, seed, sampler: fitSampler(config), chainTimeoutS: config.chain_timeout_s };
}

/** The fit's columns a power fit reads: the target, and the sampler's gradient counts. */
function fitReads(config: PowerConfig) {
  return { variables: [config.target, "n_leapfrog__"], requireMethod: "sample" as const };
}

/** The target's post-warmup draws of every chain, pooled. */
function pooledDraws(fit: StanFit, target: string): Float64Array {
  const v = fit.variables.find((x) => x.name === target);
  if (!v || v.columnNames.length !== 1) throw new Error(`the inference model's output has no scalar ${target}`);
  const col = v.columnNames[0];
  const n = fit.chains.reduce((a, c) => a + c.numDraws, 0);
  const all = new Float64Array(n);
  let at = 0;
  for (const c of fit.chains) {
    all.set(c.draws[col], at);
    at += c.numDraws;
  }
  return all;
}

/**
 * What the fit cost (cost.json): its design and sampler, its chains' seconds (CmdStan's timing
 * block: wall clock) and gradients (n_leapfrog__), and their CPU seconds where the OS told them.
 */
function fitCost(fit: StanFit, cpu: (ChainCpu | undefined)[], ctx: PowerContext, postSeconds: number): MeasuredFit {
  const detail = fit.chains.map((c, k) => {
    if (!c.timing) throw new Error(`${c.file} has no timing block`);
    const leapfrogs = c.draws["n_leapfrog__"];
    return {
      warmup_seconds: c.timing.warmup,
      sampling_seconds: c.timing.sampling,
      sampling_gradients: leapfrogs ? leapfrogs.reduce((a, x) => a + x, 0) : 0,
      cpu_seconds: cpu[k]?.total,
      warmup_cpu_seconds: cpu[k]?.warmup,
    };
  });
  const sum = (f: (d: (typeof detail)[number]) => number) => detail.reduce((a, d) => a + f(d), 0);
  const withCpu = detail.every((d) => d.cpu_seconds !== undefined && d.warmup_cpu_seconds !== undefined);
  return {
    M_total: ctx.design.M_total,
    rho: ctx.config.rho_copy,
    chains: ctx.config.n_mcmc_chains,
    warmup: ctx.config.warmup,
    samples: ctx.config.n_mcmc_samples,
    chain_seconds: sum((d) => d.warmup_seconds + d.sampling_seconds),
    sampling_seconds: sum((d) => d.sampling_seconds),
    sampling_gradients: sum((d) => d.sampling_gradients),
    ...(withCpu
      ? {
          chain_cpu_seconds: sum((d) => d.cpu_seconds!),
          sampling_cpu_seconds: sum((d) => d.cpu_seconds! - d.warmup_cpu_seconds!),
        }
      : {}),
    post_seconds: postSeconds,
    chain_detail: detail,
  };
}
