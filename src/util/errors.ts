/**
 * Errors the tool reports to users. Each one carries a message meant to be printed as is
 * (no stack trace): it names the file, field or line at fault and says what was expected.
 */
export class UserFacingError extends Error {
  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** No CmdStan installation could be found, or the one named is not usable. */
export class CmdStanNotFoundError extends UserFacingError {}

/** A .stan file failed to compile (stanc or C++). `location` is "file.stan:line:col" when known. */
export class CompileError extends UserFacingError {
  constructor(
    message: string,
    readonly stanFile: string,
    readonly location?: string,
  ) {
    super(message);
  }
}

/** A CmdStan executable exited non-zero, was killed by a signal or timed out. */
export class CmdStanRunError extends UserFacingError {
  constructor(
    message: string,
    readonly exitCode: number | undefined,
    readonly signal: string | undefined,
    readonly timedOut: boolean,
    readonly stderrTail: string,
    /** Stopped by an abort (the user's, or a sibling chain's failure), not by its own fault. */
    readonly cancelled = false,
  ) {
    super(message);
  }
}

/** A Stan CSV file (or a set of chains) that cannot be read; the message names file and line. */
export class StanCsvError extends UserFacingError {
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
  ) {
    super(line !== undefined ? `${file}:${line}: ${message}` : `${file}: ${message}`);
  }
}

/** Invalid input data (config, design file, Stan JSON) that names the file and field. */
export class InputError extends UserFacingError {}

/** What the operating system's error codes mean for a user, by code. */
const SYSTEM_ERRORS: Record<string, string> = {
  ENOSPC: "the disk is full",
  EDQUOT: "the disk quota is exceeded",
  EACCES: "permission denied",
  EPERM: "operation not permitted",
  EROFS: "the file system is read-only",
  EMFILE: "too many open files",
  EIO: "an input/output error of the disk",
};

/**
 * A file-system error (disk full, permission denied, ...) as one sentence naming the file, or
 * undefined for any other error. Finished work is kept by the atomic writes; this says why the
 * run stopped.
 */
export function describeSystemError(err: unknown): string | undefined {
  const e = err as NodeJS.ErrnoException | undefined;
  const meaning = e?.code ? SYSTEM_ERRORS[e.code] : undefined;
  if (!meaning) return undefined;
  const where = e?.path ? ` (${e.syscall ?? "writing"} ${e.path})` : "";
  return `${meaning}${where}: ${e?.code}; finished work is kept, free the space or fix the permission and run the same command again`;
}
