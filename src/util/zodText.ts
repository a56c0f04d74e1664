/**
 * zod's validation errors as the one-line messages users get: "file: key: message; key2: ...",
 * keys written as in the JSON ("X[3][1]", "slurm.time"), unknown keys named.
 */
import { z } from "zod";

/** At most this many problems are listed in one message; the rest are counted. */
const MAX_ISSUES = 6;

/** "X[3][1]" from ["X", 3, 1]. */
export function formatPath(path: readonly (string | number)[]): string {
  let s = "";
  for (const p of path) s += typeof p === "number" ? `[${p}]` : s === "" ? p : `.${p}`;
  return s === "" ? "(top level)" : s;
}

/** Each zod issue as "key: message". */
export function zodIssues(err: z.ZodError): string[] {
  return err.issues.map((i) => {
    if (i.code === z.ZodIssueCode.unrecognized_keys) {
      const where = i.path.length ? `${formatPath(i.path)}: ` : "";
      return `${where}unknown key${i.keys.length > 1 ? "s" : ""} ${i.keys.map((k) => JSON.stringify(k)).join(", ")}`;
    }
    return `${formatPath(i.path)}: ${i.message === "Required" ? "is required" : i.message}`;
  });
}

/** "source: problem; problem; (and n more)". */
export function joinIssues(source: string, issues: string[], maxIssues = MAX_ISSUES): string {
  const more = issues.length > maxIssues ? `; (and ${issues.length - maxIssues} more)` : "";
  return `${source}: ${issues.slice(0, maxIssues).join("; ")}${more}`;
}

/** A zod error as one line naming `source` and every bad key. */
export function formatZodError(err: z.ZodError, source: string, maxIssues = MAX_ISSUES): string {
  return joinIssues(source, zodIssues(err), maxIssues);
}
