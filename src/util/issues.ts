/**
 * Every problem found in one file (a design, a config), collected and reported together in one
 * InputError ("file: field: what is wrong; field: ..."), so a user fixes them in one go.
 */
import type { z } from "zod";
import { InputError } from "./errors.js";
import { formatPath, joinIssues } from "./zodText.js";

export class Issues {
  readonly list: string[] = [];

  /** One problem; `path` "" for the file as a whole. */
  add(path: string, message: string): void {
    this.list.push(path === "" ? message : `${path}: ${message}`);
  }

  /** zod's issues, each under its key, with the message the schema's error map chose. */
  addZod(err: z.ZodError): void {
    for (const i of err.issues)
      this.add(i.path.length ? formatPath(i.path) : "", i.message === "Required" ? "is required" : i.message);
  }

  /** One error for all of them (the first few, and how many more). */
  toError(source: string): InputError {
    return new InputError(joinIssues(source, this.list));
  }

  throwIfAny(source: string): void {
    if (this.list.length > 0) throw this.toError(source);
  }
}
