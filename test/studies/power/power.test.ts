/**
 * The power kind end to end with the real CmdStan (short fits of a tiny pseudo-replicated design):
 * one cell's outputs in the original's keys and its decisions checked against the simulator's
 * truth; a design the simulator rejects refused before any fit; a grid refused without a timing,
 * measured, dry-run, refused above its budget and for a timing of other sampler settings, run,
 * and checked against the power scripts' contract; a grid killed part way resumes to the same
 * summaries.
 */
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readStanCsv } from "../../../src/cmdstan/stanCsv.js";
import type { PowerConfig } from "../../../src/studies/power/config.js";
import { fingerprintHash } from "../../../src/pipeline/studyFolder.js";
import { writeStudyRecipe } from "../../../src/pipeline/studyRecipe.js";
import { prepareGrid } from "../../../src/studies/grid.js";
import { powerKind } from "../../../src/studies/power/kind.js";
import { runWorker } from "../../../src/studies/worker.js";
import { loadStudyConfig, runStudy } from "../../../src/studies/runStudy.js";
import { InputError } from "../../../src/util/errors.js";
import { powerCellContract, powerGridContract } from "../../contracts/notebooks.js";
import { firstDraw, testCmdStan } from "../../helpers/cmdstan.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const SMOKE = path.join(ROOT, "configs", "h_m01_size_power_smoke_config.json");
const CLI = [path.join(ROOT, "node_modules", ".bin", "tsx"), path.join(ROOT, "src", "cli.ts")];
const CELLS = "4:0.0,4:0.9,6:0.9";
const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream };
const json = async (...p: string[]) => JSON.parse(await readFile(path.join(...p), "utf8"));
const load = (overrides: Record<string, unknown>) =>
  loadStudyConfig(powerKind, SMOKE, overrides) as Promise<PowerConfig>;

/** A cell's summary without the keys that depend on how long things took. */
async function results(cellDir: string) {
  const {
    seconds_per_iteration: _s,
    total_seconds: _t,
    core_seconds_per_iteration: _c,
    ...summary
  } = await json(cellDir, "summary.json");
  const decisions = ((await json(cellDir, "iterations.json")) as Record<string, unknown>[]).map(
    ({ seconds: _x, ...d }) => d,
  );
  return { summary, decisions };
}

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("power (real CmdStan)", () => {
  let tmp: string;
  beforeAll(async () => {
    await testCmdStan();
    tmp = await mkdtemp(path.join(os.tmpdir(), "cr-power-"));
  });
  afterAll(() => rm(tmp, { recursive: true, force: true }));

  it("one cell: the original's outputs, each decision consistent with the simulator's truth", async () => {
    const out = path.join(tmp, "cell");
    const result = await runStudy(powerKind, await load({ output_dir: out, cores: 2 }), quiet);
    expect(result.failed).toEqual([]);
    expect(powerCellContract(out)).toEqual([]);
    const summary = await json(out, "summary.json");
    expect(summary).toMatchObject({
      n_iterations: 2,
      regime: "a_pseudo_replication",
      rho_copy: 0.5,
      n_menus: 24,
      M_total: 48,
      J: 6,
    });
    expect(summary.menus_per_cell).toBe(4);
    const decisions = await json(out, "iterations.json");
    for (const [k, d] of decisions.entries()) {
      const i = k + 1;
      const sim = await readStanCsv(path.join(out, `iteration_${i}`, "sim", "sim-1.csv"));
      expect(d.true_gamma_size).toBe(firstDraw(sim, "gamma_size")[0]);
      expect(d.agreement_rate).toBe(firstDraw(sim, "agreement_rate")[0]);
      expect(d.covered).toBe(d.ci_lower <= d.true_gamma_size && d.true_gamma_size <= d.ci_upper);
      expect(d.excludes_zero).toBe(d.ci_lower > 0 || d.ci_upper < 0);
      expect(d.ci_width).toBeCloseTo(d.ci_upper - d.ci_lower, 12);
      expect(d.divergences).toBe(d.diagnose_problems.length > 0);
      // The fit saw neither the replication nor the simulator's hyperparameters.
      const data = await json(out, `iteration_${i}`, "data.json");
      for (const key of ["rho_copy", "menu_id", "n_menus", "gamma0_mean", "gamma_size_sd"])
        expect(data).not.toHaveProperty(key);
      expect(data.y).toHaveLength(48);
    }
    expect(summary.coverage).toBe(decisions.filter((d: { covered: boolean }) => d.covered).length / 2);
    const timing = await json(out, "timing.json");
    expect(timing.fits).toHaveLength(2);
    expect(timing.fits[0].sampling_gradients).toBeGreaterThan(0);
    expect(timing.other_processes_share).not.toBeUndefined(); // the engine's keys beside the cell's
    expect(await readFile(path.join(out, "report.md"), "utf8")).toContain("| 4 | 0.5 | 48 | 2 |");
  });

  it("refuses, before any fit, a design the simulator rejects, with the simulator's message", async () => {
    const out = path.join(tmp, "rejected");
    const config = await load({ output_dir: out, sim_overrides: { n_menus: 30 } });
    const err = await runStudy(powerKind, config, quiet).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(
      /rejects the data of this cell .*nothing was run.*menu 25 of n_menus = 30 has no presentation/s,
    );
    expect(existsSync(path.join(out, "iteration_1"))).toBe(false);
  });

  it("a grid: refused without a timing, measured, dry-run, held to its budget and its sampler, run", async () => {
    const out = path.join(tmp, "grid");
    const grid = (over: Record<string, unknown> = {}) => load({ output_dir: out, cells: CELLS, cores: 2, ...over });
    await expect(runStudy(powerKind, await grid({ budget_hours: 1 }), quiet)).rejects.toThrow(
      /no timing to price the grid from: .*_measure\/timing\.json does not exist and no fit of the grid has finished\. Measure first/,
    );
    expect(existsSync(out)).toBe(false);

    // --measure: the cheapest cell of each rho, in the grid's own folders.
    await runStudy(powerKind, await grid({ measure: true }), quiet);
    expect(
      readdirSync(out)
        .filter((f) => f.startsWith("menus"))
        .sort(),
    ).toEqual(["menus4_rho0p0", "menus4_rho0p9"]);

    const dry = await runStudy(powerKind, await grid({ dry_run: true, iterations: 3 }), quiet);
    expect(dry.stoppedBeforeRun).toMatch(/\| 6 \| 0\.9 \| 72 \| 3 \|/);
    expect(dry.stoppedBeforeRun).toMatch(/\| 4 \| 0\.0 \| 48 \| 1 \(2 done\) \|/);
    expect(existsSync(path.join(out, "menus6_rho0p9"))).toBe(false);
    expect(existsSync(path.join(out, "grid_pricing.json"))).toBe(false);

    await expect(runStudy(powerKind, await grid({ budget_hours: 1e-6, iterations: 3 }), quiet)).rejects.toThrow(
      /refused: the grid is predicted to take .* h on 2 core\(s\), above --budget-hours 0\.000001\./,
    );
    await expect(runStudy(powerKind, await grid({ iterations: 3 }), quiet)).rejects.toThrow(
      /--budget-hours is required with --cells/,
    );

    // A timing measured under other sampler settings misprices the grid: refused unless allowed.
    const other = path.join(tmp, "other");
    await runStudy(
      powerKind,
      await load({ output_dir: other, measure: true, measure_iterations: 1, n_mcmc_samples: 150 }),
      quiet,
    );
    const timing = path.join(other, "_measure", "timing.json");
    await expect(runStudy(powerKind, await grid({ timing, budget_hours: 1 }), quiet)).rejects.toThrow(
      /measured under other sampler settings \(iter_sampling 150 there, 100 here\)/,
    );
    const allowed = await runStudy(
      powerKind,
      await grid({ timing, dry_run: true, allow_sampler_mismatch: true }),
      quiet,
    );
    expect(allowed.stoppedBeforeRun).toContain(timing);

    const ran = await runStudy(powerKind, await grid({ budget_hours: 1, iterations: 2 }), quiet);
    expect(ran.failed).toEqual([]);
    expect(ran.resumed).toBe(4);
    expect(powerGridContract(out)).toEqual([]);
    const summary = await json(out, "grid_summary.json");
    expect(summary.cells.map((c: { name: string }) => c.name)).toEqual([
      "menus4_rho0p0",
      "menus4_rho0p9",
      "menus6_rho0p9",
    ]);
    const fresh = summary.cells[2];
    expect(fresh.prediction_error_ratio).toBeCloseTo(
      fresh.core_seconds_per_iteration / fresh.predicted_seconds_per_iteration,
      12,
    );
    expect(summary.iterations_per_cell).toBe(2);
    expect(await readFile(path.join(out, "report.md"), "utf8")).toMatch(/The decisive question/);
  });

  it("a cluster task rebuilds the grid from its recipe and redoes a fit exactly", async () => {
    const out = path.join(tmp, "grid");
    const config = await load({ output_dir: out, cells: CELLS, cores: 2, iterations: 2 });
    const study = await prepareGrid(powerKind, config, powerKind.grid!.cells(config)!, () => {});
    await writeStudyRecipe(out, study.recipe, fingerprintHash(study.fingerprint));
    // Replicate 5 of the grid is the first fit of its third cell.
    const fitDir = path.join(out, "menus6_rho0p9", "iteration_1");
    expect(study.replicateDir(5)).toBe(fitDir);
    const before = await json(fitDir, "decision.json");
    await rm(path.join(fitDir, "iteration.json"));
    const r = await runWorker({
      studyDir: out,
      replicates: [5],
      cores: 2,
      signal: new AbortController().signal,
      log: () => {},
    });
    expect(r).toEqual({ ok: 1, failed: 0 });
    const { seconds: _a, ...again } = await json(fitDir, "decision.json");
    const { seconds: _b, ...was } = before;
    expect(again).toEqual(was);
  });

  it("a grid killed part way resumes to the same summaries", async () => {
    const out = path.join(tmp, "killed");
    const args = ["power", "--config", SMOKE, "--output-dir", out, "--cells", CELLS, "--iterations", "2"];
    const timing = [
      "--timing",
      path.join(tmp, "grid", "menus4_rho0p9", "timing.json"),
      "--budget-hours",
      "1",
      "--cores",
      "2",
    ];
    const child = execa(CLI[0], [CLI[1], ...args, ...timing], { detached: true, reject: false, stdio: "ignore" });
    const records = () =>
      readdirSync(out, { recursive: true }).filter((f) => String(f).endsWith("iteration.json")).length;
    try {
      await waitFor(() => existsSync(out) && records() >= 2, 10 * 60_000);
    } finally {
      process.kill(-child.pid!, "SIGKILL");
    }
    await child;
    const before = records();
    expect(before).toBeLessThan(6);
    const again = await execa(CLI[0], [CLI[1], ...args, ...timing], { reject: false });
    expect(again.exitCode, again.stderr).toBe(0);
    for (const cell of ["menus4_rho0p0", "menus4_rho0p9", "menus6_rho0p9"]) {
      expect(await results(path.join(out, cell)), cell).toEqual(await results(path.join(tmp, "grid", cell)));
    }
    expect(powerGridContract(out)).toEqual([]);
  });
});
