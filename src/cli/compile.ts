/** `cmdstan-recover compile FILE`: compile a .stan file through CmdStan (cached). */
import type { CommandModule } from "yargs";
import { compileModel } from "../cmdstan/compile.js";
import { cmdstanFrom, withCmdStanOption, type CmdStanArgs } from "./common.js";

interface CompileArgs extends CmdStanArgs {
  file: string;
  stancFlag?: string | string[];
}

export const compileCommand: CommandModule<object, CompileArgs> = {
  command: "compile <file>",
  describe: "compile a .stan file (an unchanged model is taken from the cache)",
  builder: (y) =>
    withCmdStanOption(y)
      .positional("file", { type: "string", demandOption: true, describe: "the .stan file" })
      // nargs 1 with nargs-eats-options: `--stanc-flag --O1` takes --O1 as the value, not as an option.
      // (array: true would break that; a repeated option still collects its values.)
      .option("stanc-flag", {
        type: "string",
        nargs: 1,
        describe: "extra stanc option, e.g. --stanc-flag --O1 (repeat for more)",
      })
      .parserConfiguration({ "nargs-eats-options": true }),
  handler: async (argv) => {
    const install = await cmdstanFrom(argv);
    const t0 = Date.now();
    const stancFlags = argv.stancFlag === undefined ? undefined : [argv.stancFlag].flat();
    const model = await compileModel(install, argv.file, { stancFlags });
    const how = model.compiled ? `compiled in ${((Date.now() - t0) / 1000).toFixed(1)} s` : "unchanged, from the cache";
    console.log(`${model.exe}  (${how})`);
  },
};
