/**
 * Study utilisation (issue 6): how close `recover` comes to keeping every core busy with
 * sampling, and how much of its time goes to work other than sampling.
 *
 * Runs the real CLI (`node dist/cli.js recover`, built by `make bench`; rebuilt here with
 * `make -s build` if src/ is newer) on the smoke config and on a config about ten times larger,
 * each into a fresh temporary output folder; both models are compiled first (cache), so setup
 * holds no compile. Reads what the run wrote:
 * - `timing.json`: wall per phase, OS-measured CPU of the CmdStan children and of the tool,
 *   loop / whole-run utilisation (children CPU / (cores x wall)), outside-loop share;
 * - every `iteration_i/iteration.json` `timing` (simulate, sample, summarize, diagnose s);
 * - a timeline of every CmdStan sampling process (simulator and fit chains), from its files:
 *   it starts when its (empty) stderr file is created and ends at the last write of its stdout
 *   (CmdStan's elapsed-time block); from it, the core-seconds with fewer chains than cores,
 *   split into head (loop start -> first chain), body, drain (last chain started -> last chain
 *   ended: the last fits' chains finishing unevenly) and tail (last chain ended -> loop end:
 *   the last iterations' summary and diagnose).
 * And, when it has finished, the full study in $FULL_STUDY or results/h_m01_parameter_recovery (read only).
 *
 * The helpers are exported for bench/studyScaling.ts.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { formatSummaryCsv, quantileRuleFor, summarizeFit } from "../src/analysis/summary.js";
import { runDiagnose } from "../src/cmdstan/diagnose.js";
import { locateCmdStan } from "../src/cmdstan/locate.js";
import { readStanCsv, readStanFit } from "../src/cmdstan/stanCsv.js";
import { childrenCpuSeconds, ownCpuSeconds } from "../src/pipeline/timing.js";
import { measuredOn, REPO_ROOT } from "./_common.js";

export const title = "Study utilisation: cores busy with sampling, time outside sampling";

const SMOKE_CONFIG = path.join(REPO_ROOT, "configs", "h_m01_parameter_recovery_smoke_config.json");
/** The full default study read by fullStudy(): $FULL_STUDY, else results/h_m01_parameter_recovery (what `make recover` writes). */
const FULL_STUDY = path.resolve(REPO_ROOT, process.env.FULL_STUDY ?? path.join("results", "h_m01_parameter_recovery"));
const log = (msg: string) => process.stderr.write(`[bench study] ${msg}\n`);

/** The larger config: 6 iterations x 4 chains x (250 + 500) = 18000 chain iterations, 10x the smoke's 3 x 2 x (100 + 200). */
export const LARGER = { n_iterations: 6, n_mcmc_chains: 4, n_mcmc_samples: 500 } as const;

export interface PhaseTiming {
  wall: number;
  childrenCpu: number;
  ownCpu: number;
  otherCpu?: number;
}
export interface TimingJson {
  cores: number;
  iterations_run: number;
  wall_seconds: number;
  phases: { setup: PhaseTiming; loop: PhaseTiming; finish: PhaseTiming };
  loop_utilisation: number | null;
  whole_run_utilisation: number | null;
  outside_loop_share: number | null;
  other_processes_share?: number | null;
}
export interface IterationJson {
  iteration: number;
  status: string;
  seconds: number;
  timing?: Partial<Record<"simulate" | "sample" | "summarize" | "diagnose", number>>;
}
export interface Interval {
  kind: "sim" | "fit";
  iteration: number;
  start: number;
  end: number;
  /** CmdStan's own elapsed total (s), when printed. */
  elapsed?: number;
}
export interface StudyRun {
  label: string;
  config: Record<string, unknown>;
  outDir: string;
  /** Wall of the whole `node dist/cli.js recover` process (s). */
  processWall: number;
  timing?: TimingJson;
  iterations: IterationJson[];
  chains: Interval[];
  /** Absolute loop window (epoch s). */
  loopStart: number;
  loopEnd: number;
  cores: number;
  /** CPU core-seconds of other processes on the machine during the run (/proc/stat busy - this run's CPU). */
  otherCpu?: number;
  /** Post-fit CPU of iteration 1, re-timed alone (s). */
  post?: { diagnoseCpu: number; summaryCpu: number };
}

/** Busy core-seconds of the whole machine since boot (/proc/stat: all but idle and iowait); NaN off Linux. */
export function machineBusySeconds(): number {
  try {
    const f = readFileSync("/proc/stat", "utf8").split("\n")[0].trim().split(/\s+/).slice(1).map(Number);
    // user nice system idle iowait irq softirq steal (guest time is already in user)
    return (f[0] + f[1] + f[2] + f[5] + f[6] + f[7]) / 100;
  } catch {
    return NaN;
  }
}

/** Build dist/ when a source file is newer than dist/cli.js (make's own rule decides). */
export async function ensureBuilt(): Promise<void> {
  await execa("make", ["-s", "build"], { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "inherit"] });
}

/** Compile both models into the cache, so the timed runs' setup holds no compile. */
export async function warmCompileCache(config: Record<string, unknown>): Promise<void> {
  for (const key of ["inference_model_path", "sim_model_path"]) {
    await execa("node", ["dist/cli.js", "compile", String(config[key])], {
      cwd: REPO_ROOT,
      stdio: ["ignore", "ignore", "inherit"],
    });
  }
}

export async function readSmokeConfig(): Promise<Record<string, unknown>> {
  const raw = JSON.parse(await readFile(SMOKE_CONFIG, "utf8")) as Record<string, unknown>;
  for (const k of ["inference_model_path", "sim_model_path"]) raw[k] = path.resolve(REPO_ROOT, String(raw[k]));
  return raw;
}

/** The smoke config with top-level overrides and study_design_config overrides. */
export function variant(
  base: Record<string, unknown>,
  top: Record<string, unknown> = {},
  design: Record<string, unknown> = {},
): Record<string, unknown> {
  return { ...base, ...top, study_design_config: { ...(base.study_design_config as object), ...design } };
}

export const mtime = async (f: string) => (await stat(f)).mtimeMs / 1000;

export async function processIntervals(dir: string, kind: "sim" | "fit", iteration: number): Promise<Interval[]> {
  if (!existsSync(dir)) return [];
  const out: Interval[] = [];
  for (const f of (await readdir(dir)).filter((x) => x.endsWith("-stdout.txt")).sort()) {
    const stdoutFile = path.join(dir, f);
    const stderrFile = stdoutFile.replace(/-stdout\.txt$/, "-stderr.txt");
    const text = await readFile(stdoutFile, "utf8");
    const m = /([\d.]+) seconds \(Total\)/.exec(text);
    const elapsed = m ? Number(m[1]) : undefined;
    const end = await mtime(stdoutFile);
    let start: number;
    if (existsSync(stderrFile) && (await stat(stderrFile)).size === 0) start = await mtime(stderrFile);
    else start = end - (elapsed ?? 0);
    out.push({ kind, iteration, start, end, elapsed });
  }
  return out;
}

export async function readIterations(outDir: string): Promise<{
  iterations: IterationJson[];
  chains: Interval[];
  files: Map<number, { summary?: number; diagnostics?: number; record?: number }>;
}> {
  const iterations: IterationJson[] = [];
  const chains: Interval[] = [];
  const files = new Map<number, { summary?: number; diagnostics?: number; record?: number }>();
  for (const d of await readdir(outDir)) {
    const m = /^iteration_(\d+)$/.exec(d);
    if (!m) continue;
    const i = Number(m[1]);
    const dir = path.join(outDir, d);
    const rec = path.join(dir, "iteration.json");
    if (!existsSync(rec)) continue;
    iterations.push(JSON.parse(await readFile(rec, "utf8")) as IterationJson);
    chains.push(
      ...(await processIntervals(path.join(dir, "sim"), "sim", i)),
      ...(await processIntervals(path.join(dir, "fit"), "fit", i)),
    );
    const opt = async (f: string) => (existsSync(path.join(dir, f)) ? mtime(path.join(dir, f)) : undefined);
    files.set(i, {
      summary: await opt("posterior_summary.csv"),
      diagnostics: await opt("diagnostics.txt"),
      record: await mtime(rec),
    });
  }
  iterations.sort((a, b) => a.iteration - b.iteration);
  return { iterations, chains, files };
}

/** Run `recover` on `config` in a fresh temporary folder and read back what it wrote. */
export async function runStudyCli(
  label: string,
  config: Record<string, unknown>,
  extraArgs: string[] = [],
): Promise<StudyRun> {
  const base = await mkdtemp(path.join(os.tmpdir(), "cmdstan-recover-bench-"));
  const outDir = path.join(base, "out");
  const cfgFile = path.join(base, "config.json");
  // keep_csv: the fit CSVs stay, so the post-fit work can be re-timed alone (postFitCost).
  await writeFile(cfgFile, JSON.stringify({ ...config, output_dir: outDir, keep_csv: true }, null, 2));
  log(`${label}: recover -> ${outDir}`);
  const t0 = Date.now();
  const m0 = machineBusySeconds();
  const c0 = childrenCpuSeconds();
  const o0 = ownCpuSeconds();
  const r = await execa("node", ["dist/cli.js", "recover", "--config", cfgFile, ...extraArgs], {
    cwd: REPO_ROOT,
    reject: false,
    all: true,
  });
  const otherCpu = machineBusySeconds() - m0 - (childrenCpuSeconds() - c0) - (ownCpuSeconds() - o0);
  const processWall = (Date.now() - t0) / 1000;
  if (r.exitCode !== 0) throw new Error(`${label}: recover exited with ${r.exitCode}:\n${(r.all ?? "").slice(-2000)}`);
  log(`${label}: ${processWall.toFixed(1)} s`);
  const timingFile = path.join(outDir, "timing.json");
  const timing = JSON.parse(await readFile(timingFile, "utf8")) as TimingJson;
  const { iterations, chains } = await readIterations(outDir);
  const loopEnd = (await mtime(timingFile)) - timing.phases.finish.wall;
  const loopStart = loopEnd - timing.phases.loop.wall;
  const post = await postFitCost(await fitCsvs(outDir, 1));
  return {
    label,
    config,
    outDir,
    processWall,
    timing,
    iterations,
    chains,
    loopStart,
    loopEnd,
    cores: timing.cores,
    post,
    otherCpu,
  };
}

/**
 * CPU seconds of the work after one fit, timed alone on an idle machine: bin/diagnose on the
 * fit's CSVs (OS-measured children CPU) and the tool's reading + summary (own CPU).
 */
/**
 * CPU seconds of the post-fit work on one fit's CSVs, timed alone: medians of `rounds` runs, with
 * the spread of bin/diagnose's (the CPU time of one and the same process varies between runs on
 * this shared virtual machine, by up to half in one session).
 */
export async function postFitCost(
  csvFiles: string[],
  rounds = 3,
): Promise<{ diagnoseCpu: number; diagnoseCpuRange: [number, number]; summaryCpu: number }> {
  const install = await locateCmdStan();
  const quantileRule = quantileRuleFor(install.version);
  const diagnose: number[] = [];
  const summary: number[] = [];
  // One untimed round first: in a study the tool's summary code is warm (JIT) after the first fit.
  formatSummaryCsv(
    summarizeFit(await readStanFit(csvFiles, { requireMethod: "sample" }), { quantileRule }),
    quantileRule,
  );
  for (let r = 0; r < rounds; r++) {
    const c0 = childrenCpuSeconds();
    await runDiagnose(install.path, csvFiles);
    diagnose.push(childrenCpuSeconds() - c0);
    const o0 = ownCpuSeconds();
    formatSummaryCsv(
      summarizeFit(await readStanFit(csvFiles, { requireMethod: "sample" }), { quantileRule }),
      quantileRule,
    );
    summary.push(ownCpuSeconds() - o0);
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return {
    diagnoseCpu: median(diagnose),
    diagnoseCpuRange: [Math.min(...diagnose), Math.max(...diagnose)],
    summaryCpu: median(summary),
  };
}

async function fitCsvs(outDir: string, i: number): Promise<string[]> {
  const dir = path.join(outDir, `iteration_${i}`, "fit");
  return (await readdir(dir))
    .filter((f) => /^fit-\d+\.csv$/.test(f))
    .sort()
    .map((f) => path.join(dir, f));
}

/** Copies of Stan CSV files without the columns of the named variables (comment lines kept), in a temporary folder. */
export async function withoutColumns(files: string[], variables: string[]): Promise<string[]> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "cmdstan-recover-bench-lean-"));
  const drop = (name: string) => variables.some((v) => name === v || name.startsWith(`${v}.`));
  const out: string[] = [];
  for (const f of files) {
    let keep: number[] | undefined;
    const lines = (await readFile(f, "utf8")).split("\n").map((line) => {
      if (line === "" || line.startsWith("#")) return line;
      const parts = line.split(",");
      keep ??= parts.map((n, i) => (drop(n) ? -1 : i)).filter((i) => i >= 0);
      return keep.map((i) => parts[i]).join(",");
    });
    const target = path.join(dir, path.basename(f));
    await writeFile(target, lines.join("\n"));
    out.push(target);
  }
  return out;
}

export async function cleanup(run: StudyRun): Promise<void> {
  await rm(path.dirname(run.outDir), { recursive: true, force: true });
}

export interface Timeline {
  loopWall: number;
  /** Core-seconds of CmdStan sampling processes in the loop / (cores x loop wall). */
  busyShare: number;
  maxRunning: number;
  /** Core-seconds with fewer chains than cores, as shares of cores x loop wall. */
  idle: { head: number; body: number; drain: number; tail: number; total: number };
  drainSeconds: number;
  tailSeconds: number;
  /** Sum of CmdStan's elapsed totals of the fit chains (s). */
  fitElapsed: number;
}

export function timeline(chains: Interval[], cores: number, loopStart: number, loopEnd: number): Timeline {
  const ev: [number, number][] = [];
  for (const c of chains) {
    ev.push([Math.max(c.start, loopStart), 1], [Math.min(c.end, loopEnd), -1]);
  }
  ev.sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const firstStart = Math.min(...chains.map((c) => c.start));
  const lastStart = Math.max(...chains.map((c) => c.start));
  const lastEnd = Math.max(...chains.map((c) => c.end));
  const idle = { head: 0, body: 0, drain: 0, tail: 0, total: 0 };
  let busy = 0;
  let running = 0;
  let maxRunning = 0;
  let t = loopStart;
  const addIdle = (a: number, b: number, n: number) => {
    // Split the idle core-seconds of [a, b) over the four regions.
    const free = Math.max(0, cores - n);
    const cuts: [keyof typeof idle, number, number][] = [
      ["head", loopStart, firstStart],
      ["body", firstStart, lastStart],
      ["drain", lastStart, lastEnd],
      ["tail", lastEnd, loopEnd],
    ];
    for (const [k, lo, hi] of cuts) {
      const overlap = Math.max(0, Math.min(b, hi) - Math.max(a, lo));
      idle[k] += free * overlap;
    }
  };
  for (const [time, d] of ev) {
    if (time > t) {
      busy += Math.min(running, cores) * (time - t);
      addIdle(t, time, running);
      t = time;
    }
    running += d;
    maxRunning = Math.max(maxRunning, running);
  }
  if (loopEnd > t) addIdle(t, loopEnd, running);
  const cap = cores * (loopEnd - loopStart);
  for (const k of ["head", "body", "drain", "tail"] as const) idle[k] /= cap;
  idle.total = idle.head + idle.body + idle.drain + idle.tail;
  const fitElapsed = chains.filter((c) => c.kind === "fit").reduce((s, c) => s + (c.elapsed ?? 0), 0);
  return {
    loopWall: loopEnd - loopStart,
    busyShare: busy / cap,
    maxRunning,
    idle,
    drainSeconds: lastEnd - lastStart,
    tailSeconds: loopEnd - lastEnd,
    fitElapsed,
  };
}

export interface StepShares {
  simulate: number;
  sample: number;
  summarize: number;
  diagnose: number;
  nonSamplingShare: number;
  meanSummarize: number;
  meanDiagnose: number;
}

export function stepShares(iterations: IterationJson[]): StepShares | undefined {
  const withTiming = iterations.filter((i) => i.timing);
  if (!withTiming.length) return undefined;
  const s = { simulate: 0, sample: 0, summarize: 0, diagnose: 0 };
  for (const it of withTiming) for (const k of Object.keys(s) as (keyof typeof s)[]) s[k] += it.timing?.[k] ?? 0;
  const total = s.simulate + s.sample + s.summarize + s.diagnose;
  return {
    ...s,
    nonSamplingShare: (s.simulate + s.summarize + s.diagnose) / total,
    meanSummarize: s.summarize / withTiming.length,
    meanDiagnose: s.diagnose / withTiming.length,
  };
}

export const pct = (x: number | null | undefined, d = 1) =>
  x === null || x === undefined || !Number.isFinite(x) ? "n/a" : `${(100 * x).toFixed(d)}%`;
export const sec = (x: number | undefined, d = 1) => (x === undefined || !Number.isFinite(x) ? "n/a" : x.toFixed(d));

function describeConfig(c: Record<string, unknown>): string {
  const d = c.study_design_config as { M_per_cell?: number };
  const samples = Number(c.n_mcmc_samples);
  const warmup = c.n_mcmc_warmup !== undefined ? Number(c.n_mcmc_warmup) : Math.floor(samples / 2);
  return `${c.n_iterations} it x ${c.n_mcmc_chains} chains x (${warmup} + ${samples}), M_per_cell ${d.M_per_cell}${c.cores ? `, cores ${c.cores}` : ""}`;
}

function runColumn(r: StudyRun): string[] {
  const t = r.timing!;
  const tl = timeline(r.chains, r.cores, r.loopStart, r.loopEnd);
  const st = stepShares(r.iterations);
  const n = r.iterations.length;
  const capacity = r.cores * t.wall_seconds;
  const noSamplingProcess = 1 - (tl.busyShare * r.cores * t.phases.loop.wall) / capacity;
  const samplingCpu = r.post ? t.phases.loop.childrenCpu - n * r.post.diagnoseCpu : NaN;
  const postPerFit = r.post ? r.post.diagnoseCpu + r.post.summaryCpu : NaN;
  return [
    describeConfig(r.config),
    sec(t.wall_seconds),
    `${sec(t.phases.setup.wall, 2)} / ${sec(t.phases.loop.wall)} / ${sec(t.phases.finish.wall, 2)}`,
    `**${t.loop_utilisation?.toFixed(3)}**`,
    `${t.whole_run_utilisation?.toFixed(3)}`,
    pct(t.outside_loop_share),
    pct(tl.busyShare),
    pct(noSamplingProcess),
    `${pct(tl.idle.total)} = ${pct(tl.idle.head)} / ${pct(tl.idle.body)} / ${pct(tl.idle.drain)} / ${pct(tl.idle.tail)}`,
    `${sec(tl.drainSeconds)} / ${sec(tl.tailSeconds)}`,
    String(tl.maxRunning),
    `${sec(t.phases.loop.childrenCpu)} / ${sec(t.phases.loop.ownCpu)}`,
    r.post
      ? `${sec(r.post.diagnoseCpu, 2)} / ${sec(r.post.summaryCpu, 2)} (${pct(postPerFit / (samplingCpu / n))} of a fit's sampling CPU)`
      : "n/a",
    pct(samplingCpu / capacity),
    `**${pct(1 - samplingCpu / capacity)}**`,
    st
      ? `${pct(st.nonSamplingShare)} (simulate ${sec(st.simulate)}, summarize ${sec(st.summarize)}, diagnose ${sec(st.diagnose)}, sample ${sec(st.sample)})`
      : "n/a",
    st ? `${sec(st.meanSummarize, 2)} / ${sec(st.meanDiagnose, 2)}` : "n/a",
    r.otherCpu !== undefined
      ? `${sec(r.otherCpu)} core-s (${pct(r.otherCpu / (r.cores * r.processWall))} of the cores during the run)`
      : "n/a",
  ];
}

export const ROW_NAMES = [
  "config",
  "wall_seconds (timing.json)",
  "setup / loop / finish wall s",
  "loop_utilisation (children CPU / (cores x loop wall))",
  "whole_run_utilisation",
  "outside_loop_share ((setup + finish) / wall)",
  "loop core-seconds holding a sampling process (timeline)",
  "run core-seconds holding no sampling process (timeline, whole run)",
  "idle core-s in the loop = head / body / drain / tail",
  "drain s (last chain start -> last chain end) / tail s (-> loop end)",
  "most sampling processes at once",
  "loop CPU s: CmdStan children / the tool itself",
  "post-fit CPU s per iteration, timed alone afterwards: bin/diagnose / read + summary",
  "sampling CPU (loop children CPU - iterations x diagnose CPU) / (cores x wall)",
  "time outside sampling, CPU basis (1 - the row above)",
  "non-sampling share of iteration step wall time (iteration.json; simulate and sample include waiting for a core)",
  "mean summarize s / mean diagnose s per iteration (wall, alongside chains)",
  "CPU of other processes on the machine during the run (/proc/stat)",
];

export function table(runs: StudyRun[]): string {
  const cols = runs.map(runColumn);
  const L = [`| | ${runs.map((r) => r.label).join(" | ")} |`, `|---|${runs.map(() => "---:").join("|")}|`];
  ROW_NAMES.forEach((name, i) => L.push(`| ${name} | ${cols.map((c) => c[i]).join(" | ")} |`));
  return L.join("\n");
}

/** The full study in results/ (read only): wall, per-iteration seconds, timeline. */
export async function fullStudy(): Promise<string> {
  if (!existsSync(path.join(FULL_STUDY, "recovery_summary", "recovery_statistics.json"))) {
    return `The full study (${path.relative(REPO_ROOT, FULL_STUDY)}) has not finished (or is absent); not reported.`;
  }
  const info = JSON.parse(await readFile(path.join(FULL_STUDY, "config_info.json"), "utf8")) as Record<string, number>;
  const manifest = JSON.parse(await readFile(path.join(FULL_STUDY, "study_manifest.json"), "utf8")) as {
    created: string;
  };
  const { iterations, chains, files } = await readIterations(FULL_STUDY);
  const timingFile = path.join(FULL_STUDY, "timing.json");
  const timing = existsSync(timingFile) ? (JSON.parse(await readFile(timingFile, "utf8")) as TimingJson) : undefined;
  const reportFile = path.join(FULL_STUDY, "recovery_summary", "report.md");
  const end = await mtime(reportFile);
  const created = Date.parse(manifest.created) / 1000;
  const loopStart = Math.min(...chains.map((c) => c.start));
  const loopEnd = Math.max(...[...files.values()].map((f) => f.record ?? 0));
  const cores = timing?.cores ?? os.availableParallelism();
  const tl = timeline(chains, cores, loopStart, loopEnd);
  const secs = iterations.map((i) => i.seconds);
  const post = [...files.entries()].map(([i, f]) => {
    const lastFit = Math.max(...chains.filter((c) => c.kind === "fit" && c.iteration === i).map((c) => c.end));
    return { summarize: (f.summary ?? NaN) - lastFit, diagnose: (f.diagnostics ?? NaN) - (f.summary ?? NaN) };
  });
  const meanOf = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const L: string[] = [];
  L.push(
    `### The full study (${path.relative(REPO_ROOT, FULL_STUDY)}, default config: ${info.n_iterations} iterations x ${info.n_mcmc_chains} chains x (${info.n_mcmc_warmup} + ${info.n_mcmc_samples}), read only)`,
    "",
  );
  L.push(
    timing
      ? `timing.json: wall ${sec(timing.wall_seconds)} s, loop_utilisation ${timing.loop_utilisation}, whole_run_utilisation ${timing.whole_run_utilisation}, outside_loop_share ${pct(timing.outside_loop_share)}.`
      : "No timing.json: this run was started with a build from before timing.json existed (so also no `timing` in its iteration.json); the figures below come from file times and CmdStan's elapsed times.",
  );
  L.push("");
  L.push(
    `- Wall from the study folder's creation (after compiling) to report.md: ${sec(end - created)} s; first chain start to last iteration record (the loop): ${sec(tl.loopWall)} s.`,
  );
  L.push(
    `- Per-iteration \`seconds\` (iteration.json; includes waiting for cores, since 2 iterations are in flight): mean ${sec(meanOf(secs))}, min ${sec(Math.min(...secs))}, max ${sec(Math.max(...secs))}; sum ${sec(secs.reduce((a, b) => a + b, 0))}.`,
  );
  L.push(
    `- Loop core-seconds with a sampling process running: **${pct(tl.busyShare)}** of ${cores} cores x loop wall; idle = head ${pct(tl.idle.head)} / body ${pct(tl.idle.body)} / drain ${pct(tl.idle.drain)} / tail ${pct(tl.idle.tail)} (drain ${sec(tl.drainSeconds)} s, tail ${sec(tl.tailSeconds)} s); at most ${tl.maxRunning} at once.`,
  );
  L.push(
    `- Sum of CmdStan elapsed over the ${chains.filter((c) => c.kind === "fit").length} fit chains: ${sec(tl.fitElapsed)} s, i.e. ${sec(tl.fitElapsed / cores)} s on ${cores} cores = ${pct(tl.fitElapsed / cores / tl.loopWall)} of the loop wall.`,
  );
  const stepTimes = iterations.filter((it) => it.timing?.summarize !== undefined && it.timing?.diagnose !== undefined);
  if (stepTimes.length > 0) {
    // Summary and bin/diagnose run side by side after each fit; iteration.json times each one.
    L.push(
      `- After each fit, side by side and alongside the next fit's chains (iteration.json timing, wall): summarize mean ${sec(meanOf(stepTimes.map((it) => it.timing!.summarize!)))} s, bin/diagnose mean ${sec(meanOf(stepTimes.map((it) => it.timing!.diagnose!)))} s per iteration.`,
    );
  } else {
    L.push(
      `- After each fit (file times, alongside the next fit's chains): summarize (last chain end -> posterior_summary.csv) mean ${sec(meanOf(post.map((p) => p.summarize)))} s, diagnose (-> diagnostics.txt) mean ${sec(meanOf(post.map((p) => p.diagnose)))} s per iteration.`,
    );
  }
  const real = path.join(REPO_ROOT, ".cache", "bench", "csvRead", "real");
  const realFiles = [1, 2, 3, 4].map((c) => path.join(real, `h_m01-${c}.csv`));
  const outsideLoop = end - created - tl.loopWall;
  const wall = end - created;
  if (realFiles.every((f) => existsSync(f))) {
    const post = await postFitCost(realFiles);
    const perFit = tl.fitElapsed / iterations.length;
    const n = iterations.length;
    const postShare = (n * (post.diagnoseCpu + post.summaryCpu)) / (cores * tl.loopWall);
    // The same fit without the generated quantities log_lik[M] and y_pred[M].
    const stripped = await withoutColumns(realFiles, ["log_lik", "y_pred"]);
    let lean: { diagnoseCpu: number; summaryCpu: number } | undefined;
    try {
      lean = await postFitCost(stripped);
    } finally {
      await rm(path.dirname(stripped[0]), { recursive: true, force: true });
    }
    const leanShare = (n * (lean.diagnoseCpu + lean.summaryCpu)) / (cores * tl.loopWall);
    const columns = (await readStanCsv(realFiles[0], { variables: ["lp__"] })).columnNames;
    const gq = columns.filter((c) => /^(log_lik|y_pred)\./.test(c)).length;
    L.push(
      `- Post-fit CPU per fit of this shape (4 x 2000 draws of h_m01, timed alone on bench/csvRead's real fit in .cache/bench/csvRead/real, median of 3): bin/diagnose ${sec(post.diagnoseCpu, 2)} s (${sec(post.diagnoseCpuRange[0], 2)}-${sec(post.diagnoseCpuRange[1], 2)}), read + summary ${sec(post.summaryCpu, 2)} s, ` +
        `i.e. ${pct((post.diagnoseCpu + post.summaryCpu) / perFit)} of a fit's ${sec(perFit)} chain-seconds (CmdStan elapsed), ${pct(postShare)} of the loop's core-seconds. It runs beside the next fit's chains, so it shows up as slower chains, not as idle cores.`,
    );
    // Utilisation and time outside sampling: measured (timing.json) when the run wrote it, else estimated from the timeline.
    let chainUtil: number;
    let idleShare: number;
    if (timing) {
      const childrenCpu =
        timing.phases.setup.childrenCpu + timing.phases.loop.childrenCpu + timing.phases.finish.childrenCpu;
      const ownCpu = timing.phases.setup.ownCpu + timing.phases.loop.ownCpu + timing.phases.finish.ownCpu;
      const capacity = cores * timing.wall_seconds;
      const chainCpu = childrenCpu - n * post.diagnoseCpu;
      chainUtil = chainCpu / capacity;
      // The same with the fastest and slowest bin/diagnose of the rounds timed alone.
      const utilRange = [childrenCpu - n * post.diagnoseCpuRange[1], childrenCpu - n * post.diagnoseCpuRange[0]].map(
        (c) => (c / capacity).toFixed(3),
      );
      idleShare = 1 - (tl.busyShare * tl.loopWall) / timing.wall_seconds;
      L.push(
        `- Measured by the OS over the whole run (timing.json, ${sec(timing.wall_seconds)} s on ${cores} cores = ${sec(capacity)} core-s): CmdStan children ${sec(childrenCpu)} CPU-s ` +
          `(whole_run_utilisation **${timing.whole_run_utilisation}**, bin/diagnose included), the tool itself ${sec(ownCpu)} CPU-s (${pct(ownCpu / capacity)}). ` +
          `Chains alone (children minus ${n} x bin/diagnose's ${sec(post.diagnoseCpu, 2)} CPU-s timed alone): ${sec(chainCpu)} CPU-s, **utilisation ${chainUtil.toFixed(3)}** (${utilRange[0]}-${utilRange[1]} over the diagnose timings); ` +
          `bin/diagnose ${pct((n * post.diagnoseCpu) / capacity)}, the tool ${pct(ownCpu / capacity)}` +
          (timing.phases.loop.otherCpu !== undefined
            ? `, other processes on the machine ${sec(timing.phases.setup.otherCpu! + timing.phases.loop.otherCpu + timing.phases.finish.otherCpu!)} CPU-s (other_processes_share ${timing.other_processes_share}), `
            : " (other processes on the machine: not recorded by this build), ") +
          `idle or other ${pct(Math.max(0, 1 - childrenCpu / capacity - ownCpu / capacity))} of the core-seconds.`,
        `- Time outside sampling: ${pct(idleShare)} of the run counting core-seconds with no sampling process (timeline); **${pct(1 - chainUtil)}** on a CPU basis (every core-second not spent in a chain). Outside the loop (setup + finish): ${sec(timing.phases.setup.wall + timing.phases.finish.wall)} s (${pct(timing.outside_loop_share ?? NaN)}).`,
      );
    } else {
      const samplingShare = (tl.busyShare * tl.loopWall - (n * (post.diagnoseCpu + post.summaryCpu)) / cores) / wall;
      chainUtil = samplingShare;
      idleShare = 1 - (tl.busyShare * tl.loopWall) / wall;
      L.push(
        `- Estimated (no timing.json): time outside the loop ${sec(outsideLoop)} s (${pct(outsideLoop / wall)}); cores without a sampling process ${pct(idleShare)} of the run; ` +
          `CPU spent on sampling about ${pct(samplingShare)} of the run's core-seconds, so time outside sampling on a CPU basis about ${pct(1 - samplingShare)}.`,
      );
    }
    L.push(
      `- What the post-fit work costs is set by the CSV width: ${gq} of h_m01's ${columns.length} columns (${pct(gq / columns.length, 0)}) are the generated quantities log_lik[M_total] and y_pred[M_total] (docs/models.md "h_m01"), which the recovery metrics never read. ` +
        `On the same fit without them: bin/diagnose ${sec(lean.diagnoseCpu, 2)} s, read + summary ${sec(lean.summaryCpu, 2)} s, ${pct(leanShare)} of the loop's core-seconds instead of ${pct(postShare)}.`,
      `- Targets for the default config: utilisation (chains' CPU / (cores x wall)) >= 0.95 **${chainUtil >= 0.95 ? "met" : "missed"}** (${chainUtil.toFixed(3)}); time outside sampling <= 3% ` +
        `**${idleShare <= 0.03 ? "met" : "missed"}** counting cores without a sampling process (${pct(idleShare)}), **${1 - chainUtil <= 0.03 ? "met" : "missed"}** on a CPU basis (${pct(1 - chainUtil)}); ` +
        `the post-fit work (docs/recovery.md "Each iteration", steps 5 and 6: a summary of every output and bin/diagnose's text on the fit's CSVs) is required, and its cost follows the CSV width.`,
    );
  }
  return L.join("\n");
}

export async function run(): Promise<string> {
  await ensureBuilt();
  const smoke = await readSmokeConfig();
  await warmCompileCache(smoke);
  const runs: StudyRun[] = [];
  try {
    runs.push(await runStudyCli("smoke", smoke));
    runs.push(await runStudyCli("10x smoke", variant(smoke, LARGER)));
    const L: string[] = [];
    L.push(`## ${title}`, "", measuredOn(), "");
    L.push(
      "What: `node dist/cli.js recover` on configs/h_m01_parameter_recovery_smoke_config.json and on the same config with " +
        `${Object.entries(LARGER)
          .map(([k, v]) => `${k} ${v}`)
          .join(
            ", ",
          )} (10x the chain iterations), each into a fresh temporary folder, models compiled beforehand (setup holds no compile), all cores (${runs[0].cores}). One run each. ` +
        "Utilisation = CPU of the CmdStan child processes (OS-measured) / (cores x wall); it counts bin/diagnose as busy and the tool's own work (reading CSVs, summaries, plots) as not. " +
        "The timeline counts only sampling processes (simulator and fit chains), from their files. Time outside sampling is given two ways: core-seconds when no sampling process held the core (idle cores, setup, finish), and on a CPU basis, which also counts the post-fit work (bin/diagnose and the summary) that runs beside the next fit's chains and slows them. " +
        "Idle regions: head = loop start to first chain, body = until the last chain started, drain = until the last chain ended, tail = until the loop ended.",
      "",
    );
    L.push(table(runs), "");
    L.push(await fullStudy());
    return L.join("\n");
  } finally {
    for (const r of runs) await cleanup(r);
  }
}
