/** The study folder's study_design.json: written once, and on a resume a damaged or foreign copy is rewritten. */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { generateStudyDesign } from "../../src/design/studyDesign.js";
import { DESIGN_FILE, writeDesignFile } from "../../src/pipeline/studySetup.js";

let dir: string;
afterEach(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const design = generateStudyDesign({ factors: [2, 2], M_per_cell: 3, R: 5 }, 7);

describe("writeDesignFile", () => {
  it("keeps an intact copy as it is (its generation time stays the first start's)", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-setup-"));
    const logs: string[] = [];
    await writeDesignFile(dir, design, (l) => logs.push(l));
    const first = await readFile(path.join(dir, DESIGN_FILE), "utf8");
    const later = { ...design, _metadata: { ...design._metadata, timestamp: "2031-01-01T00:00:00.000Z" } };
    await writeDesignFile(dir, later, (l) => logs.push(l));
    expect(await readFile(path.join(dir, DESIGN_FILE), "utf8")).toBe(first);
    expect(logs).toEqual([]);
  });

  it("rewrites a damaged copy, and a copy of another design, saying so", async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-setup-"));
    const file = path.join(dir, DESIGN_FILE);
    await writeDesignFile(dir, design, () => {});
    const intact = await readFile(file, "utf8");
    const logs: string[] = [];
    await writeFile(file, intact.slice(0, intact.length / 2));
    await writeDesignFile(dir, design, (l) => logs.push(l));
    expect(await readFile(file, "utf8")).not.toBe(intact.slice(0, intact.length / 2));
    expect(JSON.parse(await readFile(file, "utf8")).I).toEqual(design.I);
    expect(logs[0]).toMatch(new RegExp(`${DESIGN_FILE} is damaged \\(.*not valid JSON.*\\); rewritten`));

    const other = generateStudyDesign({ factors: [2, 2], M_per_cell: 3, R: 5 }, 8);
    await writeDesignFile(dir, other, () => {});
    await writeDesignFile(dir, design, (l) => logs.push(l));
    expect(logs[1]).toMatch(/holds another design than this study's; rewritten/);
    expect(JSON.parse(await readFile(file, "utf8")).I).toEqual(design.I);
  });
});
