/**
 * A folder laid out as the users' repository, for running their configs unchanged
 * (test/fixtures/original-configs/): `models/` (their flat models' folder) and `stan/` are our
 * stan/, `results/designs/study.json` is a flat design file of theirs (test/fixtures/flat-designs),
 * and their configs lie at the top. Relative paths in a config resolve against this folder (the
 * tool's rule for configs whose model path is not below the current directory).
 */
import { copyFile, mkdir, readdir, symlink } from "node:fs/promises";
import path from "node:path";
import { REPO_ROOT } from "./cmdstan.js";

export const ORIGINAL_CONFIGS = path.join(REPO_ROOT, "test", "fixtures", "original-configs");

/** Makes the folder `dir` (which must not exist) and returns it. */
export async function usersRepository(dir: string): Promise<string> {
  await mkdir(path.join(dir, "results", "designs"), { recursive: true });
  await symlink(path.join(REPO_ROOT, "stan"), path.join(dir, "models"));
  await symlink(path.join(REPO_ROOT, "stan"), path.join(dir, "stan"));
  const design = path.join(REPO_ROOT, "test", "fixtures", "flat-designs", "study.json");
  await copyFile(design, path.join(dir, "results", "designs", "study.json"));
  for (const f of await readdir(ORIGINAL_CONFIGS)) await copyFile(path.join(ORIGINAL_CONFIGS, f), path.join(dir, f));
  return dir;
}
