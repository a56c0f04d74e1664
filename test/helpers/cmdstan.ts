/**
 * The CmdStan the tests run against: the same lookup as the tool ($CMDSTAN, else the copy
 * provisioned by `make cmdstan`). No CmdStan is a set-up failure, never a skip: `make test`
 * provisions one, and CI runs `make test`.
 */
import path from "node:path";
import { locateCmdStan, type CmdStanInstall } from "../../src/cmdstan/locate.js";
import { compileModel, type CompiledModel } from "../../src/cmdstan/compile.js";

let cached: Promise<CmdStanInstall> | undefined;

export function testCmdStan(): Promise<CmdStanInstall> {
  cached ??= locateCmdStan().catch((err: Error) => {
    throw new Error(`CmdStan tests cannot run: ${err.message}\nRun \`make test\` (it provisions CmdStan) or set CMDSTAN.`);
  });
  return cached;
}

export const TEST_MODELS = path.resolve(import.meta.dirname, "..", "models");

/** Compile a model from test/models (cached across test runs by content). */
export async function compileTestModel(name: string): Promise<CompiledModel> {
  return compileModel(await testCmdStan(), path.join(TEST_MODELS, `${name}.stan`));
}
