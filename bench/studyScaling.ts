/**
 * Study scaling (issue 6, the cheaper version): wall time of `recover` on the smoke config
 * (configs/h_m01_parameter_recovery_smoke_config.json) with all cores, with `--cores 1`, with
 * n_iterations doubled and with study_design_config.M_per_cell doubled (40). One run each, in
 * fresh temporary folders, models compiled beforehand; the runs go one after another, so they
 * see the same machine. Ratios are against the first (baseline) run of the same invocation.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { compileModel } from "../src/cmdstan/compile.js";
import { locateCmdStan } from "../src/cmdstan/locate.js";
import { sample } from "../src/cmdstan/run.js";
import { readStanCsv } from "../src/cmdstan/stanCsv.js";
import { measuredOn } from "./_common.js";
import {
  cleanup,
  ensureBuilt,
  pct,
  readSmokeConfig,
  runStudyCli,
  sec,
  stepShares,
  timeline,
  variant,
  warmCompileCache,
  type StudyRun,
} from "./studyUtilisation.js";

export const title = "Study scaling: smoke config vs cores, iterations and problems per cell";

/**
 * How fast the machine runs chains right now: chain 1 of the smoke fit (its iteration-1 data,
 * 250 + 500 iterations) alone, then beside chain 2 (2 processes on the cores). CmdStan's
 * elapsed totals; chain 1 does the same work both times.
 */
async function probe(stanFile: string, dataFile: string): Promise<{ alone: number; beside: number }> {
  const model = await compileModel(await locateCmdStan(), stanFile);
  const dir = await mkdtemp(path.join(os.tmpdir(), "cmdstan-recover-bench-probe-"));
  try {
    const opts = {
      numWarmup: 250,
      numSamples: 500,
      adaptDelta: 0.95,
      maxTreedepth: 12,
      seed: 54321,
      dataFile,
      outputDir: dir,
      refresh: 0,
    };
    const total = async (csv: string) => (await readStanCsv(csv, { variables: ["lp__"] })).timing!.total;
    const one = await sample(model, { ...opts, chains: 1, outputPrefix: "alone" });
    const two = await sample(model, { ...opts, chains: 2, outputPrefix: "pair" });
    return { alone: await total(one.csvFiles[0]), beside: await total(two.csvFiles[0]) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<string> {
  await ensureBuilt();
  const smoke = await readSmokeConfig();
  await warmCompileCache(smoke);
  const cores = os.availableParallelism();
  const nIt = Number(smoke.n_iterations);
  const M = Number((smoke.study_design_config as { M_per_cell: number }).M_per_cell);
  const runs: { run: StudyRun; what: string; ideal: string }[] = [];
  try {
    runs.push({
      run: await runStudyCli(`baseline (${cores} cores)`, smoke),
      what: `smoke config, ${cores} cores`,
      ideal: "1",
    });
    const probeData = path.join(runs[0].run.outDir, "iteration_1", "data.json");
    const before = await probe(String(smoke.inference_model_path), probeData);
    runs.push({
      run: await runStudyCli("1 core", smoke, ["--cores", "1"]),
      what: "`--cores 1`",
      ideal: `${cores} (wall x cores)`,
    });
    runs.push({
      run: await runStudyCli(`n_iterations ${2 * nIt}`, variant(smoke, { n_iterations: 2 * nIt })),
      what: `n_iterations ${nIt} -> ${2 * nIt}`,
      ideal: "2",
    });
    runs.push({
      run: await runStudyCli(`M_per_cell ${2 * M}`, variant(smoke, {}, { M_per_cell: 2 * M })),
      what: `M_per_cell ${M} -> ${2 * M} (M_total x 2)`,
      ideal: "~2 per gradient",
    });
    const after = await probe(String(smoke.inference_model_path), probeData);
    const base = runs[0].run;
    const bw = base.timing!.wall_seconds;
    const bl = base.timing!.phases.loop.wall;
    const bFit = timeline(base.chains, base.cores, base.loopStart, base.loopEnd).fitElapsed;
    const L: string[] = [];
    L.push(`## ${title}`, "", measuredOn(), "");
    L.push(
      "What: `node dist/cli.js recover` on the smoke config (3 iterations x 2 chains x (100 + 200)) and three variants, one run each, one after another in one invocation, each in a fresh temporary folder, models compiled beforehand. " +
        'Wall = timing.json `wall_seconds` (setup + loop + finish, without Node start-up); "fit chain s" = CmdStan\'s elapsed time summed over the fit chains (the sampling work itself, which changes with the data). Ratios are against the baseline of this run.',
      "",
    );
    L.push(
      "| Run | wall s | ratio to baseline | loop s | loop ratio | ideal | loop_utilisation | fit chain s (ratio) | non-sampling share of step time | other processes' CPU |",
    );
    L.push("|---|---:|---:|---:|---:|---|---:|---:|---:|---:|");
    for (const { run: r, what, ideal } of runs) {
      const t = r.timing!;
      const fit = timeline(r.chains, r.cores, r.loopStart, r.loopEnd).fitElapsed;
      const st = stepShares(r.iterations);
      L.push(
        `| ${what} | ${sec(t.wall_seconds)} | **${(t.wall_seconds / bw).toFixed(2)}x** | ${sec(t.phases.loop.wall)} | ${(t.phases.loop.wall / bl).toFixed(2)}x | ${ideal} | ${t.loop_utilisation?.toFixed(3)} | ${sec(fit)} (${(fit / bFit).toFixed(2)}x) | ${pct(st?.nonSamplingShare)} | ${pct((r.otherCpu ?? NaN) / (r.cores * r.processWall))} |`,
      );
    }
    const one = runs[1].run.timing!;
    L.push("");
    const fitOne = timeline(runs[1].run.chains, 1, runs[1].run.loopStart, runs[1].run.loopEnd).fitElapsed;
    L.push(
      `Speed-up from 1 to ${cores} cores: ${(one.wall_seconds / bw).toFixed(2)}x on the whole run, ${(one.phases.loop.wall / bl).toFixed(2)}x on the loop (ideal ${cores}x). ` +
        `Both runs did the same sampling work (same seeds, same draws), yet their fit chains took ${sec(bFit)} s with ${cores} at once against ${sec(fitOne)} s one at a time (${(bFit / fitOne).toFixed(2)}x).`,
      "",
      `Machine probe (chain 1 of the smoke fit's iteration-1 data, 250 + 500 iterations, CmdStan elapsed): before the runs ${sec(before.alone, 2)} s alone, ${sec(before.beside, 2)} s beside a second chain; ` +
        `after them ${sec(after.alone, 2)} s alone, ${sec(after.beside, 2)} s beside. So two chains at once give ${((2 * before.alone) / before.beside).toFixed(2)}x / ${((2 * after.alone) / after.beside).toFixed(2)}x the throughput of one (before / after): the physical limit of the ${cores}-core speed-up on this machine at that time, and the spread between the probes is the machine's own drift during the runs.`,
    );
    return L.join("\n");
  } finally {
    for (const r of runs) await cleanup(r.run);
  }
}
