/** Run ArviZ (the project's .venv) on draws and return its diagnostics, for comparison tests. */
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { execa } from "execa";

export const PYTHON = path.resolve(fileURLToPath(new URL("../../.venv/bin/python", import.meta.url)));
const SCRIPT = fileURLToPath(new URL("./arvizReference.py", import.meta.url));

export interface ArvizValues {
  rhat: number;
  ess_bulk: number;
  ess_tail: number;
  ess_mean: number;
  mcse_mean: number;
  mean: number;
  sd: number;
}

/** Throws (fails the test) when the Python environment is missing: these tests must not skip. */
export function requirePython(): void {
  if (!existsSync(PYTHON) || !existsSync(path.join(path.dirname(path.dirname(PYTHON)), ".installed")))
    throw new Error(`ArviZ reference needs ${PYTHON} with .venv/.installed: run \`make pyenv\``);
}

export async function arvizDiagnostics(vars: Record<string, Float64Array[]>): Promise<Record<string, ArvizValues>> {
  requirePython();
  const dir = await mkdtemp(path.join(tmpdir(), "arviz-ref-"));
  try {
    const input = path.join(dir, "draws.json");
    const payload: Record<string, number[][]> = {};
    for (const [name, chains] of Object.entries(vars)) payload[name] = chains.map((c) => Array.from(c));
    await writeFile(input, JSON.stringify(payload));
    const { stdout } = await execa(PYTHON, [SCRIPT, input]);
    const raw = JSON.parse(stdout) as Record<string, Record<string, number | string | null>>;
    const num = (x: number | string | null): number =>
      x === null ? NaN : x === "inf" ? Infinity : x === "-inf" ? -Infinity : Number(x);
    const out: Record<string, ArvizValues> = {};
    for (const [name, v] of Object.entries(raw)) {
      const conv = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, num(x)]));
      out[name] = conv as unknown as ArvizValues;
    }
    return out;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
