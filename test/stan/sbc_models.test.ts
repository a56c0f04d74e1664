/**
 * The SBC models (stan/h_m01_sbc.stan, stan/h_m01_size_sbc.stan) with the real CmdStan: they
 * share the inference models' functions, parameters, priors and likelihood verbatim (h_m01's
 * speed), draw the truth in the simulators' documented order, output one truth and one
 * indicator per tracked scalar, draw truths from the prior, and their indicators say whether
 * each draw exceeds its truth.
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { trackedParameters } from "../../src/analysis/trackedParameters.js";
import { compileModel, type CompiledModel } from "../../src/cmdstan/compile.js";
import { sample } from "../../src/cmdstan/run.js";
import { readStanCsv, readStanFit } from "../../src/cmdstan/stanCsv.js";
import { toStanJson } from "../../src/cmdstan/stanJson.js";
import { generateStudyDesign, STAN_INT_KEYS, type DesignConfig } from "../../src/design/studyDesign.js";
import { sbcData } from "../../src/studies/sbc/modelContract.js";
import { firstDraw, REPO_ROOT, testCmdStan } from "../helpers/cmdstan.js";
import { REPORT_DESIGN_CONFIG } from "../helpers/designs.js";

const read = (...p: string[]) => readFile(path.join(REPO_ROOT, ...p), "utf8");
/** The text of a top-level block, from its header to the next top-level block. */
function block(text: string, name: string): string {
  const start = text.indexOf(`\n${name} {`);
  if (start < 0) throw new Error(`no ${name} block`);
  const next = text
    .slice(start + 1)
    .search(/\n(functions|data|transformed data|parameters|transformed parameters|model|generated quantities) \{/);
  return next < 0 ? text.slice(start) : text.slice(start, start + 1 + next);
}
/** The variables drawn by _rng calls, in order (a "_t" suffix for truths dropped). */
function drawOrder(text: string): string[] {
  return text
    .split("\n")
    .filter((l) => /_rng\(/.test(l) && !l.trim().startsWith("//"))
    .map((l) => /(\w+?)(?:_t)?(?:\[[^\]]*\])*\s*=[^=]*?\w+_rng\(/.exec(l)?.[1] ?? `? ${l.trim()}`);
}

const SIZE_DESIGN: DesignConfig = { factors: [3, 2], K: 3, D: 2, R: 12, M_per_cell: 12, menu_sizes: [2, 4, 6, 8] };

describe("SBC models", () => {
  it("share the inference models' functions, parameters, priors and likelihood verbatim", async () => {
    const [h, hSbc, size, sizeSbc] = await Promise.all([
      read("stan", "h_m01.stan"),
      read("stan", "h_m01_sbc.stan"),
      read("stan", "h_m01_size.stan"),
      read("stan", "h_m01_size_sbc.stan"),
    ]);
    const functions = (t: string) => t.slice(t.indexOf("functions {"), t.indexOf("\ndata {"));
    expect(functions(h).length).toBeGreaterThan(500);
    expect(functions(hSbc)).toBe(functions(h));
    expect(functions(sizeSbc)).toBe(functions(h));
    for (const name of ["parameters", "transformed parameters", "model"]) {
      expect(block(hSbc, name), name).toBe(block(h, name));
      expect(block(sizeSbc, name), name).toBe(block(size, name));
    }
    // The data are the inference models' without y.
    expect(block(hSbc, "data")).toBe(block(h, "data").replace(/\n {2}array\[M_total\] int y;[^\n]*/, ""));
    expect(block(sizeSbc, "data")).toBe(block(size, "data").replace(/\n {2}array\[M_total\] int y;[^\n]*/, ""));
  });

  it("draw the truth in the simulators' order (docs/models.md, Draw order and seeds)", async () => {
    const [hSbc, sizeSbc, sizeSim] = await Promise.all([
      read("stan", "h_m01_sbc.stan"),
      read("stan", "h_m01_size_sbc.stan"),
      read("stan", "h_m01_size_sim.stan"),
    ]);
    // "h" is the normal draw whose absolute value is sigma_cell.
    expect(drawOrder(block(hSbc, "transformed data"))).toEqual(["gamma0", "gamma", "h", "z", "beta", "delta", "y"]);
    expect(drawOrder(block(sizeSbc, "transformed data"))).toEqual([
      "gamma0",
      "gamma",
      "gamma_size",
      "h",
      "z",
      "beta",
      "delta",
      "y",
    ]);
    expect(drawOrder(block(sizeSbc, "transformed data"))).toEqual(drawOrder(block(sizeSim, "generated quantities")));
    expect(drawOrder(block(hSbc, "generated quantities"))).toEqual([]);
  });

  describe("with the real CmdStan", () => {
    let dir: string;
    let hSbc: CompiledModel;
    let sizeSbc: CompiledModel;
    const design = generateStudyDesign(REPORT_DESIGN_CONFIG, 123);
    const sizeDesign = generateStudyDesign(SIZE_DESIGN, 123);
    const writeData = async (name: string, data: Record<string, unknown>) => {
      const file = path.join(dir, `${name}.json`);
      await writeFile(file, toStanJson(data, { ints: [...STAN_INT_KEYS] }));
      return file;
    };
    afterAll(async () => {
      if (dir) await rm(dir, { recursive: true, force: true });
    });
    beforeAll(async () => {
      const install = await testCmdStan();
      dir = await mkdtemp(path.join(os.tmpdir(), "cr-sbc-models-"));
      [hSbc, sizeSbc] = await Promise.all([
        compileModel(install, path.join(REPO_ROOT, "stan", "h_m01_sbc.stan")),
        compileModel(install, path.join(REPO_ROOT, "stan", "h_m01_size_sbc.stan")),
      ]);
    });

    async function truth(model: CompiledModel, dataFile: string, seed: number) {
      const r = await sample(model, {
        chains: 1,
        numSamples: 1,
        algorithm: "fixed_param",
        seed,
        dataFile,
        outputDir: dir,
        outputPrefix: `truth-${model.name}-${seed}`,
      });
      return firstDraw(await readStanCsv(r.csvFiles[0]), "pars_");
    }

    it("one truth per tracked scalar, within the supports; the seed decides it", async () => {
      const dataFile = await writeData("h", sbcData(design));
      const tracked = trackedParameters({ alphaVar: "alpha", extraScalars: [] }, design);
      const t = await truth(hSbc, dataFile, 123);
      expect(t).toHaveLength(29);
      expect(tracked).toHaveLength(29);
      const at = (name: string) => t[tracked.findIndex((p) => p.variable === name)];
      expect(at("sigma_cell")).toBeGreaterThan(0);
      for (let j = 1; j <= 18; j++) expect(at(`alpha[${j}]`)).toBeGreaterThan(0);
      expect(at("delta[1]") + at("delta[2]")).toBeCloseTo(1, 5);
      expect(await truth(hSbc, dataFile, 123)).toEqual(t);
      expect(await truth(hSbc, dataFile, 124)).not.toEqual(t);

      const sizeFile = await writeData("size", sbcData(sizeDesign));
      const s = await truth(sizeSbc, sizeFile, 7);
      expect(s).toHaveLength(
        trackedParameters({ alphaVar: "alpha_cell", extraScalars: ["gamma_size"] }, sizeDesign).length,
      );
      expect(s).toHaveLength(1 + 3 + 1 + 1 + 6 + 2);
    });

    it("truths come from the prior: gamma0 ~ normal(2.5, 0.5), gamma ~ normal(0, 0.5), |normal(0, 0.3)| over 80 seeds", async () => {
      const dataFile = await writeData("prior", sbcData(design));
      const truths: number[][] = [];
      for (let seed = 1000; seed < 1080; seed++) truths.push(await truth(hSbc, dataFile, seed));
      const meanSd = (xs: number[]) => {
        const m = xs.reduce((a, b) => a + b, 0) / xs.length;
        return [m, Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / (xs.length - 1))];
      };
      const [m0, s0] = meanSd(truths.map((t) => t[0]));
      expect(Math.abs(m0 - 2.5)).toBeLessThan(4 * (0.5 / Math.sqrt(80)));
      expect(s0).toBeGreaterThan(0.35);
      expect(s0).toBeLessThan(0.65);
      const [mg, sg] = meanSd(truths.flatMap((t) => t.slice(1, 8)));
      expect(Math.abs(mg)).toBeLessThan(4 * (0.5 / Math.sqrt(560)));
      expect(sg).toBeGreaterThan(0.43);
      expect(sg).toBeLessThan(0.57);
      const [ms] = meanSd(truths.map((t) => t[8]));
      expect(Math.abs(ms - 0.3 * Math.sqrt(2 / Math.PI))).toBeLessThan(4 * ((0.3 * 0.6) / Math.sqrt(80)));
    });

    it("ranks_ is 1 exactly where the draw exceeds its truth", async () => {
      const dataFile = await writeData("fit", sbcData(sizeDesign));
      const r = await sample(sizeSbc, {
        chains: 1,
        numWarmup: 150,
        numSamples: 200,
        seed: 5,
        dataFile,
        outputDir: dir,
        outputPrefix: "fit",
        sigFigs: 15,
      });
      const fit = await readStanFit(r.csvFiles);
      const tracked = trackedParameters({ alphaVar: "alpha_cell", extraScalars: ["gamma_size"] }, sizeDesign);
      const csv = fit.chains[0];
      let checked = 0;
      tracked.forEach((t, k) => {
        const col = t.variable.replace(/\[(\d+)\]$/, ".$1");
        const truthValue = csv.draws[`pars_.${k + 1}`][0];
        for (let d = 0; d < csv.numDraws; d++) {
          expect(csv.draws[`pars_.${k + 1}`][d]).toBe(truthValue);
          const draw = csv.draws[col][d];
          // 15 significant digits: only a draw within rounding of its truth could disagree.
          if (Math.abs(draw - truthValue) <= 1e-12 * Math.abs(truthValue)) continue;
          expect(csv.draws[`ranks_.${k + 1}`][d], `${t.variable} draw ${d}`).toBe(draw > truthValue ? 1 : 0);
          checked += 1;
        }
      });
      expect(checked).toBeGreaterThan(0.99 * tracked.length * 200);
    });
  });
});
