/** The flat design of a study: from each of its sources, and study_design.json kept or mended on resume. */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { serializeFlatDesign } from "../../src/design/flat/file.js";
import { flatDesignHash, prepareFlatDesign, writeFlatDesignFile } from "../../src/pipeline/flatDesignSetup.js";
import { DESIGN_FILE } from "../../src/pipeline/studySetup.js";

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "cr-flatsetup-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const risky = { M: 6, N: 4, K: 3, D: 2, R: 5, S: 4, max_alts_per_problem: 3 };

describe("prepareFlatDesign", () => {
  it("generates study_design_config as the original's drivers do: with N, risky_probs 'fixed'", async () => {
    const d = await prepareFlatDesign({ study_design_config: risky, seed: 7, source: "c.json" });
    expect(d.risky?.risky_probs).toBe("fixed");
    expect(d.risky?.x[0]).toEqual([0.25, 0.5, 0.25]);
    expect(d.settings.design_name).toBe("m1_default");
    // Seeded: the same config and seed give the same design.
    const again = await prepareFlatDesign({ study_design_config: risky, seed: 7, source: "c.json" });
    expect(flatDesignHash(again)).toBe(flatDesignHash(d));
    expect(flatDesignHash(await prepareFlatDesign({ study_design_config: risky, seed: 8, source: "c.json" }))).not.toBe(
      flatDesignHash(d),
    );
  });

  it("loads a design file (a risky one too) and generates a design-only config", async () => {
    const d = await prepareFlatDesign({ study_design_config: risky, seed: 7, source: "c.json" });
    const file = path.join(dir, "design.json");
    await writeFile(file, serializeFlatDesign(d));
    const loaded = await prepareFlatDesign({ study_design_path: file, seed: 1, source: "c.json" });
    expect(loaded.risky?.J).toEqual(d.risky?.J);
    expect(flatDesignHash(loaded)).toBe(flatDesignHash(d));
    const designOnly = path.join(dir, "study_config.json");
    await writeFile(designOnly, JSON.stringify({ M: 9, K: 3, D: 2, R: 6, generate_on_load: true }));
    const fromConfig = await prepareFlatDesign({ study_config_path: designOnly, seed: 3, source: "c.json" });
    expect(fromConfig).toMatchObject({ M: 9, R: 6 });
    expect(fromConfig.settings.design_name).toBe("from_config");
  });

  it("names the config and the key when a design config is wrong or a design-only config is missing", async () => {
    await expect(prepareFlatDesign({ study_design_config: { M: 0 }, seed: 1, source: "c.json" })).rejects.toThrow(
      /c\.json: study_design_config: M: must be an integer >= 1/,
    );
    await expect(
      prepareFlatDesign({ study_config_path: path.join(dir, "none.json"), seed: 1, source: "c.json" }),
    ).rejects.toThrow(/c\.json: study_config_path: cannot read .*none\.json \(ENOENT\)/);
  });
});

describe("writeFlatDesignFile", () => {
  it("keeps an intact copy, rewrites a damaged or foreign one, saying so", async () => {
    const d = await prepareFlatDesign({ study_design_config: risky, seed: 7, source: "c.json" });
    const file = path.join(dir, DESIGN_FILE);
    const logs: string[] = [];
    await writeFlatDesignFile(dir, d, (l) => logs.push(l));
    const first = await readFile(file, "utf8");
    await writeFlatDesignFile(dir, { ...d, metadata: { ...d.metadata, timestamp: "2031-01-01T00:00:00Z" } }, (l) =>
      logs.push(l),
    );
    expect(await readFile(file, "utf8")).toBe(first);
    expect(logs).toEqual([]);
    await writeFile(file, first.slice(0, 100));
    await writeFlatDesignFile(dir, d, (l) => logs.push(l));
    expect(logs[0]).toMatch(/study_design\.json is damaged \(.*\); rewritten/);
    expect(await readFile(file, "utf8")).toBe(first);
    const other = await prepareFlatDesign({ study_design_config: risky, seed: 8, source: "c.json" });
    await writeFlatDesignFile(dir, other, () => {});
    await writeFlatDesignFile(dir, d, (l) => logs.push(l));
    expect(logs[1]).toMatch(/holds another design than this study's; rewritten/);
    expect(await readFile(file, "utf8")).toBe(first);
  });
});
