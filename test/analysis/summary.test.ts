import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  essBulk,
  essTail,
  formatSummaryCsv,
  parseSummaryCsv,
  quantile,
  quantileBy,
  quantileRuleFor,
  QUANTILE_RULE_LABELS,
  type QuantileRule,
  rankNormalizedSplitRhat,
  summarizeChains,
  summarizeFit,
  type VariableSummaryRow,
} from "../../src/analysis/summary.js";
import { StanCsvError } from "../../src/util/errors.js";
import { sample } from "../../src/cmdstan/run.js";
import { bracketName, readStanFit, type StanFit } from "../../src/cmdstan/stanCsv.js";
import { arvizDiagnostics, requirePython } from "../helpers/arviz.js";
import { compileTestModel, CSV_FIXTURES, testCmdStan } from "../helpers/cmdstan.js";

const FIX = CSV_FIXTURES;
const fx = (name: string) => path.join(FIX, name);
const chains4 = (prefix: string) => [1, 2, 3, 4].map((i) => fx(`${prefix}${i}.csv`));

/** Deterministic pseudo-random numbers (LCG + Box-Muller), so failures are reproducible. */
function rng(seed: number) {
  let s = seed >>> 0;
  const u = () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s + 0.5) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(u())) * Math.cos(2 * Math.PI * u());
  return { u, normal };
}

function ar1(
  seed: number,
  chains: number,
  n: number,
  phi: number,
  offset: (chain: number) => number = () => 0,
): Float64Array[] {
  const r = rng(seed);
  return Array.from({ length: chains }, (_, c) => {
    const a = new Float64Array(n);
    let x = 0;
    for (let i = 0; i < n; i++) {
      x = phi * x + r.normal();
      a[i] = x + offset(c);
    }
    return a;
  });
}

function typeSeven(sorted: Float64Array, p: number): number {
  const h = (sorted.length - 1) * p;
  const lo = Math.floor(h);
  return sorted[lo] + (h - lo) * ((sorted[Math.min(lo + 1, sorted.length - 1)] ?? 0) - sorted[lo]);
}

function columnsOf(fit: StanFit): Record<string, Float64Array[]> {
  const out: Record<string, Float64Array[]> = {};
  for (const c of fit.chains[0].columnNames) out[c] = fit.chains.map((ch) => ch.draws[c]);
  return out;
}

const relDiff = (a: number, b: number) => Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);

// ---------------------------------------------------------------------------------------

let dir: string;
let shapesFit4: string[]; // 4 chains x 1000 draws
let shapesFitOdd: string[]; // 3 chains x 333 draws

beforeAll(async () => {
  requirePython();
  dir = await mkdtemp(path.join(tmpdir(), "summary-test-"));
  const model = await compileTestModel("summary_shapes");
  const opts = { refresh: 0, outputDir: dir };
  shapesFit4 = (await sample(model, { ...opts, chains: 4, numSamples: 1000, seed: 4711, outputPrefix: "shapes4" }))
    .csvFiles;
  shapesFitOdd = (await sample(model, { ...opts, chains: 3, numSamples: 333, seed: 99, outputPrefix: "shapes-odd" }))
    .csvFiles;
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("quantileRuleFor: the rule follows the CmdStan release", () => {
  it("order statistic up to 2.35, type 7 from 2.36 (release candidates by their number)", () => {
    for (const v of ["2.26.1", "2.27.0", "2.33.1", "2.35.0", "2.35.9"])
      expect(quantileRuleFor(v)).toBe("order-statistic");
    for (const v of ["2.36.0", "2.36.0-rc1", "2.37.0", "3.0.0"]) expect(quantileRuleFor(v)).toBe("type-7");
    expect(() => quantileRuleFor("nightly")).toThrow(/not a CmdStan version: 'nightly'/);
    expect(QUANTILE_RULE_LABELS["type-7"]).toBe("type 7 linear interpolation (stansummary >= 2.36)");
  });
  it("type 7 interpolates between order statistics (R type 7, numpy linear)", () => {
    const x = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(quantileBy("type-7", x, 0.05)).toBeCloseTo(1.45, 12); // h = 9 * 0.05 = 0.45
    expect(quantileBy("type-7", x, 0.5)).toBeCloseTo(5.5, 12);
    expect(quantileBy("type-7", x, 0.95)).toBeCloseTo(9.55, 12);
    expect(quantileBy("order-statistic", x, 0.05)).toBe(1);
    expect(quantileBy("type-7", Float64Array.from([1, 2, NaN]), 0.5)).toBeNaN();
    expect(quantileBy("type-7", new Float64Array(0), 0.5)).toBeNaN();
  });
});

describe("quantile: the rule of bin/stansummary up to 2.35 (Boost tail_quantile, no interpolation)", () => {
  it("picks order statistics with the index computed in double precision", () => {
    const x2000 = Float64Array.from({ length: 2000 }, (_, i) => i);
    expect(quantile(x2000, 0.05)).toBe(99); // ceil(2000 * 0.05) = 100 -> 100th smallest
    expect(quantile(x2000, 0.5)).toBe(1000); // ceil(2000 * 0.5) = 1000 -> 1000th largest
    expect(quantile(x2000, 0.95)).toBe(1899); // 2000 * (1 - 0.95) = 100.00000000000009 -> 101st largest
    const x400 = Float64Array.from({ length: 400 }, (_, i) => i);
    expect(quantile(x400, 0.05)).toBe(19);
    expect(quantile(x400, 0.95)).toBe(379);
    const x5 = Float64Array.from([1, 2, 3, 4, 5]);
    expect([quantile(x5, 0.05), quantile(x5, 0.5), quantile(x5, 0.95)]).toEqual([1, 3, 5]);
    expect(quantile(Float64Array.from([7, 8]), 0.5)).toBe(8);
    // Boost gives NaN when the index reaches the cache size: every quantile of one draw.
    expect(quantile(Float64Array.from([3]), 0.5)).toBeNaN();
    expect(quantile(Float64Array.from([1, 2, NaN]), 0.05)).toBeNaN();
    expect(quantile(new Float64Array(0), 0.5)).toBeNaN();
  });
});

/** Run the real bin/stansummary and return its rows by bracket name. */
async function stansummary(files: string[]): Promise<Map<string, Record<string, number>>> {
  const cmdstan = (await testCmdStan()).path;
  const out = path.join(dir, `ss-${Math.random().toString(36).slice(2)}.csv`);
  await execa(path.join(cmdstan, "bin", "stansummary"), [
    "--percentiles=5,50,95",
    "--sig_figs=6",
    `--csv_filename=${out}`,
    ...files,
  ]);
  const text = await readFile(out, "utf8");
  const records = parseCsv(text, { comment: "#", columns: true, skip_empty_lines: true }) as Record<string, string>[];
  const rows = new Map<string, Record<string, number>>();
  for (const r of records) {
    const nums: Record<string, number> = {};
    for (const [k, v] of Object.entries(r))
      if (k !== "name") nums[k] = v === "nan" ? NaN : v === "inf" ? Infinity : v === "-inf" ? -Infinity : Number(v);
    rows.set(r.name, nums);
  }
  return rows;
}

describe("quantiles, mean and sd agree with bin/stansummary (of the CmdStan in use, by its rule) on the same CSV files", () => {
  const sets: [string, () => string[]][] = [
    ["logistic, 4 chains x 100", () => chains4("logistic_output_")],
    ["bernoulli, 4 chains x 100", () => chains4("runset-good_bern-")],
    ["corr_gauss, 1 chain x 1000, 100 variables", () => [fx("diagnose-good_corr_gauss_depth8-1.csv")]],
    ["bernoulli_ppc, 1 chain x 1000", () => [fx("sampling_output.csv")]],
    ["lotka-volterra, 1 chain x 20", () => [fx("lotka-volterra.csv")]],
    ["multidim, 1 chain x 20", () => [fx("multidim_vars.csv")]],
    ["summary_shapes (real run), 4 chains x 1000", () => shapesFit4],
    ["summary_shapes (real run), 3 chains x 333", () => shapesFitOdd],
  ];
  let otherRuleMismatches = 0;
  let rule: QuantileRule;
  beforeAll(async () => {
    rule = quantileRuleFor((await testCmdStan()).version);
  });

  it.each(sets)("%s", async (_label, files) => {
    const fit = await readStanFit(files(), { requireMethod: "sample" });
    const ref = await stansummary(files());
    let compared = 0;
    for (const [col, chains] of Object.entries(columnsOf(fit))) {
      const name = bracketName(col);
      const r = ref.get(name);
      if (!r) throw new Error(`stansummary has no row ${name}`);
      const s = summarizeChains(chains, rule);
      // Printed with 6 significant digits: allow half a unit in the 6th digit (plus a hair).
      const close = (ours: number, theirs: number, what: string) => {
        if (Number.isNaN(theirs) || Number.isNaN(ours))
          expect(`${name} ${what} ${ours}`).toBe(`${name} ${what} ${theirs}`);
        else if (Math.abs(ours - theirs) > 5.0001e-6 * Math.abs(ours) + 1e-12)
          expect.fail(`${name} ${what}: ours ${ours}, stansummary ${theirs}`);
      };
      close(s.q5, r["5%"], "5%");
      close(s.q50, r["50%"], "50%");
      close(s.q95, r["95%"], "95%");
      close(s.mean, r.Mean, "Mean");
      if (s.sd !== 0) close(s.sd, r.StdDev, "StdDev");
      else expect(Math.abs(r.StdDev)).toBeLessThan(1e-10 * Math.max(1, Math.abs(s.mean))); // stansummary prints rounding noise
      compared++;
      const sorted = Float64Array.from(chains.flatMap((c) => Array.from(c))).sort();
      for (const [p, key] of [
        [0.05, "5%"],
        [0.5, "50%"],
        [0.95, "95%"],
      ] as const) {
        const other = rule === "type-7" ? quantile(sorted, p) : typeSeven(sorted, p);
        if (Math.abs(other - r[key]) > 5.0001e-6 * Math.abs(r[key]) + 1e-12) otherRuleMismatches++;
      }
    }
    expect(compared).toBe(fit.chains[0].columnNames.length);
  });

  it("the comparison discriminates: the other rule (order statistic / type 7) would not have matched", () => {
    expect(otherRuleMismatches).toBeGreaterThan(100);
  });
});

// ---------------------------------------------------------------------------------------

interface Case {
  label: string;
  vars: () => Promise<Record<string, Float64Array[]>> | Record<string, Float64Array[]>;
}

const cases: Case[] = [
  { label: "logistic fixture, 4 chains", vars: async () => columnsOf(await readStanFit(chains4("logistic_output_"))) },
  {
    label: "bernoulli fixture, 4 chains",
    vars: async () => columnsOf(await readStanFit(chains4("runset-good_bern-"))),
  },
  {
    label: "corr_gauss fixture, 1 chain x 1000",
    vars: async () => columnsOf(await readStanFit([fx("diagnose-good_corr_gauss_depth8-1.csv")])),
  },
  {
    label: "real run, 4 chains x 1000 (ties in coin, treedepth__)",
    vars: async () => columnsOf(await readStanFit(shapesFit4)),
  },
  {
    label: "real run, 3 chains x 333 (odd length: middle draws dropped)",
    vars: async () => columnsOf(await readStanFit(shapesFitOdd)),
  },
  {
    label: "synthetic: slow AR(1) (FFT autocovariance path), shifted chains, heavy tails, tiny chains",
    vars: () => ({
      ar_slow: ar1(1, 4, 1000, 0.995),
      ar_mid: ar1(2, 4, 2000, 0.9),
      ar_neg: ar1(3, 2, 501, -0.6),
      shifted: ar1(4, 4, 500, 0.3, (c) => (c === 3 ? 1.5 : 0)),
      cauchy: (() => {
        const r = rng(5);
        return [0, 1, 2].map(() => Float64Array.from({ length: 800 }, () => Math.tan(Math.PI * (r.u() - 0.5))));
      })(),
      discrete: (() => {
        const r = rng(6);
        return [0, 1, 2, 3].map(() => Float64Array.from({ length: 300 }, () => Math.floor(r.u() * 3)));
      })(),
      four_draws: ar1(7, 2, 4, 0.1),
      five_draws: ar1(8, 3, 5, 0.1),
    }),
  },
];

describe("R-hat, ESS and MCSE agree with ArviZ 0.20 run live", () => {
  it.each(cases)("$label", async ({ vars }) => {
    const v = await vars();
    const ref = await arvizDiagnostics(v);
    let compared = 0;
    for (const [name, chains] of Object.entries(v)) {
      const s = summarizeChains(chains, "order-statistic"); // quantiles are not compared here
      const r = ref[name];
      const all = chains.flatMap((c) => Array.from(c));
      const constant = all.every((x) => x === all[0]);
      if (constant) {
        // Deliberate deviation: NaN where ArviZ reports ESS = number of draws and MCSE 0.
        expect([s.essBulk, s.essTail, s.mcse, s.rhat]).toEqual([NaN, NaN, NaN, NaN]);
        expect(r.ess_bulk).toBe(chains.length * 2 * Math.floor(chains[0].length / 2)); // size of the split array
        expect(r.rhat).toBeNaN();
        continue;
      }
      const within = (ours: number, theirs: number, what: string, tol = 1e-9) => {
        if (Number.isNaN(theirs)) expect(`${name} ${what} ${ours}`).toBe(`${name} ${what} NaN`);
        else if (!(relDiff(ours, theirs) <= tol)) expect.fail(`${name} ${what}: ours ${ours}, ArviZ ${theirs}`);
      };
      within(s.essBulk, r.ess_bulk, "ess_bulk");
      within(s.essTail, r.ess_tail, "ess_tail");
      within(s.mcse, r.mcse_mean, "mcse_mean");
      // Relative to max(|mean|, sd): numpy sums pairwise, we sum in order; a mean near 0 differs by ~1e-16 absolutely.
      if (!(Math.abs(s.mean - r.mean) <= 1e-12 * Math.max(Math.abs(r.mean), s.sd)))
        expect.fail(`${name} mean: ours ${s.mean}, ArviZ ${r.mean}`);
      within(s.sd, r.sd, "sd", 1e-10);
      within(essBulk(chains), r.ess_bulk, "essBulk()");
      within(essTail(chains), r.ess_tail, "essTail()");
      if (chains.length === 1) {
        // Deliberate deviation: one chain still gets split R-hat from its two halves.
        expect(r.rhat).toBeNaN();
        expect(Number.isFinite(s.rhat)).toBe(true);
      } else if (r.rhat > 1e6) {
        // stepsize__: constant within chains, different between them -> R-hat is ratio noise.
        expect(s.rhat).toBeGreaterThan(1e6);
      } else {
        within(s.rhat, r.rhat, "rhat");
        within(rankNormalizedSplitRhat(chains), r.rhat, "rankNormalizedSplitRhat()");
      }
      compared++;
    }
    expect(compared).toBeGreaterThan(0);
  });

  it("the shifted chain is flagged and the slow chain has a small ESS (sanity of the reference)", async () => {
    const shifted = ar1(4, 4, 500, 0.3, (c) => (c === 3 ? 1.5 : 0));
    expect(rankNormalizedSplitRhat(shifted)).toBeGreaterThan(1.1);
    expect(essBulk(ar1(1, 4, 1000, 0.995))).toBeLessThan(100);
  });
});

describe("summarizeChains edge cases", () => {
  it("constant draws: exact mean, sd 0, NaN diagnostics, no crash", () => {
    for (const rule of ["order-statistic", "type-7"] as const) {
      const s = summarizeChains([new Float64Array(10).fill(0.1), new Float64Array(10).fill(0.1)], rule);
      expect(s).toEqual({
        mean: 0.1,
        mcse: NaN,
        sd: 0,
        q5: 0.1,
        q50: 0.1,
        q95: 0.1,
        essBulk: NaN,
        essTail: NaN,
        rhat: NaN,
      });
    }
  });
  it("a NaN draw makes the diagnostics NaN, fewer than 4 draws too", () => {
    const a = ar1(9, 2, 50, 0.2);
    a[1][7] = NaN;
    const s = summarizeChains(a, "order-statistic");
    expect([s.rhat, s.essBulk, s.essTail, s.mcse, s.q50]).toEqual([NaN, NaN, NaN, NaN, NaN]);
    const t = summarizeChains(ar1(9, 2, 3, 0.2), "order-statistic");
    expect([t.rhat, t.essBulk, t.essTail]).toEqual([NaN, NaN, NaN]);
    expect(Number.isFinite(t.mean)).toBe(true);
  });
  it("chains of unequal length are a programming error", () => {
    expect(() => summarizeChains([new Float64Array(5), new Float64Array(6)], "order-statistic")).toThrow(
      /unequal length/,
    );
  });
});

describe("summarizeFit", () => {
  it("one row per model output, bracket names, CSV column order; sampler columns on request", async () => {
    const fit = await readStanFit(shapesFit4);
    const quantileRule = "order-statistic";
    const rows = summarizeFit(fit, { quantileRule });
    const names = rows.map((r) => r.name);
    expect(names.slice(0, 5)).toEqual(["mu", "sigma", "b[1,1]", "b[2,1]", "b[1,2]"]);
    expect(names).toContain("idx[2,3,4]");
    expect(names.at(-1)).toBe("coin");
    expect(names.some((n) => n.endsWith("__"))).toBe(false);
    expect(rows).toHaveLength(fit.chains[0].columnNames.length - 7);
    const mu = rows[0];
    expect(mu).toEqual({
      name: "mu",
      ...summarizeChains(
        fit.chains.map((c) => c.draws.mu),
        quantileRule,
      ),
    });
    const interpolated = summarizeFit(fit, { quantileRule: "type-7" })[0];
    expect(interpolated).toEqual({ ...mu, q5: expect.any(Number), q50: expect.any(Number), q95: expect.any(Number) });
    expect(interpolated.q5).not.toBe(mu.q5); // 4000 draws: 0.05 * 3999 is not an integer
    expect(mu.mean).toBeGreaterThan(0.5); // prior normal(1, 2), 4000 draws
    expect(mu.mean).toBeLessThan(1.5);
    expect(mu.rhat).toBeLessThan(1.01);
    expect(mu.essBulk).toBeGreaterThan(1000);

    const withSampler = summarizeFit(fit, { quantileRule, includeSamplerColumns: true });
    expect(withSampler.slice(0, 2).map((r) => r.name)).toEqual(["lp__", "accept_stat__"]);
    expect(withSampler).toHaveLength(fit.chains[0].columnNames.length);

    const some = summarizeFit(fit, { quantileRule, variables: ["b", "lp__"] });
    expect(some.map((r) => r.name)).toEqual(["lp__", "b[1,1]", "b[2,1]", "b[1,2]", "b[2,2]", "b[1,3]", "b[2,3]"]);
    expect(() => summarizeFit(fit, { quantileRule, variables: ["gamma0"] })).toThrow(StanCsvError);

    const subsetFit = await readStanFit(shapesFit4, { variables: ["sigma"] });
    expect(summarizeFit(subsetFit, { quantileRule }).map((r) => r.name)).toEqual(["sigma"]);
  });
});

describe("summary CSV", () => {
  const rows: VariableSummaryRow[] = [
    {
      name: "gamma0",
      mean: 2.5123456789012346,
      mcse: 0.001,
      sd: 0.1 + 0.2,
      q5: -1e-300,
      q50: 5e-324,
      q95: 1.7976931348623157e308,
      essBulk: 3999.5,
      essTail: 1234,
      rhat: 1.0001,
    },
    {
      name: "beta[1,2,1]",
      mean: -0,
      mcse: NaN,
      sd: 0,
      q5: -Infinity,
      q50: 0,
      q95: Infinity,
      essBulk: NaN,
      essTail: NaN,
      rhat: NaN,
    },
  ];

  it("round-trips every double exactly, names with commas quoted; a closing comment names the quantile rule", () => {
    const text = formatSummaryCsv(rows, "type-7");
    const lines = text.trimEnd().split("\n");
    expect(lines[0]).toBe(",Mean,MCSE,StdDev,5%,50%,95%,ESS_bulk,ESS_tail,R_hat");
    expect(lines.at(-1)).toBe("# Quantiles: type 7 linear interpolation (stansummary >= 2.36)");
    expect(formatSummaryCsv(rows, "order-statistic").trimEnd().split("\n").at(-1)).toBe(
      "# Quantiles: order statistic (stansummary <= 2.35)",
    );
    expect(lines[2].startsWith('"beta[1,2,1]",')).toBe(true);
    expect(lines[2]).toContain(",nan,");
    expect(lines[2]).toContain(",-inf,");
    const back = parseSummaryCsv(text, "summary.csv");
    expect(back).toEqual(rows);
    expect(Object.is(back[1].mean, -0)).toBe(true);
  });

  it("round-trips a real fit", async () => {
    const fit = await readStanFit(shapesFitOdd);
    const r = summarizeFit(fit, { quantileRule: "order-statistic", includeSamplerColumns: true });
    expect(parseSummaryCsv(formatSummaryCsv(r, "order-statistic"), "x.csv")).toEqual(r);
  });

  it("errors name file and line", () => {
    const good = formatSummaryCsv(rows, "order-statistic");
    const bad = (text: string, line: number | undefined, re: RegExp) => {
      let err: unknown;
      try {
        parseSummaryCsv(text, "posterior_summary.csv");
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(StanCsvError);
      expect((err as StanCsvError).file).toBe("posterior_summary.csv");
      expect((err as StanCsvError).line).toBe(line);
      expect((err as StanCsvError).message).toMatch(re);
    };
    bad(good.replace("ESS_tail", "N_Eff"), 1, /header is/);
    bad(good.replace(",1234,", ",lots,"), 2, /essTail 'lots' is not a number/);
    bad(good.replace(",1.0001", ""), 2, /row has 9 fields, expected 10/);
    bad(good + "gamma0,1,1,1,1,1,1,1,1,1\n", 5, /'gamma0' appears twice/); // line 4 is the closing comment
    bad(good + ",1,1,1,1,1,1,1,1,1\n", 5, /name/);
    bad("", 1, /empty summary file/);
    bad(good + '"unterminated,1\n', 5, /not valid CSV/);
  });
});
