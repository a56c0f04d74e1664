/**
 * The sample-size study end to end with the real CmdStan, at smoke size (m_0, M_grid [10, 15],
 * 2 iterations of 2 chains x 200 draws): the original's CSVs and figures, the metrics against
 * the cells' own iteration files, the designs (the base's w in every size, a fresh I each, not
 * nested), the seeds and truths repeated across sizes, a resume that refits nothing, the users'
 * config from a folder laid out as their repository, and bad input refused before any fit.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSummaryCsv } from "../../../src/analysis/summary.js";
import { designFromDesignOnlyConfig } from "../../../src/design/flat/designOnly.js";
import { loadFlatDesign, writeFlatDesign } from "../../../src/design/flat/file.js";
import { sampleSizeKind } from "../../../src/studies/sampleSize/kind.js";
import { loadStudyConfig, runStudy } from "../../../src/studies/runStudy.js";
import { InputError } from "../../../src/util/errors.js";
import { REPO_ROOT, testCmdStan } from "../../helpers/cmdstan.js";
import { usersRepository } from "../../helpers/usersRepository.js";

const SMOKE = path.join(REPO_ROOT, "configs", "sample_size_smoke_config.json");
const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream };
const json = async (...p: string[]) => JSON.parse(await readFile(path.join(...p), "utf8"));
const readCsv = async (file: string) => {
  const [header, ...rows] = parseCsv(await readFile(file, "utf8")) as string[][];
  return { header, rows: rows.map((r) => r.map(Number)) };
};
const isPng = (file: string) => readFileSync(file).subarray(1, 4).toString() === "PNG";
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;

/** alpha's truth and 5% / mean / 95% of each iteration of a cell, from its own files. */
async function alphaOf(cell: string, n: number) {
  const out = [];
  for (let i = 1; i <= n; i++) {
    const dir = path.join(cell, `iteration_${i}`);
    const truth = (await json(dir, "true_parameters.json")).alpha as number;
    const file = path.join(dir, "posterior_summary.csv");
    const row = parseSummaryCsv(await readFile(file, "utf8"), file).find((r) => r.name === "alpha")!;
    out.push({ truth, mean: row.mean, q5: row.q5, q95: row.q95 });
  }
  return out;
}

describe("sample-size (real CmdStan)", () => {
  let tmp: string;
  let out: string;
  beforeAll(async () => {
    await testCmdStan();
    tmp = await mkdtemp(path.join(os.tmpdir(), "cr-samplesize-"));
    out = path.join(tmp, "smoke");
    const config = await loadStudyConfig(sampleSizeKind, SMOKE, { output_dir: out, cores: 2 });
    const r = await runStudy(sampleSizeKind, config, quiet);
    expect(r.failed).toEqual([]);
  }, 300_000);
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("writes the original's CSVs, one row per M, with its columns", async () => {
    const widths = await readCsv(path.join(out, "alpha_interval_widths.csv"));
    expect(widths.header).toEqual(["M", "mean_interval_width", "std_interval_width"]);
    expect(widths.rows.map((r) => r[0])).toEqual([10, 15]);
    const summary = await readCsv(path.join(out, "recovery_summary_vs_M.csv"));
    const metrics = (k: string) => ["ci_width", "rmse", "mae", "coverage"].map((m) => `${k}_${m}`);
    const betas = ["1_1", "1_2", "2_1", "2_2", "3_1", "3_2"].map((kd) => `beta_${kd}`);
    expect(summary.header).toEqual(["M", ...["alpha", ...betas, "delta_1", "delta_2"].flatMap(metrics)]);
    expect(summary.rows.map((r) => r[0])).toEqual([10, 15]);
    for (const row of [...widths.rows, ...summary.rows]) for (const v of row) expect(Number.isFinite(v)).toBe(true);
  });

  it("the metrics are those of the cells' own iteration files", async () => {
    const widths = await readCsv(path.join(out, "alpha_interval_widths.csv"));
    const summary = await readCsv(path.join(out, "recovery_summary_vs_M.csv"));
    for (const [row, M] of [10, 15].entries()) {
      const a = await alphaOf(path.join(out, `M_${M}`), 2);
      const w = a.map((x) => x.q95 - x.q5);
      const err = a.map((x) => x.mean - x.truth);
      const sd = Math.sqrt(mean(w.map((x) => (x - mean(w)) ** 2)));
      expect(widths.rows[row].slice(1)).toEqual([mean(w), sd].map((v) => expect.closeTo(v, 12)));
      const expected = [
        mean(w),
        Math.sqrt(mean(err.map((e) => e * e))),
        mean(err.map(Math.abs)),
        mean(a.map((x) => (x.q5 <= x.truth && x.truth <= x.q95 ? 1 : 0))),
      ];
      expect(summary.rows[row].slice(1, 5)).toEqual(expected.map((v) => expect.closeTo(v, 12)));
      // Two iterations: the population sd is half their difference, not the sample sd.
      expect(sd).toBeCloseTo(Math.abs(w[0] - w[1]) / 2, 12);
    }
  });

  it("every M's design has the base's w and a fresh I of M problems, not nested", async () => {
    const base = await loadFlatDesign(path.join(out, "base_design.json"));
    expect(base.M).toBe(1);
    for (const v of base.w.flat()) expect(Math.abs(v)).toBeLessThanOrEqual(2);
    const d10 = await loadFlatDesign(path.join(out, "M_10", "design_M10.json"));
    const d15 = await loadFlatDesign(path.join(out, "M_15", "design_M15.json"));
    expect([d10.M, d15.M]).toEqual([10, 15]);
    expect(d10.w).toEqual(base.w);
    expect(d15.w).toEqual(base.w);
    expect(d10.I).toHaveLength(10);
    expect(d15.I).toHaveLength(15);
    expect(d15.I.slice(0, 10)).not.toEqual(d10.I);
    for (const row of [...d10.I, ...d15.I]) expect(row.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(2);
    // The fit's data are the design's and the choices: no hyperparameters of the simulator.
    const data = await json(out, "M_10", "iteration_1", "data.json");
    expect(Object.keys(data)).toEqual(["M", "K", "D", "R", "w", "I", "y"]);
    expect(data.I).toEqual(d10.I);
  });

  it("repeats the seeds, so the truths, in every M", async () => {
    for (const i of [1, 2]) {
      const [a, b] = await Promise.all(["M_10", "M_15"].map((c) => json(out, c, `iteration_${i}`, "iteration.json")));
      expect(a.seeds).toEqual({ sim: 12345 + i - 1, fit: 54321 + i - 1 });
      expect(b.seeds).toEqual(a.seeds);
    }
    const truths = await json(out, "M_10", "all_true_parameters.json");
    expect(truths).toHaveLength(2);
    expect(await json(out, "M_15", "all_true_parameters.json")).toEqual(truths);
  });

  it("draws the per-M coverage figures, the figures against M and the report", async () => {
    for (const M of [10, 15])
      for (const k of ["alpha", "beta_1_1", "beta_3_2", "delta_1", "delta_2"])
        expect(isPng(path.join(out, `M_${M}`, `${k}_coverage.png`)), `${M} ${k}`).toBe(true);
    const top = ["alpha_precision_vs_M", "ci_width_vs_M_comparison", "rmse_vs_M_comparison", "mae_vs_M_comparison"];
    for (const f of [...top, "coverage_vs_M_comparison"]) expect(isPng(path.join(out, `${f}.png`)), f).toBe(true);
    const report = await readFile(path.join(out, "report.md"), "utf8");
    expect(report).toMatch(/\| 10 \| 2 \|/);
    expect(report).toContain("](alpha_precision_vs_M.png)");
  });

  it("resumes without refitting", async () => {
    const record = await readFile(path.join(out, "M_15", "iteration_2", "iteration.json"), "utf8");
    const config = await loadStudyConfig(sampleSizeKind, SMOKE, { output_dir: out, cores: 2 });
    const r = await runStudy(sampleSizeKind, config, quiet);
    expect(r.resumed).toBe(4);
    expect(await readFile(path.join(out, "M_15", "iteration_2", "iteration.json"), "utf8")).toBe(record);
  }, 120_000);

  it("runs the users' config from their repository on the design its design-only config writes", async () => {
    const users = await usersRepository(path.join(tmp, "users"));
    const designOnly = await json(users, "study_config.json");
    const study = path.join(users, "results", "designs", "study.json");
    await writeFlatDesign(study, designFromDesignOnlyConfig(designOnly, 12345).design);
    const file = path.join(users, "sample_size_config.json");
    const small = { M_grid: [10], n_iterations: 1, n_mcmc_samples: 100, n_mcmc_chains: 1, cores: 2 };
    const config = await loadStudyConfig(sampleSizeKind, file, small);
    const r = await runStudy(sampleSizeKind, config, quiet);
    expect(r.failed).toEqual([]);
    const folder = path.join(users, "results", "sample_size_estimation");
    expect((await loadFlatDesign(path.join(folder, "M_10", "design_M10.json"))).w).toEqual(
      (await loadFlatDesign(study)).w,
    );
    // A base file is the config's: not copied to base_design.json.
    expect(existsSync(path.join(folder, "base_design.json"))).toBe(false);
  }, 300_000);

  it("refuses a base design whose K, D or R are not the config's, before anything runs", async () => {
    const users = await usersRepository(path.join(tmp, "users-r5"));
    const output_dir = path.join(tmp, "refused");
    // The fixture design has R 5; the users' config says R 10.
    const config = await loadStudyConfig(sampleSizeKind, path.join(users, "sample_size_config.json"), { output_dir });
    const run = runStudy(sampleSizeKind, config, quiet);
    await expect(run).rejects.toThrow(InputError);
    await expect(runStudy(sampleSizeKind, config, quiet)).rejects.toThrow(
      /sample_size_config\.json: base_design_path: .*study\.json has R = 5, but the config says R = 10/,
    );
    expect(existsSync(path.join(output_dir, "M_10"))).toBe(false);
  });

  it("refuses models with risky problems, naming the key", async () => {
    const output_dir = path.join(tmp, "risky");
    const m1 = path.join(REPO_ROOT, "stan", "m_1.stan");
    const config = await loadStudyConfig(sampleSizeKind, SMOKE, { output_dir, inference_model_path: m1 });
    await expect(runStudy(sampleSizeKind, config, quiet)).rejects.toThrow(
      /inference_model_path: .*m_1\.stan declares the risky problems' data N, S, x, J; .*nothing was run/,
    );
    expect(existsSync(path.join(output_dir, "M_10", "iteration_1"))).toBe(false);
  });
});
