/** OS CPU accounting behind timing.json (Linux /proc). */
import os from "node:os";
import { describe, expect, it } from "vitest";
import { clock, machineCpu, ownCpuSeconds, since } from "../../src/pipeline/timing.js";

/**
 * Burn `seconds` of this process's CPU (not of wall time: on a loaded machine a wall-time spin
 * gets only a share of a core), giving up after a minute.
 */
const spin = (seconds: number) => {
  const start = ownCpuSeconds();
  const giveUp = Date.now() + 60_000;
  let x = 0;
  while (ownCpuSeconds() - start < seconds && Date.now() < giveUp) {
    for (let k = 0; k < 10_000; k++) x += Math.sqrt(x + 1);
  }
  return x;
};

describe("machineCpu", () => {
  it("counts every CPU and grows at least by the CPU this process burns", () => {
    const before = machineCpu()!;
    expect(before.cpus).toBe(os.cpus().length);
    const own0 = ownCpuSeconds();
    spin(0.4);
    const ownUsed = ownCpuSeconds() - own0;
    const after = machineCpu()!;
    expect(ownUsed).toBeGreaterThan(0.2);
    // /proc/stat ticks at 100 Hz: allow two ticks of rounding.
    expect(after.busy - before.busy).toBeGreaterThanOrEqual(ownUsed - 0.02);
  });
});

describe("since", () => {
  it("reports wall, own CPU and the other processes' CPU of a phase, without counting this process as other", () => {
    const t0 = clock();
    spin(0.3);
    const d = since(t0);
    expect(d.wall).toBeGreaterThanOrEqual(d.ownCpu - 0.02);
    expect(d.ownCpu).toBeGreaterThan(0.15);
    expect(d.otherCpu).toBeGreaterThanOrEqual(0);
    // Other processes cannot have used more than the rest of the machine during the phase.
    expect(d.otherCpu!).toBeLessThanOrEqual(os.cpus().length * d.wall - d.ownCpu + 0.05);
  });
});
