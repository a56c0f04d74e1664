/**
 * Round trip through the real CmdStan: toStanJson -> test/models/json_shapes.stan (which echoes
 * its data in generated quantities) -> Stan CSV -> the values written. The model is compiled
 * and run by the tool's own src/cmdstan (content-addressed compile cache, the tests' CmdStan).
 */
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { sample } from "../../src/cmdstan/run.js";
import { toStanJson, writeStanJson } from "../../src/cmdstan/stanJson.js";
import { compileTestModel } from "../helpers/cmdstan.js";

/** The first draw of a Stan CSV file as name -> value. */
function readDraw(csv: string): { header: string[]; values: Map<string, number> } {
  const rows = csv.split("\n").filter((l) => l.length > 0 && !l.startsWith("#"));
  const header = rows[0].split(",");
  const cells = rows[1].split(",");
  expect(cells.length).toBe(header.length);
  const parse = (s: string) =>
    s === "nan" ? Number.NaN : s === "inf" ? Infinity : s === "-inf" ? -Infinity : Number(s);
  return { header, values: new Map(header.map((h, i) => [h, parse(cells[i])])) };
}

/** name.i.j... (1-based) -> value for every scalar inside a nested array. */
function flatten(prefix: string, v: unknown, out: Map<string, number>): void {
  if (typeof v === "number") {
    out.set(prefix, v);
    return;
  }
  const a = v as ArrayLike<unknown>;
  for (let i = 0; i < a.length; i++) flatten(`${prefix}.${i + 1}`, a[i], out);
}

const DATA: Record<string, unknown> = {
  n: 7,
  n_neg: -2147483648,
  x: 0.1 + 0.2,
  x_int: 3,
  x_big: 3e9,
  x_pinf: Infinity,
  x_ninf: -Infinity,
  x_nan: Number.NaN,
  N: 4,
  v: [1, 2.5, -3, 1e-300],
  ar: new Float64Array([0.5, -0, 2, 1e300]),
  R: 2,
  C: 3,
  m: [
    [1.5, 2, 3],
    [4, 5, 6.25],
  ],
  A: 3,
  Dv: 2,
  av: [
    [1, 2],
    [3.5, 4],
    [5, 6],
  ],
  ia: [new Int32Array([1, 2, 3]), new Int32Array([4, 5, -6])],
  r3: [
    [
      [1, 2],
      [3, 4],
      [5, 6],
    ],
    [
      [7, 8],
      [9, 10],
      [11, 12.5],
    ],
  ],
  am: [
    [
      [1, 2, 3],
      [4, 5, 6],
    ],
    [
      [7, 8, 9],
      [10, 11, 12.000000000000002],
    ],
  ],
  e: [],
  ev: new Float64Array(0),
  ei: [],
  em: [[], []],
  nonfinite: [Infinity, -Infinity, Number.NaN],
};
const INTS = ["n", "n_neg", "N", "R", "C", "A", "Dv", "ia", "ei"];
const EMPTY = ["e", "ev", "ei", "em"];

describe("Stan JSON read back by the real CmdStan", () => {
  let draw: { header: string[]; values: Map<string, number> };
  let json: string;

  beforeAll(async () => {
    const model = await compileTestModel("json_shapes");
    const dir = await mkdtemp(join(tmpdir(), "cr-json-"));
    try {
      const dataFile = join(dir, "data.json");
      await writeStanJson(dataFile, DATA, { ints: INTS });
      json = await readFile(dataFile, "utf8");
      const fit = await sample(model, {
        chains: 1,
        algorithm: "fixed_param",
        numSamples: 1,
        dataFile,
        outputDir: dir,
        sigFigs: 17,
        seed: 1,
      });
      draw = readDraw(await readFile(fit.csvFiles[0], "utf8"));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it("wrote the file the way CmdStan spells it", () => {
    expect(json).toContain('"x_big": 3000000000.0');
    expect(json).toContain('"x_nan": NaN');
    expect(json).toContain('"nonfinite": [Infinity,-Infinity,NaN]');
    expect(json).toContain('"em": [[],[]]');
  });

  it("reads every int, real, vector, matrix and array back exactly", () => {
    const expected = new Map<string, number>();
    for (const [k, v] of Object.entries(DATA)) if (!EMPTY.includes(k)) flatten(`${k}_out`, v, expected);
    expect(expected.size).toBeGreaterThan(60);
    const mismatches: string[] = [];
    for (const [name, want] of expected) {
      const got = draw.values.get(name);
      if (got === undefined) mismatches.push(`${name}: missing from the CSV`);
      else if (!(Object.is(got, want) || (got === 0 && want === 0)))
        mismatches.push(`${name}: wrote ${want}, CmdStan read ${got}`);
    }
    expect(mismatches).toEqual([]);
  });

  it("reads the empty containers with the declared sizes", () => {
    expect(draw.values.get("e_size")).toBe(0);
    expect(draw.values.get("ev_size")).toBe(0);
    expect(draw.values.get("ei_size")).toBe(0);
    expect(draw.values.get("em_rows")).toBe(2);
    expect(draw.values.get("em_cols")).toBe(0);
  });

  it("writes matrices column-major in the CSV (m.2.1 right after m.1.1)", () => {
    const i = draw.header.indexOf("m_out.1.1");
    expect(draw.header.slice(i, i + 6)).toEqual([
      "m_out.1.1",
      "m_out.2.1",
      "m_out.1.2",
      "m_out.2.2",
      "m_out.1.3",
      "m_out.2.3",
    ]);
    expect(draw.values.get("m_out.2.1")).toBe(4);
  });

  it("is what a row-major reading of the JSON gives", () => {
    // the same values, read from the JSON text itself (NaN/Infinity made parseable)
    const parsed = JSON.parse(toStanJson({ m: DATA.m, am: DATA.am }).replace(/-?Infinity|NaN/g, "null")) as {
      m: number[][];
      am: number[][][];
    };
    expect(draw.values.get("am_out.2.2.3")).toBe(parsed.am[1][1][2]);
    expect(draw.values.get("m_out.1.3")).toBe(parsed.m[0][2]);
  });
});
