/**
 * The four conditions of the matched study (docs/matched.md): each iteration simulates one data
 * set and fits it four times, on slices of the same problems, so the conditions differ only in
 * what the fit sees:
 *
 * | label             | model          | uncertain problems | risky problems | seed offset |
 * | A_m0_M<M/2>       | uncertain-only | the first M/2      | none           | 100         |
 * | B_m0_M<M>         | uncertain-only | all M              | none           | 200         |
 * | C_m1_M<M/2>N<N/2> | risky          | the first M/2      | the first N/2  | 300         |
 * | D_m1_M<M>N<N>     | risky          | all M              | all N          | 400         |
 *
 * At the users' M = N = 50 the labels are the original's (A_m0_M25 ... D_m1_M50N50); "m0" and
 * "m1" name the two models' roles, whatever files the config names. Fit seeds:
 * `seed + 41976 + 17 (i - 1) + offset` (54321 + 17 (i - 1) + offset at the default seed).
 */
import type { FlatDesign } from "../../design/flat/types.js";
import { FIT_SEED_OFFSET } from "../common/fitSteps.js";

/** Which of the study's two inference models a condition fits. */
export type ModelRole = "uncertain" | "risky";

export interface MatchedCondition {
  label: string;
  role: ModelRole;
  /** Uncertain problems the fit sees (the first M of the design's). */
  M: number;
  /** Risky problems the fit sees (0 for the uncertain-only model). */
  N: number;
  seedOffset: number;
}

const TABLE: ReadonlyArray<{ letter: string; role: ModelRole; half: boolean; seedOffset: number }> = [
  { letter: "A", role: "uncertain", half: true, seedOffset: 100 },
  { letter: "B", role: "uncertain", half: false, seedOffset: 200 },
  { letter: "C", role: "risky", half: true, seedOffset: 300 },
  { letter: "D", role: "risky", half: false, seedOffset: 400 },
];

/** Consecutive iterations' fit seeds step by 17, so no two fits of a study share a seed. */
const ITERATION_SEED_STEP = 17;

/** The four conditions of a design with M uncertain and N risky problems (M = N, even). */
export function matchedConditions(M: number, N: number): MatchedCondition[] {
  return TABLE.map(({ letter, role, half, seedOffset }) => {
    const m = half ? M / 2 : M;
    const n = role === "risky" ? (half ? N / 2 : N) : 0;
    const label = role === "uncertain" ? `${letter}_m0_M${m}` : `${letter}_m1_M${m}N${n}`;
    return { label, role, M: m, N: n, seedOffset };
  });
}

/** The seeds of iteration i (1-based): the simulation's, then each condition's fit by label. */
export function matchedSeeds(seed: number, i: number, conditions: MatchedCondition[]): Record<string, number> {
  const fitBase = seed + FIT_SEED_OFFSET + ITERATION_SEED_STEP * (i - 1);
  return { sim: seed + (i - 1), ...Object.fromEntries(conditions.map((c) => [c.label, fitBase + c.seedOffset])) };
}

/**
 * Why a design cannot be halved into the conditions, each problem naming `keyOf(size)` (the config
 * key the size comes from); empty when it can.
 */
export function matchedSizeProblems(sizes: { M: number; N?: number }, keyOf: (size: "M" | "N") => string): string[] {
  const { M, N } = sizes;
  if (N === undefined)
    return [
      `${keyOf("N")}: is required: conditions C and D fit the risky model on risky problems, so the design needs N (the number of risky problems)`,
    ];
  const problems: string[] = [];
  const odd = (size: "M" | "N", n: number) =>
    `${keyOf(size)}: ${n} is odd; conditions A and C fit the first half of the ${size === "M" ? "uncertain" : "risky"} problems, so ${size} must be even`;
  if (M % 2 !== 0) problems.push(odd("M", M));
  if (N % 2 !== 0) problems.push(odd("N", N));
  if (M !== N)
    problems.push(
      `${keyOf("N")}: ${N} differs from M = ${M}; the conditions pair as many risky problems as uncertain ones (M/2 with N/2, M with N), so N must equal M`,
    );
  return problems;
}

/** The simulated choices of one iteration. */
export interface Choices {
  y: number[];
  z: number[];
}

/**
 * The Stan data of condition `c`: the design's features, its first c.M uncertain problems and
 * their choices, and for the risky model the risky alternatives with its first c.N risky problems
 * and their choices; then the model's own hyperparameters.
 */
export function conditionData(
  design: FlatDesign,
  choices: Choices,
  c: MatchedCondition,
  hyperparameters: Record<string, number>,
): Record<string, unknown> {
  const { K, D, R, w } = design;
  const data: Record<string, unknown> = { M: c.M, K, D, R, w, I: design.I.slice(0, c.M), y: choices.y.slice(0, c.M) };
  if (c.role === "risky") {
    const { S, x, J } = design.risky!;
    Object.assign(data, { N: c.N, S, x, J: J.slice(0, c.N), z: choices.z.slice(0, c.N) });
  }
  return { ...data, ...hyperparameters };
}

/** conditions.json as the original writes it: {label, model, M, N, seed_offset} per condition. */
export function conditionsJson(conditions: MatchedCondition[], modelNames: Record<ModelRole, string>) {
  return conditions.map((c) => ({
    label: c.label,
    model: modelNames[c.role],
    M: c.M,
    N: c.N,
    seed_offset: c.seedOffset,
  }));
}
