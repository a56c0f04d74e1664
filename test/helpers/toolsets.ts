/**
 * The CmdStan releases of the version matrix, each as a "toolset": an installation (that may or
 * may not compile) and one model compiled with that release, sampled through our runner.
 *
 * - The full CmdStan the suite uses (testCmdStan(): the provisioned 2.27.0 unless the machine has
 *   another), with prophet.stan compiled by our compile cache.
 * - 2.33.1 and 2.37.0 from the prophet wheels (scripts/provision-reference-cmdstans.sh, which
 *   `make test` runs): pruned trees whose prebuilt prophet_model.bin we sample as shipped.
 * A missing reference toolset is a set-up failure, never a skip.
 */
import { existsSync, readFileSync, realpathSync } from "node:fs";
import path from "node:path";
import { z } from "zod";
import { compileModel } from "../../src/cmdstan/compile.js";
import { locateCmdStan, type CmdStanInstall } from "../../src/cmdstan/locate.js";
import type { RunnableModel } from "../../src/cmdstan/run.js";
import { REPO_ROOT, testCmdStan } from "./cmdstan.js";

export const REFERENCE_DIR = path.join(REPO_ROOT, ".cmdstan", "reference");
export const REFERENCE_VERSIONS = ["2.33.1", "2.37.0"] as const;
/** Data for prophet.stan (its data block, checked against each release's `stanc --info`). */
export const PROPHET_DATA = path.join(REPO_ROOT, "test", "models", "prophet.data.json");

export interface Toolset {
  version: string;
  install: CmdStanInstall;
  /** The model this release compiled, run through src/cmdstan/run.ts. */
  model: RunnableModel;
  /** Its source, prophet.stan from the wheel. */
  stanFile: string;
  /** True when the executable came with the release (not compiled by us). */
  prebuilt: boolean;
}

const manifestSchema = z.object({
  version: z.string().regex(/^\d+\.\d+\.\d+$/),
  source: z.string(),
  can_compile: z.boolean(),
  model: z.object({ name: z.string().min(1), exe: z.string().min(1), stan_file: z.string().min(1) }),
  repaired: z.array(z.string()),
});

/** Path of a provisioned reference tree (a symlink into the unpacked wheel); throws with the command that provisions it. */
export function referenceTree(version: string): string {
  const tree = path.join(REFERENCE_DIR, `cmdstan-${version}`);
  if (!existsSync(path.join(tree, ".provisioned")))
    throw new Error(
      `reference CmdStan ${version} is not provisioned at ${tree}: run \`make test\` (or bash scripts/provision-reference-cmdstans.sh)`,
    );
  return tree;
}

async function referenceToolset(version: string): Promise<Toolset> {
  const tree = referenceTree(version);
  const file = path.join(tree, "toolset.json");
  const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(file, "utf8")));
  if (!parsed.success)
    throw new Error(`${file}: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`);
  const m = parsed.data;
  if (m.version !== version) throw new Error(`${file}: version ${m.version}, expected ${version}`);
  const install = await locateCmdStan({ explicit: tree, purpose: "tools" });
  const real = realpathSync(tree); // the manifest's paths are relative to the tree inside the wheel
  return {
    version,
    install,
    model: { name: m.model.name, exe: path.resolve(real, m.model.exe) },
    stanFile: path.resolve(real, m.model.stan_file),
    prebuilt: true,
  };
}

async function fullToolset(): Promise<Toolset> {
  const install = await testCmdStan();
  const stanFile = path.resolve(realpathSync(referenceTree("2.37.0")), "..", "prophet.stan");
  const compiled = await compileModel(install, stanFile);
  return {
    version: install.version,
    install,
    model: { name: "prophet", exe: compiled.exe },
    stanFile,
    prebuilt: false,
  };
}

let cached: Promise<Toolset[]> | undefined;

/** The matrix: the full CmdStan in use, then 2.33.1 and 2.37.0. */
export function matrixToolsets(): Promise<Toolset[]> {
  cached ??= Promise.all([fullToolset(), ...REFERENCE_VERSIONS.map(referenceToolset)]);
  return cached;
}
