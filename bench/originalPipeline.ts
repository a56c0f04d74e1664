/**
 * The original's pipeline beside ours: the users' m_0 flat recovery
 * (configs/parameter_recovery_config.json) with 10 iterations instead of 50, once through
 * `node dist/cli.js recover` and once through bench/original_flat_recovery.py, a re-creation of
 * the original's Python loop with cmdstanpy (one iteration after another: a fixed_param simulator
 * draw, the fit with its chains in parallel, then fit.summary() and fit.diagnose()).
 *
 * Both use the same .stan files, the same CmdStan, the same seeds (12345+i-1 for the simulator,
 * 54321+i-1 for the fit) and the same design: the Python side reads the sim_data.json that our
 * first run wrote and builds each fit's data as our data.json (the simulator data without its
 * hyperparameters, plus y). cmdstanpy compiles its own executables into a temporary folder
 * beforehand (not timed); ours are compiled beforehand too. Two rounds, alternating (ours,
 * original, ours, original) so that noise on the shared machine falls on both; the figures are
 * the medians, with the other processes' CPU during each run (/proc/stat).
 *
 * Checks that both ran the same study: every iteration's simulated y, and alpha's posterior mean
 * (ours from posterior_summary.csv, the original's from its fit CSVs, read here after the run, and
 * from fit.summary(), which prints 6 significant figures).
 */
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { locateCmdStan } from "../src/cmdstan/locate.js";
import { readStanCsv } from "../src/cmdstan/stanCsv.js";
import { childrenCpuSeconds, ownCpuSeconds } from "../src/pipeline/timing.js";
import { measuredOn, median, REPO_ROOT } from "./_common.js";
import { ensureBuilt, machineBusySeconds, pct, sec, warmCompileCache, type TimingJson } from "./studyUtilisation.js";

export const title = "The original's pipeline (cmdstanpy, one fit after another) beside ours: m_0 flat recovery";

const CONFIG = path.join(REPO_ROOT, "configs", "parameter_recovery_config.json");
const SCRIPT = path.join(REPO_ROOT, "bench", "original_flat_recovery.py");
const PYTHON = path.join(REPO_ROOT, ".venv", "bin", "python");
const N_ITERATIONS = 10;
const ROUNDS = 2;
const log = (msg: string) => process.stderr.write(`[bench original] ${msg}\n`);

interface Measured {
  wall: number;
  /** The iteration loop's wall (ours: timing.json's loop phase; the original's: its own clock). */
  loopWall: number;
  /** CPU seconds of other processes on the machine while it ran. */
  otherCpu: number;
  load: number;
  y: number[][];
  alphaMeans: number[];
}

type Step = "simulate" | "sample" | "summary" | "diagnose";

interface Original extends Measured {
  alphaSummary: number[];
  /** Wall seconds of each step, summed over the iterations. */
  steps: Record<Step, number>;
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number, number, number]> {
  const load = os.loadavg()[0];
  const t0 = performance.now();
  const m0 = machineBusySeconds();
  const c0 = childrenCpuSeconds();
  const o0 = ownCpuSeconds();
  const value = await work();
  const otherCpu = machineBusySeconds() - m0 - (childrenCpuSeconds() - c0) - (ownCpuSeconds() - o0);
  return [value, (performance.now() - t0) / 1000, otherCpu, load];
}

async function ours(config: Record<string, unknown>, base: string, round: number): Promise<Measured> {
  const outDir = path.join(base, `ours-${round}`);
  const file = path.join(base, `config-${round}.json`);
  await writeFile(file, JSON.stringify({ ...config, output_dir: outDir }));
  const [r, wall, otherCpu, load] = await timed(() =>
    execa("node", ["dist/cli.js", "recover", "--config", file], { cwd: REPO_ROOT, reject: false, all: true }),
  );
  if (r.exitCode !== 0) throw new Error(`recover exited with ${r.exitCode}:\n${(r.all ?? "").slice(-2000)}`);
  const timing = JSON.parse(await readFile(path.join(outDir, "timing.json"), "utf8")) as TimingJson;
  const y: number[][] = [];
  const alphaMeans: number[] = [];
  for (let i = 1; i <= N_ITERATIONS; i++) {
    const dir = path.join(outDir, `iteration_${i}`);
    y.push((JSON.parse(await readFile(path.join(dir, "data.json"), "utf8")) as { y: number[] }).y);
    const rows = (await readFile(path.join(dir, "posterior_summary.csv"), "utf8")).split("\n");
    alphaMeans.push(Number(rows.find((l) => l.startsWith("alpha,"))!.split(",")[1]));
  }
  return { wall, loopWall: timing.phases.loop.wall, otherCpu, load, y, alphaMeans };
}

async function original(
  exeDir: string,
  simData: string,
  base: string,
  round: number,
  cmdstan: string,
  samples: number,
  chains: number,
): Promise<Original> {
  const outDir = path.join(base, `original-${round}`);
  await mkdir(outDir);
  const args = [SCRIPT, "run", exeDir, simData, outDir, ...[N_ITERATIONS, samples, chains].map(String)];
  const [r, wall, otherCpu, load] = await timed(() =>
    execa(PYTHON, args, { cwd: REPO_ROOT, env: { CMDSTAN: cmdstan }, reject: false }),
  );
  if (r.exitCode !== 0)
    throw new Error(`original_flat_recovery.py exited with ${r.exitCode}:\n${r.stderr.slice(-2000)}`);
  const out = JSON.parse(r.stdout.trim().split("\n").pop()!) as {
    loop_wall: number;
    steps: Record<Step, number>;
    iterations: { y: number[]; alpha_mean_summary: number }[];
  };
  return {
    wall,
    loopWall: out.loop_wall,
    otherCpu,
    load,
    y: out.iterations.map((it) => it.y),
    alphaMeans: await Promise.all(
      out.iterations.map((_, i) => alphaMean(path.join(outDir, `iteration_${i + 1}`, "fit"))),
    ),
    alphaSummary: out.iterations.map((it) => it.alpha_mean_summary),
    steps: out.steps,
  };
}

/** Mean of alpha over every draw of the fit's CSV files in `dir` (cmdstanpy's output). */
async function alphaMean(dir: string): Promise<number> {
  const files = (await readdir(dir)).filter((f) => f.endsWith(".csv")).sort();
  let sum = 0;
  let n = 0;
  for (const f of files) {
    const draws = (await readStanCsv(path.join(dir, f), { variables: ["alpha"] })).draws.alpha;
    for (const x of draws) sum += x;
    n += draws.length;
  }
  return sum / n;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const maxAbsDiff = (a: number[], b: number[]) => Math.max(...a.map((x, i) => Math.abs(x - b[i])));

export async function run(): Promise<string> {
  await ensureBuilt();
  const install = await locateCmdStan();
  const base = await mkdtemp(path.join(os.tmpdir(), "cmdstan-recover-bench-original-"));
  try {
    const users = JSON.parse(await readFile(CONFIG, "utf8")) as Record<string, unknown>;
    const config = {
      ...users,
      n_iterations: N_ITERATIONS,
      inference_model_path: path.join(REPO_ROOT, "stan", "m_0.stan"),
      sim_model_path: path.join(REPO_ROOT, "stan", "m_0_sim.stan"),
    };
    const samples = Number(users.n_mcmc_samples);
    const chains = Number(users.n_mcmc_chains);
    await warmCompileCache(config);
    const exeDir = path.join(base, "exe");
    await mkdir(exeDir);
    log("compiling through cmdstanpy (not timed)");
    await execa(PYTHON, [SCRIPT, "compile", exeDir, config.inference_model_path, config.sim_model_path], {
      cwd: REPO_ROOT,
      env: { CMDSTAN: install.path },
      stdio: ["ignore", "ignore", "inherit"],
    });
    const simData = path.join(base, "ours-1", "sim_data.json");
    const o: Measured[] = [];
    const p: Original[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      o.push(await ours(config, base, round));
      log(`round ${round}: ours ${o.at(-1)!.wall.toFixed(1)} s`);
      p.push(await original(exeDir, simData, base, round, install.path, samples, chains));
      log(`round ${round}: original ${p.at(-1)!.wall.toFixed(1)} s`);
    }
    const sameDesign =
      (await readFile(path.join(base, "ours-2", "sim_data.json"), "utf8")) === (await readFile(simData, "utf8"));
    const sameY = [...o, ...p].every((m) => JSON.stringify(m.y) === JSON.stringify(o[0].y));
    const drawsDiff = Math.max(...p.map((x) => maxAbsDiff(x.alphaMeans, o[0].alphaMeans)));
    const oursDiff = maxAbsDiff(o[1].alphaMeans, o[0].alphaMeans);
    const summaryDiff = Math.max(...p.map((x) => maxAbsDiff(x.alphaSummary, o[0].alphaMeans)));
    const cores = os.availableParallelism();
    const wall = { ours: median(o.map((m) => m.wall)), original: median(p.map((m) => m.wall)) };
    const loop = { ours: median(o.map((m) => m.loopWall)), original: median(p.map((m) => m.loopWall)) };
    const step = (k: Step) => sec(median(p.map((x) => x.steps[k])) / N_ITERATIONS, 2);
    const postShare = median(p.map((x) => (x.steps.summary + x.steps.diagnose) / x.loopWall));
    const other = (m: Measured) =>
      `${sec(m.otherCpu)} (${pct(m.otherCpu / (cores * m.wall))}), load ${m.load.toFixed(2)}`;
    const L = [
      `## ${title}`,
      "",
      measuredOn(),
      "",
      `What: configs/parameter_recovery_config.json (the users' m_0 study: M 25, K 3, D 5, R 15, ${chains} chains x (${Math.floor(samples / 2)} + ${samples}), CmdStan's default adapt delta and tree depth) with **${N_ITERATIONS} iterations instead of 50** to keep the run short, CmdStan ${install.version} (${path.relative(REPO_ROOT, install.path)}) for both, ${cores} cores. ` +
        "Ours: `node dist/cli.js recover`, whole process (design, the loop, the recovery summary with its plots), models compiled beforehand. " +
        "The original's pipeline: bench/original_flat_recovery.py with cmdstanpy 1.2.5, whole Python process; per iteration in order, as the original's ParameterRecovery: the simulator (fixed_param, 1 draw), the fit with its chains in parallel (parallel_chains 4), fit.summary() and fit.diagnose() written out; models compiled by cmdstanpy beforehand, no analysis or plots at the end. " +
        `Same .stan files, seeds and design (our run's sim_data.json). ${ROUNDS} rounds, alternating ours / original; medians. Other load: CPU seconds of other processes on the machine during the run (/proc/stat), as a share of ${cores} cores x wall, and the 1-minute load average at the start.`,
      "",
      "| run | wall (s) | loop wall (s) | other processes' CPU s (share), load |",
      "|---|---:|---:|---|",
      ...o.flatMap((m, r) => [
        `| round ${r + 1}, ours | ${sec(m.wall)} | ${sec(m.loopWall)} | ${other(m)} |`,
        `| round ${r + 1}, original | ${sec(p[r].wall)} | ${sec(p[r].loopWall)} | ${other(p[r])} |`,
      ]),
      `| **median, ours** | **${sec(wall.ours)}** | ${sec(loop.ours)} | |`,
      `| **median, original** | **${sec(wall.original)}** | ${sec(loop.original)} | |`,
      "",
      `Original / ours, whole process: **${(wall.original / wall.ours).toFixed(2)}x**; the iteration loops alone: ${(loop.original / loop.ours).toFixed(2)}x. ` +
        `The original's loop does one step after another; per iteration (wall, medians of the rounds): simulator ${step("simulate")} s, sampling (4 chains on ${cores} cores) ${step("sample")} s, fit.summary() ${step("summary")} s (bin/stansummary over every output column), fit.diagnose() ${step("diagnose")} s (bin/diagnose on the full CSVs). ` +
        `The summary and diagnose, ${pct(postShare)} of its loop, hold one core with the other idle and no chain running; ours summarises the tracked variables, runs bin/diagnose on a column subset, and does both beside the next iterations' chains.`,
      "",
      "Same study: " +
        `design ${sameDesign ? "identical in both of our runs" : "**differs between our runs**"}; ` +
        `simulated y ${sameY ? `identical in every iteration of all ${2 * ROUNDS} runs` : "**differs**"}; ` +
        `mean over the ${N_ITERATIONS} iterations of alpha's posterior mean: ours ${mean(o[0].alphaMeans).toFixed(6)}, original ${mean(p[0].alphaMeans).toFixed(6)}. ` +
        `Per iteration, alpha's posterior mean from the original's fit CSVs (all draws, read after the run) against ours: largest difference ${drawsDiff.toExponential(1)} ` +
        `(${drawsDiff <= 1e-6 ? "**agree to 1e-6**: same seeds, chain ids, data and CmdStan give the same draws" : "**do not agree to 1e-6**"}); between our two runs ${oursDiff.toExponential(1)}; ` +
        `fit.summary()'s Mean, printed by bin/stansummary to 6 significant figures, is within ${summaryDiff.toExponential(1)} of ours.`,
    ];
    return L.join("\n");
  } finally {
    await rm(base, { recursive: true, force: true });
  }
}
