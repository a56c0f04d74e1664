/**
 * stan/h_m01_sim.stan draws in the original simulator's order (docs/models.md "Draw order and seeds"): from
 * CmdStan 2.35 on, the same seed gives the original study's truths only in that order. Checked
 * against test/models/sim_draw_order.stan, which is that order and nothing else: same data, seed
 * and chain id (1, as cmdstanpy passes for one chain), so every truth must be the same number.
 * Also: the simulator's CSV columns are unchanged, and the pipeline launches it with id=1.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileModel, type CompiledModel } from "../../src/cmdstan/compile.js";
import { sample } from "../../src/cmdstan/run.js";
import { readStanCsv } from "../../src/cmdstan/stanCsv.js";
import { toStanJson } from "../../src/cmdstan/stanJson.js";
import { STAN_INT_KEYS, generateStudyDesign, simulationData } from "../../src/design/studyDesign.js";
import { REPO_ROOT, compileTestModel, firstDraw as values, testCmdStan } from "../helpers/cmdstan.js";
import { REPORT_DESIGN_CONFIG } from "../helpers/designs.js";

describe("the simulator draws in the original order", () => {
  let dir: string;
  let sim: CompiledModel;
  let order: CompiledModel;
  let dataFile: string;
  let X: number[][];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-sim-order-"));
    sim = await compileModel(await testCmdStan(), path.join(REPO_ROOT, "stan", "h_m01_sim.stan"));
    order = await compileTestModel("sim_draw_order");
    const design = generateStudyDesign(REPORT_DESIGN_CONFIG, 12345);
    X = design.X;
    dataFile = path.join(dir, "sim.json");
    await writeFile(dataFile, toStanJson(simulationData(design), { ints: [...STAN_INT_KEYS] }));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const oneDraw = async (model: CompiledModel, seed: number, prefix: string) => {
    const run = await sample(model, {
      chains: 1,
      numSamples: 1,
      algorithm: "fixed_param",
      seed,
      dataFile,
      outputDir: dir,
      outputPrefix: prefix,
      refresh: 0,
    });
    return { csv: await readStanCsv(run.csvFiles[0]), text: await readFile(run.csvFiles[0], "utf8") };
  };

  it.each([12345, 12346])("seed %i: every truth equals the reference sequence", async (seed) => {
    const s = await oneDraw(sim, seed, `sim-${seed}`);
    const r = await oneDraw(order, seed, `order-${seed}`);
    for (const name of ["gamma0", "gamma", "sigma_cell", "beta", "delta"])
      expect([name, values(s.csv, name)]).toEqual([name, values(r.csv, name)]);
    // log_alpha follows from z: gamma0 + X gamma + sigma_cell z (to the CSV's 6 significant digits).
    const [g0, g, sc, z] = [
      values(r.csv, "gamma0")[0],
      values(r.csv, "gamma"),
      values(r.csv, "sigma_cell")[0],
      values(r.csv, "z"),
    ];
    values(s.csv, "log_alpha").forEach((la, j) => {
      const want = g0 + X[j].reduce((acc, x, p) => acc + x * g[p], 0) + sc * z[j];
      expect(Math.abs(la - want)).toBeLessThan(2e-5 * Math.max(1, Math.abs(want)));
    });
    expect(s.text).toMatch(/^# id = 1\b/m); // the single chain runs with id=1, as cmdstanpy launches it
  });

  it("writes the same columns as before the reordering", async () => {
    const s = await oneDraw(sim, 1, "columns");
    expect(s.csv.variables.map((v) => v.name)).toEqual([
      "lp__",
      "accept_stat__",
      "gamma0",
      "gamma",
      "sigma_cell",
      "log_alpha",
      "alpha",
      "delta",
      "upsilon",
      "beta",
      "y",
      "selected_seu_max",
      "total_seu_max",
      "seu_max_per_cell",
    ]);
  });
});
