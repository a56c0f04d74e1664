/** The study folder's manifest: claimed once, compared on resume, and a damaged one named. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { claimStudyFolder, MANIFEST_FILE, readManifestFingerprint } from "../../src/pipeline/studyFolder.js";

let dir: string;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("study folder manifest", () => {
  it("is written on the first claim, accepted with the same fingerprint, refused with another naming the key", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-folder-"));
    const hash = await claimStudyFolder(dir, { seed: 1, model: "a" }, path.join(dir, "iteration_1"));
    expect(await claimStudyFolder(dir, { seed: 1, model: "a" }, path.join(dir, "iteration_1"))).toBe(hash);
    expect(await readManifestFingerprint(dir)).toEqual({ seed: 1, model: "a" });
    await expect(claimStudyFolder(dir, { seed: 2, model: "a" }, path.join(dir, "iteration_1"))).rejects.toThrow(
      /differs in: seed\)/,
    );
  });

  it("a damaged manifest is refused with its file named", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-folder-"));
    const file = path.join(dir, MANIFEST_FILE);
    await writeFile(file, '{"fingerprint": {"seed": 1');
    await expect(claimStudyFolder(dir, { seed: 1 }, path.join(dir, "iteration_1"))).rejects.toThrow(
      `${file}: not valid JSON`,
    );
    await writeFile(file, '{"tool": "cmdstan-recover"}');
    await expect(readManifestFingerprint(dir)).rejects.toThrow(`${file}: not a study manifest`);
  });
});
