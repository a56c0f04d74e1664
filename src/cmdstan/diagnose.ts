/**
 * CmdStan's `bin/diagnose`: run it on a fit's CSV files, and read its text with exactly the
 * rules the report uses (docs/recovery.md "Reading diagnostics.txt").
 */
import { access } from "node:fs/promises";
import path from "node:path";
import { execa } from "execa";
import { CmdStanRunError } from "../util/errors.js";

export interface DiagnoseReading {
  divergences: number;
  transitions: number;
  ebfmiOk: boolean;
  treedepthMentioned: boolean;
}

const DIVERGENCE_RE = /(\d+)\s+of\s+(\d+)\s+\(.*?\)\s+transitions ended with a divergence/;

/**
 * docs/recovery.md "Reading diagnostics.txt", to the letter:
 * - divergences / transitions from the first match of
 *   `(\d+)\s+of\s+(\d+)\s+\(.*?\)\s+transitions ended with a divergence`;
 *   otherwise, `No divergent transitions found` (or nothing at all) gives 0 divergences;
 * - transitions default to `defaultTransitions` (chains x draws) where the regex did not match;
 * - ebfmiOk: case-insensitive `E-BFMI satisfactory`;
 * - treedepthMentioned: case-insensitive `treedepth` anywhere in the text.
 */
export function parseDiagnose(text: string, defaultTransitions: number): DiagnoseReading {
  let divergences = 0;
  let transitions = defaultTransitions;
  const m = DIVERGENCE_RE.exec(text);
  if (m) {
    divergences = Number(m[1]);
    transitions = Number(m[2]);
  } else if (text.includes("No divergent transitions found")) {
    divergences = 0;
  }
  return {
    divergences,
    transitions,
    ebfmiOk: /E-BFMI satisfactory/i.test(text),
    treedepthMentioned: /treedepth/i.test(text),
  };
}

/**
 * The checks of bin/diagnose that report a problem, by name ("treedepth", "divergences",
 * "e-bfmi", "effective sample size", "r-hat"); empty when it says no problems were detected.
 * Each check is read by its healthy sentence (the wording of 2.27 to 2.37), so a check whose
 * sentence is missing counts as a problem.
 */
export function diagnoseProblems(text: string, defaultTransitions: number): string[] {
  if (/no problems detected/i.test(text)) return [];
  const checks: [string, boolean][] = [
    ["treedepth", /Treedepth satisfactory/i.test(text)],
    ["divergences", parseDiagnose(text, defaultTransitions).divergences === 0],
    ["e-bfmi", /E-BFMI satisfactory/i.test(text)],
    ["effective sample size", /effective sample size satisfactory/i.test(text)],
    ["r-hat", /R-hat values satisfactory/i.test(text)],
  ];
  const failed = checks.filter(([, ok]) => !ok).map(([name]) => name);
  return failed.length ? failed : ["unrecognised output"];
}

function tail(text: string, lines = 20): string {
  return text.split("\n").slice(-lines).join("\n").trim();
}

/**
 * Run `${cmdstanPath}/bin/diagnose` on the CSV files and return its stdout. Diagnose's own
 * "File ... not found" / "No valid input files" report (on stdout; it exits 0 up to 2.33 and 1
 * from 2.37), a non-zero exit or a signal is a CmdStanRunError carrying the tail of its output.
 */
export async function runDiagnose(cmdstanPath: string, csvFiles: string[]): Promise<string> {
  const exe = path.join(cmdstanPath, "bin", "diagnose");
  if (csvFiles.length === 0)
    throw new CmdStanRunError(`${exe}: no CSV files to diagnose`, undefined, undefined, false, "");
  try {
    await access(exe);
  } catch {
    throw new CmdStanRunError(
      `${exe} not found: is ${cmdstanPath} a built CmdStan installation?`,
      undefined,
      undefined,
      false,
      "",
    );
  }
  const r = await execa(exe, csvFiles, { reject: false, all: true, stripFinalNewline: false });
  const stdout = r.stdout ?? "";
  const missing = stdout.split("\n").filter((l) => /^File .* not found$/.test(l));
  if (missing.length > 0 || /No valid input files/.test(stdout))
    throw new CmdStanRunError(
      `${exe} could not read its input: ${missing.join("; ") || "No valid input files"}`,
      r.exitCode,
      undefined,
      false,
      tail(stdout),
    );
  const stderrTail = tail(r.stderr ?? "");
  if (r.failed || r.exitCode !== 0) {
    const why = r.timedOut
      ? "timed out"
      : r.signal
        ? `was killed by ${r.signal}`
        : r.exitCode !== undefined
          ? `exited with code ${r.exitCode}`
          : `failed to start (${r.shortMessage ?? r.message})`;
    throw new CmdStanRunError(
      `${exe} ${why} on ${csvFiles.join(" ")}${stderrTail ? `:\n${stderrTail}` : ""}`,
      r.exitCode,
      r.signal,
      Boolean(r.timedOut),
      stderrTail || tail(r.stdout ?? ""),
    );
  }
  return stdout;
}
