import { copyFile, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { StanCsvError } from "../../src/util/errors.js";
import type { CompiledModel } from "../../src/cmdstan/compile.js";
import { sample, type SampleOptions } from "../../src/cmdstan/run.js";
import { bracketName, parseStanCsvText, readStanCsv, readStanFit, type StanCsv } from "../../src/cmdstan/stanCsv.js";
import { compileTestModel, CSV_FIXTURES } from "../helpers/cmdstan.js";

const FIX = CSV_FIXTURES;
const fx = (name: string) => path.join(FIX, name);

/** The columns of the header row of a Stan CSV file, read independently of the reader. */
async function headerColumns(file: string): Promise<string[]> {
  const lines = (await readFile(file, "utf8")).split("\n");
  return lines.find((l) => !l.startsWith("#"))!.split(",");
}

/** Data rows (non-comment, non-empty lines after the header), read independently. */
async function dataRows(file: string): Promise<string[][]> {
  const lines = (await readFile(file, "utf8")).split("\n").filter((l) => l !== "" && !l.startsWith("#"));
  return lines.slice(1).map((l) => l.split(","));
}

async function expectCsvError(
  p: Promise<unknown>,
  file: string,
  line: number | undefined,
  message: RegExp,
): Promise<StanCsvError> {
  const err = await p.then(
    () => {
      throw new Error(`expected a StanCsvError for ${file}`);
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(StanCsvError);
  const e = err as StanCsvError;
  expect(e.file).toBe(file);
  expect(e.line).toBe(line);
  expect(e.message).toMatch(message);
  const prefix = line === undefined ? `${file}: ` : `${file}:${line}: `;
  expect(e.message.slice(0, prefix.length)).toBe(prefix);
  return e;
}

/** Invariants every successfully read sampling file must satisfy, checked against the raw text. */
async function checkInvariants(file: string, csv: StanCsv): Promise<void> {
  const cols = await headerColumns(file);
  expect(csv.columnNames).toEqual(cols);
  // Variables cover the header exactly once.
  const covered = csv.variables.flatMap((v) => v.columnNames);
  expect([...covered].sort()).toEqual([...cols].sort());
  for (const v of csv.variables) {
    expect(v.columnNames.length).toBe(v.dims.reduce((a, b) => a * b, 1));
  }
  // Every value equals the text's number, row by row, and nothing is missing or extra.
  const rows = await dataRows(file);
  expect(rows.length).toBe(csv.numDraws + csv.numWarmupDraws);
  const post = rows.slice(csv.numWarmupDraws);
  cols.forEach((c, j) => {
    const d = csv.draws[c];
    expect(d.length).toBe(csv.numDraws);
    for (let i = 0; i < post.length; i++) {
      const text = post[i][j].trim();
      const want =
        text === "nan" || text === "-nan"
          ? NaN
          : text === "inf"
            ? Infinity
            : text === "-inf"
              ? -Infinity
              : Number(text);
      if (!Object.is(d[i], want) && !(Number.isNaN(d[i]) && Number.isNaN(want)))
        expect.fail(`${file} ${c} draw ${i}: ${d[i]} != ${text}`);
    }
  });
}

describe("bracketName", () => {
  it("turns CSV container names into bracket form", () => {
    expect(bracketName("beta.1.2.1")).toBe("beta[1,2,1]");
    expect(bracketName("alpha.3")).toBe("alpha[3]");
    expect(bracketName("theta")).toBe("theta");
    expect(bracketName("lp__")).toBe("lp__");
  });
});

describe("readStanCsv on the good fixtures", () => {
  it("bernoulli_output_1.csv: typed config by key, draws, adaptation, timing", async () => {
    const f = fx("bernoulli_output_1.csv");
    const csv = await readStanCsv(f);
    const { raw, ...config } = csv.config;
    expect(config).toEqual({
      stanVersion: "2.19.0",
      model: "bernoulli_model",
      method: "sample",
      algorithm: "hmc",
      engine: "nuts",
      metric: "diag_e",
      numSamples: 10,
      numWarmup: 100,
      saveWarmup: false,
      thin: 1,
      adaptEngaged: true,
      adaptDelta: 0.8,
      maxDepth: 10,
      seed: 123456,
      chainId: 1,
      dataFile: "examples/bernoulli/bernoulli.data.json",
    });
    expect(raw["output.file"]).toBe("output_1.csv");
    expect(raw["method.sample.adapt.gamma"]).toBe("0.050000000000000003");
    expect(raw["method.sample.algorithm.hmc.stepsize_jitter"]).toBe("0");
    expect(csv.numDraws).toBe(10);
    expect(csv.numWarmupDraws).toBe(0);
    expect(csv.warmupDraws).toBeUndefined();
    expect(Array.from(csv.draws.theta)).toEqual([
      0.229458, 0.20649, 0.310589, 0.310589, 0.310589, 0.614551, 0.21615, 0.115185, 0.0892886, 0.240616,
    ]);
    expect(csv.adaptation).toEqual({ stepSize: 0.787025, inverseMetric: [1], metric: "diag_e" });
    expect(csv.timing).toEqual({ warmup: 0.001332, sampling: 0.000249, total: 0.001581 });
    expect(csv.variables.map((v) => v.name)).toEqual([
      "lp__",
      "accept_stat__",
      "stepsize__",
      "treedepth__",
      "n_leapfrog__",
      "divergent__",
      "energy__",
      "theta",
    ]);
    await checkInvariants(f, csv);
  });

  it("multidim_vars.csv: shapes from column-major columns, names listed row-major", async () => {
    const f = fx("multidim_vars.csv");
    const csv = await readStanCsv(f);
    const byName = Object.fromEntries(csv.variables.map((v) => [v.name, v]));
    expect(byName.beta.dims).toEqual([2]);
    expect(byName.y_rep.dims).toEqual([5, 4, 3]);
    expect(byName.frac_60.dims).toEqual([]);
    expect(byName.frac_60.columnNames).toEqual(["frac_60"]);
    // File order is column-major (first index fastest) ...
    const header = await headerColumns(f);
    const yCols = header.filter((c) => c.startsWith("y_rep."));
    expect(yCols.slice(0, 6)).toEqual([
      "y_rep.1.1.1",
      "y_rep.2.1.1",
      "y_rep.3.1.1",
      "y_rep.4.1.1",
      "y_rep.5.1.1",
      "y_rep.1.2.1",
    ]);
    // ... the variable lists them row-major (last index fastest).
    expect(byName.y_rep.columnNames.slice(0, 5)).toEqual([
      "y_rep.1.1.1",
      "y_rep.1.1.2",
      "y_rep.1.1.3",
      "y_rep.1.2.1",
      "y_rep.1.2.2",
    ]);
    expect(byName.y_rep.columnNames.at(-1)).toBe("y_rep.5.4.3");
    expect(byName.y_rep.columnNames).toHaveLength(60);
    expect([...byName.y_rep.columnNames].sort()).toEqual([...yCols].sort());
    expect(csv.adaptation?.inverseMetric).toEqual([0.0541341, 0.0622696]);
    expect(csv.numDraws).toBe(20);
    await checkInvariants(f, csv);
  });

  it("logistic_output_1.csv (sig_figs=17) keeps every digit", async () => {
    const f = fx("logistic_output_1.csv");
    const csv = await readStanCsv(f);
    expect(csv.draws["beta.1"][0]).toBe(1.4566622706449768);
    expect(csv.draws["lp__"][0]).toBe(-65.512400286053165);
    expect(csv.config.stanVersion).toBe("2.25.0");
    await checkInvariants(f, csv);
  });

  it("fixed_param_sample.csv: fewer sampler columns, no adaptation block", async () => {
    const f = fx("fixed_param_sample.csv");
    const csv = await readStanCsv(f, { requireMethod: "sample" });
    expect(csv.columnNames.slice(0, 3)).toEqual(["lp__", "accept_stat__", "N"]);
    expect(csv.adaptation).toBeUndefined();
    expect(csv.numDraws).toBe(100);
    expect(csv.config.stanVersion).toBe("2.27.0");
    expect(csv.config.chainId).toBe(0);
    expect(csv.variables.find((v) => v.name === "y_sim")?.dims).toEqual([20]);
    await checkInvariants(f, csv);
  });

  it("no_param_hmc_sample.csv (2.35): boolean words, nan step size, empty metric", async () => {
    const f = fx("no_param_hmc_sample.csv");
    const csv = await readStanCsv(f);
    expect(csv.config.saveWarmup).toBe(false);
    expect(csv.config.adaptEngaged).toBe(true);
    expect(csv.config.stanVersion).toBe("2.35.0");
    expect(csv.config.dataFile).toBeUndefined();
    expect(csv.config.raw["stanc_version"]).toBe("%%NAME%%3 %%VERSION%%");
    expect(Number.isNaN(csv.adaptation!.stepSize)).toBe(true);
    expect(csv.adaptation!.inverseMetric).toEqual([]);
    expect(Array.from(csv.draws.stepsize__).every(Number.isNaN)).toBe(true);
    expect(csv.numDraws).toBe(100);
    await checkInvariants(f, csv);
  });

  it.each([
    ["diagnose-good_corr_gauss_depth8-1.csv", 1000, { x: [100] }],
    ["lotka-volterra.csv", 20, { theta: [4], z: [20, 2], y_rep: [20, 2], z_init: [2] }],
    ["sampling_output.csv", 1000, { theta: [], mu: [], y_rep: [10] }],
    ["runset-good_bern-1.csv", 100, { theta: [] }],
    ["runset-good_bern-4.csv", 100, { theta: [] }],
    ["logistic_output_4.csv", 100, { beta: [2] }],
    // Individually sound members of the broken sets (they are broken as sets, see below).
    ["runset-bad_bad-cols-bern-1.csv", 1000, { theta: [] }],
    ["runset-bad_bad-draws-bern-3.csv", 1000, { theta: [] }],
    ["runset-bad_bad-hdr-bern-4.csv", 1000, { theta: [] }],
  ])("%s reads completely", async (name, draws, shapes) => {
    const f = fx(name);
    const csv = await readStanCsv(f, { requireMethod: "sample" });
    expect(csv.numDraws).toBe(draws);
    for (const [v, dims] of Object.entries(shapes)) expect(csv.variables.find((x) => x.name === v)?.dims).toEqual(dims);
    expect(csv.timing?.total).toBeGreaterThan(0);
    await checkInvariants(f, csv);
  });

  it("subset reading keeps only the named variables (sampler columns by name)", async () => {
    const f = fx("multidim_vars.csv");
    const csv = await readStanCsv(f, { variables: ["beta", "lp__"] });
    expect(csv.variables.map((v) => v.name)).toEqual(["lp__", "beta"]);
    expect(Object.keys(csv.draws).sort()).toEqual(["beta.1", "beta.2", "lp__"]);
    expect(csv.columnNames).toEqual(await headerColumns(f)); // header still complete
    const full = await readStanCsv(f);
    expect(Array.from(csv.draws["beta.2"])).toEqual(Array.from(full.draws["beta.2"]));
    await expectCsvError(readStanCsv(f, { variables: ["beta", "gamma0"] }), f, 43, /'gamma0' not in the header/);
  });
});

describe("readStanCsv rejects the broken fixtures with file, line and problem", () => {
  it.each([
    ["output_bad_cols.csv", 44, /row has 7 fields, the header has 8/],
    ["output_bad_rows.csv", 52, /9 post-warmup draws, expected 10/],
    ["output_bad_metric_1.csv", 40, /adaptation block .* was expected/],
    ["output_bad_metric_2.csv", 41, /step size 'not a number' is not a number/],
    ["output_bad_metric_3.csv", 42, /metric = diag_e but the adaptation block holds a dense inverse metric/],
    ["output_bad_metric_4.csv", 44, /dense inverse metric row 2 has 4 entries, expected 3/],
    ["runset-bad_bad-cols-bern-4.csv", 44, /row has 8 fields, the header has 9/],
    ["runset-bad_bad-draws-bern-4.csv", 1031, /988 post-warmup draws, expected 1000/],
  ])("%s", async (name, line, message) => {
    await expectCsvError(readStanCsv(fx(name)), fx(name), line, message);
  });

  it.each([
    ["optimize_eight_schools_mle_iters.csv", 6, "optimize"],
    ["optimize_rosenbrock_mle.csv", 5, "optimize"],
    ["optimize_rosenbrock_mle_iters.csv", 6, "optimize"],
    ["variational_eta_big_output.csv", 6, "variational"],
    ["pathfinder_bernoulli-pathfinder.csv", 6, "pathfinder"],
    ["from_csv_wrong_header_method.csv", 5, "diagnose"],
  ])("%s is refused as sampler output", async (name, line, method) => {
    const re = new RegExp(`method is '${method}', expected 'sample'`);
    await expectCsvError(readStanCsv(fx(name), { requireMethod: "sample" }), fx(name), line, re);
    await expectCsvError(readStanFit([fx(name)], { requireMethod: "sample" }), fx(name), line, re);
  });

  it("other methods are read generically when no method is required", async () => {
    const opt = await readStanCsv(fx("optimize_rosenbrock_mle.csv"));
    expect(opt.config.method).toBe("optimize");
    expect(opt.numDraws).toBe(1);
    expect(opt.draws.x[0]).toBe(1.00001);
    const pf = await readStanCsv(fx("pathfinder_bernoulli-pathfinder.csv"));
    expect(pf.numDraws).toBe(1000);
    expect(pf.draws.lp__[0]).toBe(-6.76206); // field written as " -6.76206"
  });
});

describe("readStanFit checks that the chains belong together", () => {
  const set = (prefix: string) => [1, 2, 3, 4].map((i) => fx(`${prefix}-${i}.csv`));

  it("reads the good four-chain runs", async () => {
    const fit = await readStanFit(set("runset-good_bern"), { requireMethod: "sample" });
    expect(fit.chains).toHaveLength(4);
    expect(fit.chains.map((c) => c.config.chainId)).toEqual([1, 2, 3, 4]);
    expect(fit.variables.map((v) => v.name)).toContain("theta");
    expect(fit.config.model).toBe("bernoulli_model");
    const lfit = await readStanFit(
      [1, 2, 3, 4].map((i) => fx(`logistic_output_${i}.csv`)),
      { variables: ["beta"] },
    );
    expect(lfit.variables).toEqual([{ name: "beta", dims: [2], columnNames: ["beta.1", "beta.2"] }]);
    expect(Object.keys(lfit.chains[3].draws)).toEqual(["beta.1", "beta.2"]);
  });

  it("bad-hdr: a chain of another model", async () => {
    await expectCsvError(
      readStanFit(set("runset-bad_bad-hdr-bern")),
      fx("runset-bad_bad-hdr-bern-4.csv"),
      4,
      /model "foo" differs from "bernoulli_model"/,
    );
  });
  it("bad-cols: a chain with an extra column (and rows that do not match it)", async () => {
    await expectCsvError(
      readStanFit(set("runset-bad_bad-cols-bern")),
      fx("runset-bad_bad-cols-bern-4.csv"),
      44,
      /row has 8 fields, the header has 9/,
    );
  });
  it("bad-draws: a chain cut short", async () => {
    await expectCsvError(
      readStanFit(set("runset-bad_bad-draws-bern")),
      fx("runset-bad_bad-draws-bern-4.csv"),
      1031,
      /988 post-warmup draws/,
    );
  });
  it("bad against good: num_samples differ", async () => {
    await expectCsvError(
      readStanFit([fx("runset-good_bern-1.csv"), fx("runset-bad_bad-hdr-bern-2.csv")]),
      fx("runset-bad_bad-hdr-bern-2.csv"),
      7,
      /num_samples 1000 differs from 100/,
    );
  });
  it("different columns", async () => {
    await expectCsvError(
      readStanFit([fx("runset-good_bern-1.csv"), fx("sampling_output.csv")]),
      fx("sampling_output.csv"),
      4,
      /model "bernoulli_ppc_model" differs/,
    );
    await expectCsvError(
      readStanFit([fx("logistic_output_1.csv"), fx("multidim_vars.csv")]),
      fx("multidim_vars.csv"),
      4,
      /model "multidim_vars_model" differs from "logistic_model"/,
    );
  });
  it("names the first failing chain in file order, not the one that failed soonest", async () => {
    // The 940 KB file is parsed long after the 48 KB one has already failed; the error must
    // still name the first file given (CI once reported a different chain on a busy machine).
    const big = fx("diagnose-good_corr_gauss_depth8-1.csv");
    const small = fx("runset-good_bern-1.csv");
    for (let round = 0; round < 3; round++) {
      await expectCsvError(
        readStanFit([big, small], { variables: ["nope"] }),
        big,
        38,
        /variable 'nope' not in the header/,
      );
    }
    await expectCsvError(
      readStanFit([small, big], { variables: ["nope"] }),
      small,
      39,
      /variable 'nope' not in the header/,
    );
  });
  it("same model, different columns", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "stancsv-cols-"));
    try {
      const other = path.join(dir, "renamed-2.csv");
      await writeFile(
        other,
        (await readFile(fx("runset-good_bern-2.csv"), "utf8")).replace("energy__,theta", "energy__,phi"),
      );
      await expectCsvError(
        readStanFit([fx("runset-good_bern-1.csv"), other]),
        other,
        undefined,
        /header columns differ from the first chain: column 8 is 'phi', .*runset-good_bern-1.csv has 'theta'/,
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
  it("no files", async () => {
    await expect(readStanFit([])).rejects.toBeInstanceOf(StanCsvError);
  });
});

describe("readStanFit checks that the chains are distinct chains of one run", () => {
  const good = [1, 2, 3, 4].map((i) => fx(`runset-good_bern-${i}.csv`));
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), "stancsv-run-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("a file given twice, also under another spelling of its path", async () => {
    await expectCsvError(
      readStanFit([good[0], good[1], good[0]], { requireMethod: "sample" }),
      good[0],
      undefined,
      /given twice; each chain must be given once/,
    );
    const respelled = path.relative(process.cwd(), good[1]);
    expect(respelled).not.toBe(good[1]);
    const e = await expectCsvError(readStanFit([good[1], respelled]), respelled, undefined, /given twice/);
    expect(e.message).toContain(`(also as ${good[1]})`);
  });

  it("the same chain twice: a copy has the same chain id and seed", async () => {
    const copy = path.join(dir, "copy-of-chain-1.csv");
    await copyFile(good[0], copy);
    const e = await expectCsvError(
      readStanFit([good[0], good[1], copy]),
      copy,
      undefined,
      /chain id 1 with seed 12345 is the same chain as /,
    );
    expect(e.message).toContain(`the same chain as ${good[0]} (a copy, or chains of two runs)`);
  });

  it("chains fitted to another data file", async () => {
    const other = path.join(dir, "other-data-2.csv");
    const text = await readFile(good[1], "utf8");
    await writeFile(other, text.replace(/(#\s+file = \S*)bernoulli\.data\.json/, "$1other.data.json"));
    await expectCsvError(
      readStanFit([good[0], other]),
      other,
      undefined,
      /data file ".*other\.data\.json" differs from ".*bernoulli\.data\.json" in .*runset-good_bern-1\.csv \(chains of one fit must agree\)/,
    );
  });

  it("passes the chains of one run: distinct chain ids, one seed, one data file", async () => {
    const fit = await readStanFit(good, { requireMethod: "sample" });
    expect(new Set(fit.chains.map((c) => c.config.seed))).toEqual(new Set([12345]));
    expect(new Set(fit.chains.map((c) => c.config.dataFile)).size).toBe(1);
  });
});

describe("strict parsing of hand-made damage", () => {
  const base = async () => readFile(fx("bernoulli_output_1.csv"), "utf8");
  const F = "damaged.csv";
  const parse = (text: string) => Promise.resolve().then(() => parseStanCsvText(text, F));

  it("a last row cut mid-number without newline is an error, not a short value", async () => {
    const text = await base();
    const cut = text.slice(
      0,
      text.indexOf("-6.75089,0.914623") + "-6.75089,0.914623,0.787025,1,3,0,7.92869,0.2406".length,
    );
    expect(cut.endsWith("0.2406")).toBe(true);
    await expectCsvError(parse(cut), F, 53, /not terminated by a newline.*truncated/);
  });
  it("a missing last value is an error", async () => {
    const text = (await base()).replace("7.92869,0.240616", "7.92869,");
    await expectCsvError(parse(text), F, 53, /column 8 \(theta\): '' is not a number/);
  });
  it("an extra field is an error", async () => {
    const text = (await base()).replace("7.92869,0.240616", "7.92869,0.240616,1");
    await expectCsvError(parse(text), F, 53, /row has 9 fields, the header has 8/);
  });
  it("a non-number is an error naming the column", async () => {
    for (const bad of ["abc", "0x10", " 1", "1 ", "Infinityx", "1e"]) {
      const text = (await base()).replace("0.115185\n", `${bad}\n`);
      await expectCsvError(
        parse(text),
        F,
        51,
        new RegExp(`column 8 \\(theta\\): '${bad.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}' is not a number`),
      );
    }
  });
  it("nan, inf and -inf are numbers", async () => {
    const text = (await base())
      .replace("0.229458\n", "nan\n")
      .replace("0.20649\n", "inf\n")
      .replace("0.310589\n", "-inf\n")
      .replace("3,0,6.85536", "3,0,-nan");
    const csv = await parse(text);
    expect(Array.from(csv.draws.theta.slice(0, 3))).toEqual([NaN, Infinity, -Infinity]);
    expect(csv.draws.energy__[2]).toBeNaN();
  });
  it("an empty line among the draws is an error", async () => {
    const text = (await base()).replace("0.115185\n", "0.115185\n\n");
    await expectCsvError(parse(text), F, 52, /empty line among the draws/);
  });
  it("draws after the timing block are an error", async () => {
    const text = (await base()) + "-6.75089,0.914623,0.787025,1,3,0,7.92869,0.240616\n";
    await expectCsvError(parse(text), F, 59, /draw after the timing block/);
  });
  it("header problems", async () => {
    const text = await base();
    await expectCsvError(parse(text.replace("energy__,theta", "energy__,energy__")), F, 39, /'energy__' appears twice/);
    await expectCsvError(parse(text.replace("energy__,theta", "energy__,")), F, 39, /column 8 is empty/);
    await expectCsvError(
      parse(text.replace("energy__,theta", "energy__,the ta")),
      F,
      39,
      /'the ta' is not a Stan output name/,
    );
    await expectCsvError(parse("# only comments\n"), F, 1, /no header row/);
    await expectCsvError(parse(""), F, undefined, /no header row/);
  });
  it("containers must be complete and column-major", async () => {
    const text = await base();
    const head = text.slice(0, text.indexOf("lp__"));
    const rows = (cols: string[]) =>
      head +
      `lp__,${cols.join(",")}\n` +
      Array.from({ length: 10 }, () => `0,${cols.map(() => "1").join(",")}\n`).join("");
    const ok = await parse(rows(["b.1.1", "b.2.1", "b.1.2", "b.2.2", "b.1.3", "b.2.3"]));
    expect(ok.variables[1]).toEqual({
      name: "b",
      dims: [2, 3],
      columnNames: ["b.1.1", "b.1.2", "b.1.3", "b.2.1", "b.2.2", "b.2.3"],
    });
    await expectCsvError(
      parse(rows(["b.1.1", "b.1.2", "b.2.1", "b.2.2"])),
      F,
      39,
      /'b.1.2' is out of the column-major order/,
    );
    await expectCsvError(
      parse(rows(["b.1.1", "b.2.1", "b.2.2"])),
      F,
      39,
      /'b' has 3 columns but its indices span \[2,2\]/,
    );
    await expectCsvError(parse(rows(["b.1", "c", "b.2"])), F, 39, /variable 'b' appears twice/);
    await expectCsvError(parse(rows(["b.1", "b.2.1"])), F, 39, /has 2 indices, other columns of 'b' have 1/);
  });
  it("config values that do not parse", async () => {
    const text = await base();
    await expectCsvError(
      parse(text.replace("num_samples = 10", "num_samples = ten")),
      F,
      7,
      /'method.sample.num_samples' = 'ten' is not an integer/,
    );
    await expectCsvError(parse(text.replace("#     thin = 1 (Default)\n", "")), F, 38, /missing 'method.sample.thin'/);
    await expectCsvError(parse(text.replace("# model = bernoulli_model\n", "")), F, 38, /missing 'model'/);
  });
  it("more warmup rows than declared, or draws where the adaptation block belongs", async () => {
    const text = (await base())
      .replace("save_warmup = 0 (Default)", "save_warmup = 1")
      .replace("num_warmup = 100", "num_warmup = 2");
    const firstRow = "-6.76206,1,0.787025,1,1,0,6.81411,0.229458\n";
    const withWarmup = text.replace("# Adaptation terminated\n", `${firstRow}${firstRow}# Adaptation terminated\n`);
    const csv = await parse(withWarmup);
    expect(csv.numWarmupDraws).toBe(2);
    expect(Array.from(csv.warmupDraws!.theta)).toEqual([0.229458, 0.229458]);
    expect(csv.numDraws).toBe(10);
    const three = text.replace(
      "# Adaptation terminated\n",
      `${firstRow}${firstRow}${firstRow}# Adaptation terminated\n`,
    );
    await expectCsvError(parse(three), F, 42, /more than 2 warmup draws/);
    await expectCsvError(
      parse(text.replace("# Adaptation terminated\n", `${firstRow}# Adaptation terminated\n`)),
      F,
      41,
      /1 warmup draws before the adaptation block, expected 2/,
    );
  });
});

describe("real CmdStan output (test/models/summary_shapes.stan)", () => {
  let dir: string;
  let model: CompiledModel;
  /** Chains 1..`chains` with seed 4711. */
  const run = async (prefix: string, opts: Partial<SampleOptions>, chains = 1): Promise<string[]> =>
    (await sample(model, { chains, seed: 4711, refresh: 0, outputDir: dir, outputPrefix: prefix, ...opts })).csvFiles;

  beforeAll(async () => {
    model = await compileTestModel("summary_shapes");
    dir = await mkdtemp(path.join(tmpdir(), "stancsv-test-"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("shapes and values of containers of rank 1 to 3 (column-major in the file)", async () => {
    const files = await run("default", { numSamples: 200 }, 2);
    const fit = await readStanFit(files, { requireMethod: "sample" });
    const csv = fit.chains[0];
    await checkInvariants(files[0], csv);
    const byName = Object.fromEntries(csv.variables.map((v) => [v.name, v]));
    expect(byName.b.dims).toEqual([2, 3]);
    expect(byName.idx.dims).toEqual([2, 3, 4]);
    expect(byName.constant.dims).toEqual([]);
    expect(byName.idx.columnNames.slice(0, 5)).toEqual([
      "idx.1.1.1",
      "idx.1.1.2",
      "idx.1.1.3",
      "idx.1.1.4",
      "idx.1.2.1",
    ]);
    // idx[i][j, k] = 100 i + 10 j + k: the name must point at the right column of the file.
    for (const c of byName.idx.columnNames) {
      const [i, j, k] = c.split(".").slice(1).map(Number);
      expect(Array.from(new Set(csv.draws[c]))).toEqual([100 * i + 10 * j + k]);
    }
    expect(csv.config.stanVersion).toMatch(/^2\.\d+\.\d+$/);
    expect(csv.config.numSamples).toBe(200);
    expect(csv.config.chainId).toBe(1);
    expect(fit.chains[1].config.chainId).toBe(2);
    expect(csv.adaptation?.metric).toBe("diag_e");
    expect(csv.adaptation?.inverseMetric).toHaveLength(8); // mu, sigma, 6 entries of b
    expect(new Set(csv.draws.coin)).toEqual(new Set([0, 1]));
  });

  it("save_warmup=1 with thin=3: warmup and post-warmup draw counts", async () => {
    const [f] = await run("warm", { numSamples: 50, numWarmup: 100, thin: 3, saveWarmup: true });
    const csv = await readStanCsv(f);
    expect(csv.numWarmupDraws).toBe(34);
    expect(csv.numDraws).toBe(17);
    expect(csv.warmupDraws!.mu).toHaveLength(34);
    expect(csv.draws.mu).toHaveLength(17);
    expect(csv.config.thin).toBe(3);
    expect(csv.config.saveWarmup).toBe(true);
    await checkInvariants(f, csv);
    // Cutting the file by one post-warmup draw is caught.
    const text = await readFile(f, "utf8");
    const lines = text.split("\n");
    let lastDraw = lines.length - 1;
    while (lines[lastDraw] === "" || lines[lastDraw].startsWith("#")) lastDraw--;
    lines.splice(lastDraw, 1);
    await expectCsvError(
      Promise.resolve().then(() => parseStanCsvText(lines.join("\n"), f)),
      f,
      lastDraw,
      /16 post-warmup draws, expected 17/,
    );
  });

  it("dense, unit and non-adapted metrics", async () => {
    const [dense] = await run("dense", { numSamples: 20, metric: "dense_e" });
    const d = await readStanCsv(dense);
    expect(d.adaptation?.metric).toBe("dense_e");
    const m = d.adaptation!.inverseMetric as number[][];
    expect(m).toHaveLength(8);
    for (const row of m) expect(row).toHaveLength(8);
    expect(m[0][1]).toBeCloseTo(m[1][0], 12);

    const [unit] = await run("unit", { numSamples: 20, metric: "unit_e" });
    const u = await readStanCsv(unit);
    expect(u.adaptation).toMatchObject({ metric: "unit_e", inverseMetric: [] });

    const [fixed] = await run("noadapt", { numSamples: 20, stepsize: 0.5, adaptEngaged: false });
    const n = await readStanCsv(fixed);
    expect(n.config.adaptEngaged).toBe(false);
    expect(n.adaptation?.stepSize).toBe(0.5);
    expect(Array.from(new Set(n.draws.stepsize__))).toEqual([0.5]);
  });

  it("fixed_param and zero draws", async () => {
    const [fp] = await run("fp", { numSamples: 5, algorithm: "fixed_param" });
    const csv = await readStanCsv(fp, { requireMethod: "sample" });
    expect(csv.config.algorithm).toBe("fixed_param");
    expect(csv.adaptation).toBeUndefined();
    expect(csv.numDraws).toBe(5);
    expect(csv.columnNames.filter((c) => c.endsWith("__"))).not.toContain("stepsize__");
    await checkInvariants(fp, csv);

    const [zero] = await run("zero", { numSamples: 0, numWarmup: 50 });
    const z = await readStanCsv(zero);
    expect(z.numDraws).toBe(0);
    expect(z.draws.mu).toHaveLength(0);
    expect(z.adaptation?.metric).toBe("diag_e");
    await checkInvariants(zero, z);
  });

  // Speed is measured in bench/csvRead.ts, not here.
  it("reads a large file (2000 draws x 1100 columns)", async () => {
    const text = await readFile(fx("bernoulli_output_1.csv"), "utf8");
    const head = text.slice(0, text.indexOf("lp__")).replace("num_samples = 10", "num_samples = 2000");
    const cols = [
      "lp__",
      "accept_stat__",
      "stepsize__",
      "treedepth__",
      "n_leapfrog__",
      "divergent__",
      "energy__",
      ...Array.from({ length: 1100 }, (_, i) => `log_lik.${i + 1}`),
    ];
    const row = cols.map((_, j) => (j % 7 === 3 ? "5" : (-1.2345678 * (j + 1)).toPrecision(6))).join(",");
    const big =
      head +
      cols.join(",") +
      "\n# Adaptation terminated\n# Step size = 0.5\n# Diagonal elements of inverse mass matrix:\n# 1\n" +
      `${row}\n`.repeat(2000);
    const f = path.join(dir, "big.csv");
    await writeFile(f, big);
    const csv = await readStanCsv(f);
    expect(csv.numDraws).toBe(2000);
    expect(csv.variables.at(-1)).toMatchObject({ name: "log_lik", dims: [1100] });
    expect(csv.draws["log_lik.1100"][1999]).toBe(Number((-1.2345678 * 1107).toPrecision(6)));
  });
});
