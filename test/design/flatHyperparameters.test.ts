/** Hyperparameters learnt from a model's declared data, valued from the config or the original's defaults. */
import { describe, expect, it } from "vitest";
import {
  FLAT_HYPERPARAMETER_DEFAULTS,
  hyperparameterNames,
  hyperparameterValues,
  undeclaredHyperparameters,
} from "../../src/design/flat/hyperparameters.js";
import { InputError } from "../../src/util/errors.js";

const scalar = { type: "real", dimensions: 0 };
const int = { type: "int", dimensions: 0 };
const m3Sim = {
  M: int,
  K: int,
  D: int,
  R: int,
  w: { type: "vector", dimensions: 1 },
  I: { type: "int", dimensions: 2 },
  N: int,
  S: int,
  x: { type: "vector", dimensions: 1 },
  J: { type: "int", dimensions: 2 },
  alpha_mean: scalar,
  alpha_sd: scalar,
  kappa_mean: scalar,
  kappa_sd: scalar,
  beta_sd: scalar,
};

describe("flat hyperparameters", () => {
  it("are the scalar data that are not design keys, in the model's order", () => {
    expect(hyperparameterNames(m3Sim)).toEqual(["alpha_mean", "alpha_sd", "kappa_mean", "kappa_sd", "beta_sd"]);
  });

  it("take the config's values, else the original's defaults", () => {
    const names = hyperparameterNames(m3Sim);
    const where = { model: "m_3_sim.stan", key: "sim_hyperparams" };
    expect(hyperparameterValues(names, { alpha_mean: 3 }, where)).toEqual({
      alpha_mean: 3,
      alpha_sd: 1,
      kappa_mean: 0,
      kappa_sd: FLAT_HYPERPARAMETER_DEFAULTS.kappa_sd,
      beta_sd: 1,
    });
  });

  it("refuse a hyperparameter with no default and no value, naming it and the key", () => {
    const where = { model: "my_sim.stan", key: "cfg.json: sim_hyperparams" };
    const err = (() => {
      try {
        return hyperparameterValues(["alpha_mean", "gamma_scale"], {}, where);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toBe(
      "cfg.json: sim_hyperparams: gamma_scale (data of my_sim.stan) has no default; give its value in cfg.json: sim_hyperparams",
    );
  });

  it("name the given keys a model does not declare", () => {
    expect(undeclaredHyperparameters({ alpha_mean: 1, omega_sd: 2 }, ["alpha_mean", "beta_sd"])).toEqual(["omega_sd"]);
  });
});
