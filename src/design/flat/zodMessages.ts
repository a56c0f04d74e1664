/** zod error maps for the flat family's strict objects (problems are collected by util/issues.ts). */
import { z } from "zod";

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
