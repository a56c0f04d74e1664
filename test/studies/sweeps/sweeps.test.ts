/**
 * Both concentration sweeps end to end with the real CmdStan, at smoke size (docs/sweeps.md): the
 * recovery sweep through runStudy and the SBC sweep through the CLI. A folder per value named by
 * the value as written; every cell on the grid's one design; each cell's data with its value for
 * the simulator and the model alike; seeds repeated across values (truths drawn before delta
 * shared); the summary across values equal to the cells' own statistics; a rerun that finds
 * everything done and writes the same summary.
 */
import { existsSync, readdirSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { recoverFlatKind } from "../../../src/studies/recoverFlat/kind.js";
import { loadStudyConfig, runStudy } from "../../../src/studies/runStudy.js";
import { REPO_ROOT } from "../../helpers/cmdstan.js";

const CONFIGS = path.join(REPO_ROOT, "configs");
const CLI = [path.join(REPO_ROOT, "node_modules", ".bin", "tsx"), path.join(REPO_ROOT, "src", "cli.ts")];
const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream };
const json = async (...p: string[]) => JSON.parse(await readFile(path.join(...p), "utf8"));
const text = (...p: string[]) => readFile(path.join(...p), "utf8");

/** A design file without its generation time: what the cells must share. */
async function designOf(dir: string) {
  const d = await json(dir, "study_design.json");
  return { ...d, metadata: { ...d.metadata, timestamp: "" } };
}

/** The folders of a sweep's cells, sorted by name. */
const cellFolders = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.startsWith("alpha0="))
    .sort();

describe("concentration sweeps (real CmdStan)", () => {
  let tmp: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "cr-sweeps-"));
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("recovery: a cell per value on one design, the summary of the cells' statistics, resumed at once", async () => {
    const out = path.join(tmp, "recovery");
    const file = path.join(CONFIGS, "m_03_concentration_sweep_recovery_smoke_config.json");
    const config = await loadStudyConfig(recoverFlatKind, file, { output_dir: out, cores: 2 });
    const first = await runStudy(recoverFlatKind, config, quiet);
    expect(first.failed).toEqual([]);
    expect(first.reportFile).toBe(path.join(out, "report.md"));
    expect(cellFolders(out)).toEqual(["alpha0=1", "alpha0=10", "alpha0=2.5"]);

    const shared = await designOf(out);
    for (const v of [1, 2.5, 10]) {
      const cell = path.join(out, `alpha0=${v}`);
      expect(await designOf(cell), `alpha0=${v}`).toEqual(shared);
      // The matched prior: the simulator and the fitted model both take the value.
      const info = await json(cell, "config_info.json");
      expect(info.sim_hyperparameters_used.delta_concentration).toBe(v);
      expect(info.fit_hyperparameters_used).toEqual({ delta_concentration: v });
      expect(JSON.parse(await text(cell, "iteration_1", "data.json")).delta_concentration).toBe(v);
    }
    // Seeds repeat across values: alpha and beta, drawn before delta, are the same truths; delta is not.
    const truth = (v: number) => json(out, `alpha0=${v}`, "iteration_1", "true_parameters.json");
    const [t1, t10] = [await truth(1), await truth(10)];
    expect(t10.alpha).toBe(t1.alpha);
    expect(t10.beta).toEqual(t1.beta);
    expect(t10.delta).not.toEqual(t1.delta);

    const summary = await json(out, "sweep_summary.json");
    expect(summary.values).toEqual([1, 2.5, 10]);
    for (const cell of summary.cells) {
      const dir = path.join(out, cell.folder);
      expect(cell.statistics).toEqual(await json(dir, "recovery_summary", "recovery_statistics.json"));
      expect(cell).toMatchObject({ n_iterations: 3, n_successful: 3, n_failed: 0 });
      // The scalar and group-mean rows are the cell's summary_table.csv, to its 3 decimals.
      const table = (await text(dir, "recovery_summary", "summary_table.csv")).trim().split("\n").slice(1);
      expect(Object.keys(cell.summary)).toEqual(table.map((r) => r.split(",")[0]));
      for (const row of table) {
        const [name, bias, rmse, coverage, width] = row.split(",");
        const m = cell.summary[name];
        expect(Math.abs(m.bias - Number(bias)), `${cell.folder} ${name}`).toBeLessThan(5.1e-4);
        expect(Math.abs(m.rmse - Number(rmse))).toBeLessThan(5.1e-4);
        expect(Math.abs(100 * m.coverage - Number(coverage.replace("%", "")))).toBeLessThan(0.051);
        expect(Math.abs(m.ci_width - Number(width))).toBeLessThan(5.1e-4);
      }
    }
    // The CSV: per value, 4 summary rows and every element (6 beta, 2 delta, 3 upsilon for K 3, D 2).
    const csv = (await text(out, "sweep_summary.csv")).trim().split("\n");
    expect(csv[0]).toBe("delta_concentration,folder,parameter,level,bias,rmse,coverage,ci_width");
    expect(csv).toHaveLength(1 + 3 * (4 + 6 + 2 + 3));
    const b12 = csv.find((r) => r.startsWith("2.5,alpha0=2.5,beta_1_2,beta,"))!.split(",");
    expect(Number(b12[4])).toBe(summary.cells[1].statistics.beta.beta_1_2.bias);
    for (const png of ["sweep_bias.png", "sweep_coverage.png", "sweep_width.png"]) {
      expect(existsSync(path.join(out, png)), png).toBe(true);
      expect(await text(out, "report.md")).toContain(`](${png})`);
    }

    const again = await runStudy(recoverFlatKind, config, quiet);
    expect(again.resumed).toBe(9);
    expect(await json(out, "sweep_summary.json")).toEqual(summary);
  });

  it("SBC through the CLI: a cell per value, the summary of the cells' sbc_summary.json, resumed at once", async () => {
    const out = path.join(tmp, "sbc");
    const file = path.join(CONFIGS, "m_03_concentration_sweep_sbc_smoke_config.json");
    const run = () => execa(CLI[0], [CLI[1], "sbc", "--config", file, "--output", out, "--cores", "2"], { all: true });
    const first = await run();
    expect(first.all).toContain(`Report: ${path.join(out, "report.md")}`);
    expect(cellFolders(out)).toEqual(["alpha0=1", "alpha0=10"]);
    const shared = await designOf(out);
    const summary = await json(out, "sweep_summary.json");
    expect(summary.values).toEqual([1, 10]);
    for (const [k, v] of [1, 10].entries()) {
      const cell = path.join(out, `alpha0=${v}`);
      expect(await designOf(cell)).toEqual(shared);
      expect((await json(cell, "config_info.json")).hyperparameters).toEqual({ delta_concentration: v });
      const own = await json(cell, "sbc_results", "sbc_summary.json");
      const c = summary.cells[k];
      expect(c).toMatchObject({ delta_concentration: v, folder: `alpha0=${v}`, n_simulations: 10, n_failed: 0 });
      expect(c.parameters).toEqual(own);
      const flagged = Object.keys(own).filter((n) => own[n].p_value < 0.05);
      expect([...c.flagged].sort()).toEqual(flagged.sort());
      expect(c.n_flagged).toBe(flagged.length);
    }
    const names = Object.keys(summary.cells[0].parameters);
    expect(names).toEqual([
      "alpha",
      ...[1, 2, 3].flatMap((k) => [1, 2].map((d) => `beta[${k},${d}]`)),
      "delta[1]",
      "delta[2]",
    ]);
    expect((await text(out, "sweep_summary.csv")).trim().split("\n")).toHaveLength(1 + 2 * names.length);
    expect(existsSync(path.join(out, "sweep_pvalues.png"))).toBe(true);

    const again = await run();
    expect(again.all).toContain("resuming: 20 finished simulation(s) kept, 0 to run");
    expect(await json(out, "sweep_summary.json")).toEqual(summary);
  });
});
