/**
 * A flat-family simulation's true parameters as the original writes them: alpha, beta as K rows
 * of D (k outer), delta; the recovery adds upsilon and the model's other scalars (omega; kappa,
 * omega), the matched study keeps the three.
 */
import type { FlatCoreTruth, FlatTruth } from "../../analysis/flatRecovery.js";
import type { StanCsv } from "../../cmdstan/stanCsv.js";
import { oneDraw } from "./fitSteps.js";

/** beta as K rows of D, from its row-major draw. */
function betaRows(csv: StanCsv): number[][] {
  const values = oneDraw(csv, "beta");
  const [K, D] = csv.variables.find((v) => v.name === "beta")!.dims;
  return Array.from({ length: K }, (_, k) => values.slice(k * D, (k + 1) * D));
}

/** alpha, beta, delta of the simulation, in that order. */
export function flatCoreTruth(csv: StanCsv): FlatCoreTruth {
  return { alpha: oneDraw(csv, "alpha")[0], beta: betaRows(csv), delta: oneDraw(csv, "delta") };
}

/** The recovery's truth in the original's key order: alpha, beta, delta, upsilon, then the other scalars. */
export function flatTruthFromSimulation(csv: StanCsv, scalars: readonly string[]): FlatTruth {
  const truth: FlatTruth = { ...flatCoreTruth(csv), upsilon: oneDraw(csv, "upsilon") };
  for (const s of scalars) if (s !== "alpha") truth[s] = oneDraw(csv, s)[0];
  return truth;
}
