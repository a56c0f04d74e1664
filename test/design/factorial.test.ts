import { describe, expect, it } from "vitest";
import { cellIndex, cellLevels, treatmentDesign } from "../../src/design/factorial.js";
import { inputErrorMessage } from "../helpers/errors.js";

describe("treatment coding of the report's 6 x 3 factorial", () => {
  const fd = treatmentDesign([6, 3]);

  it("has J = 18 cells and P = 5 + 2 = 7 columns with the original labels", () => {
    expect(fd.J).toBe(18);
    expect(fd.P).toBe(7);
    expect(fd.X.length).toBe(18);
    expect(fd.X.every((row) => row.length === 7)).toBe(true);
    expect(fd.column_labels).toEqual(["f0_lv1", "f0_lv2", "f0_lv3", "f0_lv4", "f0_lv5", "f1_lv1", "f1_lv2"]);
    expect(fd.reference_indices).toEqual([0, 0]);
    expect(fd.include_interactions).toBe(false);
  });

  it("enumerates cells row-major (last factor fastest)", () => {
    expect(fd.cell_levels[0]).toEqual([0, 0]);
    expect(fd.cell_levels[1]).toEqual([0, 1]);
    expect(fd.cell_levels[2]).toEqual([0, 2]);
    expect(fd.cell_levels[3]).toEqual([1, 0]);
    expect(fd.cell_levels[17]).toEqual([5, 2]);
  });

  it("codes cells 0, 1, 3 and 17 as worked out by hand", () => {
    // cell 0 = (LLM 0, prompt 0): the reference cell, all zeros
    expect(fd.X[0]).toEqual([0, 0, 0, 0, 0, 0, 0]);
    // cell 1 = (0, 1): only prompt level 1
    expect(fd.X[1]).toEqual([0, 0, 0, 0, 0, 1, 0]);
    // cell 3 = (1, 0): only LLM level 1
    expect(fd.X[3]).toEqual([1, 0, 0, 0, 0, 0, 0]);
    // cell 17 = (5, 2): LLM level 5 and prompt level 2
    expect(fd.X[17]).toEqual([0, 0, 0, 0, 1, 0, 1]);
  });

  it("sets, in every cell, exactly the columns of its non-reference levels", () => {
    fd.cell_levels.forEach((lv, j) => {
      const expected = [1, 2, 3, 4, 5]
        .map((l) => (lv[0] === l ? 1 : 0))
        .concat([1, 2].map((l) => (lv[1] === l ? 1 : 0)));
      expect(fd.X[j]).toEqual(expected);
    });
  });
});

describe("reference levels and interactions", () => {
  it("drops the chosen reference level of each factor", () => {
    const fd = treatmentDesign([6, 3], { referenceIndices: [2, 1] });
    expect(fd.P).toBe(7);
    expect(fd.column_labels).toEqual(["f0_lv0", "f0_lv1", "f0_lv3", "f0_lv4", "f0_lv5", "f1_lv0", "f1_lv2"]);
    // cell (2, 1) is the reference cell now
    expect(fd.X[cellIndex([6, 3], [2, 1])]).toEqual([0, 0, 0, 0, 0, 0, 0]);
    // cell 0 = (0, 0)
    expect(fd.X[0]).toEqual([1, 0, 0, 0, 0, 1, 0]);
    // cell 17 = (5, 2)
    expect(fd.X[17]).toEqual([0, 0, 0, 0, 1, 0, 1]);
    // cell (2, 0): only prompt level 0
    expect(fd.X[cellIndex([6, 3], [2, 0])]).toEqual([0, 0, 0, 0, 0, 1, 0]);
  });

  it("adds products of main-effect columns of different factors after the main effects", () => {
    const fd = treatmentDesign([2, 3], { includeInteractions: true });
    expect(fd.column_labels).toEqual(["f0_lv1", "f1_lv1", "f1_lv2", "f0_lv1:f1_lv1", "f0_lv1:f1_lv2"]);
    expect(fd.P).toBe(5);
    // cells: (0,0) (0,1) (0,2) (1,0) (1,1) (1,2)
    expect(fd.X).toEqual([
      [0, 0, 0, 0, 0],
      [0, 1, 0, 0, 0],
      [0, 0, 1, 0, 0],
      [1, 0, 0, 0, 0],
      [1, 1, 0, 1, 0],
      [1, 0, 1, 0, 1],
    ]);
  });

  it("never multiplies two columns of the same factor", () => {
    const fd = treatmentDesign([3, 2], { includeInteractions: true });
    expect(fd.column_labels).toEqual(["f0_lv1", "f0_lv2", "f1_lv1", "f0_lv1:f1_lv1", "f0_lv2:f1_lv1"]);
  });

  it("handles three factors with non-zero references and interactions", () => {
    const fd = treatmentDesign([2, 2, 2], { referenceIndices: [1, 0, 1], includeInteractions: true });
    expect(fd.column_labels).toEqual(["f0_lv0", "f1_lv1", "f2_lv0", "f0_lv0:f1_lv1", "f0_lv0:f2_lv0", "f1_lv1:f2_lv0"]);
    expect(fd.X[cellIndex([2, 2, 2], [0, 1, 0])]).toEqual([1, 1, 1, 1, 1, 1]);
    expect(fd.X[cellIndex([2, 2, 2], [1, 0, 1])]).toEqual([0, 0, 0, 0, 0, 0]);
    expect(fd.X[cellIndex([2, 2, 2], [0, 0, 0])]).toEqual([1, 0, 1, 0, 1, 0]);
  });

  it("cellIndex inverts cellLevels", () => {
    const factors = [3, 4, 2];
    cellLevels(factors).forEach((lv, j) => expect(cellIndex(factors, lv)).toBe(j));
    expect(cellLevels(factors).length).toBe(24);
  });
});

describe("invalid factorial and manual designs", () => {
  const err = inputErrorMessage;

  it("names the offending factor or reference entry", () => {
    expect(err(() => treatmentDesign([6, 1]))).toMatch(/^factors\[1\]: must be an integer >= 2/);
    expect(err(() => treatmentDesign([]))).toMatch(/^factors: must be a non-empty list/);
    expect(err(() => treatmentDesign([6, 3], { referenceIndices: [0, 3] }))).toMatch(
      /^reference_indices\[1\]: must be an integer in 0\.\.2/,
    );
    expect(err(() => treatmentDesign([6, 3], { referenceIndices: [0] }))).toMatch(
      /^reference_indices: must have one entry per factor \(2\)/,
    );
    expect(err(() => treatmentDesign([1000, 1000]))).toMatch(/^factors: .*1000000 cells/);
  });
});
