/**
 * The checks of a flat-family model (m_0 ... m_3 and their simulators) that every flat study kind
 * makes the same way, from `stanc --info` before anything is compiled or sampled: the outputs a
 * study reads (by name and number of dimensions), the data a model declares against the data the
 * study gives it, the hyperparameters' values, and one refusal naming the config, each model's key
 * and every problem.
 */
import type { ModelInfo } from "../../cmdstan/modelInfo.js";
import { hyperparameterValues, undeclaredHyperparameters } from "../../design/flat/hyperparameters.js";
import { InputError } from "../../util/errors.js";

export type Declared = ModelInfo["inputs"];

/** The design data of the risky problems. */
export const RISKY_DATA: readonly string[] = ["N", "S", "x", "J"];

/** Every output of a model (parameters, transformed parameters, generated quantities) with its shape. */
export const outputsOf = (info: ModelInfo): Declared => ({
  ...info.parameters,
  ...info.transformedParameters,
  ...info.generatedQuantities,
});

/** The integer data a model declares (toStanJson's `ints`). */
export const intKeys = (inputs: Declared) => Object.keys(inputs).filter((k) => inputs[k].type === "int");

/** An output a study reads: its name, its number of dimensions, and what it is (for messages). */
export type WantedOutput = [name: string, dimensions: number, what: string];

/** The outputs a model must have, by name and number of dimensions. */
export function outputProblems(info: ModelInfo, wanted: WantedOutput[]): string[] {
  const declared = outputsOf(info);
  return wanted.flatMap(([name, dims, what]) => {
    const d = declared[name];
    if (!d) return [`it does not output ${name}, ${what}`];
    return d.dimensions === dims ? [] : [`its output ${name} has ${d.dimensions} dimension(s), expected ${what}`];
  });
}

/**
 * Declared data the model does not get: the risky problems' data named together (with
 * `noRiskyProblems`, why the design has none), the rest one by one.
 */
export function dataProblems(inputs: Declared, data: Record<string, unknown>, noRiskyProblems: string): string[] {
  const absent = Object.keys(inputs).filter((k) => !(k in data));
  const risky = absent.filter((k) => RISKY_DATA.includes(k) || k === "z");
  const problems = absent
    .filter((k) => !risky.includes(k))
    .map((k) => `it declares data ${k}, which neither the design, the hyperparameters nor the choices provide`);
  if (risky.length)
    problems.unshift(
      `it declares the risky problems' data ${risky.join(", ")}, but the design has none (${noRiskyProblems})`,
    );
  return problems;
}

/** Values of `names`: sim_hyperparams, else the original's default; a name with neither is a problem. */
export function valuedHyperparameters(
  names: string[],
  given: Record<string, number>,
  model: string,
  problems: string[],
): Record<string, number> {
  try {
    return hyperparameterValues(names, given, { model, key: "sim_hyperparams" });
  } catch (err) {
    if (!(err instanceof InputError)) throw err;
    problems.push(err.message);
    return {};
  }
}

/** sim_hyperparams keys the simulator does not declare as hyperparameters, each named. */
export function simHyperparameterProblems(sim: ModelInfo, names: string[], given: Record<string, number>): string[] {
  return undeclaredHyperparameters(given, names).map((k) =>
    sim.inputs[k]
      ? `sim_hyperparams.${k}: ${k} is design data of the simulator, not a hyperparameter (set it in the design)`
      : `sim_hyperparams.${k}: the simulator declares no data ${k} (its hyperparameters: ${names.join(", ") || "none"})`,
  );
}

/** One model's problems: its config key, what it is ("the simulator"), its file. */
export interface ModelProblems {
  key: string;
  what: string;
  file: string;
  problems: string[];
}

/** One InputError for every model's problems, a paragraph per model naming the config and its key. */
export function refuseModelProblems(source: string, models: ModelProblems[]): void {
  const paragraphs = models
    .filter((m) => m.problems.length)
    .map((m) => `${m.key}: ${m.what} ${m.file} does not fit this study:\n  - ${m.problems.join("\n  - ")}`);
  if (paragraphs.length) throw new InputError(`${source}: ${paragraphs.join(`\n${source}: `)}`);
}
