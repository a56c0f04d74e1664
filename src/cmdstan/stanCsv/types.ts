/** The types the Stan CSV reader returns (re-exported by src/cmdstan/stanCsv.ts). */

export interface StanCsvConfig {
  stanVersion: string;
  model: string;
  method: string;
  algorithm?: string;
  engine?: string;
  /** `metric` argument of HMC (diag_e, dense_e, unit_e) when present. */
  metric?: string;
  numSamples: number;
  numWarmup: number;
  saveWarmup: boolean;
  thin: number;
  adaptEngaged?: boolean;
  adaptDelta?: number;
  maxDepth?: number;
  seed?: number;
  chainId?: number;
  dataFile?: string;
  /**
   * Every `key = value` comment line before the header, keyed by its dotted path in the
   * argument tree (built from the indentation), value without the ` (Default)` suffix.
   * Examples: `stan_version_major`, `model`, `method`, `method.sample.num_samples`,
   * `method.sample.adapt.delta`, `method.sample.algorithm.hmc.engine.nuts.max_depth`,
   * `method.sample.algorithm.hmc.metric`, `id`, `data.file`, `random.seed`, `output.file`.
   */
  raw: Record<string, string>;
}

/** One output variable. `columnNames` are CSV column names (`beta.1.2`), in row-major order of the index. */
export interface StanVariable {
  name: string;
  dims: number[];
  columnNames: string[];
}

export interface StanAdaptation {
  stepSize: number;
  /** diag_e: the diagonal; dense_e: the matrix by rows; unit_e: []. */
  inverseMetric: number[] | number[][];
  metric: "diag_e" | "dense_e" | "unit_e";
}

/** The timing block, in seconds. */
export interface StanTiming {
  warmup: number;
  sampling: number;
  total: number;
}

export interface StanCsv {
  file: string;
  config: StanCsvConfig;
  /** Every column of the header row, in file order (also the unselected ones). */
  columnNames: string[];
  /** The selected variables (all when no subset was asked for), in file order. */
  variables: StanVariable[];
  /** Post-warmup draws of the selected columns, keyed by CSV column name (`alpha.3`). */
  draws: Record<string, Float64Array>;
  numDraws: number;
  numWarmupDraws: number;
  /** Saved warmup draws (save_warmup=1), same keys as `draws`; absent when none were saved. */
  warmupDraws?: Record<string, Float64Array>;
  adaptation?: StanAdaptation;
  timing?: StanTiming;
}

export interface ReadStanCsvOptions {
  /** Subset by variable name (`gamma0`, `alpha`); sampler columns (`lp__`, ...) by name too. */
  variables?: string[];
  /** Refuse files whose `method` is not this one (checked right after the comment header). */
  requireMethod?: "sample";
}

export interface StanFit {
  files: string[];
  chains: StanCsv[];
  variables: StanVariable[];
  config: StanCsvConfig;
}
