/** Collecting the problems found in a flat config or design file into one InputError. */
import { z } from "zod";
import { InputError } from "../../util/errors.js";
import { formatPath } from "../studyDesign.js";

const MAX_REPORTED = 6;

/** Problems found so far, each "field: what is wrong"; thrown together so a user fixes them in one go. */
export class Issues {
  readonly list: string[] = [];

  add(path: string, message: string): void {
    this.list.push(path === "" ? message : `${path}: ${message}`);
  }

  addZod(err: z.ZodError): void {
    for (const i of err.issues) {
      const message = i.message === "Required" ? "is required" : i.message;
      this.add(i.path.length === 0 ? "" : formatPath(i.path), message);
    }
  }

  /** One error for all of them (the first few, and how many more). */
  toError(source: string): InputError {
    const shown = this.list.slice(0, MAX_REPORTED).join("; ");
    const more = this.list.length > MAX_REPORTED ? `; (and ${this.list.length - MAX_REPORTED} more)` : "";
    return new InputError(`${source}: ${shown}${more}`);
  }

  throwIfAny(source: string): void {
    if (this.list.length > 0) throw this.toError(source);
  }
}

/** `unknown key "a", "b"`. */
export function unknownKeys(keys: readonly string[]): string {
  return `unknown key${keys.length > 1 ? "s" : ""} ${keys.map((k) => JSON.stringify(k)).join(", ")}`;
}

/**
 * An error map for a strict object: unknown keys named (by `describe`, default `unknownKeys`),
 * a non-object called what it should be. Zod's own messages otherwise.
 */
export function strictObjectErrors(what: string, describe: (keys: string[]) => string = unknownKeys): z.ZodErrorMap {
  return (issue, ctx) => {
    if (issue.code === z.ZodIssueCode.unrecognized_keys) return { message: describe(issue.keys) };
    if (issue.code === z.ZodIssueCode.invalid_type) return { message: `must be ${what}` };
    return { message: ctx.defaultError };
  };
}
