/** Where this tool's own files are (dist/, .cmdstan/, .cache/), from this module's location. */
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

/** Root of this project (the folder holding package.json). */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("cmdstan-recover: cannot find the project root");
    dir = parent;
  }
  return dir;
}
