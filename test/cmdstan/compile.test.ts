/** Compile cache and compile errors, against the real CmdStan. */
import { mkdtemp, readFile, writeFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileModel, modelCacheKey } from "../../src/cmdstan/compile.js";
import { CompileError } from "../../src/cmdstan/errors.js";
import type { CmdStanInstall } from "../../src/cmdstan/locate.js";
import { testCmdStan } from "../helpers/cmdstan.js";

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
    const [a, b] = await Promise.all([compileModel(install, file, { cacheDir }), compileModel(install, file, { cacheDir })]);
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
    await writeFile(file, `functions {\n#include prior.stanfunctions\n}\nparameters { real t; }\nmodel { t ~ normal(0, my_sd()); }\n`);
    const k1 = modelCacheKey(install, file);
    await writeFile(inc, "real my_sd() { return 2.0; }\n");
    const k2 = modelCacheKey(install, file);
    expect(k2).not.toBe(k1);
    expect(modelCacheKey(install, file, { stancFlags: ["--O1"] })).not.toBe(k2);
    expect(modelCacheKey(install, file)).toBe(k2);
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
    const run = await execa(exe, ["sample", "num_samples=10", "num_warmup=10", "output", `file=${path.join(dir, "race.csv")}`]);
    expect(run.exitCode).toBe(0);
    const leftovers = (await execa("ls", [cacheDir])).stdout.split("\n").filter((n) => n.includes(".tmp-"));
    expect(leftovers).toEqual([]);
  });
});
