/**
 * The study folder's claim: the manifest (written once, compared on resume, a damaged one named)
 * and the lock (a second run refuses naming the holder; a crashed run's lock is taken over).
 */
import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { claimStudyFolder, LOCK_FILE, MANIFEST_FILE, readManifestFingerprint } from "../../src/pipeline/studyFolder.js";

let dir: string;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const run = { command: "cmdstan-recover test", log: () => {} };
const claim = (fp: Record<string, unknown>) => claimStudyFolder(dir, fp, path.join(dir, "iteration_1"), run);

describe("study folder manifest", () => {
  it("is written on the first claim, accepted with the same fingerprint, refused with another naming the key", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-folder-"));
    const first = await claim({ seed: 1, model: "a" });
    await first.release();
    const again = await claim({ seed: 1, model: "a" });
    expect(again.fingerprintHash).toBe(first.fingerprintHash);
    await again.release();
    expect(await readManifestFingerprint(dir)).toEqual({ seed: 1, model: "a" });
    await expect(claim({ seed: 2, model: "a" })).rejects.toThrow(/differs in: seed\)/);
  });

  it("a damaged manifest is refused with its file named", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-folder-"));
    const file = path.join(dir, MANIFEST_FILE);
    await writeFile(file, '{"fingerprint": {"seed": 1');
    await expect(claim({ seed: 1 })).rejects.toThrow(`${file}: not valid JSON`);
    await writeFile(file, '{"tool": "cmdstan-recover"}');
    await expect(readManifestFingerprint(dir)).rejects.toThrow(`${file}: fingerprint: is required`);
  });
});

describe("study folder lock", () => {
  it("refuses a second run while the first holds the folder, naming the holder; free again once released", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-lock-"));
    const first = await claim({ seed: 1 });
    const err = (await claim({ seed: 1 }).catch((e: unknown) => e)) as Error;
    expect(err.message).toContain(
      `${dir} is in use by cmdstan-recover test (process ${process.pid} on ${os.hostname()}`,
    );
    await first.release();
    const second = await claim({ seed: 1 });
    await second.release();
  });

  it("takes over the lock of a run that is gone (its process ended)", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-lock-"));
    // A pid that has just exited: the lock a crashed run leaves behind.
    const gone = spawnSync(process.execPath, ["-e", "process.exit(0)"]).pid;
    const holder = { pid: gone, host: os.hostname(), started: "then", command: "crashed run", process_start: "1" };
    await writeFile(path.join(dir, LOCK_FILE), JSON.stringify(holder));
    const c = await claim({ seed: 1 });
    expect(JSON.parse(await readFile(path.join(dir, LOCK_FILE), "utf8")).pid).toBe(process.pid);
    await c.release();
  });

  it("takes over a lock on another machine whose heartbeat stopped, and refuses one that is fresh", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-lock-"));
    const lock = path.join(dir, LOCK_FILE);
    const holder = { pid: 1, host: "login-node-7", started: "then", command: "a run elsewhere", process_start: null };
    await writeFile(lock, JSON.stringify(holder));
    await expect(claim({ seed: 1 })).rejects.toThrow(/in use by a run elsewhere \(process 1 on login-node-7/);
    const hourAgo = new Date(Date.now() - 3600_000);
    await utimes(lock, hourAgo, hourAgo);
    const c = await claim({ seed: 1 });
    await c.release();
  });

  it("a refused claim leaves the holder's lock in place", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-lock-"));
    const first = await claim({ seed: 1 });
    const before = await readFile(path.join(dir, LOCK_FILE), "utf8");
    await expect(claim({ seed: 2 })).rejects.toThrow(/in use by/);
    expect(await readFile(path.join(dir, LOCK_FILE), "utf8")).toBe(before);
    await first.release();
  });
});
