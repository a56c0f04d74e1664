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

/** A cell of a grid: its name (its folder) and the config keys it changes (dotted paths). */
export interface GridCellSpec {
  name: string;
  set: Record<string, unknown>;
}

/**
 * A study kind's name (src/studies/kinds.ts) and its fully resolved config, as JSON; for a grid,
 * also its cells, each that config with some keys changed.
 */
export interface StudyRecipe {
  kind: string;
  config: Record<string, unknown>;
  cells?: GridCellSpec[];
}

const recipeFileSchema = z.object({
  kind: z.string().min(1),
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/, "must be a SHA-256 hash"),
  config: z.record(z.unknown()),
  cells: z.array(z.object({ name: z.string().min(1), set: z.record(z.unknown()) })).optional(),
});
export type RecipeFile = z.infer<typeof recipeFileSchema>;

export function recipeFile(outputDir: string): string {
  return path.join(outputDir, RECIPE_FILE);
}

export async function writeStudyRecipe(outputDir: string, recipe: StudyRecipe, fingerprint: string): Promise<void> {
  const cells = recipe.cells ? { cells: recipe.cells } : {};
  await writeJsonAtomic(recipeFile(outputDir), { kind: recipe.kind, fingerprint, config: recipe.config, ...cells });
}

export async function readStudyRecipe(outputDir: string): Promise<RecipeFile> {
  const missing = "the study's recipe; it is written when a study is submitted to a cluster";
  return readJsonFile(recipeFile(outputDir), recipeFileSchema, missing);
}
