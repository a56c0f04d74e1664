/** Options and helpers shared by the CLI commands. */
import type { Argv } from "yargs";
import { locateCmdStan, type CmdStanInstall } from "../cmdstan/locate.js";

export interface CmdStanArgs {
  cmdstan?: string;
}

export function withCmdStanOption<T>(y: Argv<T>): Argv<T & CmdStanArgs> {
  return y.option("cmdstan", {
    type: "string",
    describe: "path of a CmdStan installation (default: $CMDSTAN, then the copy provisioned by `make cmdstan`)",
  });
}

export function cmdstanFrom(argv: CmdStanArgs): Promise<CmdStanInstall> {
  return locateCmdStan({ explicit: argv.cmdstan });
}
