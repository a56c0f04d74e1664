/**
 * Whether a run draws the original study's truths, decided once before it starts and kept in
 * the console log, config_info.json and timing.json (key `truths`) and the report
 * (docs/recovery.md, "Report 11's numbers"; docs/sbc.md, "Report 12's numbers").
 *
 * A replicate's truths are draws of the simulator (or the SBC model's transformed data) on the
 * design, seeded with seed + i - 1. The original studies ran CmdStan 2.37, whose generator is
 * mixmax (src/cmdstan/rng.ts), and our models draw in their order (docs/models.md, "Draw order
 * and seeds"). So a run draws the original's truths when its CmdStan draws with mixmax, its seed
 * is the kind's original seed and its config is the original study's (design and settings);
 * otherwise its truth-dependent statistics (alpha RMSE above all) can only agree statistically.
 */
import { newerPassedOver, type CmdStanInstall } from "../cmdstan/locate.js";
import { generatorFor, majorMinor, MIXMAX_FROM_LABEL, type StanGenerator } from "../cmdstan/rng.js";
import { SIM_HYPERPARAMETER_KEYS, type StudyDesign } from "../design/studyDesign.js";

/** The published study a kind's default config reproduces. */
export interface OriginalStudy<C> {
  /** The report that published its numbers: "Report 11". */
  name: string;
  /** Its seed (replicate i draws its truth with seed + i - 1): the kind's default seed. */
  seed: number;
  /** The CmdStan release it ran. */
  cmdstan: string;
  /** Whether its numbers were published (and a config with its settings sets them beside ours). */
  published: boolean;
  /**
   * The settings of `config` other than the seed that differ from the original study's, each as
   * "key ours (Report 11: theirs)"; [] when the config is the original study's.
   */
  settingsDiffer(config: C): Promise<string[]>;
}

export const ORIGINAL_TRUTHS_SENTENCE = `the original study's truths: CmdStan >= ${MIXMAX_FROM_LABEL}, seeds as the original`;
export const OTHER_TRUTHS_PREFIX = "other truths than the original study's";

export interface TruthsDecision {
  original_truths: boolean;
  generator: StanGenerator;
  sentence: string;
}

/**
 * The decision, from the CmdStan release, the run's seed against the original's, and whether the
 * config is the original study's. Every reason the truths differ is named, the generator first.
 */
export function decideTruths(args: {
  version: string;
  seed: number;
  originalSeed: number;
  originalStudy: boolean;
}): TruthsDecision {
  const generator = generatorFor(args.version);
  const reasons: string[] = [];
  if (generator !== "boost::random::mixmax") {
    const { major, minor } = majorMinor(args.version);
    reasons.push(
      `CmdStan ${major}.${minor} draws with another generator; install CmdStan >= ${MIXMAX_FROM_LABEL} for the original's truths`,
    );
  }
  if (args.seed !== args.originalSeed) reasons.push(`seed ${args.seed}, not the original's ${args.originalSeed}`);
  if (!args.originalStudy) reasons.push("this config's design or settings are not the original study's");
  const sentence = reasons.length ? `${OTHER_TRUTHS_PREFIX}: ${reasons.join("; ")}` : ORIGINAL_TRUTHS_SENTENCE;
  return { original_truths: reasons.length === 0, generator, sentence };
}

/** What config_info.json and timing.json hold under `truths`, and the reports print. */
export interface TruthsRecord extends TruthsDecision {
  cmdstan_version: string;
  original_study: string;
  original_cmdstan: string;
  original_generator: StanGenerator;
  seed: number;
  original_seed: number;
  /** Design, settings and seed are the original study's: the report sets its numbers beside ours. */
  original_settings: boolean;
  /** Whether the original study's numbers were published (else nothing is compared). */
  original_published: boolean;
  /** The settings (seed aside) that differ from the original study's. */
  settings_differ: string[];
  /** A newer CmdStan that discovery found but passed over because it cannot compile. */
  passed_over: {
    path: string;
    version: string;
    /** The discovery rule that found it (src/cmdstan/locate.ts). */
    source: string;
    generator: StanGenerator;
    reason: string;
    sentence: string;
  } | null;
}

/** The record of a run with CmdStan `install`, seed `seed` and these differing settings. */
export function truthsRecord(
  install: CmdStanInstall,
  original: Pick<OriginalStudy<unknown>, "name" | "seed" | "cmdstan" | "published">,
  seed: number,
  settingsDiffer: string[],
): TruthsRecord {
  const originalStudy = settingsDiffer.length === 0;
  const decision = decideTruths({ version: install.version, seed, originalSeed: original.seed, originalStudy });
  const newer = newerPassedOver(install);
  return {
    ...decision,
    cmdstan_version: install.version,
    original_study: original.name,
    original_cmdstan: original.cmdstan,
    original_generator: generatorFor(original.cmdstan),
    seed,
    original_seed: original.seed,
    original_settings: originalStudy && seed === original.seed,
    original_published: original.published,
    settings_differ: settingsDiffer,
    passed_over: newer
      ? {
          ...newer,
          generator: generatorFor(newer.version),
          sentence:
            `CmdStan ${newer.version} (${generatorFor(newer.version)}) at ${newer.path} was found first but cannot ` +
            `compile models (a pruned tree), so this run uses CmdStan ${install.version} at ${install.path}`,
        }
      : null,
  };
}

/**
 * A study family whose original runs published no numbers here: its truths are the original
 * pipeline's when the generator and the seed are (every config is then "the original's").
 */
export function unpublishedOriginal<C>(seed: number): OriginalStudy<C> {
  return { name: "the original pipeline", seed, cmdstan: "2.37", published: false, settingsDiffer: async () => [] };
}

/** The record as lines: the sentence, the CmdStan passed over, whether the report's numbers are compared. */
export function truthsLines(t: TruthsRecord): string[] {
  const lines = [`truths: ${t.sentence} (CmdStan ${t.cmdstan_version}, ${t.generator}; seed ${t.seed})`];
  if (t.passed_over) lines.push(`passed over: ${t.passed_over.sentence}`);
  if (!t.original_published) return lines;
  const seed = t.seed === t.original_seed ? [] : [`seed ${t.seed} (${t.original_study}: ${t.original_seed})`];
  lines.push(
    t.original_settings
      ? `settings: ${t.original_study}'s, so its published numbers are set beside this run's`
      : `settings: not ${t.original_study}'s (${[...t.settings_differ, ...seed].join("; ")}), so its published numbers are not compared`,
  );
  return lines;
}

// ---------------------------------------------------------------------------------------------
// Settings against the original's

/**
 * The original studies' design (docs/recovery.md, "Report 11's numbers"; Report 12 ran on the
 * same config): the 6 x 3 factorial of LLMs x prompts, treatment-coded from level 0, main effects.
 */
export const ORIGINAL_DESIGN = {
  factors: [6, 3],
  reference_indices: [0, 0],
  include_interactions: false,
  J: 18,
  P: 7,
  K: 3,
  D: 2,
  R: 10,
  M_per_cell: 20,
  min_alts_per_problem: 2,
  max_alts_per_problem: 4,
  menu_sizes: null,
  feature_dist: "normal",
  feature_params: { loc: 0, scale: 1 },
} as const;

/**
 * A design's settings, in ORIGINAL_DESIGN's keys (and the simulator's hyperparameters when
 * `hyperparameters`), read from the design itself so a loaded design is judged as a generated one.
 */
export function designSettings(design: StudyDesign, opts: { hyperparameters: boolean }): Record<string, unknown> {
  const m = design._metadata;
  const perCell = [...new Set(design.M_per_cell)];
  return {
    factors: m.factors ?? null,
    reference_indices: m.reference_indices ?? null,
    include_interactions: m.include_interactions ?? null,
    J: design.J,
    P: design.P,
    K: design.K,
    D: design.D,
    R: design.R,
    M_per_cell: perCell.length === 1 ? perCell[0] : design.M_per_cell,
    min_alts_per_problem: m.min_alts_per_problem,
    max_alts_per_problem: m.max_alts_per_problem,
    menu_sizes: m.menu_sizes ?? null,
    feature_dist: m.feature_dist,
    feature_params: m.feature_params,
    ...(opts.hyperparameters ? Object.fromEntries(SIM_HYPERPARAMETER_KEYS.map((k) => [k, design[k]])) : {}),
  };
}

/** JSON with object keys sorted, so {scale, loc} equals {loc, scale}. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(",")}]`;
  if (v !== null && typeof v === "object")
    return `{${Object.keys(v)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical((v as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  return JSON.stringify(v ?? null);
}

/** The keys of `theirs` whose value `ours` does not share, each as "key ours (name: theirs)". */
export function differingSettings(
  ours: Record<string, unknown>,
  theirs: Record<string, unknown>,
  name: string,
): string[] {
  return Object.keys(theirs)
    .filter((k) => canonical(ours[k]) !== canonical(theirs[k]))
    .map((k) => `${k} ${canonical(ours[k])} (${name}: ${canonical(theirs[k])})`);
}
