/**
 * What every SBC study needs from its model, checked before any simulation runs, so a model that
 * cannot work is refused in one message naming the model file and everything wrong (each kind
 * adds what its family needs):
 *
 * - `stanc --info`: it outputs `pars_` and `ranks_` as vectors in generated quantities, declares
 *   no data `y` (nor `z`: an SBC model simulates its choices itself, docs/sbc.md "The SBC model
 *   contract"), and every data key it declares is in the SBC data;
 * - one fixed_param draw of the compiled model (`checkDraw`): what the outputs hold on this
 *   design, whose lengths stanc cannot know.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { CompiledModel } from "../../cmdstan/compile.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { readModelInfo, type ModelInfo } from "../../cmdstan/modelInfo.js";
import { sample } from "../../cmdstan/run.js";
import { readStanCsv, type StanCsv } from "../../cmdstan/stanCsv.js";
import { CmdStanRunError, InputError } from "../../util/errors.js";

/** The SBC outputs: the truth of each tracked scalar, and per draw whether the draw exceeds it. */
export const SBC_OUTPUTS = ["pars_", "ranks_"] as const;
/** Data an SBC model must not declare: the choices it simulates (y; z for risky problems). */
const SIMULATED_DATA = ["y", "z"];

export interface SbcModelInfo {
  info: ModelInfo;
  /** Data keys the model declares as int (for toStanJson's `ints`). */
  ints: string[];
  /** Parameters and transformed parameters: the variables whose R-hat is checked. */
  rhatVariables: string[];
}

/** The one message that refuses a model: the config file, the key, the model, every problem. */
export function refuseSbcModel(config: { source: string; sbc_model_path: string }, problems: string[]): never {
  throw new InputError(
    `${config.source}: sbc_model_path: the SBC model ${config.sbc_model_path} does not fit this study:\n  - ${problems.join("\n  - ")}`,
  );
}

/**
 * The problems of the model's declarations (stanc --info) with the SBC data the study gives it;
 * `why` says why a declared key is not in it.
 */
export function sbcDeclarationProblems(
  info: ModelInfo,
  data: Record<string, unknown>,
  why: (key: string) => string,
): string[] {
  const problems: string[] = [];
  for (const name of SBC_OUTPUTS) {
    const d = info.generatedQuantities[name];
    if (!d)
      problems.push(`it does not output ${name} in generated quantities (a vector with one entry per tracked scalar)`);
    else if (d.dimensions !== 1)
      problems.push(
        `its output ${name} has ${d.dimensions} dimension(s), expected a vector (one entry per tracked scalar)`,
      );
  }
  for (const key of SIMULATED_DATA.filter((k) => info.inputs[k]))
    problems.push(
      `it declares data ${key}; an SBC model simulates ${key} in transformed data from a truth drawn from the prior`,
    );
  for (const key of Object.keys(info.inputs).filter((k) => !SIMULATED_DATA.includes(k) && !(k in data)))
    problems.push(`it declares data ${key}, which the SBC data does not hold (${why(key)})`);
  return problems;
}

/** What a study keeps of a model that passed its checks. */
export function sbcModelInfo(info: ModelInfo): SbcModelInfo {
  return {
    info,
    ints: Object.keys(info.inputs).filter((k) => info.inputs[k].type === "int"),
    rhatVariables: [...Object.keys(info.parameters), ...Object.keys(info.transformedParameters)],
  };
}

/** Read the model's declarations and check them against the SBC data; refuses the model or returns its info. */
export async function checkSbcDeclarations(
  install: CmdStanInstall,
  config: { source: string; sbc_model_path: string },
  data: Record<string, unknown>,
  why: (key: string) => string,
): Promise<SbcModelInfo> {
  const info = await readModelInfo(install, config.sbc_model_path);
  const problems = sbcDeclarationProblems(info, data, why);
  if (problems.length) refuseSbcModel(config, problems);
  return sbcModelInfo(info);
}

/**
 * One fixed_param draw of the compiled model on the SBC data (in a scratch folder: the study's
 * folder is not claimed yet), read whole; CmdStan's error when the run fails (the model rejects
 * this seed's truth, say).
 */
export async function checkDraw(
  model: CompiledModel,
  seed: number,
  dataText: string,
): Promise<{ csv: StanCsv } | { error: CmdStanRunError }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "cmdstan-recover-sbc-check-"));
  try {
    const dataFile = path.join(dir, "data.json");
    await writeFile(dataFile, dataText);
    const run = await sample(model, {
      chains: 1,
      numSamples: 1,
      algorithm: "fixed_param",
      seed,
      dataFile,
      outputDir: dir,
      outputPrefix: "check",
      refresh: 1,
    });
    return { csv: await readStanCsv(run.csvFiles[0]) };
  } catch (err) {
    if (!(err instanceof CmdStanRunError)) throw err;
    return { error: err };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** pars_ and ranks_ must hold one entry per tracked scalar: the problems, if they do not. */
export function outputLengthProblems(csv: StanCsv, names: readonly string[]): string[] {
  return SBC_OUTPUTS.flatMap((name) => {
    const n = csv.variables.find((v) => v.name === name)?.columnNames.length ?? 0;
    return n === names.length
      ? []
      : [`its output ${name} has ${n} entries on this design, expected ${names.length}: ${names.join(", ")}`];
  });
}
