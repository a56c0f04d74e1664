/**
 * The Slurm executor's cost on this machine, and what the default study would take on N nodes.
 *
 * 1. The smoke study, local vs `--executor slurm` on a private single-node cluster
 *    (scripts/slurm-cluster.sh; the node has this machine's cores), alternating, two rounds,
 *    each in a fresh folder, models compiled beforehand; the two give the same statistics.
 * 2. Slurm's own cost per task (an array of no-op tasks) and a worker's start-up (node, rebuilding
 *    the study from study_config.json with stanc's model checks, the cache lookup).
 * 3. Two iterations of the default config run locally (fit chains' CmdStan elapsed, post-fit CPU
 *    timed alone), and from these per-fit costs an estimate of the default study (20 iterations x
 *    4 chains) on N nodes: a task per iteration with 4 cores, tasks in waves.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { arrayTaskStates, isActiveState, sbatch } from "../src/slurm/commands.js";
import { measuredOn, median, REPO_ROOT } from "./_common.js";
import {
  cleanup,
  ensureBuilt,
  readSmokeConfig,
  runStudyCli,
  sec,
  variant,
  warmCompileCache,
  type StudyRun,
} from "./studyUtilisation.js";

export const title = "Slurm executor: overhead on this machine, the default study on N nodes";

const CLUSTER_SCRIPT = path.join(REPO_ROOT, "scripts", "slurm-cluster.sh");
const DEFAULT_CONFIG = path.join(REPO_ROOT, "configs", "h_m01_parameter_recovery_config.json");
const ROUNDS = 3;
const NOOP_TASKS = 20;
const log = (msg: string) => process.stderr.write(`[bench slurm] ${msg}\n`);

/** Runs `work` with a private single-node Slurm cluster up (scripts/slurm-cluster.sh), SLURM_CONF pointing at it. */
export async function withCluster<T>(work: () => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "cmdstan-recover-bench-slurm-"));
  await execa("bash", [CLUSTER_SCRIPT, "start", dir], { stdio: ["ignore", "ignore", "inherit"] });
  process.env.SLURM_CONF = path.join(dir, "etc", "slurm.conf");
  try {
    return await work();
  } finally {
    await execa("bash", [CLUSTER_SCRIPT, "stop", dir], { stdio: ["ignore", "ignore", "inherit"] });
    delete process.env.SLURM_CONF;
    await rm(dir, { recursive: true, force: true });
  }
}

async function waitUntilEnded(jobId: string): Promise<void> {
  for (;;) {
    const tasks = await arrayTaskStates(jobId);
    if (tasks && tasks.size && ![...tasks.values()].some((t) => isActiveState(t.state))) return;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Wall seconds of an array of no-op one-core tasks, from sbatch to the last task's end. */
async function noopArray(): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "cmdstan-recover-bench-noop-"));
  try {
    const script = path.join(dir, "noop.sbatch");
    await writeFile(script, "#!/bin/bash\ntrue\n");
    const t0 = Date.now();
    const jobId = await sbatch(
      script,
      [`--array=0-${NOOP_TASKS - 1}`, "--cpus-per-task=1", `--output=${dir}/%A_%a.log`],
      dir,
    );
    await waitUntilEnded(jobId);
    return (Date.now() - t0) / 1000;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A worker's start-up: asked for a replicate past the study's end, it stops right after rebuilding and checking. */
async function workerStartup(studyDir: string, count: number): Promise<number> {
  const t0 = Date.now();
  const r = await execa("node", ["dist/cli.js", "worker", "--study-dir", studyDir, "--replicates", String(count + 1)], {
    cwd: REPO_ROOT,
    reject: false,
    all: true,
  });
  if (!/outside this study/.test(r.all ?? "")) throw new Error(`worker start-up probe: unexpected output:\n${r.all}`);
  return (Date.now() - t0) / 1000;
}

async function statistics(run: StudyRun): Promise<string> {
  return readFile(path.join(run.outDir, "recovery_summary", "recovery_statistics.json"), "utf8");
}

interface DefaultFitCosts {
  /** CPU seconds of one fit chain (mean): the chains' OS-measured CPU, which other load does not inflate. */
  chainCpu: number;
  /** Slowest of a fit's 4 chains / their mean (CmdStan elapsed), median over the fits: a task waits for its slowest chain. */
  slowestFactor: number;
  elapsed: number[];
  simulate: number;
  diagnoseCpu: number;
  summaryCpu: number;
  setup: number;
  finish: number;
}

function defaultFitCosts(run: StudyRun, chains: number): DefaultFitCosts {
  const fits = run.chains.filter((c) => c.kind === "fit" && c.elapsed !== undefined);
  const byIteration = new Map<number, number[]>();
  for (const c of fits) byIteration.set(c.iteration, [...(byIteration.get(c.iteration) ?? []), c.elapsed!]);
  const factors = [...byIteration.values()].map((xs) => Math.max(...xs) / (xs.reduce((a, b) => a + b, 0) / xs.length));
  const timing = run.timing!;
  const diagnoseCpu = run.post?.diagnoseCpu ?? NaN;
  // The loop's children: every fit chain, the simulations (a single draw each) and bin/diagnose once per fit.
  const chainCpu =
    (timing.phases.loop.childrenCpu - run.iterations.length * diagnoseCpu) / (run.iterations.length * chains);
  return {
    chainCpu,
    slowestFactor: median(factors),
    elapsed: fits.map((c) => c.elapsed!),
    simulate: median(run.iterations.map((i) => i.timing?.simulate ?? 0)),
    diagnoseCpu,
    summaryCpu: run.post?.summaryCpu ?? NaN,
    setup: timing.phases.setup.wall,
    finish: timing.phases.finish.wall,
  };
}

function scalingTable(costs: DefaultFitCosts, perTaskOverhead: number, startup: number): string[] {
  const iterations = 20;
  const chains = 4;
  // A task's wall: Slurm's overhead, the worker's start-up, the simulation, its slowest chain,
  // then summary and bin/diagnose side by side on the task's cores.
  const chain = costs.chainCpu * costs.slowestFactor;
  const task = perTaskOverhead + startup + costs.simulate + chain + Math.max(costs.diagnoseCpu, costs.summaryCpu);
  const rows = [4, 16, 32].flatMap((cores) =>
    [1, 2, 5, 10, 20].map((nodes) => {
      const slots = nodes * Math.floor(cores / chains);
      const waves = Math.ceil(iterations / slots);
      const wall = costs.setup + waves * task + costs.finish;
      return `| ${cores} | ${nodes} | ${slots} | ${waves} | ${(wall / 60).toFixed(1)} |`;
    }),
  );
  const local2 =
    costs.setup + (iterations * (chains * costs.chainCpu + costs.diagnoseCpu + costs.summaryCpu)) / 2 + costs.finish;
  return [
    `Per task (one default iteration on 4 cores): Slurm ${sec(perTaskOverhead)} s + worker start-up ${sec(startup)} s + simulate ${sec(costs.simulate)} s + its slowest chain ${sec(chain)} s (a chain's CPU ${sec(costs.chainCpu)} s x ${costs.slowestFactor.toFixed(2)}, the slowest / mean chain of a fit) + post-fit max(bin/diagnose ${sec(costs.diagnoseCpu)}, summary ${sec(costs.summaryCpu)}) s = **${sec(task)} s**. The driver adds its setup (${sec(costs.setup)} s, models cached) and finish (${sec(costs.finish)} s, measured on 2 iterations). Estimate: wall = setup + waves x task + finish, waves = ceil(20 / (nodes x floor(cores / 4))), one iteration per task (the default batch size for 20 fits before any is timed). The same per-fit costs on this 2-core machine, locally: ${(local2 / 60).toFixed(1)} min (CPU-bound: 20 x (4 chains + post-fit) / 2 cores).`,
    "",
    "| cores per node | nodes | tasks at once | waves | estimated wall (min) |",
    "|---:|---:|---:|---:|---:|",
    ...rows,
    "",
    "The estimate assumes idle nodes of this machine's speed and an empty queue: waiting in a busy partition comes on top, and a wave lasts as long as its slowest fit (the data of some iterations make fits slower than the two measured here). Beyond 20 tasks at once nothing is gained: one wave, about one fit's time, is the floor.",
  ];
}

export async function run(): Promise<string> {
  await ensureBuilt();
  const smoke = await readSmokeConfig();
  await warmCompileCache(smoke);
  const runs: StudyRun[] = [];
  try {
    const { local, slurm, noop, startup, same } = await withCluster(async () => {
      const local: StudyRun[] = [];
      const slurm: StudyRun[] = [];
      for (let r = 1; r <= ROUNDS; r++) {
        local.push(await runStudyCli(`smoke local ${r}`, smoke));
        slurm.push(await runStudyCli(`smoke slurm ${r}`, smoke, ["--executor", "slurm"]));
      }
      runs.push(...local, ...slurm);
      const same = (await Promise.all([...local, ...slurm].map(statistics))).every((s, _, all) => s === all[0]);
      log("no-op array");
      const noop = await noopArray();
      const startups: number[] = [];
      for (let k = 0; k < 3; k++) startups.push(await workerStartup(slurm[0].outDir, 3));
      const startup = median(startups);
      return { local, slurm, noop, startup, same };
    });
    const raw = JSON.parse(await readFile(DEFAULT_CONFIG, "utf8")) as Record<string, unknown>;
    for (const k of ["inference_model_path", "sim_model_path"]) raw[k] = path.resolve(REPO_ROOT, String(raw[k]));
    await warmCompileCache(raw);
    const def = await runStudyCli("default config, 2 iterations", variant(raw, { n_iterations: 2 }));
    runs.push(def);
    const costs = defaultFitCosts(def, 4);
    const cores = os.availableParallelism();
    const perTask = (noop * cores) / NOOP_TASKS;

    const walls = (xs: StudyRun[]) => xs.map((x) => x.processWall);
    const mLocal = median(walls(local));
    const mSlurm = median(walls(slurm));
    const L: string[] = [`## ${title}`, "", measuredOn(), ""];
    L.push(
      `What: \`node dist/cli.js recover\` on configs/h_m01_parameter_recovery_smoke_config.json (3 iterations x 2 chains x (100 + 200)), locally (all ${cores} cores) and with \`--executor slurm\` on a private single-node cluster started by scripts/slurm-cluster.sh (Slurm 22.05 from Debian, the node = this machine, ${cores} CPUs), alternating, ${ROUNDS} rounds, each into a fresh folder, models compiled beforehand. Wall = the whole process, from start to exit. Through Slurm the default batch size gives 3 tasks of 1 iteration, each asking for 2 cores (its 2 chains), so they run one after another on this node; locally the chains of 2 iterations interleave on the same cores.`,
      "",
      "| run | wall s (per round) | median wall s | ratio to local |",
      "|---|---|---:|---:|",
      `| local | ${walls(local)
        .map((w) => sec(w))
        .join(", ")} | ${sec(mLocal)} | 1.00 |`,
      `| slurm | ${walls(slurm)
        .map((w) => sec(w))
        .join(", ")} | ${sec(mSlurm)} | **${(mSlurm / mLocal).toFixed(2)}** |`,
      "",
      `Overhead of Slurm on the smoke study: **${sec(mSlurm - mLocal)} s** (median wall difference). recovery_statistics.json identical in all ${2 * ROUNDS} runs: **${same ? "yes" : "NO"}**.`,
      `Where it goes: Slurm's own cost per task, from an array of ${NOOP_TASKS} no-op one-core tasks (sbatch to the last task's end, ${cores} at a time): ${sec(noop)} s, i.e. **${sec(perTask)} s per task**; a worker's start-up (node, rebuilding the study: design, stanc --info checks of both models, compile-cache lookup, fingerprint check; median of 3): **${sec(startup)} s per task**; and the loss of overlap: a task's cores idle while its last fit is summarised and diagnosed, where the local executor starts the next fit's chains.`,
      "",
      "### The default study on N nodes (estimate from measured per-fit costs)",
      "",
      `Measured: configs/h_m01_parameter_recovery_config.json with n_iterations 2 (4 chains x (1000 + 2000)), locally on ${cores} cores: wall ${sec(def.processWall)} s; CPU of the CmdStan processes in the loop ${sec(def.timing!.phases.loop.childrenCpu)} s, i.e. **${sec(costs.chainCpu)} CPU-s per fit chain** (less bin/diagnose); the fit chains' CmdStan elapsed ${costs.elapsed.map((e) => sec(e)).join(", ")} s (wall, which other load on the machine inflates); post-fit CPU of one fit timed alone: bin/diagnose ${sec(costs.diagnoseCpu)} s, read + summary ${sec(costs.summaryCpu)} s.`,
      "",
      ...scalingTable(costs, perTask, startup),
    );
    return L.join("\n");
  } finally {
    for (const r of runs) await cleanup(r);
  }
}
