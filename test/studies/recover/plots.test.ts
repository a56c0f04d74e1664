import { mkdtemp, readFile, readdir, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { computeRecoveryStatistics, type RecoveryIteration, type SummaryRow } from "../../../src/analysis/recovery.js";
import { recoveryPlotSpecs, writeRecoveryPlots } from "../../../src/studies/recover/plots.js";

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** Width and height from the IHDR chunk, which must come first. */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
  expect(bytes.subarray(12, 16).toString("latin1")).toBe("IHDR");
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

// The report's shape: P = 7, J = 18, K = 3; six deterministic iterations.
function iterations(n = 6): RecoveryIteration[] {
  const out: RecoveryIteration[] = [];
  for (let i = 1; i <= n; i++) {
    const wobble = (j: number) => Math.sin(7 * i + 3 * j);
    const gamma = Array.from({ length: 7 }, (_, p) => 0.5 * wobble(p));
    const alpha = Array.from({ length: 18 }, (_, j) => 12 + 4 * wobble(j + 10));
    const d1 = 0.3 + 0.05 * i;
    const truth = {
      gamma0: 2.5 + 0.2 * wobble(-1),
      gamma,
      sigma_cell: 0.2 + 0.02 * i,
      alpha,
      delta: [d1, 1 - d1],
      upsilon: [0, d1, 1],
      extras: {},
    };
    const summary: SummaryRow[] = [];
    const add = (name: string, t: number, sd: number, j: number) => {
      const mean = t + sd * wobble(j + 40);
      summary.push({ name, mean, q5: mean - 1.645 * sd, q95: mean + 1.645 * sd });
    };
    add("gamma0", truth.gamma0, 0.25, 0);
    gamma.forEach((g, p) => add(`gamma[${p + 1}]`, g, 0.3, p + 1));
    add("sigma_cell", truth.sigma_cell, 0.1, 9);
    alpha.forEach((a, j) => add(`alpha[${j + 1}]`, a, 5, j + 11));
    add("delta[1]", d1, 0.12, 30);
    add("delta[2]", 1 - d1, 0.12, 31);
    out.push({ iteration: i, truth, summary });
  }
  return out;
}

describe("recovery plots", () => {
  const its = iterations();
  const names = { alphaVar: "alpha", extraScalars: [] };
  const stats = computeRecoveryStatistics(its, names);
  let dir = "";
  let files: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "plots-test-"));
    files = await writeRecoveryPlots(path.join(dir, "recovery_summary"), its, stats, names);
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes the three PNG files and nothing else", async () => {
    const out = path.join(dir, "recovery_summary");
    expect(files).toEqual(
      ["regression_recovery.png", "alpha_recovery.png", "delta_recovery.png"].map((f) => path.join(out, f)),
    );
    expect((await readdir(out)).sort()).toEqual([
      "alpha_recovery.png",
      "delta_recovery.png",
      "regression_recovery.png",
    ]);
  });

  it("produces valid PNGs with dimensions that follow the panel grids", async () => {
    const [regression, alpha, delta] = await Promise.all(files.map(async (f) => pngSize(await readFile(f))));
    // alpha: 18 panels, 4 per row -> 5 rows of 4 columns: taller than wide.
    expect(alpha.height).toBeGreaterThan(alpha.width);
    expect(alpha.width).toBeGreaterThan(1200);
    expect(alpha.height / alpha.width).toBeGreaterThan(1.05);
    expect(alpha.height / alpha.width).toBeLessThan(1.5);
    // regression: 9 panels in a 3 x 3 grid, roughly square.
    expect(regression.width / regression.height).toBeGreaterThan(0.8);
    expect(regression.width / regression.height).toBeLessThan(1.6);
    expect(alpha.width).toBeGreaterThan(regression.width);
    // delta: 2 panels in one row: much wider than tall, and about a row of the others high.
    expect(delta.width).toBeGreaterThan(1.5 * delta.height);
    expect(delta.height).toBeLessThan(regression.height / 2);
    for (const f of files) expect((await readFile(f)).length).toBeGreaterThan(20_000);
  });

  it("builds one panel per parameter with bias, RMSE and coverage in its title", () => {
    const specs = recoveryPlotSpecs(its, stats, names) as unknown as Record<
      string,
      { columns: number; concat: Array<{ title: { text: string; subtitle: string } }> }
    >;
    expect(specs.alpha.columns).toBe(4);
    expect(specs.alpha.concat).toHaveLength(18);
    expect(specs.regression.concat).toHaveLength(9);
    expect(specs.regression.columns).toBe(3);
    expect(specs.delta.concat).toHaveLength(2);
    const s = stats.gamma_3;
    const panel = specs.regression.concat[3];
    expect(panel.title.text).toBe("gamma[3]");
    expect(panel.title.subtitle).toContain(`RMSE ${s.rmse.toFixed(3)}`);
    expect(panel.title.subtitle).toMatch(/^bias -?\d+\.\d{3}  RMSE \d+\.\d{3}  cov \d\.\d{2}$/);
    expect(specs.regression.concat[8].title.text).toBe("sigma_cell");
    expect(specs.alpha.concat[17].title.text).toBe("alpha[18]");
  });

  it("titles panels with the model's own names (alpha_cell, gamma_size)", () => {
    const sizedNames = { alphaVar: "alpha_cell", extraScalars: ["gamma_size"] };
    const sized = its.map((it) => ({
      ...it,
      truth: { ...it.truth, extras: { gamma_size: 0.1 * it.iteration } },
      summary: [
        ...it.summary.map((r) => ({ ...r, name: r.name.replace(/^alpha\[/, "alpha_cell[") })),
        {
          name: "gamma_size",
          mean: 0.1 * it.iteration + 0.02,
          q5: 0.1 * it.iteration - 0.2,
          q95: 0.1 * it.iteration + 0.2,
        },
      ],
    }));
    const specs = recoveryPlotSpecs(
      sized,
      computeRecoveryStatistics(sized, sizedNames),
      sizedNames,
    ) as unknown as Record<string, { title: { text: string }; concat: Array<{ title: { text: string } }> }>;
    expect(specs.regression.concat.map((p) => p.title.text)).toEqual([
      "gamma0",
      ...Array.from({ length: 7 }, (_, p) => `gamma[${p + 1}]`),
      "gamma_size",
      "sigma_cell",
    ]);
    expect(specs.alpha.concat[2].title.text).toBe("alpha_cell[3]");
    expect(specs.alpha.title.text).toBe("Recovery of the cell-level sensitivities alpha_cell");
  });
});
