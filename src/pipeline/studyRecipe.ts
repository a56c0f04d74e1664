/**
 * `study_config.json`: how a worker process (a cluster task) rebuilds the study a driver
 * prepared: the study kind's name, its fully resolved config (after command-line overrides) and
 * the fingerprint hash the records must carry. The driver writes it before submitting; a task
 * reads it back, validated.
 */
import path from "node:path";
import { z } from "zod";
import { writeJsonAtomic } from "../util/atomicWrite.js";
import { readJsonFile } from "../util/jsonFile.js";

export const RECIPE_FILE = "study_config.json";

/** A study kind's name (src/studies/kinds.ts) and its fully resolved config, as JSON. */
export interface StudyRecipe {
  kind: string;
  config: Record<string, unknown>;
}

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
  const missing = "the study's recipe; it is written when a study is submitted to a cluster";
  return readJsonFile(recipeFile(outputDir), recipeFileSchema, missing);
}
