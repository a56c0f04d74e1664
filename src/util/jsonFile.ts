/**
 * JSON the tool reads from disk (configs, designs, manifests, records, job lists): one reader
 * that names the file when it is missing, is not JSON, or does not have the expected shape.
 */
import { readFile } from "node:fs/promises";
import type { z } from "zod";
import { InputError } from "./errors.js";
import { formatZodError } from "./zodText.js";

/** JSON.parse, with a parse error naming the file. */
export function parseJsonOf(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`${file}: not valid JSON (${(err as Error).message})`);
  }
}

/** Text parsed and validated against `schema`; errors name the file and each bad key. */
export function parseJsonAs<T extends z.ZodTypeAny>(file: string, text: string, schema: T): z.output<T> {
  const r = schema.safeParse(parseJsonOf(file, text));
  if (!r.success) throw new InputError(formatZodError(r.error, file));
  return r.data;
}

/**
 * A JSON file read and validated against `schema`. `missing` says what the file is, for the
 * message when it cannot be read (e.g. "the study's recipe; it is written when ...").
 */
export async function readJsonFile<T extends z.ZodTypeAny>(
  file: string,
  schema: T,
  missing?: string,
): Promise<z.output<T>> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === "ENOENT" ? "not found" : `cannot be read (${code ?? (err as Error).message})`;
    throw new InputError(`${file}: ${why}${missing ? `: ${missing}` : ""}`);
  }
  return parseJsonAs(file, text, schema);
}
