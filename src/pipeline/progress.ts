/**
 * Progress of a study: replicates (iterations, simulations) finished / total, chains running,
 * elapsed and remaining time. Remaining time is estimated from sampler iterations done (CmdStan's refresh lines)
 * against the total sampler iterations still to do, so it is meaningful from the first fit on.
 * Shown on stderr (one refreshed line on a terminal, a line every 30 s otherwise) and written
 * to `progress.json` for scripts.
 */
import path from "node:path";
import type { ChainProgress } from "../cmdstan/run.js";
import { compactDuration } from "../report/text.js";
import { writeJsonAtomic } from "../util/atomicWrite.js";

export interface ProgressSnapshot {
  /** What a replicate is called: "iteration", "simulation". */
  unit: string;
  total: number;
  done: number;
  failed: number;
  resumed: number;
  chainsRunning: number;
  elapsedSeconds: number;
  remainingSeconds: number | null;
  fractionDone: number;
}

export class StudyProgress {
  private readonly started = Date.now();
  private done = 0;
  private failed = 0;
  private resumed = 0;
  private running = 0;
  /** Sampler iterations done by fits in flight, keyed "iteration/chain". */
  private inFlight = new Map<string, number>();
  /** Sampler iterations of finished fits of this start (resumed ones excluded). */
  private finishedWork = 0;
  private timer?: NodeJS.Timeout;
  private lastLine = 0;
  private note = "";

  constructor(
    /** Log prefix and unit: "recover" / "iteration". */
    private readonly labels: { command: string; unit: string },
    private readonly total: number,
    /** Sampler iterations per replicate: chains x (warmup + samples). */
    private readonly workPerFit: number,
    private readonly outputDir: string,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.render(false), 2000);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.render(true);
    if (this.stream.isTTY) this.stream.write("\n");
  }

  markResumed(n: number): void {
    this.resumed += n;
    this.done += n;
  }

  chain(replicate: number, p: ChainProgress): void {
    this.inFlight.set(`${replicate}/${p.chain}`, p.iteration);
  }

  chainState(delta: 1 | -1): void {
    this.running += delta;
  }

  /** Chains running elsewhere (a cluster's tasks), and a note on where, e.g. "slurm job 12: 2 running, 1 pending". */
  remote(chainsRunning: number, note: string): void {
    this.running = chainsRunning;
    this.note = note;
  }

  replicateFinished(replicate: number, ok: boolean): void {
    for (const key of [...this.inFlight.keys()]) if (key.startsWith(`${replicate}/`)) this.inFlight.delete(key);
    this.finishedWork += this.workPerFit;
    this.done += 1;
    if (!ok) this.failed += 1;
    this.render(true);
  }

  snapshot(): ProgressSnapshot {
    const elapsed = (Date.now() - this.started) / 1000;
    const toDo = (this.total - this.resumed) * this.workPerFit;
    let doneWork = this.finishedWork;
    for (const v of this.inFlight.values()) doneWork += v;
    const fraction = toDo > 0 ? Math.min(1, doneWork / toDo) : 1;
    const remaining = fraction > 0.005 ? (elapsed / fraction) * (1 - fraction) : null;
    return {
      unit: this.labels.unit,
      total: this.total,
      done: this.done,
      failed: this.failed,
      resumed: this.resumed,
      chainsRunning: this.running,
      elapsedSeconds: Math.round(elapsed),
      remainingSeconds: remaining === null ? null : Math.round(remaining),
      fractionDone: Number(fraction.toFixed(4)),
    };
  }

  line(s = this.snapshot()): string {
    const failed = s.failed ? ` (${s.failed} failed)` : "";
    const resumed = s.resumed ? `, ${s.resumed} kept from before` : "";
    return (
      `[${this.labels.command}] ${s.unit}s ${s.done}/${s.total}${failed}${resumed} | chains running ${s.chainsRunning}${this.note ? ` (${this.note})` : ""} | ` +
      `${(s.fractionDone * 100).toFixed(1)}% | elapsed ${compactDuration(s.elapsedSeconds)} | remaining ${compactDuration(s.remainingSeconds)}`
    );
  }

  private render(force: boolean): void {
    const s = this.snapshot();
    void writeJsonAtomic(path.join(this.outputDir, "progress.json"), { ...s, updated: new Date().toISOString() }).catch(
      () => {},
    );
    if (this.stream.isTTY) {
      this.stream.write(`\r${this.line(s)}\x1b[K`);
    } else if (force || Date.now() - this.lastLine > 30_000) {
      this.lastLine = Date.now();
      this.stream.write(`${this.line(s)}\n`);
    }
  }
}
