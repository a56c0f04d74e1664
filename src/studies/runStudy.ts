/**
 * Running a study of any kind: read its config, prepare it (the CmdStan in use, then the kind's
 * own preparation), and hand it to the replicate loop on the executor its config names. The CLI
 * and a cluster task's worker both come through here, so a study is the same wherever it runs.
 */
import { locateCmdStan } from "../cmdstan/locate.js";
import { selectExecutor } from "../pipeline/executors/select.js";
import { runReplicates, type ReplicateExecutor, type ReplicateStudy } from "../pipeline/replicates.js";
import { defaultCores, readConfigFile, type BaseStudyConfig } from "../pipeline/studyConfig.js";
import { truthsLines, truthsRecord } from "./faithfulness.js";
import type { StudyKind, StudyOutcome } from "./studyKind.js";

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

/** A kind's study, prepared: checked, compiled (unless `cachedModelsOnly`), designed. */
export async function prepareStudy<C extends BaseStudyConfig, S extends StudyOutcome>(
  kind: StudyKind<C, S>,
  config: C,
  log: (line: string) => void,
  opts: { cachedModelsOnly?: boolean } = {},
): Promise<ReplicateStudy<S>> {
  const install = await locateCmdStan({ explicit: config.cmdstan });
  log(`[${kind.name}] CmdStan ${install.version} at ${install.path}`);
  // Said before anything is compiled or run: which truths this run draws, and why.
  const truths = truthsRecord(install, kind.original, config.seed, await kind.original.settingsDiffer(config));
  for (const line of truthsLines(truths)) log(`[${kind.name}] ${line}`);
  const own = await kind.prepare(config, { install, log, cachedModelsOnly: opts.cachedModelsOnly ?? false, truths });
  return {
    ...own,
    notes: { ...own.notes, truths },
    command: kind.name,
    unit: kind.unit,
    outputDir: config.output_dir,
    cores: defaultCores(config.cores),
    recipe: { kind: kind.name, config: kind.portableConfig(config, install.path) },
  };
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
};

/** Run (or resume) a study of `kind`, on this machine or a cluster (the config's executor). */
export async function runStudy<C extends BaseStudyConfig, S extends StudyOutcome>(
  kind: StudyKind<C, S>,
  config: C,
  opts: RunStudyOptions = {},
): Promise<StudyResult<S>> {
  const log = opts.log ?? ((l: string) => process.stderr.write(`${l}\n`));
  const executor = opts.executor ?? selectExecutor(config.executor, config.slurm);
  const r = await runReplicates(() => prepareStudy(kind, config, log), { ...opts, log, executor });
  const { outputDir, wallSeconds, resumed, failed, missing } = r;
  return { ...r.summary, outputDir, wallSeconds, resumed, failed, missing };
}
