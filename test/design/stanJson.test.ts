import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { toStanJson, writeStanJson } from "../../src/cmdstan/stanJson.js";
import { writeFileAtomic } from "../../src/util/atomicWrite.js";
import { inputErrorMessage } from "../helpers/errors.js";

function line(json: string, key: string): string {
  const l = json.split("\n").find((s) => s.startsWith(`  ${JSON.stringify(key)}: `));
  if (l === undefined) throw new Error(`no line for ${key} in\n${json}`);
  return l.slice(`  ${JSON.stringify(key)}: `.length).replace(/,$/, "");
}

describe("toStanJson output", () => {
  it("writes ints, reals and containers in Stan JSON form, one key per line", () => {
    const json = toStanJson(
      {
        J: 18,
        x: 0.1,
        v: [1, 2.5],
        m: [
          [1, 2],
          [3, 4],
        ],
        e: [],
        em: [[], []],
      },
      { ints: ["J"] },
    );
    expect(json).toBe(
      '{\n  "J": 18,\n  "x": 0.1,\n  "v": [1,2.5],\n  "m": [[1,2],[3,4]],\n  "e": [],\n  "em": [[],[]]\n}\n',
    );
    expect(toStanJson({})).toBe("{}\n");
  });

  it("round-trips finite data through JSON.parse exactly", () => {
    const data = {
      a: 1,
      b: -2147483648,
      c: [0.30000000000000004, 1e-300, 5e-324, -1.7976931348623157e308],
      d: [
        [
          [1, 2],
          [3, 4],
        ],
        [
          [5, 6],
          [7, 8.125],
        ],
      ],
    };
    expect(JSON.parse(toStanJson(data, { ints: ["a", "b"] }))).toEqual(data);
  });

  it("writes non-finite reals bare, as CmdStan spells them", () => {
    expect(line(toStanJson({ z: [Number.NaN, Infinity, -Infinity, 1] }), "z")).toBe("[NaN,Infinity,-Infinity,1]");
    expect(line(toStanJson({ z: -Infinity }), "z")).toBe("-Infinity");
  });

  it("writes typed arrays as arrays", () => {
    expect(line(toStanJson({ f: new Float64Array([0.5, 2]) }), "f")).toBe("[0.5,2]");
    expect(line(toStanJson({ i: [new Int32Array([1, 2]), new Int32Array([3, 4])] }, { ints: ["i"] }), "i")).toBe(
      "[[1,2],[3,4]]",
    );
    expect(line(toStanJson({ u: new Uint8Array(0) }), "u")).toBe("[]");
    expect(line(toStanJson({ f: new Float32Array([0.5]) }), "f")).toBe("[0.5]");
  });

  it("keeps reals outside the 32-bit int range real (CmdStan 2.27 would wrap a JSON integer)", () => {
    expect(line(toStanJson({ r: 3e9 }), "r")).toBe("3000000000.0");
    expect(line(toStanJson({ r: -3e9 }), "r")).toBe("-3000000000.0");
    expect(line(toStanJson({ r: 2147483647 }), "r")).toBe("2147483647");
    expect(line(toStanJson({ r: 1e21 }), "r")).toBe("1e+21");
    expect(line(toStanJson({ r: [1, 2 ** 40] }), "r")).toBe("[1,1099511627776.0]");
    expect(line(toStanJson({ r: 12345678901234567890n }), "r")).toBe("12345678901234567890.0");
    expect(line(toStanJson({ n: 5n }, { ints: ["n"] }), "n")).toBe("5");
    expect(line(toStanJson({ z: -0 }), "z")).toBe("0");
  });
});

describe("toStanJson rejects what CmdStan cannot read, naming the key path", () => {
  const cases: [string, Record<string, unknown>, string[] | undefined, string][] = [
    [
      "undefined",
      { a: 1, b: undefined },
      undefined,
      "Stan JSON: b: must be a number or an array of numbers, got undefined",
    ],
    [
      "nested undefined",
      {
        m: [
          [1, 2],
          [undefined, 4],
        ],
      },
      undefined,
      "Stan JSON: m[1][0]: must be a number or an array of numbers, got undefined",
    ],
    ["null", { n: null }, undefined, "Stan JSON: n: must be a number or an array of numbers, got null"],
    ["a function", { f: () => 1 }, undefined, "Stan JSON: f: must be a number or an array of numbers, got a function"],
    [
      "an object",
      { o: { a: 1 } },
      undefined,
      "Stan JSON: o: must be a number or an array of numbers, got an object (Object)",
    ],
    [
      "a nested object",
      { v: [1, { a: 1 }] },
      undefined,
      "Stan JSON: v[1]: must be a number or an array of numbers, got an object (Object)",
    ],
    [
      "a string",
      { s: ["NaN"] },
      undefined,
      'Stan JSON: s[0]: must be a number or an array of numbers, got a string ("NaN")',
    ],
    ["a boolean", { b: true }, undefined, "Stan JSON: b: must be a number or an array of numbers, got boolean true"],
    [
      "a ragged array",
      { m: [[1, 2], [3]] },
      undefined,
      "Stan JSON: m[1]: non-rectangular value: 1 entries where its siblings have 2",
    ],
    [
      "mixed depths",
      { m: [[1, 2], 3] },
      undefined,
      "Stan JSON: m[1]: non-rectangular value: a number where an array of 2 was expected",
    ],
    [
      "mixed depths the other way",
      { m: [1, [2]] },
      undefined,
      "Stan JSON: m[1]: non-rectangular value: an array where a number was expected",
    ],
    [
      "ragged below an empty row",
      { m: [[], [1]] },
      undefined,
      "Stan JSON: m[1]: non-rectangular value: 1 entries where its siblings have 0",
    ],
    ["a fractional int", { n: 1.5 }, ["n"], "Stan JSON: n: must be a 32-bit integer (declared int), got 1.5"],
    [
      "a NaN int",
      { I: [[1, Number.NaN]] },
      ["I"],
      "Stan JSON: I[0][1]: must be a 32-bit integer (declared int), got NaN",
    ],
    [
      "an int beyond 32 bits",
      { n: 2 ** 31 },
      ["n"],
      "Stan JSON: n: must be a 32-bit integer (declared int), got 2147483648",
    ],
    [
      "a bigint int beyond 32 bits",
      { n: 2n ** 40n },
      ["n"],
      "Stan JSON: n: must be a 32-bit integer (declared int), got 1099511627776",
    ],
  ];
  for (const [what, data, ints, message] of cases) {
    it(`rejects ${what}`, () => {
      expect(inputErrorMessage(() => toStanJson(data, { ints }))).toBe(message);
    });
  }

  it("rejects data that is not an object", () => {
    expect(inputErrorMessage(() => toStanJson([1] as never))).toMatch(/^Stan JSON: data must be an object/);
    expect(inputErrorMessage(() => toStanJson({ "": 1 }))).toBe("Stan JSON: empty variable name");
  });
});

describe("atomic writes", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "stanjson-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("writes the same text as toStanJson, replaces an existing file and leaves no temporary file", async () => {
    const file = join(dir, "sub", "data.json");
    const data = { n: 3, v: [1.5, Infinity] };
    await writeStanJson(file, { n: 1 });
    await writeStanJson(file, data, { ints: ["n"] });
    expect(await readFile(file, "utf8")).toBe(toStanJson(data, { ints: ["n"] }));
    expect(await readdir(join(dir, "sub"))).toEqual(["data.json"]);
  });

  it("leaves the old file and no temporary file when writing fails", async () => {
    const file = join(dir, "keep.json");
    await writeFile(file, "old");
    // Renaming a file over a directory fails after the temporary file was written.
    const target = join(dir, "adir");
    await writeFileAtomic(join(target, "x"), "x");
    await expect(writeFileAtomic(target, "new")).rejects.toThrow();
    expect((await readdir(dir)).sort()).toEqual(["adir", "keep.json", "sub"]);
    expect(await readFile(file, "utf8")).toBe("old");
  });
});
