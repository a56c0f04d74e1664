/**
 * Prior predictive analyses: `cmdstan-recover prior` against the original's way of running them,
 * one fixed_param CmdStan call per parameter set (seed 12345 + i, 1 chain, n_choice_samples
 * draws), each waited for before the next starts. The same calls, on the same simulator data
 * (the tool's sim_data.json); the sequential baseline runs the executable directly (no Python,
 * no CSV reading: a lower bound for the original), and is also timed with each CSV read back.
 * The tool runs them on every core through the replicate engine (blocks of 20 sets), and with
 * `seeding: "per_block"` (one CmdStan run per block: other numbers). Two configs: the users'
 * hierarchical one (200 sets x 5 draws) and their flat prior_analysis_config.json (1000 x 1).
 * Rounds are interleaved (sequential, tool, tool per_block), so every variant sees the same load.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { compileModel } from "../src/cmdstan/compile.js";
import { locateCmdStan } from "../src/cmdstan/locate.js";
import { sampleArgs } from "../src/cmdstan/run.js";
import { readStanCsv } from "../src/cmdstan/stanCsv.js";
import { childrenCpuSeconds, ownCpuSeconds } from "../src/pipeline/timing.js";
import { measuredOn, median, REPO_ROOT } from "./_common.js";
import { ensureBuilt, machineBusySeconds } from "./studyUtilisation.js";

export const title = "Prior predictive: the engine on every core vs one CmdStan call at a time";

const ROUNDS = 3;
const log = (line: string) => process.stderr.write(`[bench priorPredictive] ${line}\n`);

interface Measure {
  wall: number;
  /** CPU seconds of the work: CmdStan, node (the tool's process; the bench's own CSV reading). */
  cpu: number;
  /** Core-seconds other processes used meanwhile (/proc/stat). */
  other: number;
}

async function measured(work: () => Promise<void>): Promise<Measure> {
  const t0 = Date.now();
  const c0 = childrenCpuSeconds() + ownCpuSeconds();
  const m0 = machineBusySeconds();
  await work();
  const wall = (Date.now() - t0) / 1000;
  const cpu = childrenCpuSeconds() + ownCpuSeconds() - c0;
  return { wall, cpu, other: machineBusySeconds() - m0 - cpu };
}

/** The tool on `config` (overrides applied); returns its wall, CPU and timing.json. */
async function tool(config: Record<string, unknown>, outDir: string) {
  const file = `${outDir}.json`;
  await writeFile(file, JSON.stringify({ ...config, output_dir: outDir }));
  const m = await measured(async () => {
    const r = await execa("node", ["dist/cli.js", "prior", "--config", file], {
      cwd: REPO_ROOT,
      reject: false,
      all: true,
    });
    if (r.exitCode !== 0) throw new Error(`prior exited with ${r.exitCode}:\n${(r.all ?? "").slice(-2000)}`);
  });
  const timing = JSON.parse(await readFile(path.join(outDir, "timing.json"), "utf8"));
  const loop = timing.phases.loop;
  return { ...m, loop: loop.wall as number, loopCpu: (loop.childrenCpu + loop.ownCpu) as number };
}

/** The original's loop: call i with seed 12345 + i, waited for; optionally each CSV read back. */
async function sequential(exe: string, dataFile: string, sets: number, draws: number, dir: string, read: boolean) {
  const csvs: string[] = [];
  const m = await measured(async () => {
    for (let i = 0; i < sets; i++) {
      const csv = path.join(dir, `set_${i}.csv`);
      const args = sampleArgs(
        { numSamples: draws, algorithm: "fixed_param", seed: 12345 + i, dataFile, outputDir: dir, refresh: draws },
        1,
        csv,
      );
      await execa(exe, args, { cwd: dir, stdout: "ignore", stderr: "ignore" });
      if (read) await readStanCsv(csv);
      csvs.push(csv);
    }
  });
  return { ...m, csvs };
}

/** Every value of the sequential CSVs equals the tool's prior_samples.csv row for row. */
async function sameNumbers(csvs: string[], samplesCsv: string): Promise<boolean> {
  const rows = (await readFile(samplesCsv, "utf8")).trimEnd().split("\n").slice(1);
  let r = 0;
  for (const file of csvs) {
    const csv = await readStanCsv(file);
    const cols = csv.columnNames.filter((c) => !c.endsWith("__"));
    for (let d = 0; d < csv.numDraws; d++, r++) {
      const fields = rows[r].split(",");
      const values = fields.slice(fields.length - 1 - cols.length, fields.length - 1).map(Number);
      if (values.some((v, k) => v !== csv.draws[cols[k]][d])) return false;
    }
  }
  return r === rows.length;
}

interface Case {
  label: string;
  config: string;
  simModel: string;
  sets: number;
  draws: number;
}

const CASES: Case[] = [
  {
    label: "hierarchical: h_m01_prior_analysis_config.json, h_m01_sim, 200 sets x 5 draws",
    config: "configs/h_m01_prior_analysis_config.json",
    simModel: "stan/h_m01_sim.stan",
    sets: 200,
    draws: 5,
  },
  {
    label: "flat: prior_analysis_config.json, m_0_sim, 1000 sets x 1 draw",
    config: "configs/prior_analysis_config.json",
    simModel: "stan/m_0_sim.stan",
    sets: 1000,
    draws: 1,
  },
];

async function benchCase(c: Case, base: string): Promise<string> {
  const install = await locateCmdStan();
  const sim = await compileModel(install, path.join(REPO_ROOT, c.simModel));
  const config = JSON.parse(await readFile(path.join(REPO_ROOT, c.config), "utf8")) as Record<string, unknown>;
  const rows: Record<string, Measure[]> = { seq: [], seqRead: [], tool: [], toolLoop: [], block: [], blockLoop: [] };
  let same = true;
  for (let round = 1; round <= ROUNDS; round++) {
    const dir = await mkdtemp(path.join(base, `${round}-`));
    log(`${c.label}: round ${round}`);
    const t = await tool(config, path.join(dir, "tool"));
    rows.tool.push(t);
    rows.toolLoop.push({ wall: t.loop, cpu: t.loopCpu, other: NaN });
    const dataFile = path.join(dir, "tool", "sim_data.json");
    const s = await sequential(sim.exe, dataFile, c.sets, c.draws, await mkdtemp(path.join(dir, "seq-")), false);
    rows.seq.push(s);
    if (round === 1) same = await sameNumbers(s.csvs, path.join(dir, "tool", "prior_samples.csv"));
    rows.seqRead.push(
      await sequential(sim.exe, dataFile, c.sets, c.draws, await mkdtemp(path.join(dir, "seqr-")), true),
    );
    const b = await tool({ ...config, seeding: "per_block" }, path.join(dir, "block"));
    rows.block.push(b);
    rows.blockLoop.push({ wall: b.loop, cpu: b.loopCpu, other: NaN });
    await rm(dir, { recursive: true, force: true });
  }
  const med = (ms: Measure[], k: keyof Measure) => median(ms.map((m) => m[k]));
  const f = (x: number) => (Number.isFinite(x) ? x.toFixed(2) : "–");
  const seq = med(rows.seq, "wall");
  const line = (what: string, key: string, calls: string) =>
    `| ${what} | ${calls} | ${f(med(rows[key], "wall"))} | ${rows[key].map((m) => f(m.wall)).join(" ")} | ${f(med(rows[key], "cpu"))} | ${f(med(rows[key], "other"))} | **${(seq / med(rows[key], "wall")).toFixed(2)}x** |`;
  const blocks = Math.ceil(c.sets / 20);
  return [
    `### ${c.label}`,
    "",
    "| run | CmdStan processes | median wall s | rounds (s) | CPU s (CmdStan + node) | other processes' core-s | speed vs one call at a time |",
    "|---|---:|---:|---|---:|---:|---:|",
    line("one call at a time (the original's loop, CmdStan alone)", "seq", String(c.sets)),
    line("one call at a time, each CSV read back", "seqRead", String(c.sets)),
    line("`prior`, whole command (node start, setup, loop, summaries, figures)", "tool", String(c.sets)),
    line("`prior`, its loop only (timing.json)", "toolLoop", String(c.sets)),
    line("`prior` with `seeding: per_block`, whole command", "block", String(blocks)),
    line("`prior` with `seeding: per_block`, its loop only", "blockLoop", String(blocks)),
    "",
    `The tool's prior_samples.csv holds exactly the sequential calls' draws, row for row (round 1): **${same ? "yes" : "NO"}**. ` +
      "With `per_block` only each block's first set has the same draws (its run has that set's seed); the rest are other draws of the same distribution.",
    "",
  ].join("\n");
}

export async function run(): Promise<string> {
  await ensureBuilt();
  const base = await mkdtemp(path.join(os.tmpdir(), "cmdstan-recover-bench-prior-"));
  const sections: string[] = [];
  try {
    for (const c of CASES) sections.push(await benchCase(c, base));
  } finally {
    await rm(base, { recursive: true, force: true });
  }
  return [
    `## ${title}`,
    "",
    measuredOn(),
    "",
    `What: per config, ${ROUNDS} interleaved rounds of (1) \`node dist/cli.js prior\` on the shipped config (all ${os.availableParallelism()} cores, blocks of 20 parameter sets, simulator compiled beforehand), (2) the same CmdStan calls one after another, each waited for, on the tool's sim_data.json (seed 12345 + i, 1 chain, num_samples = n_choice_samples, fixed_param), without and (3) with reading each CSV back, (4) the tool with \`seeding: per_block\`. Wall times are medians over the rounds; CPU is what the OS measured for CmdStan and node (the tool's process, or the bench's own CSV reading); the machine is shared, so other processes' use is given.`,
    "",
    ...sections,
  ].join("\n");
}
