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
import type { StanCsv } from "../../src/cmdstan/stanCsv.js";

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
