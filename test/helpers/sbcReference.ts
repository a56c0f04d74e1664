/** scipy / numpy / ArviZ reference values for the SBC statistics (test/helpers/sbcReference.py, run in the project's .venv). */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";
import { PYTHON, requirePython } from "./arviz.js";

const SCRIPT = fileURLToPath(new URL("./sbcReference.py", import.meta.url));

export interface SbcReferenceRequest {
  chi2_sf?: [number, number][];
  kstwo_sf?: [number, number][];
  smirnov?: [number, number][];
  binom_interval?: [number, number, number][];
  kstest?: number[][];
  chisquare?: [number[], number[] | null][];
  histogram?: [number[], number, number, number][];
  minimize_bounded?: [string, number, number][];
  ecdf_band?: { n: number; eval_points: number[]; cdf: number[]; exact_counts?: boolean }[];
}

export interface SbcReferenceAnswer {
  chi2_sf: number[];
  kstwo_sf: number[];
  smirnov: number[];
  binom_interval: [number, number][];
  kstest: [number, number][];
  chisquare: [number, number][];
  histogram: number[][];
  histogram_chisquare: [number, number][];
  minimize_bounded: number[];
  ecdf_band: { lower: number[]; upper: number[]; level: number }[];
}

/** Ask scipy / ArviZ for the values of `req` (one Python process). */
export async function sbcReference(req: SbcReferenceRequest): Promise<SbcReferenceAnswer> {
  requirePython();
  const dir = await mkdtemp(path.join(tmpdir(), "sbc-ref-"));
  try {
    const input = path.join(dir, "request.json");
    await writeFile(input, JSON.stringify(req));
    const { stdout } = await execa(PYTHON, [SCRIPT, input]);
    return JSON.parse(stdout) as SbcReferenceAnswer;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
