/**
 * SBC study (issue 11): wall time and core utilisation of `cmdstan-recover sbc`.
 *
 * Runs the real CLI (`node dist/cli.js sbc`, built by `make bench`) on the smoke SBC config into
 * a fresh temporary folder (model compiled beforehand), and reads the default study (Report 12's
 * settings: 100 simulations x 1 chain x (500 + 1000)) from $SBC_STUDY or results/h_m01_sbc, what
 * `make sbc` writes, when it has finished (read only: it takes a quarter of an hour or more).
 *
 * From each run's timing.json: wall time per phase, the OS-measured CPU of the CmdStan processes
 * and of the tool, loop_utilisation = CmdStan CPU / (cores x loop wall), and the share of the
 * machine other processes took meanwhile (other engineers' work lowers the utilisation). The
 * original tool fits one single-chain simulation after another, so it keeps one core busy: its
 * utilisation on this machine is at most 1 / cores, and its wall time at least the fits' CPU
 * time run end to end.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { measuredOn, REPO_ROOT } from "./_common.js";
import {
  ensureBuilt,
  mtime,
  pct,
  processIntervals,
  sec,
  timeline,
  type Interval,
  type Timeline,
  type TimingJson,
} from "./studyUtilisation.js";

export const title = "SBC study: wall time and core utilisation of cmdstan-recover sbc";

const SMOKE = path.join(REPO_ROOT, "configs", "h_m01_sbc_smoke_config.json");
const DEFAULT_CONFIG = path.join(REPO_ROOT, "configs", "h_m01_sbc_config.json");
const FULL = path.resolve(REPO_ROOT, process.env.SBC_STUDY ?? path.join("results", "h_m01_sbc"));
const TARGET = 0.9;
const log = (msg: string) => process.stderr.write(`[bench sbc] ${msg}\n`);

interface SbcRun {
  label: string;
  outDir: string;
  timing: TimingJson;
  simulations: number;
  failed: number;
  /** When each fit's chain ran (from its files), and what that says about the cores. */
  timeline: Timeline;
  /** Per simulation wall: sampling (waiting for a core included) and reading + ranks + health. */
  sample: number[];
  post: number[];
}

const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);

async function readSbcRun(label: string, outDir: string): Promise<SbcRun> {
  const timingFile = path.join(outDir, "timing.json");
  const timing = JSON.parse(await readFile(timingFile, "utf8")) as TimingJson;
  const dirs = (await readdir(outDir)).filter((d) => /^simulation_\d+$/.test(d));
  let failed = 0;
  const chains: Interval[] = [];
  const sample: number[] = [];
  const post: number[] = [];
  for (const d of dirs) {
    const record = JSON.parse(await readFile(path.join(outDir, d, "simulation.json"), "utf8")) as {
      index: number;
      status: string;
      timing?: Record<string, number>;
    };
    chains.push(...(await processIntervals(path.join(outDir, d, "fit"), "fit", record.index)));
    if (record.status !== "ok") {
      failed += 1;
      continue;
    }
    sample.push(record.timing?.sample ?? NaN);
    post.push(record.timing?.summarize ?? NaN);
  }
  const loopEnd = (await mtime(timingFile)) - timing.phases.finish.wall;
  const loopStart = loopEnd - timing.phases.loop.wall;
  return {
    label,
    outDir,
    timing,
    simulations: dirs.length,
    failed,
    timeline: timeline(chains, timing.cores, loopStart, loopEnd),
    sample,
    post,
  };
}

async function runSmoke(): Promise<SbcRun> {
  const base = await mkdtemp(path.join(os.tmpdir(), "cmdstan-recover-bench-sbc-"));
  const outDir = path.join(base, "out");
  // Compile first (the cache), so the measured run's setup holds no compile.
  await execa("node", ["dist/cli.js", "compile", path.join(REPO_ROOT, "stan", "h_m01_sbc.stan")], { cwd: REPO_ROOT });
  log(`smoke: sbc -> ${outDir}`);
  const r = await execa("node", ["dist/cli.js", "sbc", "--config", SMOKE, "--output", outDir], {
    cwd: REPO_ROOT,
    reject: false,
    all: true,
  });
  if (r.exitCode !== 0) throw new Error(`smoke sbc exited with ${r.exitCode}:\n${(r.all ?? "").slice(-2000)}`);
  return readSbcRun("smoke", outDir);
}

function column(r: SbcRun): string[] {
  const t = r.timing;
  const loop = t.phases.loop;
  const children = t.phases.setup.childrenCpu + loop.childrenCpu + t.phases.finish.childrenCpu;
  const own = t.phases.setup.ownCpu + loop.ownCpu + t.phases.finish.ownCpu;
  return [
    `${r.simulations} (${r.failed} failed)`,
    sec(t.wall_seconds),
    `${sec(t.phases.setup.wall, 2)} / ${sec(loop.wall)} / ${sec(t.phases.finish.wall, 2)}`,
    `**${t.loop_utilisation?.toFixed(3) ?? "n/a"}**`,
    t.whole_run_utilisation?.toFixed(3) ?? "n/a",
    pct(t.other_processes_share ?? null),
    `${sec(children)} / ${sec(own)}`,
    `**${pct(r.timeline.busyShare)}** (at most ${r.timeline.maxRunning} at once; idle head / body / drain / tail ${pct(r.timeline.idle.head)} / ${pct(r.timeline.idle.body)} / ${pct(r.timeline.idle.drain)} / ${pct(r.timeline.idle.tail)})`,
    `${sec(r.timeline.fitElapsed)} (${(loop.childrenCpu / r.timeline.fitElapsed).toFixed(2)} CPU-s per elapsed s)`,
    `${sec(mean(r.sample), 2)} / ${sec(mean(r.post), 2)}`,
    `${sec(loop.childrenCpu)} one fit after another vs ${sec(loop.childrenCpu / t.cores)} on ${t.cores} cores`,
  ];
}

const ROWS = [
  "simulations",
  "wall_seconds (timing.json)",
  "setup / loop / finish wall s",
  "loop_utilisation (CmdStan CPU / (cores x loop wall))",
  "whole_run_utilisation",
  "other processes on the machine (other_processes_share)",
  "CPU s over the run: CmdStan children (setup: compiling the model when not cached) / the tool itself",
  "loop core-seconds holding a fit chain (timeline from the chains' files; other load does not lower it)",
  "sum of the fits' CmdStan elapsed s; CmdStan CPU per elapsed second (below 1: the chains shared their cores)",
  "mean s per simulation: sampling (incl. waiting for a core) / reading, ranks, health",
  "loop wall s if the cores were the study's alone: the fits' CPU (loop) run one after another (the original) vs spread over the cores",
];

export async function run(): Promise<string> {
  await ensureBuilt();
  const runs: SbcRun[] = [await runSmoke()];
  const full =
    existsSync(path.join(FULL, "timing.json")) && existsSync(path.join(FULL, "sbc_results", "sbc_summary.json"));
  if (full) runs.push(await readSbcRun("default", FULL));
  else log(`no finished default study in ${FULL} (run \`make sbc\`); reporting the smoke run only`);
  const header = `| | ${runs.map((r) => (r.label === "smoke" ? "smoke config (fresh run)" : `default config (${path.relative(REPO_ROOT, FULL)}, read only)`)).join(" | ")} |`;
  const lines = [
    "## SBC study: wall time and core utilisation",
    "",
    measuredOn(),
    "",
    `What: \`node dist/cli.js sbc\` on configs/h_m01_sbc_smoke_config.json (20 simulations x 1 chain x (200 + 300), 3 x 2 design, M_per_cell 10; a fresh run, model compiled beforehand)${full ? ` and the default study ${path.relative(REPO_ROOT, DEFAULT_CONFIG)} (Report 12: 100 simulations x 1 chain x (500 + 1000), 6 x 3 design, M_total 360) as \`make sbc\` wrote it` : ""}. Figures from each run's timing.json (OS-measured) and simulation records. Every fit is one chain, so the local executor keeps cores + 1 simulations in flight and the core budget starts a chain whenever a core frees. The original fits one simulation after another: one busy core, utilisation at most 1 / cores.`,
    "",
    header,
    `|---|${runs.map(() => "---:").join("|")}|`,
    ...ROWS.map((name, i) => `| ${name} | ${runs.map((r) => column(r)[i]).join(" | ")} |`),
    "",
  ];
  for (const r of runs) {
    const u = r.timing.loop_utilisation ?? 0;
    const other = r.timing.other_processes_share ?? 0;
    lines.push(
      `- ${r.label}: loop utilisation ${u.toFixed(3)} against the target ${TARGET}: **${u >= TARGET ? "met" : "missed"}**` +
        (other > 0.05
          ? `, measured while other processes took ${pct(other)} of the machine (their work takes cores the study would otherwise use)`
          : "") +
        ".",
    );
  }
  if (!full)
    lines.push(
      "",
      `The default study was not found in ${path.relative(REPO_ROOT, FULL)}: run \`make sbc\`, then \`npx tsx bench/run.ts sbcStudy\`.`,
    );
  await rm(path.dirname(runs[0].outDir), { recursive: true, force: true });
  return lines.join("\n");
}
