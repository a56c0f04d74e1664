/**
 * Foundation check against the real CmdStan: compile a small model, sample two chains,
 * read the CSV files back and run the real bin/diagnose on them.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { writeFileSync } from "node:fs";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sample } from "../../src/cmdstan/run.js";
import type { CompiledModel } from "../../src/cmdstan/compile.js";
import type { CmdStanInstall } from "../../src/cmdstan/locate.js";
import { compileTestModel, testCmdStan } from "../helpers/cmdstan.js";

function csvBody(text: string): string[] {
  return text.split("\n").filter((l) => l.length > 0 && !l.startsWith("#"));
}

describe("CmdStan integration (real CmdStan)", () => {
  let install: CmdStanInstall;
  let model: CompiledModel;
  let dir: string;

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  beforeAll(async () => {
    install = await testCmdStan();
    model = await compileTestModel("tiny_normal");
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-integration-"));
    writeFileSync(path.join(dir, "data.json"), JSON.stringify({ N: 5, y: [1.1, 0.4, 2.3, 1.7, 0.9] }));
  });

  it("reports a real CmdStan version", () => {
    expect(install.version).toMatch(/^2\.\d+\.\d+$/);
    expect(install.stancVersion).toMatch(/stanc3? v?2\.\d+/);
  });

  it("samples two chains whose CSVs have the expected columns and draws, and diagnose reads them", async () => {
    const result = await sample(model, {
      chains: 2,
      numWarmup: 300,
      numSamples: 250,
      seed: 42,
      dataFile: path.join(dir, "data.json"),
      outputDir: dir,
      refresh: 50,
    });
    expect(result.csvFiles).toHaveLength(2);
    for (const [i, file] of result.csvFiles.entries()) {
      const text = await readFile(file, "utf8");
      const rows = csvBody(text);
      const header = rows[0].split(",");
      expect(header.slice(0, 7)).toEqual([
        "lp__",
        "accept_stat__",
        "stepsize__",
        "treedepth__",
        "n_leapfrog__",
        "divergent__",
        "energy__",
      ]);
      // Column-major container names: m.1.1, m.2.1, m.1.2, ...
      expect(header.slice(7)).toEqual(["mu.1", "mu.2", "sigma", "m.1.1", "m.2.1", "m.1.2", "m.2.2", "m.1.3", "m.2.3"]);
      expect(rows).toHaveLength(1 + 250);
      for (const row of rows.slice(1)) expect(row.split(",")).toHaveLength(header.length);
      expect(text).toMatch(new RegExp(`^#\\s+id = ${i + 1}`, "m"));
      expect(text).toMatch(/^# Adaptation terminated/m);
      const stdout = await readFile(result.stdoutFiles[i], "utf8");
      expect(stdout).toMatch(/Iteration: 550 \/ 550 \[100%\]\s+\(Sampling\)/);
    }
    const diag = await execa(path.join(install.path, "bin", "diagnose"), result.csvFiles);
    expect(diag.stdout).toContain("Checking sampler transitions for divergences.");
    expect(diag.stdout).toMatch(/E-BFMI/);
    for (const f of result.csvFiles) expect(diag.stdout).toContain(path.basename(f));
  });

  it("reports progress per chain from the refresh lines", async () => {
    const seen: string[] = [];
    await sample(model, {
      chains: 2,
      numWarmup: 100,
      numSamples: 100,
      seed: 7,
      refresh: 50,
      dataFile: path.join(dir, "data.json"),
      outputDir: path.join(dir, "progress"),
      onProgress: (p) => seen.push(`${p.chain}:${p.phase}:${p.percent}`),
    });
    expect(seen).toContain("1:warmup:0");
    expect(seen).toContain("2:sampling:100");
  });
});
