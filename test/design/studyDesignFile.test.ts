import { createHash } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InputError } from "../../src/util/errors.js";
import { generateStudyDesign, type StudyDesign } from "../../src/design/studyDesign.js";
import {
  loadStudyDesign,
  parseStudyDesign,
  serializeStudyDesign,
  writeStudyDesign,
} from "../../src/design/studyDesignFile.js";
import { REPORT_DESIGN_CONFIG } from "../helpers/designs.js";

const REPORT_CONFIG = REPORT_DESIGN_CONFIG;

const TIMESTAMP_LINE = /^ {4}"timestamp": "[^"]*",$/m;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "design-file-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("writing study_design.json", () => {
  it("writes the Stan data keys, the hyperparameters and _metadata in the original order", async () => {
    const file = join(dir, "report", "study_design.json");
    const d = generateStudyDesign(REPORT_CONFIG, 1);
    await writeStudyDesign(file, d);
    const raw = JSON.parse(await readFile(file, "utf8"));
    expect(Object.keys(raw)).toEqual([
      "J",
      "K",
      "D",
      "R",
      "P",
      "w",
      "M_total",
      "cell",
      "I",
      "M_per_cell",
      "X",
      "gamma0_mean",
      "gamma0_sd",
      "gamma_sd",
      "sigma_cell_sd",
      "beta_sd",
      "_metadata",
    ]);
    expect(Object.keys(raw._metadata)).toEqual([
      "design_name",
      "timestamp",
      "min_alts_per_problem",
      "max_alts_per_problem",
      "feature_dist",
      "feature_params",
      "factors",
      "reference_indices",
      "include_interactions",
      "column_labels",
      "cell_levels",
      "seed",
      "rng",
    ]);
    expect(raw._metadata.timestamp).toBe(d._metadata.timestamp);
    expect(raw.M_total).toBe(360);
    expect(raw.I.length).toBe(360);
    expect(await readdir(join(dir, "report"))).toEqual(["study_design.json"]);
  });

  it("loads back exactly what was written", async () => {
    const file = join(dir, "roundtrip.json");
    for (const d of [
      generateStudyDesign(REPORT_CONFIG, 2),
      generateStudyDesign({ J: 3, P: 1, X: [[0], [0.5], [1]], M_per_cell: [2, 3, 4], feature_dist: "uniform" }, 3),
      generateStudyDesign(
        { factors: [2, 3], reference_indices: [1, 0], include_interactions: true, M_per_cell: 2, beta_sd: 2 },
        4,
      ),
      generateStudyDesign({ factors: [3, 2], R: 12, M_per_cell: 7, menu_sizes: [2, 4, 6, 8], gamma_size_sd: 0 }, 5),
    ]) {
      await writeStudyDesign(file, d);
      expect(await loadStudyDesign(file)).toEqual(d);
    }
  });

  it("writes and checks the menu-size covariate of a design with planned sizes", async () => {
    const d = generateStudyDesign({ factors: [2], R: 8, M_per_cell: 4, menu_sizes: [2, 8] }, 6);
    const raw = JSON.parse(serializeStudyDesign(d));
    expect(Object.keys(raw)).toEqual([
      "J",
      "K",
      "D",
      "R",
      "P",
      "w",
      "M_total",
      "cell",
      "I",
      "M_per_cell",
      "X",
      "menu_size",
      "mean_menu_size",
      "s",
      "gamma0_mean",
      "gamma0_sd",
      "gamma_sd",
      "sigma_cell_sd",
      "beta_sd",
      "gamma_size_mean",
      "gamma_size_sd",
      "_metadata",
    ]);
    expect(raw._metadata.menu_sizes).toEqual([2, 8]);
    const bad = (edit: (r: Record<string, unknown>) => void) => {
      const copy = JSON.parse(JSON.stringify(raw));
      edit(copy);
      return () => parseStudyDesign(JSON.stringify(copy), "sized.json");
    };
    expect(bad((r) => ((r.s as number[])[3] += 0.5))).toThrow(
      /^sized\.json: s\[3\]: is .* but menu size minus mean size is/,
    );
    expect(bad((r) => ((r.menu_size as number[])[0] = 3))).toThrow(
      /menu_size\[0\]: is 3 but menu 0 \(row I\[0\]\) has \d alternatives/,
    );
    expect(bad((r) => (r.mean_menu_size = 4))).toThrow(/mean_menu_size: is 4 but the menus' mean size is 5/);
    expect(bad((r) => delete r.s)).toThrow(/s: is required with menu_size, mean_menu_size/);
  });

  it("gives byte-identical files for the same seed apart from the timestamp", async () => {
    const a = generateStudyDesign(REPORT_CONFIG, 42);
    await new Promise((r) => setTimeout(r, 5));
    const b = generateStudyDesign(REPORT_CONFIG, 42);
    await writeStudyDesign(join(dir, "a.json"), a);
    await writeStudyDesign(join(dir, "b.json"), b);
    const ta = await readFile(join(dir, "a.json"), "utf8");
    const tb = await readFile(join(dir, "b.json"), "utf8");
    expect(ta).toMatch(TIMESTAMP_LINE);
    expect(ta.replace(TIMESTAMP_LINE, "")).toBe(tb.replace(TIMESTAMP_LINE, ""));
    // and the serializer does not depend on the object's key order
    const shuffled = Object.fromEntries(Object.entries(a).reverse()) as unknown as StudyDesign;
    expect(serializeStudyDesign(shuffled)).toBe(ta);
  });

  it("keeps version-1 designs stable (golden hash of the report design for seed 20260423)", () => {
    // Changing the generator, the order of draws or the file layout changes this hash; that
    // breaks reproducibility of earlier runs, so it must come with a new RNG_NAME version.
    const d = generateStudyDesign(REPORT_CONFIG, 20260423);
    expect(d.w[0]).toEqual([0.24728381307747554, -0.21139187992716152]);
    expect(d.I[0]).toEqual([0, 0, 0, 0, 0, 0, 1, 1, 0, 0]);
    const text = serializeStudyDesign(d).replace(TIMESTAMP_LINE, "");
    expect(createHash("sha256").update(text).digest("hex")).toBe(
      "b5075009213c7fc485f2e93fcc898faa0bab2ca3d9fb3b2b8e242cf081fff0f9",
    );
  });

  it("gives a different file for another seed", async () => {
    const a = serializeStudyDesign(generateStudyDesign(REPORT_CONFIG, 42)).replace(TIMESTAMP_LINE, "");
    const b = serializeStudyDesign(generateStudyDesign(REPORT_CONFIG, 43)).replace(TIMESTAMP_LINE, "");
    expect(a).not.toBe(b);
    const wa = JSON.parse(a).w;
    const wb = JSON.parse(b).w;
    expect(wa).not.toEqual(wb);
  });

  it("refuses to write an inconsistent design", async () => {
    const d = generateStudyDesign({ factors: [2, 2], M_per_cell: 2, R: 4 }, 1);
    const bad = { ...d, M_total: 9 };
    const file = join(dir, "bad-write.json");
    await expect(writeStudyDesign(file, bad)).rejects.toThrow(/M_total: is 9 but M_per_cell sums to 8/);
    expect((await readdir(dir)).includes("bad-write.json")).toBe(false);
  });
});

describe("loading files written by the original (Python) tool", () => {
  it("reads a factorial file with floats, a Python timestamp and no seed", () => {
    const text = `{
  "J": 4, "K": 3, "D": 2, "R": 4, "P": 2,
  "w": [[0.1, -0.2], [1.5, 0.3], [-0.7, 2.0], [0.0, 0.4]],
  "M_total": 4, "cell": [1, 2, 3, 4],
  "I": [[1, 1, 0, 0], [0, 1, 1, 1], [1, 0, 0, 1], [1, 1, 1, 1]],
  "M_per_cell": [1, 1, 1, 1],
  "X": [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]],
  "gamma0_mean": 2.5, "gamma0_sd": 0.5, "gamma_sd": 0.5, "sigma_cell_sd": 0.3, "beta_sd": 1.0,
  "_metadata": {"design_name": "orig", "timestamp": "2026-04-23T10:11:12.123456",
    "min_alts_per_problem": 2, "max_alts_per_problem": 4, "feature_dist": "normal",
    "feature_params": {"loc": 0, "scale": 1}, "factors": [2, 2], "reference_indices": [0, 0],
    "include_interactions": false, "column_labels": ["f0_lv1", "f1_lv1"], "cell_levels": [[0, 0], [0, 1], [1, 0], [1, 1]]}
}`;
    const d = parseStudyDesign(text, "orig.json");
    expect(d.J).toBe(4);
    expect(d.X[3]).toEqual([1, 1]);
    expect(d._metadata.timestamp).toBe("2026-04-23T10:11:12.123456");
    expect(d._metadata.seed).toBeUndefined();
    expect(d._metadata.column_labels).toEqual(["f0_lv1", "f1_lv1"]);
  });

  it("reads a manual file without factorial metadata or hyperparameters and fills them in", () => {
    const text = JSON.stringify({
      J: 2,
      K: 3,
      D: 1,
      R: 3,
      P: 1,
      w: [[0.5], [1], [-1]],
      M_total: 3,
      cell: [1, 2, 2],
      I: [
        [1, 1, 0],
        [1, 1, 1],
        [0, 1, 1],
      ],
      M_per_cell: [1, 2],
      X: [[0], [1]],
      _metadata: {
        design_name: "manual",
        timestamp: "t",
        feature_dist: "uniform",
        feature_params: { low: -2, high: 2 },
      },
    });
    const d = parseStudyDesign(text, "manual.json");
    expect(d._metadata.column_labels).toEqual(["x1"]);
    expect(d._metadata.min_alts_per_problem).toBe(2);
    expect(d._metadata.max_alts_per_problem).toBe(3);
    expect(d._metadata.feature_params).toEqual({ low: -2, high: 2 });
    expect(d._metadata.factors).toBeUndefined();
    expect(d.beta_sd).toBe(1);
    expect(d.gamma0_mean).toBe(2.5);
    const bare = parseStudyDesign(JSON.stringify({ ...JSON.parse(text), _metadata: undefined }), "dir/bare.json");
    expect(bare._metadata.design_name).toBe("bare");
  });
});

describe("rejecting corrupt design files, naming file, field and index", () => {
  // factors [2, 2], 3 problems per cell, R = 5, D = 2: small enough to reason about.
  const base = generateStudyDesign({ factors: [2, 2], M_per_cell: 3, R: 5, max_alts_per_problem: 4 }, 17);
  const FILE = "/data/corrupt/study_design.json";
  const corrupt = (edit: (d: Record<string, any>) => void): string => {
    const d = JSON.parse(serializeStudyDesign(base)) as Record<string, any>;
    edit(d);
    try {
      parseStudyDesign(JSON.stringify(d), FILE);
    } catch (e) {
      expect(e).toBeInstanceOf(InputError);
      const msg = (e as Error).message;
      expect(msg.startsWith(`${FILE}: `)).toBe(true);
      expect(msg).not.toContain("\n");
      return msg;
    }
    throw new Error("the corrupt file was accepted");
  };

  it("accepts the unmodified file", () => {
    expect(parseStudyDesign(serializeStudyDesign(base), FILE)).toEqual(base);
  });

  const cases: [string, (d: Record<string, any>) => void, RegExp][] = [
    ["an I row of the wrong length", (d) => d.I[4].pop(), /I\[4\]: \(problem 5\) has 4 entries, expected R = 5/],
    ["an I entry that is not 0/1", (d) => (d.I[0] = [2, 1, 1, 0, 0]), /I\[0\]\[0\]: is 2, must be 0 or 1/],
    ["a fractional I entry", (d) => (d.I[1][2] = 0.5), /I\[1\]\[2\]: must be an integer/],
    [
      "a menu with one alternative",
      (d) => (d.I[2] = [0, 0, 1, 0, 0]),
      /I\[2\]: \(problem 3\) has a menu of 1 alternative, at least 2 needed/,
    ],
    [
      "an empty menu",
      (d) => (d.I[7] = [0, 0, 0, 0, 0]),
      /I\[7\]: \(problem 8\) has a menu of 0 alternatives, at least 2 needed/,
    ],
    [
      "a menu larger than the metadata allow",
      (d) => (d.I[5] = [1, 1, 1, 1, 1]),
      /I\[5\]: \(problem 6\) has a menu of 5 alternatives, outside _metadata min\/max_alts_per_problem 2\.\.4/,
    ],
    ["too few I rows", (d) => d.I.pop(), /I: has 11 rows, expected M_total = 12/],
    [
      "cell counts not matching M_per_cell",
      (d) => (d.cell[0] = 2),
      /cell: 2 problems have cell = 1 but M_per_cell\[0\] = 3; cell: 4 problems have cell = 2 but M_per_cell\[1\] = 3/,
    ],
    ["a cell out of range", (d) => (d.cell[5] = 5), /cell\[5\]: \(problem 6\) is 5, outside 1\.\.J = 1\.\.4/],
    ["cell 0 (0-based by mistake)", (d) => (d.cell[0] = 0), /cell\[0\]: \(problem 1\) is 0, outside 1\.\.J/],
    ["a cell list of the wrong length", (d) => d.cell.push(4), /cell: has 13 entries, expected M_total = 12/],
    ["M_total not the sum of M_per_cell", (d) => (d.M_total = 13), /M_total: is 13 but M_per_cell sums to 12/],
    ["M_per_cell of the wrong length", (d) => d.M_per_cell.push(0), /M_per_cell: has 5 entries, expected J = 4/],
    ["an X row of the wrong length", (d) => d.X[1].push(0), /X\[1\]: has 3 entries, expected P = 2/],
    ["too few X rows", (d) => d.X.pop(), /X: has 3 rows, expected J = 4/],
    [
      "X not the coding of the factors",
      (d) => (d.X[1] = [1, 1]),
      /X\[1\]\[0\]: is 1 but the treatment coding of _metadata\.factors gives 0/,
    ],
    ["a non-numeric X entry", (d) => (d.X[2][1] = "1"), /X\[2\]\[1\]: must be a number/],
    ["a w row of the wrong length", (d) => (d.w[3] = [1]), /w\[3\]: has 1 entries, expected D = 2/],
    ["too many w rows", (d) => d.w.push([0, 0]), /w: has 6 rows, expected R = 5/],
    ["a null feature (NaN written by Python)", (d) => (d.w[0][1] = null), /w\[0\]\[1\]: must be a number/],
    ["a missing key", (d) => delete d.J, /J: is required/],
    ["an unknown key", (d) => (d.y = [1]), /study_design\.json: unknown key "y"/],
    ["K below 2", (d) => (d.K = 1), /K: must be an integer >= 2/],
    ["a non-positive sd", (d) => (d.sigma_cell_sd = 0), /sigma_cell_sd: must be > 0/],
    [
      "factors that do not give J",
      (d) => (d._metadata.factors = [2, 3]),
      /_metadata\.factors: \[2,3\] give 6 cells but J = 4/,
    ],
    [
      "a wrong column label",
      (d) => (d._metadata.column_labels[1] = "prompt"),
      /_metadata\.column_labels\[1\]: is "prompt", expected "f1_lv1"/,
    ],
    [
      "wrong cell levels",
      (d) => (d._metadata.cell_levels[2] = [0, 1]),
      /_metadata\.cell_levels\[2\]: is \[0,1\], expected \[1,0\]/,
    ],
    [
      "feature params of another distribution",
      (d) => (d._metadata.feature_params = { low: 0, high: 1 }),
      /_metadata\.feature_params: \{"low":0,"high":1\} does not fit feature_dist "normal"/,
    ],
    ["metadata that is not an object", (d) => (d._metadata = 3), /_metadata: must be an object/],
  ];
  for (const [what, edit, re] of cases) {
    it(`rejects ${what}`, () => {
      expect(corrupt(edit)).toMatch(re);
    });
  }

  it("reports several problems at once, and counts the rest", () => {
    const msg = corrupt((d) => {
      for (let m = 0; m < 12; m++) d.I[m] = [1, 0, 0, 0, 0];
    });
    expect(msg).toMatch(/I\[0\]: .*I\[1\]: .*\(and \d+ more\)$/);
  });

  it("rejects a file that is not JSON, or missing", async () => {
    const bad = join(dir, "notjson.json");
    await writeFile(bad, '{"J": 4,');
    await expect(loadStudyDesign(bad)).rejects.toThrow(
      new RegExp(`^${bad.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}: not valid JSON`),
    );
    await expect(loadStudyDesign(join(dir, "nope.json"))).rejects.toThrow(
      /nope\.json: not found: the study design file/,
    );
    await expect(loadStudyDesign(join(dir, "nope.json"))).rejects.toBeInstanceOf(InputError);
    expect(() => parseStudyDesign("[1, 2]", "arr.json")).toThrow(/^arr\.json: \(top level\): must be a JSON object$/);
  });
});
