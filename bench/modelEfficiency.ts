/**
 * Model efficiency (issue 6): stan/h_m01.stan against the per-slot baseline
 * bench/h_m01_perslot.stan, on the same data with the same seeds, in one run.
 *
 * Data: the design of configs/h_m01_parameter_recovery_config.json (`study_design_config`,
 * generateStudyDesign(config, 12345)), simulated once with stan/h_m01_sim.stan (fixed_param,
 * seed 12345), written with toStanJson(..., {ints: STAN_INT_KEYS}). Both models are compiled
 * with compileModel (compile time is not measured) and sampled with sample(): CHAINS chains
 * each, adapt delta 0.95, max treedepth 12, seed 54321, chain ids 1..CHAINS.
 *
 * Both models' chains share one 2-core budget and are started interleaved (ours 1, per-slot 1,
 * ours 2, per-slot 2, ...), so at any time each running chain has a core of its own and both
 * models see the same background load. Times are CmdStan's own (the CSV timing lines).
 *
 * Figures per model: gradient evaluations per second (sum of n_leapfrog__ over the sampling
 * draws / sampling seconds, summed over chains), bulk ESS per second (essBulk over the chains /
 * warmup + sampling seconds summed over chains, i.e. per core-second) for gamma0, the minimum
 * over alpha[j] and the minimum over delta[k], CSV bytes per draw, and the posterior-equality
 * check |mean_ours - mean_perslot| <= 4 sqrt(mcse_ours^2 + mcse_perslot^2) on every scalar of
 * gamma0, gamma, sigma_cell, alpha, delta.
 *
 * Env: BENCH_MODELEFF_WARMUP, BENCH_MODELEFF_DRAWS, BENCH_MODELEFF_CHAINS (defaults 1000, 1000, 2).
 * Work files in .cache/bench/modelEfficiency/ (replaced on every run).
 */
import { readFile, rm, stat, writeFile, mkdir } from "node:fs/promises";
import path from "node:path";
import { summarizeChains, essBulk } from "../src/analysis/summary.js";
import { compileModel, type CompiledModel } from "../src/cmdstan/compile.js";
import { locateCmdStan } from "../src/cmdstan/locate.js";
import { sample } from "../src/cmdstan/run.js";
import { CoreScheduler } from "../src/cmdstan/scheduler.js";
import { readStanCsv, readStanFit, type StanFit } from "../src/cmdstan/stanCsv.js";
import { toStanJson } from "../src/cmdstan/stanJson.js";
import { childrenCpuSeconds } from "../src/pipeline/timing.js";
import {
  generateStudyDesign,
  STAN_INT_KEYS,
  fitData,
  simulationData,
  type DesignConfig,
} from "../src/design/studyDesign.js";
import { measuredOn, REPO_ROOT } from "./_common.js";
import { machineBusySeconds } from "./studyUtilisation.js";

export const title = "Model efficiency: stan/h_m01.stan vs the per-slot baseline";

const WORK = path.join(REPO_ROOT, ".cache", "bench", "modelEfficiency");
const envInt = (name: string, dflt: number) => {
  const v = process.env[name];
  return v && /^\d+$/.test(v) && Number(v) > 0 ? Number(v) : dflt;
};
const WARMUP = envInt("BENCH_MODELEFF_WARMUP", 1000);
const DRAWS = envInt("BENCH_MODELEFF_DRAWS", 1000);
const CHAINS = envInt("BENCH_MODELEFF_CHAINS", 2);
const CORES = 2;
const DESIGN_SEED = 12345;
const SIM_SEED = 12345;
const FIT_SEED = 54321;
const TRACKED = ["gamma0", "gamma", "sigma_cell", "alpha", "delta"];
const SAMPLER = ["n_leapfrog__", "treedepth__", "divergent__", "stepsize__"];

const log = (msg: string) => process.stderr.write(`[bench modelEfficiency] ${msg}\n`);

/**
 * Gives the cores to the chains of several models in a fixed interleaved order (chain 1 of
 * every model, then chain 2 of every model, ...) through one FIFO CoreScheduler. Each model's
 * sample() gets its own gate; a gate holds its chains until every expected chain has asked.
 */
class Interleaver {
  private readonly core: CoreScheduler;
  private readonly waiting = new Map<string, (() => void)[]>();
  private asked = 0;
  constructor(
    cores: number,
    private readonly models: string[],
    private readonly chainsPerModel: number,
  ) {
    this.core = new CoreScheduler(cores);
    for (const m of models) this.waiting.set(m, []);
  }
  gate(model: string): CoreScheduler {
    const wait = () =>
      new Promise<void>((resolve) => {
        this.waiting.get(model)!.push(resolve);
        this.asked++;
        if (this.asked === this.models.length * this.chainsPerModel) this.releaseAll();
      });
    const core = this.core;
    return new (class extends CoreScheduler {
      override async run<T>(task: () => Promise<T>, cores = 1): Promise<T> {
        await wait();
        return core.run(task, cores);
      }
    })(core.capacity);
  }
  private releaseAll(): void {
    // Resolved in this order, so the continuations queue on the core scheduler in this order.
    for (let c = 0; c < this.chainsPerModel; c++) for (const m of this.models) this.waiting.get(m)![c]();
  }
}

interface ModelResult {
  label: string;
  file: string;
  fit: StanFit;
  csvBytes: number;
  draws: number;
  warmupSeconds: number;
  samplingSeconds: number;
  leapfrogs: number;
  divergent: number;
  meanTreedepth: number;
  stepSizes: number[];
  wallSeconds: number;
  /** OS-measured CPU seconds of the chain processes (whole process: start-up, warmup, sampling). */
  cpuSeconds: number;
}

const col = (fit: StanFit, column: string): Float64Array[] => fit.chains.map((c) => c.draws[column]);
const sumOf = (xs: Float64Array[]) => xs.reduce((s, a) => s + a.reduce((t, v) => t + v, 0), 0);

async function measureModel(
  label: string,
  file: string,
  csvFiles: string[],
  wallSeconds: number,
  cpuSeconds: number,
): Promise<ModelResult> {
  const fit = await readStanFit(csvFiles, { requireMethod: "sample", variables: [...TRACKED, ...SAMPLER] });
  let csvBytes = 0;
  for (const f of csvFiles) csvBytes += (await stat(f)).size;
  let warmupSeconds = 0;
  let samplingSeconds = 0;
  for (const c of fit.chains) {
    if (!c.timing) throw new Error(`${c.file}: no timing lines`);
    warmupSeconds += c.timing.warmup;
    samplingSeconds += c.timing.sampling;
  }
  const draws = fit.chains.reduce((s, c) => s + c.numDraws, 0);
  return {
    label,
    file,
    fit,
    csvBytes,
    draws,
    warmupSeconds,
    samplingSeconds,
    leapfrogs: sumOf(col(fit, "n_leapfrog__")),
    divergent: sumOf(col(fit, "divergent__")),
    meanTreedepth: sumOf(col(fit, "treedepth__")) / draws,
    stepSizes: fit.chains.map((c) => c.draws["stepsize__"][0]),
    wallSeconds,
    cpuSeconds,
  };
}

/** Scalar columns of the tracked variables, in CSV order. */
function trackedColumns(fit: StanFit): string[] {
  return fit.variables.filter((v) => TRACKED.includes(v.name)).flatMap((v) => v.columnNames);
}

function essPerSecond(
  r: ModelResult,
  columns: string[],
): { ess: number; perSecond: number; perCpuSecond: number; worst: string } {
  let ess = Infinity;
  let worst = "";
  for (const c of columns) {
    const e = essBulk(col(r.fit, c));
    if (e < ess) {
      ess = e;
      worst = c;
    }
  }
  return { ess, perSecond: ess / (r.warmupSeconds + r.samplingSeconds), perCpuSecond: ess / r.cpuSeconds, worst };
}

const f = (x: number, d = 1) => (Number.isFinite(x) ? x.toFixed(d) : String(x));
const ratio = (a: number, b: number) => (b > 0 ? `**${(a / b).toFixed(2)}x**` : "n/a");

export async function run(): Promise<string> {
  const install = await locateCmdStan();
  const oursFile = path.join(REPO_ROOT, "stan", "h_m01.stan");
  const slotFile = path.join(REPO_ROOT, "bench", "h_m01_perslot.stan");
  const simFile = path.join(REPO_ROOT, "stan", "h_m01_sim.stan");
  log("compiling (cached by content; not timed)");
  const [ours, perslot, sim]: CompiledModel[] = await Promise.all([
    compileModel(install, oursFile),
    compileModel(install, slotFile),
    compileModel(install, simFile),
  ]);

  await rm(WORK, { recursive: true, force: true });
  await mkdir(WORK, { recursive: true });
  const configFile = path.join(REPO_ROOT, "configs", "h_m01_parameter_recovery_config.json");
  const studyConfig = JSON.parse(await readFile(configFile, "utf8")) as { study_design_config: DesignConfig };
  const design = generateStudyDesign(studyConfig.study_design_config, DESIGN_SEED);
  const simData = path.join(WORK, "sim_data.json");
  await writeFile(simData, toStanJson(simulationData(design), { ints: [...STAN_INT_KEYS] }));
  const simRun = await sample(sim, {
    chains: 1,
    numSamples: 1,
    algorithm: "fixed_param",
    seed: SIM_SEED,
    dataFile: simData,
    outputDir: path.join(WORK, "sim"),
    outputPrefix: "sim",
  });
  const simCsv = await readStanCsv(simRun.csvFiles[0], { variables: ["y"] });
  const y = simCsv.variables[0].columnNames.map((c) => simCsv.draws[c][0]);
  const dataFile = path.join(WORK, "data.json");
  await writeFile(dataFile, toStanJson(fitData(design, y), { ints: [...STAN_INT_KEYS] }));

  log(`sampling both models: ${CHAINS} chains each x (${WARMUP} + ${DRAWS}), interleaved on ${CORES} cores`);
  const gates = new Interleaver(CORES, ["ours", "perslot"], CHAINS);
  const t0 = Date.now();
  const common = {
    chains: CHAINS,
    numWarmup: WARMUP,
    numSamples: DRAWS,
    adaptDelta: 0.95,
    maxTreedepth: 12,
    seed: FIT_SEED,
    dataFile,
    refresh: 100,
  };
  let lastLog = 0;
  const onProgress = (label: string) => (p: { chain: number; phase: string; percent: number }) => {
    if (Date.now() - lastLog > 30_000) {
      lastLog = Date.now();
      log(`  ${label} chain ${p.chain}: ${p.phase} ${p.percent}% (${Math.round((Date.now() - t0) / 1000)} s)`);
    }
  };
  // CPU seconds of each chain process (OS-measured): the kernel adds a child's CPU to this
  // process's children total when it is waited for, just before onChainState(finished).
  const cpu: Record<string, number> = { ours: 0, perslot: 0 };
  let lastChildren = childrenCpuSeconds();
  const onChainState = (label: string) => (_chain: number, state: "started" | "finished") => {
    if (state !== "finished") return;
    const now = childrenCpuSeconds();
    cpu[label] += now - lastChildren;
    lastChildren = now;
  };
  const timed = async (label: string, model: CompiledModel) => {
    const r = await sample(model, {
      ...common,
      outputDir: path.join(WORK, label),
      outputPrefix: label,
      scheduler: gates.gate(label),
      onProgress: onProgress(label),
      onChainState: onChainState(label),
    });
    return { csvFiles: r.csvFiles, wall: (Date.now() - t0) / 1000, cpu: () => cpu[label] };
  };
  const busy0 = machineBusySeconds();
  const [oursRun, slotRun] = await Promise.all([timed("ours", ours), timed("perslot", perslot)]);
  const sampledWall = (Date.now() - t0) / 1000;
  // Core-seconds the rest of the machine used meanwhile (all busy time minus our chains').
  const otherCpu = machineBusySeconds() - busy0 - cpu.ours - cpu.perslot;
  log(`sampled in ${Math.round(sampledWall)} s`);

  const a = await measureModel("ours (stan/h_m01.stan)", oursFile, oursRun.csvFiles, oursRun.wall, oursRun.cpu());
  const b = await measureModel(
    "per-slot (bench/h_m01_perslot.stan)",
    slotFile,
    slotRun.csvFiles,
    slotRun.wall,
    slotRun.cpu(),
  );

  const gradA = a.leapfrogs / a.samplingSeconds;
  const gradB = b.leapfrogs / b.samplingSeconds;
  const samplingCpu = (r: ModelResult) => (r.cpuSeconds * r.samplingSeconds) / (r.warmupSeconds + r.samplingSeconds);
  const gradCpuA = a.leapfrogs / samplingCpu(a);
  const gradCpuB = b.leapfrogs / samplingCpu(b);
  const alphaCols = trackedColumns(a.fit).filter((c) => c.startsWith("alpha."));
  const deltaCols = trackedColumns(a.fit).filter((c) => c.startsWith("delta."));
  const rows: [string, ReturnType<typeof essPerSecond>, ReturnType<typeof essPerSecond>][] = [
    ["gamma0", essPerSecond(a, ["gamma0"]), essPerSecond(b, ["gamma0"])],
    [`min over alpha[1..${alphaCols.length}]`, essPerSecond(a, alphaCols), essPerSecond(b, alphaCols)],
    [`min over delta[1..${deltaCols.length}]`, essPerSecond(a, deltaCols), essPerSecond(b, deltaCols)],
  ];

  // Posterior equality on every tracked scalar.
  const checks = trackedColumns(a.fit).map((c) => {
    const sa = summarizeChains(col(a.fit, c), "order-statistic"); // only mean and MCSE are compared
    const sb = summarizeChains(col(b.fit, c), "order-statistic");
    const diff = Math.abs(sa.mean - sb.mean);
    const tol = 4 * Math.sqrt(sa.mcse ** 2 + sb.mcse ** 2);
    return { c, diff, tol, z: diff / Math.sqrt(sa.mcse ** 2 + sb.mcse ** 2), pass: diff <= tol };
  });
  const passed = checks.filter((x) => x.pass).length;
  const worstZ = checks.reduce((w, x) => (x.z > w.z ? x : w), checks[0]);

  const bytesA = a.csvBytes / a.draws;
  const bytesB = b.csvBytes / b.draws;
  const essRatios = rows.map(([, x, y2]) => x.perSecond / y2.perSecond);
  const cpuRatios = rows.map(([, x, y2]) => x.perCpuSecond / y2.perCpuSecond);
  const minEssRatio = Math.min(...essRatios);
  const minCpuRatio = Math.min(...cpuRatios);
  const target = minEssRatio >= 3 && minCpuRatio >= 3;
  const shortRun = WARMUP !== 1000 || DRAWS !== 1000 || CHAINS !== 2;

  const L: string[] = [];
  L.push(`## ${title}`, "", measuredOn(), "");
  L.push(
    `What: both models on the same data (design of configs/h_m01_parameter_recovery_config.json, generateStudyDesign seed ${DESIGN_SEED}; ` +
      `J = ${design.J}, K = ${design.K}, D = ${design.D}, R = ${design.R}, P = ${design.P}, M_total = ${design.M_total}; ` +
      `y simulated once with stan/h_m01_sim.stan, fixed_param seed ${SIM_SEED}), ${CHAINS} chains each x (${WARMUP} warmup + ${DRAWS} draws), ` +
      `adapt delta 0.95, max treedepth 12, seed ${FIT_SEED}, chain ids 1..${CHAINS}, CmdStan ${install.version}. ` +
      `The ${2 * CHAINS} chains shared ${CORES} cores, started interleaved (ours 1, per-slot 1, ours 2, ...), never more chains than cores; ` +
      `times are CmdStan's CSV timing lines (wall clock), summed over chains; the CPU rows use the OS-measured CPU time of each chain process instead, ` +
      `which other load on the machine does not inflate (CPU / CSV seconds well below 1 means the chain shared its core). One run; ratios = ours / per-slot.` +
      (shortRun ? " (Shortened run: set by BENCH_MODELEFF_* variables.)" : ""),
    "",
  );
  L.push(
    `Sampling took ${f(sampledWall, 0)} s of wall time; meanwhile other processes used ${f(otherCpu)} core-seconds (${f((100 * otherCpu) / (CORES * sampledWall))}% of the ${CORES} cores, /proc/stat).`,
    "",
  );
  L.push("| Figure | ours | per-slot | ours / per-slot |", "|---|---:|---:|---:|");
  L.push(
    `| gradient evaluations / s (sum n_leapfrog__ over sampling draws / sampling s) | ${f(gradA, 0)} | ${f(gradB, 0)} | ${ratio(gradA, gradB)} |`,
  );
  L.push(
    `| gradient evaluations per CPU-second (the chains' CPU split by their CSV sampling / total time) | ${f(gradCpuA, 0)} | ${f(gradCpuB, 0)} | ${ratio(gradCpuA, gradCpuB)} |`,
  );
  for (const [name, x, y2] of rows) {
    L.push(
      `| bulk ESS / s, ${name} (ESS / (warmup + sampling) s) | ${f(x.perSecond, 2)} (ESS ${f(x.ess, 0)}${x.worst.includes(".") ? `, ${x.worst}` : ""}) | ${f(y2.perSecond, 2)} (ESS ${f(y2.ess, 0)}${y2.worst.includes(".") ? `, ${y2.worst}` : ""}) | ${ratio(x.perSecond, y2.perSecond)} |`,
    );
  }
  for (const [name, x, y2] of rows) {
    L.push(
      `| bulk ESS per CPU-second of the chain processes, ${name} | ${f(x.perCpuSecond, 2)} | ${f(y2.perCpuSecond, 2)} | ${ratio(x.perCpuSecond, y2.perCpuSecond)} |`,
    );
  }
  L.push(
    `| CSV bytes per draw (file size / draws) | ${f(bytesA, 0)} | ${f(bytesB, 0)} | ${(bytesA / bytesB).toFixed(2)}x |`,
  );
  L.push(
    `| warmup + sampling s (CSV timing, all chains) | ${f(a.warmupSeconds + a.samplingSeconds)} | ${f(b.warmupSeconds + b.samplingSeconds)} | ${((a.warmupSeconds + a.samplingSeconds) / (b.warmupSeconds + b.samplingSeconds)).toFixed(3)}x |`,
  );
  L.push(
    `| CPU s of the chain processes (OS; / CSV warmup + sampling s) | ${f(a.cpuSeconds)} (${(a.cpuSeconds / (a.warmupSeconds + a.samplingSeconds)).toFixed(2)}) | ${f(b.cpuSeconds)} (${(b.cpuSeconds / (b.warmupSeconds + b.samplingSeconds)).toFixed(2)}) | ${(a.cpuSeconds / b.cpuSeconds).toFixed(3)}x |`,
  );
  L.push(
    `| gradient evaluations in sampling (all chains) | ${a.leapfrogs} | ${b.leapfrogs} | ${(a.leapfrogs / b.leapfrogs).toFixed(2)}x |`,
  );
  L.push(
    `| mean tree depth; divergent draws | ${f(a.meanTreedepth, 2)}; ${a.divergent} | ${f(b.meanTreedepth, 2)}; ${b.divergent} | |`,
  );
  L.push(
    `| step size per chain | ${a.stepSizes.map((s) => s.toPrecision(3)).join(", ")} | ${b.stepSizes.map((s) => s.toPrecision(3)).join(", ")} | |`,
  );
  L.push("");
  L.push(
    `Posterior equality (|mean_ours - mean_perslot| <= 4 sqrt(mcse_ours^2 + mcse_perslot^2), gamma0, gamma, sigma_cell, alpha, delta): ` +
      `**${passed} of ${checks.length} pass**; largest standardised difference ${worstZ.z.toFixed(2)} (${worstZ.c}).`,
    "",
  );
  L.push(
    `Target ours >= 3x the ESS/s of per-slot (every ESS row above): **${target ? "met" : "missed"}** (smallest ratio ${minEssRatio.toFixed(2)}x on CSV time, ${minCpuRatio.toFixed(2)}x on CPU time). ` +
      `Most of it is the cost per gradient (${(gradCpuA / gradCpuB).toFixed(2)}x per CPU-second); the rest is the number of gradients per draw (adaptation found different step sizes), and ESS per draw, ` +
      `which for the same posterior under the same sampler differs only by chance (delta.2 here). When other processes share the cores, the CSV-time rows move with how the load fell on each model; the CPU rows do not.`,
  );
  return L.join("\n");
}
