import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { RecoveryStatistics } from "../../src/analysis/recovery.js";
import { InputError } from "../../src/cmdstan/errors.js";
import {
  pandasFloatColumn,
  plotLinks,
  pyFixed,
  pyRound,
  renderReport,
  renderTerminalTables,
  writeReport,
  type ReportInput,
} from "../../src/report/report.js";

// Hand-built statistics chosen to exercise the report's rounding: ties that Python rounds to
// even (0.0625 -> 0.062, 0.625 -> 0.62, 0.375 -> 0.38), -0.0004 -> -0.000, and pandas' per-column
// decimals. The expected text blocks below are what pandas 2.2 prints for the same numbers.
const statistics: RecoveryStatistics = {
  gamma0: { bias: 0.00215, rmse: 0.2049, coverage: 0.95, ci_width: 0.8512 },
  gamma_1: { bias: -0.1375, rmse: 0.41234, coverage: 0.8, ci_width: 1.15 },
  gamma_2: { bias: 0.0625, rmse: 0.3, coverage: 0.375, ci_width: 1.0625 },
  sigma_cell: { bias: -0.04, rmse: 0.1, coverage: 1.0, ci_width: 0.5 },
  alpha_1: { bias: 0.5, rmse: 3.456, coverage: 0.625, ci_width: 14.2 },
  alpha_2: { bias: -1.25, rmse: 8.444, coverage: 0.875, ci_width: 22.95 },
  alpha_3: { bias: 2.0625, rmse: 5.0, coverage: 1.0, ci_width: 18.0 },
  alpha_4: { bias: 0.0, rmse: 4.1, coverage: 0.75, ci_width: 16.0004 },
  alpha_5: { bias: 0.1, rmse: 6.25, coverage: 0.5, ci_width: 20.0 },
  delta_1: { bias: 0.001, rmse: 0.05, coverage: 1.0, ci_width: 0.44 },
  delta_2: { bias: -0.0004, rmse: 0.05, coverage: 1.0, ci_width: 0.4449 },
};

const reading = (divergences: number, transitions = 8000, ebfmiOk = true) => ({
  divergences,
  transitions,
  ebfmiOk,
  treedepthMentioned: true,
});

function input(over: Partial<ReportInput> = {}): ReportInput {
  return {
    config: {
      n_iterations: 10,
      n_mcmc_chains: 4,
      n_mcmc_samples: 2000,
      n_warmup: 1000,
      adapt_delta: 0.95,
      max_treedepth: 12,
      J: 5,
      K: 3,
      D: 2,
      P: 2,
      M_total: 100,
      cmdstan_version: "2.37.0",
      quantile_rule: "type 7 linear interpolation (stansummary >= 2.36)",
      model_path: "stan/h_m01.stan",
      design_name: "test_design",
      wall_time_seconds: 3723.46,
    },
    // Iteration 9 failed after diagnose ran (2 chains only, E-BFMI low); 10 has no diagnostics.
    diagnostics: [
      ...[1, 2, 3, 4, 5, 6, 7, 8].map((i) => ({ iteration: i, reading: reading(i === 3 ? 1 : i === 6 ? 2 : 0) })),
      { iteration: 9, reading: reading(0, 4000, false) },
    ].reverse(),
    statistics,
    nSuccessful: 8,
    failures: [
      { iteration: 10, reason: "stanc failed:\n  line 3: `x` | y" },
      { iteration: 9, reason: "posterior_summary.csv: bad row 4" },
    ],
    plots: ["regression_recovery.png", "alpha_recovery.png", "delta_recovery.png"],
    ...over,
  };
}

const POPULATION = [
  "     param   bias  rmse  coverage  ci_width",
  "    gamma0  0.002 0.205      0.95     0.851",
  "   gamma_1 -0.138 0.412      0.80     1.150",
  "   gamma_2  0.062 0.300      0.38     1.062",
  "sigma_cell -0.040 0.100      1.00     0.500",
].join("\n");
const DELTA = [
  "  param   bias  rmse  coverage  ci_width",
  "delta_1  0.001  0.05       1.0     0.440",
  "delta_2 -0.000  0.05       1.0     0.445",
].join("\n");
const ALPHA = [
  "  param   bias  rmse  coverage  ci_width",
  "alpha_1  0.500 3.456      0.62     14.20",
  "alpha_2 -1.250 8.444      0.88     22.95",
  "alpha_3  2.062 5.000      1.00     18.00",
  "alpha_4  0.000 4.100      0.75     16.00",
  "alpha_5  0.100 6.250      0.50     20.00",
].join("\n");
const DIVERGENCES = [
  " iter  divergences  transitions  E-BFMI ok",
  "    1            0         8000       True",
  "    2            0         8000       True",
  "    3            1         8000       True",
  "    4            0         8000       True",
  "    5            0         8000       True",
  "    6            2         8000       True",
  "    7            0         8000       True",
  "    8            0         8000       True",
  "    9            0         4000      False",
].join("\n");

describe("Python-compatible rounding", () => {
  it("rounds half to even on the exact binary value, like round() and f-strings", () => {
    expect(pyRound(0.125, 2)).toBe(0.12);
    expect(pyRound(0.375, 2)).toBe(0.38);
    expect(pyRound(2.675, 2)).toBe(2.67); // 2.675 is stored just below the tie
    expect(pyRound(0.0625, 3)).toBe(0.062);
    expect(pyRound(-0.125, 2)).toBe(-0.12);
    expect(Object.is(pyRound(-0.0004, 3), -0)).toBe(true);
    expect(pyFixed(0.625, 2)).toBe("0.62");
    expect(pyFixed(1.005, 2)).toBe("1.00");
    expect(pyFixed(-0.001, 2)).toBe("-0.00");
    expect(pyFixed(100 * 3 / 68000, 4)).toBe("0.0044");
    expect(pyFixed(12345.5, 0)).toBe("12346");
  });

  it("formats float columns with pandas' shared decimals", () => {
    expect(pandasFloatColumn([1, 1])).toEqual(["1.0", "1.0"]);
    expect(pandasFloatColumn([0.95, 1, 0.8])).toEqual(["0.95", "1.00", "0.80"]);
    expect(pandasFloatColumn([12, 0.851, 3.457])).toEqual(["12.000", "0.851", "3.457"]);
    expect(pandasFloatColumn([123456789.123, 0.5])).toEqual(["1.234568e+08", "5.000000e-01"]);
    expect(pandasFloatColumn([123456789.12, 0.5])).toEqual(["123456789.12", "0.50"]);
  });
});

describe("renderTerminalTables", () => {
  const text = renderTerminalTables(input());

  it("prints every table exactly as the report's pandas code does", () => {
    expect(text).toContain(POPULATION);
    expect(text).toContain(DELTA);
    expect(text).toContain(ALPHA);
    expect(text).toContain(DIVERGENCES);
  });

  it("prints totals, percentage, E-BFMI, ranges and the MC standard error", () => {
    expect(text).toContain("Total divergences across 9 iterations: 3 out of 68000 transitions (0.0044%).");
    expect(text).toContain("E-BFMI satisfied in all 9 iterations: False.");
    expect(text).toContain("Alpha RMSE range: 3.46 – 8.44");
    expect(text).toContain("Alpha coverage range: 0.50 – 1.00");
    expect(text).toContain("sqrt(0.9 x 0.1 / 8) = 0.106");
    expect(text).toContain("0.90 +- 2 SE = [0.69, 1.00]");
    expect(text).toContain("Coverages outside that band: gamma_2 (0.38), alpha_1 (0.62), alpha_5 (0.50).");
    expect(text).toContain(" n_mcmc_chains: 4\n");
    expect(text).toContain(" wall_time: 3723.5 s (1 h 2 min 3 s)\n");
    expect(text).toMatch(/ 9: posterior_summary\.csv: bad row 4\n 10: stanc failed: line 3: `x` \| y\n$/);
  });
});

describe("renderReport", () => {
  const md = renderReport(input());

  it("renders the configuration", () => {
    for (const row of [
      "| n_iterations | 10 |",
      "| n_mcmc_chains | 4 |",
      "| n_mcmc_samples | 2000 |",
      "| adapt_delta | 0.95 |",
      "| max_treedepth | 12 |",
      "| J | 5 |",
      "| K | 3 |",
      "| D | 2 |",
      "| P | 2 |",
      "| M_total | 100 |",
      "| cmdstan_version | 2.37.0 |",
      "| quantile_rule | type 7 linear interpolation (stansummary >= 2.36) |",
      "| model_path | stan/h_m01.stan |",
      "| wall_time | 3723.5 s (1 h 2 min 3 s) |",
    ]) {
      expect(md).toContain(row);
    }
  });

  it("renders the divergence table sorted by iteration, with totals and E-BFMI", () => {
    expect(md).toContain("| iter | divergences | transitions | E-BFMI ok |\n|---:|---:|---:|---:|\n| 1 | 0 | 8000 | True |");
    expect(md).toContain("| 3 | 1 | 8000 | True |");
    expect(md).toContain("| 9 | 0 | 4000 | False |");
    expect(md).toContain("Total divergences across 9 iterations: 3 out of 68000 transitions (0.0044%).");
    expect(md).toContain("Iterations with at least one divergence: 2 of 9.");
    expect(md).toContain("E-BFMI satisfied in all 9 iterations: False. E-BFMI not satisfactory in iterations 9.");
    expect(md).toContain('"treedepth" is mentioned in the diagnostics of 9 of 9 iterations');
  });

  it("renders the population, delta and alpha tables with the report's rounding", () => {
    expect(md).toContain(
      [
        "| param | bias | rmse | coverage | ci_width |",
        "|:---|---:|---:|---:|---:|",
        "| gamma0 | 0.002 | 0.205 | 0.95 | 0.851 |",
        "| gamma_1 | -0.138 | 0.412 | 0.80 | 1.150 |",
        "| gamma_2 | 0.062 | 0.300 | 0.38 | 1.062 |",
        "| sigma_cell | -0.040 | 0.100 | 1.00 | 0.500 |",
      ].join("\n"),
    );
    expect(md).toContain("| delta_2 | -0.000 | 0.05 | 1.0 | 0.445 |");
    expect(md).toContain("| alpha_1 | 0.500 | 3.456 | 0.62 | 14.20 |");
    expect(md).toContain("| alpha_2 | -1.250 | 8.444 | 0.88 | 22.95 |");
    expect(md).toContain("- Alpha RMSE range: 3.46 – 8.44");
    expect(md).toContain("- Alpha coverage range: 0.50 – 1.00");
    expect(md).toContain("sqrt(0.9 × 0.1 / 8) ≈ 0.106");
    expect(md).toContain("Over the 8 successful iterations (of 10)");
  });

  it("lists failed iterations with their reason and embeds the plots by relative link", () => {
    const failures = md.slice(md.indexOf("## Failed iterations"));
    expect(failures).toContain("2 iteration(s) failed");
    expect(failures).toContain("- iteration 9 ([error.txt](../iteration_9/error.txt)): `posterior_summary.csv: bad row 4`");
    expect(failures).toContain("- iteration 10 ([error.txt](../iteration_10/error.txt)): ``stanc failed: line 3: `x` | y``");
    expect(failures.indexOf("iteration 9")).toBeLessThan(failures.indexOf("iteration 10"));
    expect(md).toContain("![regression recovery](regression_recovery.png)");
    expect(md).toContain("![alpha recovery](alpha_recovery.png)");
    expect(md).toContain("![delta recovery](delta_recovery.png)");
  });

  it("handles a run where nothing succeeded and nothing was diagnosed", () => {
    const empty = renderReport(input({ statistics: {}, nSuccessful: 0, diagnostics: [], plots: [] }));
    expect(empty).toContain("No iteration succeeded (of 10), so there are no recovery statistics.");
    expect(empty).toContain("No `diagnostics.txt` was read");
    expect(empty).not.toContain("| param |");
    expect(empty).not.toContain("![");
    const clean = renderReport(input({ failures: [] }));
    expect(clean).toContain("None: all 10 iterations succeeded.");
  });

  it("refuses statistics that lack a tracked parameter", () => {
    const { alpha_4: _, ...partial } = statistics;
    expect(() => renderReport(input({ statistics: partial }))).toThrow(InputError);
    expect(() => renderReport(input({ statistics: partial }))).toThrow(/alpha_4/);
  });
});

describe("writeReport and plotLinks", () => {
  it("writes report.md with no temporary file left and links plots relative to the report", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "report-test-"));
    try {
      const reportDir = path.join(dir, "recovery_summary");
      const links = plotLinks(reportDir, [path.join(reportDir, "alpha_recovery.png"), path.join(dir, "x", "y.png")]);
      expect(links).toEqual(["alpha_recovery.png", "../x/y.png"]);
      const file = await writeReport(reportDir, input());
      expect(file).toBe(path.join(reportDir, "report.md"));
      expect(await readFile(file, "utf8")).toBe(renderReport(input()));
      expect(await readdir(reportDir)).toEqual(["report.md"]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
