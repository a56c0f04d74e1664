/**
 * The estimate command end to end with the real CmdStan, on data simulated by our own simulators
 * and written as a data file (the users' real data file is not in their repository): the users'
 * estimation config unchanged with a data file at its data_path, a resume that keeps the fit, a
 * risky model (m_3, with omega and kappa and both kinds of checks), and bad data files refused
 * before CmdStan runs.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { simulateDataFile } from "../../../scripts/simulate-data.js";
import { parseSummaryCsv } from "../../../src/analysis/summary.js";
import { readStanFit } from "../../../src/cmdstan/stanCsv.js";
import { estimateKind } from "../../../src/studies/estimate/kind.js";
import { loadStudyConfig, runStudy } from "../../../src/studies/runStudy.js";
import { InputError } from "../../../src/util/errors.js";
import { testCmdStan } from "../../helpers/cmdstan.js";
import { usersRepository } from "../../helpers/usersRepository.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const CLI = [path.join(ROOT, "node_modules", ".bin", "tsx"), path.join(ROOT, "src", "cli.ts")];
const DATA_PATH = path.join("applications", "llm_rationality", "data", "stan_data_GPT-4.json");
const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream };
const isPng = (file: string) => readFileSync(file).subarray(1, 4).toString() === "PNG";
type Json = Record<string, any>;
const readJson = async (file: string): Promise<Json> => JSON.parse(await readFile(file, "utf8"));

describe("estimate (real CmdStan)", () => {
  let tmp: string;
  let repo: string;
  beforeAll(async () => {
    tmp = await mkdtemp(path.join(os.tmpdir(), "cr-estimate-"));
    // The users' repository layout: stan/ and the data file at the config's data_path.
    repo = await usersRepository(path.join(tmp, "users"));
    await mkdir(path.join(repo, path.dirname(DATA_PATH)), { recursive: true });
    const design = { M: 25, K: 3, D: 5, R: 15, min_alts_per_problem: 2, max_alts_per_problem: 5 };
    const sim = path.join(ROOT, "stan", "m_0_sim.stan");
    const hyperparameters = { alpha_mean: 1.5, alpha_sd: 0.3 };
    const install = await testCmdStan();
    await simulateDataFile({ install, sim, design, seed: 11, out: path.join(repo, DATA_PATH), hyperparameters });
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("runs the users' estimation config unchanged on a data file at its data_path", async () => {
    const r = await execa(CLI[0], [CLI[1], "estimate", "--config", "model_estimation_config.json"], {
      cwd: repo,
      reject: false,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const out = path.join(repo, "results", "model_estimation");
    expect(await readFile(path.join(out, "input_data.json"), "utf8")).toBe(
      await readFile(path.join(repo, DATA_PATH), "utf8"),
    );
    const info = await readJson(path.join(out, "config_info.json"));
    expect(info).toMatchObject({
      n_mcmc_samples: 2000,
      n_mcmc_chains: 4,
      n_mcmc_warmup: 1000,
      seed: 12345,
      adapt_delta: null,
    });
    // The users' own run's settings and seed: with CmdStan >= 2.35 these are their chains.
    const users = "the users' model_estimation_config.json";
    expect(info.truths).toMatchObject({ original_study: users, settings_differ: [], seed: 12345 });
    const csvs = (await readdir(path.join(out, "fit"))).filter((f) => /^m_0-\d+\.csv$/.test(f));
    expect(csvs).toEqual(["m_0-1.csv", "m_0-2.csv", "m_0-3.csv", "m_0-4.csv"]);
    const fit = await readStanFit(csvs.map((f) => path.join(out, "fit", f)));
    expect(fit.chains[0].numDraws).toBe(2000);
    expect(fit.config.seed).toBe(12345);
    const summary = parseSummaryCsv(
      await readFile(path.join(out, "fit", "posterior_summary.csv"), "utf8"),
      "posterior_summary.csv",
    );
    for (const n of ["alpha", "beta[3,5]", "delta[2]", "log_lik[25]", "ppc_ll"])
      expect(summary.map((s) => s.name)).toContain(n);
    expect(await readFile(path.join(out, "fit", "diagnostics.txt"), "utf8")).toMatch(/divergen/i);
    // The p-values are the means of the model's ppc_* draws.
    const ppc = await readJson(path.join(out, "ppc", "ppc_summary.json"));
    expect(Object.keys(ppc)).toEqual(["ppc_ll", "ppc_modal", "ppc_prob"]);
    const draws = fit.chains.flatMap((c) => Array.from(c.draws.ppc_modal));
    expect(ppc.ppc_modal.p_value).toBeCloseTo(draws.reduce((a, b) => a + b, 0) / draws.length, 12);
    expect(ppc.ppc_ll).toMatchObject({ T_obs: "T_obs_ll", T_rep: "T_rep_ll" });
    for (const f of [
      "posterior_scalars",
      "upsilon_posterior",
      "beta_heatmap",
      "trace",
      "energy",
      "pairs_alpha_delta",
      "pairs_beta",
    ]) {
      expect(isPng(path.join(out, "plots", `${f}.png`)), f).toBe(true);
    }
    expect(existsSync(path.join(out, "plots", "alpha_vs_omega.png"))).toBe(false); // m_0 has no omega
    expect(isPng(path.join(out, "ppc", "ppc_statistics.png"))).toBe(true);
    const report = await readFile(path.join(out, "report.md"), "utf8");
    for (const s of ["## Sampler health", "## Posterior summary", "| ppc_ll |", "plots/trace.png", "E-BFMI"])
      expect(report).toContain(s);
    expect((await readJson(path.join(out, "timing.json"))).fits_run).toBe(1);
  });

  it("keeps the finished fit when run again (resume), with the same outputs", async () => {
    const out = path.join(repo, "results", "model_estimation");
    const before = await readFile(path.join(out, "ppc", "ppc_summary.json"), "utf8");
    const fitRecord = await readFile(path.join(out, "fit", "fit.json"), "utf8");
    const r = await execa(CLI[0], [CLI[1], "estimate", "--config", "model_estimation_config.json"], {
      cwd: repo,
      reject: false,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toContain("resuming: 1 finished fit(s) kept, 0 to run");
    expect(await readFile(path.join(out, "fit", "fit.json"), "utf8")).toBe(fitRecord);
    expect(await readFile(path.join(out, "ppc", "ppc_summary.json"), "utf8")).toBe(before);
  });

  it("fits a risky model (m_3) to choices simulated by m_3_sim: omega, kappa and both kinds of checks", async () => {
    const data = path.join(tmp, "m3_data.json");
    const design = { M: 20, N: 20, K: 3, D: 2, R: 10, S: 8, max_alts_per_problem: 4 };
    const install = await testCmdStan();
    await simulateDataFile({ install, sim: path.join(ROOT, "stan", "m_3_sim.stan"), design, seed: 5, out: data });
    const file = path.join(tmp, "m3.json");
    const config = {
      data_path: data,
      model_path: path.join(ROOT, "stan", "m_3.stan"),
      n_mcmc_samples: 400,
      n_mcmc_chains: 2,
    };
    await writeFile(file, JSON.stringify({ ...config, output_dir: path.join(tmp, "m3"), adapt_delta: 0.9 }));
    const result = await runStudy(estimateKind, await loadStudyConfig(estimateKind, file), quiet);
    expect(result.ok).toBe(true);
    expect(Object.keys(result.pValues)).toEqual([
      "ppc_ll_uncertain",
      "ppc_modal_uncertain",
      "ppc_prob_uncertain",
      "ppc_ll_risky",
      "ppc_modal_risky",
      "ppc_prob_risky",
      "ppc_ll_combined",
    ]);
    for (const p of Object.values(result.pValues)) expect(p >= 0 && p <= 1).toBe(true);
    const ppc = await readJson(path.join(tmp, "m3", "ppc", "ppc_summary.json"));
    expect(ppc.ppc_ll_combined).toMatchObject({ T_obs: null, T_rep: null }); // no T pair of its own
    expect(isPng(path.join(tmp, "m3", "plots", "alpha_vs_omega.png"))).toBe(true);
    const report = await readFile(path.join(tmp, "m3", "report.md"), "utf8");
    expect(report).toMatch(/\| kappa \|/);
    expect(report).toMatch(/\| omega \|/);
  });

  it("refuses a bad data file before CmdStan runs, naming the file and the key", async () => {
    const good = JSON.parse(await readFile(path.join(repo, DATA_PATH), "utf8"));
    const refusal = async (name: string, text: string) => {
      const data = path.join(tmp, `${name}.json`);
      await writeFile(data, text);
      const file = path.join(tmp, `${name}-config.json`);
      const out = path.join(tmp, `${name}-out`);
      await writeFile(
        file,
        JSON.stringify({ data_path: data, model_path: path.join(ROOT, "stan", "m_0.stan"), output_dir: out }),
      );
      const err = await runStudy(estimateKind, await loadStudyConfig(estimateKind, file), quiet).catch(
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(InputError);
      expect(existsSync(out)).toBe(false); // refused before the study folder was made
      expect((err as Error).message).toContain(data);
      return (err as Error).message;
    };
    const { y, ...noY } = good;
    expect(await refusal("missing", JSON.stringify(noY))).toMatch(
      /- y: missing; the model .*m_0.stan declares it as int data with 1 dimension/,
    );
    expect(await refusal("shape", JSON.stringify({ ...good, I: good.I[0] }))).toMatch(
      /- I\[0\]: a number where an array is expected/,
    );
    expect(await refusal("real", JSON.stringify({ ...good, y: [1.5, ...y.slice(1)] }))).toMatch(
      /- y: the model declares int, but y\[0\] is 1.5/,
    );
    expect(await refusal("nan", JSON.stringify(good).replace(/"w":\[\[[^,]*/, '"w":[[NaN'))).toMatch(
      /- w: holds NaN at w\[0\]\[0\] \(line 1\)/,
    );
    expect(await refusal("null", JSON.stringify({ ...good, y: [null, ...y.slice(1)] }))).toMatch(
      /- y: holds null at y\[0\]/,
    );
    // Through the command line: one message, exit status 1.
    const r = await execa(CLI[0], [CLI[1], "estimate", "--config", path.join(tmp, "real-config.json")], {
      reject: false,
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      /real\.json: does not hold the data the model .*m_0.stan declares:\n {2}- y: the model declares int/,
    );
  });
});
