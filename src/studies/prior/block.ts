/**
 * One replicate of a prior predictive study: a block of parameter sets, each one fixed_param run
 * of the simulator (one chain, n_choice_samples draws, seed `seed + set`), or with
 * `seeding: "per_block"` one run for the whole block. The draws go to `blocks/block_b/draws.csv`
 * (draws.ts); CmdStan's files in `sim/` are removed unless keep_csv (then listed in the record,
 * so a resume notices one deleted). The runs of a block follow one another, each holding one core
 * of the study's budget: the engine runs cores + 1 blocks side by side, so every core stays busy.
 */
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import type { CompiledModel } from "../../cmdstan/compile.js";
import { sample } from "../../cmdstan/run.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import { ReplicateFiles } from "../../pipeline/replicateFiles.js";
import type { ReplicateEnv } from "../../pipeline/replicates.js";
import { blockRange, type PriorRun } from "./config.js";
import { BlockRows } from "./draws.js";

export const BLOCK_RECORD = "block.json";
export const DRAWS_FILE = "draws.csv";

export function blockDir(outputDir: string, b: number): string {
  return path.join(outputDir, "blocks", `block_${b}`);
}

/** What every block of a study shares. */
export interface BlockContext {
  run: PriorRun;
  sim: CompiledModel;
  /** The simulator's Stan JSON data (design + hyperparameters), written once by the setup. */
  simDataFile: string;
  outputDir: string;
  keepCsv: boolean;
  chainTimeoutS?: number;
}

interface SimRun {
  seed: number;
  firstSet: number;
  sets: number;
}

/** The CmdStan runs of block b: one per parameter set, or one for the block. */
export function blockRuns(run: PriorRun, b: number): SimRun[] {
  const { first, count } = blockRange(run, b);
  if (run.seeding === "per_block") return [{ seed: run.seed + first, firstSet: first, sets: count }];
  return Array.from({ length: count }, (_, k) => ({ seed: run.seed + first + k, firstSet: first + k, sets: 1 }));
}

export async function runBlock(ctx: BlockContext, env: ReplicateEnv, b: number): Promise<ReplicateRecord> {
  const runs = blockRuns(ctx.run, b);
  const seeds = { first: runs[0].seed, last: runs[runs.length - 1].seed };
  const out = await ReplicateFiles.fresh(blockDir(ctx.outputDir, b), b, seeds, env, BLOCK_RECORD);
  try {
    const rows = new BlockRows();
    const csvFiles: string[] = [];
    for (const r of runs) csvFiles.push(await simulate(ctx, env, out.dir, r, rows));
    out.lap("simulate");
    await out.put(DRAWS_FILE, rows.text());
    if (ctx.keepCsv) for (const f of csvFiles) await out.vouchFor(f);
    else await rm(path.join(out.dir, "sim"), { recursive: true, force: true });
    return await out.finish("ok");
  } catch (err) {
    if (env.signal.aborted) throw err;
    return out.fail(`block ${b}`, err);
  }
}

/** One fixed_param run; its draws are added to `rows`. Returns its CSV file. */
async function simulate(ctx: BlockContext, env: ReplicateEnv, dir: string, r: SimRun, rows: BlockRows) {
  const draws = r.sets * ctx.run.n_choice_samples;
  const label = r.sets === 1 ? `set_${r.firstSet}` : `sets_${r.firstSet}-${r.firstSet + r.sets - 1}`;
  const result = await sample(ctx.sim, {
    chains: 1,
    numSamples: draws,
    algorithm: "fixed_param",
    seed: r.seed,
    dataFile: ctx.simDataFile,
    outputDir: path.join(dir, "sim"),
    outputPrefix: label,
    refresh: Math.max(draws, 1),
    signal: env.signal,
    scheduler: env.scheduler,
    timeoutMs: ctx.chainTimeoutS ? ctx.chainTimeoutS * 1000 : undefined,
  });
  const file = result.csvFiles[0];
  rows.addRun(await readFile(file, "utf8"), file, draws, r.firstSet, ctx.run.n_choice_samples);
  return file;
}
