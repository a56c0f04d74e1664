/** What bin/diagnose should report about a fit, computed from its CSV files (for the diagnose tests). */
import { readStanFit } from "../../src/cmdstan/stanCsv.js";

/** E-BFMI as bin/diagnose computes it (all chains' energy__ concatenated). */
export function pooledEbfmi(energy: Float64Array): number {
  let num = 0;
  for (let i = 1; i < energy.length; i++) num += (energy[i] - energy[i - 1]) ** 2;
  num /= energy.length - 1;
  const mean = energy.reduce((a, b) => a + b, 0) / energy.length;
  const v = energy.reduce((a, b) => a + (b - mean) ** 2, 0) / (energy.length - 1);
  return num / v;
}

/**
 * Half a unit of the last digit of a number as a CmdStan tool printed it ('0.09', '0.039448',
 * '1.2e-05'). The tools' precision differs by release and even by row (2.27's diagnose prints
 * E-BFMI with 2 significant digits, 2.33+ with 2 decimals; stansummary up to 2.35 writes some CSV
 * rows in fixed notation with fewer significant digits), so it is read from the text itself.
 */
export function printedHalfUnit(printed: string): number {
  const m = /^[-+]?\d*(?:\.(\d*))?(?:e([-+]?\d+))?$/i.exec(printed.trim());
  if (!m) throw new Error(`not a printed number: '${printed}'`);
  return 0.5 * 10 ** (Number(m[2] ?? 0) - (m[1]?.length ?? 0));
}

/** Divergences, transitions, draws at the maximum tree depth and pooled E-BFMI, from the CSVs. */
export async function fitFacts(files: string[]) {
  const fit = await readStanFit(files, { variables: ["divergent__", "energy__", "treedepth__"] });
  const sum = (col: string, f: (x: number) => number) =>
    fit.chains.reduce((s, c) => s + c.draws[col].reduce((a, x) => a + f(x), 0), 0);
  const maxDepth = fit.config.maxDepth ?? 10;
  const energy = Float64Array.from(fit.chains.flatMap((c) => Array.from(c.draws.energy__)));
  return {
    divergences: sum("divergent__", (x) => x),
    transitions: fit.chains.length * fit.chains[0].numDraws,
    atMaxDepth: sum("treedepth__", (x) => (x >= maxDepth ? 1 : 0)),
    maxDepth,
    ebfmi: pooledEbfmi(energy),
  };
}
