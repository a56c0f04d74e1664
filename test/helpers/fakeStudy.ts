/**
 * A fake study and a fake executor for the replicate loop's tests (test/pipeline/): replicate i
 * writes value.txt = "value i" in seconds, without CmdStan.
 */
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";
import { CoreScheduler } from "../../src/cmdstan/scheduler.js";
import { ReplicateFiles } from "../../src/pipeline/replicateFiles.js";
import type { ExecutorHooks, ReplicateExecutor, ReplicateStudy } from "../../src/pipeline/replicates.js";

export interface FakeSummary {
  ok: number[];
  failed: number[];
  values: Record<number, string>;
}

/** A study whose replicate i writes value.txt = "value i"; `fails` always fail. */
export function fakeStudy(
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
export class FakeExecutor implements ReplicateExecutor {
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

export const quiet = {
  log: () => {},
  progressStream: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream,
};
