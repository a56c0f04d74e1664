/**
 * What flat SBC is for, with the real CmdStan: for the calibrated m_0_sbc the ranks lie in 0..L
 * and look uniform (no more parameters outside their simultaneous 95% ECDF band than chance
 * gives), and for test/models/m_0_sbc_wide_alpha_prior.stan, whose prior on alpha
 * (lognormal(0, 3)) is wider than the distribution its truths come from (lognormal(0, 1)),
 * alpha is flagged. A small design (15 problems, so the data say little about alpha) and
 * 100 simulations of 1 chain x 200 draws each: a couple of minutes on 2 cores.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadStudyConfig, runStudy } from "../../../src/studies/runStudy.js";
import { sbcFlatKind } from "../../../src/studies/sbcFlat/kind.js";
import { REPO_ROOT, TEST_MODELS, testCmdStan } from "../../helpers/cmdstan.js";

const SMOKE = path.join(REPO_ROOT, "configs", "m_0_sbc_smoke_config.json");
const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream };
const STUDY = {
  study_design_config: { M: 15, K: 3, D: 2, R: 6, min_alts_per_problem: 2, max_alts_per_problem: 4 },
  n_sbc_sims: 100,
  n_mcmc_chains: 1,
  n_mcmc_samples: 200,
  iter_warmup: 200,
  thin: 1,
};
/** Every draw kept: ranks in 0..200. */
const L = 200;

describe("flat SBC calibration (real CmdStan)", () => {
  let tmp: string;
  beforeAll(async () => {
    await testCmdStan();
    tmp = await mkdtemp(path.join(os.tmpdir(), "cr-sbc-flat-calibration-"));
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const run = async (name: string, model: string) =>
    runStudy(
      sbcFlatKind,
      await loadStudyConfig(sbcFlatKind, SMOKE, { ...STUDY, sbc_model_path: model, output_dir: path.join(tmp, name) }),
      quiet,
    );

  it("flat SBC ranks lie in 0..L and are uniform for a calibrated model, and a model whose prior is wider than its simulator's is flagged", async () => {
    const calibrated = await run("calibrated", path.join(REPO_ROOT, "stan", "m_0_sbc.stan"));
    const wide = await run("wide", path.join(TEST_MODELS, "m_0_sbc_wide_alpha_prior.stan"));
    for (const result of [calibrated, wide]) {
      expect(result.nSuccessful).toBe(100);
      const stats = result.statistics!;
      expect(stats.maxRank).toBe(L);
      expect(stats.parameters).toHaveLength(9);
      for (const p of stats.parameters) {
        // Every rank is counted in one bin of 0..L, so nothing fell outside.
        expect(p.histogram.reduce((n, b) => n + b.count, 0)).toBe(100);
        expect(p.histogram[0].from).toBe(0);
        expect(p.histogram.at(-1)!.to).toBe(L);
      }
    }
    // Calibrated: each of the 9 ECDFs leaves its band with probability 0.05; 3 or more would happen
    // by chance less than 1% of the time.
    const c = calibrated.statistics!;
    expect(c.outsideBand.length, `outside: ${c.outsideBand.join(", ")}`).toBeLessThanOrEqual(2);
    expect(c.outsideBand).not.toContain("alpha");
    expect(c.parameters.filter((p) => p.chi2.pValue < 0.01).length).toBeLessThanOrEqual(1);

    // The wide prior: alpha far outside its band. Lognormal(0, 3) keeps much of its mass at small
    // alpha, where choices are near random and the likelihood is flat, so the posterior sits below
    // the truth: the truth's ranks pile up at the top and the ECDF runs below the uniform CDF.
    const w = wide.statistics!;
    expect(w.outsideBand).toContain("alpha");
    const alpha = w.parameters.find((p) => p.variable === "alpha")!;
    expect(alpha.chi2.pValue).toBeLessThan(0.01);
    expect(alpha.originalKs.pValue).toBeLessThan(0.001);
    const at = (u: number) => {
      const i = w.band.cdf.findIndex((x) => x >= u);
      return alpha.ecdfCounts[i] / w.n - w.band.cdf[i];
    };
    expect(at(0.25)).toBeLessThan(-0.15);
    expect(at(0.5)).toBeLessThan(-0.15);
    expect(at(0.75)).toBeLessThan(0);
    expect(alpha.maxEcdfDeviation).toBeGreaterThan(c.parameters[0].maxEcdfDeviation);
  });
});
