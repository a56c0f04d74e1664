/**
 * Which replicates one cluster task runs. Batches are a pure function of the replicates still to
 * do and the batch size, written into the submitted script, so a resumed study submits a new
 * array for exactly the replicates that are missing. Batching never changes results: a
 * replicate's seeds depend on the study seed and its index only.
 */
/**
 * Consecutive runs of `size` replicates, in index order; or, with `keepOrder`, in the order given
 * (a grid lists its longest fits first, and the first array tasks start first).
 */
export function batchReplicates(todo: number[], size: number, keepOrder = false): number[][] {
  if (!Number.isInteger(size) || size < 1) throw new RangeError(`batch size must be a positive integer, got ${size}`);
  const sorted = keepOrder ? [...todo] : [...todo].sort((a, b) => a - b);
  const batches: number[][] = [];
  for (let k = 0; k < sorted.length; k += size) batches.push(sorted.slice(k, k + size));
  return batches;
}

/** A task should last minutes: long enough to dwarf Slurm's per-task overhead, short enough to spread. */
export const TARGET_TASK_MINUTES = 10;
/** Without a measured replicate time, arrays stay at most this many tasks. */
export const MAX_UNMEASURED_TASKS = 100;

export interface BatchSizeInput {
  todo: number;
  /** The user's batch_size, which wins. */
  requested?: number;
  /** Wall seconds of replicates already finished in this study (their records' `seconds`). */
  measuredSeconds: number[];
  /** The task time limit (--time), in minutes. */
  timeLimitMinutes?: number;
}

/**
 * Replicates per task: the user's choice; else, once some replicates have been timed, as many as
 * fill TARGET_TASK_MINUTES (at most half the time limit); else enough that the array has at most
 * MAX_UNMEASURED_TASKS tasks.
 */
export function chooseBatchSize(input: BatchSizeInput): number {
  const { todo, requested, measuredSeconds, timeLimitMinutes } = input;
  if (requested) return requested;
  if (todo < 1) return 1;
  if (measuredSeconds.length) {
    const targetMinutes = Math.min(TARGET_TASK_MINUTES, timeLimitMinutes ? timeLimitMinutes / 2 : Infinity);
    const perReplicate = Math.max(1, median(measuredSeconds));
    return Math.max(1, Math.min(todo, Math.floor((targetMinutes * 60) / perReplicate)));
  }
  return Math.max(1, Math.ceil(todo / MAX_UNMEASURED_TASKS));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** "1-3,7,9-10": a short, readable list of replicate indices. */
export function formatReplicateList(indices: number[]): string {
  const sorted = [...new Set(indices)].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let k = 0; k < sorted.length;) {
    let end = k;
    while (end + 1 < sorted.length && sorted[end + 1] === sorted[end] + 1) end++;
    parts.push(end > k ? `${sorted[k]}-${sorted[end]}` : `${sorted[k]}`);
    k = end + 1;
  }
  return parts.join(",");
}

/** The indices in a list like "1-3,7"; undefined when it is not one. */
export function parseReplicateList(list: string): number[] | undefined {
  const out: number[] = [];
  for (const part of list.split(",")) {
    const m = /^\s*(\d+)(?:-(\d+))?\s*$/.exec(part);
    if (!m) return undefined;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (from < 1 || to < from) return undefined;
    for (let i = from; i <= to; i++) out.push(i);
  }
  return out;
}
