/**
 * stanc's --O1 for inference models (docs/performance.md "--O1"): which CmdStan's stanc has it is
 * read from `stanc --help` (real binaries: the suite's 2.27.0 has only the experimental --O;
 * the reference 2.33.1 and 2.37.0 have --O1), the reference stancs translate h_m01_size with
 * --O1, and, where a CmdStan that compiles has it, h_m01_size compiled with --O1 gives the same
 * posterior as without (same data and seed; means within 4 combined MCSEs). On a machine whose
 * only compiling CmdStan lacks --O1 that last test is skipped, saying so.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { summarizeFit } from "../../src/analysis/summary.js";
import { compileModel, stancSupportsO1, withoutOverstrike } from "../../src/cmdstan/compile.js";
import type { CmdStanInstall } from "../../src/cmdstan/locate.js";
import { sample } from "../../src/cmdstan/run.js";
import { readStanFit } from "../../src/cmdstan/stanCsv.js";
import { toStanJson } from "../../src/cmdstan/stanJson.js";
import { fitData, generateStudyDesign, simulationData, STAN_INT_KEYS } from "../../src/design/studyDesign.js";
import { REPO_ROOT, firstDraw, fixedParamDraw, testCmdStan } from "../helpers/cmdstan.js";
import { referenceTree } from "../helpers/toolsets.js";

const MODEL = path.join(REPO_ROOT, "stan", "h_m01_size.stan");
const reference = (version: string) => ({ path: referenceTree(version), version }) as CmdStanInstall;

describe("stanc --O1 for inference models", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-o1-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("is found in stanc --help where the release has it, and not in 2.27's", async () => {
    const install = await testCmdStan();
    const help = (await execa(path.join(install.path, "bin", "stanc"), ["--help"], { reject: false })).stdout;
    expect(await stancSupportsO1(install)).toBe(/^\s*--O1\b/m.test(withoutOverstrike(help)));
    if (install.version === "2.27.0") expect(await stancSupportsO1(install)).toBe(false);
    for (const version of ["2.33.1", "2.37.0"]) expect(await stancSupportsO1(reference(version)), version).toBe(true);
  });

  it("translates h_m01_size with the reference stancs' --O1", async () => {
    for (const version of ["2.33.1", "2.37.0"]) {
      const out = path.join(dir, `h_m01_size-${version}.hpp`);
      const r = await execa(path.join(referenceTree(version), "bin", "stanc"), ["--O1", MODEL, `--o=${out}`], {
        reject: false,
      });
      expect(r.exitCode, `${version}: ${r.stderr}`).toBe(0);
    }
  });

  it("gives the same posterior as without it, where a compiling CmdStan has it", async (ctx) => {
    const install = await testCmdStan();
    if (!(await stancSupportsO1(install))) {
      ctx.skip(`CmdStan ${install.version}'s stanc has no --O1: the posterior comparison needs one that has`);
    }
    const [plain, o1, sim] = await Promise.all([
      compileModel(install, MODEL),
      compileModel(install, MODEL, { stancFlags: ["--O1"] }),
      compileModel(install, path.join(REPO_ROOT, "stan", "h_m01_size_sim.stan")),
    ]);
    const design = generateStudyDesign({ factors: [3, 2], R: 12, M_per_cell: 30, menu_sizes: [2, 4, 6, 8] }, 7);
    const ints = [...STAN_INT_KEYS];
    const truth = await fixedParamDraw(sim, toStanJson(simulationData(design), { ints }), 7, { dir, name: "sim" });
    const dataFile = path.join(dir, "fit.json");
    await writeFile(dataFile, toStanJson(fitData(design, firstDraw(truth, "y")), { ints }));
    const fit = async (model: typeof plain, name: string) => {
      const run = await sample(model, {
        chains: 2,
        numWarmup: 500,
        numSamples: 500,
        seed: 11,
        dataFile,
        outputDir: dir,
        outputPrefix: name,
      });
      return summarizeFit(await readStanFit(run.csvFiles), { quantileRule: "order-statistic" });
    };
    const [a, b] = await Promise.all([fit(plain, "plain"), fit(o1, "o1")]);
    for (const name of ["gamma0", "gamma_size", "sigma_cell", "gamma[1]", "alpha_cell[1]", "delta[1]"]) {
      const x = a.find((r) => r.name === name)!;
      const y = b.find((r) => r.name === name)!;
      expect(Math.abs(x.mean - y.mean), name).toBeLessThan(4 * Math.hypot(x.mcse, y.mcse));
    }
  });
});
