/**
 * Flat SBC end to end with the real CmdStan: the m_0 smoke config (every output in the
 * original's layout and ours, ranks checked against the kept draws, the .npy files read back by
 * numpy), a resume that refits nothing, the m_1 smoke config (risky problems) through the CLI,
 * m_03's concentration as data, and models refused before any simulation runs.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readStanFit } from "../../../src/cmdstan/stanCsv.js";
import { loadFlatDesign } from "../../../src/design/flat/file.js";
import { loadStudyConfig, runStudy } from "../../../src/studies/runStudy.js";
import type { FlatSbcConfigInput } from "../../../src/studies/sbcFlat/config.js";
import { sbcFlatKind } from "../../../src/studies/sbcFlat/kind.js";
import { InputError } from "../../../src/util/errors.js";
import { flatSbcContract } from "../../contracts/notebooks.js";
import { PYTHON, requirePython } from "../../helpers/arviz.js";
import { REPO_ROOT, testCmdStan } from "../../helpers/cmdstan.js";

const M0_SMOKE = path.join(REPO_ROOT, "configs", "m_0_sbc_smoke_config.json");
const M1_SMOKE = path.join(REPO_ROOT, "configs", "m_1_sbc_smoke_config.json");
const stan = (name: string) => path.join(REPO_ROOT, "stan", `${name}.stan`);
const CLI = [path.join(REPO_ROOT, "node_modules", ".bin", "tsx"), path.join(REPO_ROOT, "src", "cli.ts")];
const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream };
/** m_0 and m_1 on K 3, D 2: alpha, beta row by row, delta (docs/flat-models.md, pars_). */
const NAMES = [
  "alpha",
  "beta[1,1]",
  "beta[1,2]",
  "beta[2,1]",
  "beta[2,2]",
  "beta[3,1]",
  "beta[3,2]",
  "delta[1]",
  "delta[2]",
];
/** 200 draws at thin 3 keep draws 0, 3, ..., 198: L = 67; the original normalises by 200 // 3 = 66. */
const L = 67;

const readJson = async (...p: string[]) => JSON.parse(await readFile(path.join(...p), "utf8"));
/** A CSV of numbers with a header row (names with commas quoted): the header and the rows. */
const readCsv = async (file: string) => {
  const [header, ...rows] = parseCsv(await readFile(file, "utf8")) as string[][];
  return { header, rows: rows.map((r) => r.map(Number)) };
};
const isPng = (file: string) => readFileSync(file).subarray(1, 4).toString() === "PNG";

/** numpy.load of an .npy file, as nested lists. */
async function numpyLoad(file: string): Promise<{ shape: number[]; dtype: string; values: number[][] }> {
  const script =
    "import json, sys, numpy as np\na = np.load(sys.argv[1])\n" +
    "print(json.dumps({'shape': list(a.shape), 'dtype': str(a.dtype), 'values': a.tolist()}))";
  return JSON.parse((await execa(PYTHON, ["-c", script, file])).stdout);
}

describe("flat SBC (real CmdStan)", () => {
  let tmp: string;
  let smokeOut: string;
  /** A copy of m_0_sbc.stan with each [from, to] replaced (each `from` must be there). */
  const variant = async (name: string, edits: [string, string][]) => {
    let text = await readFile(stan("m_0_sbc"), "utf8");
    for (const [from, to] of edits) {
      expect(text, `${name}: ${from}`).toContain(from);
      text = text.replace(from, to);
    }
    await mkdir(path.join(tmp, "models"), { recursive: true });
    const file = path.join(tmp, "models", `${name}.stan`);
    await writeFile(file, text);
    return file;
  };
  const config = (file: string, name: string, overrides: Partial<FlatSbcConfigInput> = {}) =>
    loadStudyConfig(sbcFlatKind, file, { output_dir: path.join(tmp, name), ...overrides });

  beforeAll(async () => {
    await testCmdStan();
    requirePython();
    tmp = await mkdtemp(path.join(os.tmpdir(), "cr-sbc-flat-"));
    smokeOut = path.join(tmp, "smoke");
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("runs the m_0 smoke config: the original's outputs and ours, ranks in 0..L with L the kept draws", async () => {
    const result = await runStudy(sbcFlatKind, await config(M0_SMOKE, "smoke", { keep_csv: true }), quiet);
    expect(result.nSuccessful).toBe(20);
    expect(result.failures).toEqual([]);
    expect(flatSbcContract(smokeOut)).toEqual([]);

    // config_info.json: the original's five keys first, then ours.
    const info = await readJson(smokeOut, "config_info.json");
    expect(Object.keys(info).slice(0, 5)).toEqual([
      "n_sbc_sims",
      "n_mcmc_samples",
      "n_mcmc_chains",
      "thin",
      "effective_sample_size",
    ]);
    expect(info).toMatchObject({
      n_sbc_sims: 20,
      n_mcmc_samples: 200,
      n_mcmc_chains: 1,
      thin: 3,
      effective_sample_size: 66,
      iter_warmup: 200,
      param_names: NAMES,
      M: 15,
      K: 3,
      D: 2,
      R: 6,
      hyperparameters: {},
      seed: 123,
    });
    const design = await loadFlatDesign(path.join(smokeOut, "study_design.json"));
    expect([design.M, design.R, design.risky]).toEqual([15, 6, undefined]);
    expect(Object.keys(await readJson(smokeOut, "sbc_data.json"))).toEqual(["M", "K", "D", "R", "w", "I"]);

    // Each simulation: its seed, L, ranks in 0..L that agree with its kept draws (chains pooled, every 3rd from draw 0).
    for (let i = 1; i <= 20; i++) {
      const dir = path.join(smokeOut, "simulations", `sim_${i}`);
      const r = await readJson(dir, "result.json");
      expect([r.simulation, r.seed, r.max_rank]).toEqual([i, 122 + i, L]);
      expect(Object.keys(r.ranks)).toEqual(NAMES);
      const csvs = (await readdir(path.join(dir, "fit"))).filter((f) => f.endsWith(".csv"));
      const fit = await readStanFit(csvs.map((f) => path.join(dir, "fit", f)));
      NAMES.forEach((name, k) => {
        const rank = r.ranks[name];
        expect(Number.isInteger(rank) && rank >= 0 && rank <= L, `${name}: ${rank}`).toBe(true);
        const column = name.replace("[", ".").replace(",", ".").replace("]", "");
        const draws = fit.chains[0].draws[column];
        expect(fit.chains[0].draws[`pars_.${k + 1}`][0]).toBe(r.truth[name]);
        // The CSV rounds to 6 digits, the indicators are exact: a draw within rounding of the truth may go either way.
        let below = 0;
        let within = 0;
        for (let d = 0; d < draws.length; d += 3) {
          if (Math.abs(draws[d] - r.truth[name]) <= 1e-5 * Math.max(1, Math.abs(r.truth[name]))) within += 1;
          else if (draws[d] < r.truth[name]) below += 1;
        }
        expect(rank, name).toBeGreaterThanOrEqual(below);
        expect(rank, name).toBeLessThanOrEqual(below + within);
      });
      // The first 10 keep the original's files: the truth as {name: value} and the posterior summary.
      expect(existsSync(path.join(dir, "posterior_summary.csv"))).toBe(i <= 10);
      expect(existsSync(path.join(dir, "true_parameters.json"))).toBe(i <= 10);
      if (i <= 10) expect(await readJson(dir, "true_parameters.json")).toEqual(r.truth);
    }

    // ranks.npy / true_params.npy: numpy reads 20 x 9 float64 arrays equal to ranks.csv / truths.csv.
    const results = path.join(smokeOut, "sbc_results");
    for (const [npy, csv] of [
      ["ranks.npy", "ranks.csv"],
      ["true_params.npy", "truths.csv"],
    ]) {
      const a = await numpyLoad(path.join(results, npy));
      const table = await readCsv(path.join(results, csv));
      expect(table.header).toEqual(["simulation", ...NAMES]);
      expect(a.shape).toEqual([20, 9]);
      expect(a.dtype).toBe("float64");
      expect(a.values).toEqual(table.rows.map((row) => row.slice(1)));
    }

    // sbc_summary.json in the original's keys; our statistics beside it, with both normalisers.
    const summary = await readJson(results, "sbc_summary.json");
    expect(Object.keys(summary)).toEqual(NAMES);
    for (const name of NAMES) {
      expect(Object.keys(summary[name])).toEqual([
        "chi2_statistic",
        "p_value",
        "n_bins",
        "n_simulations",
        "ks_statistic",
        "ks_p_value",
      ]);
      expect(summary[name]).toMatchObject({ n_bins: 4, n_simulations: 20 });
      for (const p of [summary[name].p_value, summary[name].ks_p_value]) expect(p >= 0 && p <= 1).toBe(true);
    }
    const stats = await readJson(results, "sbc_statistics.json");
    expect(stats).toMatchObject({ n_simulations: 20, n_failed: 0, max_rank: L, original_max_rank: 66, thin: 3 });
    expect(stats.parameters_outside_band).toEqual(NAMES.filter((n) => stats.ecdf_tests[n].outside_band));
    const flagged = NAMES.filter((n) => summary[n].p_value < 0.05);
    const text = await readFile(path.join(results, "summary.txt"), "utf8");
    for (const line of ["Total parameters: 9", "Total simulations: 20", "Thinning factor: 3"])
      expect(text).toContain(line);
    expect(text).toContain(`Parameters with p < 0.05: ${flagged.length}`);
    if (flagged.length === 0) expect(text).toContain("No calibration issues detected");
    else for (const n of flagged) expect(text).toContain(`- ${n}: p = ${summary[n].p_value.toFixed(4)}`);

    const health = (await readFile(path.join(results, "sampler_health.csv"), "utf8")).trim().split("\n");
    expect(health).toHaveLength(21);
    for (const png of ["rank_histograms.png", "rank_ecdfs.png", "sbc_pvalues.png"])
      expect(isPng(path.join(results, png))).toBe(true);
    const report = await readFile(path.join(results, "report.md"), "utf8");
    for (const needle of [
      "20 of 20 simulations were fitted",
      "| beta[3,2] |",
      "(rank_ecdfs.png)",
      "M 15, K 3, D 2, R 6",
    ])
      expect(report).toContain(needle);
    const timing = await readJson(smokeOut, "timing.json");
    expect([timing.simulations_run, timing.simulations_kept]).toEqual([20, 0]);
  });

  it("resumes a finished study without refitting and writes the same statistics", async () => {
    const before = await readFile(path.join(smokeOut, "sbc_results", "sbc_summary.json"), "utf8");
    const npy = await readFile(path.join(smokeOut, "sbc_results", "ranks.npy"));
    const again = await runStudy(sbcFlatKind, await config(M0_SMOKE, "smoke", { keep_csv: true }), quiet);
    expect(again.resumed).toBe(20);
    expect(await readFile(path.join(smokeOut, "sbc_results", "sbc_summary.json"), "utf8")).toBe(before);
    expect(await readFile(path.join(smokeOut, "sbc_results", "ranks.npy"))).toEqual(npy);
  });

  it("runs the m_1 smoke config (risky problems) through `cmdstan-recover sbc --config`", async () => {
    const out = path.join(tmp, "m1");
    const r = await execa(CLI[0], [CLI[1], "sbc", "--config", M1_SMOKE, "--output", out, "--cores", "2"], {
      reject: false,
      all: true,
    });
    expect(r.exitCode, r.all).toBe(0);
    expect(r.stdout).toContain("Rank uniformity over 20 simulations (ranks 0..67");
    expect(flatSbcContract(out)).toEqual([]);
    const info = await readJson(out, "config_info.json");
    expect(info).toMatchObject({ M: 10, N: 10, S: 8, K: 3, param_names: NAMES });
    const design = await loadFlatDesign(path.join(out, "study_design.json"));
    expect(design.risky).toMatchObject({ N: 10, S: 8, risky_probs: "fixed" });
    expect(Object.keys(await readJson(out, "sbc_data.json"))).toEqual([
      "M",
      "K",
      "D",
      "R",
      "w",
      "I",
      "N",
      "S",
      "x",
      "J",
    ]);
    const ranks = await readCsv(path.join(out, "sbc_results", "ranks.csv"));
    expect(ranks.rows).toHaveLength(20);
    for (const row of ranks.rows) for (const v of row.slice(1)) expect(v >= 0 && v <= L).toBe(true);
    // The flat kind ran it (its log prefix), not the hierarchical one.
    expect(r.stderr).toContain("[sbc-flat] CmdStan");
  });

  it("gives m_03_sbc its delta_concentration from extra_data, else the original's 1.0", async () => {
    const m03 = { sbc_model_path: stan("m_03_sbc"), n_sbc_sims: 2 };
    const given = await runStudy(
      sbcFlatKind,
      await config(M0_SMOKE, "m03", { ...m03, extra_data: { delta_concentration: 2.5 } }),
      quiet,
    );
    expect(given.nSuccessful).toBe(2);
    expect((await readJson(tmp, "m03", "sbc_data.json")).delta_concentration).toBe(2.5);
    expect((await readJson(tmp, "m03", "config_info.json")).hyperparameters).toEqual({ delta_concentration: 2.5 });
    await runStudy(sbcFlatKind, await config(M0_SMOKE, "m03-default", m03), quiet);
    expect((await readJson(tmp, "m03-default", "sbc_data.json")).delta_concentration).toBe(1);
  });

  it("refuses, before any simulation, models that are not flat SBC models for this design", async () => {
    const refusal = async (name: string, overrides: Partial<FlatSbcConfigInput>) => {
      const out = path.join(tmp, name);
      const err = await runStudy(sbcFlatKind, await config(M0_SMOKE, name, overrides), quiet).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect(existsSync(path.join(out, "simulations")), name).toBe(false);
      const message = (err as Error).message;
      expect(message).toContain(M0_SMOKE);
      return message;
    };
    const inference = await refusal("inference", { sbc_model_path: stan("m_0") });
    expect(inference).toContain(`sbc_model_path: the SBC model ${stan("m_0")} does not fit this study:`);
    expect(inference).toMatch(/it does not output pars_ in generated quantities/);
    expect(inference).toMatch(/it does not output ranks_ in generated quantities/);
    expect(inference).toMatch(/it declares data y; an SBC model simulates y in transformed data/);
    const risky = await refusal("risky-inference", { sbc_model_path: stan("m_3") });
    expect(risky).toMatch(/it declares data z; an SBC model simulates z/);
    // A risky SBC model on a design without risky problems: N, S, x and J named.
    const noRisky = await refusal("no-risky", { sbc_model_path: stan("m_1_sbc") });
    for (const key of ["N", "S", "x", "J"])
      expect(noRisky).toContain(
        `it declares data ${key}, which the SBC data does not hold (the design has no risky problems`,
      );
    const extra = await refusal("extra", { extra_data: { delta_concentration: 2 } });
    expect(extra).toMatch(
      /extra_data: delta_concentration is not data of the SBC model .*m_0_sbc\.stan \(its data beyond the design: none\)/,
    );

    // pars_ and ranks_ without delta: two entries short on this design.
    const shortFile = await variant("m_0_sbc_short", [
      ["int P = 1 + K * D + K - 1;", "int P = 1 + K * D;"],
      ["append_row(alpha_, append_row(to_vector(beta_'), delta_))", "append_row(alpha_, to_vector(beta_'))"],
      ["append_row(alpha, append_row(to_vector(beta'), delta))", "append_row(alpha, to_vector(beta'))"],
    ]);
    const message = await refusal("short", { sbc_model_path: shortFile });
    expect(message).toMatch(
      /its output pars_ has 7 entries on this design, expected 9: alpha, beta\[1,1\], .*delta\[2\]/,
    );
    expect(message).toMatch(/its output ranks_ has 7 entries/);

    // A model that rejects every truth cannot name its parameters: refused, CmdStan's message quoted.
    const always = await variant("m_0_sbc_always", [
      ["real alpha_ = lognormal_rng(0, 1);", 'real alpha_ = lognormal_rng(0, 1);\n  reject("always: no truth");'],
    ]);
    expect(await refusal("always", { sbc_model_path: always })).toMatch(
      /a fixed_param draw on this design, which names the tracked parameters, failed with seeds 123\.\.127; the first: .*always: no truth/s,
    );
  });

  it("keeps failed fits as failed records, counts them, links them, and goes on with the rest", async () => {
    // Rejects the simulations whose true alpha exceeds 1.5 (about a third of them).
    const picky = await variant("m_0_sbc_picky", [
      [
        "real alpha_ = lognormal_rng(0, 1);",
        'real alpha_ = lognormal_rng(0, 1);\n  if (alpha_ > 1.5) reject("picky: true alpha = ", alpha_);',
      ],
    ]);
    const out = path.join(tmp, "picky");
    const result = await runStudy(
      sbcFlatKind,
      await config(M0_SMOKE, "picky", { sbc_model_path: picky, n_sbc_sims: 8 }),
      quiet,
    );
    const failed = result.failures.map((f) => f.simulation);
    expect(failed.length).toBeGreaterThan(0);
    expect(failed.length).toBeLessThan(8);
    for (let i = 1; i <= 8; i++) {
      const dir = path.join(out, "simulations", `sim_${i}`);
      if (failed.includes(i))
        expect(await readFile(path.join(dir, "error.txt"), "utf8")).toMatch(
          new RegExp(`simulation ${i} failed: .*picky: true alpha = `, "s"),
        );
      else expect((await readJson(dir, "result.json")).truth.alpha).toBeLessThanOrEqual(1.5);
    }
    const results = path.join(out, "sbc_results");
    const fitted = 8 - failed.length;
    expect((await numpyLoad(path.join(results, "ranks.npy"))).shape).toEqual([fitted, 9]);
    expect((await readCsv(path.join(results, "ranks.csv"))).rows.map((r) => r[0])).toEqual(
      [1, 2, 3, 4, 5, 6, 7, 8].filter((i) => !failed.includes(i)),
    );
    expect(await readJson(results, "sbc_statistics.json")).toMatchObject({
      n_simulations: fitted,
      n_simulations_requested: 8,
      n_failed: failed.length,
    });
    expect((await readJson(results, "sbc_summary.json")).alpha.n_simulations).toBe(fitted);
    expect(await readFile(path.join(results, "summary.txt"), "utf8")).toContain(
      `Total simulations: ${fitted}\nFailed simulations: ${failed.length} (of 8)\n`,
    );
    const health = await readFile(path.join(results, "sampler_health.csv"), "utf8");
    for (const i of failed) expect(health).toContain(`\n${i},failed,`);
    const report = await readFile(result.reportFile, "utf8");
    expect(report).toContain(`${fitted} of 8 simulations were fitted; **${failed.length} failed**`);
    expect(report).toContain(`simulation ${failed[0]} ([error.txt](../simulations/sim_${failed[0]}/error.txt))`);
  });
});
