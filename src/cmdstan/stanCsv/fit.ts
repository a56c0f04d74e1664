/** The chains of one fit: read together, and checked to belong together. */
import path from "node:path";
import { StanCsvError } from "../../util/errors.js";
import { configLine } from "./config.js";
import { readStanCsv } from "./read.js";
import type { ReadStanCsvOptions, StanCsv, StanFit } from "./types.js";

/**
 * Read the chains of one fit and check that they belong together (same method, model, columns,
 * num_samples, thin and number of draws) and that they are distinct chains of one run (no file
 * given twice, no chain given twice: same chain id and seed; one data file for all). A failed
 * check is a StanCsvError naming the later of the two files that disagree.
 */
export async function readStanFit(files: string[], opts: ReadStanCsvOptions = {}): Promise<StanFit> {
  if (files.length === 0) throw new StanCsvError("no CSV files given for the fit", "(none)");
  const chains = await readInFileOrder(files, opts);
  const ref = chains[0];
  for (let c = 1; c < chains.length; c++) checkAgreement(ref, chains[c]);
  checkOneRun(chains);
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

/**
 * The chains must be distinct chains of one run: pooling a chain with itself, or chains fitted
 * to different data, gives a summary that looks sound and is not.
 */
function checkOneRun(chains: StanCsv[]): void {
  const seenPath = new Map<string, string>();
  const seenChain = new Map<string, string>();
  const ref = chains[0];
  for (const ch of chains) {
    const abs = path.resolve(ch.file);
    const twice = seenPath.get(abs);
    if (twice !== undefined)
      throw new StanCsvError(
        `given twice${twice === ch.file ? "" : ` (also as ${twice})`}; each chain must be given once`,
        ch.file,
      );
    seenPath.set(abs, ch.file);
    const { chainId, seed, dataFile } = ch.config;
    // A copy of a chain has another path; chain id and seed together tell it (files of one
    // run share the seed and differ in the id).
    if (chainId !== undefined && seed !== undefined) {
      const key = `${chainId}/${seed}`;
      const other = seenChain.get(key);
      if (other !== undefined)
        throw new StanCsvError(
          `chain id ${chainId} with seed ${seed} is the same chain as ${other} (a copy, or chains of two runs)`,
          ch.file,
        );
      seenChain.set(key, ch.file);
    }
    if (ch !== ref && (dataFile ?? "") !== (ref.config.dataFile ?? ""))
      throw new StanCsvError(
        `data file ${JSON.stringify(dataFile ?? "")} differs from ${JSON.stringify(ref.config.dataFile ?? "")} in ${ref.file} (chains of one fit must agree)`,
        ch.file,
      );
  }
}
