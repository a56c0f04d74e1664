/**
 * A study's output folder belongs to one configuration: `study_manifest.json` records the
 * fingerprint of everything that decides the results, and a start with another fingerprint is
 * refused (resuming would mix results of two studies).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { InputError } from "../util/errors.js";
import { parseJsonOf } from "../util/jsonText.js";
import { sha256, writeJsonAtomic } from "./files.js";

export const MANIFEST_FILE = "study_manifest.json";

const manifestSchema = z.object({ fingerprint: z.record(z.unknown()) }).passthrough();

/** The fingerprint a study folder was made with (its manifest). */
export async function readManifestFingerprint(outputDir: string): Promise<Record<string, unknown>> {
  const file = path.join(outputDir, MANIFEST_FILE);
  const text = await readFile(file, "utf8").catch(() => {
    throw new InputError(`${file} not found: ${outputDir} is not a study folder`);
  });
  const r = manifestSchema.safeParse(parseJsonOf(file, text));
  if (!r.success) throw new InputError(`${file}: not a study manifest (no fingerprint object)`);
  return r.data.fingerprint;
}

/** The hash every record of a study with this fingerprint carries. */
export function fingerprintHash(fingerprint: Record<string, unknown>): string {
  return sha256(JSON.stringify(fingerprint));
}

/** The keys in which two fingerprints differ. */
export function differingKeys(before: Record<string, unknown>, now: Record<string, unknown>): string[] {
  return Object.keys({ ...before, ...now }).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(now[k]));
}

/**
 * Claim `outputDir` for a study with this fingerprint (a new folder, or one made with the same
 * fingerprint). `firstReplicateDir` is a folder whose presence without a manifest means results
 * of unknown origin. Returns the fingerprint's hash, which every replicate record carries.
 */
export async function claimStudyFolder(
  outputDir: string,
  fingerprint: Record<string, unknown>,
  firstReplicateDir: string,
): Promise<string> {
  const fp = fingerprintHash(fingerprint);
  const manifest = path.join(outputDir, MANIFEST_FILE);
  if (existsSync(manifest)) {
    const differing = differingKeys(await readManifestFingerprint(outputDir), fingerprint);
    if (differing.length) {
      throw new InputError(
        `${outputDir} holds a study made with another configuration (differs in: ${differing.join(", ")}). ` +
          `Resuming would mix results. Use another output_dir (or --output DIR), or delete that folder to start over.`,
      );
    }
  } else if (existsSync(firstReplicateDir)) {
    throw new InputError(
      `${outputDir} holds ${path.basename(firstReplicateDir)} but no ${MANIFEST_FILE}; refusing to mix results. Use another output_dir.`,
    );
  } else {
    await writeJsonAtomic(manifest, { tool: "cmdstan-recover", created: new Date().toISOString(), fingerprint });
  }
  return fp;
}
