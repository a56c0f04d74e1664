/** The chains of one fit: read together, and checked to belong together. */
import { StanCsvError } from "../../util/errors.js";
import { configLine } from "./config.js";
import { readStanCsv } from "./read.js";
import type { ReadStanCsvOptions, StanCsv, StanFit } from "./types.js";

/**
 * Read the chains of one fit and check they belong together: same method, model, columns,
 * num_samples and thin. A disagreement is a StanCsvError naming the file that differs from
 * the first one.
 */
export async function readStanFit(files: string[], opts: ReadStanCsvOptions = {}): Promise<StanFit> {
  if (files.length === 0) throw new StanCsvError("no CSV files given for the fit", "(none)");
  const chains = await readInFileOrder(files, opts);
  const ref = chains[0];
  for (let c = 1; c < chains.length; c++) checkAgreement(ref, chains[c]);
  return { files: [...files], chains, variables: ref.variables, config: ref.config };
}

/**
 * Reads in parallel but reports failures in file order: with Promise.all the file named in the
 * error would be whichever chain happened to fail first on a busy machine.
 */
async function readInFileOrder(files: string[], opts: ReadStanCsvOptions): Promise<StanCsv[]> {
  const settled = await Promise.allSettled(files.map((f) => readStanCsv(f, opts)));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<StanCsv>).value);
}

/** `ch` against the first chain `ref`: same method, model, num_samples, thin, columns and number of draws. */
function checkAgreement(ref: StanCsv, ch: StanCsv): void {
  const a = ref.config;
  const b = ch.config;
  const differ = (what: string, key: string, x: unknown, y: unknown): never => {
    throw new StanCsvError(
      `${what} ${JSON.stringify(y)} differs from ${JSON.stringify(x)} in ${ref.file} (chains of one fit must agree)`,
      ch.file,
      configLine(b, key),
    );
  };
  if (a.method !== b.method) differ("method", "method", a.method, b.method);
  if (a.model !== b.model) differ("model", "model", a.model, b.model);
  if (a.numSamples !== b.numSamples) differ("num_samples", "method.sample.num_samples", a.numSamples, b.numSamples);
  if (a.thin !== b.thin) differ("thin", "method.sample.thin", a.thin, b.thin);
  if (ref.columnNames.length !== ch.columnNames.length || ref.columnNames.some((n, i) => n !== ch.columnNames[i])) {
    const i = ref.columnNames.findIndex((n, k) => n !== ch.columnNames[k]);
    const detail =
      i >= 0 && i < ch.columnNames.length
        ? `column ${i + 1} is '${ch.columnNames[i]}', ${ref.file} has '${ref.columnNames[i] ?? "(none)"}'`
        : `${ch.columnNames.length} columns, ${ref.file} has ${ref.columnNames.length}`;
    throw new StanCsvError(`header columns differ from the first chain: ${detail}`, ch.file);
  }
  if (ref.numDraws !== ch.numDraws)
    throw new StanCsvError(`${ch.numDraws} draws, ${ref.file} has ${ref.numDraws}`, ch.file);
}
