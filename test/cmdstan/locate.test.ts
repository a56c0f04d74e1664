/**
 * CmdStan discovery: --cmdstan, CMDSTAN, ~/.cmdstan (newest release first, release candidates
 * after releases), $CONDA_PREFIX/bin/cmdstan, then .cmdstan/. Always in a temporary HOME,
 * CONDA_PREFIX and project root, never the real ~/.cmdstan. Trees are the real ones: the full
 * CmdStan the suite uses, and copies of the pruned 2.33.1 and 2.37.0 reference toolsets; the
 * version-ordering cases use small fake trees (a stanc that prints its version).
 */
import { chmodSync, cpSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CmdStanNotFoundError } from "../../src/util/errors.js";
import {
  compareVersions,
  locateCmdStan,
  newerPassedOver,
  versionedFolders,
  type CmdStanInstall,
} from "../../src/cmdstan/locate.js";
import { REPO_ROOT, testCmdStan } from "../helpers/cmdstan.js";
import { referenceTree } from "../helpers/toolsets.js";

let dir: string;
let full: CmdStanInstall;

/** A tree with the three tools (stanc prints `version`) and, for `full`, the compile layout. */
function fakeTree(at: string, version: string, full: boolean): string {
  mkdirSync(path.join(at, "bin"), { recursive: true });
  for (const tool of ["stanc", "stansummary", "diagnose"]) {
    writeFileSync(path.join(at, "bin", tool), `#!/bin/sh\necho "stanc3 v${version} (Unix)"\n`);
    chmodSync(path.join(at, "bin", tool), 0o755);
  }
  if (full) {
    writeFileSync(path.join(at, "makefile"), `CMDSTAN_VERSION := ${version}\n`);
    for (const d of ["src/cmdstan", "stan/src", "stan/lib/stan_math/stan"])
      mkdirSync(path.join(at, d), { recursive: true });
  }
  return at;
}

/** A fresh HOME, CONDA_PREFIX and project root; `home` maps ~/.cmdstan folder names to trees. */
function world(name: string) {
  const root = path.join(dir, name);
  const home = path.join(root, "home");
  const project = path.join(root, "project");
  mkdirSync(path.join(home, ".cmdstan"), { recursive: true });
  mkdirSync(path.join(project, ".cmdstan"), { recursive: true });
  const env = { HOME: home } as NodeJS.ProcessEnv;
  return {
    home,
    project,
    env,
    homeTree: (folder: string) => path.join(home, ".cmdstan", folder),
    copyToHome: (tree: string, folder: string) =>
      cpSync(tree, path.join(home, ".cmdstan", folder), { recursive: true, dereference: true }),
    linkToHome: (tree: string, folder: string) => symlinkSync(tree, path.join(home, ".cmdstan", folder)),
    provision: (tree: string, folder: string) => symlinkSync(tree, path.join(project, ".cmdstan", folder)),
    locate: (opts: Parameters<typeof locateCmdStan>[0] = {}) => locateCmdStan({ root: project, env, ...opts }),
  };
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "cr-locate-"));
  full = await testCmdStan();
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("version order", () => {
  it("numeric by part; a release candidate before its release", () => {
    const sorted = ["2.36.0", "2.9.0", "2.36.0-rc2", "2.35.1", "2.36.0-rc1", "2.10.0"].sort(compareVersions);
    expect(sorted).toEqual(["2.9.0", "2.10.0", "2.35.1", "2.36.0-rc1", "2.36.0-rc2", "2.36.0"]);
  });
  it("~/.cmdstan folders: releases newest first, then release candidates; other names ignored", () => {
    const w = world("order");
    for (const v of ["2.34.1", "2.36.0-rc1", "2.35.0", "2.9.9"]) fakeTree(w.homeTree(`cmdstan-${v}`), v, false);
    mkdirSync(w.homeTree("cmdstan-latest"));
    mkdirSync(w.homeTree("notes"));
    expect(versionedFolders(path.join(w.home, ".cmdstan")).map((d) => path.basename(d))).toEqual([
      "cmdstan-2.35.0",
      "cmdstan-2.34.1",
      "cmdstan-2.9.9",
      "cmdstan-2.36.0-rc1",
    ]);
  });
});

describe("discovery without CMDSTAN", () => {
  it("a pruned ~/.cmdstan/cmdstan-2.33.1 (the reference toolset copied there) is found, and said not to compile", async () => {
    const w = world("pruned-home");
    w.copyToHome(referenceTree("2.33.1"), "cmdstan-2.33.1");
    w.provision(full.path, `cmdstan-${full.version}`);
    const tools = await w.locate({ purpose: "tools" });
    expect(tools).toMatchObject({
      path: w.homeTree("cmdstan-2.33.1"),
      version: "2.33.1",
      source: "home",
      canCompile: false,
    });
    expect(tools.stancVersion).toBe("stanc3 v2.33.1 (Unix)");
    expect(tools.cannotCompile).toMatch(/makefile, src\/cmdstan, stan\/src, stan\/lib\/stan_math\/stan are missing/);
    // Commands that compile pass over it to the provisioned full tree, and the install says so.
    const compiling = await w.locate();
    expect(compiling).toMatchObject({ version: full.version, source: "provisioned", canCompile: true });
    expect(compiling.passedOver).toEqual([
      { path: w.homeTree("cmdstan-2.33.1"), version: "2.33.1", source: "home", reason: tools.cannotCompile },
    ]);
    // Newer than the one in use only when it is: 2.33.1 is newer than the provisioned 2.27.0.
    const newer = compareVersions("2.33.1", full.version) > 0;
    expect(newerPassedOver(compiling)?.version).toBe(newer ? "2.33.1" : undefined);
    // A tree that compiles passes nothing over.
    expect(tools.passedOver).toBeUndefined();
  });

  it("newerPassedOver: the newest passed-over release newer than the one in use", () => {
    const install = (version: string, passed: string[]): CmdStanInstall => ({
      path: "/in/use",
      version,
      stancVersion: "",
      compiler: "",
      source: "provisioned",
      canCompile: true,
      passedOver: passed.map((v) => ({
        path: `/home/.cmdstan/cmdstan-${v}`,
        version: v,
        source: "home",
        reason: "pruned",
      })),
    });
    expect(newerPassedOver(install("2.27.0", ["2.33.1", "2.37.0"]))?.version).toBe("2.37.0");
    expect(newerPassedOver(install("2.35.0", ["2.33.1"]))).toBeUndefined();
    expect(newerPassedOver(install("2.27.0", []))).toBeUndefined();
  });

  it("no tree that can compile: the error lists what was passed over", async () => {
    const w = world("pruned-only");
    w.copyToHome(referenceTree("2.37.0"), "cmdstan-2.37.0");
    const err = await w.locate().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CmdStanNotFoundError);
    expect((err as Error).message).toMatch(/No CmdStan installation found/);
    expect((err as Error).message).toContain(
      `Passed over, since this command compiles models: ${w.homeTree("cmdstan-2.37.0")} (cannot compile:`,
    );
    // 2.37.0's tree has a makefile: its version comes from there.
    expect((await w.locate({ purpose: "tools" })).version).toBe("2.37.0");
  });

  it("~/.cmdstan before $CONDA_PREFIX before .cmdstan/; the newest valid release wins", async () => {
    const w = world("order-of-rules");
    fakeTree(w.homeTree("cmdstan-2.36.0"), "2.36.0", false); // no bin/diagnose: not valid
    await rm(path.join(w.homeTree("cmdstan-2.36.0"), "bin", "diagnose"));
    fakeTree(w.homeTree("cmdstan-2.35.0"), "2.35.0", true);
    fakeTree(w.homeTree("cmdstan-2.34.0"), "2.34.0", true);
    fakeTree(w.homeTree("cmdstan-2.37.0-rc1"), "2.37.0-rc1", true);
    const conda = path.join(dir, "order-of-rules", "conda");
    fakeTree(path.join(conda, "bin", "cmdstan"), "2.36.2", true);
    w.provision(full.path, `cmdstan-${full.version}`);
    expect(await w.locate()).toMatchObject({ version: "2.35.0", source: "home" });
    await rm(w.homeTree("cmdstan-2.35.0"), { recursive: true });
    await rm(w.homeTree("cmdstan-2.34.0"), { recursive: true });
    expect(await w.locate()).toMatchObject({ version: "2.37.0-rc1", source: "home" }); // a release candidate when no release
    await rm(w.homeTree("cmdstan-2.37.0-rc1"), { recursive: true });
    expect(await w.locate({ env: { ...w.env, CONDA_PREFIX: conda } })).toMatchObject({
      version: "2.36.2",
      source: "conda",
    });
    expect(await w.locate()).toMatchObject({ version: full.version, source: "provisioned" });
  });
});

describe("a named installation is used or refused, never passed over", () => {
  it("CMDSTAN wins over ~/.cmdstan; a CMDSTAN that cannot compile is refused by commands that compile", async () => {
    const w = world("named");
    w.linkToHome(full.path, `cmdstan-${full.version}`);
    const pruned = referenceTree("2.33.1");
    const env = { ...w.env, CMDSTAN: pruned };
    expect(await w.locate({ env, purpose: "tools" })).toMatchObject({ version: "2.33.1", source: "env" });
    const err = await w.locate({ env }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CmdStanNotFoundError);
    expect((err as Error).message).toMatch(
      /from the CMDSTAN environment variable\) runs its tools but cannot compile models/,
    );
    const broken = await w.locate({ explicit: path.join(dir, "nowhere") }).catch((e: unknown) => e);
    expect((broken as Error).message).toMatch(
      /nowhere \(from the --cmdstan option.*\) is not a usable installation: .*does not exist/,
    );
  });
});

describe("cmdstan-recover info (the CLI, in a temporary HOME)", () => {
  const TSX = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");
  const info = (args: string[], env: NodeJS.ProcessEnv) =>
    execa(TSX, ["src/cli.ts", "info", ...args], {
      cwd: REPO_ROOT,
      reject: false,
      extendEnv: false,
      env: { PATH: process.env.PATH, NODE_NO_WARNINGS: "1", ...env },
    });

  it("reports the ~/.cmdstan tree, the rule that found it, that it cannot compile, and what compiles instead", async () => {
    const w = world("cli");
    w.copyToHome(referenceTree("2.33.1"), "cmdstan-2.33.1");
    const r = await info([], w.env);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain(`CmdStan path:    ${w.homeTree("cmdstan-2.33.1")}`);
    expect(r.stdout).toContain("found by:        ~/.cmdstan/cmdstan-<version>, where cmdstanpy and cmdstanr install");
    expect(r.stdout).toContain("CmdStan version: 2.33.1");
    expect(r.stdout).toMatch(/can compile:     no \(makefile, .* are missing \(no Stan Math sources/);
    // This project's provisioned copy compiles (the CLI's project root is the repository).
    expect(r.stdout).toMatch(/compiling with:  \S+\.cmdstan\/cmdstan-\S+ \(CmdStan \d+\.\d+\.\d+\)/);
    expect(r.stdout).toContain("quantiles:       order statistic (stansummary <= 2.35)");
    expect(r.stdout).toContain("random numbers:  boost::ecuyer1988 (CmdStan < 2.35; docs/cmdstan.md)");
    const json = JSON.parse((await info(["--json"], w.env)).stdout);
    expect(json).toMatchObject({
      version: "2.33.1",
      source: "home",
      canCompile: false,
      generator: "boost::ecuyer1988",
    });
    const compiling = await info(["--require-compile", "--json"], w.env);
    expect(compiling.exitCode).toBe(0);
    expect(JSON.parse(compiling.stdout)).toMatchObject({ source: "provisioned", canCompile: true });
  });

  it("--require-compile fails on a CMDSTAN that cannot compile", async () => {
    const r = await info(["--require-compile"], {
      HOME: path.join(dir, "empty-home"),
      CMDSTAN: referenceTree("2.37.0"),
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/cannot compile models/);
  });
});
