/**
 * One command per study kind (`recover`, `sbc`, ...), all alike: `--config FILE` with the study
 * options (output folder, cores, seed, CmdStan, retry-failed, executor and Slurm settings).
 * Ctrl-C stops every CmdStan process (or cancels the Slurm job) and keeps the finished
 * replicates; a second Ctrl-C exits at once. The exit status says whether the study is complete
 * (EXIT_STATUS in common.ts).
 */
import type { Argv, CommandModule } from "yargs";
import { loadConfigOfCommand, runStudy } from "../studies/runStudy.js";
import type { KindCliOption, StudyKind } from "../studies/studyKind.js";
import { EXIT_STATUS, runInterruptibly, studyOverrides, withStudyOptions, type StudyArgs } from "./common.js";

/** The kinds' own flags of a command (each once). */
function kindOptions(kinds: StudyKind[]): KindCliOption[] {
  const seen = new Map<string, KindCliOption>();
  for (const k of kinds) for (const o of k.cliOptions ?? []) if (!seen.has(o.flag)) seen.set(o.flag, o);
  return [...seen.values()];
}

function withKindOptions<T>(y: Argv<T>, options: KindCliOption[]): Argv<T> {
  for (const o of options) y = y.option(o.flag, { type: o.type, describe: o.describe }) as Argv<T>;
  return y;
}

/** The config keys the kinds' flags set; a flag with a warning prints it. */
function kindOverrides(argv: Record<string, unknown>, options: KindCliOption[], command: string) {
  const set: Record<string, unknown> = {};
  for (const o of options) {
    const v = argv[o.flag];
    if (v === undefined) continue;
    if (o.warn) process.stderr.write(`[${command}] warning: --${o.flag}: ${o.warn}\n`);
    set[o.key] = v;
  }
  return set;
}

/** The command of `kinds` (one, or several serving model families of one study: see kinds.ts). */
export function studyCommand(command: string, kinds: StudyKind[]): CommandModule<object, StudyArgs> {
  const [first] = kinds;
  const own = kindOptions(kinds);
  return {
    command,
    describe: first.describe,
    builder: (y) => withKindOptions(withStudyOptions(y, command, first.unit), own),
    handler: async (argv) => {
      const overrides = { ...studyOverrides(argv), ...kindOverrides(argv as Record<string, unknown>, own, command) };
      const { kind, config } = await loadConfigOfCommand(kinds, argv.config, overrides);
      const place = { command: kind.name, unit: kind.unit, executor: config.executor };
      await runInterruptibly(place, async (signal) => {
        const result = await runStudy(kind, config, { signal, retryFailed: argv.retryFailed });
        if (result.stoppedBeforeRun !== undefined) {
          process.stdout.write(`${result.stoppedBeforeRun}\n`);
          return;
        }
        process.stdout.write(`\n${result.terminalTables}\n`);
        process.stdout.write(`Report: ${result.reportFile}\nOutputs: ${result.outputDir}\n`);
        const incomplete = describeIncomplete(kind.unit, result.failed, result.missing);
        if (incomplete) {
          process.stderr.write(`[${kind.name}] ${incomplete}; exit status ${EXIT_STATUS.incomplete}\n`);
          process.exitCode = EXIT_STATUS.incomplete;
        }
      });
    },
  };
}

/** "incomplete study: 2 iterations failed (3, 7) ...; 1 iteration unfinished (9)". */
function describeIncomplete(unit: string, failed: number[], missing: number[]): string | undefined {
  if (!failed.length && !missing.length) return undefined;
  const part = (list: number[], what: string) =>
    list.length ? [`${list.length} ${unit}${list.length > 1 ? "s" : ""} ${what} (${list.join(", ")})`] : [];
  const parts = [...part(failed, "failed, reasons in their error.txt"), ...part(missing, "unfinished")];
  return `incomplete study: ${parts.join("; ")}; the outputs use the others; run the same command again to retry (--retry-failed for failed ones)`;
}
