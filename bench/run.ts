/**
 * Benchmark runner (`make bench`, or `npx tsx bench/run.ts [name ...]`).
 *
 * Every `bench/<name>.ts` other than this file (and files starting with `_`) is a benchmark:
 * it exports `run(): Promise<string>` returning one markdown section (starting with a `##`
 * heading) and may export `title`. The runner runs them one after another and writes
 * bench/RESULTS.md: a header with the machine and date, then one section per benchmark between
 * `<!-- bench:<name> -->` markers. With names on the command line only those run; the other
 * sections of the existing RESULTS.md are kept as they were.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { writeFileAtomic } from "../src/util/atomicWrite.js";
import { machineDescription } from "./_common.js";

const BENCH_DIR = import.meta.dirname;
const RESULTS = path.join(BENCH_DIR, "RESULTS.md");

export interface BenchmarkModule {
  run(): Promise<string>;
  title?: string;
}

function benchmarkNames(): string[] {
  return readdirSync(BENCH_DIR)
    .filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts") && f !== "run.ts" && !f.startsWith("_"))
    .map((f) => f.slice(0, -3))
    .sort();
}

/** The sections of an existing RESULTS.md, by benchmark name. */
function previousSections(): Map<string, string> {
  const out = new Map<string, string>();
  if (!existsSync(RESULTS)) return out;
  const text = readFileSync(RESULTS, "utf8");
  for (const m of text.matchAll(/<!-- bench:([\w-]+) -->\n([\s\S]*?)\n<!-- \/bench:\1 -->/g)) out.set(m[1], m[2]);
  return out;
}

async function main(): Promise<void> {
  const available = benchmarkNames();
  const asked = process.argv.slice(2);
  const unknown = asked.filter((n) => !available.includes(n));
  if (unknown.length) {
    process.stderr.write(`bench: no benchmark ${unknown.join(", ")} (have: ${available.join(", ")})\n`);
    process.exit(2);
  }
  const toRun = asked.length ? asked : available;
  const sections = previousSections();
  const load = os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(", ");
  const started = new Date();
  for (const name of toRun) {
    const mod = (await import(pathToFileURL(path.join(BENCH_DIR, `${name}.ts`)).href)) as Partial<BenchmarkModule>;
    if (typeof mod.run !== "function") throw new Error(`bench/${name}.ts does not export run(): Promise<string>`);
    process.stderr.write(`[bench] ${name}${mod.title ? ` (${mod.title})` : ""}\n`);
    const t0 = performance.now();
    const section = (await mod.run()).trim();
    process.stderr.write(`[bench] ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    sections.set(name, section);
  }
  // Sections of benchmarks that no longer exist are dropped.
  const body = available
    .filter((n) => sections.has(n))
    .map((n) => `<!-- bench:${n} -->\n${sections.get(n)}\n<!-- /bench:${n} -->`)
    .join("\n\n");
  const text = [
    "# Benchmarks",
    "",
    `Written by \`make bench\` (\`npx tsx bench/run.ts [name ...]\`); do not edit by hand. Last run: ${started.toISOString().replace(/\.\d+Z$/, "Z")}` +
      ` (${toRun.join(", ")}; load average at start ${load}).`,
    "",
    machineDescription(),
    "",
    body,
    "",
  ].join("\n");
  await writeFileAtomic(RESULTS, text);
  process.stderr.write(`[bench] wrote ${path.relative(process.cwd(), RESULTS)}\n`);
}

await main();
