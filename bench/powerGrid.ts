/**
 * Power grid, regime (a): the users' five cells (menus per cell : rho = 30:0.0, 30:0.5, 20:0.9,
 * 30:0.9, 60:0.9; J 6, R 12, 2 presentations; 4 chains x (1000 + 2000), adapt delta 0.95) on
 * this machine, read from the grid folder `cmdstan-recover power` wrote ($POWER_GRID or
 * results/power_regime_a; read only: the fits take minutes each). The commands that make it:
 *
 *   node dist/cli.js power --config configs/h_m01_size_power_regime_a_config.json \
 *     --output-dir results/power_regime_a --cells 30:0.0,30:0.5,20:0.9,30:0.9,60:0.9 --measure
 *   node dist/cli.js power ... --cells ... --iterations N --budget-hours H
 *
 * Figures per cell: fits finished; seconds per iteration as the original counts them (a fit's
 * core-seconds over its 4 chains: its wall time with a core per chain) beside the original's;
 * the cost model's actual / predicted for the price each cell was given before it ran, and the
 * model's error out of sample (each cell predicted from the other cells' fits only), beside the
 * original's linear-in-M_total model on the same fits; the whole grid (6 iterations per cell)
 * priced from the measured fits; and how busy the machine was (timing.json's
 * other_processes_share of each run, kept in <grid>/_bench/ by the run script).
 */
import { existsSync } from "node:fs";
import { readdir, readFile } from "node:fs/promises";
import path from "node:path";
import { fitCoreSeconds, predictFit, predictLinearInMTotal, type MeasuredFit } from "../src/analysis/costModel.js";
import { pyFixed } from "../src/report/text.js";
import { measuredOn, REPO_ROOT } from "./_common.js";

export const title = "Power grid, regime (a): seconds per iteration, the cost model's error";

const GRID = path.resolve(REPO_ROOT, process.env.POWER_GRID ?? path.join("results", "power_regime_a"));
const CELLS = ["menus30_rho0p0", "menus30_rho0p5", "menus20_rho0p9", "menus30_rho0p9", "menus60_rho0p9"];
/** The original's regime (a) seconds per iteration (its fits: 4 chains in parallel, one fit after another). */
const ORIGINAL_S_PER_ITER: Record<string, number> = {
  menus30_rho0p0: 1157,
  menus30_rho0p5: 2226,
  menus20_rho0p9: 1807,
  menus30_rho0p9: 1817,
  menus60_rho0p9: 4330,
};
const ORIGINAL_HOURS = 18.9;
const ITERATIONS = 6;
const CORES = 2;

const json = async (...p: string[]) => JSON.parse(await readFile(path.join(...p), "utf8"));
const f = (x: number | null | undefined, n: number) =>
  x === null || x === undefined || !Number.isFinite(x) ? "-" : pyFixed(x, n);
const geo = (xs: number[]) => Math.exp(xs.reduce((a, x) => a + Math.log(x), 0) / xs.length);
const fitCost = fitCoreSeconds;

interface GridRow {
  name: string;
  predicted_seconds_per_iteration: number | null;
  prediction_error_ratio: number | null;
}

interface Cell {
  name: string;
  /** The fits whose chains' CPU seconds were measured (all of them when none was). */
  fits: MeasuredFit[];
  /** Every fit, with CmdStan's wall-clock seconds. */
  allFits: MeasuredFit[];
  shape: { M_total: number; rho: number; chains: number; warmup: number; samples: number };
}

async function readCell(name: string): Promise<Cell | undefined> {
  const dir = path.join(GRID, name);
  if (!existsSync(path.join(dir, "timing.json"))) return undefined;
  const timing = await json(dir, "timing.json");
  const summary = await json(dir, "summary.json");
  const s = summary.sampler;
  const shape = {
    M_total: summary.M_total,
    rho: summary.rho_copy,
    chains: s.chains,
    warmup: s.iter_warmup,
    samples: s.iter_sampling,
  };
  const allFits = timing.fits as MeasuredFit[];
  const withCpu = allFits.filter((x) => x.chain_cpu_seconds !== undefined);
  return { name, fits: withCpu.length ? withCpu : allFits, allFits, shape };
}

/** Each cell predicted from the other cells' fits only: our model, and the linear-in-M_total one. */
function outOfSample(cells: Cell[], probes: Map<number, number>) {
  return cells.map((c) => {
    const others = cells.filter((o) => o !== c).flatMap((o) => o.fits);
    const actual = c.fits.reduce((a, x) => a + fitCost(x), 0) / c.fits.length;
    const ours = predictFit(others, c.shape, probes);
    return {
      name: c.name,
      actual,
      ours: actual / ours.core_seconds,
      linear: actual / predictLinearInMTotal(others, c.shape),
      basis: ours.basis,
    };
  });
}

async function runShares(): Promise<string[]> {
  const dir = path.join(GRID, "_bench");
  const files = existsSync(dir) ? (await readdir(dir)).filter((x) => x.endsWith(".json")).sort() : [];
  const lines: string[] = [];
  for (const file of files) {
    const t = await json(dir, file);
    lines.push(
      `\`${file.replace(/\.json$/, "")}\`: wall ${f(t.wall_seconds, 0)} s, loop utilisation ${f(t.loop_utilisation, 3)}, other_processes_share **${f(t.other_processes_share, 3)}**`,
    );
  }
  return lines;
}

export async function run(): Promise<string> {
  if (!existsSync(path.join(GRID, "grid_summary.json"))) {
    return `## ${title}\n\nNo grid at ${GRID}: run the commands in bench/powerGrid.ts first.\n`;
  }
  const grid = await json(GRID, "grid_summary.json");
  const pricing = existsSync(path.join(GRID, "grid_pricing.json"))
    ? await json(GRID, "grid_pricing.json")
    : { probes: {}, cells: {} };
  const probes = new Map<number, number>(
    Object.entries(pricing.probes ?? {}).map(([k, v]) => [Number(k), v as number]),
  );
  const cells = (await Promise.all(CELLS.map(readCell))).filter((c): c is Cell => c !== undefined && c.fits.length > 0);
  const rows = grid.cells as GridRow[];
  const oos = outOfSample(cells, probes);
  const wallOf = (c: Cell) =>
    c.allFits.reduce((a, x) => a + x.chain_seconds + (x.post_seconds ?? 0), 0) / c.allFits.length;
  const table = [
    "| cell | fits (CPU measured / all) | core-s/fit | s/iter (core-s / 4) | original s/iter | ours / original | wall core-s/fit, all fits | actual / first price (fits done when priced) | out of sample: ours | out of sample: linear in M_total |",
    "|---|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ...cells.map((c) => {
      const r = rows.find((x) => x.name === c.name)!;
      const o = oos.find((x) => x.name === c.name)!;
      const perIter = o.actual / c.shape.chains;
      const priced = pricing.cells?.[c.name];
      const measuredCpu = c.fits.filter((x) => x.chain_cpu_seconds !== undefined).length;
      return `| ${c.name} | ${measuredCpu} / ${c.allFits.length} | ${f(o.actual, 0)} | ${f(perIter, 0)} | ${ORIGINAL_S_PER_ITER[c.name]} | ${f(perIter / ORIGINAL_S_PER_ITER[c.name], 3)} | ${f(wallOf(c), 0)} | ${f(r.prediction_error_ratio, 2)} (${priced?.fits_done_when_priced ?? "-"}) | ${f(o.ours, 2)} | ${f(o.linear, 2)} |`;
    }),
  ];
  const coreSeconds = cells.reduce(
    (a, c) => a + ITERATIONS * (c.fits.reduce((x, y) => x + fitCost(y), 0) / c.fits.length),
    0,
  );
  const seqHours =
    cells.reduce(
      (a, c) => a + (ITERATIONS * c.fits.reduce((x, y) => x + fitCost(y), 0)) / c.fits.length / c.shape.chains,
      0,
    ) / 3600;
  const absLog = (xs: number[]) => Math.max(...xs.map((x) => Math.abs(Math.log(x))));
  return [
    `## ${title}`,
    "",
    measuredOn(),
    "",
    `What: regime (a) of the users' power study, read from ${path.relative(REPO_ROOT, GRID)} (${cells.reduce((a, c) => a + c.allFits.length, 0)} fits of the ${ITERATIONS * CELLS.length}). CmdStan 2.27.0, 2 cores, fits of 4 chains x (1000 + 2000), adapt delta 0.95. A fit's cost (core-s) is its chains' CPU seconds as the OS counted them (warm-up + sampling) plus its post-fit work, over the fits whose CPU was measured (the first fits of the run predate that measurement: for them only CmdStan's wall-clock seconds, which other processes on the machine inflate, are in the wall column). Out of sample: each cell predicted from the other cells' fits only, with this run's probes.`,
    "",
    ...table,
    "",
    `- The whole grid (${ITERATIONS} iterations per cell) priced from these fits: **${f(coreSeconds / 3600, 2)} core-hours**, **${f(coreSeconds / CORES / 3600, 2)} h on ${CORES} cores**; as the original counts it (fits one after another, a core per chain) ${f(seqHours, 2)} h against its ${ORIGINAL_HOURS} h (${f(ORIGINAL_HOURS / seqHours, 1)}x).`,
    `- Cost model out of sample (each cell from the others' fits; probes of this run): actual / predicted ${oos.map((o) => f(o.ours, 2)).join(", ")}, largest |log ratio| **${f(absLog(oos.map((o) => o.ours)), 3)}** (geometric mean ${f(geo(oos.map((o) => o.ours)), 3)}); the original's linear-in-M_total model on the same fits: ${oos.map((o) => f(o.linear, 2)).join(", ")}, largest |log ratio| **${f(absLog(oos.map((o) => o.linear)), 3)}**.`,
    `- grid_summary.json: cost model error ${JSON.stringify(grid.cost_model_error?.ratios?.map((x: number) => Number(x.toFixed(3))))}, linear model ${JSON.stringify(grid.linear_model_error?.ratios?.map((x: number) => Number(x.toFixed(3))))}; measured ${f(grid.measured_core_hours, 2)} core-hours; this process ${f(grid.wall_clock_this_process_hours, 2)} h.`,
    `- Decisive slope at rho ${grid.decisive_slope?.rho}: ${f(grid.decisive_slope?.slope, 2)} (${grid.decisive_slope?.verdict ?? "no slope"}); the original: -1.48 (small-sample displacement).`,
    "",
    "How busy the machine was, per run (timing.json):",
    "",
    ...(await runShares()).map((l) => `- ${l}`),
  ].join("\n");
}
