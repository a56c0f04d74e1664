/**
 * The body of a Stan CSV file, after the header row. For HMC sampling it is, in this order:
 * the saved warmup draws (save_warmup=1 only), the adaptation block, the post-warmup draws and
 * the timing block; fixed_param output has no adaptation block. Every count is checked
 * against num_warmup, num_samples, thin and save_warmup: nothing is silently dropped or padded.
 * Other methods' files are read generically: their numeric rows, comment lines skipped.
 */
import { StanCsvError } from "../../util/errors.js";
import { readAdaptation } from "./adaptation.js";
import type { ColumnSelection } from "./columns.js";
import type { Lines } from "./lines.js";
import type { RowReader } from "./rows.js";
import { readTiming } from "./timing.js";
import type { StanAdaptation, StanCsv, StanCsvConfig, StanTiming } from "./types.js";

/** The part of a StanCsv the body gives. */
export type Body = Pick<StanCsv, "draws" | "numDraws" | "numWarmupDraws" | "warmupDraws" | "adaptation" | "timing">;

function ceilDiv(a: number, b: number): number {
  return Math.floor((a + b - 1) / b);
}

/** A draw line must end in a newline (else the file was cut off mid-row) and hold something. */
function checkDrawLine(lines: Lines, line: string): void {
  if (!lines.terminated)
    throw new StanCsvError(
      `last line is not terminated by a newline: the file was cut off (truncated draw)`,
      lines.file,
      lines.lineNo,
    );
  if (line.trim() === "") throw new StanCsvError("empty line among the draws", lines.file, lines.lineNo);
}

function byName(names: string[], columns: Float64Array[]): Record<string, Float64Array> {
  const out: Record<string, Float64Array> = {};
  names.forEach((c, s) => (out[c] = columns[s]));
  return out;
}

/** Output of another method: every non-comment line is a row; their number is not known in advance. */
export function readOtherBody(lines: Lines, columns: ColumnSelection, readRow: RowReader): Body {
  const nsel = columns.slotNames.length;
  let target: Float64Array[] = Array.from({ length: nsel }, () => new Float64Array(64));
  let n = 0;
  let line: string | null;
  while ((line = lines.next()) !== null) {
    if (line.startsWith("#")) continue; // other methods: comment lines carry nothing we read
    checkDrawLine(lines, line);
    if (n === target[0]?.length) target = target.map((a) => growTo(a, 2 * a.length));
    readRow(lines.lineStart, lines.lineEnd, lines.lineNo, target, n);
    n++;
  }
  return {
    draws: byName(
      columns.slotNames,
      target.map((a) => a.slice(0, n)),
    ),
    numDraws: n,
    numWarmupDraws: 0,
  };
}

function growTo(a: Float64Array, length: number): Float64Array {
  const b = new Float64Array(length);
  b.set(a);
  return b;
}

/** Sampler output: the blocks in the order CmdStan writes them, with every count checked. */
export function readSamplingBody(
  lines: Lines,
  config: StanCsvConfig,
  columns: ColumnSelection,
  readRow: RowReader,
  headerLine: number,
): Body {
  const body = new SamplingBody(lines, config, columns, readRow, headerLine);
  let line: string | null;
  while ((line = lines.next()) !== null) {
    if (line.startsWith("#")) body.comment(line.slice(1).trim());
    else body.draw(line);
  }
  return body.finish();
}

/** Where the reader is in the sequence warmup draws, adaptation, post-warmup draws, timing. */
type Stage = "warmup" | "sampling" | "done";

class SamplingBody {
  /** HMC output (it has the stepsize__ column) has an adaptation block; fixed_param output has none. */
  private readonly isHmc: boolean;
  private readonly expectedWarmup: number;
  private readonly expectedDraws: number;
  private readonly warm: Float64Array[];
  private readonly post: Float64Array[];
  private stage: Stage;
  private nWarm = 0;
  private nPost = 0;
  private lastLine: number;
  private adaptation?: StanAdaptation;
  private timing?: StanTiming;

  constructor(
    private readonly lines: Lines,
    private readonly config: StanCsvConfig,
    private readonly columns: ColumnSelection,
    private readonly readRow: RowReader,
    headerLine: number,
  ) {
    this.isHmc = columns.columnNames.includes("stepsize__");
    this.expectedWarmup = this.isHmc && config.saveWarmup ? ceilDiv(config.numWarmup, config.thin) : 0;
    this.expectedDraws = ceilDiv(config.numSamples, config.thin);
    const nsel = columns.slotNames.length;
    this.warm = Array.from({ length: nsel }, () => new Float64Array(this.expectedWarmup));
    this.post = Array.from({ length: nsel }, () => new Float64Array(this.expectedDraws));
    this.stage = this.isHmc ? "warmup" : "sampling";
    this.lastLine = headerLine;
  }

  /** A comment line (after '#', trimmed): the start of the adaptation or the timing block, or free text. */
  comment(content: string): void {
    if (content === "Adaptation terminated") this.adaptationBlock();
    else if (content.startsWith("Elapsed Time:")) this.timingBlock(content);
    // Other comments (blank '#', free text of newer releases) carry nothing we read.
  }

  private adaptationBlock(): void {
    const { lines, config } = this;
    if (this.stage !== "warmup")
      throw new StanCsvError(
        this.isHmc
          ? `second adaptation block`
          : `adaptation block in output without HMC sampler columns (no stepsize__)`,
        lines.file,
        lines.lineNo,
      );
    if (this.nWarm !== this.expectedWarmup)
      throw new StanCsvError(
        `${this.nWarm} warmup draws before the adaptation block, expected ${this.expectedWarmup} (save_warmup=${config.saveWarmup ? 1 : 0}, num_warmup=${config.numWarmup}, thin=${config.thin})`,
        lines.file,
        lines.lineNo,
      );
    this.adaptation = readAdaptation(lines, config.metric);
    this.stage = "sampling";
  }

  private timingBlock(content: string): void {
    const { lines } = this;
    if (this.stage === "warmup")
      throw new StanCsvError(
        `timing block before the adaptation block (no '# Adaptation terminated' in HMC output)`,
        lines.file,
        lines.lineNo,
      );
    if (this.timing) throw new StanCsvError("second timing block", lines.file, lines.lineNo);
    this.timing = readTiming(lines, content);
    this.stage = "done";
  }

  draw(line: string): void {
    const { lines, config } = this;
    const lineNo = lines.lineNo;
    checkDrawLine(lines, line);
    this.lastLine = lineNo;
    if (this.stage === "done") throw new StanCsvError("draw after the timing block", lines.file, lineNo);
    if (this.stage === "warmup") {
      if (!config.saveWarmup)
        throw new StanCsvError(
          `draw found where the adaptation block ('# Adaptation terminated', '# Step size = ...', inverse metric) was expected (save_warmup=0, HMC output)`,
          lines.file,
          lineNo,
        );
      if (this.nWarm >= this.expectedWarmup)
        throw new StanCsvError(
          `more than ${this.expectedWarmup} warmup draws (num_warmup=${config.numWarmup}, thin=${config.thin}) before the adaptation block (block missing?)`,
          lines.file,
          lineNo,
        );
      this.readRow(lines.lineStart, lines.lineEnd, lineNo, this.warm, this.nWarm);
      this.nWarm++;
      return;
    }
    if (this.nPost >= this.expectedDraws)
      throw new StanCsvError(
        `more than the ${this.expectedDraws} post-warmup draws expected (num_samples=${config.numSamples}, thin=${config.thin})`,
        lines.file,
        lineNo,
      );
    this.readRow(lines.lineStart, lines.lineEnd, lineNo, this.post, this.nPost);
    this.nPost++;
  }

  /** At the end of the file: the adaptation block was there (HMC) and no post-warmup draw is missing. */
  finish(): Body {
    const { lines, config } = this;
    if (this.stage === "warmup")
      throw new StanCsvError(
        `no adaptation block ('# Adaptation terminated', '# Step size = ...', inverse metric) in HMC output` +
          (this.nWarm > 0 ? ` after ${this.nWarm} warmup draws` : ""),
        lines.file,
        lines.lineNo,
      );
    if (this.nPost !== this.expectedDraws)
      throw new StanCsvError(
        `${this.nPost} post-warmup draws, expected ${this.expectedDraws} (num_samples=${config.numSamples}, thin=${config.thin}): file incomplete`,
        lines.file,
        this.lastLine,
      );
    const body: Body = {
      draws: byName(this.columns.slotNames, this.post),
      numDraws: this.nPost,
      numWarmupDraws: this.nWarm,
    };
    if (this.expectedWarmup > 0) body.warmupDraws = byName(this.columns.slotNames, this.warm);
    if (this.adaptation) body.adaptation = this.adaptation;
    if (this.timing) body.timing = this.timing;
    return body;
  }
}
