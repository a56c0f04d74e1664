/**
 * Flat recovery (issue 17): the users' default m_0 study, configs/parameter_recovery_config.json
 * (50 iterations x 4 chains x (1000 + 2000), M 25, K 3, D 5, R 15), run with the real CLI on
 * every core, and what one fit costs, step by step.
 *
 * 1. Per fit, timed alone on iteration 1's data (medians of 3 rounds, CPU seconds measured by the
 *    OS): the 4 chains' sampling (children CPU), the simulator, the column-subset copies, the
 *    posterior summary (own CPU) and bin/diagnose (children CPU), with summary_variables
 *    "tracked" (the default) and "all" (every output, as the original).
 * 2. The whole study with `node dist/cli.js recover` into a fresh folder (models compiled
 *    beforehand): wall time, timing.json's loop utilisation (CmdStan children CPU / (cores x loop
 *    wall)), and the share of the loop's core-seconds spent sampling: the children CPU minus the
 *    simulators' and bin/diagnose's (from 1), over cores x loop wall.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { formatSummaryCsv, quantileRuleFor, summarizeFit } from "../src/analysis/summary.js";
import { compileModel } from "../src/cmdstan/compile.js";
import { writeStanCsvSubset } from "../src/cmdstan/csvSubset.js";
import { runDiagnose } from "../src/cmdstan/diagnose.js";
import { locateCmdStan, type CmdStanInstall } from "../src/cmdstan/locate.js";
import { sample } from "../src/cmdstan/run.js";
import { readStanFit } from "../src/cmdstan/stanCsv.js";
import { childrenCpuSeconds, ownCpuSeconds } from "../src/pipeline/timing.js";
import { measuredOn, median, REPO_ROOT } from "./_common.js";
import {
  ensureBuilt,
  machineBusySeconds,
  mtime,
  pct,
  readIterations,
  sec,
  timeline,
  warmCompileCache,
  type TimingJson,
} from "./studyUtilisation.js";

export const title = "Flat recovery: the m_0 default study on 2 cores, and where a fit's CPU goes";

const CONFIG = path.join(REPO_ROOT, "configs", "parameter_recovery_config.json");
const TRACKED = ["alpha", "beta", "delta", "upsilon"];
const log = (msg: string) => process.stderr.write(`[bench flat] ${msg}\n`);

interface FitCost {
  sampling: number;
  simulate: number;
  subset: number;
  summaryTracked: number;
  diagnoseTracked: number;
  summaryAll: number;
  diagnoseAll: number;
  csvMB: number;
}

async function childCpu<T>(work: () => Promise<T>): Promise<[T, number]> {
  const c0 = childrenCpuSeconds();
  const value = await work();
  return [value, childrenCpuSeconds() - c0];
}

async function ownCpu<T>(work: () => Promise<T>): Promise<[T, number]> {
  const o0 = ownCpuSeconds();
  const value = await work();
  return [value, ownCpuSeconds() - o0];
}

async function summaryOf(files: string[], install: CmdStanInstall, variables?: string[]): Promise<string> {
  const rule = quantileRuleFor(install.version);
  const fit = await readStanFit(files, { requireMethod: "sample" });
  return formatSummaryCsv(summarizeFit(fit, { quantileRule: rule, variables }), rule);
}

/** One round of every step of a fit on `data` (a study's iteration 1), in `dir`. */
async function fitRound(install: CmdStanInstall, dir: string, data: string, simData: string): Promise<FitCost> {
  const [inference, sim] = await Promise.all(
    ["m_0", "m_0_sim"].map((m) => compileModel(install, path.join(REPO_ROOT, "stan", `${m}.stan`))),
  );
  const fitDir = path.join(dir, "fit");
  const [run, sampling] = await childCpu(() =>
    sample(inference, {
      chains: 4,
      numWarmup: 1000,
      numSamples: 2000,
      seed: 54321,
      dataFile: data,
      outputDir: fitDir,
      outputPrefix: "fit",
    }),
  );
  const [, simulate] = await childCpu(() =>
    sample(sim, {
      chains: 1,
      numSamples: 1,
      algorithm: "fixed_param",
      seed: 12345,
      dataFile: simData,
      outputDir: path.join(dir, "sim"),
    }),
  );
  const subsetFiles = run.csvFiles.map((f) => path.join(dir, "subset", path.basename(f)));
  const [, subset] = await ownCpu(() =>
    Promise.all(run.csvFiles.map((f, c) => writeStanCsvSubset(f, subsetFiles[c], TRACKED))),
  );
  await summaryOf(subsetFiles, install); // warm the JIT, as the second fit of a study finds it
  const [, summaryTracked] = await ownCpu(() => summaryOf(subsetFiles, install));
  const [, diagnoseTracked] = await childCpu(() => runDiagnose(install.path, subsetFiles));
  const [, summaryAll] = await ownCpu(() => summaryOf(run.csvFiles, install));
  const [, diagnoseAll] = await childCpu(() => runDiagnose(install.path, run.csvFiles));
  const bytes = await Promise.all(run.csvFiles.map(async (f) => (await readFile(f)).length));
  return {
    sampling,
    simulate,
    subset,
    summaryTracked,
    diagnoseTracked,
    summaryAll,
    diagnoseAll,
    csvMB: bytes.reduce((a, b) => a + b, 0) / 1e6,
  };
}

async function fitCosts(install: CmdStanInstall, studyOut: string, rounds = 3): Promise<FitCost> {
  const data = path.join(studyOut, "iteration_1", "data.json");
  const simData = path.join(studyOut, "sim_data.json");
  const all: FitCost[] = [];
  for (let r = 0; r < rounds; r++) {
    const dir = await mkdtemp(path.join(os.tmpdir(), "cmdstan-recover-bench-flat-fit-"));
    try {
      all.push(await fitRound(install, dir, data, simData));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }
  const keys = Object.keys(all[0]) as (keyof FitCost)[];
  return Object.fromEntries(keys.map((k) => [k, median(all.map((c) => c[k]))])) as unknown as FitCost;
}

interface StudyResult {
  processWall: number;
  timing: TimingJson;
  n: number;
  busyShare: number;
  otherCpu: number;
  outDir: string;
}

async function runStudy(base: string): Promise<StudyResult> {
  const outDir = path.join(base, "out");
  const config = JSON.parse(await readFile(CONFIG, "utf8")) as Record<string, unknown>;
  const file = path.join(base, "config.json");
  await writeFile(
    file,
    JSON.stringify({
      ...config,
      inference_model_path: path.join(REPO_ROOT, "stan", "m_0.stan"),
      sim_model_path: path.join(REPO_ROOT, "stan", "m_0_sim.stan"),
      output_dir: outDir,
    }),
  );
  const t0 = Date.now();
  const m0 = machineBusySeconds();
  const c0 = childrenCpuSeconds();
  const r = await execa("node", ["dist/cli.js", "recover", "--config", file], {
    cwd: REPO_ROOT,
    reject: false,
    all: true,
  });
  const otherCpu = machineBusySeconds() - m0 - (childrenCpuSeconds() - c0);
  if (r.exitCode !== 0) throw new Error(`recover exited with ${r.exitCode}:\n${(r.all ?? "").slice(-2000)}`);
  const processWall = (Date.now() - t0) / 1000;
  const timingFile = path.join(outDir, "timing.json");
  const timing = JSON.parse(await readFile(timingFile, "utf8")) as TimingJson;
  const { iterations, chains } = await readIterations(outDir);
  const loopEnd = (await mtime(timingFile)) - timing.phases.finish.wall;
  const tl = timeline(
    chains.filter((c) => c.kind === "fit"),
    timing.cores,
    loopEnd - timing.phases.loop.wall,
    loopEnd,
  );
  return { processWall, timing, n: iterations.length, busyShare: tl.busyShare, otherCpu, outDir };
}

function report(s: StudyResult, f: FitCost): string[] {
  const t = s.timing;
  const loop = t.phases.loop;
  const capacity = t.cores * loop.wall;
  const samplingCpu = loop.childrenCpu - s.n * (f.simulate + f.diagnoseTracked);
  const perFitTracked = f.sampling + f.simulate + f.subset + f.summaryTracked + f.diagnoseTracked;
  const perFitAll = f.sampling + f.simulate + f.summaryAll + f.diagnoseAll;
  const row = (what: string, tracked: number, all: number) =>
    `| ${what} | ${sec(tracked, 3)} (${pct(tracked / perFitTracked)}) | ${sec(all, 3)} (${pct(all / perFitAll)}) |`;
  return [
    `What: \`node dist/cli.js recover\` on configs/parameter_recovery_config.json (the users' m_0 study: ${s.n} iterations x 4 chains x (1000 + 2000), M 25, K 3, D 5, R 15; adapt delta and tree depth CmdStan's defaults), a fresh folder, models compiled beforehand, all cores; then one fit of iteration 1's data timed step by step, alone (medians of 3 rounds; CPU seconds measured by the OS).`,
    "",
    "### One fit, CPU seconds per step",
    "",
    '| step | summary_variables "tracked" (default) | "all" (every output, as the original) |',
    "|---|---:|---:|",
    row("sampling, 4 chains (CmdStan)", f.sampling, f.sampling),
    row("simulator (CmdStan, fixed_param)", f.simulate, f.simulate),
    row("column-subset copies (the tool)", f.subset, 0),
    row("posterior summary (the tool)", f.summaryTracked, f.summaryAll),
    row("bin/diagnose (CmdStan)", f.diagnoseTracked, f.diagnoseAll),
    `| total | ${sec(perFitTracked, 3)} | ${sec(perFitAll, 3)} |`,
    "",
    `The 4 chains write ${f.csvMB.toFixed(1)} MB of CSV per fit, 584 columns per draw, of which the tracked variables and the sampler take 28. Sampling's share of a fit's CPU: **${pct(f.sampling / perFitTracked)}** with "tracked", ${pct(f.sampling / perFitAll)} with "all".`,
    "",
    "### The whole study",
    "",
    "| figure | value |",
    "|---|---:|",
    `| wall, whole process (s) | ${sec(s.processWall)} |`,
    `| setup / loop / finish wall (s) | ${sec(t.phases.setup.wall, 2)} / ${sec(loop.wall)} / ${sec(t.phases.finish.wall, 2)} |`,
    `| loop_utilisation (CmdStan children CPU / (cores x loop wall)) | **${t.loop_utilisation?.toFixed(3)}** |`,
    `| share of the loop's core-seconds spent sampling (children CPU - ${s.n} x (simulator + diagnose) from above) | **${(samplingCpu / capacity).toFixed(3)}** |`,
    `| the tool's own CPU in the loop (s; subset copies, summaries, files) | ${sec(loop.ownCpu)} (${pct(loop.ownCpu / capacity)} of the loop's core-seconds) |`,
    `| sampling's share of the CPU the study itself used in the loop (sampling / (children + the tool); other load does not lower it) | **${(samplingCpu / (loop.childrenCpu + loop.ownCpu)).toFixed(3)}** |`,
    `| loop core-seconds holding a fit chain (timeline from the chains' files) | ${pct(s.busyShare)} |`,
    `| other processes on the machine (other_processes_share; CPU s during the run) | ${pct(t.other_processes_share)}; ${sec(s.otherCpu)} |`,
  ];
}

export async function run(): Promise<string> {
  await ensureBuilt();
  const config = JSON.parse(await readFile(CONFIG, "utf8")) as Record<string, unknown>;
  await warmCompileCache({
    inference_model_path: path.join(REPO_ROOT, "stan", "m_0.stan"),
    sim_model_path: path.join(REPO_ROOT, "stan", "m_0_sim.stan"),
  });
  log(`study: ${config.n_iterations} iterations`);
  const base = await mkdtemp(path.join(os.tmpdir(), "cmdstan-recover-bench-flat-"));
  try {
    const study = await runStudy(base);
    log(`study: ${study.processWall.toFixed(1)} s; timing one fit`);
    const install = await locateCmdStan();
    const costs = await fitCosts(install, study.outDir);
    return [`## ${title}`, "", measuredOn(), "", ...report(study, costs)].join("\n");
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}
