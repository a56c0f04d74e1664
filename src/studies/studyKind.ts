/**
 * A study kind (recover, sbc, ...) is one folder under src/studies/ behind this interface, and
 * one line in kinds.ts. The engine (src/pipeline/) runs every kind the same way: the CLI reads a
 * config through `parseConfig`, `prepare` checks and compiles the models and makes the design,
 * and the replicate loop runs replicate i through `runReplicate`, keeps its record, and reduces
 * the records to the kind's outputs and report through `summarize`.
 *
 *   config -> prepare (models, design, setup files) -> replicate i -> record -> summarize -> report
 *
 * A kind never edits the loop, the executors or the CLI: adding one is a folder and a registry
 * line.
 */
import type { CmdStanInstall } from "../cmdstan/locate.js";
import type { ReplicateStudy } from "../pipeline/replicates.js";
import type { BaseStudyConfig } from "../pipeline/studyConfig.js";
import type { GridCellSpec } from "../pipeline/studyRecipe.js";
import type { OriginalStudy, TruthsRecord } from "./faithfulness.js";

/** What every kind's `summarize` returns, besides its own numbers: what the CLI prints. */
export interface StudyOutcome {
  /** The report's tables as plain text, printed when the run ends. */
  terminalTables: string;
  /** The report file (report.md). */
  reportFile: string;
}

/** What a kind gets to prepare a study. */
export interface PrepareContext {
  /** The CmdStan in use (found by the discovery order, or the config's `cmdstan`). */
  install: CmdStanInstall;
  log: (line: string) => void;
  /** Use the models already compiled, never compile (a cluster task: the driver compiled them). */
  cachedModelsOnly: boolean;
  /** Whether this run draws the original study's truths (faithfulness.ts), for config_info.json and the report. */
  truths: TruthsRecord;
}

/** The part of a prepared study a kind decides; the engine adds command, unit, folder, cores and recipe. */
export type KindStudy<S> = Omit<ReplicateStudy<S>, "command" | "unit" | "outputDir" | "cores" | "recipe">;

/**
 * A command-line flag of a kind's own, setting a config key (a dotted path reaches into an
 * object: "study_design_config.M_per_cell"). `warn` is printed when the flag is given.
 */
export interface KindCliOption {
  flag: string;
  key: string;
  type: "string" | "number" | "boolean";
  describe: string;
  warn?: string;
}

/** A prepared cell of a grid. */
export interface GridCell<C, S> {
  name: string;
  config: C;
  study: ReplicateStudy<S>;
}

/** What a kind's check of a prepared grid decides before anything runs. */
export interface GridPreflight {
  /** false: stop here (a dry run); `text` says why or what it found. */
  proceed: boolean;
  text?: string;
  /** Predicted seconds of one replicate of each cell, by name: the longest start first. */
  costs?: ReadonlyMap<string, number>;
}

/** How a kind runs over a grid of cells (docs/architecture.md "Grids"). */
export interface GridSupport<C extends BaseStudyConfig, S extends StudyOutcome> {
  /** The cells a config asks for (each the config with some keys changed), or undefined for one study. */
  cells(config: C): GridCellSpec[] | undefined;
  /** Before any fit runs: refuse (throw), stop after a dry run, and say how long each cell's fits take. */
  preflight?(
    cells: GridCell<C, S>[],
    config: C,
    ctx: { log: (line: string) => void; cores: number },
  ): Promise<GridPreflight>;
  /** The grid's outputs from its cells' summaries. */
  summarize(cells: { name: string; config: C; summary: S }[], config: C, wallSeconds: number): Promise<StudyOutcome>;
}

export interface StudyKind<C extends BaseStudyConfig = BaseStudyConfig, S extends StudyOutcome = StudyOutcome> {
  /** The `kind` of a study's recipe, unique: "recover", "sbc". */
  name: string;
  /**
   * The CLI command (default: `name`). Kinds of one command serve different model families
   * (say hierarchical and flat recovery): the first whose `accepts` takes the config runs it.
   */
  command?: string;
  /** Whether this kind runs a config (its raw keys; paths resolve against baseDir). Absent: any config. */
  accepts?(raw: Record<string, unknown>, baseDir: string): boolean | Promise<boolean>;
  /** One line for `--help`. */
  describe: string;
  /** What one replicate is called: "iteration", "simulation". */
  unit: string;
  /** The config key of the model file whose path decides how relative paths resolve (see readConfigFile); several: the first the config has. */
  modelKey: string | readonly string[];
  /** Validate a parsed config (note keys dropped, unknown keys refused); relative paths resolve against baseDir. */
  parseConfig(raw: unknown, source: string, baseDir: string): C;
  /** The config as JSON that parseConfig turns back into the same study (what a cluster task rebuilds it from). */
  portableConfig(config: C, cmdstanPath: string): Record<string, unknown>;
  /** The published study this kind's default config reproduces (its seed, its settings). */
  original: OriginalStudy<C>;
  /** Check and compile the models, make the design: the study ready for the replicate loop. */
  prepare(config: C, ctx: PrepareContext): Promise<KindStudy<S>>;
  /** The command's own flags (besides the study options every command takes). */
  cliOptions?: readonly KindCliOption[];
  /** How this kind runs a grid of cells, when its config can ask for one. */
  grid?: GridSupport<C, S>;
}
