/**
 * Grids (src/pipeline/grid.ts) with fake cells and a fake executor, in seconds: every fit of every
 * cell in one run, the longest first; each cell summarised from its own records in its own folder
 * with its own manifest and fingerprint; a grid grown by a cell keeps the finished fits; a cell
 * made under another configuration is refused by name; an interrupted grid resumes to the same
 * summaries; the grid's recipe carries its cells. The real grid (CmdStan, the power kind, the
 * CLI killed part way) is tested in test/studies/power/.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { composeGrid, gridIndex } from "../../src/pipeline/grid.js";
import type { ReplicateRecord } from "../../src/pipeline/records.js";
import { InterruptedError, runReplicates } from "../../src/pipeline/replicates.js";
import { fingerprintHash } from "../../src/pipeline/studyFolder.js";
import { FakeExecutor, fakeStudy, quiet, type FakeSummary } from "../helpers/fakeStudy.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "cr-grid-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface CellSpec {
  name: string;
  count: number;
  cost: number;
  seed?: number;
  fails?: number[];
}

const CELLS: CellSpec[] = [
  { name: "small", count: 2, cost: 1 },
  { name: "large", count: 3, cost: 10 },
  { name: "medium", count: 2, cost: 5 },
];

/** A grid of fake cells; `seen` collects what onReplicateFinished was shown. */
function grid(cells: CellSpec[], seen: { cell: string; latest: number; n: number }[] = []) {
  const parts = cells.map((c) => {
    const study = fakeStudy(path.join(dir, c.name), { count: c.count, seed: c.seed, fails: c.fails });
    study.onReplicateFinished = async (records, latest) => void seen.push({ cell: c.name, latest, n: records.size });
    return { name: c.name, study, cost: c.cost };
  });
  return composeGrid({
    command: "fake",
    unit: "replicate",
    outputDir: dir,
    cores: 1,
    recipe: { kind: "fake", config: {}, cells: cells.map((c) => ({ name: c.name, set: { n: c.count } })) },
    parts,
    summarize: async (summaries: { name: string; summary: FakeSummary }[]) => summaries,
  });
}

describe("a grid of cells as one study", () => {
  it("maps replicate j to (cell, i) in cell order, and refuses one outside", () => {
    const { total, locate } = gridIndex(CELLS.map((c) => ({ study: { count: c.count } })));
    expect(total).toBe(7);
    expect([1, 2, 3, 5, 6, 7].map((j) => locate(j))).toEqual([
      { part: 0, i: 1 },
      { part: 0, i: 2 },
      { part: 1, i: 1 },
      { part: 1, i: 3 },
      { part: 2, i: 1 },
      { part: 2, i: 2 },
    ]);
    expect(() => locate(8)).toThrow(/outside 1\.\.7/);
  });

  it("runs every fit of every cell in one pool, longest first, each cell summarised from its own records", async () => {
    const seen: { cell: string; latest: number; n: number }[] = [];
    const executor = new FakeExecutor();
    const r = await runReplicates(async () => grid(CELLS, seen), { ...quiet, executor });
    // large (cost 10) first, then medium (5), then small (1); within a cell, in order.
    expect(executor.asked).toEqual([[3, 4, 5, 6, 7, 1, 2]]);
    expect(r.summary.map((c) => c.name)).toEqual(["small", "large", "medium"]);
    expect(r.summary.map((c) => c.summary.ok)).toEqual([
      [1, 2],
      [1, 2, 3],
      [1, 2],
    ]);
    expect(r.summary[1].summary.values[3]).toBe("value 3");
    // Each cell's outputs followed its own records as they finished.
    expect(seen.filter((s) => s.cell === "large").map((s) => [s.latest, s.n])).toEqual([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    // Each cell folder is a study of its own: its manifest and its fingerprint in its records.
    for (const c of CELLS) {
      const manifest = JSON.parse(await readFile(path.join(dir, c.name, "study_manifest.json"), "utf8"));
      expect(manifest.fingerprint).toEqual({ seed: 1 });
      const record: ReplicateRecord = JSON.parse(
        await readFile(path.join(dir, c.name, "rep_1", "record.json"), "utf8"),
      );
      expect(record.fingerprint).toBe(fingerprintHash({ seed: 1 }));
    }
    const gridManifest = JSON.parse(await readFile(path.join(dir, "study_manifest.json"), "utf8"));
    expect(gridManifest.fingerprint).toEqual({ grid_of: "fake" });
    expect(existsSync(path.join(dir, "timing.json"))).toBe(true);
  });

  it("keeps every finished fit when the grid grows by a cell, and runs only the new cell's", async () => {
    await runReplicates(async () => grid(CELLS), { ...quiet, executor: new FakeExecutor() });
    const grown = [...CELLS, { name: "extra", count: 2, cost: 3 }];
    const executor = new FakeExecutor();
    const r = await runReplicates(async () => grid(grown), { ...quiet, executor });
    expect(executor.asked).toEqual([[8, 9]]);
    expect(r.resumed).toBe(7);
    expect(r.summary.map((c) => c.summary.ok.length)).toEqual([2, 3, 2, 2]);
  });

  it("refuses, naming the cell's folder, a cell made under another configuration", async () => {
    await runReplicates(async () => grid(CELLS), { ...quiet, executor: new FakeExecutor() });
    const changed = CELLS.map((c) => (c.name === "medium" ? { ...c, seed: 2 } : c));
    const err = await runReplicates(async () => grid(changed), { ...quiet, executor: new FakeExecutor() }).catch(
      (e: unknown) => e,
    );
    expect((err as Error).message).toMatch(
      new RegExp(`${path.join(dir, "medium")} holds a study made with another configuration \\(differs in: seed\\)`),
    );
  });

  it("an interrupted grid keeps what finished and resumes to the same summaries", async () => {
    const whole = await runReplicates(async () => grid(CELLS), { ...quiet, executor: new FakeExecutor() });
    await rm(dir, { recursive: true, force: true });
    const controller = new AbortController();
    const stopped = await runReplicates(async () => grid(CELLS), {
      ...quiet,
      signal: controller.signal,
      executor: new FakeExecutor({ abortAfter: 4, controller }),
    }).catch((e: unknown) => e);
    expect(stopped).toBeInstanceOf(InterruptedError);
    const executor = new FakeExecutor();
    const resumed = await runReplicates(async () => grid(CELLS), { ...quiet, executor });
    expect(executor.asked[0]).toHaveLength(3);
    expect(resumed.resumed).toBe(4);
    expect(resumed.summary).toEqual(whole.summary);
  });

  it("a cell whose fits all fail loses nothing of the others: they run and are summarised, its failures kept", async () => {
    const failing = CELLS.map((c) => (c.name === "large" ? { ...c, fails: [1, 2, 3] } : c));
    const r = await runReplicates(async () => grid(failing), { ...quiet, executor: new FakeExecutor() });
    expect(r.failed).toEqual([3, 4, 5]);
    expect(r.summary.map((c) => [c.name, c.summary.ok.length, c.summary.failed.length])).toEqual([
      ["small", 2, 0],
      ["large", 0, 3],
      ["medium", 2, 0],
    ]);
    expect(existsSync(path.join(dir, "large", "rep_2", "error.txt"))).toBe(true);
  });

  it("a cell's folder is a study of its own: run alone, it keeps the fits the grid made", async () => {
    await runReplicates(async () => grid(CELLS), { ...quiet, executor: new FakeExecutor() });
    const executor = new FakeExecutor();
    const r = await runReplicates(async () => fakeStudy(path.join(dir, "large"), { count: 4 }), { ...quiet, executor });
    expect(executor.asked).toEqual([[4]]);
    expect(r.resumed).toBe(3);
  });
});
