/**
 * Which parameters a study tracks, from the config's names and the design's dimensions, never
 * from code (docs/recovery.md "Tracked parameters"; the original's `alpha_var` and `extra_scalar_params`):
 *
 * - regression group: `gamma0`, `gamma[1..P]`, each extra scalar in config order, `sigma_cell`;
 * - cell group: `<alpha_var>[1..J]`;
 * - utility group: `delta[1..K-1]`.
 *
 * Each tracked scalar has a key (as in the original's `recovery_statistics.json`: `gamma_3`,
 * `gamma_size`, `alpha_2` whatever alpha_var is) and the model's own name (`gamma[3]`,
 * `alpha_cell[2]`), which reports and plots show and summaries are matched by.
 */
import { InputError } from "../util/errors.js";

/** The config's naming of the model family's outputs. */
export interface ParameterNames {
  /** The per-cell sensitivity vector (h_m01: "alpha"; h_m01_size: "alpha_cell"). */
  alphaVar: string;
  /** Scalars tracked after gamma (h_m01_size: ["gamma_size"]). */
  extraScalars: readonly string[];
}

export type ParameterGroup = "regression" | "cell" | "utility";

export interface TrackedParameter {
  /** Key in recovery_statistics.json: gamma0, gamma_3, gamma_size, sigma_cell, alpha_2, delta_1. */
  key: string;
  /** The model's name of the scalar: gamma0, gamma[3], gamma_size, alpha_cell[2], delta[1]. */
  variable: string;
  group: ParameterGroup;
}

/** A tracked Stan variable: a scalar, or a vector with one entry per gamma / cell / delta component. */
export interface TrackedVariable {
  name: string;
  shape: "scalar" | "vector";
  /** What the vector's length is (for messages). */
  length?: "P" | "J" | "K - 1" | "M_total";
}

/** The tracked Stan variables in tracking order: gamma0, gamma, extras, sigma_cell, alpha_var, delta. */
export function trackedVariables(names: ParameterNames): TrackedVariable[] {
  return [
    { name: "gamma0", shape: "scalar" },
    { name: "gamma", shape: "vector", length: "P" },
    ...names.extraScalars.map((name) => ({ name, shape: "scalar" as const })),
    { name: "sigma_cell", shape: "scalar" },
    { name: names.alphaVar, shape: "vector", length: "J" },
    { name: "delta", shape: "vector", length: "K - 1" },
  ];
}

/** Every tracked scalar, in order, for a design of P predictors, J cells and K consequences. */
export function trackedParameters(
  names: ParameterNames,
  dims: { P: number; J: number; K: number },
): TrackedParameter[] {
  for (const [name, v, min] of [
    ["P", dims.P, 0],
    ["J", dims.J, 1],
    ["K", dims.K, 2],
  ] as const) {
    if (!Number.isInteger(v) || v < min) {
      throw new InputError(`tracked parameters: ${name} must be an integer >= ${min}, got ${v}`);
    }
  }
  const vector = (name: string, key: string, n: number, group: ParameterGroup): TrackedParameter[] =>
    Array.from({ length: n }, (_, i) => ({ key: `${key}_${i + 1}`, variable: `${name}[${i + 1}]`, group }));
  return [
    { key: "gamma0", variable: "gamma0", group: "regression" },
    ...vector("gamma", "gamma", dims.P, "regression"),
    ...names.extraScalars.map((name) => ({ key: name, variable: name, group: "regression" as const })),
    { key: "sigma_cell", variable: "sigma_cell", group: "regression" },
    ...vector(names.alphaVar, "alpha", dims.J, "cell"),
    ...vector("delta", "delta", dims.K - 1, "utility"),
  ];
}

/** The tracked scalars of one group, in order. */
export function groupParameters(tracked: readonly TrackedParameter[], group: ParameterGroup): TrackedParameter[] {
  return tracked.filter((t) => t.group === group);
}

/**
 * A summary's or CSV header's variable name in the bracket form the tracked list uses:
 * `gamma.3` and `gamma[ 3 ]` -> `gamma[3]`, `beta.2.1` -> `beta[2,1]`; scalars unchanged.
 */
export function canonicalVariableName(name: string): string {
  const n = name.trim();
  const bracket = /^([A-Za-z][A-Za-z0-9_]*)\[\s*(\d+(?:\s*,\s*\d+)*)\s*\]$/.exec(n);
  if (bracket)
    return `${bracket[1]}[${bracket[2]
      .split(",")
      .map((s) => s.trim())
      .join(",")}]`;
  const dotted = /^([A-Za-z][A-Za-z0-9_]*)((?:\.\d+)+)$/.exec(n);
  if (dotted) return `${dotted[1]}[${dotted[2].slice(1).split(".").join(",")}]`;
  return n;
}
