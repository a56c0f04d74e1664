/**
 * The recovery study end to end with the real CmdStan: the smoke config, resume after a
 * kill, a swapped model, and a model missing a tracked parameter.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, readdir, writeFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../../src/util/errors.js";
import { recoverKind } from "../../../src/studies/recover/kind.js";
import { loadStudyConfig, runStudy } from "../../../src/studies/runStudy.js";
import { parseSummaryCsv, QUANTILE_RULE_LABELS, quantileRuleFor } from "../../../src/analysis/summary.js";
import { trackedParameters } from "../../../src/analysis/trackedParameters.js";
import { recoveryContract } from "../../contracts/notebooks.js";
import { decideTruths } from "../../../src/studies/faithfulness.js";
import { testCmdStan } from "../../helpers/cmdstan.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const SMOKE = path.join(ROOT, "configs", "h_m01_parameter_recovery_smoke_config.json");
const CLI = [path.join(ROOT, "node_modules", ".bin", "tsx"), path.join(ROOT, "src", "cli.ts")];
const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream };

async function waitFor(cond: () => boolean, timeoutMs: number): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error("timed out waiting");
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe("recover (real CmdStan)", () => {
  let tmp: string;
  let smokeOut: string;

  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });
  beforeAll(async () => {
    await testCmdStan();
    tmp = await mkdtemp(path.join(os.tmpdir(), "cr-recover-"));
    smokeOut = path.join(tmp, "smoke");
  });

  it("runs the smoke config: every output of docs/recovery.md exists and parses", async () => {
    const config = await loadStudyConfig(recoverKind, SMOKE, { output_dir: smokeOut });
    const lines: string[] = [];
    const result = await runStudy(recoverKind, config, { ...quiet, log: (l) => lines.push(l) });
    expect(result.nSuccessful).toBe(config.n_iterations);
    // Everything Report 11's cells read is there (test/contracts/notebooks.ts).
    expect(recoveryContract(smokeOut)).toEqual([]);

    const info = JSON.parse(await readFile(path.join(smokeOut, "config_info.json"), "utf8"));
    expect(info).toMatchObject({ n_iterations: 3, n_mcmc_chains: 2, J: 18, K: 3, D: 2, P: 7, M_total: 360 });
    // The quantiles are those of that CmdStan's stansummary, and the files say which rule that is.
    const rule = QUANTILE_RULE_LABELS[quantileRuleFor(info.cmdstan_version)];
    expect(info.quantile_rule).toBe(rule);
    const design = JSON.parse(await readFile(path.join(smokeOut, "study_design.json"), "utf8"));
    expect(design.X).toHaveLength(18);

    for (let i = 1; i <= config.n_iterations; i++) {
      const dir = path.join(smokeOut, `iteration_${i}`);
      const truth = JSON.parse(await readFile(path.join(dir, "true_parameters.json"), "utf8"));
      expect(truth.gamma).toHaveLength(7);
      expect(truth.alpha).toHaveLength(18);
      expect(truth.delta).toHaveLength(2);
      expect(truth.upsilon[0]).toBe(0);
      const summaryText = await readFile(path.join(dir, "posterior_summary.csv"), "utf8");
      expect(summaryText.trimEnd().split("\n").at(-1)).toBe(`# Quantiles: ${rule}`);
      const rows = parseSummaryCsv(summaryText, "posterior_summary.csv");
      const names = rows.map((r) => r.name);
      for (const n of ["gamma0", "gamma[7]", "sigma_cell", "alpha[18]", "delta[2]", "log_lik[360]"])
        expect(names).toContain(n);
      expect(await readFile(path.join(dir, "diagnostics.txt"), "utf8")).toMatch(/divergen/i);
      // CSVs are removed after summarising unless keep_csv.
      expect((await readdir(path.join(dir, "fit"))).filter((f) => f.endsWith(".csv"))).toEqual([]);
    }
    const all = JSON.parse(await readFile(path.join(smokeOut, "all_true_parameters.json"), "utf8"));
    expect(all).toHaveLength(3);
    const stats = JSON.parse(
      await readFile(path.join(smokeOut, "recovery_summary", "recovery_statistics.json"), "utf8"),
    );
    expect(Object.keys(stats)).toEqual(
      trackedParameters({ alphaVar: "alpha", extraScalars: [] }, { P: 7, J: 18, K: 3 }).map((t) => t.key),
    );
    for (const s of Object.values(stats) as Record<string, number>[]) {
      for (const k of ["bias", "rmse", "coverage", "ci_width"]) expect(Number.isFinite(s[k])).toBe(true);
    }
    for (const png of ["regression_recovery.png", "alpha_recovery.png", "delta_recovery.png"]) {
      const buf = readFileSync(path.join(smokeOut, "recovery_summary", png));
      expect(buf.subarray(1, 4).toString()).toBe("PNG");
    }
    const report = await readFile(path.join(smokeOut, "recovery_summary", "report.md"), "utf8");
    for (const needle of ["divergences", "gamma0", "sigma_cell", "delta[1]", "alpha[18]", "regression_recovery.png"])
      expect(report).toContain(needle);
    expect(report).toContain(`| quantile_rule | ${rule} |`);
    expect(result.terminalTables).toContain("gamma[7]");

    // Where the time went, measured by the OS (children CPU over cores x wall).
    const timing = JSON.parse(await readFile(path.join(smokeOut, "timing.json"), "utf8"));
    expect(timing.iterations_run).toBe(3);
    expect(timing.phases.loop.childrenCpu).toBeGreaterThan(0);
    // Sanity only: how busy the cores were depends on the machine's load (bench/studyUtilisation measures it).
    expect(timing.loop_utilisation).toBeGreaterThan(0);
    expect(timing.loop_utilisation).toBeLessThanOrEqual(1.05);
    expect(timing.other_processes_share).toBeGreaterThanOrEqual(0);
    expect(timing.other_processes_share).toBeLessThanOrEqual(1);
    expect(timing.phases.loop.otherCpu).toBeGreaterThanOrEqual(0);
    const record = JSON.parse(await readFile(path.join(smokeOut, "iteration_1", "iteration.json"), "utf8"));
    expect(Object.keys(record.timing)).toEqual(["simulate", "sample", "summarize", "diagnose"]);

    // Which truths: said in the console before anything compiles, in config_info.json,
    // timing.json and report.md (src/studies/faithfulness.ts). On 2.27 the generator is not the
    // original's, and the smoke config is not Report 11's study either.
    const version = info.cmdstan_version as string;
    const sentence = version.startsWith("2.27.")
      ? "other truths than the original study's: CmdStan 2.27 draws with another generator; install CmdStan >= 2.35 for the original's truths; this config's design or settings are not the original study's"
      : decideTruths({ version, seed: 12345, originalSeed: 12345, originalStudy: false }).sentence;
    const truthsLine = `[recover] truths: ${sentence} (CmdStan ${version}, ${info.truths.generator}; seed 12345)`;
    expect(lines).toContain(truthsLine);
    expect(lines.indexOf(truthsLine)).toBeLessThan(lines.findIndex((l) => l.includes("compiling")));
    expect(lines).toContain(
      "[recover] settings: not Report 11's (n_iterations 3 (Report 11: 20); n_mcmc_chains 2 (Report 11: 4); " +
        "n_mcmc_samples 200 (Report 11: 2000); n_mcmc_warmup 100 (Report 11: 1000)), so its published numbers are not compared",
    );
    expect(info.truths).toMatchObject({
      original_truths: false,
      sentence,
      cmdstan_version: version,
      original_study: "Report 11",
      original_generator: "boost::random::mixmax",
      seed: 12345,
      original_seed: 12345,
      original_settings: false,
    });
    if (version.startsWith("2.27.")) expect(info.truths.generator).toBe("boost::ecuyer1988");
    expect(info.truths.settings_differ).toHaveLength(4);
    expect(timing.truths).toEqual(info.truths);
    expect(report).toContain(`- truths: ${sentence} (CmdStan ${version}`);
    // Not Report 11's settings: its numbers are not set beside these.
    expect(report).not.toContain("Beside Report 11");
    expect(result.terminalTables).toContain(`truths: ${sentence}`);
    expect(result.terminalTables).not.toContain("Beside Report 11");
  });

  it("resumes after the process is killed mid-run and ends with the same statistics", async () => {
    const out = path.join(tmp, "resume");
    // Kill the whole process group (node and its CmdStan children) as a crash would.
    // --cores 2: with more cores all three iterations would run at once and might all finish.
    const child = execa(CLI[0], [CLI[1], "recover", "--config", SMOKE, "--output", out, "--cores", "2"], {
      detached: true,
      reject: false,
      stdio: "ignore",
    });
    try {
      await waitFor(() => existsSync(path.join(out, "iteration_1", "iteration.json")), 10 * 60_000);
    } finally {
      process.kill(-child.pid!, "SIGKILL"); // also when the wait failed: no sampler left running
    }
    await child;
    const finishedBefore = [1, 2, 3].filter((i) => existsSync(path.join(out, `iteration_${i}`, "iteration.json")));
    expect(finishedBefore.length).toBeLessThan(3);
    const firstRecord = await readFile(path.join(out, "iteration_1", "iteration.json"), "utf8");

    const config = await loadStudyConfig(recoverKind, SMOKE, { output_dir: out });
    const result = await runStudy(recoverKind, config, quiet);
    expect(result.resumed).toBe(finishedBefore.length);
    // The finished iteration was kept, not redone.
    expect(await readFile(path.join(out, "iteration_1", "iteration.json"), "utf8")).toBe(firstRecord);
    const resumed = await readFile(path.join(out, "recovery_summary", "recovery_statistics.json"), "utf8");
    const uninterrupted = await readFile(path.join(smokeOut, "recovery_summary", "recovery_statistics.json"), "utf8");
    expect(JSON.parse(resumed)).toEqual(JSON.parse(uninterrupted));
  });

  it("redoes an iteration whose files were altered (verified by content, not existence)", async () => {
    const out = path.join(tmp, "resume");
    const summary = path.join(out, "iteration_2", "posterior_summary.csv");
    const original = await readFile(summary, "utf8");
    await writeFile(summary, original.replace(/\n[^\n]*\n$/, "\n"));
    const config = await loadStudyConfig(recoverKind, SMOKE, { output_dir: out });
    const result = await runStudy(recoverKind, config, quiet);
    expect(result.resumed).toBe(2);
    expect(await readFile(summary, "utf8")).toBe(original);
  });

  it("refuses a different config pointed at the same folder", async () => {
    const config = await loadStudyConfig(recoverKind, SMOKE, { output_dir: smokeOut, adapt_delta: 0.9 });
    await expect(runStudy(recoverKind, config, quiet)).rejects.toThrow(/another configuration.*adapt_delta/);
  });

  it("runs a swapped-in model with the same parameter names (centred parameterisation)", async () => {
    const config = await loadStudyConfig(recoverKind, SMOKE, {
      output_dir: path.join(tmp, "centred"),
      inference_model_path: path.join(ROOT, "test", "models", "h_m01_centered.stan"),
      n_iterations: 1,
      n_mcmc_samples: 100,
    });
    const result = await runStudy(recoverKind, config, quiet);
    expect(result.nSuccessful).toBe(1);
    expect(Object.keys(result.statistics)).toContain("alpha_18");
  });

  it("refuses, before sampling, a model missing a tracked parameter", async () => {
    const dir = path.join(tmp, "nodelta");
    const src = await readFile(path.join(ROOT, "test", "models", "h_m01_centered.stan"), "utf8");
    await execa("mkdir", ["-p", dir]);
    const file = path.join(dir, "no_sigma.stan");
    await writeFile(file, src.replace(/sigma_cell/g, "tau_cell"));
    const config = await loadStudyConfig(recoverKind, SMOKE, {
      output_dir: path.join(dir, "out"),
      inference_model_path: file,
    });
    const err = await runStudy(recoverKind, config, quiet).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toMatch(
      /inference_model_path: the inference model .*no_sigma\.stan does not fit this study:\n  - it does not output sigma_cell, a scalar/,
    );
    expect(existsSync(path.join(dir, "out", "iteration_1"))).toBe(false);
  });

  it("keeps going when an iteration fails: error.txt, left out of the metrics; the CLI then exits 3", async () => {
    const dir = path.join(tmp, "partial");
    await execa("mkdir", ["-p", dir]);
    const src = await readFile(path.join(ROOT, "stan", "h_m01.stan"), "utf8");
    const file = path.join(dir, "h_m01_picky.stan");
    // Rejects the data of every simulation whose first choice is not the first alternative.
    await writeFile(
      file,
      src.replace(/transformed data \{\n/, 'transformed data {\n  if (y[1] != 1) reject("picky: y[1] = ", y[1]);\n'),
    );
    const smoke = JSON.parse(await readFile(SMOKE, "utf8"));
    const configFile = path.join(dir, "config.json");
    await writeFile(
      configFile,
      JSON.stringify({
        ...smoke,
        inference_model_path: file,
        sim_model_path: path.join(ROOT, "stan", "h_m01_sim.stan"),
        output_dir: path.join(dir, "out"),
        n_iterations: 4,
        n_mcmc_chains: 1,
        n_mcmc_samples: 100,
      }),
    );
    const config = await loadStudyConfig(recoverKind, configFile);
    const outcome = await runStudy(recoverKind, config, quiet).catch((e: unknown) => e);
    const failed: number[] = [];
    for (let i = 1; i <= 4; i++) {
      const it = path.join(dir, "out", `iteration_${i}`);
      const y1 = JSON.parse(await readFile(path.join(it, "data.json"), "utf8")).y[0];
      const record = JSON.parse(await readFile(path.join(it, "iteration.json"), "utf8"));
      if (y1 === 1) {
        expect(record.status).toBe("ok");
        expect(existsSync(path.join(it, "error.txt"))).toBe(false);
      } else {
        failed.push(i);
        expect(record.status).toBe("failed");
        expect(await readFile(path.join(it, "error.txt"), "utf8")).toMatch(
          new RegExp(`iteration ${i} failed.*picky: y\\[1\\] = ${y1}`, "s"),
        );
      }
    }
    const all = JSON.parse(await readFile(path.join(dir, "out", "all_true_parameters.json"), "utf8"));
    expect(all).toHaveLength(4 - failed.length);
    // The same command again keeps every iteration (failed ones too) and says by its exit status
    // whether the study is complete: 0, 3 (some failed), or 1 (all failed).
    const again = await execa(CLI[0], [CLI[1], "recover", "--config", configFile], { reject: false });
    if (failed.length === 4) {
      expect(outcome).toBeInstanceOf(Error);
      expect((outcome as Error).message).toMatch(/every iteration failed/);
      expect(again.exitCode).toBe(1);
    } else {
      expect((outcome as { nSuccessful: number; failed: number[] }).nSuccessful).toBe(4 - failed.length);
      expect((outcome as { failed: number[] }).failed).toEqual(failed);
      const report = await readFile(path.join(dir, "out", "recovery_summary", "report.md"), "utf8");
      if (failed.length > 0) expect(report).toMatch(/picky/);
      expect(again.exitCode).toBe(failed.length > 0 ? 3 : 0);
      if (failed.length > 0) {
        expect(again.stderr).toContain(
          `incomplete study: ${failed.length} iteration${failed.length > 1 ? "s" : ""} failed, reasons in their error.txt (${failed.join(", ")})`,
        );
      }
    }
    expect(again.stderr).toContain("resuming: 4 finished iteration(s) kept, 0 to run");
  });

  it("two runs on one folder: the second refuses, naming the holder; the first finishes correct", async () => {
    const out = path.join(tmp, "twice");
    const args = [CLI[1], "recover", "--config", SMOKE, "--output", out, "--cores", "2"];
    const first = execa(CLI[0], args, { reject: false });
    await waitFor(() => existsSync(path.join(out, "study.lock")), 5 * 60_000);
    const second = await execa(CLI[0], args, { reject: false });
    expect(second.exitCode).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(`${out} is in use by cmdstan-recover recover \\(process \\d+ on ${os.hostname()}, started `),
    );
    const done = await first;
    expect(done.exitCode).toBe(0);
    // The console says which truths the run draws.
    expect(done.stderr).toMatch(/^\[recover\] truths: other truths than the original study's: /m);
    expect(existsSync(path.join(out, "study.lock"))).toBe(false);
    for (const i of [1, 2, 3]) {
      const record = JSON.parse(await readFile(path.join(out, `iteration_${i}`, "iteration.json"), "utf8"));
      expect(record.status).toBe("ok");
    }
    const stats = (root: string) => readFile(path.join(root, "recovery_summary", "recovery_statistics.json"), "utf8");
    expect(JSON.parse(await stats(out))).toEqual(JSON.parse(await stats(smokeOut)));
  });

  it("with keep_csv, a kept chain CSV deleted or cut short makes its iteration redo on resume", async () => {
    const out = path.join(tmp, "kept");
    const opts = { output_dir: out, keep_csv: true, n_iterations: 2, n_mcmc_samples: 100 };
    await runStudy(recoverKind, await loadStudyConfig(recoverKind, SMOKE, opts), quiet);
    const record = JSON.parse(await readFile(path.join(out, "iteration_1", "iteration.json"), "utf8"));
    expect(Object.keys(record.files)).toEqual(expect.arrayContaining(["fit/fit-1.csv", "fit/fit-2.csv"]));
    const csv = path.join(out, "iteration_1", "fit", "fit-2.csv");
    const text = await readFile(csv, "utf8");
    await writeFile(csv, text.slice(0, text.length - 200));
    await rm(path.join(out, "iteration_2", "fit", "fit-1.csv"));
    const again = await runStudy(recoverKind, await loadStudyConfig(recoverKind, SMOKE, opts), quiet);
    expect(again.resumed).toBe(0);
    // Redone with the same seed: the same draws (comment lines hold times and dates).
    const draws = (t: string) => t.split("\n").filter((l) => !l.startsWith("#"));
    expect(draws(await readFile(csv, "utf8"))).toEqual(draws(text));
  });

  it("exits non-zero when every iteration fails, with the first reason", async () => {
    const dir = path.join(tmp, "allfail");
    await execa("mkdir", ["-p", dir]);
    const smoke = JSON.parse(await readFile(SMOKE, "utf8"));
    const configFile = path.join(dir, "config.json");
    // A one-second limit per chain: no h_m01 fit of 300 iterations finishes in time.
    await writeFile(
      configFile,
      JSON.stringify({
        ...smoke,
        inference_model_path: path.join(ROOT, "stan", "h_m01.stan"),
        sim_model_path: path.join(ROOT, "stan", "h_m01_sim.stan"),
        output_dir: path.join(dir, "out"),
        n_iterations: 2,
        n_mcmc_samples: 5000,
        chain_timeout_s: 1,
      }),
    );
    const r = await execa(CLI[0], [CLI[1], "recover", "--config", configFile], { reject: false });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/every iteration failed/);
    expect(r.stderr).toMatch(/timed out/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    for (const i of [1, 2])
      expect(await readFile(path.join(dir, "out", `iteration_${i}`, "error.txt"), "utf8")).toMatch(
        /timed out after 1000 ms/,
      );
  });
});
