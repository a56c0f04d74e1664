/**
 * The power config and flags (src/studies/power/config.ts): the users' regime (a) config as it
 * is, the single-cell flags, --measure, the grid's cells and what is refused, each with a message
 * saying what is expected. No CmdStan needed.
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { cellName, parseCells, pyFloat, type PowerConfig } from "../../../src/studies/power/config.js";
import { measuredCells, powerGrid } from "../../../src/studies/power/grid.js";
import { powerKind } from "../../../src/studies/power/kind.js";
import { loadStudyConfig } from "../../../src/studies/runStudy.js";
import { InputError } from "../../../src/util/errors.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const ORIGINAL = path.join(ROOT, "test", "fixtures", "original-configs", "h_m01_size_power_regime_a_config.json");
const load = (overrides: Record<string, unknown> = {}) =>
  loadStudyConfig(powerKind, ORIGINAL, overrides) as Promise<PowerConfig>;

describe("the power config", () => {
  it("reads the users' regime (a) config unchanged", async () => {
    const c = await load();
    expect(c).toMatchObject({
      n_mcmc_samples: 2000,
      warmup: 1000,
      n_mcmc_chains: 4,
      n_iterations: 6,
      adapt_delta: 0.95,
      num_presentations: 2,
      rho_copy: 0.9,
      seed: 12345,
      target: "gamma_size",
      ci_prob: 0.9,
      sim_only_keys: ["gamma_size_mean", "gamma_size_sd", "menu_size", "mean_menu_size"],
    });
    expect(c.rope).toBeCloseTo(Math.log(1.25), 15);
    expect(c.max_treedepth).toBeUndefined(); // the original passes none: CmdStan's 10
    expect(c.inference_model_path).toBe(path.join(ROOT, "stan", "h_m01_size.stan"));
    expect(c.sim_model_path).toBe(path.join(ROOT, "stan", "h_m01_size_pseudorep_sim.stan"));
    expect(c.cells).toBeUndefined();
    expect(powerGrid.cells(c)).toBeUndefined();
  });

  it("takes the original's single-cell flags (menus per cell reach into the design config)", async () => {
    const c = await load({ rho_copy: 0.5, "study_design_config.M_per_cell": 20, iterations: 3, n_mcmc_samples: 400 });
    expect(c.rho_copy).toBe(0.5);
    expect(c.study_design_config?.M_per_cell).toBe(20);
    expect(c.study_design_config?.R).toBe(12);
    expect(c.n_iterations).toBe(3);
    expect(c.warmup).toBe(1000); // n_mcmc_warmup is the config's; only samples changed
  });

  it("--measure runs a few fits of the cell into <output_dir>/_measure", async () => {
    const c = await load({ measure: true, output_dir: "/tmp/x" });
    expect(c.output_dir).toBe("/tmp/x/_measure");
    expect(c.n_iterations).toBe(2);
    expect((await load({ measure: true, measure_iterations: 1, output_dir: "/tmp/x" })).n_iterations).toBe(1);
  });

  it("--cells makes a grid: each cell the config with M_per_cell and rho_copy changed, 10 fits unless --iterations", async () => {
    const c = await load({ cells: "30:0.0,30:0.5,20:0.9,30:0.9,60:0.9" });
    const specs = powerGrid.cells(c)!;
    expect(specs.map((s) => s.name)).toEqual([
      "menus30_rho0p0",
      "menus30_rho0p5",
      "menus20_rho0p9",
      "menus30_rho0p9",
      "menus60_rho0p9",
    ]);
    expect(specs[2].set).toEqual({ "study_design_config.M_per_cell": 20, rho_copy: 0.9, n_iterations: 10 });
    expect((await load({ cells: "30:0.9", iterations: 6 })).n_iterations).toBe(6);
    // --measure with a grid: the cheapest cell of each rho, in the grid's own folders.
    const m = await load({ cells: "30:0.0,30:0.5,20:0.9,30:0.9,60:0.9", measure: true, output_dir: "/tmp/g" });
    expect(m.output_dir).toBe("/tmp/g");
    expect(powerGrid.cells(m)!.map((s) => s.name)).toEqual(["menus30_rho0p0", "menus30_rho0p5", "menus20_rho0p9"]);
    expect(measuredCells(parseCells("60:0.9,20:0.9")).map(cellName)).toEqual(["menus20_rho0p9"]);
  });

  it("knows the users' regime (a) run as its original study: its settings and cells, nothing else", async () => {
    expect(await powerKind.original.settingsDiffer(await load())).toEqual([]);
    expect(await powerKind.original.settingsDiffer(await load({ rho_copy: 0 }))).toEqual([]); // the 30:0.0 cell
    const other = await powerKind.original.settingsDiffer(await load({ rho_copy: 0.7, n_mcmc_chains: 2 }));
    expect(other).toHaveLength(2);
    expect(other[0]).toMatch(/^sampler .*"chains":2.*\(the regime \(a\) power run: .*"chains":4/);
    expect(other[1]).toBe("cell 30:0.7 (the regime (a) power run: one of 30:0.0, 30:0.5, 20:0.9, 30:0.9, 60:0.9)");
  });

  it("names cells as the original does (Python's str of the float)", () => {
    expect([0, 0.5, 1, 0.25].map(pyFloat)).toEqual(["0.0", "0.5", "1.0", "0.25"]);
    expect(cellName({ menus_per_cell: 15, rho_copy: 1 })).toBe("menus15_rho1p0");
  });

  it("refuses a cell list that does not parse, a rho outside [0, 1], a cell given twice", () => {
    const bad: [string, RegExp][] = [
      [
        "30-0.9",
        /"30-0\.9" is not a cell; expected menus_per_cell:rho_copy pairs separated by commas, e\.g\. 15:0\.9,30:0\.9/,
      ],
      ["30:1.5", /"30:1\.5": rho_copy 1\.5 is outside \[0, 1\]/],
      ["0:0.5", /menus per cell must be a positive integer/],
      ["30:0.9, 30:0.90", /"30:0\.90" is listed twice/],
      ["30:abc", /is not a cell/],
      ["", /is not a cell/],
    ];
    for (const [spec, message] of bad) {
      expect(() => parseCells(spec), spec).toThrow(InputError);
      expect(() => parseCells(spec), spec).toThrow(message);
    }
  });

  it("refuses, naming the key, a rho_copy outside [0, 1], an unknown key, and a flag into a missing object", async () => {
    await expect(load({ rho_copy: 1.2 })).rejects.toThrow(/rho_copy: must be a probability in \[0, 1\]/);
    await expect(load({ cells: "30:2" })).rejects.toThrow(/cells \(--cells\): "30:2": rho_copy 2 is outside \[0, 1\]/);
    await expect(load({ num_presentation: 2 })).rejects.toThrow(/num_presentation/);
    await expect(load({ "nothing.here": 1 })).rejects.toThrow(
      /nothing\.here cannot be set from the command line: the config has no nothing object/,
    );
  });
});
