/**
 * Calibration of the whole flat recovery, end to end with the real CmdStan: the m_0 smoke-size
 * study (M 25, K 3, D 5, 2 chains x (150 + 300)) run for 30 iterations. A model fitted to data
 * simulated from its own prior covers the truth with its 90% intervals 90% of the time, so the
 * coverage pooled over every free tracked scalar (alpha, the 15 beta[k,d], the 2 delta[k]; upsilon
 * is a function of delta) must be near 0.90. The tolerance is 3.89 binomial standard errors of
 * that pooled share (n = 30 x 18 = 540 intervals): a correct pipeline fails it with probability
 * about 1e-4 (two-sided). A bug that shifts intervals, swaps truths or mis-orders beta does not
 * pass it. (On CmdStan 2.27 the consecutive simulation seeds skew alpha's truths, its first
 * draw: docs/flat-recovery.md, "Consecutive seeds and CmdStan 2.27". One scalar of 18 moves
 * the pooled share by at most 0.011; this run pools 0.883, alpha alone 0.70.)
 */
import { readFile, mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { recoverFlatKind } from "../../../src/studies/recoverFlat/kind.js";
import { loadStudyConfig, runStudy } from "../../../src/studies/runStudy.js";
import { testCmdStan } from "../../helpers/cmdstan.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");
const SMOKE = path.join(ROOT, "configs", "m_0_parameter_recovery_smoke_config.json");
const ITERATIONS = 30;
/** Two-sided normal quantile for a 1e-4 chance of failing by chance. */
const Z = 3.89;

let tmp: string | undefined;
afterAll(async () => {
  if (tmp) await rm(tmp, { recursive: true, force: true });
});

describe("flat recovery calibration (real CmdStan)", () => {
  it("covers near 90% over 30 iterations of the m_0 smoke-size study", async () => {
    await testCmdStan();
    tmp = await mkdtemp(path.join(os.tmpdir(), "cr-flatcov-"));
    const out = path.join(tmp, "coverage");
    const config = await loadStudyConfig(recoverFlatKind, SMOKE, { output_dir: out, n_iterations: ITERATIONS });
    const quiet = {
      log: () => {},
      progressStream: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream,
    };
    const result = await runStudy(recoverFlatKind, config, quiet);
    expect(result.nSuccessful).toBe(ITERATIONS);

    const stats = JSON.parse(await readFile(path.join(out, "recovery_summary", "recovery_statistics.json"), "utf8"));
    const free = [stats.alpha, ...Object.values(stats.beta), ...Object.values(stats.delta)] as { coverage: number }[];
    expect(free).toHaveLength(18);
    const pooled = free.reduce((a, s) => a + s.coverage, 0) / free.length;
    const se = Math.sqrt((0.9 * 0.1) / (ITERATIONS * free.length));
    expect(Math.abs(pooled - 0.9), `pooled coverage ${pooled}`).toBeLessThanOrEqual(Z * se);
  });
});
