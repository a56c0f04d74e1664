/** The .npy writer, read back by numpy.load itself (the test venv): shape, dtype, values, header alignment. */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeNpyFloat64 } from "../../src/util/npy.js";
import { PYTHON, requirePython } from "../helpers/arviz.js";

/** numpy.load's view of a file: shape, dtype, C order, the values as float64 repr round trips. */
async function numpyLoad(
  file: string,
): Promise<{ shape: number[]; dtype: string; fortran: boolean; values: number[][] }> {
  const script = [
    "import json, sys, numpy as np",
    "a = np.load(sys.argv[1], allow_pickle=False)",
    "print(json.dumps({'shape': list(a.shape), 'dtype': str(a.dtype), 'fortran': bool(np.isfortran(a)), 'values': a.tolist()}))",
  ].join("\n");
  const r = await execa(PYTHON, ["-c", script, file]);
  return JSON.parse(r.stdout);
}

describe("encodeNpyFloat64", () => {
  let dir: string;
  beforeAll(async () => {
    requirePython();
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-npy-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("writes arrays numpy.load reads back exactly: n x P float64 in C order", async () => {
    const rows = [
      [0, 334, 1.5, -2.25],
      [Math.PI, 1e-300, -0, 123456789.12345679],
      [Number.MAX_VALUE, Number.MIN_VALUE, 17, 0.1 + 0.2],
    ];
    const file = path.join(dir, "a.npy");
    await writeFile(file, encodeNpyFloat64(rows, 4));
    const back = await numpyLoad(file);
    expect(back).toMatchObject({ shape: [3, 4], dtype: "float64", fortran: false });
    // Bit for bit, -0 included (Python's JSON writes -0.0).
    expect(back.values).toEqual(rows);
  });

  it("pads the header so the data start at a multiple of 64 bytes, for every width of the shape", async () => {
    for (const [n, p] of [
      [0, 9],
      [1, 1],
      [100, 132],
      [12345, 7],
    ]) {
      const bytes = encodeNpyFloat64(
        Array.from({ length: n }, () => new Array<number>(p).fill(1)),
        p,
      );
      const headerLength = bytes.readUInt16LE(8);
      expect((10 + headerLength) % 64).toBe(0);
      expect(bytes.length).toBe(10 + headerLength + n * p * 8);
      expect(bytes.subarray(10, 10 + headerLength).toString("latin1")).toMatch(
        new RegExp(`^\\{'descr': '<f8', 'fortran_order': False, 'shape': \\(${n}, ${p}\\), \\} *\\n$`),
      );
    }
    const empty = path.join(dir, "empty.npy");
    await writeFile(empty, encodeNpyFloat64([], 9));
    expect(await numpyLoad(empty)).toMatchObject({ shape: [0, 9], dtype: "float64", values: [] });
  });

  it("refuses ragged rows", () => {
    expect(() => encodeNpyFloat64([[1, 2], [3]], 2)).toThrow(/row 1 has 1 values, expected 2/);
  });
});
