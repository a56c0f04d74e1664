/**
 * The prior command end to end with the real CmdStan: the users' hierarchical config unchanged
 * (its summaries against the simulator's distributions, the original's seeds, the notebook
 * contract, resume), the flat configs unchanged (prior_analysis_config.json from the users'
 * repository layout, and m1/m2/m3 with their risky problems summarised in full), parameter_priors
 * honoured, per_block seeding, and simulators or values that do not fit refused before any run.
 */
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, readdir, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileModel } from "../../../src/cmdstan/compile.js";
import { sample } from "../../../src/cmdstan/run.js";
import { readStanCsv } from "../../../src/cmdstan/stanCsv.js";
import { studyCommands } from "../../../src/studies/kinds.js";
import { loadConfigOfCommand, runStudy } from "../../../src/studies/runStudy.js";
import type { StudyKind } from "../../../src/studies/studyKind.js";
import { InputError } from "../../../src/util/errors.js";
import { flatPriorContract, hierarchicalPriorContract } from "../../contracts/notebooks.js";
import { testCmdStan } from "../../helpers/cmdstan.js";
import { usersRepository } from "../../helpers/usersRepository.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const ORIGINAL = path.join(ROOT, "test", "fixtures", "original-configs");
const CLI = [path.join(ROOT, "node_modules", ".bin", "tsx"), path.join(ROOT, "src", "cli.ts")];
const prior = studyCommands().get("prior")!;
const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream };

type Json = Record<string, any>;
const readJson = async (file: string): Promise<Json> => JSON.parse(await readFile(file, "utf8"));

/** prior_samples.csv as columns (bracket names; quoted names unquoted). */
function samplesCsv(file: string): { header: string[]; rows: number[][] } {
  const lines = readFileSync(file, "utf8").trimEnd().split("\n");
  const header = lines[0].match(/("[^"]*"|[^,]*)(,|$)/g)!.map((h) => h.replace(/,$/, "").replace(/"/g, ""));
  header.pop(); // the empty match at the end of the line
  return { header, rows: lines.slice(1).map((l) => l.split(",").map(Number)) };
}

async function run(file: string, overrides: Record<string, unknown>) {
  const { kind, config } = await loadConfigOfCommand(prior, file, overrides);
  return { kind: kind.name, result: await runStudy(kind as StudyKind, config, quiet) };
}

describe("prior (real CmdStan)", () => {
  let tmp: string;
  /** The users' repository layout with their configs (models/ is our stan/). */
  let users: string;
  beforeAll(async () => {
    await testCmdStan();
    tmp = await mkdtemp(path.join(os.tmpdir(), "cr-prior-"));
    users = await usersRepository(path.join(tmp, "users"));
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("runs the users' hierarchical config unchanged; the summaries follow the simulator's distributions", async () => {
    const out = path.join(tmp, "h");
    const { kind, result } = await run(path.join(ORIGINAL, "h_m01_prior_analysis_config.json"), { output_dir: out });
    expect(kind).toBe("prior-hierarchical");
    expect(result.failed).toEqual([]);
    expect(hierarchicalPriorContract(out)).toEqual([]);
    const summary = await readJson(path.join(out, "summary.json"));
    expect(summary).toMatchObject({
      n_param_samples: 200,
      n_choice_samples: 5,
      J: 18,
      P: 7,
      K: 3,
      D: 2,
      R: 10,
      M_total: 360,
    });
    const s = summary.parameter_summary as Record<string, Json>;
    // 1000 independent joint draws: each check allows about 4 standard errors.
    const n = 1000;
    const near = (x: number, target: number, tol: number) => expect(Math.abs(x - target)).toBeLessThan(tol);
    near(s.gamma0.mean, 2.5, (4 * 0.5) / Math.sqrt(n)); // gamma0 ~ normal(2.5, 0.5)
    near(s.gamma0.std, 0.5, 0.05);
    near(s.gamma0.q05, 2.5 - 1.6449 * 0.5, 0.14);
    near(s.gamma0.q95, 2.5 + 1.6449 * 0.5, 0.14);
    for (let p = 1; p <= 7; p++) {
      near(s[`gamma[${p}]`].mean, 0, (4 * 0.5) / Math.sqrt(n)); // gamma[p] ~ normal(0, 0.5)
      near(s[`gamma[${p}]`].std, 0.5, 0.05);
    }
    near(s.sigma_cell.mean, 0.3 * Math.sqrt(2 / Math.PI), 0.025); // |normal(0, 0.3)|
    near(s.sigma_cell.std, 0.3 * Math.sqrt(1 - 2 / Math.PI), 0.025);
    for (const k of [1, 2]) {
      near(s[`delta[${k}]`].mean, 0.5, 0.037); // Dirichlet(1, 1): uniform(0, 1) margins
      near(s[`delta[${k}]`].std, Math.sqrt(1 / 12), 0.025);
      near(s[`delta[${k}]`].q05, 0.05, 0.03);
    }
    expect(s["upsilon[1]"]).toEqual({ mean: 0, std: 0, median: 0, q05: 0, q95: 0 });
    expect(s["upsilon[2]"]).toEqual(s["delta[1]"]);
    near(s["upsilon[3]"].mean, 1, 1e-12);
    // log alpha[j] = gamma0 + X_j gamma + sigma_cell z_j is symmetric about 2.5: median alpha[j] = e^2.5.
    for (let j = 1; j <= 18; j++) near(Math.log(s[`alpha[${j}]`].median), 2.5, 0.16);

    // The original's layout: no index column, param_set last; set i is the run with seed 12345 + i.
    const samples = samplesCsv(path.join(out, "prior_samples.csv"));
    expect(samples.header[0]).toBe("gamma0");
    expect(samples.header.at(-1)).toBe("param_set");
    expect(samples.header).toContain("beta[18,3,2]");
    expect(samples.rows).toHaveLength(n);
    expect(samples.rows.map((r) => r.at(-1))).toEqual(Array.from({ length: n }, (_, r) => Math.floor(r / 5)));
    const install = await testCmdStan();
    const sim = await compileModel(install, path.join(ROOT, "stan", "h_m01_sim.stan"));
    const direct = await sample(sim, {
      chains: 1,
      numSamples: 5,
      algorithm: "fixed_param",
      seed: 12345 + 137,
      dataFile: path.join(out, "sim_data.json"),
      outputDir: path.join(tmp, "direct"),
    });
    const csv = await readStanCsv(direct.csvFiles[0], { variables: ["gamma0", "sigma_cell"] });
    const col = (name: string) => samples.header.indexOf(name);
    const set137 = samples.rows.filter((r) => r.at(-1) === 137);
    expect(set137.map((r) => r[col("gamma0")])).toEqual(Array.from(csv.draws.gamma0));
    expect(set137.map((r) => r[col("sigma_cell")])).toEqual(Array.from(csv.draws.sigma_cell));

    const seu = await readJson(path.join(out, "seu_maximizer_selection", "seu_maximizer_summary.json"));
    expect(seu.total_problems).toBe(360);
    expect(seu.overall_prob_seu_max).toBeGreaterThan(0);
    expect(seu.overall_prob_seu_max).toBeLessThan(1);
    const choices = await readJson(path.join(out, "choices", "choice_summary.json"));
    expect(choices.cell_1).toMatchObject({ n_observations: 20, n_draws: 20 * n });
    const sum = (o: Record<string, number>) => Object.values(o).reduce((a, b) => a + b, 0);
    near(sum(choices.cell_1.choice_index_probs), 1, 1e-9);
    near(sum(choices.__global__.chosen_alternative_probs), 1, 1e-9);
    expect(await readJson(path.join(out, "hyperparameters.json"))).toMatchObject({ gamma0_mean: 2.5 });
    const timing = await readJson(path.join(out, "timing.json"));
    expect(timing.blocks_run).toBe(10);
    const users = "the users' h_m01_prior_analysis_config.json";
    expect(timing.truths).toMatchObject({ original_study: users, settings_differ: [] });
    // CmdStan's files are removed once a block's draws are written (keep_csv is false).
    expect(existsSync(path.join(out, "blocks", "block_1", "sim"))).toBe(false);
    expect(await readFile(path.join(out, "report.md"), "utf8")).toContain("gamma0");
  });

  it("resumes: a block whose draws were altered is redone, the others kept, with the same outputs", async () => {
    const out = path.join(tmp, "h");
    const before = await readFile(path.join(out, "summary.json"), "utf8");
    const draws = path.join(out, "blocks", "block_3", "draws.csv");
    const text = await readFile(draws, "utf8");
    await writeFile(draws, text.replace(/\n[^\n]*\n$/, "\n"));
    const { result } = await run(path.join(ORIGINAL, "h_m01_prior_analysis_config.json"), { output_dir: out });
    expect(result.resumed).toBe(9);
    expect(await readFile(draws, "utf8")).toBe(text);
    expect(await readFile(path.join(out, "summary.json"), "utf8")).toBe(before);
  });

  it("with seeding per_block, runs CmdStan once per block: other numbers after the first set, the same layout", async () => {
    const smoke = path.join(ROOT, "configs", "h_m01_prior_analysis_smoke_config.json");
    const a = path.join(tmp, "smoke");
    const b = path.join(tmp, "smoke-per-block");
    await run(smoke, { output_dir: a });
    await run(smoke, { output_dir: b, seeding: "per_block", keep_csv: true });
    const csvs = (await readdir(path.join(b, "blocks", "block_1", "sim"))).filter((f) => f.endsWith(".csv"));
    expect(csvs).toEqual(["sets_0-19-1.csv"]);
    const [x, y] = [a, b].map((d) => samplesCsv(path.join(d, "prior_samples.csv")));
    expect(y.header).toEqual(x.header);
    expect(y.rows.map((r) => r.at(-1))).toEqual(x.rows.map((r) => r.at(-1)));
    // A block's run has the seed of its first set, so that set's draws are the same; the next differ.
    const set = (t: typeof x, i: number) => t.rows.filter((r) => r.at(-1) === i).map((r) => r[0]);
    expect(set(y, 0)).toEqual(set(x, 0));
    expect(set(y, 1)).not.toEqual(set(x, 1));
    expect(hierarchicalPriorContract(b)).toEqual([]);
  });

  it("runs prior_analysis_config.json unchanged in the users' repository layout (m_0_sim, 1000 x 1)", async () => {
    const repo = users;
    const r = await execa(CLI[0], [CLI[1], "prior", "--config", "prior_analysis_config.json"], {
      cwd: repo,
      reject: false,
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const out = path.join(repo, "results", "prior_analysis");
    expect(flatPriorContract(out)).toEqual([]);
    const samples = samplesCsv(path.join(out, "prior_samples.csv"));
    expect(samples.header.slice(0, 2)).toEqual(["", "alpha"]); // pandas' index first
    expect(samples.rows).toHaveLength(1000);
    expect(samples.rows.map((row) => row[0])).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    const s = await readJson(path.join(out, "parameters", "parameter_summary.json"));
    expect(Math.abs(Math.log(s.alpha.median))).toBeLessThan(0.16); // alpha ~ lognormal(0, 1)
    expect(Object.keys(s)).toContain("beta[3,2]");
    const counts = await readJson(path.join(out, "choices", "choice_counts.json"));
    for (const c of Object.values(counts))
      expect(Object.values(c as Json).reduce((a: number, b) => a + (b as number), 0)).toBe(1000);
  });

  it("runs the users' m1, m2 and m3 configs; risky problems are summarised in full", async () => {
    for (const m of [1, 2, 3]) {
      const out = path.join(tmp, `m${m}`);
      const { result } = await run(path.join(users, `m${m}_prior_analysis_config.json`), { output_dir: out });
      expect((result as unknown as { rows: number }).rows).toBe(500);
      expect(flatPriorContract(out)).toEqual([]);
      for (const f of [
        "expected_utilities/risky_expected_utilities.png",
        "choice_probabilities/risky_choice_probabilities.png",
        "choices/risky_choice_distribution.png",
      ]) {
        expect(readFileSync(path.join(out, f)).subarray(1, 4).toString()).toBe("PNG");
      }
      const risky = await readJson(path.join(out, "choices", "risky_choice_counts.json"));
      expect(Object.keys(risky)).toHaveLength(20);
      const seu = await readJson(path.join(out, "seu_maximizer_selection", "seu_maximizer_summary.json"));
      expect(seu.total_problems).toBe(40);
      expect(Object.keys(seu.prob_seu_max_by_problem)).toEqual([
        ...Array.from({ length: 20 }, (_, i) => `${i + 1}`),
        ...Array.from({ length: 20 }, (_, i) => `risky_${i + 1}`),
      ]);
      expect(Number.isFinite(seu.overall_prob_seu_max)).toBe(true);
      expect(seu.total_seu_max_selected.max).toBeLessThanOrEqual(40);
      expect(seu.by_problem_kind.uncertain.total_problems).toBe(20);
      expect(seu.by_problem_kind.risky.total_problems).toBe(20);
      const s = await readJson(path.join(out, "parameters", "parameter_summary.json"));
      if (m > 1) expect(Object.keys(s)).toContain("omega");
      if (m > 1) expect(existsSync(path.join(out, "parameters", "alpha_vs_omega.png"))).toBe(true);
      if (m === 3) {
        expect(existsSync(path.join(out, "parameters", "kappa_dist.png"))).toBe(true);
        const samples = samplesCsv(path.join(out, "prior_samples.csv"));
        const [a, k, o] = ["alpha", "kappa", "omega"].map((n) => samples.header.indexOf(n));
        for (const row of samples.rows)
          expect(row[o]).toBeCloseTo(row[k] * row[a], 4 - Math.ceil(Math.log10(Math.abs(row[o]) + 1)));
      }
    }
  });

  it("honours parameter_priors (the original ignored them)", async () => {
    const config = await readJson(path.join(ORIGINAL, "m1_prior_analysis_config.json"));
    const file = path.join(tmp, "m1-priors.json");
    const parameter_priors = { alpha: { mean: 2, sd: 0.1 }, beta_sd: 1 };
    await writeFile(
      file,
      JSON.stringify({
        ...config,
        sim_model_path: path.join(ROOT, "stan", "m_1_sim.stan"),
        n_simulations: 40,
        parameter_priors,
      }),
    );
    const out = path.join(tmp, "m1-priors");
    await run(file, { output_dir: out });
    expect(await readJson(path.join(out, "hyperparameters.json"))).toEqual({
      alpha_mean: 2,
      alpha_sd: 0.1,
      beta_sd: 1,
    });
    const s = await readJson(path.join(out, "parameters", "parameter_summary.json"));
    expect(Math.abs(Math.log(s.alpha.median) - 2)).toBeLessThan(0.05);
  });

  it("refuses, before running, a simulator or values that do not fit, naming the key", async () => {
    const refusal = async (value: Json, overrides: Json = {}) => {
      const file = path.join(tmp, `bad-${Math.random().toString(36).slice(2)}.json`);
      await writeFile(file, JSON.stringify(value));
      const err = await run(file, { output_dir: path.join(tmp, "bad"), ...overrides }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      return (err as Error).message;
    };
    const m1 = { sim_model_path: path.join(ROOT, "stan", "m_1_sim.stan"), study_design_config: { M: 4, N: 3 } };
    expect(await refusal({ ...m1, parameter_priors: { omega_mean: 1 } })).toMatch(
      /parameter_priors: .*it has no hyperparameter omega_mean \(its hyperparameters: alpha_mean, alpha_sd, beta_sd\)/s,
    );
    expect(await refusal({ ...m1, study_design_config: { M: 4 } })).toMatch(
      /declares data N, which the study does not make \(the design has no risky problems/,
    );
    const inference = await refusal({ model_path: path.join(ROOT, "stan", "m_0.stan"), study_design_config: { M: 4 } });
    expect(inference).toMatch(/model_path: the simulator .*m_0.stan does not fit this study/);
    expect(inference).toMatch(/its uncertain problems lack the output\(s\) problem_etas or uncertain_etas/);
    expect(inference).toMatch(/declares data y, which the study does not make/);
    const h = { study_design_config: { factors: [2], M_per_cell: 2 }, hyperparameters: { gamma_size_mean: 1 } };
    expect(await refusal(h)).toMatch(/hyperparameters.gamma_size_mean: the simulator declares no data gamma_size_mean/);
    expect(existsSync(path.join(tmp, "bad", "blocks"))).toBe(false);
  });
});
