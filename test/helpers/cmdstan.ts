/**
 * The CmdStan the tests run against: the same lookup as the tool ($CMDSTAN, else the copy
 * provisioned by `make cmdstan`). No CmdStan is a set-up failure, never a skip: `make test`
 * provisions one, and CI runs `make test`.
 *
 * Test models (test/models/*.stan) are compiled by the tool's own content-addressed cache
 * (src/cmdstan/compile.ts, safe under concurrent compiles) and sampled by src/cmdstan/run.ts.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import { locateCmdStan, type CmdStanInstall } from "../../src/cmdstan/locate.js";
import { compileModel, type CompiledModel } from "../../src/cmdstan/compile.js";
import { writeFile } from "node:fs/promises";
import { sample } from "../../src/cmdstan/run.js";
import { readStanCsv, type StanCsv } from "../../src/cmdstan/stanCsv.js";

/** Root of this repository (the folder holding package.json). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Real CmdStan CSV files (test/fixtures/cmdstan-csv; its README says where they came from). */
export const CSV_FIXTURES = path.resolve(REPO_ROOT, "test", "fixtures", "cmdstan-csv");

let cached: Promise<CmdStanInstall> | undefined;

export function testCmdStan(): Promise<CmdStanInstall> {
  cached ??= locateCmdStan().catch((err: Error) => {
    throw new Error(
      `CmdStan tests cannot run: ${err.message}\nRun \`make test\` (it provisions CmdStan) or set CMDSTAN.`,
    );
  });
  return cached;
}

export const TEST_MODELS = path.resolve(import.meta.dirname, "..", "models");

/** Compile a model from test/models (cached across test runs by content). */
export async function compileTestModel(name: string): Promise<CompiledModel> {
  return compileModel(await testCmdStan(), path.join(TEST_MODELS, `${name}.stan`));
}

/** Values of one variable in the first draw of a CSV (a fixed_param simulation), in CSV column order. */
export function firstDraw(csv: StanCsv, name: string): number[] {
  const v = csv.variables.find((x) => x.name === name);
  if (!v) throw new Error(`no ${name} in ${csv.file}`);
  return v.columnNames.map((c) => csv.draws[c][0]);
}

/** One fixed_param draw of `model` on `dataText` (Stan JSON) with `seed`, files named `name` in `dir`. */
export async function fixedParamDraw(
  model: CompiledModel,
  dataText: string,
  seed: number,
  where: { dir: string; name: string },
): Promise<StanCsv> {
  const dataFile = path.join(where.dir, `${where.name}.json`);
  await writeFile(dataFile, dataText);
  const r = await sample(model, {
    chains: 1,
    numSamples: 1,
    algorithm: "fixed_param",
    seed,
    dataFile,
    outputDir: where.dir,
    outputPrefix: where.name,
  });
  return readStanCsv(r.csvFiles[0]);
}
