/**
 * `study_config.json`: how a worker process (a cluster task) rebuilds the study a driver
 * prepared: the study type's name, its fully resolved config (after command-line overrides) and
 * the fingerprint hash the records must carry. The driver writes it before submitting; a task
 * reads it back, validated.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { InputError } from "../util/errors.js";
import { formatZodError } from "../design/studyDesign.js";
import { writeJsonAtomic } from "./files.js";
import type { StudyRecipe } from "./replicates.js";

export const RECIPE_FILE = "study_config.json";

const recipeFileSchema = z.object({
  kind: z.string().min(1),
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/, "must be a SHA-256 hash"),
  config: z.record(z.unknown()),
});
export type RecipeFile = z.infer<typeof recipeFileSchema>;

export function recipeFile(outputDir: string): string {
  return path.join(outputDir, RECIPE_FILE);
}

export async function writeStudyRecipe(outputDir: string, recipe: StudyRecipe, fingerprint: string): Promise<void> {
  await writeJsonAtomic(recipeFile(outputDir), { kind: recipe.kind, fingerprint, config: recipe.config });
}

export async function readStudyRecipe(outputDir: string): Promise<RecipeFile> {
  const file = recipeFile(outputDir);
  let raw: unknown;
  try {
    raw = JSON.parse(await readFile(file, "utf8"));
  } catch (err) {
    throw new InputError(
      `${file}: cannot read the study's recipe (${(err as Error).message.split("\n")[0]}); it is written when a study is submitted to a cluster`,
    );
  }
  const r = recipeFileSchema.safeParse(raw);
  if (!r.success) throw new InputError(formatZodError(r.error, file));
  return r.data;
}
