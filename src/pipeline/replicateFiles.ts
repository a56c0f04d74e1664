/**
 * What running one replicate shares across study kinds: a fresh folder (whatever an unfinished
 * attempt left is stale), files written atomically and registered with their checksums, step
 * times, the completion record written last (records.ts), a failure kept as `error.txt` with a
 * "failed" record, and the chain progress hooks for the study's progress line.
 */
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import type { ChainProgress } from "../cmdstan/run.js";
import { writeFileAtomic, writeJsonAtomic } from "../util/atomicWrite.js";
import { sha256, type ReplicateRecord } from "./records.js";
import type { ReplicateEnv } from "./replicates.js";

export class ReplicateFiles {
  private readonly files: Record<string, string> = {};
  private readonly timing: Record<string, number> = {};
  private readonly started = Date.now();
  private mark = Date.now();

  private constructor(
    readonly dir: string,
    private readonly index: number,
    private readonly seeds: Record<string, number>,
    private readonly env: Pick<ReplicateEnv, "fingerprint">,
    private readonly recordName: string,
  ) {}

  /** Start replicate `index` in `dir`, removing what an earlier, unfinished attempt left there. */
  static async fresh(
    dir: string,
    index: number,
    seeds: Record<string, number>,
    env: Pick<ReplicateEnv, "fingerprint">,
    recordName: string,
  ): Promise<ReplicateFiles> {
    await rm(dir, { recursive: true, force: true });
    return new ReplicateFiles(dir, index, seeds, env, recordName);
  }

  /** Write a file of the replicate (atomically) and list it, with its checksum, in the record. */
  async put(name: string, content: string): Promise<void> {
    await writeFileAtomic(path.join(this.dir, name), content);
    this.files[name] = sha256(content);
  }

  /**
   * List a file another program wrote into the replicate's folder (a kept chain CSV) with its
   * checksum, so a resume notices when it is deleted or cut short. `file` is absolute or relative
   * to the folder.
   */
  async vouchFor(file: string): Promise<void> {
    const abs = path.resolve(this.dir, file);
    this.files[path.relative(this.dir, abs).split(path.sep).join("/")] = sha256(await readFile(abs));
  }

  /** Record the wall time since the previous lap (or the start) as `step`. */
  lap(step: string): void {
    const now = Date.now();
    this.timing[step] = (now - this.mark) / 1000;
    this.mark = now;
  }

  /** Record a step timed by the caller (steps that overlap). */
  time(step: string, seconds: number): void {
    this.timing[step] = seconds;
  }

  /** The completion record, written last: it lists every file's checksum (see records.ts). */
  async finish(status: ReplicateRecord["status"]): Promise<ReplicateRecord> {
    const record: ReplicateRecord = {
      index: this.index,
      status,
      files: this.files,
      seeds: this.seeds,
      seconds: (Date.now() - this.started) / 1000,
      fingerprint: this.env.fingerprint,
      ...(status === "ok" ? { timing: this.timing } : {}),
    };
    await writeJsonAtomic(path.join(this.dir, this.recordName), record);
    return record;
  }

  /** A failed replicate: the reason in error.txt ("<what> failed: ..."), and a "failed" record. */
  async fail(what: string, err: unknown): Promise<ReplicateRecord> {
    await this.put("error.txt", `${what} failed: ${(err as Error)?.message ?? String(err)}\n`);
    return this.finish("failed");
  }
}

/** The sample() hooks that feed replicate i's chains into the study's progress line. */
export function chainHooks(env: ReplicateEnv, i: number) {
  return {
    onProgress: (p: ChainProgress) => env.onChainProgress?.(i, p),
    onChainState: (_chain: number, s: "started" | "finished") => env.onChainState?.(s === "started" ? 1 : -1),
  };
}
