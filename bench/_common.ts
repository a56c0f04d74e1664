/** Helpers shared by the benchmarks (files starting with `_` are not benchmarks). */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import v8 from "node:v8";
import vm from "node:vm";

export const REPO_ROOT = path.resolve(import.meta.dirname, "..");

export function cpuModel(): string {
  try {
    const m = /^model name\s*:\s*(.*)$/m.exec(readFileSync("/proc/cpuinfo", "utf8"));
    if (m) return m[1].trim();
  } catch {
    /* not Linux */
  }
  return os.cpus()[0]?.model ?? "unknown";
}

export function nproc(): string {
  try {
    return execFileSync("nproc", { encoding: "utf8" }).trim();
  } catch {
    return String(os.availableParallelism());
  }
}

/** CPU model, core count, memory, Node version, OS: what a reader needs to compare figures. */
export function machineDescription(): string {
  const memGiB = (os.totalmem() / 2 ** 30).toFixed(1);
  return [
    `- CPU: ${cpuModel()}; \`nproc\`: ${nproc()}; memory: ${memGiB} GiB`,
    `- Node ${process.version} (V8 ${process.versions.v8}); ${os.type()} ${os.release()} ${os.arch()}`,
  ].join("\n");
}

/** One line for the top of a section: when and where it was measured, and how busy the machine was. */
export function measuredOn(): string {
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");
  return `Measured ${new Date().toISOString().replace(/\.\d+Z$/, "Z")} on ${cpuModel()} (nproc ${nproc()}), Node ${process.version}; load average ${load}.`;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

let gcFn: (() => void) | undefined;
/** A full garbage collection between timed runs (so one run does not pay for the previous one's garbage). */
export function collectGarbage(): void {
  if (!gcFn) {
    v8.setFlagsFromString("--expose-gc");
    gcFn = vm.runInNewContext("gc") as () => void;
  }
  gcFn();
}
