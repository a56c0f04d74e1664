import { readFile } from "node:fs/promises";
import path, { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { defaultDesignPath, designFromDesignOnlyConfig } from "../../src/design/flat/designOnly.js";
import { parseFlatDesign, serializeFlatDesign } from "../../src/design/flat/file.js";
import { FIXED_SIMPLEXES_K3 } from "../../src/design/flat/generate.js";
import { inputErrorMessage } from "../helpers/errors.js";

const ORIGINAL = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "original-configs");
const readConfig = async (name: string) => JSON.parse(await readFile(join(ORIGINAL, name), "utf8"));

const refusal = (config: unknown, opts = {}) => inputErrorMessage(() => designFromDesignOnlyConfig(config, 1, opts));

describe("design-only configs", () => {
  it("generates study_config.json's design and writes it to results/designs/<design_name>.json", async () => {
    const { design, path: out } = designFromDesignOnlyConfig(await readConfig("study_config.json"), 5);
    expect(out).toBe(join("results", "designs", "study.json"));
    expect([design.M, design.K, design.D, design.R]).toEqual([20, 3, 2, 10]);
    expect(design.risky).toBeUndefined();
    expect(design.settings.design_name).toBe("study");
    expect(design.metadata.seed).toBe(5);
    expect(parseFlatDesign(serializeFlatDesign(design), out)).toEqual(design);
  });

  it("generates m1_study_config.json's risky design, ignoring `model`", async () => {
    const config = await readConfig("m1_study_config.json");
    const { design, path: out } = designFromDesignOnlyConfig(config, 5);
    expect(out).toBe(defaultDesignPath("m1_study"));
    expect(design.risky?.N).toBe(20);
    expect(design.risky?.S).toBe(8);
    expect(design.risky?.x).toEqual(FIXED_SIMPLEXES_K3);
    expect(design.risky?.risky_probs).toBe("fixed");
    expect(parseFlatDesign(serializeFlatDesign(design), out)).toEqual(design);
    const other = designFromDesignOnlyConfig({ ...config, model: "m_3" }, 5).design;
    expect(other.w).toEqual(design.w);
  });

  it("uses from_config's defaults: risky_probs uniform, design_name from_config (m1_default if risky)", () => {
    const flat = designFromDesignOnlyConfig({ generate_on_load: false }, 1);
    expect(flat.path).toBe(join("results", "designs", "from_config.json"));
    const risky = designFromDesignOnlyConfig({ M: 3 }, 1, { risky: true });
    expect(risky.design.risky).toMatchObject({ N: 20, S: 8, risky_probs: "uniform" });
    expect(risky.path).toBe(join("results", "designs", "m1_default.json"));
    expect(designFromDesignOnlyConfig({ N: 2 }, 1).design.risky?.risky_probs).toBe("uniform");
  });

  it("writes where it is told instead", () => {
    expect(designFromDesignOnlyConfig({ design_name: "a/b" }, 1, { out: "x.json" }).path).toBe("x.json");
  });

  it("refuses unknown keys, hierarchical keys and bad values by name", () => {
    expect(refusal({ design_name: "s", foo: 1 })).toBe('design-only config: unknown key "foo"');
    expect(refusal({ M_per_cell: 20 }, { source: "study_config.json" })).toMatch(
      /^study_config\.json: "M_per_cell": a key of the hierarchical designs, but this is a flat design/,
    );
    expect(refusal({ generate_on_load: "yes" })).toBe("design-only config: generate_on_load: must be true or false");
    expect(refusal({ model: 1 })).toMatch(/^design-only config: model: must be a string/);
    expect(refusal({ max_alts_per_problem: 11 })).toMatch(/max_alts_per_problem: \(11\) exceeds R = 10/);
    expect(refusal({ design_name: "../x" })).toMatch(/design_name: "\.\.\/x" names the output file/);
    expect(refusal([])).toBe("design-only config: must be a JSON object");
  });
});
