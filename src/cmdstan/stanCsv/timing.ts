/**
 * The timing block that ends sampler output:
 *
 *     #  Elapsed Time: 0.001332 seconds (Warm-up)
 *     #                0.000249 seconds (Sampling)
 *     #                0.001581 seconds (Total)
 */
import { StanCsvError } from "../../util/errors.js";
import type { Lines } from "./lines.js";
import { parseStanNumber } from "./numbers.js";
import type { StanTiming } from "./types.js";

const timingLine = (label: string) => new RegExp(`^(?:Elapsed Time:)?\\s*(\\S+)\\s+seconds\\s+\\(${label}\\)$`);
const WARMUP = timingLine("Warm-up");
const SAMPLING = timingLine("Sampling");
const TOTAL = timingLine("Total");

/** `firstContent` is the `Elapsed Time:` line already read (after '#', trimmed); the next two lines follow. */
export function readTiming(lines: Lines, firstContent: string): StanTiming {
  const get = (content: string, re: RegExp, label: string): number => {
    const m = re.exec(content);
    const v = m ? parseStanNumber(m[1]) : undefined;
    if (v === undefined)
      throw new StanCsvError(
        `malformed timing line, expected '<seconds> seconds (${label})', found '# ${content}'`,
        lines.file,
        lines.lineNo,
      );
    return v;
  };
  const warmup = get(firstContent, WARMUP, "Warm-up");
  const sampling = get(lines.needComment("the sampling time"), SAMPLING, "Sampling");
  const total = get(lines.needComment("the total time"), TOTAL, "Total");
  return { warmup, sampling, total };
}
