/**
 * pyRepr against Python's own repr of the same doubles (the expected strings are what
 * `repr(float(x))` prints with CPython 3.11; pandas' to_csv writes the same for float64 columns).
 */
import { describe, expect, it } from "vitest";
import { pyRepr } from "../../src/report/text.js";

describe("pyRepr", () => {
  it.each([
    [1, "1.0"],
    [0, "0.0"],
    [-0, "-0.0"],
    [0.1, "0.1"],
    [-2.5, "-2.5"],
    [0.9, "0.9"],
    [2 / 3, "0.6666666666666666"],
    [0.0001, "0.0001"],
    [0.00012345, "0.00012345"],
    [1e-5, "1e-05"],
    [-1.5e-7, "-1.5e-07"],
    [12345.678, "12345.678"],
    [1234567890123456, "1234567890123456.0"],
    [1e16, "1e+16"],
    [123456789012345680, "1.2345678901234568e+17"],
    [1e22, "1e+22"],
    [5e-324, "5e-324"],
    [NaN, "nan"],
    [Infinity, "inf"],
    [-Infinity, "-inf"],
  ])("%s -> %s", (x, want) => {
    expect(pyRepr(x)).toBe(want);
  });
});
