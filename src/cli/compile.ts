/** `cmdstan-recover compile FILE`: compile a .stan file through CmdStan (cached). */
import type { CommandModule } from "yargs";
import { compileModel } from "../cmdstan/compile.js";
import { cmdstanFrom, withCmdStanOption, type CmdStanArgs } from "./common.js";

interface CompileArgs extends CmdStanArgs {
  file: string;
  stancFlag?: string[];
}

export const compileCommand: CommandModule<object, CompileArgs> = {
  command: "compile <file>",
  describe: "compile a .stan file (an unchanged model is taken from the cache)",
  builder: (y) =>
    withCmdStanOption(y)
      .positional("file", { type: "string", demandOption: true, describe: "the .stan file" })
      .option("stanc-flag", { type: "string", array: true, describe: "extra stanc option, e.g. --O1" }),
  handler: async (argv) => {
    const install = await cmdstanFrom(argv);
    const t0 = Date.now();
    const model = await compileModel(install, argv.file, { stancFlags: argv.stancFlag });
    const how = model.compiled ? `compiled in ${((Date.now() - t0) / 1000).toFixed(1)} s` : "unchanged, from the cache";
    console.log(`${model.exe}  (${how})`);
  },
};
