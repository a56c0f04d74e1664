/**
 * The Slurm executor against a real single-node Slurm cluster (Debian's packages, started by
 * scripts/slurm-cluster.sh for this file and stopped afterwards) and the real CmdStan: the same
 * statistics as a local run, Ctrl-C and resume through the CLI, a failing fit, a cancelled task
 * and a task killed by its time limit. Skipped, with the reason, only where Slurm is not
 * installed and CI is not set; in CI a missing Slurm fails.
 */
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatReplicateList } from "../../src/pipeline/executors/batches.js";
import type { RecoveryConfigInput } from "../../src/studies/recover/config.js";
import { recoverKind } from "../../src/studies/recover/kind.js";
import { loadStudyConfig, runStudy } from "../../src/studies/runStudy.js";
import { sbcKind } from "../../src/studies/sbc/kind.js";
import { arrayTaskStates, isActiveState, scancel } from "../../src/slurm/commands.js";
import { REPO_ROOT, testCmdStan } from "../helpers/cmdstan.js";
import { clusterProcesses, slurmSkipReason, startCluster, stopCluster } from "../helpers/slurm.js";

const SMOKE = path.join(REPO_ROOT, "configs", "h_m01_parameter_recovery_smoke_config.json");
const CLI = path.join(REPO_ROOT, "dist", "cli.js");
const skipReason = slurmSkipReason();

function quietRun(lines: string[] = []) {
  return {
    log: (l: string) => void lines.push(l),
    progressStream: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream,
  };
}

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 10 * 60_000,
): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

const read = (file: string) => readFile(file, "utf8");
const recordOf = (out: string, i: number) => path.join(out, `iteration_${i}`, "iteration.json");
const jobsOf = async (out: string) =>
  JSON.parse(await read(path.join(out, "slurm", "jobs.json"))) as { job_id: string; replicates: string }[];

describe.skipIf(skipReason !== undefined)(
  `Slurm executor on a private Slurm cluster${skipReason ? ` (skipped: ${skipReason})` : ""}`,
  () => {
    let tmp: string;
    let clusterDir: string;
    let configFile: string;
    let localOut: string;

    /** The smoke config, smaller (100 samples), with absolute model paths, as a file the CLI can read too. */
    async function writeConfig(name: string, overrides: Partial<RecoveryConfigInput>): Promise<string> {
      const smoke = JSON.parse(await read(SMOKE));
      const file = path.join(tmp, `${name}.json`);
      await writeFile(
        file,
        JSON.stringify({
          ...smoke,
          inference_model_path: path.join(REPO_ROOT, "stan", "h_m01.stan"),
          sim_model_path: path.join(REPO_ROOT, "stan", "h_m01_sim.stan"),
          n_mcmc_samples: 100,
          slurm: { poll_seconds: 1 },
          ...overrides,
        }),
      );
      return file;
    }

    beforeAll(async () => {
      await testCmdStan();
      // Tasks run the built CLI (dist/cli.js), as users' tasks do.
      await execa("make", ["-s", "build"], { cwd: REPO_ROOT });
      tmp = await mkdtemp(path.join(os.tmpdir(), "cr-slurm-"));
      clusterDir = path.join(tmp, "cluster");
      await startCluster(clusterDir);
      configFile = await writeConfig("smoke", {});
      localOut = path.join(tmp, "local");
    });

    afterAll(async () => {
      if (clusterDir) {
        await stopCluster(clusterDir);
        expect(await clusterProcesses(clusterDir)).toBe("");
      }
      if (tmp) await rm(tmp, { recursive: true, force: true });
    });

    it("runs the smoke study through Slurm with the same recovery_statistics.json as the local run", async () => {
      await runStudy(
        recoverKind,
        await loadStudyConfig(recoverKind, configFile, { output_dir: localOut, cores: 2 }),
        quietRun(),
      );
      const out = path.join(tmp, "slurm");
      const lines: string[] = [];
      const config = await loadStudyConfig(recoverKind, configFile, {
        output_dir: out,
        executor: "slurm",
        slurm: { batch_size: 2 },
      });
      const result = await runStudy(recoverKind, config, quietRun(lines));
      expect(result.nSuccessful).toBe(3);

      const stats = "recovery_summary/recovery_statistics.json";
      expect(await read(path.join(out, stats))).toBe(await read(path.join(localOut, stats)));
      for (const i of [1, 2, 3]) {
        const file = (root: string) => path.join(root, `iteration_${i}`, "posterior_summary.csv");
        expect(await read(file(out))).toBe(await read(file(localOut)));
      }
      // Batches of 2 written down in the script; 2 chains per fit -> 2 cores per task.
      const script = await read(path.join(out, "slurm", "array_1.sbatch"));
      expect(script).toContain("BATCHES=(\n  '1-2'  # array index 0\n  '3'  # array index 1\n)");
      expect(script).toMatch(/--cpus-per-task=2 /);
      const [job] = await jobsOf(out);
      expect(lines.join("\n")).toContain(`Slurm job ${job.job_id}`);
      expect(await read(path.join(out, "slurm", "logs", `${job.job_id}_0.log`))).toMatch(
        /\[worker\] iteration 1 ok.*\n.*\[worker\] done: 2 ok, 0 failed/s,
      );
      expect(JSON.parse(await read(path.join(out, "timing.json")))).toMatchObject({
        executor: "slurm",
        iterations_run: 3,
        loop_utilisation: null,
      });
      const recipe = JSON.parse(await read(path.join(out, "study_config.json")));
      expect(recipe).toMatchObject({ kind: "recover", config: { output_dir: out, n_mcmc_warmup: 50, seed: 12345 } });
    });

    it("runs an SBC study through Slurm with the same ranks and sbc_summary.json as the local run", async () => {
      // The SBC smoke config, smaller: 4 simulations of short single-chain fits.
      const smoke = JSON.parse(await read(path.join(REPO_ROOT, "configs", "h_m01_sbc_smoke_config.json")));
      const file = path.join(tmp, "sbc.json");
      await writeFile(
        file,
        JSON.stringify({
          ...smoke,
          sbc_model_path: path.join(REPO_ROOT, "stan", "h_m01_sbc.stan"),
          n_sbc_sims: 4,
          n_mcmc_samples: 90,
          iter_warmup: 60,
          slurm: { poll_seconds: 1 },
        }),
      );
      const local = path.join(tmp, "sbc-local");
      const out = path.join(tmp, "sbc-slurm");
      await runStudy(sbcKind, await loadStudyConfig(sbcKind, file, { output_dir: local, cores: 2 }), quietRun());
      const result = await runStudy(
        sbcKind,
        await loadStudyConfig(sbcKind, file, { output_dir: out, executor: "slurm", slurm: { batch_size: 2 } }),
        quietRun(),
      );
      expect(result.outputDir).toBe(out);
      for (const f of ["sbc_results/sbc_summary.json", "sbc_results/ranks.csv", "sbc_results/truths.csv"]) {
        expect([f, await read(path.join(out, f))]).toEqual([f, await read(path.join(local, f))]);
      }
      expect(JSON.parse(await read(path.join(out, "study_config.json")))).toMatchObject({
        kind: "sbc",
        config: { iter_warmup: 60, n_sbc_sims: 4 },
      });
      expect(await read(path.join(out, "slurm", "array_1.sbatch"))).toMatch(/--cpus-per-task=1 /);
    });

    it("stops, cancelling its array, when no node is large enough for a task, and says what a task asks for", async () => {
      const chains = os.availableParallelism() + 1;
      const out = path.join(tmp, "toolarge");
      const file = await writeConfig("toolarge", { n_iterations: 1, n_mcmc_chains: chains });
      const config = await loadStudyConfig(recoverKind, file, { output_dir: out, executor: "slurm" });
      // Slurm 22.05 keeps such a job pending (reason PartitionConfig) instead of refusing it.
      await expect(runStudy(recoverKind, config, quietRun())).rejects.toThrow(
        new RegExp(
          `cannot start: its tasks wait with reason PartitionConfig.*Each task asks for ${chains} cores on one node \\(one per chain: n_mcmc_chains\\).*The job is cancelled`,
        ),
      );
      const [job] = await jobsOf(out);
      const tasks = await arrayTaskStates(job.job_id);
      expect([...(tasks?.values() ?? [])].map((t) => t.state)).toEqual(["CANCELLED"]);
    });

    it("Ctrl-C cancels the array and keeps finished fits; the same command submits only the missing ones", async () => {
      const out = path.join(tmp, "interrupted");
      const args = [
        CLI,
        "recover",
        "--config",
        configFile,
        "--output",
        out,
        "--executor",
        "slurm",
        "--batch-size",
        "1",
        "--max-concurrent",
        "1",
      ];
      const child = execa("node", args, { reject: false, all: true });
      try {
        await waitFor("iteration 1's record", () => existsSync(recordOf(out, 1)));
        child.kill("SIGINT");
      } finally {
        if (child.exitCode === null) setTimeout(() => child.kill("SIGKILL"), 180_000).unref();
      }
      const first = await child;
      expect(first.exitCode).toBe(130);
      const [job] = await jobsOf(out);
      expect(first.all).toContain(`cancelled Slurm job ${job.job_id} (scancel); finished iterations are kept`);
      const kept = [1, 2, 3].filter((i) => existsSync(recordOf(out, i)));
      expect(first.all).toContain(`interrupted: ${kept.length} of 3 iterations are finished and kept`);
      expect(kept.length).toBeLessThan(3);
      const tasks = await arrayTaskStates(job.job_id);
      expect([...(tasks?.values() ?? [])].filter((t) => isActiveState(t.state))).toEqual([]);
      const keptRecords = await Promise.all(kept.map((i) => read(recordOf(out, i))));

      const second = await execa("node", args, { all: true });
      expect(second.all).toContain(`resuming: ${kept.length} finished iteration(s) kept, ${3 - kept.length} to run`);
      const jobs = await jobsOf(out);
      expect(jobs).toHaveLength(2);
      expect(jobs[1].replicates).toBe(formatReplicateList([1, 2, 3].filter((i) => !kept.includes(i))));
      expect(await Promise.all(kept.map((i) => read(recordOf(out, i))))).toEqual(keptRecords);
      const stats = "recovery_summary/recovery_statistics.json";
      expect(await read(path.join(out, stats))).toBe(await read(path.join(localOut, stats)));
    });

    it("while an array of a killed driver still runs, a local start on its folder is refused, naming the job", async () => {
      const out = path.join(tmp, "orphaned");
      const file = await writeConfig("orphaned", { n_iterations: 1, n_mcmc_chains: 1, n_mcmc_samples: 4000 });
      const driver = execa("node", [CLI, "recover", "--config", file, "--output", out, "--executor", "slurm"], {
        reject: false,
      });
      const jobId = await waitFor("the submission", async () =>
        existsSync(path.join(out, "slurm", "jobs.json")) ? (await jobsOf(out))[0].job_id : undefined,
      );
      await waitFor("the task to run", async () => (await arrayTaskStates(jobId))?.get(0)?.state === "RUNNING");
      driver.kill("SIGKILL"); // the driver dies; its lock stays behind and its array runs on
      await driver;
      try {
        const local = await loadStudyConfig(recoverKind, file, { output_dir: out, executor: "local" });
        await expect(runStudy(recoverKind, local, quietRun())).rejects.toThrow(
          new RegExp(`Slurm job ${jobId} of the study in .* still has 1 task\\(s\\) running: .*scancel ${jobId}`),
        );
        expect(existsSync(path.join(out, "iteration_1", "iteration.json"))).toBe(false);
      } finally {
        await scancel(jobId);
      }
    });

    it("a failing fit is reported and kept as failed, like a local run; --retry-failed resubmits exactly those", async () => {
      const dir = path.join(tmp, "picky");
      await mkdir(dir, { recursive: true });
      const model = path.join(dir, "h_m01_picky.stan");
      const src = await read(path.join(REPO_ROOT, "stan", "h_m01.stan"));
      // Rejects the data of every simulation whose first choice is not the first alternative.
      await writeFile(
        model,
        src.replace(/transformed data \{\n/, 'transformed data {\n  if (y[1] != 1) reject("picky: y[1] = ", y[1]);\n'),
      );
      const out = path.join(dir, "out");
      const file = await writeConfig("picky", { inference_model_path: model, n_iterations: 4, n_mcmc_chains: 1 });
      const lines: string[] = [];
      const opts = { output_dir: out, executor: "slurm" as const, slurm: { batch_size: 2 } };
      const result = await runStudy(recoverKind, await loadStudyConfig(recoverKind, file, opts), quietRun(lines));

      const failed = result.failures.map((f) => f.iteration);
      const ok = [1, 2, 3, 4].filter((i) => !failed.includes(i));
      // Seed 12345 gives both kinds; without them the test would prove nothing.
      expect(failed.length).toBeGreaterThan(0);
      expect(ok.length).toBeGreaterThan(0);
      for (const i of failed) {
        expect(JSON.parse(await read(recordOf(out, i))).status).toBe("failed");
        expect(await read(path.join(out, `iteration_${i}`, "error.txt"))).toMatch(
          new RegExp(`iteration ${i} failed:.*picky: y\\[1\\] = `, "s"),
        );
        expect(lines.join("\n")).toContain(`iteration ${i} failed; see`);
      }
      const okRecords = await Promise.all(ok.map((i) => read(recordOf(out, i))));

      // A plain rerun keeps them as failed (nothing to submit); --retry-failed redoes exactly them.
      await runStudy(recoverKind, await loadStudyConfig(recoverKind, file, opts), quietRun());
      expect(await jobsOf(out)).toHaveLength(1);
      await runStudy(recoverKind, await loadStudyConfig(recoverKind, file, opts), { ...quietRun(), retryFailed: true });
      const jobs = await jobsOf(out);
      expect(jobs).toHaveLength(2);
      expect(jobs[1].replicates).toBe(formatReplicateList(failed));
      expect(await Promise.all(ok.map((i) => read(recordOf(out, i))))).toEqual(okRecords);
      for (const i of failed) expect(await read(path.join(out, `iteration_${i}`, "error.txt"))).toMatch(/picky/);
    });

    it("a cancelled task and a task killed by its time limit: finished fits kept, the rest reported CANCELLED / TIMEOUT and redone on resume", async () => {
      const out = path.join(tmp, "limits");
      const file = await writeConfig("limits", { n_mcmc_chains: 1, n_mcmc_samples: 200 });
      // Task 0 must outlast a 1-minute limit (Slurm enforces it 60-90 s in) on this machine, fast or
      // busy: it gets about 200 s of fits, sized from the fastest of 4 timed here first (one core
      // each), so that fits timed while the machine was busier cannot leave it too few.
      const calibration = path.join(tmp, "limits-calibration");
      await runStudy(
        recoverKind,
        await loadStudyConfig(recoverKind, file, { output_dir: calibration, n_iterations: 4, cores: 2 }),
        quietRun(),
      );
      const fitSeconds = await Promise.all(
        [1, 2, 3, 4].map(async (i) => JSON.parse(await read(recordOf(calibration, i))).seconds as number),
      );
      const batch = Math.min(150, Math.max(4, Math.ceil(200 / Math.min(...fitSeconds))));
      const count = batch + 1; // task 1 runs the last iteration alone
      const lines: string[] = [];
      const opts = { output_dir: out, n_iterations: count, executor: "slurm" as const };
      const run = runStudy(
        recoverKind,
        await loadStudyConfig(recoverKind, file, { ...opts, slurm: { batch_size: batch, time: "1" } }),
        quietRun(lines),
      );
      run.catch(() => {}); // awaited below

      const jobId = await waitFor("the submission", async () =>
        existsSync(path.join(out, "slurm", "jobs.json")) ? (await jobsOf(out))[0].job_id : undefined,
      );
      await waitFor(
        "task 1 to be fitting",
        async () =>
          (await arrayTaskStates(jobId))?.get(1)?.state === "RUNNING" &&
          existsSync(path.join(out, `iteration_${count}`, "fit")),
      );
      await scancel(`${jobId}_1`);

      // While the driver runs, a second start on the folder is refused by the folder's lock.
      const again = runStudy(recoverKind, await loadStudyConfig(recoverKind, file, opts), quietRun());
      await expect(again).rejects.toThrow(
        new RegExp(`${out} is in use by cmdstan-recover recover \\(process ${process.pid} `),
      );

      const result = await run;
      const unfinished = result.failures.map((f) => f.iteration);
      const finished = Array.from({ length: count }, (_, k) => k + 1).filter((i) => !unfinished.includes(i));
      expect(unfinished).toContain(count);
      expect(unfinished.length).toBeGreaterThan(1);
      expect(result.nSuccessful).toBe(finished.length);
      const log = lines.join("\n");
      expect(log).toContain(`Slurm task ${jobId}_1 ended CANCELLED: iteration(s) ${count} not finished`);
      expect(log).toMatch(new RegExp(`Slurm task ${jobId}_0 ended TIMEOUT: iteration\\(s\\) [\\d,-]+ not finished`));
      expect(log).toMatch(
        /\d+ iteration\(s\) not finished on Slurm \(.*TIMEOUT \d+.*\); run the same command again to redo them \(raise --time/,
      );
      const cancelled = await read(path.join(out, `iteration_${count}`, "error.txt"));
      expect(cancelled).toMatch(
        new RegExp(
          `^iteration ${count} was not finished: Slurm array task ${jobId}_1 \\(iterations ${count}\\) ended CANCELLED`,
        ),
      );
      expect(cancelled).toMatch(/CANCELLED AT/); // the task log's tail
      for (const i of unfinished.filter((k) => k !== count)) {
        const error = await read(path.join(out, `iteration_${i}`, "error.txt"));
        expect(error).toMatch(
          new RegExp(
            `Slurm array task ${jobId}_0 \\(iterations 1-${batch}\\) ended TIMEOUT \\(reason TimeLimit, .*limit 00:01:00\\)`,
          ),
        );
        expect(error).toMatch(/DUE TO TIME LIMIT/);
        expect(existsSync(recordOf(out, i))).toBe(false);
      }
      expect(await read(path.join(out, "recovery_summary", "report.md"))).toMatch(/TIMEOUT/);
      const finishedRecords = await Promise.all(finished.map((i) => read(recordOf(out, i))));

      // Resume: only the unfinished ones are submitted, and redone.
      const resumed = await runStudy(
        recoverKind,
        await loadStudyConfig(recoverKind, file, { ...opts, slurm: { batch_size: 10 } }),
        quietRun(),
      );
      expect(resumed.nSuccessful).toBe(count);
      expect(resumed.resumed).toBe(finished.length);
      const jobs = await jobsOf(out);
      expect(jobs).toHaveLength(2);
      expect(jobs[1].replicates).toBe(formatReplicateList(unfinished));
      expect(await Promise.all(finished.map((i) => read(recordOf(out, i))))).toEqual(finishedRecords);
    });
  },
);
