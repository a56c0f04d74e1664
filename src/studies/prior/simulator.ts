/**
 * What a prior predictive study needs from its simulator, from `stanc --info`, checked before it
 * is compiled: the outputs the summaries read (by name and number of dimensions), every data
 * key it declares present in the data the study makes, and every hyperparameter the config sets
 * a scalar it declares. Problems are refused in one message naming the config key and the file.
 */
import type { ModelInfo } from "../../cmdstan/modelInfo.js";
import { InputError } from "../../util/errors.js";

/** An output the summaries read: its name, its number of dimensions, what it is for (for the message). */
export interface WantedOutput {
  name: string;
  dims: number;
  why: string;
}

export function outputProblems(info: ModelInfo, wanted: readonly WantedOutput[]): string[] {
  const declared = { ...info.parameters, ...info.transformedParameters, ...info.generatedQuantities };
  return wanted.flatMap((w) => {
    const d = declared[w.name];
    if (!d) return [`it does not output ${w.name} (${w.why})`];
    if (d.dimensions !== w.dims) return [`its output ${w.name} has ${d.dimensions} dimension(s), expected ${w.dims}`];
    return [];
  });
}

/** Declared data keys absent from `data`; `why(key)` says why the study does not make it. */
export function dataProblems(info: ModelInfo, data: Record<string, unknown>, why: (key: string) => string): string[] {
  return Object.keys(info.inputs)
    .filter((k) => !(k in data))
    .map((k) => `it declares data ${k}, which the study does not make (${why(k)})`);
}

/** Config values (`key`.name) that are not scalar data of the simulator, or not ints where it says int. */
export function valueProblems(info: ModelInfo, values: Record<string, number>, key: string): string[] {
  return Object.entries(values).flatMap(([k, v]) => {
    const d = info.inputs[k];
    if (!d)
      return [`${key}.${k}: the simulator declares no data ${k} (its data: ${Object.keys(info.inputs).join(", ")})`];
    if (d.dimensions !== 0) return [`${key}.${k}: the simulator's ${k} is not a scalar`];
    if (d.type === "int" && !Number.isInteger(v)) return [`${key}.${k}: the simulator declares ${k} int, got ${v}`];
    return [];
  });
}

export function intDataKeys(info: ModelInfo): string[] {
  return Object.keys(info.inputs).filter((k) => info.inputs[k].type === "int");
}

/** Throws when there are problems: "<source>: <key>: the simulator <file> does not fit this study: ...". */
export function refuseSimulator(source: string, key: string, file: string, problems: string[]): void {
  if (!problems.length) return;
  throw new InputError(
    `${source}: ${key}: the simulator ${file} does not fit this study:\n  - ${problems.join("\n  - ")}`,
  );
}
