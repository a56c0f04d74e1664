/**
 * Column-subset copies of Stan CSV files (real CmdStan files from test/fixtures/cmdstan-csv): the
 * copy reads back as the same draws of the variables kept, with every comment line as it was,
 * and a row cut short is refused naming the file and the line.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { stanCsvSubset, writeStanCsvSubset } from "../../src/cmdstan/csvSubset.js";
import { parseStanCsvText } from "../../src/cmdstan/stanCsv.js";
import { StanCsvError } from "../../src/util/errors.js";
import { CSV_FIXTURES } from "../helpers/cmdstan.js";

const fixture = (name: string) => readFileSync(path.join(CSV_FIXTURES, name));

describe("stanCsvSubset", () => {
  it("keeps the sampler columns and the variables asked for, in file order, with the same draws", () => {
    const bytes = fixture("multidim_vars.csv");
    const subset = stanCsvSubset(bytes, ["beta"]);
    const copy = parseStanCsvText(subset.toString("utf8"), "copy.csv", { requireMethod: "sample" });
    const full = parseStanCsvText(bytes.toString("utf8"), "full.csv", { requireMethod: "sample" });
    expect(copy.columnNames).toEqual([
      "lp__",
      "accept_stat__",
      "stepsize__",
      "treedepth__",
      "n_leapfrog__",
      "divergent__",
      "energy__",
      "beta.1",
      "beta.2",
    ]);
    for (const col of copy.columnNames) expect(copy.draws[col]).toEqual(full.draws[col]);
    expect(copy.numDraws).toBe(full.numDraws);
    expect(copy.adaptation).toEqual(full.adaptation);
    // Every comment line (configuration, adaptation, timing) is kept as it was.
    const comments = (b: Buffer) =>
      b
        .toString("utf8")
        .split("\n")
        .filter((l) => l.startsWith("#"));
    expect(comments(subset)).toEqual(comments(bytes));
  });

  it("keeps the variable at the end of the row; asked for every variable, it copies the file", () => {
    const bytes = fixture("multidim_vars.csv");
    const last = parseStanCsvText(stanCsvSubset(bytes, ["frac_60"]).toString("utf8"), "copy.csv");
    expect(last.columnNames.slice(7)).toEqual(["frac_60"]);
    const all = ["beta", "y_rep", "frac_60"];
    expect(stanCsvSubset(bytes, all).toString("utf8")).toBe(bytes.toString("utf8").replace(/\n?$/, "\n"));
  });

  it("refuses a row with fewer fields than the last column kept, naming the file and line", () => {
    const text = fixture("runset-good_bern-1.csv").toString("utf8");
    const lines = text.split("\n");
    const row = lines.findIndex((l) => /^-?\d/.test(l));
    lines[row + 2] = lines[row + 2].split(",").slice(0, 3).join(",");
    let err: unknown;
    try {
      stanCsvSubset(Buffer.from(lines.join("\n")), ["theta"], "bern.csv");
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(StanCsvError);
    expect((err as Error).message).toContain("bern.csv");
    expect((err as Error).message).toMatch(new RegExp(`${row + 3}`));
    expect((err as Error).message).toMatch(/row has 3 fields, expected at least 8/);
  });

  it("writes the same bytes streaming a file through a small buffer (lines cut between reads, longer than the buffer)", async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), "cr-subset-"));
    try {
      for (const [name, vars] of [
        ["multidim_vars.csv", ["beta"]],
        ["logistic_output_1.csv", ["beta"]],
        ["diagnose-good_corr_gauss_depth8-1.csv", ["x"]],
      ] as const) {
        const out = path.join(dir, "sub", name);
        for (const chunk of [64, 1000, 1 << 22]) {
          await writeStanCsvSubset(path.join(CSV_FIXTURES, name), out, vars, chunk);
          const same = (await readFile(out)).equals(stanCsvSubset(fixture(name), vars));
          expect(same, `${name}, chunk ${chunk}`).toBe(true);
        }
      }
      await expect(writeStanCsvSubset(path.join(dir, "none.csv"), path.join(dir, "o.csv"), ["x"])).rejects.toThrow(
        /none\.csv.*cannot read file/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
