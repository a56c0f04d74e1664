/**
 * A power grid through the Slurm executor against the same grid run locally: the smoke power
 * config with longer fits (2 chains x (400 + 400)) over cells 15:0.0, 15:0.5, 30:0.9 (3 fits
 * each, every fit of every cell in one pool or one job array), run with --measure (the grid's
 * own fits price it, so no timing is needed),
 * alternating local and Slurm on a private single-node cluster (scripts/slurm-cluster.sh, the
 * node = this machine), each round into a fresh folder, models compiled beforehand. Reported:
 * each run's wall (the whole process), the Slurm / local ratio, and whether both give the same
 * decisions (grid_summary.json's cells without their timing keys).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { measuredOn, median, REPO_ROOT } from "./_common.js";
import { withCluster } from "./slurmOverhead.js";
import { ensureBuilt, machineBusySeconds, sec } from "./studyUtilisation.js";

export const title = "Power grid: the Slurm executor against the local pool";

const CONFIG = path.join(REPO_ROOT, "configs", "h_m01_size_power_smoke_config.json");
const CELLS = "15:0.0,15:0.5,30:0.9";
const DRAWS = 400;
/** Regime (a): 5 cells x 6 fits, priced at 1.22 h on 2 cores from its measured fits (bench/RESULTS.md, "Power grid, regime (a)"). */
const REGIME_A = { fits: 30, localSeconds: 1.22 * 3600 };
const ITERATIONS = 3;
const ROUNDS = 2;
const log = (msg: string) => process.stderr.write(`[bench power-slurm] ${msg}\n`);

interface GridRun {
  label: string;
  wall: number;
  otherShare: number;
  decisions: string;
}

/** grid_summary.json's cells with what depends on the clock removed: the numbers both executors must agree on. */
function decisionsOf(text: string): string {
  const timingKey = /seconds|hours|predicted|prediction|provisional|frozen/;
  const cells = (JSON.parse(text) as { cells: Record<string, unknown>[] }).cells;
  return JSON.stringify(cells.map((c) => Object.fromEntries(Object.entries(c).filter(([k]) => !timingKey.test(k)))));
}

async function runGrid(label: string, extra: string[]): Promise<GridRun> {
  const base = await mkdtemp(path.join(os.tmpdir(), "cmdstan-recover-bench-power-"));
  const raw = JSON.parse(await readFile(CONFIG, "utf8")) as Record<string, unknown>;
  for (const k of ["inference_model_path", "sim_model_path"]) raw[k] = path.resolve(REPO_ROOT, String(raw[k]));
  const cfg = path.join(base, "config.json");
  const longer = { n_mcmc_samples: DRAWS, n_mcmc_warmup: DRAWS };
  await writeFile(cfg, JSON.stringify({ ...raw, ...longer, output_dir: path.join(base, "out") }, null, 2));
  log(`${label} -> ${base}`);
  const t0 = Date.now();
  const m0 = machineBusySeconds();
  const args = ["--config", cfg, "--cells", CELLS, "--measure", "--iterations", String(ITERATIONS), ...extra];
  await execa("node", ["dist/cli.js", "power", ...args], { cwd: REPO_ROOT, stdio: ["ignore", "ignore", "inherit"] });
  const wall = (Date.now() - t0) / 1000;
  const busy = machineBusySeconds() - m0;
  const decisions = decisionsOf(await readFile(path.join(base, "out", "grid_summary.json"), "utf8"));
  await rm(base, { recursive: true, force: true });
  return { label, wall, otherShare: Math.max(0, busy / (wall * os.availableParallelism())), decisions };
}

export async function run(): Promise<string> {
  await ensureBuilt();
  for (const k of ["inference_model_path", "sim_model_path"]) {
    const raw = JSON.parse(await readFile(CONFIG, "utf8")) as Record<string, string>;
    await execa("node", ["dist/cli.js", "compile", path.resolve(REPO_ROOT, raw[k])], { cwd: REPO_ROOT });
  }
  const runs = await withCluster(async () => {
    const out: GridRun[] = [];
    for (let r = 1; r <= ROUNDS; r++) {
      out.push(await runGrid(`local ${r}`, []));
      out.push(await runGrid(`slurm ${r}`, ["--executor", "slurm"]));
    }
    return out;
  });
  const local = runs.filter((r) => r.label.startsWith("local"));
  const slurm = runs.filter((r) => r.label.startsWith("slurm"));
  const [mLocal, mSlurm] = [median(local.map((r) => r.wall)), median(slurm.map((r) => r.wall))];
  const ratio = mSlurm / mLocal;
  const perFit = (mSlurm - mLocal) / (3 * ITERATIONS);
  const regimeA = (perFit * REGIME_A.fits) / REGIME_A.localSeconds;
  const same = runs.every((r) => r.decisions === runs[0].decisions);
  return [
    `## ${title}`,
    "",
    measuredOn(),
    "",
    `What: \`node dist/cli.js power --config configs/h_m01_size_power_smoke_config.json --cells ${CELLS} --measure --iterations ${ITERATIONS}\` with n_mcmc_samples and n_mcmc_warmup ${DRAWS}: ${3 * ITERATIONS} fits of h_m01_size (2 chains x (${DRAWS} + ${DRAWS})) in one pool of cores, or one Slurm job array on a private single-node cluster (scripts/slurm-cluster.sh, the node = this machine), alternating, ${ROUNDS} rounds, models compiled beforehand. Wall = the whole process. "busy" = the machine's CPU in use over the run (this run's and others').`,
    "",
    "| run | wall s | machine busy |",
    "|---|---:|---:|",
    ...runs.map((r) => `| ${r.label} | ${sec(r.wall)} | ${(r.otherShare * 100).toFixed(0)}% |`),
    "",
    `Slurm / local (median walls): **${ratio.toFixed(2)}**, ${sec(mSlurm - mLocal)} s more, ${sec(perFit)} s per fit (Slurm's scheduling and each task's worker start-up, which does not grow with a fit's length). Same decisions and summaries in every run: ${same ? "yes" : "**no**"}.`,
    "",
    `Regime (a) through Slurm on this node, from these figures: its ${REGIME_A.fits} fits add about ${sec(perFit * REGIME_A.fits)} s to the ${sec(REGIME_A.localSeconds, 0)} s its fits take locally on 2 cores, **${(regimeA * 100).toFixed(1)}%** (goal: at most 5%).`,
  ].join("\n");
}
