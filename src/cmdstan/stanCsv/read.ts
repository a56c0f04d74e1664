/** One Stan CSV file: the driver that runs the per-block readers in file order. */
import { readFile } from "node:fs/promises";
import { StanCsvError } from "../../util/errors.js";
import { readColumnNames } from "./columns.js";
import { readConfigHeader } from "./config.js";
import { readOtherBody, readSamplingBody } from "./draws.js";
import { Lines } from "./lines.js";
import { makeRowReader } from "./rows.js";
import type { ReadStanCsvOptions, StanCsv } from "./types.js";

/**
 * Read one Stan CSV file. For method=sample every count is checked; other methods are read
 * generically (header plus numeric rows, surrounding spaces in fields tolerated as pathfinder
 * writes them) unless `requireMethod` refuses them.
 */
export async function readStanCsv(file: string, opts: ReadStanCsvOptions = {}): Promise<StanCsv> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (e) {
    throw new StanCsvError(`cannot read file: ${(e as Error).message}`, file);
  }
  return parseStanCsv(bytes.toString("utf8"), file, opts, bytes);
}

/** The parser behind readStanCsv, on text already in memory (`file` is used in messages). */
export function parseStanCsvText(text: string, file: string, opts: ReadStanCsvOptions = {}): StanCsv {
  return parseStanCsv(text, file, opts);
}

/** `fileBytes`: the bytes `text` was decoded from, which the draw scanner reads directly when they are ASCII. */
function parseStanCsv(text: string, file: string, opts: ReadStanCsvOptions, fileBytes?: Uint8Array): StanCsv {
  const lines = new Lines(text, file);
  const { config, header, headerLine } = readConfigHeader(lines, opts.requireMethod);
  const columns = readColumnNames(file, header, headerLine, opts.variables);
  const isSample = config.method === "sample";
  const readRow = makeRowReader(text, fileBytes, {
    file,
    columnNames: columns.columnNames,
    slot: columns.slot,
    tolerateSpaces: !isSample,
  });
  const body = isSample
    ? readSamplingBody(lines, config, columns, readRow, headerLine)
    : readOtherBody(lines, columns, readRow);
  // The body has warmupDraws, adaptation and timing only when the file has them.
  return { file, config, columnNames: columns.columnNames, variables: columns.variables, ...body };
}
