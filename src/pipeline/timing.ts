/**
 * Where a study's time goes, measured by the OS: CPU seconds of the CmdStan child processes
 * (cutime + cstime of /proc/self/stat, which the kernel adds up for every waited-for child),
 * CPU seconds of the tool itself, and wall time per phase. Written to `timing.json` so the
 * benchmarks (and users) can compute core utilisation = children CPU / (cores x wall).
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { writeJsonAtomic } from "../util/atomicWrite.js";

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) of all terminated, waited-for children; 0 where /proc is absent. */
export function childrenCpuSeconds(): number {
  try {
    const stat = readFileSync("/proc/self/stat", "utf8");
    // Fields after the parenthesised command name; cutime and cstime are fields 16 and 17.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(rest[13]) + Number(rest[14])) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}

/** CPU seconds (user + system) of this Node process. */
export function ownCpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Busy CPU seconds of the whole machine (all processes, every CPU) from the first line of
 * /proc/stat, and the number of CPUs; undefined where /proc is absent. With it a run can say
 * how much of the machine other processes took while it ran: a measurement disturbed by
 * other work shows up as such instead of as a slow tool.
 */
export function machineCpu(): { busy: number; cpus: number } | undefined {
  try {
    const stat = readFileSync("/proc/stat", "utf8");
    const lines = stat.split("\n");
    // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest is inside user).
    // steal (the hypervisor running other machines on our CPUs) counts as busy: it too is
    // capacity this run did not get.
    const f = lines[0].trim().split(/\s+/).slice(1, 9).map(Number);
    const busy = f[0] + f[1] + f[2] + f[5] + f[6] + f[7];
    const cpus = lines.filter((l) => /^cpu\d+ /.test(l)).length;
    return Number.isFinite(busy) && cpus > 0 ? { busy: busy / CLOCK_TICKS, cpus } : undefined;
  } catch {
    return undefined;
  }
}

export interface PhaseClock {
  wall: number;
  childrenCpu: number;
  ownCpu: number;
  /** CPU seconds of every other process on the machine (machine busy - children - this process). */
  otherCpu?: number;
}

interface ClockReading extends PhaseClock {
  machineBusy?: number;
}

export function clock(): ClockReading {
  return {
    wall: Date.now() / 1000,
    childrenCpu: childrenCpuSeconds(),
    ownCpu: ownCpuSeconds(),
    machineBusy: machineCpu()?.busy,
  };
}

export function since(start: ClockReading): PhaseClock {
  const now = clock();
  const r = (x: number) => Math.round(x * 1000) / 1000;
  const d = {
    wall: r(now.wall - start.wall),
    childrenCpu: r(now.childrenCpu - start.childrenCpu),
    ownCpu: r(now.ownCpu - start.ownCpu),
  };
  if (now.machineBusy === undefined || start.machineBusy === undefined) return d;
  // Children are counted when reaped, the machine as it runs: clamp the small mismatch at 0.
  return { ...d, otherCpu: r(Math.max(0, now.machineBusy - start.machineBusy - d.childrenCpu - d.ownCpu)) };
}

/**
 * timing.json: wall and CPU time per phase as the OS measured them, and the core utilisation;
 * then the study's `notes` (what it says about itself, e.g. which truths it drew), copied as they
 * are, after the timing keys (a note never replaces one).
 */
export async function writeTiming(
  out: string,
  cores: number,
  executor: string,
  phases: { setup: PhaseClock; loop: PhaseClock; finish: PhaseClock; total: PhaseClock },
  counts: { unit: string; run: number; kept: number },
  notes: Record<string, unknown> = {},
): Promise<void> {
  const { setup, loop, finish, total } = phases;
  const ratio = (num: number, den: number) => (den > 0 ? Math.round((num / den) * 1000) / 1000 : null);
  const cpus = machineCpu()?.cpus;
  // Elsewhere (a cluster) the chains are not this process's children: no utilisation to measure here.
  const utilisation = (num: number, den: number) => (executor === "local" ? ratio(num, den) : null);
  const timing = {
    executor,
    cores,
    // Named by the study's unit (iterations_run, simulations_run): run in this start, and
    // finished in an earlier start and kept.
    [`${counts.unit}s_run`]: counts.run,
    [`${counts.unit}s_kept`]: counts.kept,
    wall_seconds: total.wall,
    phases: { setup, loop, finish },
    // Core utilisation of the loop: CPU of CmdStan processes over the cores' capacity.
    loop_utilisation: utilisation(loop.childrenCpu, cores * loop.wall),
    whole_run_utilisation: utilisation(total.childrenCpu, cores * total.wall),
    outside_loop_share: ratio(setup.wall + finish.wall, total.wall),
    // Share of the machine's CPUs that other processes used during the run: a utilisation
    // measured beside other work is lower than the tool's own.
    other_processes_share: total.otherCpu === undefined || !cpus ? null : ratio(total.otherCpu, cpus * total.wall),
  };
  const extra = Object.entries(notes).filter(([k]) => !(k in timing));
  await writeJsonAtomic(path.join(out, "timing.json"), { ...timing, ...Object.fromEntries(extra) });
}
