/** `cmdstan-recover sample FILE`: compile (cached) and sample a model, one process per chain. */
import type { CommandModule } from "yargs";
import { compileModel } from "../cmdstan/compile.js";
import { sample } from "../cmdstan/run.js";
import { CoreScheduler } from "../cmdstan/scheduler.js";
import { cmdstanFrom, withCmdStanOption, type CmdStanArgs } from "./common.js";

interface SampleArgs extends CmdStanArgs {
  file: string;
  data?: string;
  output: string;
  chains: number;
  warmup: number;
  samples: number;
  thin?: number;
  adaptDelta?: number;
  maxTreedepth?: number;
  seed: number;
  init?: string;
  refresh: number;
  sigFigs?: number;
  fixedParam?: boolean;
  cores?: number;
}

export const sampleCommand: CommandModule<object, SampleArgs> = {
  command: "sample <file>",
  describe: "compile and sample a model; writes one CSV per chain",
  builder: (y) =>
    withCmdStanOption(y)
      .positional("file", { type: "string", demandOption: true, describe: "the .stan file" })
      .option("data", { type: "string", describe: "Stan JSON data file" })
      .option("output", { type: "string", default: "output", describe: "folder for the CSV files" })
      .option("chains", { type: "number", default: 4 })
      .option("warmup", { type: "number", default: 1000 })
      .option("samples", { type: "number", default: 1000 })
      .option("thin", { type: "number" })
      .option("adapt-delta", { type: "number" })
      .option("max-treedepth", { type: "number" })
      .option("seed", { type: "number", default: 1234 })
      .option("init", { type: "string", describe: "a number or a JSON file of initial values" })
      .option("refresh", { type: "number", default: 100 })
      .option("sig-figs", { type: "number" })
      .option("fixed-param", { type: "boolean", describe: "algorithm=fixed_param" })
      .option("cores", { type: "number", describe: "chains run at once (default: all cores)" }),
  handler: async (argv) => {
    const install = await cmdstanFrom(argv);
    const model = await compileModel(install, argv.file);
    const init =
      argv.init === undefined ? undefined : Number.isFinite(Number(argv.init)) ? Number(argv.init) : argv.init;
    const last = new Map<number, string>();
    const result = await sample(model, {
      chains: argv.chains,
      numWarmup: argv.warmup,
      numSamples: argv.samples,
      thin: argv.thin,
      adaptDelta: argv.adaptDelta,
      maxTreedepth: argv.maxTreedepth,
      seed: argv.seed,
      init,
      refresh: argv.refresh,
      sigFigs: argv.sigFigs,
      dataFile: argv.data,
      outputDir: argv.output,
      algorithm: argv.fixedParam ? "fixed_param" : "hmc",
      scheduler: new CoreScheduler(argv.cores),
      onProgress: (p) => {
        last.set(p.chain, `chain ${p.chain}: ${p.phase} ${p.percent}%`);
        process.stderr.write(`\r${[...last.values()].join("  ")}   `);
      },
    });
    process.stderr.write("\n");
    console.log(`sampled in ${(result.elapsedMs / 1000).toFixed(1)} s:`);
    for (const f of result.csvFiles) console.log(`  ${f}`);
  },
};
