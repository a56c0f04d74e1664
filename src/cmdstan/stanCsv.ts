/**
 * Reader for the CSV files CmdStan writes (Stan CSV): the module every other file imports.
 *
 * A sampler output file is, in this order:
 *
 *     # stan_version_major = 2           comment header: the run's arguments as an indented
 *     # model = bernoulli_model          tree of `key = value` lines, `(Default)` marking
 *     # method = sample (Default)        values the user did not set
 *     #   sample
 *     #     num_samples = 1000 (Default)
 *     #     ...
 *     lp__,accept_stat__,...,theta       header row: one column per scalar, containers as
 *                                        name.i.j in column-major order (first index fastest)
 *     -6.9,0.93,...,0.21                 saved warmup draws (save_warmup=1 only)
 *     # Adaptation terminated            adaptation block (HMC only): step size, then the
 *     # Step size = 0.93                 inverse metric (diagonal on one line; dense
 *     # Diagonal elements of inverse mass matrix:   one line per row)
 *     # 1
 *     -7.0,0.88,...,0.25                 post-warmup draws, ceil(num_samples / thin) rows
 *     #  Elapsed Time: 0.01 seconds (Warm-up)       timing block
 *     #                0.02 seconds (Sampling)
 *     #                0.03 seconds (Total)
 *
 * The header comments are read by key, never by position (releases add, drop and reorder
 * them). Files of other methods (optimize, variational, pathfinder, ...) have the same comment
 * header and header row followed by plain rows; they are read generically.
 *
 * Each block has its own reader in stanCsv/, called in file order by stanCsv/read.ts:
 * config.ts (comment header), columns.ts (header row), draws.ts (the body: draws, counts),
 * adaptation.ts and timing.ts (their blocks), rows.ts (one draw row, the hot path) and
 * numbers.ts (strict number parsing); fit.ts reads the chains of one fit. Every row and every
 * count is validated: nothing is silently dropped or padded, and any deviation is a
 * StanCsvError that names the file, the line and the problem.
 */
export type {
  ReadStanCsvOptions,
  StanAdaptation,
  StanCsv,
  StanCsvConfig,
  StanFit,
  StanTiming,
  StanVariable,
} from "./stanCsv/types.js";
export { bracketName } from "./stanCsv/columns.js";
export { parseStanNumber } from "./stanCsv/numbers.js";
export { parseStanCsvText, readStanCsv } from "./stanCsv/read.js";
export { readStanFit } from "./stanCsv/fit.js";
