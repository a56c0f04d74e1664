/**
 * The replicate loop (src/pipeline/replicates.ts) with a fake study and a fake executor, in
 * seconds: what runs on a fresh start and on resume, --retry-failed, a replicate that fails every
 * time, a record altered on disk, an interrupt, replicates an executor leaves unfinished, and two
 * runs on one folder. The real-CmdStan tests (test/studies/) cover the same paths end to end.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CoreScheduler } from "../../src/cmdstan/scheduler.js";
import type { ReplicateRecord } from "../../src/pipeline/records.js";
import { ReplicateFiles } from "../../src/pipeline/replicateFiles.js";
import {
  InterruptedError,
  runReplicates,
  type ExecutorHooks,
  type ReplicateExecutor,
  type ReplicateStudy,
} from "../../src/pipeline/replicates.js";

interface FakeSummary {
  ok: number[];
  failed: number[];
  values: Record<number, string>;
}

/** A study whose replicate i writes value.txt = "value i"; `fails` always fail. */
function fakeStudy(
  dir: string,
  opts: { count?: number; fails?: number[]; seed?: number } = {},
): ReplicateStudy<FakeSummary> {
  const replicateDir = (i: number) => path.join(dir, `rep_${i}`);
  return {
    command: "fake",
    unit: "replicate",
    outputDir: dir,
    count: opts.count ?? 5,
    chainsPerReplicate: 1,
    workPerReplicate: 1,
    cores: 1,
    fingerprint: { seed: opts.seed ?? 1 },
    replicateDir,
    recordName: "record.json",
    writeSetup: async () => writeFile(path.join(dir, "setup.txt"), "setup\n"),
    runReplicate: async (i, env) => {
      const out = await ReplicateFiles.fresh(replicateDir(i), i, { fit: i }, env, "record.json");
      if (opts.fails?.includes(i)) return out.fail(`replicate ${i}`, new Error("it always fails"));
      await out.put("value.txt", `value ${i}`);
      return out.finish("ok");
    },
    summarize: async (records) => {
      const ok = [...records].filter(([, r]) => r.status === "ok").map(([i]) => i);
      const values: Record<number, string> = {};
      for (const i of ok) values[i] = await readFile(path.join(replicateDir(i), "value.txt"), "utf8");
      const failed = [...records].filter(([, r]) => r.status === "failed").map(([i]) => i);
      return { ok: ok.sort((a, b) => a - b), failed: failed.sort((a, b) => a - b), values };
    },
    recipe: { kind: "fake", config: {} },
  };
}

/** Runs replicates one by one in this process; remembers what it was asked to run. */
class FakeExecutor implements ReplicateExecutor {
  name = "fake";
  asked: number[][] = [];
  constructor(private readonly opts: { skip?: number[]; abortAfter?: number; controller?: AbortController } = {}) {}
  async run(study: ReplicateStudy<unknown>, todo: number[], hooks: ExecutorHooks): Promise<void> {
    this.asked.push([...todo]);
    const env = { fingerprint: hooks.fingerprint, scheduler: new CoreScheduler(1), signal: hooks.signal };
    let done = 0;
    for (const i of todo) {
      if (hooks.signal.aborted) return;
      if (this.opts.skip?.includes(i)) continue; // e.g. a cluster task that ended before it
      hooks.onRecord(i, await study.runReplicate(i, env));
      if (++done === this.opts.abortAfter) this.opts.controller?.abort(new Error("interrupted by the test"));
    }
  }
}

const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream };

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "cr-loop-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("the replicate loop", () => {
  it("runs every replicate of a fresh study, writes the setup, timing.json and the summary", async () => {
    const executor = new FakeExecutor();
    const r = await runReplicates(async () => fakeStudy(dir), { ...quiet, executor });
    expect(executor.asked).toEqual([[1, 2, 3, 4, 5]]);
    expect(r.summary.ok).toEqual([1, 2, 3, 4, 5]);
    expect(r.failed).toEqual([]);
    expect(r.missing).toEqual([]);
    expect(r.resumed).toBe(0);
    expect(await readFile(path.join(dir, "setup.txt"), "utf8")).toBe("setup\n");
    const timing = JSON.parse(await readFile(path.join(dir, "timing.json"), "utf8"));
    expect(timing).toMatchObject({ executor: "fake", replicates_run: 5, replicates_kept: 0 });
    expect(existsSync(path.join(dir, "study.lock"))).toBe(false);
  });

  it("copies the study's notes into timing.json as they are, after the timing keys, never over one", async () => {
    const notes = { truths: { original_truths: false, sentence: "other truths" }, executor: "not this one" };
    await runReplicates(async () => ({ ...fakeStudy(dir), notes }), { ...quiet, executor: new FakeExecutor() });
    const timing = JSON.parse(await readFile(path.join(dir, "timing.json"), "utf8"));
    expect(timing.truths).toEqual(notes.truths);
    expect(timing.executor).toBe("fake");
    expect(Object.keys(timing).at(-1)).toBe("truths");
  });

  it("resumes: finished replicates are kept (verified by content), nothing is run again", async () => {
    await runReplicates(async () => fakeStudy(dir), { ...quiet, executor: new FakeExecutor() });
    const record1 = await readFile(path.join(dir, "rep_1", "record.json"), "utf8");
    const executor = new FakeExecutor();
    const r = await runReplicates(async () => fakeStudy(dir), { ...quiet, executor });
    expect(executor.asked).toEqual([[]]);
    expect(r.resumed).toBe(5);
    expect(r.summary.ok).toEqual([1, 2, 3, 4, 5]);
    expect(await readFile(path.join(dir, "rep_1", "record.json"), "utf8")).toBe(record1);
  });

  it("redoes a replicate whose file was altered on disk, and one whose record was deleted", async () => {
    await runReplicates(async () => fakeStudy(dir), { ...quiet, executor: new FakeExecutor() });
    await writeFile(path.join(dir, "rep_2", "value.txt"), "tampered");
    await rm(path.join(dir, "rep_4", "record.json"));
    const executor = new FakeExecutor();
    const r = await runReplicates(async () => fakeStudy(dir), { ...quiet, executor });
    expect(executor.asked).toEqual([[2, 4]]);
    expect(r.summary.values[2]).toBe("value 2");
  });

  it("a replicate that fails every time: kept as failed, not redone, redone with retryFailed", async () => {
    const first = await runReplicates(async () => fakeStudy(dir, { fails: [3] }), {
      ...quiet,
      executor: new FakeExecutor(),
    });
    expect(first.failed).toEqual([3]);
    expect(first.summary.failed).toEqual([3]);
    expect(await readFile(path.join(dir, "rep_3", "error.txt"), "utf8")).toBe("replicate 3 failed: it always fails\n");

    const keep = new FakeExecutor();
    const again = await runReplicates(async () => fakeStudy(dir, { fails: [3] }), { ...quiet, executor: keep });
    expect(keep.asked).toEqual([[]]);
    expect(again.failed).toEqual([3]);

    const retry = new FakeExecutor();
    const retried = await runReplicates(async () => fakeStudy(dir, { fails: [3] }), {
      ...quiet,
      executor: retry,
      retryFailed: true,
    });
    expect(retry.asked).toEqual([[3]]);
    expect(retried.failed).toEqual([3]);
  });

  it("refuses a study whose every replicate failed, with the first reason", async () => {
    const all = fakeStudy(dir, { count: 2, fails: [1, 2] });
    await expect(runReplicates(async () => all, { ...quiet, executor: new FakeExecutor() })).rejects.toThrow(
      /every replicate failed \(2 of 2\).*replicate 1 failed: it always fails/s,
    );
  });

  it("an interrupt keeps what finished and throws InterruptedError; the next start runs the rest", async () => {
    const controller = new AbortController();
    const executor = new FakeExecutor({ abortAfter: 2, controller });
    const err = await runReplicates(async () => fakeStudy(dir), {
      ...quiet,
      executor,
      signal: controller.signal,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InterruptedError);
    expect((err as Error).message).toMatch(/interrupted: 2 of 5 replicates are finished and kept/);
    expect(existsSync(path.join(dir, "study.lock"))).toBe(false);
    const resume = new FakeExecutor();
    const r = await runReplicates(async () => fakeStudy(dir), { ...quiet, executor: resume });
    expect(resume.asked).toEqual([[3, 4, 5]]);
    expect(r.resumed).toBe(2);
  });

  it("reports replicates an executor left without a record as missing", async () => {
    const r = await runReplicates(async () => fakeStudy(dir), {
      ...quiet,
      executor: new FakeExecutor({ skip: [2, 5] }),
    });
    expect(r.missing).toEqual([2, 5]);
    expect(r.summary.ok).toEqual([1, 3, 4]);
  });

  it("refuses another study's fingerprint in the same folder", async () => {
    await runReplicates(async () => fakeStudy(dir), { ...quiet, executor: new FakeExecutor() });
    await expect(
      runReplicates(async () => fakeStudy(dir, { seed: 2 }), { ...quiet, executor: new FakeExecutor() }),
    ).rejects.toThrow(/another configuration \(differs in: seed\)/);
  });

  it("two runs on one folder: the second refuses, naming the holder, and the first finishes intact", async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const slow: ReplicateExecutor = {
      name: "fake",
      async run(study, todo, hooks) {
        await gate; // the second run starts while the first holds the folder
        await new FakeExecutor().run(study, todo, hooks);
      },
    };
    const first = runReplicates(async () => fakeStudy(dir), { ...quiet, executor: slow });
    while (!existsSync(path.join(dir, "study.lock"))) await new Promise((r) => setTimeout(r, 5));
    const second = new FakeExecutor();
    await expect(runReplicates(async () => fakeStudy(dir), { ...quiet, executor: second })).rejects.toThrow(
      new RegExp(`in use by cmdstan-recover fake \\(process ${process.pid} on `),
    );
    expect(second.asked).toEqual([]);
    release();
    const r = await first;
    expect(r.summary.ok).toEqual([1, 2, 3, 4, 5]);
    for (let i = 1; i <= 5; i++) {
      const record: ReplicateRecord = JSON.parse(await readFile(path.join(dir, `rep_${i}`, "record.json"), "utf8"));
      expect(record.status).toBe("ok");
    }
  });
});
