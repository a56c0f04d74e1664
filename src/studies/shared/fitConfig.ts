/**
 * What the configs of simulate-and-fit study kinds (recovery, power) share: the keys naming the
 * model pair and the fit's sampler, with the original's defaults; resolving the model paths (and
 * refusing ones that name nothing); the sampler a fit runs with; and the part of a study's
 * fingerprint those keys make (the key order is part of the hash every record carries).
 */
import { z } from "zod";
import { posInt, requireFiles, resolveAgainst } from "../../pipeline/studyConfig.js";
import type { FitSampler } from "./sampling.js";

/** Simulator data to replace, by name; which names exist is the simulator's to say. */
const simOverridesSchema = z.record(
  z.number({ invalid_type_error: "must be a number" }).finite("must be a finite number"),
  { invalid_type_error: 'must be an object of numbers, e.g. {"gamma_size_sd": 0}' },
);

/** The model pair and the fit's sampler; `simulator` says what the simulator is, for the message. */
export function simFitKeys(simulator: string) {
  return {
    inference_model_path: z.string({ required_error: "is required (the .stan file to fit)" }).min(1),
    sim_model_path: z.string({ required_error: `is required (the ${simulator} .stan file)` }).min(1),
    n_mcmc_samples: posInt().default(2000),
    /** Warmup iterations; default n_mcmc_samples / 2 as in the original study. */
    n_mcmc_warmup: posInt().optional(),
    n_mcmc_chains: posInt().default(4),
    adapt_delta: z.number({ invalid_type_error: "must be a number in (0, 1)" }).gt(0).lt(1).default(0.95),
    sim_overrides: simOverridesSchema.default({}),
    /** Design data keys only the simulator gets (removed from the fit's data, as the original does). */
    sim_only_keys: z.array(z.string().min(1), { invalid_type_error: "must be a list of data keys" }).default([]),
  };
}

interface SimFitKeys {
  inference_model_path: string;
  sim_model_path: string;
  n_mcmc_samples: number;
  n_mcmc_warmup?: number;
  study_design_path?: string;
}

/** Model paths resolved against `baseDir` (and required to exist), and the warmup in use. */
export function resolveSimFit<C extends SimFitKeys>(c: C, source: string, baseDir: string) {
  const resolved = {
    inference_model_path: resolveAgainst(baseDir, c.inference_model_path),
    sim_model_path: resolveAgainst(baseDir, c.sim_model_path),
    warmup: c.n_mcmc_warmup ?? Math.max(1, Math.floor(c.n_mcmc_samples / 2)),
  };
  requireFiles(source, {
    inference_model_path: resolved.inference_model_path,
    sim_model_path: resolved.sim_model_path,
    study_design_path: c.study_design_path,
  });
  return resolved;
}

/** What a resolved simulate-and-fit config says about its fits. */
export interface SimFitSettings {
  n_mcmc_chains: number;
  warmup: number;
  n_mcmc_samples: number;
  adapt_delta: number;
  max_treedepth?: number;
  seed: number;
}

/** The sampler every fit of the study runs with (no max_treedepth: CmdStan's default). */
export function fitSampler(c: SimFitSettings): FitSampler {
  return {
    chains: c.n_mcmc_chains,
    warmup: c.warmup,
    samples: c.n_mcmc_samples,
    adaptDelta: c.adapt_delta,
    maxTreedepth: c.max_treedepth,
  };
}

/** The sampler's part of a fingerprint, in the order recovery studies have always hashed it. */
export function samplerFingerprint(c: SimFitSettings) {
  return {
    n_mcmc_samples: c.n_mcmc_samples,
    warmup: c.warmup,
    n_mcmc_chains: c.n_mcmc_chains,
    seed: c.seed,
    adapt_delta: c.adapt_delta,
    max_treedepth: c.max_treedepth,
  };
}

/** The models' and the design's part of a fingerprint (last, as recovery studies have always hashed it). */
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
