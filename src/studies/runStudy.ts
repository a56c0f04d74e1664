/**
 * Running a study of any kind: read its config, prepare it (the CmdStan in use, then the kind's
 * own preparation), and hand it to the replicate loop on the executor its config names. The CLI
 * and a cluster task's worker both come through here, so a study is the same wherever it runs.
 */
import { selectExecutor } from "../pipeline/executors/select.js";
import { runReplicates, type ReplicateExecutor, type ReplicateStudy } from "../pipeline/replicates.js";
import { readConfigFile, type BaseStudyConfig } from "../pipeline/studyConfig.js";
import { prepareGrid, StoppedBeforeRun } from "./grid.js";
import { prepareStudy } from "./prepare.js";
import type { StudyKind, StudyOutcome } from "./studyKind.js";

export { prepareStudy } from "./prepare.js";

/**
 * Read a kind's config file, with command-line overrides (undefined ones ignored). Paths inside it
 * resolve against the current directory when the model path exists there (the original study's
 * configs hold repo-relative paths), else against the config's folder.
 */
export async function loadStudyConfig<C extends BaseStudyConfig>(
  kind: StudyKind<C, StudyOutcome>,
  file: string,
  overrides: Record<string, unknown> = {},
): Promise<C> {
  const { raw, source, baseDir } = await readConfigFile(file, overrides, kind.modelKey);
  return kind.parseConfig(raw, source, baseDir);
}

/**
 * The kind of `kinds` (those of one command, in registry order) that runs the config in `file`,
 * and the config it parsed: the first whose `accepts` takes it (a kind without one takes any).
 */
export async function loadConfigOfCommand(
  kinds: readonly StudyKind[],
  file: string,
  overrides: Record<string, unknown> = {},
): Promise<{ kind: StudyKind; config: BaseStudyConfig }> {
  for (const kind of kinds) {
    const { raw, source, baseDir } = await readConfigFile(file, overrides, kind.modelKey);
    if (kind.accepts && !(await kind.accepts(raw, baseDir))) continue;
    return { kind, config: kind.parseConfig(raw, source, baseDir) };
  }
  throw new Error(`no study kind of ${kinds.map((k) => k.name).join(", ")} accepts ${file}`);
}

export interface RunStudyOptions {
  signal?: AbortSignal;
  /** Redo replicates that failed in an earlier start. */
  retryFailed?: boolean;
  log?: (line: string) => void;
  progressStream?: NodeJS.WriteStream;
  /** Where fits run; default: the config's executor (local unless it says slurm). */
  executor?: ReplicateExecutor;
}

export type StudyResult<S> = S & {
  outputDir: string;
  wallSeconds: number;
  /** Replicates kept from an earlier start. */
  resumed: number;
  /** Replicates that failed, and replicates left without a record (a cluster task that ended early). */
  failed: number[];
  missing: number[];
  /** Set when the kind stopped before anything ran (a grid's dry run): what it printed. */
  stoppedBeforeRun?: string;
};

/**
 * Run (or resume) a study of `kind`, on this machine or a cluster (the config's executor); a
 * config that asks for a grid of cells runs them as one study (studies/grid.ts). A grid the kind
 * stopped before running (a dry run) returns its text as `stoppedBeforeRun`.
 */
export async function runStudy<C extends BaseStudyConfig, S extends StudyOutcome>(
  kind: StudyKind<C, S>,
  config: C,
  opts: RunStudyOptions = {},
): Promise<StudyResult<S>> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const executor = opts.executor ?? selectExecutor(config.executor, config.slurm);
  const cells = kind.grid?.cells(config);
  // A grid's outcome is the grid's (its report and tables), not a cell's S: what the CLI reads of
  // either is the StudyOutcome part.
  const prepare = (): Promise<ReplicateStudy<S>> =>
    cells
      ? (prepareGrid(kind, config, cells, log, { check: true }) as Promise<ReplicateStudy<never>>)
      : prepareStudy(kind, config, log);
  try {
    const r = await runReplicates(prepare, { ...opts, log, executor });
    const { outputDir, wallSeconds, resumed, failed, missing } = r;
    return { ...r.summary, outputDir, wallSeconds, resumed, failed, missing };
  } catch (err) {
    if (!(err instanceof StoppedBeforeRun)) throw err;
    const nothing = { terminalTables: err.message, reportFile: "" } as S;
    return {
      ...nothing,
      outputDir: config.output_dir,
      wallSeconds: 0,
      resumed: 0,
      failed: [],
      missing: [],
      stoppedBeforeRun: err.message,
    };
  }
}
