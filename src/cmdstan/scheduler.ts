/**
 * A core budget shared by every chain of every fit in flight.
 *
 * Each CmdStan chain is single-threaded, so a chain holds one core while it runs. Work is
 * granted in request order (FIFO), so a study of many fits keeps every core busy and never
 * runs more chains than cores.
 */
import os from "node:os";

export interface SchedulerStats {
  capacity: number;
  inUse: number;
  waiting: number;
}

export class CoreScheduler {
  readonly capacity: number;
  private inUse = 0;
  private queue: { cores: number; grant: () => void }[] = [];

  constructor(capacity: number = os.availableParallelism()) {
    if (!Number.isInteger(capacity) || capacity < 1)
      throw new RangeError(`core budget must be a positive integer, got ${capacity}`);
    this.capacity = capacity;
  }

  /** Resolves when `cores` cores are granted; the returned function gives them back (once). */
  async acquire(cores = 1): Promise<() => void> {
    const want = Math.min(cores, this.capacity);
    await new Promise<void>((resolve) => {
      this.queue.push({ cores: want, grant: resolve });
      this.drain();
    });
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.inUse -= want;
      this.drain();
    };
  }

  /** Run `task` while holding `cores` cores. */
  async run<T>(task: () => Promise<T>, cores = 1): Promise<T> {
    const release = await this.acquire(cores);
    try {
      return await task();
    } finally {
      release();
    }
  }

  stats(): SchedulerStats {
    return { capacity: this.capacity, inUse: this.inUse, waiting: this.queue.length };
  }

  private drain(): void {
    while (this.queue.length > 0 && this.inUse + this.queue[0].cores <= this.capacity) {
      const next = this.queue.shift()!;
      this.inUse += next.cores;
      next.grant();
    }
  }
}
