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
