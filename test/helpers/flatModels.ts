/**
 * The flat model family (stan/m_*.stan, docs/flat-models.md) for tests: a tiny fixed design,
 * the Stan data of each program, what each program declares (the users' contract), and the
 * model's quantities recomputed in TypeScript from a draw's parameters.
 */
import path from "node:path";
import type { StanCsv } from "../../src/cmdstan/stanCsv.js";
import { REPO_ROOT } from "./cmdstan.js";

export type FlatModel = "m_0" | "m_01" | "m_02" | "m_03" | "m_1" | "m_2" | "m_3";
export const FLAT_MODELS: readonly FlatModel[] = ["m_0", "m_01", "m_02", "m_03", "m_1", "m_2", "m_3"];
export const isRisky = (m: FlatModel) => m === "m_1" || m === "m_2" || m === "m_3";
/** The extra scalar parameter after alpha (m_2: omega, m_3: kappa). */
export const secondScalar = (m: FlatModel): "omega" | "kappa" | undefined =>
  m === "m_2" ? "omega" : m === "m_3" ? "kappa" : undefined;

export const stanPath = (name: string) => path.join(REPO_ROOT, "stan", `${name}.stan`);

/** Integer data keys of every flat program (toStanJson's `ints`). */
export const FLAT_INT_KEYS = ["M", "K", "D", "R", "I", "y", "N", "S", "J", "z", "second"] as const;

export interface FlatDesign {
  M: number;
  K: number;
  D: number;
  R: number;
  w: number[][];
  I: number[][];
  N: number;
  S: number;
  x: number[][];
  J: number[][];
}

const W = [
  [0.5, -1.2],
  [1.4, 0.3],
  [-0.7, 0.9],
  [0.1, -0.4],
  [-1.6, -0.8],
];
/** Problems of 2, 3, 5 (every alternative), 3, 2 and 4 alternatives: T = 19 slots, n_max = 5. */
const I = [
  [1, 1, 0, 0, 0],
  [0, 1, 1, 1, 0],
  [1, 1, 1, 1, 1],
  [1, 0, 0, 1, 1],
  [0, 0, 1, 0, 1],
  [1, 1, 0, 1, 1],
];
/** Risky problems of 2, 3, 2 and 4 alternatives: T_risky = 11, n_max_risky = 4. */
const J = [
  [1, 1, 0, 0],
  [0, 1, 1, 1],
  [1, 0, 1, 0],
  [1, 1, 1, 1],
];
const X3 = [
  [0.25, 0.5, 0.25],
  [0.5, 0.25, 0.25],
  [0.2, 0.2, 0.6],
  [0.1, 0.8, 0.1],
];
const X2 = [
  [0.3, 0.7],
  [0.5, 0.5],
  [0.9, 0.1],
  [0.25, 0.75],
];

/** The tiny flat design: M 6, D 2, R 5, N 4, S 4 risky problems with fixed simplexes; K 3 or 2. */
export function tinyDesign(K: 2 | 3 = 3): FlatDesign {
  return { M: 6, K, D: 2, R: 5, w: W, I, N: 4, S: 4, x: K === 3 ? X3 : X2, J };
}

/** Alternatives of each problem, ascending (1-based), from an indicator matrix. */
export const offered = (rows: number[][]) => rows.map((row) => row.flatMap((v, r) => (v === 1 ? [r + 1] : [])));

/** The simulators' hyperparameters (docs/flat-models.md, section 3), at the users' defaults. */
export function simHyperparameters(model: FlatModel, deltaConcentration = 1): Record<string, number> {
  switch (model) {
    case "m_0":
    case "m_1":
      return { alpha_mean: 0, alpha_sd: 1, beta_sd: 1 };
    case "m_01":
      return { alpha_mean: 3, alpha_sd: 0.75, beta_sd: 1 };
    case "m_02":
      return { alpha_mean: 3.5, alpha_sd: 0.75, beta_sd: 1 };
    case "m_03":
      return { alpha_mean: 0, alpha_sd: 1, beta_sd: 1, delta_concentration: deltaConcentration };
    case "m_2":
      return { alpha_mean: 0, alpha_sd: 1, omega_mean: 0, omega_sd: 1, beta_sd: 1 };
    case "m_3":
      return { alpha_mean: 0, alpha_sd: 1, kappa_mean: 0, kappa_sd: 0.5, beta_sd: 1 };
  }
}

function designData(model: FlatModel, d: FlatDesign): Record<string, unknown> {
  const base = { M: d.M, K: d.K, D: d.D, R: d.R, w: d.w, I: d.I };
  return isRisky(model) ? { ...base, N: d.N, S: d.S, x: d.x, J: d.J } : base;
}

/** Data of `<model>_sim`. */
export function simData(model: FlatModel, d: FlatDesign, deltaConcentration = 1): Record<string, unknown> {
  return { ...designData(model, d), ...simHyperparameters(model, deltaConcentration) };
}

/** Data of `<model>_sbc`. */
export function sbcData(model: FlatModel, d: FlatDesign, deltaConcentration = 1): Record<string, unknown> {
  return { ...designData(model, d), ...(model === "m_03" ? { delta_concentration: deltaConcentration } : {}) };
}

/** Data of the inference model `<model>`, with the choices. */
export function fitData(
  model: FlatModel,
  d: FlatDesign,
  y: number[],
  z: number[] = [],
  deltaConcentration = 1,
): Record<string, unknown> {
  const data: Record<string, unknown> = { M: d.M, K: d.K, D: d.D, R: d.R, w: d.w, I: d.I, y };
  if (isRisky(model)) Object.assign(data, { N: d.N, S: d.S, x: d.x, J: d.J, z });
  if (model === "m_03") data.delta_concentration = deltaConcentration;
  return data;
}

// ---------------------------------------------------------------------------------------------
// The contract: what each program declares, in order (docs/flat-models.md).

const DESIGN_INPUTS = ["M", "K", "D", "R", "w", "I"];
const RISKY_INPUTS = ["N", "S", "x", "J"];
const PPC = (suffix: string) =>
  [
    "T_obs_ll",
    "T_rep_ll",
    "ppc_ll",
    "T_obs_modal",
    "T_rep_modal",
    "ppc_modal",
    "T_obs_prob",
    "T_rep_prob",
    "ppc_prob",
  ].map((n) => n + suffix);

export interface Declared {
  inputs: string[];
  parameters: string[];
  transformedParameters: string[];
  generatedQuantities: string[];
}

export function declared(model: FlatModel, kind: "fit" | "sim" | "sbc"): Declared {
  const risky = isRisky(model);
  const second = secondScalar(model);
  const parameters = ["alpha", ...(second ? [second] : []), "beta", "delta"];
  const sbcData = [
    ...DESIGN_INPUTS,
    ...(risky ? RISKY_INPUTS : []),
    ...(model === "m_03" ? ["delta_concentration"] : []),
  ];
  if (kind === "sim") {
    const hyper = Object.keys(simHyperparameters(model));
    const design = [...DESIGN_INPUTS, ...(risky ? RISKY_INPUTS : [])];
    const generatedQuantities = risky
      ? [
          "alpha",
          ...(model === "m_2" ? ["omega"] : model === "m_3" ? ["kappa", "omega"] : []),
          "beta",
          "delta",
          "upsilon",
          "psi",
          "eta_uncertain",
          "uncertain_etas",
          "uncertain_probs",
          "y",
          "selected_seu_max_uncertain",
          "total_seu_max_selected_uncertain",
          "eta_risky",
          "risky_etas",
          "risky_probs",
          "z",
          "selected_seu_max_risky",
          "total_seu_max_selected_risky",
          "total_seu_max_selected",
        ]
      : [
          "alpha",
          "beta",
          "delta",
          "psi",
          "upsilon",
          "eta",
          "problem_etas",
          "choice_probabilities",
          "y",
          "selected_seu_max",
          "total_seu_max_selected",
        ];
    return { inputs: [...design, ...hyper], parameters: [], transformedParameters: [], generatedQuantities };
  }
  if (kind === "sbc") {
    return {
      inputs: sbcData,
      parameters,
      transformedParameters: model === "m_3" ? ["omega", "upsilon"] : ["upsilon"],
      generatedQuantities: risky ? ["y_", "z_", "pars_", "ranks_"] : ["y_", "pars_", "ranks_", "log_lik"],
    };
  }
  const inputs = risky
    ? [...DESIGN_INPUTS, "y", ...RISKY_INPUTS, "z"]
    : [...DESIGN_INPUTS, "y", ...(model === "m_03" ? ["delta_concentration"] : [])];
  const transformedParameters = risky
    ? [
        ...(model === "m_3" ? ["omega"] : []),
        "upsilon",
        "psi",
        "eta_uncertain",
        "chi_uncertain",
        "eta_risky",
        "chi_risky",
      ]
    : ["psi", "upsilon", "eta", "chi"];
  const generatedQuantities = risky
    ? [
        "log_lik_uncertain",
        "log_lik_risky",
        "log_lik_total",
        "y_pred",
        "z_pred",
        ...PPC("_uncertain"),
        ...PPC("_risky"),
        "ppc_ll_combined",
      ]
    : ["log_lik", "y_pred", ...PPC("")];
  return { inputs, parameters, transformedParameters, generatedQuantities };
}

// ---------------------------------------------------------------------------------------------
// The model in TypeScript, from one draw's parameters.

export function softmax(v: number[]): number[] {
  const top = Math.max(...v);
  const e = v.map((a) => Math.exp(a - top));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((a) => a / s);
}

export const dot = (a: number[], b: number[]) => a.reduce((acc, v, i) => acc + v * b[i], 0);

export interface FlatParameters {
  alpha: number;
  /** The risky problems' scale (alpha for m_1, omega for m_2 and m_3). */
  riskyScale: number;
  beta: number[][];
  delta: number[];
}

export interface FlatQuantities {
  upsilon: number[];
  /** Per slot (problem after problem, alternatives ascending). */
  psi: number[][];
  eta: number[];
  /** Per problem, unpadded. */
  problemEtas: number[][];
  probs: number[][];
  etaRisky: number[];
  riskyEtas: number[][];
  riskyProbs: number[][];
}

export function flatQuantities(d: FlatDesign, p: FlatParameters): FlatQuantities {
  const upsilon = [0];
  for (const v of p.delta) upsilon.push(upsilon[upsilon.length - 1] + v);
  const psiOf = (r: number) => softmax(p.beta.map((row) => dot(row, d.w[r - 1])));
  const problems = offered(d.I);
  const psi = problems.flatMap((alts) => alts.map(psiOf));
  const problemEtas = problems.map((alts) => alts.map((r) => dot(psiOf(r), upsilon)));
  const riskyEtas = offered(d.J).map((alts) => alts.map((s) => dot(d.x[s - 1], upsilon)));
  return {
    upsilon,
    psi,
    eta: problemEtas.flat(),
    problemEtas,
    probs: problemEtas.map((e) => softmax(e.map((v) => p.alpha * v))),
    etaRisky: riskyEtas.flat(),
    riskyEtas,
    riskyProbs: riskyEtas.map((e) => softmax(e.map((v) => p.riskyScale * v))),
  };
}

/** categorical_rng's rule: the first category whose cumulative probability reaches the uniform u. */
export function categoricalFromUniform(probs: number[], u: number): number {
  let cum = 0;
  for (let j = 0; j < probs.length; j++) {
    cum += probs[j];
    if (u <= cum) return j + 1;
  }
  throw new Error(`uniform ${u} beyond the cumulative probabilities (${cum})`);
}

// ---------------------------------------------------------------------------------------------
// Reading draws.

/** One draw of a CSV by variable and 1-based index: at(csv, "beta", 2, 1). */
export function at(csv: StanCsv, name: string, ...index: number[]): number {
  return atDraw(csv, 0, name, ...index);
}

export function atDraw(csv: StanCsv, draw: number, name: string, ...index: number[]): number {
  const key = [name, ...index].join(".");
  const col = csv.draws[key];
  if (!col) throw new Error(`no column ${key} in ${csv.file}`);
  return col[draw];
}

/** A vector variable of one draw, in index order. */
export function vec(csv: StanCsv, name: string, length: number, draw = 0): number[] {
  return Array.from({ length }, (_, i) => atDraw(csv, draw, name, i + 1));
}

/** A two-index variable of one draw as rows. */
export function rows(csv: StanCsv, name: string, n1: number, n2: number, draw = 0): number[][] {
  return Array.from({ length: n1 }, (_, i) =>
    Array.from({ length: n2 }, (_, j) => atDraw(csv, draw, name, i + 1, j + 1)),
  );
}

/** The parameters of one draw of a flat model's CSV (sim or fit). */
export function drawParameters(csv: StanCsv, model: FlatModel, d: FlatDesign, draw = 0): FlatParameters {
  const alpha = atDraw(csv, draw, "alpha");
  const riskyScale = model === "m_2" || model === "m_3" ? atDraw(csv, draw, "omega") : alpha;
  return { alpha, riskyScale, beta: rows(csv, "beta", d.K, d.D, draw), delta: vec(csv, "delta", d.K - 1, draw) };
}
