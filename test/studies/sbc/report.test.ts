/** The SBC report from known statistics: failures counted and linked, health, the table, the parameters outside their bands. */
import { describe, expect, it } from "vitest";
import { sbcStatistics } from "../../../src/analysis/sbc.js";
import type { SamplerHealth } from "../../../src/analysis/samplerHealth.js";
import { Rng } from "../../../src/design/rng.js";
import { renderSbcReport, renderSbcTerminal, type SbcReportInput } from "../../../src/studies/sbcCommon/report.js";

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
