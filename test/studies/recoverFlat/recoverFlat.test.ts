/**
 * The flat recovery end to end with the real CmdStan: the m_0 smoke config (every output in the
 * original's layout; a statistic computed by hand from the iteration files; the notebook
 * contract), a resume, the risky m_1 (z in the fit's data, truths with the scalars), and m_03
 * through the CLI (delta_concentration reaches the fit).
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSummaryCsv } from "../../../src/analysis/summary.js";
import { parseFlatDesign } from "../../../src/design/flat/file.js";
import { pyFixed } from "../../../src/report/text.js";
import { recoverFlatKind } from "../../../src/studies/recoverFlat/kind.js";
import { loadStudyConfig, runStudy } from "../../../src/studies/runStudy.js";
import { flatRecoveryContract } from "../../contracts/notebooks.js";
import { testCmdStan } from "../../helpers/cmdstan.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const config = (name: string) => path.join(ROOT, "configs", name);
const M0_SMOKE = config("m_0_parameter_recovery_smoke_config.json");
const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream };
const readJson = async (...parts: string[]) => JSON.parse(await readFile(path.join(...parts), "utf8"));

type Stat = { bias: number; rmse: number; coverage: number; ci_width: number };

/** bias, rmse, coverage and width of one tracked scalar, from the iteration files alone. */
async function byHand(out: string, n: number, summaryName: string, truthOf: (t: Record<string, unknown>) => number) {
  const rows: Array<{ truth: number; mean: number; q5: number; q95: number }> = [];
  for (let i = 1; i <= n; i++) {
    const truth = truthOf(await readJson(out, `iteration_${i}`, "true_parameters.json"));
    // The CSV read as a spreadsheet would: split lines and fields (the name is quoted when it has a comma).
    const line = (await readFile(path.join(out, `iteration_${i}`, "posterior_summary.csv"), "utf8"))
      .split("\n")
      .find((l) => l.startsWith(`${summaryName},`) || l.startsWith(`"${summaryName}",`))!;
    const f = line.slice(line.lastIndexOf('"') + 1).split(",");
    const [mean, q5, q95] = [Number(f.at(-9)), Number(f.at(-6)), Number(f.at(-4))];
    rows.push({ truth, mean, q5, q95 });
  }
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  return {
    bias: avg(rows.map((r) => r.mean - r.truth)),
    rmse: Math.sqrt(avg(rows.map((r) => (r.mean - r.truth) ** 2))),
    coverage: avg(rows.map((r) => (r.q5 <= r.truth && r.truth <= r.q95 ? 1 : 0))),
    ci_width: avg(rows.map((r) => r.q95 - r.q5)),
  };
}

function expectClose(got: Stat, want: Stat): void {
  for (const k of ["bias", "rmse", "coverage", "ci_width"] as const) expect(got[k], k).toBeCloseTo(want[k], 12);
}

describe("recover, flat family (real CmdStan)", () => {
  let tmp: string;
  let m0: string;

  beforeAll(async () => {
    await testCmdStan();
    tmp = await mkdtemp(path.join(os.tmpdir(), "cr-flat-"));
    m0 = path.join(tmp, "m0");
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("m_0 smoke: every output in the original's layout, statistics equal to a computation by hand", async () => {
    const c = await loadStudyConfig(recoverFlatKind, M0_SMOKE, { output_dir: m0 });
    const result = await runStudy(recoverFlatKind, c, quiet);
    expect(result.nSuccessful).toBe(3);
    expect(flatRecoveryContract(m0)).toEqual([]);

    const info = await readJson(m0, "config_info.json");
    expect(info).toMatchObject({ n_iterations: 3, n_mcmc_chains: 2, n_mcmc_samples: 300, n_mcmc_warmup: 150 });
    expect(info).toMatchObject({
      M: 25,
      K: 3,
      D: 5,
      R: 15,
      adapt_delta: 0.8,
      max_treedepth: 10,
      tracked_scalars: ["alpha"],
    });
    expect(info.sampler_settings_from).toEqual({
      adapt_delta: "CmdStan default (not passed)",
      max_treedepth: "CmdStan default (not passed)",
    });
    expect(info.sim_hyperparameters_used).toEqual({ alpha_mean: 0, alpha_sd: 1, beta_sd: 1 });
    const design = parseFlatDesign(await readFile(path.join(m0, "study_design.json"), "utf8"), "study_design.json");
    expect(design).toMatchObject({ M: 25, K: 3, D: 5, R: 15 });
    expect(await readJson(m0, "sim_data.json")).toMatchObject({ M: 25, alpha_mean: 0, alpha_sd: 1, beta_sd: 1 });
    await checkIterations(m0, 3);

    const stats = await readJson(m0, "recovery_summary", "recovery_statistics.json");
    expect(Object.keys(stats)).toEqual(["alpha", "beta", "delta", "upsilon"]);
    expectClose(stats.alpha, await byHand(m0, 3, "alpha", (t) => t.alpha as number));
    expectClose(stats.beta.beta_2_3, await byHand(m0, 3, "beta[2,3]", (t) => (t.beta as number[][])[1][2]));
    expectClose(stats.upsilon.upsilon_2, await byHand(m0, 3, "upsilon[2]", (t) => (t.upsilon as number[])[1]));
    const all = await readJson(m0, "all_true_parameters.json");
    expect(all).toEqual(
      await Promise.all([1, 2, 3].map((i) => readJson(m0, `iteration_${i}`, "true_parameters.json"))),
    );

    const table = readFileSync(path.join(m0, "recovery_summary", "summary_table.csv"), "utf8")
      .trim()
      .split("\n");
    const betas = Object.values(stats.beta) as Stat[];
    const mean = (k: keyof Stat) => betas.reduce((a, s) => a + s[k], 0) / betas.length;
    expect(table[2]).toBe(
      `beta (avg),${pyFixed(mean("bias"), 3)},${pyFixed(mean("rmse"), 3)},${pyFixed(100 * mean("coverage"), 1)}%,${pyFixed(mean("ci_width"), 3)}`,
    );
    const report = await readFile(path.join(m0, "recovery_summary", "report.md"), "utf8");
    for (const needle of [
      "| adapt_delta | 0.8 (CmdStan default, not passed) |",
      "| max_treedepth | 10 (CmdStan default, not passed) |",
      "Total divergences across 3 iterations",
      "| beta (avg) |",
      "| beta[3,5] |",
      "![beta combined diagnostics](beta_combined_diagnostics.png)",
      "None: all 3 iterations succeeded.",
    ])
      expect(report).toContain(needle);
    expect(result.terminalTables).toContain("upsilon (avg)");
  });

  it("resumes: a finished iteration is kept, a removed record's iteration is redone, the statistics are the same", async () => {
    const before = await readFile(path.join(m0, "recovery_summary", "recovery_statistics.json"), "utf8");
    const kept = await readFile(path.join(m0, "iteration_1", "iteration.json"), "utf8");
    await rm(path.join(m0, "iteration_2", "iteration.json"));
    const c = await loadStudyConfig(recoverFlatKind, M0_SMOKE, { output_dir: m0 });
    const result = await runStudy(recoverFlatKind, c, quiet);
    expect(result.resumed).toBe(2);
    expect(await readFile(path.join(m0, "iteration_1", "iteration.json"), "utf8")).toBe(kept);
    expect(JSON.parse(await readFile(path.join(m0, "recovery_summary", "recovery_statistics.json"), "utf8"))).toEqual(
      JSON.parse(before),
    );
  });

  it("m_1 smoke (risky): z and the risky problems in the fit's data, truths with the scalars", async () => {
    const out = path.join(tmp, "m1");
    const c = await loadStudyConfig(recoverFlatKind, config("m_1_parameter_recovery_smoke_config.json"), {
      output_dir: out,
      n_iterations: 2,
    });
    const result = await runStudy(recoverFlatKind, c, quiet);
    expect(result.nSuccessful).toBe(2);
    expect(flatRecoveryContract(out)).toEqual([]);
    const data = await readJson(out, "iteration_1", "data.json");
    expect(Object.keys(data)).toEqual(["M", "K", "D", "R", "w", "I", "N", "S", "x", "J", "y", "z"]);
    expect(data.z).toHaveLength(20);
    expect(data.x[0]).toEqual([0.25, 0.5, 0.25]); // the "fixed" table's first row
    const truth = await readJson(out, "iteration_1", "true_parameters.json");
    expect(Object.keys(truth)).toEqual(["alpha", "beta", "delta", "upsilon"]);
    expect(truth.beta).toHaveLength(3);
    expect(await readJson(out, "config_info.json")).toMatchObject({ N: 20, S: 8, risky_probs: "fixed" });
  });

  it("m_03 through the CLI: delta_concentration from sim_hyperparams reaches the simulator and the fit", async () => {
    const out = path.join(tmp, "m03");
    const cli = [path.join(ROOT, "node_modules", ".bin", "tsx"), path.join(ROOT, "src", "cli.ts")];
    const smoke = JSON.parse(await readFile(config("m_03_parameter_recovery_smoke_config.json"), "utf8"));
    const file = path.join(tmp, "m03.json");
    await writeFile(
      file,
      JSON.stringify({
        ...smoke,
        n_iterations: 1,
        output_dir: out,
        inference_model_path: path.join(ROOT, "stan", "m_03.stan"),
        sim_model_path: path.join(ROOT, "stan", "m_03_sim.stan"),
      }),
    );
    const run = await execa(cli[0], [cli[1], "recover", "--config", file], { reject: false, cwd: tmp });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain("[recover-flat]");
    expect(run.stdout).toContain("fit_hyperparameters: delta_concentration=5");
    expect((await readJson(out, "iteration_1", "data.json")).delta_concentration).toBe(5);
    expect((await readJson(out, "sim_data.json")).delta_concentration).toBe(5);
    expect(await readJson(out, "config_info.json")).toMatchObject({
      fit_hyperparameters_used: { delta_concentration: 5 },
    });
  });
});

/** Each iteration's files, seeds and CmdStan runs as docs/flat-recovery.md says. */
async function checkIterations(out: string, n: number): Promise<void> {
  for (let i = 1; i <= n; i++) {
    const dir = path.join(out, `iteration_${i}`);
    const record = await readJson(dir, "iteration.json");
    expect(record.seeds).toEqual({ sim: 12345 + i - 1, fit: 54321 + i - 1 });
    expect(Object.keys(record.timing)).toEqual(["simulate", "sample", "subset", "summarize", "diagnose"]);
    const truth = await readJson(dir, "true_parameters.json");
    expect(Object.keys(truth)).toEqual(["alpha", "beta", "delta", "upsilon"]);
    expect(truth.beta.map((r: number[]) => r.length)).toEqual([5, 5, 5]);
    expect(truth.upsilon[0]).toBe(0);
    const data = await readJson(dir, "data.json");
    expect(Object.keys(data)).toEqual(["M", "K", "D", "R", "w", "I", "y"]);
    const rows = parseSummaryCsv(
      await readFile(path.join(dir, "posterior_summary.csv"), "utf8"),
      "posterior_summary.csv",
    );
    expect(rows.map((r) => r.name).filter((v) => !v.startsWith("beta["))).toEqual([
      "alpha",
      "delta[1]",
      "delta[2]",
      "upsilon[1]",
      "upsilon[2]",
      "upsilon[3]",
    ]);
    expect(rows.filter((r) => r.name.startsWith("beta[")).length).toBe(15);
    expect(await readFile(path.join(dir, "diagnostics.txt"), "utf8")).toMatch(/divergent/i);
    // The simulator: fixed_param, one chain, one draw, the simulation seed; the fit: the fit seed, CmdStan's adapt delta.
    const sim = await readFile(path.join(dir, "sim", "sim-1.csv"), "utf8");
    expect(sim).toMatch(/algorithm = fixed_param/);
    expect(sim).toMatch(/num_samples = 1\n/);
    expect(sim).toMatch(new RegExp(`seed = ${12345 + i - 1}\\n`));
    const fitOut = await readFile(path.join(dir, "fit", "fit-2-stdout.txt"), "utf8");
    expect(fitOut).toMatch(new RegExp(`seed = ${54321 + i - 1}\\n`));
    expect(fitOut).toMatch(/delta = 0\.80*\d? \(Default\)/); // 0.80000000000000004: CmdStan's own 0.8
    expect(fitOut).toMatch(/max_depth = 10 \(Default\)/);
    expect((await readdir(path.join(dir, "fit"))).filter((f) => f.endsWith(".csv") || f === "subset")).toEqual([]);
    expect(existsSync(path.join(dir, "error.txt"))).toBe(false);
  }
}
