/** Options and helpers shared by the CLI commands. */
import type { Argv } from "yargs";
import { locateCmdStan, type CmdStanInstall, type CmdStanPurpose } from "../cmdstan/locate.js";

export interface CmdStanArgs {
  cmdstan?: string;
}

export function withCmdStanOption<T>(y: Argv<T>): Argv<T & CmdStanArgs> {
  return y.option("cmdstan", {
    type: "string",
    describe: "path of a CmdStan installation (default: $CMDSTAN, ~/.cmdstan/cmdstan-<newest>, $CONDA_PREFIX/bin/cmdstan, then the copy provisioned by `make cmdstan`)",
  });
}

/** The CmdStan for a command: "compile" for commands that compile models, "tools" for the others. */
export function cmdstanFrom(argv: CmdStanArgs, purpose: CmdStanPurpose = "compile"): Promise<CmdStanInstall> {
  return locateCmdStan({ explicit: argv.cmdstan, purpose });
}
