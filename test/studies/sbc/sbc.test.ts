/**
 * The SBC study end to end with the real CmdStan: the smoke config (20 simulations on a small
 * design), kill-and-resume to the same summary, a deliberately miscalibrated model flagged by the
 * ECDF bands, failed fits kept and counted (and redone by --retry-failed), and models refused
 * before any simulation runs.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../../src/util/errors.js";
import type { SbcConfigInput } from "../../../src/studies/sbc/config.js";
import { sbcKind } from "../../../src/studies/sbc/kind.js";
import { loadStudyConfig, runStudy } from "../../../src/studies/runStudy.js";
import { sbcContract } from "../../contracts/notebooks.js";
import { decideTruths } from "../../../src/studies/faithfulness.js";
import { testCmdStan } from "../../helpers/cmdstan.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const SMOKE = path.join(ROOT, "configs", "h_m01_sbc_smoke_config.json");
const SBC_MODEL = path.join(ROOT, "stan", "h_m01_sbc.stan");
const CLI = [path.join(ROOT, "node_modules", ".bin", "tsx"), path.join(ROOT, "src", "cli.ts")];
const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream };
const SMOKE_PARAMS = [
  "gamma0",
  "gamma[1]",
  "gamma[2]",
  "gamma[3]",
  "sigma_cell",
  ...[1, 2, 3, 4, 5, 6].map((j) => `alpha[${j}]`),
  "delta[1]",
  "delta[2]",
];
/** A tiny design: 2 cells, 4 problems each, so the posterior stays close to the prior. */
const TINY_DESIGN = {
  factors: [2],
  K: 3,
  D: 2,
  R: 4,
  M_per_cell: 4,
  min_alts_per_problem: 2,
  max_alts_per_problem: 3,
  design_name: "sbc_test_tiny",
};

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 200));
  }
}

const readJson = async (...p: string[]) => JSON.parse(await readFile(path.join(...p), "utf8"));

describe("sbc (real CmdStan)", () => {
  let tmp: string;
  let smokeOut: string;
  /** A copy of h_m01_sbc.stan with each [from, to] replaced (each `from` must be there). */
  const variant = async (name: string, edits: [string, string][]) => {
    let edited = await readFile(SBC_MODEL, "utf8");
    for (const [from, to] of edits) {
      expect(edited, `${name}: ${from}`).toContain(from);
      edited = edited.replace(from, to);
    }
    const dir = path.join(tmp, "models");
    await mkdir(dir, { recursive: true });
    const file = path.join(dir, `${name}.stan`);
    await writeFile(file, edited);
    return file;
  };
  const config = (name: string, overrides: Partial<SbcConfigInput>) =>
    loadStudyConfig(sbcKind, SMOKE, { output_dir: path.join(tmp, name), ...overrides });

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });
  beforeAll(async () => {
    await testCmdStan();
    tmp = await mkdtemp(path.join(os.tmpdir(), "cr-sbc-"));
    smokeOut = path.join(tmp, "smoke");
  });

  it("runs the smoke config: ranks, truths, health, summary in the original's keys, plots and report", async () => {
    const c = await loadStudyConfig(sbcKind, SMOKE, { output_dir: smokeOut });
    const lines: string[] = [];
    const result = await runStudy(sbcKind, c, { ...quiet, log: (l) => lines.push(l) });
    expect(result.nSuccessful).toBe(20);
    expect(result.failures).toEqual([]);
    // Everything Report 12's cells read is there (test/contracts/notebooks.ts).
    expect(sbcContract(smokeOut)).toEqual([]);

    const info = await readJson(smokeOut, "config_info.json");
    expect(info).toMatchObject({
      n_sbc_sims: 20,
      n_mcmc_samples: 300,
      thin: 3,
      iter_warmup: 200,
      J: 6,
      P: 3,
      K: 3,
      tracked_parameters: SMOKE_PARAMS,
      param_names: SMOKE_PARAMS,
      effective_sample_size: 100, // 300 // 3, as the original
    });
    const summary = await readJson(smokeOut, "sbc_results", "sbc_summary.json");
    expect(summary).toMatchObject({
      n_simulations: 20,
      n_mcmc_samples: 300,
      thin: 3,
      n_failed: 0,
      max_rank: 100,
      original_max_rank: 100,
    });
    expect(Object.keys(summary.chi2_tests)).toEqual(SMOKE_PARAMS);
    expect(Object.keys(summary.ks_tests)).toEqual(SMOKE_PARAMS);
    for (const name of SMOKE_PARAMS) {
      expect(Object.keys(summary.chi2_tests[name])).toEqual(["chi2_statistic", "p_value"]);
      expect(Object.keys(summary.ks_tests[name])).toEqual(["ks_statistic", "p_value"]);
      for (const t of [summary.chi2_tests[name], summary.ks_tests[name]]) {
        expect(t.p_value).toBeGreaterThanOrEqual(0);
        expect(t.p_value).toBeLessThanOrEqual(1);
      }
    }
    expect(summary.ecdf_band.lower_counts).toHaveLength(20);
    expect(summary.parameters_outside_band).toEqual(SMOKE_PARAMS.filter((p) => summary.ecdf_tests[p].outside_band));

    // Ranks (0..100) and truths, CSV and JSON, one row per simulation; the JSON agrees with each simulation's result.json.
    const ranksCsv = (await readFile(path.join(smokeOut, "sbc_results", "ranks.csv"), "utf8")).trim().split("\n");
    expect(ranksCsv[0]).toBe(["simulation", ...SMOKE_PARAMS].join(","));
    expect(ranksCsv).toHaveLength(21);
    const ranks = await readJson(smokeOut, "sbc_results", "ranks.json");
    const truths = await readJson(smokeOut, "sbc_results", "truths.json");
    expect(ranks).toHaveLength(20);
    for (let i = 1; i <= 20; i++) {
      const result = await readJson(smokeOut, `simulation_${i}`, "result.json");
      expect(result.seed).toBe(122 + i);
      expect(result.max_rank).toBe(100);
      expect(ranks[i - 1]).toEqual({ simulation: i, ...result.ranks });
      expect(truths[i - 1]).toEqual({ simulation: i, ...result.truth });
      for (const r of Object.values(result.ranks) as number[]) {
        expect(Number.isInteger(r)).toBe(true);
        expect(r).toBeGreaterThanOrEqual(0);
        expect(r).toBeLessThanOrEqual(100);
      }
      expect(result.health.transitions).toBe(300);
      expect(result.health.ebfmi).toHaveLength(1);
      expect(result.health.max_rhat).toBeGreaterThan(0.9);
      // Posterior summaries for the first 10 simulations, as the original; CSVs removed.
      expect(existsSync(path.join(smokeOut, `simulation_${i}`, "posterior_summary.csv"))).toBe(i <= 10);
      expect((await readdir(path.join(smokeOut, `simulation_${i}`, "fit"))).filter((f) => f.endsWith(".csv"))).toEqual(
        [],
      );
    }
    const health = (await readFile(path.join(smokeOut, "sbc_results", "sampler_health.csv"), "utf8"))
      .trim()
      .split("\n");
    expect(health[0]).toBe(
      "simulation,status,divergences,transitions,treedepth_hits,min_ebfmi,max_rhat,max_rhat_variable",
    );
    expect(health).toHaveLength(21);

    for (const group of ["regression", "alpha", "delta"]) {
      for (const kind of ["ranks", "ecdf"]) {
        expect(
          readFileSync(path.join(smokeOut, "sbc_results", `${group}_${kind}.png`))
            .subarray(1, 4)
            .toString(),
        ).toBe("PNG");
      }
    }
    const report = await readFile(path.join(smokeOut, "sbc_results", "report.md"), "utf8");
    for (const needle of [
      "## Configuration",
      "## Sampler health",
      "## Rank uniformity",
      "Parameters outside their simultaneous 95% band",
      "alpha[6]",
      "regression_ecdf.png",
      "20 of 20 simulations were fitted",
    ]) {
      expect(report).toContain(needle);
    }
    expect(result.terminalTables).toContain("delta[2]");

    const timing = await readJson(smokeOut, "timing.json");
    expect([timing.simulations_run, timing.simulations_kept, timing.iterations_run]).toEqual([20, 0, undefined]);
    expect(timing.phases.loop.childrenCpu).toBeGreaterThan(0);
    expect(timing.loop_utilisation).toBeGreaterThan(0);
    expect(timing.loop_utilisation).toBeLessThanOrEqual(1.05);

    // Which truths: said in the console before anything compiles, in config_info.json,
    // timing.json and report.md (src/studies/faithfulness.ts). On 2.27 the generator is not the
    // original's, and the smoke config (a 3 x 2 design) is not Report 12's study either.
    const version = info.cmdstan_version as string;
    const sentence = version.startsWith("2.27.")
      ? "other truths than the original study's: CmdStan 2.27 draws with another generator; install CmdStan >= 2.35 for the original's truths; this config's design or settings are not the original study's"
      : decideTruths({ version, seed: 123, originalSeed: 123, originalStudy: false }).sentence;
    const truthsLine = `[sbc] truths: ${sentence} (CmdStan ${version}, ${info.truths.generator}; seed 123)`;
    expect(lines).toContain(truthsLine);
    expect(lines.indexOf(truthsLine)).toBeLessThan(lines.findIndex((l) => l.includes("compiling")));
    expect(
      lines.find((l) => l.startsWith("[sbc] settings: not Report 12's (factors [3,2] (Report 12: [6,3]); ")),
    ).toMatch(/so its published numbers are not compared$/);
    expect(info.truths).toMatchObject({
      original_truths: false,
      sentence,
      cmdstan_version: version,
      original_study: "Report 12",
      original_generator: "boost::random::mixmax",
      seed: 123,
      original_seed: 123,
      original_settings: false,
    });
    if (version.startsWith("2.27.")) expect(info.truths.generator).toBe("boost::ecuyer1988");
    expect(timing.truths).toEqual(info.truths);
    expect(report).toContain(`- truths: ${sentence} (CmdStan ${version}`);
    // Not Report 12's settings: its tests are not set beside these.
    expect(report).not.toContain("Beside Report 12");
    expect(result.terminalTables).toContain(`truths: ${sentence}`);
    expect(result.terminalTables).not.toContain("Beside Report 12");
  });

  it("resumes after the process is killed mid-run and ends with the same summary", async () => {
    const out = path.join(tmp, "resume");
    // Kill the whole process group (node and its CmdStan children) as a crash would.
    const child = execa(CLI[0], [CLI[1], "sbc", "--config", SMOKE, "--output", out, "--cores", "2"], {
      detached: true,
      reject: false,
      stdio: "ignore",
    });
    try {
      await waitFor(() => existsSync(path.join(out, "simulation_3", "simulation.json")), 10 * 60_000);
    } finally {
      process.kill(-child.pid!, "SIGKILL");
    }
    await child;
    const finished = Array.from({ length: 20 }, (_, k) => k + 1).filter((i) =>
      existsSync(path.join(out, `simulation_${i}`, "simulation.json")),
    );
    expect(finished.length).toBeLessThan(20);
    const kept = await readFile(path.join(out, "simulation_3", "simulation.json"), "utf8");

    const result = await runStudy(sbcKind, await loadStudyConfig(sbcKind, SMOKE, { output_dir: out }), quiet);
    expect(result.resumed).toBe(finished.length);
    expect(await readFile(path.join(out, "simulation_3", "simulation.json"), "utf8")).toBe(kept);
    expect(await readJson(out, "sbc_results", "sbc_summary.json")).toEqual(
      await readJson(smokeOut, "sbc_results", "sbc_summary.json"),
    );
    expect(await readFile(path.join(out, "sbc_results", "ranks.csv"), "utf8")).toBe(
      await readFile(path.join(smokeOut, "sbc_results", "ranks.csv"), "utf8"),
    );
  });

  it("flags a miscalibrated model: the fit's priors twice as wide as the simulator's leave the ECDF bands", async () => {
    // The truth is drawn with h_m01's priors; the fit uses priors twice as wide for the
    // population parameters. With little data the posteriors are too wide: ranks pile up in the middle.
    const wide = await variant("h_m01_sbc_wide_prior", [
      [
        "  gamma0 ~ normal(2.5, 0.5);\n  gamma ~ normal(0, 0.5);\n  sigma_cell ~ normal(0, 0.3);",
        "  gamma0 ~ normal(2.5, 1.0);\n  gamma ~ normal(0, 1.0);\n  sigma_cell ~ normal(0, 0.6);",
      ],
    ]);
    const common = {
      study_design_config: TINY_DESIGN,
      n_sbc_sims: 100,
      n_mcmc_samples: 300,
      iter_warmup: 150,
      thin: 3,
    };
    const miscalibrated = await runStudy(sbcKind, await config("wide", { ...common, sbc_model_path: wide }), quiet);
    const calibrated = await runStudy(
      sbcKind,
      await config("calibrated", { ...common, sbc_model_path: SBC_MODEL }),
      quiet,
    );
    const flagged = miscalibrated.statistics!.outsideBand;
    const regression = ["gamma0", "gamma[1]", "sigma_cell"];
    expect(
      flagged.filter((p) => regression.includes(p)).length,
      `flagged: ${flagged.join(", ")}`,
    ).toBeGreaterThanOrEqual(2);
    expect(flagged.length).toBeGreaterThan(calibrated.statistics!.outsideBand.length);
    // The ranks pile up in the middle: the ECDF runs below the uniform CDF early and above it late.
    const g0 = miscalibrated.statistics!.parameters.find((p) => p.variable === "gamma0")!;
    const at = (u: number) => {
      const i = miscalibrated.statistics!.band.cdf.findIndex((c) => c >= u);
      return g0.ecdfCounts[i] / 100 - miscalibrated.statistics!.band.cdf[i];
    };
    expect(at(0.2)).toBeLessThan(0);
    expect(at(0.8)).toBeGreaterThan(0);
    const report = await readFile(miscalibrated.reportFile, "utf8");
    expect(report).toContain(`**${flagged.join(", ")}**`);
  });

  it("keeps failed fits as failed records, counts them, and goes on", async () => {
    // Rejects every simulation whose true gamma0 exceeds 2.5 (about half of them).
    const picky = await variant("h_m01_sbc_picky", [
      [
        "\n  // For the likelihood (see h_m01_loglik)",
        '\n  if (pars_true[1] > 2.5) reject("picky: true gamma0 = ", pars_true[1]);\n  // For the likelihood (see h_m01_loglik)',
      ],
    ]);
    const result = await runStudy(
      sbcKind,
      await config("picky", { sbc_model_path: picky, n_sbc_sims: 8, study_design_config: TINY_DESIGN }),
      quiet,
    );
    const out = path.join(tmp, "picky");
    const failed: number[] = [];
    for (let i = 1; i <= 8; i++) {
      const record = await readJson(out, `simulation_${i}`, "simulation.json");
      if (record.status === "failed") {
        failed.push(i);
        expect(await readFile(path.join(out, `simulation_${i}`, "error.txt"), "utf8")).toMatch(
          new RegExp(`simulation ${i} failed: .*picky: true gamma0 = `, "s"),
        );
      } else {
        expect((await readJson(out, `simulation_${i}`, "result.json")).truth.gamma0).toBeLessThanOrEqual(2.5);
      }
    }
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThan(8);
    expect(result.failures.map((f) => f.simulation)).toEqual(failed);
    expect(result.nSuccessful).toBe(8 - failed.length);
    const summary = await readJson(out, "sbc_results", "sbc_summary.json");
    expect(summary).toMatchObject({
      n_simulations: 8 - failed.length,
      n_simulations_requested: 8,
      n_failed: failed.length,
    });
    expect(summary.failures.map((f: { simulation: number }) => f.simulation)).toEqual(failed);
    const health = await readFile(path.join(out, "sbc_results", "sampler_health.csv"), "utf8");
    for (const i of failed) expect(health).toContain(`\n${i},failed,`);
    const report = await readFile(result.reportFile, "utf8");
    expect(report).toContain(`${8 - failed.length} of 8 simulations were fitted; **${failed.length} failed**`);
    expect(report).toMatch(/picky: true gamma0/);
  });

  it("--retry-failed redoes failed simulations; without it they are kept", async () => {
    const out = path.join(tmp, "retry");
    // A one-second limit per chain: no fit of 5000 + 10000 iterations on the smoke design
    // finishes in time (they take 5 s and more on these machines).
    const slow = { n_sbc_sims: 1, n_mcmc_samples: 10000, iter_warmup: 5000 };
    await expect(runStudy(sbcKind, await config("retry", { ...slow, chain_timeout_s: 1 }), quiet)).rejects.toThrow(
      /every simulation failed.*timed out/s,
    );
    const record = await readFile(path.join(out, "simulation_1", "simulation.json"), "utf8");
    expect(JSON.parse(record).status).toBe("failed");
    // Without --retry-failed the failures are kept (and the run still has nothing to report).
    await expect(runStudy(sbcKind, await config("retry", slow), quiet)).rejects.toThrow(/every simulation failed/);
    expect(await readFile(path.join(out, "simulation_1", "simulation.json"), "utf8")).toBe(record);
    const result = await runStudy(sbcKind, await config("retry", slow), { ...quiet, retryFailed: true });
    expect(result.nSuccessful).toBe(1);
    expect(existsSync(path.join(out, "simulation_1", "error.txt"))).toBe(false);
  });

  it("refuses, before any simulation, a model that is not an SBC model or whose outputs have the wrong length", async () => {
    const inference = await loadStudyConfig(sbcKind, SMOKE, {
      output_dir: path.join(tmp, "refused"),
      sbc_model_path: path.join(ROOT, "stan", "h_m01.stan"),
    });
    const err = await runStudy(sbcKind, inference, quiet).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    const message = (err as Error).message;
    expect(message).toContain(
      `sbc_model_path: the SBC model ${path.join(ROOT, "stan", "h_m01.stan")} does not fit this study:`,
    );
    expect(message).toMatch(/it does not output pars_ in generated quantities/);
    expect(message).toMatch(/it does not output ranks_ in generated quantities/);
    expect(message).toMatch(/it declares data y; an SBC model simulates y/);

    // pars_ and ranks_ without delta: one entry short on every design.
    const short = await variant("h_m01_sbc_short", [
      ["int n_pars = 1 + P + 1 + J + K - 1;", "int n_pars = 1 + P + 1 + J;"],
      [
        "append_row(append_row(append_row(gamma0_t, gamma_t), append_row(sigma_cell_t, alpha_t)), delta_t)",
        "append_row(append_row(gamma0_t, gamma_t), append_row(sigma_cell_t, alpha_t))",
      ],
      [
        "append_row(append_row(append_row(gamma0, gamma), append_row(sigma_cell, alpha)), delta)",
        "append_row(append_row(gamma0, gamma), append_row(sigma_cell, alpha))",
      ],
    ]);
    const out = path.join(tmp, "short");
    const err2 = await runStudy(
      sbcKind,
      await loadStudyConfig(sbcKind, SMOKE, { output_dir: out, sbc_model_path: short }),
      quiet,
    ).catch((e: unknown) => e);
    expect(err2).toBeInstanceOf(InputError);
    expect((err2 as Error).message).toMatch(
      /its output pars_ has 11 entries on this design, expected 13: gamma0, gamma\[1\], .*delta\[2\]/,
    );
    expect((err2 as Error).message).toMatch(/its output ranks_ has 11 entries/);
    expect(existsSync(path.join(out, "simulation_1"))).toBe(false);
  });
});
