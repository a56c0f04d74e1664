/**
 * Writing a file so that readers (and a resumed study) see the old content or the new one,
 * never a half-written file: a temporary file in the same folder, flushed, then renamed.
 */
import { randomBytes } from "node:crypto";
import { mkdir, open, readFile, rename, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

export async function writeFileAtomic(file: string, content: string | Uint8Array): Promise<void> {
  const dir = dirname(file);
  await mkdir(dir, { recursive: true });
  // An error names `file` (see describeSystemError in errors.ts).
  const tmp = join(dir, `.${basename(file)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`);
  try {
    const fh = await open(tmp, "w");
    try {
      await fh.writeFile(content);
      await fh.sync();
    } finally {
      await fh.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true });
    // Name the file being written, not its temporary name: "the disk is full (writing x.json)".
    const err = e as NodeJS.ErrnoException;
    if (err?.code && (err.path === undefined || err.path === tmp)) err.path = file;
    if (err?.code && err.syscall !== "rename") err.syscall = "writing";
    throw e;
  }
}

export function writeJsonAtomic(file: string, value: unknown): Promise<void> {
  return writeFileAtomic(file, `${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Write `keys` into the JSON object in `file`, keeping the keys others wrote there (a file two
 * writers share: the engine's timing keys and a study kind's own). A missing or unreadable file
 * (or one that is not an object) is replaced.
 */
export async function mergeJsonAtomic(file: string, keys: Record<string, unknown>): Promise<void> {
  let kept: Record<string, unknown> = {};
  try {
    const old: unknown = JSON.parse(await readFile(file, "utf8"));
    if (old && typeof old === "object" && !Array.isArray(old)) kept = old as Record<string, unknown>;
  } catch {
    // nothing to keep
  }
  await writeJsonAtomic(file, { ...kept, ...keys });
}
