/**
 * What every study kind's config shares: the keys every kind takes (output folder, seed, cores,
 * kept CSVs, chain time limit, CmdStan, description, executor), defined once; the design source
 * keys; reading the JSON file (errors name the file), command-line overrides, where relative
 * paths resolve; and the zod pieces for counts and Stan names. A kind's own schema spreads these
 * keys into its object (see src/studies/<kind>/config.ts).
 */
import { existsSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { designConfigSchema } from "../design/studyDesign.js";
import { InputError } from "../util/errors.js";
import { parseJsonOf } from "../util/jsonFile.js";
import { dropNoteKeys } from "../util/noteKeys.js";
import { formatZodError } from "../util/zodText.js";
import { executorConfigFields, type ExecutorName, type SlurmOptionsInput } from "./executors/slurmOptions.js";

export const posInt = (what = "a positive integer") =>
  z
    .number({ invalid_type_error: `must be ${what}` })
    .int(`must be ${what}`)
    .min(1, `must be ${what}`);

/** Numbers by name (a simulator's data to set: sim_overrides, hyperparameters); which names exist is the model's to say. */
export const numbersByName = (example: string) =>
  z.record(z.number({ invalid_type_error: "must be a number" }).finite("must be a finite number"), {
    invalid_type_error: `must be an object of numbers, e.g. ${example}`,
  });

const STAN_IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;
export const stanName = z
  .string({ invalid_type_error: "must be a Stan variable name (a string)" })
  .regex(STAN_IDENTIFIER, "must be a Stan variable name (letters, digits, _; starting with a letter)");

/** The keys every study kind's config takes; `defaults` are the kind's own seed and folder. */
export function baseStudyKeys(defaults: { seed: number; output_dir: string }) {
  return {
    output_dir: z.string().min(1).default(defaults.output_dir),
    seed: z.number({ invalid_type_error: "must be a non-negative integer" }).int().min(0).default(defaults.seed),
    /** Cores shared by all chains; default: all cores of the machine. */
    cores: posInt().optional(),
    /** Keep every chain's Stan CSV; default: delete it once the replicate's files are written. */
    keep_csv: z.boolean({ invalid_type_error: "must be true or false" }).default(false),
    /** Per-chain wall-time limit in seconds (a stuck chain fails its replicate, not the run). */
    chain_timeout_s: posInt().optional(),
    /** Optional CmdStan path; otherwise the discovery order of src/cmdstan/locate.ts. */
    cmdstan: z.string().min(1).optional(),
    /** Free text carried into the report. */
    description: z.string().optional(),
    /** Where fits run ("local" or "slurm") and the Slurm settings; results do not depend on them. */
    ...executorConfigFields,
  };
}

/** The keys of a study kind that makes or loads a design: the shared keys and the design source. */
export function designStudyKeys(defaults: { seed: number; output_dir: string }) {
  return { ...baseStudyKeys(defaults), ...designSourceKeys };
}

/** A validated config's shared keys, resolved (absolute paths). */
export interface BaseStudyConfig {
  output_dir: string;
  seed: number;
  cores?: number;
  keep_csv: boolean;
  chain_timeout_s?: number;
  cmdstan?: string;
  description?: string;
  executor: ExecutorName;
  slurm?: SlurmOptionsInput;
  /** The config file (absolute), or "<inline>". */
  source: string;
}

/** The design source keys: `study_design_path` (`null` = generate) or `study_design_config`. */
export const designSourceKeys = {
  study_design_path: z.string().min(1).nullish(),
  study_design_config: z.record(z.unknown(), { invalid_type_error: "must be an object (the design config)" }).nullish(),
};

export interface DesignSource {
  study_design_path: string | undefined;
  study_design_config: Record<string, unknown> | undefined;
}

/** Exactly one design source must be given. */
export function checkDesignSource(
  c: { study_design_path?: string | null; study_design_config?: unknown },
  ctx: z.RefinementCtx,
): void {
  if (!c.study_design_path && !c.study_design_config) {
    ctx.addIssue({
      code: "custom",
      path: ["study_design_config"],
      message: "is required when study_design_path is not given",
    });
  }
  if (c.study_design_path && c.study_design_config) {
    ctx.addIssue({
      code: "custom",
      path: ["study_design_path"],
      message: "give either study_design_path or study_design_config, not both",
    });
  }
}

/** Validate a config object's keys with `schema` (note keys dropped); errors name `source` and each key. */
export function parseConfigObject<T extends z.ZodTypeAny>(schema: T, raw: unknown, source: string): z.output<T> {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new InputError(`${source}: must be a JSON object of config keys, found ${jsonKind(raw)}`);
  }
  const r = schema.safeParse(dropNoteKeys(raw));
  if (!r.success) throw new InputError(formatZodError(r.error, source));
  return r.data;
}

/** A hierarchical study_design_config, validated; errors name `source` and study_design_config.<key>. */
function checkHierarchicalDesign(design: unknown, source: string): void {
  if (!design) return;
  const d = designConfigSchema.safeParse(dropNoteKeys(design));
  if (!d.success) {
    throw new InputError(formatZodError(d.error, source).replace(`${source}: `, `${source}: study_design_config.`));
  }
}

function jsonKind(v: unknown): string {
  if (Array.isArray(v)) return "a list";
  return v === null ? "null" : `a ${typeof v}`;
}

/**
 * Validate a hierarchical design study's config with `schema` (note keys dropped, errors naming
 * `source` and the key), and resolve its shared keys and design source against `baseDir`.
 */
export function parseDesignStudyConfig<T extends z.ZodTypeAny>(
  schema: T,
  raw: unknown,
  source: string,
  baseDir: string,
) {
  const c = parseConfigObject(schema, raw, source);
  checkHierarchicalDesign((c as { study_design_config?: unknown }).study_design_config, source);
  return { ...c, ...resolveBaseKeys(c, source, baseDir), ...resolveDesignSource(c, baseDir) };
}

/** Validate a config with `schema` (note keys dropped, errors naming `source` and the key) and resolve its shared keys. */
export function parseStudyConfig<T extends z.ZodObject<ReturnType<typeof baseStudyKeys>>>(
  schema: T,
  raw: unknown,
  source: string,
  baseDir: string,
): z.output<T> & BaseStudyConfig {
  const c = parseConfigObject(schema, raw, source);
  return { ...c, ...resolveBaseKeys(c, source, baseDir) };
}

/** The shared keys of a validated config, resolved against `baseDir`. */
export function resolveBaseKeys<C extends z.output<z.ZodObject<ReturnType<typeof baseStudyKeys>>>>(
  c: C,
  source: string,
  baseDir: string,
): BaseStudyConfig {
  const output_dir = resolveAgainst(baseDir, c.output_dir);
  if (existsSync(output_dir) && !statSync(output_dir).isDirectory()) {
    throw new InputError(
      `${source}: output_dir (or --output): ${output_dir} is a file; expected a folder for the study`,
    );
  }
  return {
    ...c,
    output_dir,
    cmdstan: c.cmdstan ? resolveAgainst(baseDir, c.cmdstan) : undefined,
    source,
  };
}

/** The design source of a validated config, resolved against `baseDir`. */
export function resolveDesignSource(
  c: { study_design_path?: string | null; study_design_config?: Record<string, unknown> | null },
  baseDir: string,
): DesignSource {
  return {
    study_design_path: c.study_design_path ? resolveAgainst(baseDir, c.study_design_path) : undefined,
    study_design_config: c.study_design_config ?? undefined,
  };
}

/** An absolute path: as given, or resolved against `baseDir`. */
export function resolveAgainst(baseDir: string, p: string): string {
  return path.isAbsolute(p) ? p : path.resolve(baseDir, p);
}

/** Refuse paths that do not name an existing file, naming the config key. */
export function requireFiles(source: string, files: Record<string, string | undefined>): void {
  for (const [key, p] of Object.entries(files)) {
    if (!p) continue;
    if (!existsSync(p)) throw new InputError(`${source}: ${key}: file not found: ${p}`);
    if (!statSync(p).isFile()) {
      const expected = key.endsWith("model_path") ? "a .stan file" : "a file";
      throw new InputError(`${source}: ${key}: ${p} is a folder; expected ${expected}`);
    }
  }
}

/**
 * Read a config file and apply command-line overrides (undefined ones ignored). Paths inside it
 * resolve against the current directory when `modelKey`'s path (the first of several keys the
 * config has: a family may name its model by one of two keys) exists there (the original
 * study's configs hold repo-relative paths), else against the config's folder.
 */
export async function readConfigFile(
  file: string,
  overrides: Record<string, unknown>,
  modelKey: string | readonly string[],
): Promise<{ raw: Record<string, unknown>; source: string; baseDir: string }> {
  const source = path.resolve(file);
  let text: string;
  try {
    text = await readFile(source, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputError(
      code === "EISDIR" ? `${source} is a folder; expected a config file (JSON)` : `config file not found: ${source}`,
    );
  }
  const parsed = parseJsonOf(source, text);
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new InputError(`${source}: must be a JSON object of config keys, found ${jsonKind(parsed)}`);
  }
  const set = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  const raw: Record<string, unknown> = { ...parsed };
  for (const [key, value] of Object.entries(set)) setConfigKey(raw, key, value, source);
  // Slurm settings given on the command line override the config's one by one.
  const fileSlurm = (parsed as { slurm?: unknown }).slurm;
  if (set.slurm && fileSlurm && typeof fileSlurm === "object") raw.slurm = { ...fileSlurm, ...(set.slurm as object) };
  const model = (typeof modelKey === "string" ? [modelKey] : modelKey).map((k) => raw[k]).find((v) => v !== undefined);
  const relativeToConfig = typeof model === "string" && !path.isAbsolute(model) && !existsSync(path.resolve(model));
  return { raw, source, baseDir: relativeToConfig ? path.dirname(source) : process.cwd() };
}

/**
 * Set `key` in a raw config; a dotted key ("study_design_config.M_per_cell", from a command-line
 * flag) reaches into an object of the config, which must be there.
 */
export function setConfigKey(raw: Record<string, unknown>, key: string, value: unknown, source: string): void {
  const [head, ...rest] = key.split(".");
  if (!rest.length) {
    raw[head] = value;
    return;
  }
  const inner = raw[head];
  if (!inner || typeof inner !== "object" || Array.isArray(inner)) {
    throw new InputError(`${source}: ${key} cannot be set from the command line: the config has no ${head} object`);
  }
  const copy = { ...(inner as Record<string, unknown>) };
  setConfigKey(copy, rest.join("."), value, source);
  raw[head] = copy;
}

/**
 * A resolved config as JSON that the study kind's parser turns back into the same study
 * (absolute paths, the CmdStan in use, `derived` keys replaced by the schema keys they came
 * from): what a cluster task rebuilds the study from. Executor settings are left out; a task
 * runs where it is.
 */
export function portableConfig<C extends BaseStudyConfig>(
  c: C,
  cmdstanPath: string,
  derived: { drop?: readonly (keyof C)[]; put?: Record<string, unknown> } = {},
): Record<string, unknown> {
  const keys = { ...c } as Record<string, unknown>;
  for (const k of ["source", "executor", "slurm", ...(derived.drop ?? [])] as string[]) delete keys[k];
  return JSON.parse(JSON.stringify({ ...keys, ...derived.put, cmdstan: cmdstanPath }));
}

/** portableConfig for a config whose warmup was derived (n_mcmc_samples / 2 when absent): written back as n_mcmc_warmup. */
export function portableWithWarmup<C extends BaseStudyConfig & { warmup: number }>(
  c: C,
  cmdstanPath: string,
): Record<string, unknown> {
  return portableConfig(c, cmdstanPath, { drop: ["warmup"], put: { n_mcmc_warmup: c.warmup } });
}

/** All cores of this machine, unless the config says otherwise. */
export function defaultCores(configured?: number): number {
  return configured ?? os.availableParallelism();
}
