/** `cmdstan-recover info`: which CmdStan the tool would use, and what it is. */
import type { CommandModule } from "yargs";
import { SUPPORTED_CMDSTAN } from "../cmdstan/locate.js";
import { cmdstanFrom, withCmdStanOption, type CmdStanArgs } from "./common.js";

interface InfoArgs extends CmdStanArgs {
  json?: boolean;
}

export const infoCommand: CommandModule<object, InfoArgs> = {
  command: "info",
  describe: "print the CmdStan installation in use: path, version, stanc version, compiler",
  builder: (y) => withCmdStanOption(y).option("json", { type: "boolean", describe: "print a JSON object" }),
  handler: async (argv) => {
    const install = await cmdstanFrom(argv);
    if (argv.json) {
      console.log(JSON.stringify(install, null, 2));
      return;
    }
    console.log(`CmdStan path:    ${install.path}  (from ${install.source})`);
    console.log(`CmdStan version: ${install.version}`);
    console.log(`stanc:           ${install.stancVersion}`);
    console.log(`compiler:        ${install.compiler}`);
    console.log(`tested with:     CmdStan ${SUPPORTED_CMDSTAN.testedWith.join(", ")} (>= ${SUPPORTED_CMDSTAN.min} supported)`);
  },
};
