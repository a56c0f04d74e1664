/**
 * The Slurm executor's pure parts: batching, replicate lists, batch sizes, time limits, the
 * options' checks (config keys and command-line options), the task script and sbatch's
 * arguments. The executor itself runs against a real cluster in slurm.test.ts.
 */
import { describe, expect, it } from "vitest";
import { executorOverrides } from "../../src/cli/executorOptions.js";
import {
  batchReplicates,
  chooseBatchSize,
  formatReplicateList,
  parseReplicateList,
} from "../../src/pipeline/executors/batches.js";
import { slurmOptionsSchema, slurmTimeMinutes } from "../../src/pipeline/executors/slurmOptions.js";
import { renderTaskScript, sbatchArguments } from "../../src/pipeline/executors/slurmSubmit.js";
import type { ReplicateStudy } from "../../src/pipeline/replicates.js";
import { inputErrorMessage } from "../helpers/errors.js";

describe("batches", () => {
  it("cuts the replicates still to do into consecutive runs, in index order", () => {
    expect(batchReplicates([7, 1, 2, 3, 9], 2)).toEqual([[1, 2], [3, 7], [9]]);
    expect(batchReplicates([4], 10)).toEqual([[4]]);
    expect(() => batchReplicates([1], 0)).toThrow(/positive integer/);
  });

  it("writes and reads replicate lists like 1-3,7", () => {
    expect(formatReplicateList([3, 1, 2, 7, 9, 10])).toBe("1-3,7,9-10");
    expect(parseReplicateList("1-3,7,9-10")).toEqual([1, 2, 3, 7, 9, 10]);
    for (const bad of ["", "0", "3-1", "a", "1,,2", "-2"]) expect(parseReplicateList(bad)).toBeUndefined();
  });

  it("sizes batches: the user's choice; else about 10 minutes of measured replicates; else at most 100 tasks", () => {
    expect(chooseBatchSize({ todo: 50, requested: 3, measuredSeconds: [1] })).toBe(3);
    expect(chooseBatchSize({ todo: 20, measuredSeconds: [] })).toBe(1);
    expect(chooseBatchSize({ todo: 1000, measuredSeconds: [] })).toBe(10);
    expect(chooseBatchSize({ todo: 500, measuredSeconds: [60, 50, 70] })).toBe(10);
    // At most half the time limit: 10 min limit -> 5 min of 60 s replicates.
    expect(chooseBatchSize({ todo: 500, measuredSeconds: [60], timeLimitMinutes: 10 })).toBe(5);
    expect(chooseBatchSize({ todo: 4, measuredSeconds: [1] })).toBe(4);
    expect(chooseBatchSize({ todo: 10, measuredSeconds: [3600] })).toBe(1);
  });
});

describe("Slurm options", () => {
  it("reads every time-limit format sbatch takes", () => {
    expect(slurmTimeMinutes("30")).toBe(30);
    expect(slurmTimeMinutes("5:30")).toBe(6);
    expect(slurmTimeMinutes("2:00:00")).toBe(120);
    expect(slurmTimeMinutes("1-12")).toBe(2160);
    expect(slurmTimeMinutes("1-0:30")).toBe(1470);
    expect(slurmTimeMinutes("1-0:0:1")).toBe(1441);
    for (const bad of ["", "1h", "1:2:3:4", "-5", "1-"]) expect(slurmTimeMinutes(bad)).toBeUndefined();
  });

  it("refuses bad config values, naming the key and what is expected", () => {
    const issues = (raw: unknown) => {
      const r = slurmOptionsSchema.safeParse(raw);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    };
    expect(issues({ time: "2h" })).toEqual([expect.stringMatching(/^time: must be a Slurm time limit/)]);
    expect(issues({ mem_per_cpu: "lots" })).toEqual([
      expect.stringMatching(/^mem_per_cpu: must be a memory size such as 2G/),
    ]);
    expect(issues({ max_concurrent: 0 })).toEqual(["max_concurrent: must be a positive integer"]);
    expect(issues({ partition: "a b" })).toEqual(["partition: must be a partition name without spaces"]);
    expect(issues({ sbatch_args: ["--qos=short", "--array=0-3", "-c4"] })).toEqual([
      "sbatch_args: --array=0-3: --array is set by the Slurm executor (use batch_size / max_concurrent / the output folder instead)",
      "sbatch_args: -c4: --cpus-per-task is set by the Slurm executor (use batch_size / max_concurrent / the output folder instead)",
    ]);
    expect(issues({ queue: "x" })).toEqual([expect.stringMatching(/Unrecognized key.*queue/)]);
    expect(slurmOptionsSchema.parse({ mem_per_cpu: 2048 })).toMatchObject({
      mem_per_cpu: "2048",
      sbatch_args: [],
      poll_seconds: 10,
    });
  });

  it("turns command-line options into config overrides, naming the option at fault", () => {
    expect(executorOverrides({ executor: "slurm", time: "30", maxConcurrent: 4, sbatchArg: ["--qos=short"] })).toEqual({
      executor: "slurm",
      slurm: { time: "30", max_concurrent: 4, sbatch_args: ["--qos=short"] },
    });
    expect(executorOverrides({})).toEqual({ executor: undefined, slurm: undefined });
    expect(inputErrorMessage(() => executorOverrides({ executor: "slurm", time: "soon" }))).toMatch(
      /^--time: must be a Slurm time limit/,
    );
    expect(inputErrorMessage(() => executorOverrides({ executor: "slurm", batchSize: 1.5 }))).toBe(
      "--batch-size: must be a positive integer",
    );
    expect(inputErrorMessage(() => executorOverrides({ executor: "local", partition: "short" }))).toBe(
      "--partition: Slurm option(s) given with --executor local",
    );
  });
});

describe("the array task script", () => {
  const study = { outputDir: "/data/it's here", unit: "iteration" } as ReplicateStudy<unknown>;

  it("writes down which replicates each array index runs, and runs the tool's worker on the task's cores", () => {
    const script = renderTaskScript({
      study,
      batches: [[1, 2, 3], [5]],
      cpusPerTask: 4,
      worker: ["/usr/bin/node", "/opt/tool/dist/cli.js"],
      sbatchArgs: ["--array=0-1"],
    });
    expect(script).toContain("BATCHES=(\n  '1-3'  # array index 0\n  '5'  # array index 1\n)");
    expect(script).toContain(
      `exec '/usr/bin/node' '/opt/tool/dist/cli.js' worker --study-dir '/data/it'\\''s here' --replicates "\${BATCHES[$SLURM_ARRAY_TASK_ID]}" --cores 4`,
    );
  });

  it("gives sbatch the array, its throttle, one node and the chains' cores per task, then the user's settings", () => {
    const options = slurmOptionsSchema.parse({
      partition: "short",
      account: "lab",
      time: "30",
      mem_per_cpu: "2G",
      max_concurrent: 3,
      sbatch_args: ["--qos=high"],
    });
    expect(
      sbatchArguments({
        tasks: 5,
        cpusPerTask: 4,
        logPattern: "/s/slurm/logs/%A_%a.log",
        chdir: "/s",
        jobName: "recover:s",
        options,
      }),
    ).toEqual([
      "--job-name=recover:s",
      "--array=0-4%3",
      "--nodes=1",
      "--ntasks=1",
      "--cpus-per-task=4",
      "--output=/s/slurm/logs/%A_%a.log",
      "--chdir=/s",
      "--partition=short",
      "--account=lab",
      "--time=30",
      "--mem-per-cpu=2G",
      "--qos=high",
    ]);
  });
});
