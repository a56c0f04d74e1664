/**
 * What every study type's config file shares: reading the JSON (errors name the file), command
 * line overrides, where relative paths resolve, the design source (a design file or a design
 * config, validated with its key named), and the zod pieces for counts and Stan names.
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { InputError } from "../util/errors.js";
import { designConfigSchema, formatZodError } from "../design/studyDesign.js";
import { dropNoteKeys } from "../util/noteKeys.js";
import { parseJsonOf } from "../util/jsonText.js";

export const posInt = (what: string) =>
  z
    .number({ invalid_type_error: `must be ${what}` })
    .int(`must be ${what}`)
    .min(1, `must be ${what}`);

const STAN_IDENTIFIER = /^[A-Za-z][A-Za-z0-9_]*$/;
export const stanName = z
  .string({ invalid_type_error: "must be a Stan variable name (a string)" })
  .regex(STAN_IDENTIFIER, "must be a Stan variable name (letters, digits, _; starting with a letter)");

/** The design source keys: `study_design_path` (`null` = generate) or `study_design_config`. */
export const designSourceKeys = {
  study_design_path: z.string().min(1).nullish(),
  study_design_config: z.record(z.unknown(), { invalid_type_error: "must be an object (the design config)" }).nullish(),
};

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

/** The names the tracked groups always use (SPEC section 4); alpha_var and extras may not repeat them. */
const FIXED_TRACKED_NAMES = ["gamma0", "gamma", "sigma_cell", "delta"];

/** alpha_var and the extra scalars (config key `extrasKey`) must name distinct, untracked outputs. */
export function checkTrackedNames(
  alphaVar: string,
  extras: readonly string[],
  extrasKey: string,
  ctx: z.RefinementCtx,
): void {
  const tracked = [...FIXED_TRACKED_NAMES, alphaVar, ...extras];
  tracked.forEach((name, i) => {
    if (tracked.indexOf(name) !== i) {
      const key = i >= FIXED_TRACKED_NAMES.length + 1 ? [extrasKey, i - FIXED_TRACKED_NAMES.length - 1] : ["alpha_var"];
      ctx.addIssue({
        code: "custom",
        path: key,
        message: `names ${name}, which is already tracked (tracked: ${[...new Set(tracked)].join(", ")})`,
      });
    }
  });
}

/** Validate a config object with `schema` (note keys dropped); errors name `source` and each key. */
export function parseConfigObject<T extends z.ZodTypeAny>(schema: T, raw: unknown, source: string): z.output<T> {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw new InputError(`${source}: must be a JSON object`);
  const r = schema.safeParse(dropNoteKeys(raw));
  if (!r.success) throw new InputError(formatZodError(r.error, source));
  const design = (r.data as { study_design_config?: unknown }).study_design_config;
  if (design) {
    const d = designConfigSchema.safeParse(dropNoteKeys(design));
    if (!d.success)
      throw new InputError(formatZodError(d.error, source).replace(`${source}: `, `${source}: study_design_config.`));
  }
  return r.data;
}

/** What every resolved study config carries besides its own keys. */
export interface ResolvedConfigCommon {
  study_design_path: string | undefined;
  study_design_config: Record<string, unknown> | undefined;
  output_dir: string;
  cmdstan: string | undefined;
  /** The config file (absolute), or "<inline>". */
  source: string;
}

/** The design source, output folder and CmdStan path of a validated config, resolved against `baseDir`. */
export function resolveCommonKeys(
  c: {
    study_design_path?: string | null;
    study_design_config?: Record<string, unknown> | null;
    output_dir: string;
    cmdstan?: string;
  },
  source: string,
  baseDir: string,
): ResolvedConfigCommon {
  return {
    study_design_path: c.study_design_path ? resolveAgainst(baseDir, c.study_design_path) : undefined,
    study_design_config: c.study_design_config ?? undefined,
    output_dir: resolveAgainst(baseDir, c.output_dir),
    cmdstan: c.cmdstan ? resolveAgainst(baseDir, c.cmdstan) : undefined,
    source,
  };
}

/** An absolute path: as given, or resolved against `baseDir`. */
export function resolveAgainst(baseDir: string, p: string): string {
  return path.isAbsolute(p) ? p : path.resolve(baseDir, p);
}

/** Refuse paths that do not exist, naming the config key. */
export function requireFiles(source: string, files: Record<string, string | undefined>): void {
  for (const [key, p] of Object.entries(files)) {
    if (p && !existsSync(p)) throw new InputError(`${source}: ${key}: file not found: ${p}`);
  }
}

/**
 * Read a config file and apply command-line overrides (undefined ones ignored). Paths inside it
 * resolve against the current directory when `modelKey`'s path exists there (the original
 * study's configs hold repo-relative paths), else against the config's folder.
 */
export async function readConfigFile(
  file: string,
  overrides: Record<string, unknown>,
  modelKey: string,
): Promise<{ raw: Record<string, unknown>; source: string; baseDir: string }> {
  const source = path.resolve(file);
  let text: string;
  try {
    text = await readFile(source, "utf8");
  } catch {
    throw new InputError(`config file not found: ${source}`);
  }
  const parsed = parseJsonOf(source, text);
  const raw = {
    ...(parsed as object),
    ...Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined)),
  } as Record<string, unknown>;
  // Slurm settings given on the command line override the config's one by one.
  const fileSlurm = (parsed as { slurm?: unknown }).slurm;
  if (overrides.slurm && fileSlurm && typeof fileSlurm === "object")
    raw.slurm = { ...fileSlurm, ...(overrides.slurm as object) };
  const model = raw[modelKey];
  const baseDir =
    typeof model === "string" && !path.isAbsolute(model) && !existsSync(path.resolve(model))
      ? path.dirname(source)
      : process.cwd();
  return { raw, source, baseDir };
}

/**
 * A resolved config as JSON that the study type's parser turns back into the same study
 * (absolute paths, the CmdStan in use, `derived` keys replaced by the schema keys they came
 * from): what a cluster task rebuilds the study from. Executor settings are left out; a task
 * runs where it is.
 */
export function portableConfig<C extends ResolvedConfigCommon & { executor?: unknown; slurm?: unknown }>(
  c: C,
  cmdstanPath: string,
  derived: { drop: readonly (keyof C)[]; put: Record<string, unknown> },
): Record<string, unknown> {
  const keys = { ...c } as Record<string, unknown>;
  for (const k of ["source", "executor", "slurm", ...derived.drop] as string[]) delete keys[k];
  return JSON.parse(JSON.stringify({ ...keys, ...derived.put, cmdstan: cmdstanPath }));
}
