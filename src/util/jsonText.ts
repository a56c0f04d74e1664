/** JSON read from a file the tool keeps (manifests, job lists): a parse error names the file. */
import { InputError } from "./errors.js";

export function parseJsonOf(file: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new InputError(`${file}: not valid JSON (${(err as Error).message})`);
  }
}
