/**
 * The hyperparameters of the flat family's models, learnt from the models rather than from their
 * names (docs/flat-models.md): a model's hyperparameters are the scalar data it declares that
 * are not design keys (m_0_sim: alpha_mean, alpha_sd, beta_sd; m_2_sim adds omega_mean/_sd; m_3_sim
 * kappa_mean/_sd; m_03 and its simulator delta_concentration). Their values come from the config
 * (`sim_hyperparams`), else from the original's defaults. A name with neither is refused, naming
 * it (the original silently used 1.0).
 */
import { InputError } from "../../util/errors.js";

/** The original's values for the hyperparameters its models declare (its DEFAULT_PARAM_GENERATION). */
export const FLAT_HYPERPARAMETER_DEFAULTS: Readonly<Record<string, number>> = Object.freeze({
  alpha_mean: 0,
  alpha_sd: 1,
  beta_sd: 1,
  omega_mean: 0,
  omega_sd: 1,
  kappa_mean: 0,
  kappa_sd: 0.5,
  delta_concentration: 1,
});

/** The design data keys of the flat family (uncertain and risky problems), and the choices. */
export const FLAT_DESIGN_DATA_KEYS: readonly string[] = ["M", "K", "D", "R", "w", "I", "N", "S", "x", "J", "y", "z"];

/** What stanc --info says of a data variable. */
export interface DeclaredData {
  type: string;
  dimensions: number;
}

/** A model's hyperparameters: the scalar data it declares that are not design keys, in its order. */
export function hyperparameterNames(declared: Record<string, DeclaredData>): string[] {
  return Object.entries(declared)
    .filter(([name, d]) => d.dimensions === 0 && !FLAT_DESIGN_DATA_KEYS.includes(name))
    .map(([name]) => name);
}

/**
 * Values of `names`: `given[name]` (the config's `sim_hyperparams`), else the original's default.
 * `where` names the model and the config key in errors ("<config>: sim_hyperparams").
 */
export function hyperparameterValues(
  names: readonly string[],
  given: Readonly<Record<string, number>>,
  where: { model: string; key: string },
): Record<string, number> {
  const missing = names.filter((n) => given[n] === undefined && FLAT_HYPERPARAMETER_DEFAULTS[n] === undefined);
  if (missing.length) {
    throw new InputError(
      `${where.key}: ${missing.join(", ")} (data of ${where.model}) ${missing.length > 1 ? "have" : "has"} no default; ` +
        `give ${missing.length > 1 ? "their values" : "its value"} in ${where.key}`,
    );
  }
  return Object.fromEntries(names.map((n) => [n, given[n] ?? FLAT_HYPERPARAMETER_DEFAULTS[n]]));
}

/** Keys of `given` that the model does not declare: named, never ignored. */
export function undeclaredHyperparameters(given: Readonly<Record<string, number>>, names: readonly string[]): string[] {
  return Object.keys(given).filter((k) => !names.includes(k));
}
