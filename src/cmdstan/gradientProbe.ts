/**
 * Seconds per gradient evaluation of a model on some data, measured in about a second: NUTS with
 * adaptation off and a tiny fixed step size never turns back, so every iteration runs to the
 * maximum tree depth and takes 2^depth - 1 leapfrog steps, each one gradient. The sampling time
 * of CmdStan's timing block over the CSV's n_leapfrog__ total is the cost of one gradient (plus
 * a share of the per-draw output, small at this depth). The cost model carries measured fits to
 * other designs by the ratio of two probes taken side by side (docs/power.md "The cost model").
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { sample, type RunnableModel } from "./run.js";
import { readStanCsv } from "./stanCsv.js";

export interface ProbeOptions {
  /** Iterations of the probe run; each takes 2^depth - 1 gradients. */
  draws?: number;
  depth?: number;
  /** Runs; the fastest counts (other work on the machine only ever slows one down). */
  repeats?: number;
  signal?: AbortSignal;
}

/** Seconds per gradient of `model` on `dataFile`: the fastest of `repeats` short fixed-depth runs. */
export async function probeGradientSeconds(
  model: RunnableModel,
  dataFile: string,
  opts: ProbeOptions = {},
): Promise<number> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "cr-probe-"));
  try {
    let best = Infinity;
    for (let k = 0; k < (opts.repeats ?? 3); k++) {
      const run = await sample(model, {
        chains: 1,
        numWarmup: 0,
        numSamples: opts.draws ?? 60,
        adaptEngaged: false,
        stepsize: 1e-4,
        maxTreedepth: opts.depth ?? 7,
        init: 0,
        seed: 1 + k,
        dataFile,
        outputDir: dir,
        outputPrefix: `probe-${k}`,
        signal: opts.signal,
      });
      const csv = await readStanCsv(run.csvFiles[0], { variables: ["n_leapfrog__"] });
      const gradients = csv.draws["n_leapfrog__"].reduce((a, x) => a + x, 0);
      if (csv.timing && gradients > 0) best = Math.min(best, csv.timing.sampling / gradients);
    }
    if (!Number.isFinite(best)) throw new Error(`the gradient probe of ${model.name} measured nothing`);
    return best;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
