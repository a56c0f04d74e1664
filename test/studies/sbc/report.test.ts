/** The SBC report from known statistics: failures counted and linked, health, the table, the parameters outside their bands. */
import { describe, expect, it } from "vitest";
import { sbcStatistics } from "../../../src/analysis/sbc.js";
import type { SamplerHealth } from "../../../src/analysis/samplerHealth.js";
import { Rng } from "../../../src/design/rng.js";
import { renderSbcReport, renderSbcTerminal, type SbcReportInput } from "../../../src/studies/sbcCommon/report.js";
import { REPORT12, report12 } from "../../../src/studies/sbc/report12.js";
import { truthsRecord } from "../../../src/studies/faithfulness.js";
import { pyFixed } from "../../../src/report/text.js";

const rng = new Rng(3);
const L = 99;
const uniform = () => Array.from({ length: 40 }, () => rng.int(0, L));
const piledUp = Array.from({ length: 40 }, () => Math.min(L, Math.max(0, Math.round(50 + rng.normal() * 8))));
const names = ["gamma0", "gamma[1]", "sigma_cell", "alpha[1]", "delta[1]"];
const statistics = sbcStatistics(names, [uniform(), piledUp, uniform(), uniform(), uniform()], L, 100);
const healthy: SamplerHealth = {
  divergences: 0,
  transitions: 300,
  treedepthHits: 0,
  maxTreedepth: 10,
  ebfmi: [0.9],
  maxRhat: 1.004,
  maxRhatVariable: "beta[1,1,1]",
};

function input(over: Partial<SbcReportInput> = {}): SbcReportInput {
  return {
    model: "h_m01_sbc.stan",
    config: [
      ["n_sbc_sims", 42],
      ["thin", 3],
    ],
    wallSeconds: 75,
    nRequested: 42,
    failures: [
      { simulation: 7, reason: "simulation 7 failed: h_m01_sbc chain 1 exited with code 70.\nRejecting initial value" },
      { simulation: 3, reason: "simulation 3 failed: timed out" },
    ],
    health: Array.from({ length: 40 }, (_, k) => ({
      simulation: k + 1,
      health:
        k === 4 ? { ...healthy, divergences: 3, ebfmi: [0.21], maxRhat: 1.07, maxRhatVariable: "alpha[2]" } : healthy,
    })),
    statistics,
    plots: ["regression_ranks.png", "regression_ecdf.png"],
    captions: { "regression_ecdf.png": "ECDF difference, regression." },
    simulationLink: (i) => `../simulation_${i}`,
    ...over,
  };
}

describe("SBC report", () => {
  it("counts and lists failed fits, sorted, each with its error.txt", () => {
    const md = renderSbcReport(input());
    expect(md).toContain("40 of 42 simulations were fitted; **2 failed**");
    expect(md.indexOf("simulation 3 ([error.txt](../simulation_3/error.txt))")).toBeLessThan(
      md.indexOf("simulation 7 ([error.txt](../simulation_7/error.txt))"),
    );
    expect(md).toContain("`simulation 7 failed: h_m01_sbc chain 1 exited with code 70. Rejecting initial value`");
    expect(md).toContain("--retry-failed");
  });

  it("sums sampler health and lists only the simulations with a problem", () => {
    const md = renderSbcReport(input());
    expect(md).toContain("Divergent transitions: 3 of 12000, in 1 simulation(s).");
    expect(md).toContain("E-BFMI below 0.3 (bin/diagnose's threshold) in 1 simulation(s); smallest E-BFMI 0.210.");
    expect(md).toContain("largest 1.0700 (simulation 5, alpha[2])");
    expect(md).toMatch(/\| 5 \| 3 \| 0 \| 0\.210 \| 1\.0700 \(alpha\[2\]\) \|/);
    expect(md).not.toMatch(/\| 6 \| 0 \| 0 \|/);
  });

  it("tables every parameter and names the ones outside their band", () => {
    const md = renderSbcReport(input());
    for (const n of names) expect(md).toMatch(new RegExp(`\\| ${n.replace(/[[\]]/g, "\\$&")} \\|`));
    expect(statistics.outsideBand).toContain("gamma[1]");
    expect(md).toContain(`**${statistics.outsideBand.join(", ")}**`);
    expect(md).toMatch(/\| gamma\[1\] \|[^\n]*\| NO \|/);
    expect(md).toContain("chi-square p < 0.05:");
    expect(md).toContain("![regression ecdf](regression_ecdf.png)");
    expect(md).toContain("*ECDF difference, regression.*");
    const text = renderSbcTerminal(input());
    expect(text).toContain("Simulations: 40 fitted, 2 failed (of 42).");
    expect(text).toContain(`Outside the simultaneous 95% ECDF band: ${statistics.outsideBand.join(", ")}.`);
  });

  it("says so when no simulation was fitted", () => {
    const md = renderSbcReport(input({ statistics: null, health: [], plots: [], nRequested: 2 }));
    expect(md).toContain("No simulation was fitted, so there are no rank statistics.");
    expect(md).toContain("No simulation was fitted, so there is no sampler health to report.");
  });
});

describe("beside Report 12 (a config with its settings), and the truths", () => {
  const r = new Rng(11);
  const cells = Array.from({ length: 18 }, (_, j) => `alpha[${j + 1}]`);
  const all = [
    "gamma0",
    ...[1, 2, 3, 4, 5, 6, 7].map((p) => `gamma[${p}]`),
    "sigma_cell",
    ...cells,
    "delta[1]",
    "delta[2]",
  ];
  const M = 334;
  // Uniform ranks, except alpha[4], planted: ranks piled in the middle (p far below 0.05).
  const ranks = all.map((n) =>
    Array.from({ length: 100 }, () =>
      n === "alpha[4]" ? Math.min(M, Math.max(0, Math.round(167 + r.normal() * 30))) : r.int(0, M),
    ),
  );
  const stats = sbcStatistics(all, ranks, M, 333);
  const alpha4 = stats.parameters.find((p) => p.variable === "alpha[4]")!;
  const install = {
    path: "/opt/cmdstan-2.27.0",
    version: "2.27.0",
    stancVersion: "",
    compiler: "",
    source: "provisioned" as const,
    canCompile: true,
  };
  const report12Input = (comparison: boolean): SbcReportInput =>
    input({
      failures: [],
      nRequested: 100,
      health: [],
      statistics: stats,
      truths: truthsRecord(install, report12, 123, []),
      comparison: comparison ? { published: REPORT12, cells } : undefined,
    });

  it("sets Report 12's tests beside ours and flags the parameters where one p < 0.05 and the other not", () => {
    expect(alpha4.originalKs.pValue).toBeLessThan(0.05);
    expect(alpha4.originalChi2.pValue).toBeLessThan(0.05);
    const md = renderSbcReport(report12Input(true));
    expect(md).toContain("## Beside Report 12's published tests");
    const g0 = stats.parameters[0];
    const f = (x: number, d: number) => pyFixed(x, d);
    expect(md).toContain(
      `| gamma0 | ${f(g0.originalChi2.statistic, 2)} | 24.40 | ${f(g0.originalChi2.pValue, 4)} | 0.1813 | ${f(g0.originalKs.statistic, 3)} | 0.093 | ${f(g0.originalKs.pValue, 4)} | 0.3379 |`,
    );
    // The cells as one row of ranges, as Report 12 prints them; the planted cell disagrees in both tests.
    expect(md).toMatch(
      /\| alpha\[1\.\.18\] \(range\) \| [^|]+ \| 8\.00 – 26\.80 \| \*\*0\.0000 – [^|]+\*\* \| 0\.1094 – 0\.9867 \|/,
    );
    expect(md).toMatch(/\| chi2 p: [^;|]*alpha\[4\][^|]*; KS p: [^|]*alpha\[4\][^|]* \|/);
    expect(md).toMatch(
      /One p-value below 0\.05 and the other not: \*\*\d+ of 29\*\* parameters: .*alpha\[4\] \(chi2 p, KS p\)/,
    );
    // Report 12's own: one KS p-value below 0.05 (gamma[1]), none of the chi-square's; 1.45 of 29 by chance.
    expect(md).toContain("Report 12 1 of 29 (gamma[1]). About 1.45 of 29 tests fall below 0.05 by chance.");
    expect(md).toContain("Report 12 0 of 29. About 1.45 of 29 tests fall below 0.05 by chance.");
    expect(md).toContain("Report 12 0.109, 0.163, 0.337, 0.579, 0.788.");
    expect(md).toContain(
      "- truths: other truths than the original study's: CmdStan 2.27 draws with another generator; install CmdStan >= 2.35 for the original's truths",
    );
    expect(md).toMatch(/These truths are not the original study's.*not a defect/);
    const gamma1 = stats.parameters.find((p) => p.variable === "gamma[1]")!;
    // gamma[1]: Report 12's KS p is 0.0263, so ours disagrees exactly when it is not below 0.05.
    expect(md.includes("gamma[1] (KS p")).toBe(gamma1.originalKs.pValue >= 0.05);
    const text = renderSbcTerminal(report12Input(true));
    expect(text).toContain("Beside Report 12 (the original's chi-square and KS");
    expect(text).toMatch(/^truths: other truths than the original study's/m);
  });

  it("shows no comparison without one (a config without the report's settings)", () => {
    const md = renderSbcReport(report12Input(false));
    expect(md).not.toContain("Beside Report 12");
    expect(md).toContain("## Truths: the original study's or not");
    expect(renderSbcTerminal(report12Input(false))).not.toContain("Beside Report 12");
  });
});
