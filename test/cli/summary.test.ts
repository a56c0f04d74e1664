/**
 * `cmdstan-recover summary` run as a child process (the real CLI entry point, src/cli.ts) on the
 * real CmdStan CSV fixtures; quantiles checked against the real bin/stansummary.
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatG, formatSummaryTable } from "../../src/cli/summary.js";
import { parseSummaryCsv } from "../../src/analysis/summary.js";
import { CSV_FIXTURES, REPO_ROOT, testCmdStan } from "../helpers/cmdstan.js";

const fx = (name: string) => path.join(CSV_FIXTURES, name);
const GOOD = [1, 2, 3, 4].map((i) => fx(`runset-good_bern-${i}.csv`));
const TSX = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");

/** Runs the CLI; never throws on a non-zero exit. */
async function cli(args: string[]) {
  const r = await execa(TSX, ["src/cli.ts", ...args], {
    cwd: REPO_ROOT,
    reject: false,
    env: { DEBUG: "", NODE_NO_WARNINGS: "1" },
  }); // a Node warning on stderr is not the CLI's output
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

/** The real bin/stansummary's rows (by name) for the files. */
async function stansummary(files: string[]): Promise<Map<string, Record<string, string>>> {
  const install = await testCmdStan();
  const out = path.join(dir, `stansummary-${Math.random().toString(36).slice(2)}.csv`);
  await execa(
    path.join(install.path, "bin", "stansummary"),
    ["--percentiles=5,50,95", "--sig_figs=6", `--csv_filename=${out}`, ...files],
    {
      cwd: dir,
    },
  );
  const records = parseCsv(await readFile(out, "utf8"), {
    comment: "#",
    columns: true,
    skip_empty_lines: true,
  }) as Record<string, string>[];
  return new Map(records.map((r) => [r.name, r]));
}

/** A failed run: exit 1, one paragraph on stderr naming the file, no stack trace. */
function expectFailureNaming(r: { code?: number; stdout: string; stderr: string }, file: string, what: RegExp) {
  expect(r.code).toBe(1);
  expect(r.stdout).toBe("");
  const msg = r.stderr.trim();
  // Compared as a prefix string so a failure prints what the CLI actually wrote.
  expect(msg.slice(0, `cmdstan-recover: ${file}`.length)).toBe(`cmdstan-recover: ${file}`);
  expect(msg).toMatch(what);
  expect(msg).not.toMatch(/\n\s*\n/); // one paragraph
  expect(msg).not.toMatch(/^\s+at /m); // no stack trace
  expect(msg).not.toMatch(/internal error/);
}

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "cli-summary-"));
  await testCmdStan();
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("summary on the good 4-chain runset", () => {
  it("--out writes one row per model output whose 5%/50%/95% equal bin/stansummary", async () => {
    const out = path.join(dir, "summary.csv");
    const r = await cli(["summary", ...GOOD, "--out", out]);
    expect(r.stderr).toBe(`wrote ${out}`);
    expect(r.code).toBe(0);
    const text = await readFile(out, "utf8");
    expect(text.split("\n")[0]).toBe(",Mean,MCSE,StdDev,5%,50%,95%,ESS_bulk,ESS_tail,R_hat");
    const rows = parseSummaryCsv(text, out);
    expect(rows.map((x) => x.name)).toEqual(["theta"]); // model outputs only, no sampler columns
    const ref = await stansummary(GOOD);
    const theta = rows[0];
    const want = ref.get("theta")!;
    expect(theta.q5).toBe(Number(want["5%"]));
    expect(theta.q50).toBe(Number(want["50%"]));
    expect(theta.q95).toBe(Number(want["95%"]));
    expect(Math.abs(theta.mean - Number(want.Mean))).toBeLessThan(1e-5 * Math.abs(theta.mean));
    expect(Math.abs(theta.sd - Number(want.StdDev))).toBeLessThan(1e-5 * theta.sd);
    expect(theta.essBulk).toBeGreaterThan(10);
    expect(theta.essBulk).toBeLessThan(400);
    expect(theta.rhat).toBeGreaterThan(1);
  });

  it("prints an aligned table with the header line and one row per output", async () => {
    const r = await cli(["summary", ...GOOD]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    const lines = r.stdout.split("\n");
    expect(lines[0]).toBe("bernoulli_model: 4 chains x 100 draws (400 in total)");
    expect(lines[1]).toBe("");
    expect(lines[2].split(/\s+/)).toEqual([
      "name",
      "Mean",
      "MCSE",
      "StdDev",
      "5%",
      "50%",
      "95%",
      "ESS_bulk",
      "ESS_tail",
      "R_hat",
    ]);
    const cells = lines[3].split(/\s+/);
    expect(cells[0]).toBe("theta");
    expect(cells.slice(4, 7)).toEqual(["0.07663", "0.2402", "0.4522"]); // stansummary: 0.0766325 0.240171 0.452204
    expect(lines[4]).toMatch(
      /^quantiles: (order statistic \(stansummary <= 2\.35\)|type 7 linear interpolation \(stansummary >= 2\.36\)), the rule of CmdStan \d+\.\d+\.\d+ \(/,
    );
    expect(lines).toHaveLength(5);
    // Aligned: every column ends at the same offset as its title.
    const ends = (l: string) => [...l.matchAll(/\S+/g)].slice(1).map((m) => m.index! + m[0].length);
    expect(ends(lines[3])).toEqual(ends(lines[2]));
  });

  it("--variables picks variables (sampler columns by name), in file order, matching stansummary", async () => {
    const out = path.join(dir, "subset.csv");
    const r = await cli(["summary", ...GOOD, "--variables", "theta,lp__", "--out", out]);
    expect(r.code).toBe(0);
    const rows = parseSummaryCsv(await readFile(out, "utf8"), out);
    expect(rows.map((x) => x.name)).toEqual(["lp__", "theta"]);
    const ref = await stansummary(GOOD);
    for (const row of rows) {
      expect(row.q5).toBe(Number(ref.get(row.name)!["5%"]));
      expect(row.q95).toBe(Number(ref.get(row.name)!["95%"]));
    }
    const missing = await cli(["summary", ...GOOD, "--variables", "theta,nope"]);
    expectFailureNaming(missing, GOOD[0], /variable 'nope' not in the header/);
  });

  it("matches stansummary on every output of a multi-dimensional fit", async () => {
    const files = [fx("multidim_vars.csv")];
    const out = path.join(dir, "multidim.csv");
    expect((await cli(["summary", ...files, "--out", out])).code).toBe(0);
    const rows = parseSummaryCsv(await readFile(out, "utf8"), out);
    const ref = await stansummary(files);
    const modelRows = [...ref.keys()].filter((n) => !n.endsWith("__"));
    // Bracket names, one row per output; CSV column order (first index fastest), whereas
    // stansummary lists containers last index fastest.
    expect([...rows.map((x) => x.name)].sort()).toEqual([...modelRows].sort());
    expect(rows.slice(2, 5).map((x) => x.name)).toEqual(["y_rep[1,1,1]", "y_rep[2,1,1]", "y_rep[3,1,1]"]);
    expect(rows.some((x) => x.name === "y_rep[5,4,3]")).toBe(true);
    for (const row of rows) {
      const want = ref.get(row.name)!;
      for (const [k, q] of [
        ["5%", row.q5],
        ["50%", row.q50],
        ["95%", row.q95],
      ] as const) {
        if (want[k] === "nan") expect(q).toBeNaN();
        else expect(q).toBe(Number(want[k]));
      }
    }
  });
});

describe("summary refuses input that is not the chains of one sampling run", () => {
  it.each(["bad-cols", "bad-draws", "bad-hdr"])("runset-bad_%s: exit 1 naming the broken chain", async (kind) => {
    const files = [1, 2, 3, 4].map((i) => fx(`runset-bad_${kind}-bern-${i}.csv`));
    const r = await cli(["summary", ...files]);
    const what = {
      "bad-cols": /:44: row has 8 fields, the header has 9/,
      "bad-draws": /:1031: 988 post-warmup draws, expected 1000/,
      "bad-hdr": /:4: model "foo" differs/,
    }[kind]!;
    expectFailureNaming(r, files[3], what);
  });

  it("an optimize file: wrong method", async () => {
    const f = fx("optimize_rosenbrock_mle.csv");
    expectFailureNaming(await cli(["summary", f]), f, /method is 'optimize', expected 'sample'/);
    // Also after good chains.
    expectFailureNaming(await cli(["summary", GOOD[0], f]), f, /method is 'optimize'/);
  });

  it("other methods: variational and pathfinder", async () => {
    for (const name of ["variational_eta_big_output.csv", "pathfinder_bernoulli-pathfinder.csv"]) {
      const f = fx(name);
      expectFailureNaming(await cli(["summary", f]), f, /expected 'sample'/);
    }
  });

  it("chains of two different runs", async () => {
    // Another model.
    const other = fx("logistic_output_3.csv");
    expectFailureNaming(
      await cli(["summary", GOOD[0], GOOD[1], other, fx("logistic_output_4.csv")]),
      other,
      /model "logistic_model" differs from "bernoulli_model"/,
    );
    // The same model, another run (num_samples differ).
    const bern = fx("bernoulli_output_1.csv");
    expectFailureNaming(await cli(["summary", ...GOOD.slice(0, 3), bern]), bern, /num_samples 10 differs from 100/);
    // The same chain twice (readStanFit's check, tested in test/cmdstan/stanCsv.test.ts).
    expectFailureNaming(await cli(["summary", GOOD[0], GOOD[0]]), GOOD[0], /given twice/);
  });

  it("a missing file", async () => {
    const f = path.join(dir, "nope.csv");
    expectFailureNaming(await cli(["summary", f]), f, /cannot read file/);
  });
});

describe("table formatting", () => {
  it("formatG is printf %g", () => {
    expect(formatG(0.0766325, 4)).toBe("0.07663");
    expect(formatG(-7.19886, 4)).toBe("-7.199");
    expect(formatG(1, 4)).toBe("1");
    expect(formatG(12345.6, 4)).toBe("1.235e+04");
    expect(formatG(0.000012345, 4)).toBe("1.234e-05");
    expect(formatG(0.0001, 4)).toBe("0.0001");
    expect(formatG(9999.6, 4)).toBe("1e+04");
    expect(formatG(1.19369e14, 4)).toBe("1.194e+14");
    expect(formatG(0, 4)).toBe("0");
    expect([formatG(NaN, 4), formatG(Infinity, 4), formatG(-Infinity, 4)]).toEqual(["nan", "inf", "-inf"]);
  });

  it("NaN diagnostics of a constant output print as nan", () => {
    const t = formatSummaryTable([
      { name: "c", mean: 1.5, mcse: NaN, sd: 0, q5: 1.5, q50: 1.5, q95: 1.5, essBulk: NaN, essTail: NaN, rhat: NaN },
    ]);
    expect(t.split("\n")[1].split(/\s+/)).toEqual(["c", "1.5", "nan", "0", "1.5", "1.5", "1.5", "nan", "nan", "nan"]);
  });
});
