/** Compile cache and compile errors, against the real CmdStan. */
import { mkdtemp, readFile, writeFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileModel, makeEnvironment, modelCacheKey } from "../../src/cmdstan/compile.js";
import { CompileError } from "../../src/util/errors.js";
import type { CmdStanInstall } from "../../src/cmdstan/locate.js";
import { toStanJson } from "../../src/cmdstan/stanJson.js";
import { STAN_INT_KEYS, fitData, generateStudyDesign } from "../../src/design/studyDesign.js";
import { REPO_ROOT, testCmdStan } from "../helpers/cmdstan.js";
import { REPORT_DESIGN_CONFIG } from "../helpers/designs.js";

const MODEL = `
parameters { real theta; }
model { theta ~ normal(0, 1); }
`;

describe("compileModel (real CmdStan)", () => {
  let install: CmdStanInstall;
  let dir: string;
  let cacheDir: string;

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  beforeAll(async () => {
    install = await testCmdStan();
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-compile-"));
    cacheDir = path.join(dir, "cache");
  });

  it("compiles once, then serves the unchanged model from the cache; a change recompiles", async () => {
    const file = path.join(dir, "std_normal.stan");
    await writeFile(file, MODEL);
    // Two concurrent calls in one process share one build.
    const [a, b] = await Promise.all([
      compileModel(install, file, { cacheDir }),
      compileModel(install, file, { cacheDir }),
    ]);
    expect(a.compiled).toBe(true);
    expect(b.exe).toBe(a.exe);
    const info = await execa(a.exe, ["info"], { reject: false });
    expect(info.stdout + info.stderr).toMatch(/stan_version_major = 2/);

    const again = await compileModel(install, file, { cacheDir });
    expect(again.compiled).toBe(false);
    expect(again.exe).toBe(a.exe);

    await writeFile(file, MODEL.replace("normal(0, 1)", "normal(0, 2)"));
    const changed = await compileModel(install, file, { cacheDir });
    expect(changed.compiled).toBe(true);
    expect(changed.hash).not.toBe(a.hash);
  });

  it("keys the cache on included files and flags too", async () => {
    const inc = path.join(dir, "prior.stanfunctions");
    const file = path.join(dir, "with_include.stan");
    await writeFile(inc, "real my_sd() { return 1.0; }\n");
    await writeFile(
      file,
      `functions {\n#include prior.stanfunctions\n}\nparameters { real t; }\nmodel { t ~ normal(0, my_sd()); }\n`,
    );
    const k1 = modelCacheKey(install, file);
    await writeFile(inc, "real my_sd() { return 2.0; }\n");
    const k2 = modelCacheKey(install, file);
    expect(k2).not.toBe(k1);
    expect(modelCacheKey(install, file, { stancFlags: ["--O1"] })).not.toBe(k2);
    expect(modelCacheKey(install, file)).toBe(k2);
  });

  it("keys the cache on the installation's make/local (installation-wide C++ flags rebuild every model)", async () => {
    const fake = { ...install, path: path.join(dir, "fake-cmdstan") };
    const file = path.join(dir, "keyed.stan");
    await writeFile(file, MODEL);
    const before = modelCacheKey(fake, file);
    await execa("mkdir", ["-p", path.join(fake.path, "make")]);
    await writeFile(path.join(fake.path, "make", "local"), "CXXFLAGS += -march=native\n");
    expect(modelCacheKey(fake, file)).not.toBe(before);
  });

  it("C++ flags in the environment do not reach the model build (they made h_m01 crash with a double free)", async () => {
    expect(
      Object.keys(
        makeEnvironment({ CXXFLAGS: "-march=native", CPPFLAGS: "-DX", LDFLAGS: "-s", CXX: "g++", PATH: "/bin" }),
      ),
    ).toEqual(["CXX", "PATH"]);
    // A child process with -march=native in its environment, as an activated conda environment
    // sets CXXFLAGS, compiles h_m01 afresh (own cache folder) and samples it.
    const script = path.join(dir, "env-flags.mts");
    const src = path.join(REPO_ROOT, "src");
    const flagCache = path.join(dir, "flag-cache");
    await writeFile(
      script,
      `import { locateCmdStan } from ${JSON.stringify(path.join(src, "cmdstan/locate.ts"))};\n` +
        `import { compileModel } from ${JSON.stringify(path.join(src, "cmdstan/compile.ts"))};\n` +
        `const m = await compileModel(await locateCmdStan(), ${JSON.stringify(path.join(REPO_ROOT, "stan", "h_m01.stan"))}, { cacheDir: ${JSON.stringify(flagCache)} });\n` +
        `console.log(m.exe);\n`,
    );
    const tsx = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");
    const built = await execa(tsx, [script], {
      env: { CMDSTAN: install.path, CXXFLAGS: "-march=native", CPPFLAGS: "-march=native" },
    });
    const exe = built.stdout.trim();
    expect(await readFile(path.join(path.dirname(exe), "compile.log"), "utf8")).not.toMatch(/-march=native/);
    const design = generateStudyDesign(REPORT_DESIGN_CONFIG, 1);
    const data = path.join(dir, "h_m01-data.json");
    const y = Array.from({ length: design.M_total }, () => 1);
    await writeFile(data, toStanJson(fitData(design, y), { ints: [...STAN_INT_KEYS] }));
    const run = await execa(
      exe,
      [
        "sample",
        "num_samples=30",
        "num_warmup=30",
        "data",
        `file=${data}`,
        "output",
        `file=${path.join(dir, "h_m01-flags.csv")}`,
        "refresh=0",
      ],
      { reject: false },
    );
    expect([run.exitCode, run.signal, run.stderr.match(/double free|corruption/)?.[0]]).toEqual([
      0,
      undefined,
      undefined,
    ]);
  });

  it("reports a stanc error with the user's .stan file and line, not a make log", async () => {
    const file = path.join(dir, "broken.stan");
    await writeFile(file, "parameters {\n  real theta;\n}\nmodel {\n  theta ~ normal(0, undefined_sd);\n}\n");
    const err = await compileModel(install, file, { cacheDir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CompileError);
    const ce = err as CompileError;
    expect(ce.location).toBe(`${file}:5:20`);
    expect(ce.message).toContain(file);
    expect(ce.message).toMatch(/undefined_sd/);
    expect(ce.message).not.toMatch(/make: \*\*\*/);
    expect(ce.message).not.toContain(cacheDir);
  });

  it("does not leave a half-built model in the cache after a failure", async () => {
    const file = path.join(dir, "broken2.stan");
    await writeFile(file, "parameters { real theta }\n");
    await expect(compileModel(install, file, { cacheDir })).rejects.toBeInstanceOf(CompileError);
    const listing = await execa("ls", [cacheDir]);
    expect(listing.stdout).not.toMatch(/broken2/);
  });

  it("two processes compiling the same new model at once both end with a working executable", async () => {
    const file = path.join(dir, "race.stan");
    await writeFile(file, MODEL.replace("theta ~", "target += 0; theta ~"));
    const script = path.join(dir, "race.mts");
    const src = path.resolve(import.meta.dirname, "..", "..", "src");
    await writeFile(
      script,
      `import { locateCmdStan } from ${JSON.stringify(path.join(src, "cmdstan/locate.ts"))};\n` +
        `import { compileModel } from ${JSON.stringify(path.join(src, "cmdstan/compile.ts"))};\n` +
        `const m = await compileModel(await locateCmdStan(), ${JSON.stringify(file)}, { cacheDir: ${JSON.stringify(cacheDir)} });\n` +
        `console.log(m.exe);\n`,
    );
    const tsx = path.resolve(import.meta.dirname, "..", "..", "node_modules", ".bin", "tsx");
    const env = { ...process.env, CMDSTAN: install.path };
    const [p1, p2] = await Promise.all([execa(tsx, [script], { env }), execa(tsx, [script], { env })]);
    expect(p1.stdout.trim()).toBe(p2.stdout.trim());
    const exe = p1.stdout.trim();
    const done = JSON.parse(await readFile(path.join(path.dirname(exe), "DONE"), "utf8"));
    expect(done.stanFile).toBe(file);
    const run = await execa(exe, [
      "sample",
      "num_samples=10",
      "num_warmup=10",
      "output",
      `file=${path.join(dir, "race.csv")}`,
    ]);
    expect(run.exitCode).toBe(0);
    const leftovers = (await execa("ls", [cacheDir])).stdout.split("\n").filter((n) => n.includes(".tmp-"));
    expect(leftovers).toEqual([]);
  });
});

describe("cmdstan-recover compile --stanc-flag", () => {
  it("passes `--stanc-flag --O1` to stanc (an option value, not an option of ours)", async () => {
    const install = await testCmdStan();
    const tsx = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");
    const r = await execa(tsx, ["src/cli.ts", "compile", "test/models/tiny_normal.stan", "--stanc-flag", "--O1"], {
      cwd: REPO_ROOT,
      reject: false,
      env: { CMDSTAN: install.path, NODE_NO_WARNINGS: "1" },
    });
    if (r.exitCode === 0) expect(r.stdout).toMatch(/tiny_normal {2}\((compiled in|unchanged)/);
    // stanc 2.27 has --O, not --O1: its refusal, named, proves the flag reached stanc.
    else expect(r.stderr).toMatch(/does not know the option '--O1'/);
    expect(r.stderr).not.toMatch(/Unknown argument|Not enough arguments/);
  });
});
