/**
 * The matched study end to end with the real CmdStan: the users' smoke config as they hold it (no
 * model keys) through the CLI from a folder of its own (aggregate_metrics.csv's columns and rows
 * as the original's aggregator writes them, each value equal to a computation by hand from the
 * iteration files; the slices, seeds and the readers' contract), a failed condition leaving its
 * iteration out of the aggregate, a resume, and bad input refused before anything runs.
 */
import { existsSync } from "node:fs";
import { cp, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReplicateRecord } from "../../../src/pipeline/records.js";
import { matchedConditions } from "../../../src/studies/matched/conditions.js";
import { matchedKind } from "../../../src/studies/matched/kind.js";
import { summarizeMatched } from "../../../src/studies/matched/summarize.js";
import { loadStudyConfig, runStudy } from "../../../src/studies/runStudy.js";
import { MATCHED_AGGREGATE_HEADER, matchedContract } from "../../contracts/notebooks.js";
import { testCmdStan } from "../../helpers/cmdstan.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const CLI = [path.join(ROOT, "node_modules", ".bin", "tsx"), path.join(ROOT, "src", "cli.ts")];
const USERS_SMOKE = path.join(ROOT, "test", "fixtures", "original-configs", "m1_matched_recovery_smoke_config.json");
const FLAT_DESIGNS = path.join(ROOT, "test", "fixtures", "flat-designs");
const LABELS = ["A_m0_M25", "B_m0_M50", "C_m1_M25N25", "D_m1_M50N50"];
const OFFSETS = [100, 200, 300, 400];
const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream };
const readJson = async (...parts: string[]) => JSON.parse(await readFile(path.join(...parts), "utf8"));
const cli = (args: string[], cwd: string) => execa(CLI[0], [CLI[1], ...args], { reject: false, cwd });

type Truth = { alpha: number; beta: number[][]; delta: number[] };
type Row = { mean: number; q5: number; q95: number };

/** A summary CSV as a spreadsheet reads it: the first field (quoted when it holds a comma) names the row. */
async function summaryRows(file: string): Promise<Map<string, Row>> {
  const [header, ...lines] = (await readFile(file, "utf8")).trim().split("\n");
  const cols = header.split(",");
  const at = (name: string) => cols.indexOf(name) - cols.length; // from the end: the name may hold commas
  const rows = new Map<string, Row>();
  for (const line of lines) {
    const name = line.startsWith('"') ? line.slice(1, line.indexOf('"', 1)) : line.split(",")[0];
    const f = line.split(",");
    rows.set(name, { mean: Number(f.at(at("Mean"))), q5: Number(f.at(at("5%"))), q95: Number(f.at(at("95%"))) });
  }
  return rows;
}

/** rmse, ci and cov of one condition's alpha, beta (mean over K x D) and delta (mean over K - 1) over `its`. */
async function byHand(out: string, label: string, its: number[]): Promise<Record<string, number>> {
  const per = new Map<string, { truth: number; row: Row }[]>();
  for (const i of its) {
    const truth: Truth = await readJson(out, `iteration_${i}`, "true_parameters.json");
    const rows = await summaryRows(path.join(out, `iteration_${i}`, `summary_${label}.csv`));
    const named: [string, number][] = [
      ["alpha", truth.alpha],
      ...truth.beta.flatMap((r, k) => r.map((v, d): [string, number] => [`beta[${k + 1},${d + 1}]`, v])),
      ...truth.delta.map((v, k): [string, number] => [`delta[${k + 1}]`, v]),
    ];
    for (const [name, value] of named)
      per.set(name, [...(per.get(name) ?? []), { truth: value, row: rows.get(name)! }]);
  }
  const avg = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
  const stat = (name: string) => {
    const xs = per.get(name)!;
    return {
      rmse: Math.sqrt(avg(xs.map((x) => (x.row.mean - x.truth) ** 2))),
      ci: avg(xs.map((x) => x.row.q95 - x.row.q5)),
      cov: avg(xs.map((x) => (x.row.q5 <= x.truth && x.truth <= x.row.q95 ? 1 : 0))),
    };
  };
  const group = (prefix: string) => {
    const stats = [...per.keys()].filter((n) => n.startsWith(`${prefix}[`)).map(stat);
    return { rmse: avg(stats.map((s) => s.rmse)), ci: avg(stats.map((s) => s.ci)), cov: avg(stats.map((s) => s.cov)) };
  };
  const alpha = stat("alpha");
  const beta = group("beta");
  const delta = group("delta");
  expect([...per.keys()].filter((n) => n.startsWith("beta[")).length).toBe(15);
  return {
    alpha_rmse: alpha.rmse,
    alpha_ci: alpha.ci,
    alpha_cov: alpha.cov,
    beta_rmse: beta.rmse,
    beta_ci: beta.ci,
    beta_cov: beta.cov,
    delta_rmse: delta.rmse,
    delta_ci: delta.ci,
    delta_cov: delta.cov,
  };
}

/** aggregate_metrics.csv's rows equal, field by field, a computation by hand over iterations `its`. */
async function expectAggregate(out: string, its: number[]): Promise<void> {
  const [header, ...lines] = (await readFile(path.join(out, "aggregate_metrics.csv"), "utf8")).split("\n");
  expect(header).toBe(MATCHED_AGGREGATE_HEADER);
  expect(lines.at(-1)).toBe(""); // one trailing newline, as pandas writes
  const rows = lines.slice(0, -1).map((l) => l.split(","));
  expect(rows.map((r) => r[0])).toEqual(LABELS);
  const columns = header.split(",");
  for (const row of rows) {
    expect(row[1]).toBe(String(its.length)); // n_iter: an integer column
    const want = await byHand(out, row[0], its);
    for (const [k, field] of row.slice(2).entries()) {
      expect(field, `${row[0]} ${columns[k + 2]}`).toMatch(/^-?\d+\.\d+(e[+-]\d\d)?$/); // Python's float repr
      expect(Number(field), `${row[0]} ${columns[k + 2]}`).toBeCloseTo(want[columns[k + 2]], 12);
    }
  }
}

describe("matched (real CmdStan)", () => {
  let tmp: string;
  let out: string;

  beforeAll(async () => {
    await testCmdStan();
    tmp = await mkdtemp(path.join(os.tmpdir(), "cr-matched-"));
    await cp(USERS_SMOKE, path.join(tmp, "m1_matched_recovery_smoke_config.json"));
    out = path.join(tmp, "results", "parameter_recovery", "m1_matched_comparison_smoke");
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  it("the users' smoke config, unchanged, through the CLI: the original's files, aggregate equal to a computation by hand", async () => {
    const run = await cli(["matched", "--config", "m1_matched_recovery_smoke_config.json"], tmp);
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain("aggregate_metrics.csv over the 2 iterations where all four conditions finished");
    expect(matchedContract(out)).toEqual([]);
    await expectAggregate(out, [1, 2]);

    expect(await readJson(out, "conditions.json")).toEqual([
      { label: "A_m0_M25", model: "m_0", M: 25, N: 0, seed_offset: 100 },
      { label: "B_m0_M50", model: "m_0", M: 50, N: 0, seed_offset: 200 },
      { label: "C_m1_M25N25", model: "m_1", M: 25, N: 25, seed_offset: 300 },
      { label: "D_m1_M50N50", model: "m_1", M: 50, N: 50, seed_offset: 400 },
    ]);
    const info = await readJson(out, "config_info.json");
    expect(info).toMatchObject({ n_iterations: 2, n_mcmc_samples: 500, n_mcmc_chains: 2, n_mcmc_warmup: 250 });
    expect(info).toMatchObject({ M: 50, N: 50, K: 3, D: 5, R: 15, S: 15, risky_probs: "fixed" });
    expect(info.sim_model_path).toBe(path.join(ROOT, "stan", "m_1_sim.stan"));
    const truths = await Promise.all([1, 2].map((i) => readJson(out, `iteration_${i}`, "true_parameters.json")));
    expect(await readJson(out, "all_true_parameters.json")).toEqual(truths);
    for (const i of [1, 2]) await checkIteration(out, i);
    const report = await readFile(path.join(out, "report.md"), "utf8");
    expect(report).toContain("Over the 2 iterations (of 2) in which all four conditions finished");
    expect(report).toContain("None: every simulation and every condition of the 2 iterations run finished.");
  });

  it("an iteration with a failed condition is left out of every condition's row, and reported", async () => {
    const copy = path.join(tmp, "failed");
    await cp(out, copy, { recursive: true });
    const dir = path.join(copy, "iteration_2");
    await rm(path.join(dir, "summary_C_m1_M25N25.csv"));
    await writeFile(path.join(dir, "error_C_m1_M25N25.txt"), "condition C_m1_M25N25 failed: made up by the test\n");
    const records = new Map<number, ReplicateRecord>();
    for (const i of [1, 2]) records.set(i, await readJson(copy, `iteration_${i}`, "iteration.json"));
    const summary = await summarizeMatched({
      outputDir: copy,
      nIterations: 2,
      conditions: matchedConditions(50, 50),
      modelOf: { A_m0_M25: "m_0", B_m0_M50: "m_0", C_m1_M25N25: "m_1", D_m1_M50N50: "m_1" },
      K: 3,
      D: 5,
      transitions: 1000,
      settings: () => [],
      records,
      wallSeconds: 0,
    });
    expect(summary.complete).toEqual([1]);
    await expectAggregate(copy, [1]);
    expect(matchedContract(copy)).toEqual([]);
    expect((await readJson(copy, "all_true_parameters.json")).length).toBe(2);
    const report = await readFile(path.join(copy, "report.md"), "utf8");
    expect(report).toContain(
      "- iteration 2, C_m1_M25N25 ([iteration_2/error_C_m1_M25N25.txt](iteration_2/error_C_m1_M25N25.txt)): `condition C_m1_M25N25 failed: made up by the test`",
    );
  });

  it("resumes: a finished iteration is kept, a removed record's iteration is redone, the aggregate is the same", async () => {
    const before = await readFile(path.join(out, "aggregate_metrics.csv"), "utf8");
    const kept = await readFile(path.join(out, "iteration_1", "iteration.json"), "utf8");
    await rm(path.join(out, "iteration_2", "iteration.json"));
    // Its output_dir is relative: without model keys it resolves against the working directory, the CLI's tmp.
    const file = path.join(tmp, "m1_matched_recovery_smoke_config.json");
    const config = await loadStudyConfig(matchedKind, file, { output_dir: out });
    const result = await runStudy(matchedKind, config, quiet);
    expect(result.resumed).toBe(1);
    expect(result.complete).toEqual([1, 2]);
    expect(await readFile(path.join(out, "iteration_1", "iteration.json"), "utf8")).toBe(kept);
    expect(await readFile(path.join(out, "aggregate_metrics.csv"), "utf8")).toBe(before);
  });

  it("refuses bad input before anything runs, naming the file and the key", async () => {
    const write = async (name: string, change: Record<string, unknown>) => {
      const users = await readJson(USERS_SMOKE);
      const file = path.join(tmp, name);
      await writeFile(file, JSON.stringify({ ...users, output_dir: path.join(tmp, `${name}-out`), ...change }));
      return file;
    };
    const noN = await write("no-n.json", { study_design_config: { M: 50, K: 3, D: 5, R: 15 } });
    const odd = await write("odd.json", {
      study_design_config: undefined,
      study_design_path: path.join(FLAT_DESIGNS, "m1_study.json"),
    });
    const flat = await write("flat.json", {
      study_design_config: undefined,
      study_design_path: path.join(FLAT_DESIGNS, "study.json"),
    });
    const cases: Array<[string, string]> = [
      [noN, `cmdstan-recover: ${noN}: study_design_config.N: is required`],
      [odd, `cmdstan-recover: ${odd}: study_design_path: ${path.join(FLAT_DESIGNS, "m1_study.json")}: M: 3 is odd`],
      [
        flat,
        `cmdstan-recover: ${flat}: study_design_path: ${path.join(FLAT_DESIGNS, "study.json")} has no risky problems`,
      ],
    ];
    for (const [file, message] of cases) {
      const run = await cli(["matched", "--config", file], tmp);
      expect(run.exitCode, run.stderr).not.toBe(0);
      expect(run.stderr).toContain(message);
      expect(existsSync(`${file}-out`), file).toBe(false);
    }
  });
});

/** One iteration's slices, seeds and truth as docs/matched.md says. */
async function checkIteration(out: string, i: number): Promise<void> {
  const dir = path.join(out, `iteration_${i}`);
  const record = await readJson(dir, "iteration.json");
  const fitSeeds = Object.fromEntries(LABELS.map((l, k) => [l, 54321 + 17 * (i - 1) + OFFSETS[k]]));
  expect(record.seeds).toEqual({ sim: 12345 + i - 1, ...fitSeeds });
  expect(Object.keys(await readJson(dir, "true_parameters.json"))).toEqual(["alpha", "beta", "delta"]);
  const [a, b, c, d] = await Promise.all(LABELS.map((l) => readJson(dir, `data_${l}.json`)));
  expect(Object.keys(a)).toEqual(["M", "K", "D", "R", "w", "I", "y"]);
  expect(Object.keys(d)).toEqual(["M", "K", "D", "R", "w", "I", "y", "N", "S", "x", "J", "z"]);
  expect([a.M, a.I.length, a.y.length, b.M, b.y.length]).toEqual([25, 25, 25, 50, 50]);
  expect([c.M, c.N, c.J.length, c.z.length, d.N, d.z.length]).toEqual([25, 25, 25, 25, 50, 50]);
  // One data set, sliced: the halves are the first problems of the whole.
  expect(a.y).toEqual(b.y.slice(0, 25));
  expect(c.y).toEqual(d.y.slice(0, 25));
  expect(c.z).toEqual(d.z.slice(0, 25));
  expect(d.y).toEqual(b.y);
  expect(c.J).toEqual(d.J.slice(0, 25));
  for (const [k, label] of LABELS.entries()) {
    const stdout = await readFile(path.join(dir, `fit_${label}`, "fit-1-stdout.txt"), "utf8");
    expect(stdout).toMatch(new RegExp(`seed = ${fitSeeds[label]}\\n`));
    expect(existsSync(path.join(dir, `error_${label}.txt`)), `${label}, offset ${OFFSETS[k]}`).toBe(false);
    expect((await readdir(path.join(dir, `fit_${label}`))).filter((f) => f.endsWith(".csv"))).toEqual([]);
  }
}
