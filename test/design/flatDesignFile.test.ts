import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path, { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseFlatDesignConfig, type FlatConfigOptions } from "../../src/design/flat/config.js";
import {
  loadFlatDesign,
  parseFlatDesign,
  serializeFlatDesign,
  validateFlatDesign,
  writeFlatDesign,
} from "../../src/design/flat/file.js";
import { FIXED_SIMPLEXES_K3, generateFlatDesign } from "../../src/design/flat/generate.js";
import type { FlatDesign } from "../../src/design/flat/types.js";
import { InputError } from "../../src/util/errors.js";
import { inputErrorMessage } from "../helpers/errors.js";

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..", "fixtures", "flat-designs");

const design = (config: unknown, seed: number, opts?: FlatConfigOptions) =>
  generateFlatDesign(parseFlatDesignConfig(config, opts), seed);

const FLAT = design({ M: 6, R: 5, D: 3, max_alts_per_problem: 4, design_name: "small" }, 11);
const RISKY = design({ M: 4, N: 5, R: 5, S: 9, max_alts_per_problem: 3 }, 12, { riskyProbsDefault: "fixed" });

/** A deep copy of the design's file as a JSON value, to break on purpose. */
const fileOf = (d: FlatDesign): any => JSON.parse(serializeFlatDesign(d));
/** The message the loader gives for a broken file value. */
const loadRefusal = (raw: unknown) => inputErrorMessage(() => validateFlatDesign(raw, "d.json"));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "flat-design-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("writing flat design files in the original's layout", () => {
  it("writes the keys of an uncertain-only design in the original's order", () => {
    const raw = fileOf(FLAT);
    expect(Object.keys(raw)).toEqual([
      "M",
      "K",
      "D",
      "R",
      "w",
      "I",
      "alpha_mean",
      "alpha_sd",
      "beta_sd",
      "metadata",
      "config",
    ]);
    expect([raw.alpha_mean, raw.alpha_sd, raw.beta_sd]).toEqual([0, 1, 1]);
    expect(raw.config).toEqual({
      feature_dist: "normal",
      feature_params: { loc: 0, scale: 1 },
      design_name: "small",
      min_alts_per_problem: 2,
      max_alts_per_problem: 4,
    });
    expect(Object.keys(raw.config)).toEqual([
      "feature_dist",
      "feature_params",
      "design_name",
      "min_alts_per_problem",
      "max_alts_per_problem",
    ]);
  });

  it("writes the metadata keys in the original's order, then the seed and generator", () => {
    expect(Object.keys(fileOf(FLAT).metadata)).toEqual([
      "timestamp",
      "n_alts_per_problem_min",
      "n_alts_per_problem_max",
      "n_alts_per_problem_mean",
      "alt_frequency_min",
      "alt_frequency_max",
      "alt_frequency_mean",
      "feature_ranges",
      "feature_means",
      "feature_stds",
      "feature_correlations",
      "seed",
      "rng",
    ]);
    expect(Object.keys(fileOf(FLAT).metadata.feature_correlations)).toEqual([
      "dim_1_dim_2",
      "dim_1_dim_3",
      "dim_2_dim_3",
    ]);
  });

  it("writes a risky design's data keys, metadata and the original's config block", () => {
    const raw = fileOf(RISKY);
    expect(Object.keys(raw)).toEqual(["M", "K", "D", "R", "w", "I", "N", "S", "x", "J", "metadata", "config"]);
    expect(Object.keys(raw.metadata).slice(11)).toEqual([
      "risky_n_alts_per_problem_min",
      "risky_n_alts_per_problem_max",
      "risky_n_alts_per_problem_mean",
      "risky_alt_frequency_min",
      "risky_alt_frequency_max",
      "risky_alt_frequency_mean",
      "risky_prob_entropy_min",
      "risky_prob_entropy_max",
      "risky_prob_entropy_mean",
      "seed",
      "rng",
    ]);
    expect(raw.config).toEqual({
      model: "m_1",
      uncertain_problems: 4,
      risky_problems: 5,
      consequences: 3,
      feature_dimensions: 2,
      uncertain_alternatives: 5,
      risky_alternatives: 9,
      feature_dist: "normal",
      feature_params: { loc: 0, scale: 1 },
      risky_probs: "fixed",
      design_name: "m1_default",
      min_alts_per_problem: 2,
      max_alts_per_problem: 3,
    });
    expect(Object.keys(raw.config)[0]).toBe("model");
    expect(raw.x).toEqual([...FIXED_SIMPLEXES_K3, FIXED_SIMPLEXES_K3[0]]);
  });

  it("indents by 2 as Python's json does, except one line per row of I (and J)", () => {
    for (const d of [FLAT, RISKY]) {
      const text = serializeFlatDesign(d);
      const raw = JSON.parse(text);
      const rows = (m: number[][]) => `[\n${m.map((r) => `    [${r.join(", ")}]`).join(",\n")}\n  ]`;
      const expected = JSON.stringify({ ...raw, I: "@I", ...(raw.J ? { J: "@J" } : {}) }, null, 2)
        .replace('"@I"', rows(raw.I))
        .replace('"@J"', raw.J ? rows(raw.J) : "");
      expect(text).toBe(expected + "\n");
    }
    const lines = serializeFlatDesign(FLAT).split("\n");
    const start = lines.indexOf('  "I": [');
    expect(lines.slice(start + 1, start + 1 + FLAT.M).every((l) => /^ {4}\[[01](, [01]){4}\],?$/.test(l))).toBe(true);
    expect(lines[start + 1 + FLAT.M]).toBe("  ],");
  });

  it("depends only on the design", () => {
    expect(serializeFlatDesign(FLAT)).toBe(serializeFlatDesign(structuredClone(FLAT)));
  });
});

describe("reading flat design files back", () => {
  it("round-trips uncertain-only and risky designs exactly", () => {
    for (const d of [FLAT, RISKY]) {
      expect(parseFlatDesign(serializeFlatDesign(d), "d.json")).toEqual(d);
    }
    const uniform = design({ M: 3, R: 3, max_alts_per_problem: 3, feature_dist: "uniform", N: 2, S: 3 }, 1, {
      riskyProbsDefault: "random",
    });
    expect(parseFlatDesign(serializeFlatDesign(uniform), "u.json")).toEqual(uniform);
  });

  it("writes atomically to a file and loads it back", async () => {
    const file = join(dir, "designs", "risky.json");
    await writeFlatDesign(file, RISKY);
    expect(await readFile(file, "utf8")).toBe(serializeFlatDesign(RISKY));
    expect(await loadFlatDesign(file)).toEqual(RISKY);
  });

  it("names the file when it cannot be read or is not JSON", async () => {
    const missing = join(dir, "nope.json");
    await expect(loadFlatDesign(missing)).rejects.toThrow(`${missing}: cannot read the flat design (ENOENT)`);
    const bad = join(dir, "bad.json");
    await writeFile(bad, "{ not json");
    await expect(loadFlatDesign(bad)).rejects.toThrow(InputError);
    await expect(loadFlatDesign(bad)).rejects.toThrow(`${bad}: not valid JSON`);
  });

  it("reads alpha_mean, alpha_sd and beta_sd and ignores them", () => {
    const raw = fileOf(FLAT);
    Object.assign(raw, { alpha_mean: 3, alpha_sd: 0.75, beta_sd: 2 });
    const d = validateFlatDesign(raw, "d.json");
    expect(d).toEqual(FLAT);
    expect(fileOf(d).alpha_mean).toBe(0);
    delete raw.alpha_mean;
    expect(validateFlatDesign(raw, "d.json")).toEqual(FLAT);
    expect(loadRefusal({ ...raw, beta_sd: "1" })).toBe("d.json: beta_sd: must be a number");
  });

  it("recomputes the metadata statistics and keeps the timestamp and seed", () => {
    const raw = fileOf(FLAT);
    raw.metadata.alt_frequency_max = 99;
    raw.metadata.extension_info = { base_M: 3 };
    expect(validateFlatDesign(raw, "d.json")).toEqual(FLAT);
  });

  it("reads a file without metadata and config, filling what the data say", () => {
    const raw = fileOf(FLAT);
    delete raw.metadata;
    delete raw.config;
    const d = validateFlatDesign(raw, join("results", "designs", "bare.json"));
    const sizes = FLAT.I.map((r) => r.reduce((a, b) => a + b, 0));
    expect(d.settings).toEqual({
      design_name: "bare",
      min_alts_per_problem: Math.min(...sizes),
      max_alts_per_problem: Math.max(...sizes),
      feature_dist: "normal",
      feature_params: { loc: 0, scale: 1 },
    });
    expect(d.metadata.timestamp).toBe("");
    expect(d.metadata.seed).toBeUndefined();
  });

  it("reads uniform feature_params holding the original's leftover {loc, scale} default", () => {
    const raw = fileOf(FLAT);
    raw.config.feature_dist = "uniform";
    raw.config.feature_params = { loc: 0, scale: 1 };
    expect(validateFlatDesign(raw, "d.json").settings.feature_params).toEqual({ low: -1, high: 1 });
    raw.config.feature_dist = "normal";
    raw.config.feature_params = { low: 0, high: 1 };
    expect(loadRefusal(raw)).toMatch(/config\.feature_params: \{"low":0,"high":1\} does not fit feature_dist "normal"/);
  });
});

describe("the loader's refusals name the file and the field", () => {
  it("checks the shape of w and I", () => {
    const raw = fileOf(FLAT);
    raw.I[4] = [1, 1, 0, 0];
    expect(loadRefusal(raw)).toBe("d.json: I[4]: (problem 5) has 4 entries, expected R = 5");
    const raw2 = fileOf(FLAT);
    raw2.w.pop();
    raw2.w[1] = [1, 2];
    expect(loadRefusal(raw2)).toBe(
      "d.json: w: has 4 rows, expected R = 5; w[1]: (alternative 2) has 2 entries, expected D = 3",
    );
    const raw3 = fileOf(FLAT);
    raw3.I.pop();
    expect(loadRefusal(raw3)).toBe("d.json: I: has 5 rows, expected M = 6");
  });

  it("checks that I holds 0/1 with at least two alternatives per problem", () => {
    const raw = fileOf(FLAT);
    raw.I[0] = [2, 1, 0, 0, 0];
    raw.I[2] = [0, 0, 1, 0, 0];
    expect(loadRefusal(raw)).toBe(
      "d.json: I[0][0]: (problem 1) is 2, must be 0 or 1; I[0]: (problem 1) offers 1 alternative, the models need at least 2; " +
        "I[2]: (problem 3) offers 1 alternative, the models need at least 2",
    );
    raw.I = fileOf(FLAT).I;
    raw.I[1][0] = 0.5;
    expect(loadRefusal(raw)).toBe("d.json: I[1][0]: must be an integer");
  });

  it("checks the problem sizes against config's min/max_alts_per_problem", () => {
    const raw = fileOf(FLAT);
    raw.I[3] = [1, 1, 1, 1, 1];
    expect(loadRefusal(raw)).toBe("d.json: I[3]: offers 5 alternatives, outside config min/max_alts_per_problem 2..4");
    raw.I = fileOf(FLAT).I;
    raw.config.min_alts_per_problem = 5;
    expect(loadRefusal(raw)).toBe("d.json: config.max_alts_per_problem: (4) is below min_alts_per_problem (5)");
  });

  it("checks x: S simplexes of length K", () => {
    const raw = fileOf(RISKY);
    raw.x[2] = [0.5, 0.5];
    raw.x[3] = [0.5, 0.6, -0.1];
    raw.x[4] = [0.2, 0.2, 0.2];
    expect(loadRefusal(raw)).toBe(
      "d.json: x[2]: (risky alternative 3) has 2 entries, expected K = 3; " +
        "x[3]: (risky alternative 4) is not a simplex: entries must be >= 0 and sum to 1, got [0.5,0.6,-0.1]; " +
        "x[4]: (risky alternative 5) is not a simplex: entries must be >= 0 and sum to 1, got [0.2,0.2,0.2]",
    );
    raw.x = fileOf(RISKY).x.slice(1);
    expect(loadRefusal(raw)).toBe("d.json: x: has 8 simplexes, expected S = 9");
  });

  it("checks J like I, over S", () => {
    const raw = fileOf(RISKY);
    raw.J[1] = [1, 1, 0];
    raw.J.push(new Array(9).fill(0));
    expect(loadRefusal(raw)).toBe(
      "d.json: J: has 6 rows, expected N = 5; J[1]: (risky problem 2) has 3 entries, expected S = 9; " +
        "J[5]: (risky problem 6) offers 0 alternatives, the models need at least 2",
    );
  });

  it("wants N, S, x and J together", () => {
    const raw = fileOf(RISKY);
    delete raw.x;
    expect(loadRefusal(raw)).toBe(
      "d.json: x: is required with N, S, J (a design with risky problems holds N, S, x and J)",
    );
  });

  it("checks that config repeats the data's sizes, and keeps risky settings to risky designs", () => {
    const raw = fileOf(RISKY);
    raw.config.uncertain_problems = 7;
    raw.config.risky_alternatives = 8;
    expect(loadRefusal(raw)).toBe(
      "d.json: config.uncertain_problems: is 7 but M = 4; config.risky_alternatives: is 8 but S = 9",
    );
    const flat = fileOf(FLAT);
    flat.config.risky_probs = "fixed";
    expect(loadRefusal(flat)).toBe("d.json: config.risky_probs: is only meaningful with risky problems (N, S, x, J)");
  });

  it("refuses unknown keys and hierarchical design files by name", () => {
    expect(loadRefusal({ ...fileOf(FLAT), y: [1] })).toBe('d.json: unknown key "y"');
    const raw = fileOf(FLAT);
    raw.config.factors = [2];
    expect(loadRefusal(raw)).toBe('d.json: config: unknown key "factors"');
    expect(loadRefusal({ ...fileOf(FLAT), P: 2, cell: [1] })).toBe('d.json: unknown keys "P", "cell"');
    expect(loadRefusal([])).toBe("d.json: must be a JSON object");
    const noM = fileOf(FLAT);
    delete noM.M;
    expect(loadRefusal(noM)).toBe("d.json: M: is required");
  });
});

describe("files written by hand in the original's layout", () => {
  it("loads an uncertain-only design, keeping its timestamp and config", async () => {
    const file = join(FIXTURES, "study.json");
    const d = await loadFlatDesign(file);
    expect([d.M, d.K, d.D, d.R]).toEqual([5, 3, 2, 5]);
    expect(d.w[3]).toEqual([1.5792, 0.7674]);
    expect(d.I[4]).toEqual([1, 1, 1, 1, 0]);
    expect(d.risky).toBeUndefined();
    expect(d.settings).toEqual({
      design_name: "study",
      min_alts_per_problem: 2,
      max_alts_per_problem: 4,
      feature_dist: "normal",
      feature_params: { loc: 0, scale: 1 },
    });
    expect(d.metadata.timestamp).toBe("2025-03-14T10:22:31.123456");
    expect(d.metadata.seed).toBeUndefined();
  });

  it("loads a risky design, which the original cannot read back", async () => {
    const d = await loadFlatDesign(join(FIXTURES, "m1_study.json"));
    expect([d.M, d.K, d.D, d.R]).toEqual([3, 3, 2, 4]);
    expect(d.risky).toEqual({
      N: 3,
      S: 4,
      x: FIXED_SIMPLEXES_K3.slice(0, 4),
      J: [
        [1, 0, 1, 0],
        [0, 1, 1, 1],
        [1, 1, 0, 0],
      ],
      risky_probs: "fixed",
    });
    expect(d.settings.design_name).toBe("m1_study");
  });

  it("recomputes the statistics the original computed with numpy (population sd, Pearson r, entropy)", async () => {
    for (const name of ["study.json", "m1_study.json"]) {
      const file = join(FIXTURES, name);
      const written = JSON.parse(await readFile(file, "utf8")).metadata;
      const ours = (await loadFlatDesign(file)).metadata as unknown as Record<string, unknown>;
      // numpy sums in another order: equal to the last few bits.
      const close = (a: unknown, b: unknown): void => {
        if (typeof b === "number") expect(a).toBeCloseTo(b, 12);
        else if (b !== null && typeof b === "object") {
          expect(Object.keys(a as object)).toEqual(Object.keys(b));
          for (const k of Object.keys(b)) close((a as any)[k], (b as any)[k]);
        } else expect(a).toBe(b);
      };
      close(ours, written);
    }
  });

  it("re-writes a loaded file in our layout and reads the same design back", async () => {
    for (const name of ["study.json", "m1_study.json"]) {
      const d = await loadFlatDesign(join(FIXTURES, name));
      expect(parseFlatDesign(serializeFlatDesign(d), name)).toEqual(d);
    }
  });
});
