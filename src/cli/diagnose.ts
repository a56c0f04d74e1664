/**
 * `cmdstan-recover diagnose CSV... [--json]`: CmdStan's own `bin/diagnose` on the chains of one
 * fit, its text printed as is; `--json` prints one JSON object: the reading the report uses
 * (divergences, transitions, ebfmiOk, treedepthMentioned; see src/cmdstan/diagnose.ts, with
 * chains x draws as the default transitions) plus `text`, diagnose's text.
 *
 * The files are read and checked first (as `summary` does): bin/diagnose itself aborts with an
 * assertion on output of other methods and says little about broken files.
 */
import type { Argv, CommandModule } from "yargs";
import { parseDiagnose, runDiagnose } from "../cmdstan/diagnose.js";
import { readStanFit } from "../cmdstan/stanCsv.js";
import { cmdstanFrom, withChainFiles, type CmdStanArgs } from "./common.js";

export interface DiagnoseArgs extends CmdStanArgs {
  csv: string[];
  json?: boolean;
}

export const diagnoseCommand: CommandModule<object, DiagnoseArgs> = {
  command: "diagnose <csv..>",
  describe: "run CmdStan's bin/diagnose on the chains of one fit (Stan CSV files)",
  builder: (y: Argv<object>) =>
    withChainFiles(y).option("json", {
      type: "boolean",
      describe: "print one JSON object: {divergences, transitions, ebfmiOk, treedepthMentioned, text}",
    }) as unknown as Argv<DiagnoseArgs>,
  handler: async (argv) => {
    const fit = await readStanFit(argv.csv, { requireMethod: "sample", variables: ["lp__"] });
    const install = await cmdstanFrom(argv, "tools"); // bin/diagnose only: a pruned tree will do
    const text = await runDiagnose(install.path, argv.csv);
    if (argv.json) {
      const transitions = fit.chains.length * fit.chains[0].numDraws;
      process.stdout.write(`${JSON.stringify({ ...parseDiagnose(text, transitions), text }, null, 2)}\n`);
      return;
    }
    process.stdout.write(text.endsWith("\n") ? text : `${text}\n`);
  },
};
