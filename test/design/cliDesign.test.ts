import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import yargs from "yargs";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { DEFAULT_DESIGN_SEED, designCommand } from "../../src/cli/design.js";
import { loadStudyDesign } from "../../src/design/studyDesignFile.js";
import { REPORT_DESIGN_CONFIG } from "../helpers/designs.js";

const DESIGN_CONFIG = REPORT_DESIGN_CONFIG;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "cli-design-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

/** Runs `cmdstan-recover design ...args` in-process; returns what it printed. */
async function runCli(args: string[]): Promise<{ out: string; err: string; exitCode: number | undefined }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.spyOn(console, "log").mockImplementation((...a: unknown[]) => void out.push(a.join(" ")));
  vi.spyOn(console, "error").mockImplementation((...a: unknown[]) => void err.push(a.join(" ")));
  await yargs(["design", ...args])
    .command(designCommand)
    .strict()
    .exitProcess(false)
    .fail((msg, e) => {
      throw e ?? new Error(msg);
    })
    .parseAsync();
  const exitCode = process.exitCode === undefined ? undefined : Number(process.exitCode);
  vi.restoreAllMocks();
  return { out: out.join("\n"), err: err.join("\n"), exitCode };
}

describe("cmdstan-recover design", () => {
  it("writes the design from a design config and prints J, P, M_total and the labels", async () => {
    const cfg = join(dir, "design.json");
    const outFile = join(dir, "out", "study_design.json");
    await writeFile(cfg, JSON.stringify(DESIGN_CONFIG));
    const r = await runCli(["--config", cfg, "--seed", "7", "--out", outFile]);
    expect(r.exitCode).toBeUndefined();
    expect(r.err).toBe("");
    expect(r.out).toContain("J = 18, P = 7, M_total = 360");
    expect(r.out).toContain("column labels: f0_lv1, f0_lv2, f0_lv3, f0_lv4, f0_lv5, f1_lv1, f1_lv2");
    expect(r.out).toContain("(seed 7)");
    const d = await loadStudyDesign(outFile);
    expect(d.M_total).toBe(360);
    expect(d._metadata.seed).toBe(7);
  });

  it("takes the design config and seed from a full study config", async () => {
    const cfg = join(dir, "study.json");
    const outFile = join(dir, "study_design.json");
    await writeFile(
      cfg,
      JSON.stringify({
        n_iterations: 20,
        n_mcmc_chains: 4,
        seed: 99,
        study_design_config: { ...DESIGN_CONFIG, M_per_cell: 2 },
      }),
    );
    const r = await runCli(["--config", cfg, "--out", outFile]);
    expect(r.out).toContain("J = 18, P = 7, M_total = 36");
    expect((await loadStudyDesign(outFile))._metadata.seed).toBe(99);
    // --seed wins over the config's seed
    await runCli(["--config", cfg, "--out", outFile, "--seed", "5"]);
    expect((await loadStudyDesign(outFile))._metadata.seed).toBe(5);
  });

  it("uses the default seed and study_design.json in the working directory", async () => {
    const cfg = join(dir, "design-default.json");
    await writeFile(cfg, JSON.stringify({ factors: [2, 2], M_per_cell: 1 }));
    const cwd = process.cwd();
    process.chdir(dir);
    try {
      const r = await runCli(["--config", cfg]);
      expect(r.out).toContain(`wrote study_design.json (seed ${DEFAULT_DESIGN_SEED})`);
    } finally {
      process.chdir(cwd);
    }
    const text = await readFile(join(dir, "study_design.json"), "utf8");
    expect(JSON.parse(text).J).toBe(4);
  });

  it("prints a bad config as one line naming the file and key, with exit code 1", async () => {
    const cfg = join(dir, "bad.json");
    await writeFile(cfg, JSON.stringify({ study_design_config: { ...DESIGN_CONFIG, K: 1, M_per_cel: 3 } }));
    const r = await runCli(["--config", cfg, "--out", join(dir, "never.json")]);
    expect(r.exitCode).toBe(1);
    expect(r.out).toBe("");
    expect(r.err).toBe(`error: ${cfg}: study_design_config: K: must be an integer >= 2; unknown key "M_per_cel"`);
  });

  it("explains a study config without study_design_config, a missing file and bad JSON", async () => {
    const cfg = join(dir, "points.json");
    await writeFile(cfg, JSON.stringify({ study_design_path: "old/study_design.json", n_iterations: 2 }));
    let r = await runCli(["--config", cfg]);
    expect(r.exitCode).toBe(1);
    expect(r.err).toMatch(
      /^error: .*points\.json: study_design_config: is required to generate a design \(it points at an existing design/,
    );
    r = await runCli(["--config", join(dir, "missing.json")]);
    expect(r.err).toMatch(/^error: .*missing\.json: cannot read the config \(ENOENT\)$/);
    const broken = join(dir, "broken.json");
    await writeFile(broken, "{ factors: [6, 3] }");
    r = await runCli(["--config", broken]);
    expect(r.err).toMatch(/^error: .*broken\.json: not valid JSON/);
    expect(r.err.split("\n").length).toBe(1);
  });

  it("rejects a negative --seed as a user error", async () => {
    const cfg = join(dir, "design.json");
    await writeFile(cfg, JSON.stringify(DESIGN_CONFIG));
    const r = await runCli(["--config", cfg, "--seed", "-3", "--out", join(dir, "x.json")]);
    expect(r.exitCode).toBe(1);
    expect(r.err).toBe("error: --seed: must be a non-negative integer, got -3");
  });
});
