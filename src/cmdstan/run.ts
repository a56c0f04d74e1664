/**
 * Running a compiled model: sampling (NUTS or fixed_param) and generate_quantities.
 *
 * One process per chain (works on every CmdStan version, and lets the core scheduler place
 * chains of different fits side by side). Each chain's stdout and stderr go to files next to
 * its CSV. A non-zero exit, a signal or a timeout becomes a CmdStanRunError carrying the tail
 * of stderr; the sibling chains of that fit are stopped, since the fit is lost anyway.
 * Every child is killed when the AbortSignal fires (Ctrl-C) and when this process exits.
 */
import { readFileSync } from "node:fs";
import { mkdir, open, readFile, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { execa, type Options, type Result } from "execa";
import type { CompiledModel } from "./compile.js";
import { CmdStanRunError, UserFacingError } from "../util/errors.js";
import type { CoreScheduler } from "./scheduler.js";

/** What the runner needs of a model: its name (for file names and messages) and executable. */
export type RunnableModel = Pick<CompiledModel, "name" | "exe">;

export interface ChainProgress {
  chain: number;
  phase: "warmup" | "sampling";
  iteration: number;
  total: number;
  percent: number;
}

export interface SampleOptions {
  chains?: number;
  numWarmup?: number;
  numSamples?: number;
  thin?: number;
  adaptDelta?: number;
  /** false: no adaptation (the sampler keeps `stepsize` and the unit/diagonal metric). */
  adaptEngaged?: boolean;
  maxTreedepth?: number;
  metric?: "diag_e" | "dense_e" | "unit_e";
  /** Initial step size (the final one when adaptation is off). */
  stepsize?: number;
  /** Also write the warmup draws to the CSV. */
  saveWarmup?: boolean;
  seed: number;
  /** A number (uniform(-x, x) on the unconstrained scale) or a JSON file of initial values. */
  init?: number | string;
  refresh?: number;
  sigFigs?: number;
  dataFile?: string;
  outputDir: string;
  /** CSV files are `${outputPrefix}-${chain}.csv` (default: the model name). */
  outputPrefix?: string;
  algorithm?: "hmc" | "fixed_param";
  /** Per-chain wall-time limit. */
  timeoutMs?: number;
  signal?: AbortSignal;
  scheduler?: CoreScheduler;
  onProgress?: (p: ChainProgress) => void;
  /** Called when a chain process starts / ends (for "chains running" displays). */
  onChainState?: (chain: number, state: "started" | "finished") => void;
}

export interface SampleResult {
  csvFiles: string[];
  stdoutFiles: string[];
  stderrFiles: string[];
  elapsedMs: number;
  /**
   * CPU seconds of each chain's process (the OS's count, which other work on the machine does not
   * inflate as it does CmdStan's own wall-clock timing), read at its progress lines: `warmup` at
   * the first sampling line, `total` at the last. Undefined where nothing follows the chain's
   * progress (no onProgress) or there is no /proc.
   */
  chainCpu: (ChainCpu | undefined)[];
}

export interface ChainCpu {
  warmup?: number;
  total: number;
}

/** CPU seconds (user + system) of a running process, from /proc/<pid>/stat; undefined without /proc. */
function processCpuSeconds(pid: number | undefined): number | undefined {
  if (pid === undefined) return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(rest[11]) + Number(rest[12])) / 100;
  } catch {
    return undefined;
  }
}

const PROGRESS_RE = /Iteration:\s*(\d+)\s*\/\s*(\d+)\s*\[\s*(\d+)%\]\s*\((Warmup|Sampling)\)/;

/** The CmdStan argument tree for one chain. */
export function sampleArgs(opts: SampleOptions, chain: number, csvFile: string): string[] {
  const fixed = opts.algorithm === "fixed_param";
  const args = [
    "sample",
    `num_samples=${opts.numSamples ?? 1000}`,
    `num_warmup=${fixed ? 0 : (opts.numWarmup ?? 1000)}`,
  ];
  if (opts.saveWarmup !== undefined) args.push(`save_warmup=${opts.saveWarmup ? 1 : 0}`);
  if (opts.thin !== undefined) args.push(`thin=${opts.thin}`);
  if (fixed) {
    args.push("algorithm=fixed_param");
  } else {
    const adapt = [
      ...(opts.adaptEngaged !== undefined ? [`engaged=${opts.adaptEngaged ? 1 : 0}`] : []),
      ...(opts.adaptDelta !== undefined ? [`delta=${opts.adaptDelta}`] : []),
    ];
    if (adapt.length > 0) args.push("adapt", ...adapt);
    args.push("algorithm=hmc", "engine=nuts");
    if (opts.maxTreedepth !== undefined) args.push(`max_depth=${opts.maxTreedepth}`);
    // hmc-level words after the nuts-level ones: CmdStan's parser climbs back up the tree.
    if (opts.metric !== undefined) args.push(`metric=${opts.metric}`);
    if (opts.stepsize !== undefined) args.push(`stepsize=${opts.stepsize}`);
  }
  args.push(`id=${chain}`);
  if (opts.dataFile) args.push("data", `file=${path.resolve(opts.dataFile)}`);
  if (opts.init !== undefined) args.push(`init=${typeof opts.init === "string" ? path.resolve(opts.init) : opts.init}`);
  args.push("random", `seed=${opts.seed}`);
  args.push("output", `file=${csvFile}`, `refresh=${opts.refresh ?? 100}`);
  if (opts.sigFigs !== undefined) args.push(`sig_figs=${opts.sigFigs}`);
  return args;
}

/** Sample `chains` chains, one process each, under the scheduler's core budget. */
export async function sample(model: RunnableModel, opts: SampleOptions): Promise<SampleResult> {
  const chains = opts.chains ?? 4;
  const prefix = opts.outputPrefix ?? model.name;
  const outDir = path.resolve(opts.outputDir);
  await mkdir(outDir, { recursive: true });
  const started = Date.now();
  const siblings = new AbortController();
  const onOuterAbort = () => siblings.abort(opts.signal?.reason);
  opts.signal?.addEventListener("abort", onOuterAbort, { once: true });

  const chainCpu: (ChainCpu | undefined)[] = new Array<ChainCpu | undefined>(chains).fill(undefined);
  const files = Array.from({ length: chains }, (_, i) => {
    const base = path.join(outDir, `${prefix}-${i + 1}`);
    return { csv: `${base}.csv`, stdout: `${base}-stdout.txt`, stderr: `${base}-stderr.txt` };
  });
  try {
    // allSettled: every chain has exited and written its files before sample() returns or
    // throws, and the error reported does not depend on which chain failed soonest.
    const settled = await Promise.allSettled(
      files.map(async (f, i) => {
        const chain = i + 1;
        const runOne = async () => {
          chainCpu[i] = await runChain(model, sampleArgs(opts, chain, f.csv), f, chain, opts, siblings.signal);
        };
        try {
          if (opts.scheduler) await opts.scheduler.run(runOne, 1);
          else await runOne();
        } catch (err) {
          siblings.abort(err); // one failed chain stops its siblings
          throw err;
        }
      }),
    );
    const errors = settled.flatMap((r) => (r.status === "rejected" ? [r.reason as unknown] : []));
    if (errors.length > 0) {
      // The user's abort wins; else the first chain (in chain order) that failed by itself,
      // not one stopped because a sibling failed.
      if (opts.signal?.aborted) throw errors.find((e) => e === opts.signal?.reason) ?? errors[0];
      const own = errors.find((e) => e instanceof CmdStanRunError && !e.cancelled);
      throw own ?? errors[0];
    }
  } finally {
    opts.signal?.removeEventListener("abort", onOuterAbort);
  }
  return {
    csvFiles: files.map((f) => f.csv),
    stdoutFiles: files.map((f) => f.stdout),
    stderrFiles: files.map((f) => f.stderr),
    elapsedMs: Date.now() - started,
    chainCpu,
  };
}

async function runChain(
  model: RunnableModel,
  args: string[],
  f: { csv: string; stdout: string; stderr: string },
  chain: number,
  opts: Pick<SampleOptions, "timeoutMs" | "onProgress" | "onChainState">,
  signal: AbortSignal,
): Promise<ChainCpu | undefined> {
  if (signal.aborted) throw signal.reason instanceof Error ? signal.reason : new UserFacingError("cancelled");
  // Without a progress listener nothing reads the output as it comes, so the chain writes its
  // stdout and stderr files itself: piping them through this process costs it several ms of CPU
  // a chain, which short fits (SBC's) feel.
  const direct = opts.onProgress ? undefined : await Promise.all([open(f.stdout, "w"), open(f.stderr, "w")]);
  // execa hands a file descriptor straight to the child (its types list only 1 to 9).
  const fd = (h: FileHandle) => h.fd as unknown as Options["stdout"];
  const io: Pick<Options, "stdout" | "stderr"> = direct
    ? { stdout: fd(direct[0]), stderr: fd(direct[1]) }
    : { stdout: ["pipe", { file: f.stdout }], stderr: ["pipe", { file: f.stderr }] };
  opts.onChainState?.(chain, "started");
  let r: Result;
  let cpu: () => ChainCpu | undefined = () => undefined;
  try {
    const proc = execa(model.exe, args, {
      cwd: path.dirname(f.csv),
      ...io,
      buffer: false,
      reject: false,
      cleanup: true,
      cancelSignal: signal,
      forceKillAfterDelay: 2000,
      ...(opts.timeoutMs ? { timeout: opts.timeoutMs } : {}),
    });
    if (opts.onProgress) cpu = followProgress(proc, chain, opts.onProgress);
    proc.stderr?.resume();
    r = await proc;
  } finally {
    if (direct) await Promise.all(direct.map((h) => h.close()));
  }
  opts.onChainState?.(chain, "finished");
  if (r.exitCode === 0 && !r.isCanceled && !r.timedOut && !r.isTerminated) return cpu();

  const stderrTail = await tail(f.stderr, 20);
  const stdoutTail = stderrTail ? "" : await tail(f.stdout, 10);
  const why = r.timedOut
    ? `timed out after ${opts.timeoutMs} ms`
    : r.isCanceled
      ? "was cancelled"
      : r.signal
        ? `was killed by ${r.signal}`
        : `exited with code ${r.exitCode}`;
  throw new CmdStanRunError(
    `${model.name} chain ${chain} ${why}.\n${stderrTail || stdoutTail}`.trim() +
      `\n(full output: ${f.stderr}, ${f.stdout})`,
    r.exitCode,
    r.signal,
    Boolean(r.timedOut),
    stderrTail,
    Boolean(r.isCanceled),
  );
}

/**
 * CmdStan's refresh lines on a chain's stdout, as progress; at each, the chain's CPU so far is
 * read (the returned getter), the first sampling line ending the warmup.
 */
function followProgress(
  proc: { stdout: NodeJS.ReadableStream | null; pid?: number },
  chain: number,
  onProgress: (p: ChainProgress) => void,
): () => ChainCpu | undefined {
  let pending = "";
  let cpu: ChainCpu | undefined;
  proc.stdout?.on("data", (chunk: Buffer) => {
    pending += chunk.toString();
    const lines = pending.split("\n");
    pending = lines.pop() ?? "";
    for (const line of lines) {
      const m = PROGRESS_RE.exec(line);
      if (!m) continue;
      const phase = m[4] === "Warmup" ? "warmup" : "sampling";
      cpu = cpuAt(proc.pid, phase, cpu);
      onProgress({ chain, iteration: Number(m[1]), total: Number(m[2]), percent: Number(m[3]), phase });
    }
  });
  return () => cpu;
}

/** The chain's CPU so far, at a progress line of `phase`: the first sampling line ends the warmup. */
function cpuAt(pid: number | undefined, phase: "warmup" | "sampling", was: ChainCpu | undefined): ChainCpu | undefined {
  const now = processCpuSeconds(pid);
  if (now === undefined) return was;
  const warmup = phase === "sampling" && was?.warmup === undefined ? (was?.total ?? now) : was?.warmup;
  return { warmup, total: now };
}

async function tail(file: string, lines: number): Promise<string> {
  try {
    return (await readFile(file, "utf8")).trimEnd().split("\n").slice(-lines).join("\n");
  } catch {
    return "";
  }
}

export interface GenerateQuantitiesOptions {
  fittedParams: string;
  dataFile?: string;
  outputFile: string;
  seed: number;
  signal?: AbortSignal;
  timeoutMs?: number;
  scheduler?: CoreScheduler;
}

/** Replay generated quantities over the draws of a fitted CSV (method=generate_quantities). */
export async function generateQuantities(model: RunnableModel, opts: GenerateQuantitiesOptions): Promise<string> {
  const out = path.resolve(opts.outputFile);
  await mkdir(path.dirname(out), { recursive: true });
  const base = out.replace(/\.csv$/, "");
  const args = ["generate_quantities", `fitted_params=${path.resolve(opts.fittedParams)}`];
  if (opts.dataFile) args.push("data", `file=${path.resolve(opts.dataFile)}`);
  args.push("random", `seed=${opts.seed}`, "output", `file=${out}`);
  const files = { csv: out, stdout: `${base}-stdout.txt`, stderr: `${base}-stderr.txt` };
  const signal = opts.signal ?? new AbortController().signal;
  const runOne = () => runChain(model, args, files, 1, opts, signal);
  if (opts.scheduler) await opts.scheduler.run(runOne, 1);
  else await runOne();
  return out;
}
