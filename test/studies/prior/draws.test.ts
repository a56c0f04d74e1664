/**
 * A block's draws: copied from CmdStan's CSV text (sampler columns dropped, each row labelled
 * with its parameter set and draw), refused when a run wrote other than it was asked for, and
 * read back with every value parsed (a bad one named with file and line) into prior_samples.csv.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BlockRows, PriorDraws } from "../../../src/studies/prior/draws.js";

const run = (rows: string[]) =>
  [
    "# stan_version_major = 2",
    "# method = sample (Default)",
    "lp__,accept_stat__,alpha,beta.1.1,beta.2.1,y.1",
    ...rows,
    "#  Elapsed Time: 0 seconds (Total)",
    "",
  ].join("\n");

describe("block draws", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-draws-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("labels each draw with its parameter set and draw, and drops the sampler columns", () => {
    const rows = new BlockRows();
    rows.addRun(run(["0,0,1.5,0.25,-1,2", "0,0,2.5,nan,1e-05,1"]), "a.csv", 2, 40, 2);
    rows.addRun(run(["0,0,3,0,0,3", "0,0,4,0,0,1"]), "b.csv", 2, 41, 1);
    expect(rows.text()).toBe(
      "param_set,draw,alpha,beta.1.1,beta.2.1,y.1\n40,0,1.5,0.25,-1,2\n40,1,2.5,nan,1e-05,1\n41,0,3,0,0,3\n42,0,4,0,0,1\n",
    );
  });

  it("refuses a run with other draws, fields or columns than asked for, naming file and line", () => {
    expect(() => new BlockRows().addRun(run(["0,0,1,2,3,4"]), "a.csv", 2, 0, 2)).toThrow("a.csv: 1 draws, expected 2");
    expect(() => new BlockRows().addRun(run(["0,0,1,2,3"]), "a.csv", 1, 0, 1)).toThrow("a.csv:4: 5 fields, expected 6");
    expect(() => new BlockRows().addRun(run(["0,0,1,2,3,4", "0,0,1,2,3,4"]), "a.csv", 1, 0, 1)).toThrow(
      "a.csv:5: more than the 1 draws asked for",
    );
    const rows = new BlockRows();
    rows.addRun(run(["0,0,1,2,3,4"]), "a.csv", 1, 0, 1);
    expect(() => rows.addRun(run(["0,0,1,2,3,4"]).replace("y.1", "z.1"), "b.csv", 1, 1, 1)).toThrow(
      "b.csv:3: its columns differ from the block's other runs",
    );
  });

  it("reads blocks back into prior_samples.csv (bracket names, param_set last, optional index)", async () => {
    const [a, b] = [path.join(dir, "a.csv"), path.join(dir, "b.csv")];
    const r1 = new BlockRows();
    r1.addRun(run(["0,0,1.5,0.25,-1,2"]), "x", 1, 0, 1);
    const r2 = new BlockRows();
    r2.addRun(run(["0,0,2.5,-0,inf,1"]), "x", 1, 1, 1);
    await writeFile(a, r1.text());
    await writeFile(b, r2.text());
    const draws = new PriorDraws();
    await draws.addBlockFile(a);
    await draws.addBlockFile(b);
    expect(draws.rows).toBe(2);
    expect(draws.column("beta", 2, 1)).toEqual([-1, Infinity]);
    expect(draws.columnsOf("beta")).toEqual(["beta.1.1", "beta.2.1"]);
    expect(draws.samplesCsv(false)).toBe(
      'alpha,"beta[1,1]","beta[2,1]",y[1],param_set\n1.5,0.25,-1,2,0\n2.5,0,inf,1,1\n',
    );
    expect(draws.samplesCsv(true).split("\n")[2]).toBe("1,2.5,0,inf,1,1");
  });

  it("names a bad value of a block file with its line", async () => {
    const file = path.join(dir, "bad.csv");
    await writeFile(file, "param_set,draw,alpha\n0,0,1.5\n1,0,abc\n");
    await expect(new PriorDraws().addBlockFile(file)).rejects.toThrow(`${file}:3: alpha: 'abc' is not a number`);
  });
});
