/**
 * Where a study's time goes, measured by the OS: CPU seconds of the CmdStan child processes
 * (cutime + cstime of /proc/self/stat, which the kernel adds up for every waited-for child),
 * CPU seconds of the tool itself, and wall time per phase. Written to `timing.json` so the
 * benchmarks (and users) can compute core utilisation = children CPU / (cores x wall).
 */
import { readFileSync } from "node:fs";

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

export interface PhaseClock {
  wall: number;
  childrenCpu: number;
  ownCpu: number;
}

export function clock(): PhaseClock {
  return { wall: Date.now() / 1000, childrenCpu: childrenCpuSeconds(), ownCpu: ownCpuSeconds() };
}

export function since(start: PhaseClock): PhaseClock {
  const now = clock();
  const r = (x: number) => Math.round(x * 1000) / 1000;
  return { wall: r(now.wall - start.wall), childrenCpu: r(now.childrenCpu - start.childrenCpu), ownCpu: r(now.ownCpu - start.ownCpu) };
}
