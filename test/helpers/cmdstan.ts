/**
 * The CmdStan the tests run against: the same lookup as the tool ($CMDSTAN, else the copy
 * provisioned by `make cmdstan`). No CmdStan is a set-up failure, never a skip: `make test`
 * provisions one, and CI runs `make test`.
 *
 * Test models (test/models/*.stan) are compiled by the tool's own content-addressed cache
 * (src/cmdstan/compile.ts, safe under concurrent compiles) and sampled by src/cmdstan/run.ts.
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { locateCmdStan, type CmdStanInstall } from "../../src/cmdstan/locate.js";
import { compileModel, type CompiledModel } from "../../src/cmdstan/compile.js";
import { sampleArgs, type SampleOptions } from "../../src/cmdstan/run.js";

/** Root of this repository (the folder holding package.json). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "..");

/** The shared real CmdStan CSV fixtures (a sibling of the repository). */
export const CSV_FIXTURES = path.resolve(REPO_ROOT, "..", "shared", "fixtures", "cmdstan-csv");

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

/**
 * Sampler arguments that src/cmdstan/run.ts `sample()` has no option for (save_warmup,
 * metric, stepsize, adapt engaged, ...), as CmdStan words, e.g. ["metric=dense_e"] or
 * ["adapt", "engaged=0"]. Words of the `hmc` level (metric=, stepsize=) come before words of
 * the `sample` level (save_warmup=, adapt ...), since CmdStan's parser only climbs the tree.
 */
export interface ExtraSampleArgs {
  hmc?: string[];
  sample?: string[];
}

/**
 * Chains of `model` with run.ts's own argument tree (`sampleArgs`) plus `extra` words, inserted
 * just before `id=` (where CmdStan's parser still accepts hmc- and sample-level words). For
 * runs `sample()` can express, call `sample()` itself. Chains run one after another; returns
 * the CSV paths `${outputDir}/${outputPrefix ?? model.name}-${chain}.csv`.
 */
export async function sampleWithExtraArgs(model: CompiledModel, opts: SampleOptions, extra: ExtraSampleArgs): Promise<string[]> {
  const outDir = path.resolve(opts.outputDir);
  await mkdir(outDir, { recursive: true });
  const files: string[] = [];
  for (let chain = 1; chain <= (opts.chains ?? 4); chain++) {
    const csv = path.join(outDir, `${opts.outputPrefix ?? model.name}-${chain}.csv`);
    const args = sampleArgs(opts, chain, csv);
    const at = args.indexOf(`id=${chain}`);
    args.splice(at, 0, ...(extra.hmc ?? []), ...(extra.sample ?? []));
    const r = await execa(model.exe, args, { reject: false, all: true, cwd: outDir });
    if (r.exitCode !== 0) throw new Error(`${model.exe} ${args.join(" ")} failed (exit ${r.exitCode}):\n${r.all ?? ""}`);
    files.push(csv);
  }
  return files;
}
