import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import yargs from "yargs";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { DEFAULT_DESIGN_SEED, designCommand } from "../../src/cli/design.js";
import { designFromDesignOnlyConfig } from "../../src/design/flat/designOnly.js";
import { loadFlatDesign } from "../../src/design/flat/file.js";
import { FIXED_SIMPLEXES_K3 } from "../../src/design/flat/generate.js";
import type { FlatDesign } from "../../src/design/flat/types.js";
import { loadStudyDesign } from "../../src/design/studyDesignFile.js";
import { REPORT_DESIGN_CONFIG } from "../helpers/designs.js";

const DESIGN_CONFIG = REPORT_DESIGN_CONFIG;
const ORIGINAL = resolve(import.meta.dirname, "..", "fixtures", "original-configs");

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

/** A flat design without the time it was made: what the same config and seed make again. */
const untimed = (d: FlatDesign) => ({ ...d, metadata: { ...d.metadata, timestamp: undefined } });

/** Runs the command in `cwd` (relative default paths land there). */
async function runCliIn(cwd: string, args: string[]) {
  const before = process.cwd();
  process.chdir(cwd);
  try {
    return await runCli(args);
  } finally {
    process.chdir(before);
  }
}

describe("cmdstan-recover design, the users' flat design-only configs", () => {
  it("study_config.json: results/designs/study.json in the working directory, in the original's layout, read back", async () => {
    const cwd = await mkdtemp(join(dir, "study-"));
    const cfg = join(ORIGINAL, "study_config.json");
    const r = await runCliIn(cwd, ["--config", cfg]);
    expect(r.err).toBe("");
    expect(r.exitCode).toBeUndefined();
    expect(r.out).toBe(`M = 20, K = 3, D = 2, R = 10\nwrote ${join("results", "designs", "study.json")} (seed 12345)`);
    const file = join(cwd, "results", "designs", "study.json");
    const text = await readFile(file, "utf8");
    expect(Object.keys(JSON.parse(text))).toEqual([
      ...["M", "K", "D", "R", "w", "I", "alpha_mean", "alpha_sd", "beta_sd", "metadata", "config"],
    ]);
    const design = await loadFlatDesign(file);
    expect(design.risky).toBeUndefined();
    const config = JSON.parse(await readFile(cfg, "utf8"));
    expect(untimed(design)).toEqual(untimed(designFromDesignOnlyConfig(config, DEFAULT_DESIGN_SEED).design));
  });

  it("m1_study_config.json: a risky design (N, S, x, J) that reads back, which the original cannot; --seed, --out", async () => {
    const cfg = join(ORIGINAL, "m1_study_config.json");
    const out = join(dir, "m1", "m1_study.json");
    const r = await runCli(["--config", cfg, "--seed", "3", "--out", out]);
    expect(r.err).toBe("");
    expect(r.out).toBe(`M = 20, K = 3, D = 2, R = 10; N = 20, S = 8, risky_probs fixed\nwrote ${out} (seed 3)`);
    const raw = JSON.parse(await readFile(out, "utf8"));
    expect(Object.keys(raw).slice(0, 10)).toEqual(["M", "K", "D", "R", "w", "I", "N", "S", "x", "J"]);
    const design = await loadFlatDesign(out);
    expect(design.risky?.x).toEqual(FIXED_SIMPLEXES_K3);
    expect(design.risky?.J).toHaveLength(20);
    expect(design.risky?.J.every((row) => row.length === 8 && row.filter((v) => v === 1).length >= 2)).toBe(true);
    const config = JSON.parse(await readFile(cfg, "utf8"));
    expect(untimed(design)).toEqual(untimed(designFromDesignOnlyConfig(config, 3).design));
  });

  it("a flat study config (m_1 smoke): its study_design_config's design, with its seed, to --out", async () => {
    const cfg = resolve(import.meta.dirname, "..", "..", "configs", "m_1_parameter_recovery_smoke_config.json");
    const out = join(dir, "m1-smoke", "study_design.json");
    const r = await runCli(["--config", cfg, "--out", out]);
    expect(r.err).toBe("");
    expect(r.out).toBe(`M = 20, K = 3, D = 2, R = 10; N = 20, S = 8, risky_probs fixed\nwrote ${out} (seed 12345)`);
    const design = await loadFlatDesign(out);
    expect(design.settings.design_name).toBe("m_1_recovery_smoke");
    expect(design.risky?.J).toHaveLength(20);
  });

  it("refuses a design-only config's mistyped key and a design too small for its menus, naming file and key", async () => {
    const typo = join(dir, "typo_study_config.json");
    const users = JSON.parse(await readFile(join(ORIGINAL, "m1_study_config.json"), "utf8"));
    const { max_alts_per_problem, ...rest } = users;
    await writeFile(typo, JSON.stringify({ ...rest, max_alt_per_problem: max_alts_per_problem }));
    let r = await runCli(["--config", typo, "--out", join(dir, "never.json")]);
    expect(r.exitCode).toBe(1);
    expect(r.err).toMatch(new RegExp(`^error: ${typo}: .*max_alt_per_problem`));
    const small = join(dir, "small_study_config.json");
    await writeFile(small, JSON.stringify({ ...users, S: 3 }));
    r = await runCli(["--config", small, "--out", join(dir, "never.json")]);
    expect(r.exitCode).toBe(1);
    expect(r.err).toMatch(new RegExp(`^error: ${small}: .*S`));
    expect(existsSync(join(dir, "never.json"))).toBe(false);
  });
});
