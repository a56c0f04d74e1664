/**
 * What the recovery kinds of every model family share in their configs and their preparation:
 * the original's keys for the model pair and the sampler counts, the warmup rule
 * (n_mcmc_samples // 2), resolving and checking the model files, the config a cluster task
 * rebuilds the study from, the head of the fingerprint, and preparing the pair (design, stanc
 * check, compile).
 */
import { z } from "zod";
import type { CompiledModel } from "../../cmdstan/compile.js";
import type { CmdStanInstall } from "../../cmdstan/locate.js";
import { compileStudyModels } from "../../pipeline/studySetup.js";
import { numbersByName, posInt, requireFiles, resolveAgainst } from "../../pipeline/studyConfig.js";
import type { PrepareContext } from "../studyKind.js";

/** The counts of a recovery config (per chain), as the original's keys. */
export const recoveryCountKeys = {
  n_mcmc_samples: posInt().default(2000),
  /** Warmup iterations; default n_mcmc_samples / 2 as in the original study. */
  n_mcmc_warmup: posInt().optional(),
  n_mcmc_chains: posInt().default(4),
  n_iterations: posInt().default(20),
};

/** The original's keys of a recovery config: the model pair and the counts (per chain). */
export const recoveryKeys = {
  inference_model_path: z.string({ required_error: "is required (the .stan file to fit)" }).min(1),
  sim_model_path: z.string({ required_error: "is required (the simulator .stan file)" }).min(1),
  ...recoveryCountKeys,
  /**
   * Compile the inference model with stanc's --O1 where this CmdStan's stanc has it (faster
   * gradients; docs/performance.md "--O1"). Off unless asked: its posterior has not been checked
   * against the plain build's with a CmdStan that has --O1 here.
   */
  stanc_o1: z.boolean({ invalid_type_error: "must be true or false" }).default(false),
};

/** CmdStan's defaults, which a flat-family fit without adapt_delta / max_treedepth runs with. */
export const CMDSTAN_DEFAULTS = { adapt_delta: 0.8, max_treedepth: 10 } as const;

/**
 * The flat family's optional sampler keys: adapt_delta and max_treedepth (absent: not passed, so
 * CmdStan's 0.8 and 10, as the original's flat studies ran), and what posterior summaries and
 * diagnostics cover.
 */
export const flatSamplerKeys = {
  adapt_delta: z.number({ invalid_type_error: "must be a number in (0, 1)" }).gt(0).lt(1).optional(),
  max_treedepth: posInt().optional(),
  /**
   * "tracked" (the model's parameters and the tracked outputs) or "all" (every output, as the
   * original; reading the per-slot and per-problem outputs costs more CPU than sampling a small
   * flat fit).
   */
  summary_variables: z
    .enum(["tracked", "all"], { errorMap: () => ({ message: 'must be "tracked" or "all"' }) })
    .default("tracked"),
  /** The simulator's hyperparameters by name (the rest take the original's defaults). */
  sim_hyperparams: numbersByName('{"alpha_mean": 3.0, "alpha_sd": 0.75}').default({}),
};

/** config_info.json's first keys in a flat-family recovery (the counts, the sampler settings used and whence, the hyperparameters asked for). */
export function flatRunInfo(c: {
  n_iterations: number;
  n_mcmc_samples: number;
  n_mcmc_chains: number;
  warmup: number;
  adapt_delta?: number;
  max_treedepth?: number;
  summary_variables: string;
  sim_hyperparams: Record<string, number>;
}) {
  const sampler = samplerSettings(c);
  return {
    n_iterations: c.n_iterations,
    n_mcmc_samples: c.n_mcmc_samples,
    n_mcmc_chains: c.n_mcmc_chains,
    n_mcmc_warmup: c.warmup,
    adapt_delta: sampler.adapt_delta,
    max_treedepth: sampler.max_treedepth,
    sampler_settings_from: sampler.from,
    summary_variables: c.summary_variables,
    sim_hyperparams: c.sim_hyperparams,
  };
}

/** The sampler settings a fit runs with, and whether each came from the config or CmdStan's default. */
export function samplerSettings(c: { adapt_delta?: number; max_treedepth?: number }) {
  return {
    adapt_delta: c.adapt_delta ?? CMDSTAN_DEFAULTS.adapt_delta,
    max_treedepth: c.max_treedepth ?? CMDSTAN_DEFAULTS.max_treedepth,
    from: {
      adapt_delta: c.adapt_delta === undefined ? "CmdStan default (not passed)" : "config",
      max_treedepth: c.max_treedepth === undefined ? "CmdStan default (not passed)" : "config",
    },
  };
}

/** Simulator data to replace, by name; which names exist is the simulator's to say. */
const simOverridesSchema = numbersByName('{"gamma_size_sd": 0}');

/** The keys of a hierarchical simulate-and-fit config (recovery, power) beside the model pair's. */
export const simulatorKeys = {
  adapt_delta: z.number({ invalid_type_error: "must be a number in (0, 1)" }).gt(0).lt(1).default(0.95),
  sim_overrides: simOverridesSchema.default({}),
  /** Design data keys only the simulator gets (removed from the fit's data, as the original does). */
  sim_only_keys: z.array(z.string().min(1), { invalid_type_error: "must be a list of data keys" }).default([]),
};

interface RecoveryKeys {
  inference_model_path: string;
  sim_model_path: string;
  n_mcmc_samples: number;
  n_mcmc_warmup?: number;
  n_mcmc_chains: number;
  seed: number;
  warmup: number;
  adapt_delta?: number;
  max_treedepth?: number;
}

/**
 * The model paths resolved against `baseDir` and the warmup used; the model files and the
 * config's design files (by key) must exist.
 */
export function resolveRecoveryKeys(
  c: Omit<RecoveryKeys, "warmup" | "seed">,
  source: string,
  baseDir: string,
  designFiles: Record<string, string | undefined>,
): { inference_model_path: string; sim_model_path: string; warmup: number } {
  const resolved = {
    inference_model_path: resolveAgainst(baseDir, c.inference_model_path),
    sim_model_path: resolveAgainst(baseDir, c.sim_model_path),
    warmup: c.n_mcmc_warmup ?? Math.max(1, Math.floor(c.n_mcmc_samples / 2)),
  };
  requireFiles(source, {
    inference_model_path: resolved.inference_model_path,
    sim_model_path: resolved.sim_model_path,
    ...designFiles,
  });
  return resolved;
}

/** The fingerprint's first keys (an absent sampler setting is null: CmdStan's default). Keep the order. */
export function samplerFingerprint(
  c: Pick<RecoveryKeys, "n_mcmc_samples" | "warmup" | "n_mcmc_chains" | "seed" | "adapt_delta" | "max_treedepth">,
) {
  const { n_mcmc_samples, warmup, n_mcmc_chains, seed } = c;
  return {
    n_mcmc_samples,
    warmup,
    n_mcmc_chains,
    seed,
    adapt_delta: c.adapt_delta ?? null,
    max_treedepth: c.max_treedepth ?? null,
  };
}

/** The fingerprint's last keys: the model files with their content hashes, and the design's hash. */
export function modelsFingerprint(
  c: { inference_model_path: string; sim_model_path: string },
  hashes: { inference: string; sim: string },
  designHash: string,
) {
  return {
    inference_model: { path: c.inference_model_path, hash: hashes.inference },
    sim_model: { path: c.sim_model_path, hash: hashes.sim },
    design_hash: designHash,
  };
}

/**
 * The design, the model pair checked against it (stanc only: cheap, so a model that cannot
 * work is refused before anything compiles), and both models compiled (or taken from the cache).
 */
export async function prepareModelPair<
  C extends { inference_model_path: string; sim_model_path: string; stanc_o1?: boolean },
  D,
  M,
>(
  config: C,
  prep: PrepareContext,
  makeDesign: (config: C) => Promise<D>,
  checkPair: (install: CmdStanInstall, config: C, design: D) => Promise<M>,
): Promise<{ design: D; models: M; inference: CompiledModel; sim: CompiledModel }> {
  const design = await makeDesign(config);
  const models = await checkPair(prep.install, config, design);
  const modelFiles = [config.inference_model_path, config.sim_model_path];
  // The inference model with stanc --O1 when the config asks and this stanc has it (studySetup.ts).
  const compile = {
    prefix: "recover",
    log: prep.log,
    cachedOnly: prep.cachedModelsOnly,
    optimise: config.stanc_o1 ? [config.inference_model_path] : [],
  };
  const [inference, sim] = await compileStudyModels(prep.install, modelFiles, compile);
  return { design, models, inference, sim };
}
