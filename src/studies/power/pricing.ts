/**
 * A grid's price and budget, before any fit runs (docs/power.md "The budget"): the fits still to
 * run in every cell are priced by the cost model (analysis/costModel.ts) from MEASURED fits: a
 * timing (default `<output_dir>/_measure/timing.json`, written by `--measure`) and the grid's own
 * finished fits. A timing taken under other sampler settings is refused unless
 * --allow-sampler-mismatch; no measurement at all is refused, saying how to measure; a grid
 * predicted above --budget-hours is refused; --dry-run prints the table and stops.
 *
 * The first prediction of each cell is kept in `grid_pricing.json`, so the grid's summary
 * compares what was predicted before the cell ran with what it cost.
 */
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { predictFit, predictLinearInMTotal, type FitPrediction, type MeasuredFit } from "../../analysis/costModel.js";
import { probeGradientSeconds } from "../../cmdstan/gradientProbe.js";
import { verifyReplicate } from "../../pipeline/records.js";
import { fingerprintHash } from "../../pipeline/studyFolder.js";
import { markdownTable, pyFixed, type Column } from "../../report/text.js";
import { writeJsonAtomic } from "../../util/atomicWrite.js";
import { InputError } from "../../util/errors.js";
import { readJsonFile } from "../../util/jsonFile.js";
import type { GridCell, GridPreflight } from "../studyKind.js";
import { MEASURE_FOLDER, pyFloat, samplerSettings, type PowerConfig } from "./config.js";
import { COST_FILE } from "./iteration.js";
import type { PowerCellStudy } from "./cellStudy.js";
import type { PowerCellOutcome } from "./report.js";
import { costSchema } from "./summarize.js";

export const PRICING_FILE = "grid_pricing.json";

const samplerSchema = z.object({
  iter_warmup: z.number().int(),
  iter_sampling: z.number().int(),
  chains: z.number().int(),
  adapt_delta: z.number(),
});
/** A measured run's timing.json: the original's keys, and this tool's fits when it wrote the file. */
const timingSchema = z
  .object({
    seconds_per_iteration: z.number().nullable(),
    sampler: samplerSchema,
    M_total: z.number().positive(),
    n_menus: z.number().int().positive(),
    J: z.number().int().positive(),
    rho_copy: z.number().optional(),
    fits: z.array(costSchema).optional(),
  })
  .passthrough();
type Timing = z.output<typeof timingSchema>;

type Cell = GridCell<PowerConfig, PowerCellOutcome>;
const powerOf = (c: Cell) => (c.study as unknown as PowerCellStudy).power;

/** The fits a timing file measured (one lumped fit for a timing of the original's, which has no gradient counts). */
function timingFits(t: Timing, config: PowerConfig): MeasuredFit[] {
  if (t.fits?.length) return t.fits;
  if (t.seconds_per_iteration === null) return [];
  const { chains, iter_warmup: warmup, iter_sampling: samples } = t.sampler;
  // Its fits ran their chains in parallel: seconds per iteration is about one chain's time.
  const chainSeconds = t.seconds_per_iteration * chains;
  const rho = t.rho_copy ?? config.rho_copy;
  const iterations = chains * (warmup + samples);
  return [
    {
      M_total: t.M_total,
      rho,
      chains,
      warmup,
      samples,
      chain_seconds: chainSeconds,
      sampling_seconds: chainSeconds,
      sampling_gradients: iterations,
    },
  ];
}

/** The grid's own finished fits, per cell (verified records only). */
async function ownFits(cells: Cell[]): Promise<Map<string, MeasuredFit[]>> {
  const byCell = new Map<string, MeasuredFit[]>();
  for (const c of cells) {
    const fits: MeasuredFit[] = [];
    const hash = fingerprintHash(c.study.fingerprint);
    for (let i = 1; i <= c.study.count; i++) {
      const dir = c.study.replicateDir(i);
      const { record } = await verifyReplicate(dir, c.study.recordName, hash);
      if (record?.status === "ok") fits.push(await readJsonFile(path.join(dir, COST_FILE), costSchema));
    }
    byCell.set(c.name, fits);
  }
  return byCell;
}

function refuseMismatch(file: string, t: Timing, config: PowerConfig): void {
  const want = samplerSettings(config);
  const differ = (Object.keys(want) as (keyof typeof want)[]).filter((k) => t.sampler[k] !== want[k]);
  if (!differ.length || config.allow_sampler_mismatch) return;
  const list = differ.map((k) => `${k} ${t.sampler[k]} there, ${want[k]} here`).join("; ");
  throw new InputError(
    `${file} was measured under other sampler settings (${list}), so it misprices this grid. ` +
      `Measure again with these settings (cmdstan-recover power --config ${config.source} --measure), ` +
      `or give --allow-sampler-mismatch to price from it anyway (the cost model scales by iterations and chains).`,
  );
}

/** Seconds per gradient of each design in the grid (and of the timing's), probed side by side. */
async function probeAll(cells: Cell[], extra: number[], log: (line: string) => void): Promise<Map<number, number>> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "cr-power-probe-"));
  try {
    const probes = new Map<number, number>();
    const byShape = new Map<number, Cell>();
    for (const c of cells) byShape.set(powerOf(c).shape.M_total, c);
    for (const [M, c] of byShape) {
      const p = powerOf(c);
      probes.set(M, await probeGradientSeconds(p.inference, await p.probeData(dir)));
    }
    for (const M of extra.filter((m) => !probes.has(m)))
      log(`[power] no design of M_total ${M} in the grid to probe; its fits are carried by M_total`);
    return probes;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface CellPrice {
  name: string;
  menus: number;
  rho: number;
  M_total: number;
  done: number;
  todo: number;
  prediction: FitPrediction;
  linear: number;
}

/** Price every cell's remaining fits; the table, the budget check, the dry run. */
export async function priceGrid(
  cells: Cell[],
  config: PowerConfig,
  ctx: { log: (line: string) => void; cores: number },
): Promise<GridPreflight> {
  const file = config.timing ?? path.join(config.output_dir, MEASURE_FOLDER, "timing.json");
  const timing = existsSync(file) ? await readJsonFile(file, timingSchema) : undefined;
  if (timing) refuseMismatch(file, timing, config);
  const own = await ownFits(cells);
  const measured = [...(timing ? timingFits(timing, config) : []), ...[...own.values()].flat()];
  if (!measured.length) {
    throw new InputError(
      `no timing to price the grid from: ${file} does not exist and no fit of the grid has finished. Measure first: ` +
        `cmdstan-recover power --config ${config.source} --measure --output-dir ${config.output_dir} ` +
        `(with --menus-per-cell and --rho-copy of a cell), or name a measured run's timing.json with --timing.`,
    );
  }
  const probes = await probeAll(cells, [...new Set(measured.map((f) => f.M_total))], ctx.log);
  const prices: CellPrice[] = cells.map((c) => {
    const p = powerOf(c);
    const shape = {
      M_total: p.shape.M_total,
      rho: p.config.rho_copy,
      chains: p.config.n_mcmc_chains,
      warmup: p.config.warmup,
      samples: p.config.n_mcmc_samples,
    };
    const done = own.get(c.name)!.length;
    const menus = p.shape.n_menus / p.shape.J;
    return {
      name: c.name,
      menus,
      rho: shape.rho,
      M_total: shape.M_total,
      done,
      todo: c.study.count - done,
      prediction: predictFit(measured, shape, probes),
      linear: predictLinearInMTotal(measured, shape),
    };
  });
  const hours = prices.reduce((a, p) => a + p.todo * p.prediction.core_seconds, 0) / ctx.cores / 3600;
  const table = pricingTable(prices, ctx.cores, hours, config.budget_hours, timing ? file : undefined);
  if (config.dry_run) return { proceed: false, text: table };
  if (config.budget_hours === undefined) {
    throw new InputError(
      `${table}\n--budget-hours is required with --cells: the grid is refused without a budget (above: the price).`,
    );
  }
  if (hours > config.budget_hours) {
    throw new InputError(
      `${table}\nrefused: the grid is predicted to take ${pyFixed(hours, 2)} h on ${ctx.cores} core(s), above --budget-hours ${config.budget_hours}. ` +
        `Raise the budget, run fewer cells or iterations (--cells, --iterations), or more cores.`,
    );
  }
  ctx.log(table);
  await keepFirstPrices(config, prices, { hours, cores: ctx.cores, probes });
  return { proceed: true, text: table, costs: new Map(prices.map((p) => [p.name, p.prediction.core_seconds])) };
}

function pricingTable(
  prices: CellPrice[],
  cores: number,
  hours: number,
  budget: number | undefined,
  timingFile?: string,
): string {
  let cumulative = 0;
  const f = (x: number, n: number) => pyFixed(x, n);
  const columns: Column[] = [
    { header: "menus/cell", kind: "string", values: prices.map((p) => String(p.menus)) },
    { header: "rho", kind: "string", values: prices.map((p) => pyFloat(p.rho)) },
    { header: "M_total", kind: "string", values: prices.map((p) => String(p.M_total)) },
    {
      header: "fits to run",
      kind: "string",
      values: prices.map((p) => `${p.todo}${p.done ? ` (${p.done} done)` : ""}`),
    },
    { header: "core-s/fit", kind: "string", values: prices.map((p) => f(p.prediction.core_seconds, 0)) },
    { header: "linear in M_total", kind: "string", values: prices.map((p) => f(p.linear, 0)) },
    {
      header: "hours",
      kind: "string",
      values: prices.map((p) => f((p.todo * p.prediction.core_seconds) / cores / 3600, 2)),
    },
    {
      header: "total",
      kind: "string",
      values: prices.map((p) => f((cumulative += (p.todo * p.prediction.core_seconds) / cores / 3600), 2)),
    },
    { header: "basis", kind: "string", values: prices.map((p) => p.prediction.basis) },
  ];
  const budgetText = budget === undefined ? "no budget given" : `budget ${budget} h`;
  return [
    `Price of the grid on ${cores} core(s), from ${timingFile ?? "the grid's finished fits"}:`,
    markdownTable(columns),
    `Predicted: ${f(hours, 2)} h (${budgetText}).`,
  ].join("\n");
}

/** grid_pricing.json: each cell's first prediction (made before it ran) is kept. */
async function keepFirstPrices(
  config: PowerConfig,
  prices: CellPrice[],
  run: { hours: number; cores: number; probes: ReadonlyMap<number, number> },
): Promise<void> {
  const file = path.join(config.output_dir, PRICING_FILE);
  const kept = existsSync(file) ? await readJsonFile(file, pricingFileSchema).catch(() => undefined) : undefined;
  const cells = { ...(kept?.cells ?? {}) };
  for (const p of prices) {
    cells[p.name] ??= {
      predicted_core_seconds_per_iteration: p.prediction.core_seconds,
      linear_core_seconds_per_iteration: p.linear,
      basis: p.prediction.basis,
      fits_done_when_priced: p.done,
    };
  }
  await writeJsonAtomic(file, {
    budget_hours: config.budget_hours ?? null,
    cores: run.cores,
    predicted_total_hours: kept?.predicted_total_hours ?? run.hours,
    cells,
    // The latest probes (seconds per gradient by M_total), for an analysis of the model's error.
    probes: Object.fromEntries(run.probes),
  });
}

export const pricingFileSchema = z.object({
  probes: z.record(z.number()).optional(),
  budget_hours: z.number().nullable(),
  cores: z.number(),
  predicted_total_hours: z.number(),
  cells: z.record(
    z.object({
      predicted_core_seconds_per_iteration: z.number(),
      linear_core_seconds_per_iteration: z.number(),
      basis: z.string(),
      fits_done_when_priced: z.number(),
    }),
  ),
});
