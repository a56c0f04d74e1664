/**
 * Does stanc's --O1 leave h_m01_size's posterior unchanged? (docs/performance.md "--O1")
 *
 *   npx tsx scripts/check-o1-posterior.ts [--cmdstan PATH]
 *
 * Needs a CmdStan that compiles models and whose stanc has --O1 (2.30 or later); the one this
 * repository provisions (2.27) has not, so the test suite cannot run this check, and studies
 * use --O1 only when a config sets `stanc_o1`. It simulates one data set from
 * h_m01_size_sim.stan, fits h_m01_size.stan built plainly and with --O1 (same data, same seed,
 * 2 chains x (500 + 500)) and compares the means of the hyperparameters and a few entries:
 * every difference within 4 combined Monte Carlo standard errors passes (exit 0), any other
 * fails (exit 1).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { summarizeFit } from "../src/analysis/summary.js";
import { compileModel, stancSupportsO1, type CompiledModel } from "../src/cmdstan/compile.js";
import { locateCmdStan } from "../src/cmdstan/locate.js";
import { sample } from "../src/cmdstan/run.js";
import { readStanCsv, readStanFit } from "../src/cmdstan/stanCsv.js";
import { toStanJson } from "../src/cmdstan/stanJson.js";
import { fitData, generateStudyDesign, simulationData, STAN_INT_KEYS } from "../src/design/studyDesign.js";
import { projectRoot } from "../src/util/projectRoot.js";

const REPO_ROOT = projectRoot();
const MODEL = path.join(REPO_ROOT, "stan", "h_m01_size.stan");
const SIM = path.join(REPO_ROOT, "stan", "h_m01_size_sim.stan");
const COMPARED = ["gamma0", "gamma_size", "sigma_cell", "gamma[1]", "alpha_cell[1]", "delta[1]"];

async function simulatedChoices(sim: CompiledModel, dir: string) {
  const design = generateStudyDesign({ factors: [3, 2], R: 12, M_per_cell: 30, menu_sizes: [2, 4, 6, 8] }, 7);
  const ints = [...STAN_INT_KEYS];
  const simData = path.join(dir, "sim.json");
  await writeFile(simData, toStanJson(simulationData(design), { ints }));
  const simRun = await sample(sim, {
    chains: 1,
    numSamples: 1,
    algorithm: "fixed_param",
    seed: 7,
    dataFile: simData,
    outputDir: dir,
    outputPrefix: "sim",
  });
  const csv = await readStanCsv(simRun.csvFiles[0], { variables: ["y"] });
  const y = csv.variables.find((v) => v.name === "y")!.columnNames.map((c) => csv.draws[c][0]);
  const dataFile = path.join(dir, "fit.json");
  await writeFile(dataFile, toStanJson(fitData(design, y), { ints }));
  return dataFile;
}

async function main(): Promise<number> {
  const flag = process.argv.indexOf("--cmdstan");
  const install = await locateCmdStan({ explicit: flag > 0 ? process.argv[flag + 1] : undefined });
  if (!(await stancSupportsO1(install))) {
    console.error(
      `CmdStan ${install.version} at ${install.path}: its stanc has no --O1; give one that has (--cmdstan)`,
    );
    return 2;
  }
  const dir = await mkdtemp(path.join(os.tmpdir(), "cr-o1-check-"));
  try {
    const [plain, o1, sim] = await Promise.all([
      compileModel(install, MODEL),
      compileModel(install, MODEL, { stancFlags: ["--O1"] }),
      compileModel(install, SIM),
    ]);
    const dataFile = await simulatedChoices(sim, dir);
    const fit = async (model: CompiledModel, name: string) => {
      const opts = { chains: 2, numWarmup: 500, numSamples: 500, seed: 11, dataFile, outputDir: dir };
      const run = await sample(model, { ...opts, outputPrefix: name });
      return summarizeFit(await readStanFit(run.csvFiles), { quantileRule: "order-statistic" });
    };
    const [a, b] = await Promise.all([fit(plain, "plain"), fit(o1, "o1")]);
    let failed = 0;
    for (const name of COMPARED) {
      const x = a.find((r) => r.name === name)!;
      const y = b.find((r) => r.name === name)!;
      const z = Math.abs(x.mean - y.mean) / Math.hypot(x.mcse, y.mcse);
      if (z >= 4) failed++;
      console.log(`${name}: plain ${x.mean.toFixed(4)}, --O1 ${y.mean.toFixed(4)}, ${z.toFixed(2)} MCSEs apart`);
    }
    console.log(failed ? `${failed} mean(s) differ by 4 MCSEs or more` : "the posteriors agree");
    return failed ? 1 : 0;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
