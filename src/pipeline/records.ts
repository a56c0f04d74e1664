/**
 * Content-verified completion records of replicates.
 *
 * A replicate (a recovery iteration, an SBC simulation) is finished when its record file exists
 * AND the SHA-256 of every file it lists still matches. Everything is written to a temporary
 * name and renamed, and the record is written last, so a crash at any moment leaves either a
 * finished replicate or one that a resume redoes; never a half-written file that looks finished.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { parseJsonAs } from "../util/jsonFile.js";

export function sha256(content: string | Uint8Array): string {
  return createHash("sha256").update(content).digest("hex");
}

export const replicateRecordSchema = z.object({
  /** The replicate's number, 1-based (recovery: the iteration). */
  index: z.number().int().min(1),
  status: z.enum(["ok", "failed"]),
  /** File name (relative to the replicate's folder) -> SHA-256 of its content. */
  files: z.record(z.string().regex(/^[0-9a-f]{64}$/)),
  /** The seeds the replicate used, by role (recovery: sim, fit). */
  seeds: z.record(z.number().int()),
  seconds: z.number().nonnegative(),
  fingerprint: z.string(),
  /** Wall seconds per step (e.g. simulate, sample, summarize, diagnose); absent in failed records. */
  timing: z.record(z.number().nonnegative()).optional(),
});
export type ReplicateRecord = z.infer<typeof replicateRecordSchema>;

/**
 * The replicate's record if it is finished and intact (every listed file present with the
 * recorded hash, and made under the same study fingerprint), else a reason it is not.
 */
export async function verifyReplicate(
  dir: string,
  recordName: string,
  fingerprint: string,
): Promise<{ record?: ReplicateRecord; problem?: string }> {
  const recordFile = path.join(dir, recordName);
  if (!existsSync(recordFile)) return { problem: existsSync(dir) ? `incomplete (no ${recordName})` : "not started" };
  let record: ReplicateRecord;
  try {
    record = parseJsonAs(recordFile, await readFile(recordFile, "utf8"), replicateRecordSchema);
  } catch (err) {
    return { problem: `${recordFile} is unreadable (${(err as Error).message.split("\n")[0]})` };
  }
  if (record.fingerprint !== fingerprint) return { problem: "made under another study configuration" };
  for (const [name, hash] of Object.entries(record.files)) {
    const file = path.join(dir, name);
    if (!existsSync(file)) return { problem: `${name} is missing` };
    if (sha256(await readFile(file)) !== hash) return { problem: `${name} does not match its recorded checksum` };
  }
  return { record };
}
