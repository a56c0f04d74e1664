/**
 * A study's output folder belongs to one configuration and to one run at a time.
 *
 * - `study_manifest.json` records the fingerprint of everything that decides the results; a
 *   start with another fingerprint is refused (resuming would mix results of two studies).
 * - `study.lock` says which run works on the folder now: a second run refuses, naming the
 *   holder, instead of writing the same files (two runs corrupt each other's CSVs). A crashed
 *   run does not leave it stuck: the lock is stale when its process is gone (same machine) or its
 *   heartbeat stopped (another machine of a cluster), and the next start takes it over. A Slurm
 *   array still in flight for the folder holds it too (its driver may have been killed).
 */
import { existsSync } from "node:fs";
import { link, mkdir, readFile, rename, rm, stat, utimes } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { writeFileAtomic, writeJsonAtomic } from "../util/atomicWrite.js";
import { InputError } from "../util/errors.js";
import { readJsonFile } from "../util/jsonFile.js";
import { refuseWhileArraysInFlight } from "./executors/slurmJobs.js";
import { sha256 } from "./records.js";

export const MANIFEST_FILE = "study_manifest.json";
export const LOCK_FILE = "study.lock";
/** The holder touches the lock this often; a lock untouched for STALE_AFTER_MS is abandoned. */
const HEARTBEAT_MS = 30_000;
const STALE_AFTER_MS = 5 * 60_000;

const manifestSchema = z.object({ fingerprint: z.record(z.unknown()) }).passthrough();

/** The fingerprint a study folder was made with (its manifest). */
export async function readManifestFingerprint(outputDir: string): Promise<Record<string, unknown>> {
  const file = path.join(outputDir, MANIFEST_FILE);
  if (!existsSync(file)) throw new InputError(`${file} not found: ${outputDir} is not a study folder`);
  return (await readJsonFile(file, manifestSchema)).fingerprint;
}

/** The hash every record of a study with this fingerprint carries. */
export function fingerprintHash(fingerprint: Record<string, unknown>): string {
  return sha256(JSON.stringify(fingerprint));
}

/** The keys in which two fingerprints differ. */
export function differingKeys(before: Record<string, unknown>, now: Record<string, unknown>): string[] {
  return Object.keys({ ...before, ...now }).filter((k) => JSON.stringify(before[k]) !== JSON.stringify(now[k]));
}

/** A claimed folder: the fingerprint's hash (every record carries it) and the lock to release. */
export interface StudyClaim {
  fingerprintHash: string;
  release(): Promise<void>;
}

/**
 * Claim `outputDir` for a study with this fingerprint (a new folder, or one made with the same
 * fingerprint), for this run alone. `firstReplicateDir` is a folder whose presence without a
 * manifest means results of unknown origin. `command` describes the run in the lock.
 */
export async function claimStudyFolder(
  outputDir: string,
  fingerprint: Record<string, unknown>,
  firstReplicateDir: string,
  run: { command: string; log: (line: string) => void },
): Promise<StudyClaim> {
  await mkdir(outputDir, { recursive: true });
  const release = await acquireLock(outputDir, run.command);
  try {
    await refuseWhileArraysInFlight(outputDir, run.log);
    await checkStudyManifest(outputDir, fingerprint, firstReplicateDir);
  } catch (err) {
    await release();
    throw err;
  }
  return { fingerprintHash: fingerprintHash(fingerprint), release };
}

/**
 * The folder's manifest must hold this fingerprint; a folder without one gets it, unless it
 * already holds results (`firstReplicateDir`) of unknown origin. A grid checks each cell's
 * folder with it, as a study of its own.
 */
export async function checkStudyManifest(
  outputDir: string,
  fingerprint: Record<string, unknown>,
  firstReplicateDir: string,
): Promise<void> {
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
}

// ---------------------------------------------------------------------------------------------
// The lock

const holderSchema = z.object({
  pid: z.number().int(),
  host: z.string(),
  started: z.string(),
  command: z.string(),
  /** The process's start time (/proc/<pid>/stat field 22), so a reused pid is not taken for it. */
  process_start: z.string().nullable(),
});
type Holder = z.infer<typeof holderSchema>;

/** A process's state and start time (/proc/<pid>/stat fields 3 and 22), or null where there is no /proc. */
async function processStat(pid: number): Promise<{ state: string; start: string } | null> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8").catch(() => null);
  if (stat === null) return null;
  // Fields after the command name (which may hold spaces) start after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return { state: fields[0], start: fields[19] };
}

async function processStart(pid: number): Promise<string | null> {
  return (await processStat(pid))?.start ?? null;
}

/**
 * Whether the lock's holder still runs: its pid exists, is not a zombie (a killed run whose
 * parent has not reaped it, as in containers without an init), and started when the holder did
 * (not a reused pid).
 */
async function alive(holder: Holder): Promise<boolean> {
  try {
    process.kill(holder.pid, 0);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ESRCH") return false;
  }
  const stat = await processStat(holder.pid);
  if (stat === null) return holder.process_start === null; // no /proc: the signal said it exists
  return stat.state !== "Z" && (holder.process_start === null || stat.start === holder.process_start);
}

/** Why the lock's holder no longer holds it, or null while it does. */
async function staleness(holder: Holder, ageMs: number): Promise<string | null> {
  if (ageMs > STALE_AFTER_MS) return `no heartbeat for ${Math.round(ageMs / 60_000)} min`;
  if (holder.host === os.hostname() && !(await alive(holder))) return `process ${holder.pid} is gone`;
  return null;
}

/** Take `study.lock` (created atomically by link); returns the function that releases it. */
async function acquireLock(outputDir: string, command: string): Promise<() => Promise<void>> {
  const lock = path.join(outputDir, LOCK_FILE);
  const me: Holder = {
    pid: process.pid,
    host: os.hostname(),
    started: new Date().toISOString(),
    command,
    process_start: await processStart(process.pid),
  };
  const text = `${JSON.stringify(me, null, 2)}\n`;
  for (let attempt = 0; ; attempt++) {
    if (await tryCreate(lock, text)) break;
    const { holder, raw, ageMs } = await readHolder(lock);
    const stale = holder ? await staleness(holder, ageMs) : ageMs > 10_000 ? "unreadable" : null;
    if (!stale || attempt > 2) throw new InputError(heldMessage(outputDir, lock, holder));
    await takeOverStale(lock, raw);
  }
  const beat = setInterval(() => void utimes(lock, new Date(), new Date()).catch(() => undefined), HEARTBEAT_MS);
  beat.unref();
  return async () => {
    clearInterval(beat);
    const now = await readFile(lock, "utf8").catch(() => null);
    if (now === text) await rm(lock, { force: true });
  };
}

async function tryCreate(lock: string, text: string): Promise<boolean> {
  const tmp = `${lock}.${process.pid}.new`;
  await writeFileAtomic(tmp, text);
  try {
    await link(tmp, lock);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    return false;
  } finally {
    await rm(tmp, { force: true });
  }
}

async function readHolder(lock: string): Promise<{ holder?: Holder; raw: string | null; ageMs: number }> {
  const raw = await readFile(lock, "utf8").catch(() => null);
  const { mtimeMs } = await stat(lock).catch(() => ({ mtimeMs: 0 }));
  let holder: Holder | undefined;
  try {
    holder = raw === null ? undefined : holderSchema.parse(JSON.parse(raw));
  } catch {
    holder = undefined;
  }
  return { holder, raw, ageMs: Date.now() - mtimeMs };
}

/**
 * Move a stale lock aside, unless another start took it over in between (then put its lock
 * back: the next attempt finds it held).
 */
async function takeOverStale(lock: string, judged: string | null): Promise<void> {
  const aside = `${lock}.${process.pid}.stale`;
  try {
    await rename(lock, aside);
  } catch {
    return; // gone already: another start moved it
  }
  const moved = await readFile(aside, "utf8").catch(() => null);
  if (moved !== judged) await link(aside, lock).catch(() => undefined);
  await rm(aside, { force: true });
}

function heldMessage(outputDir: string, lock: string, holder?: Holder): string {
  const who = holder
    ? `${holder.command} (process ${holder.pid} on ${holder.host}, started ${holder.started})`
    : "another run (its lock file is being written)";
  return (
    `${outputDir} is in use by ${who}: two runs on one study folder would overwrite each other's files. ` +
    `Wait for it to end, or stop it; if it is gone and the folder is on another machine's disk, delete ${lock}.`
  );
}
