/**
 * A private single-node Slurm cluster for tests (scripts/slurm-cluster.sh), started from the
 * Debian packages. Without them the Slurm tests are skipped with the reason, except in CI
 * (CI=true), where a missing Slurm is a set-up failure: .ci/run installs it.
 */
import { existsSync } from "node:fs";
import path from "node:path";
import { execa } from "execa";
import { REPO_ROOT } from "./cmdstan.js";

const SCRIPT = path.join(REPO_ROOT, "scripts", "slurm-cluster.sh");
const BINARIES = ["munged", "slurmctld", "slurmd", "sbatch", "squeue", "scontrol", "scancel", "sinfo"];

function onPath(binary: string): boolean {
  const dirs = [...(process.env.PATH ?? "").split(":"), "/usr/sbin", "/sbin"];
  return dirs.some((d) => d && existsSync(path.join(d, binary)));
}

/** Why the Slurm tests cannot run here, or undefined when they can. Throws in CI. */
export function slurmSkipReason(): string | undefined {
  const missing = BINARIES.filter((b) => !onPath(b));
  if (!missing.length) return undefined;
  const reason = `Slurm is not installed (missing ${missing.join(", ")}; apt-get install -y --no-install-recommends slurmctld slurmd slurm-client munge)`;
  if (process.env.CI && process.env.CI !== "false")
    throw new Error(`CI must run the Slurm tests, but ${reason}. .ci/run installs the packages.`);
  return reason;
}

/** Start a cluster whose files live in `dir`; the Slurm commands of this process use it. */
export async function startCluster(dir: string): Promise<void> {
  await execa("bash", [SCRIPT, "start", dir], { stdio: "inherit" });
  process.env.SLURM_CONF = path.join(dir, "etc", "slurm.conf");
}

/** Stop it; fails when any of its processes (daemons, jobs) is left. */
export async function stopCluster(dir: string): Promise<void> {
  await execa("bash", [SCRIPT, "stop", dir], { stdio: "inherit" });
}

/** The cluster's processes still alive, as `ps` lines ("" when none). */
export async function clusterProcesses(dir: string): Promise<string> {
  const { stdout } = await execa("bash", [SCRIPT, "status", dir]);
  return stdout.startsWith("no process") ? "" : stdout;
}
