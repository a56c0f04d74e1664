/**
 * Files of a study folder: atomic writes and content-verified completion records.
 *
 * An iteration is finished when `iteration_i/iteration.json` exists AND the SHA-256 of every
 * file it lists still matches. Everything is written to a temporary name and renamed, and the
 * record is written last, so a crash at any moment leaves either a finished iteration or one
 * that a resume redoes; never a half-written file that looks finished.
 */
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";

export { writeFileAtomic, writeJsonAtomic } from "../util/atomicWrite.js";

export function sha256(content: string | Uint8Array): string {
  return createHash("sha256").update(content).digest("hex");
}

export const iterationRecordSchema = z.object({
  iteration: z.number().int().min(1),
  status: z.enum(["ok", "failed"]),
  /** File name (relative to the iteration folder) -> SHA-256 of its content. */
  files: z.record(z.string().regex(/^[0-9a-f]{64}$/)),
  seeds: z.object({ sim: z.number().int(), fit: z.number().int() }),
  seconds: z.number().nonnegative(),
  fingerprint: z.string(),
  /** Wall seconds per step (simulate, sample, summarise, diagnose); absent in failed records. */
  timing: z.record(z.number().nonnegative()).optional(),
});
export type IterationRecord = z.infer<typeof iterationRecordSchema>;

export const RECORD_FILE = "iteration.json";

/**
 * The iteration's record if the iteration is finished and intact (every listed file present
 * with the recorded hash, and made under the same study fingerprint), else a reason it is not.
 */
export async function verifyIteration(dir: string, fingerprint: string): Promise<{ record?: IterationRecord; problem?: string }> {
  const recordFile = path.join(dir, RECORD_FILE);
  if (!existsSync(recordFile)) return { problem: existsSync(dir) ? "incomplete (no iteration.json)" : "not started" };
  let record: IterationRecord;
  try {
    record = iterationRecordSchema.parse(JSON.parse(await readFile(recordFile, "utf8")));
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
