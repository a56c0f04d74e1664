/**
 * A study's output folder belongs to one configuration: `study_manifest.json` records the
 * fingerprint of everything that decides the results, and a start with another fingerprint is
 * refused (resuming would mix results of two studies).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { InputError } from "../cmdstan/errors.js";
import { sha256, writeJsonAtomic } from "./files.js";

export const MANIFEST_FILE = "study_manifest.json";

/**
 * Claim `outputDir` for a study with this fingerprint (a new folder, or one made with the same
 * fingerprint). `firstReplicateDir` is a folder whose presence without a manifest means results
 * of unknown origin. Returns the fingerprint's hash, which every replicate record carries.
 */
export async function claimStudyFolder(outputDir: string, fingerprint: Record<string, unknown>, firstReplicateDir: string): Promise<string> {
  const fp = sha256(JSON.stringify(fingerprint));
  const manifest = path.join(outputDir, MANIFEST_FILE);
  if (existsSync(manifest)) {
    const previous = JSON.parse(await readFile(manifest, "utf8")) as { fingerprint: Record<string, unknown> };
    const before = previous.fingerprint ?? {};
    const differing = Object.keys({ ...before, ...fingerprint }).filter(
      (k) => JSON.stringify(before[k]) !== JSON.stringify(fingerprint[k]),
    );
    if (differing.length) {
      throw new InputError(
        `${outputDir} holds a study made with another configuration (differs in: ${differing.join(", ")}). ` +
          `Resuming would mix results. Use another output_dir (or --output DIR), or delete that folder to start over.`,
      );
    }
  } else if (existsSync(firstReplicateDir)) {
    throw new InputError(`${outputDir} holds ${path.basename(firstReplicateDir)} but no ${MANIFEST_FILE}; refusing to mix results. Use another output_dir.`);
  } else {
    await writeJsonAtomic(manifest, { tool: "cmdstan-recover", created: new Date().toISOString(), fingerprint });
  }
  return fp;
}
