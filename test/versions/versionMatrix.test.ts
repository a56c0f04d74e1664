/**
 * The version matrix (issue 9): for the full CmdStan the suite uses (2.27.0 as provisioned) and
 * the real 2.33.1 and 2.37.0 tools from the prophet wheels (test/helpers/toolsets.ts), every part
 * of the tool that touches CmdStan's programs or files:
 * - discovery reads the version; that stanc accepts stan/*.stan and its --info is parsed;
 * - the release's own model samples 4 chains through our runner (2.33.1 and 2.37.0: the
 *   executable shipped in the wheel), also fixed_param and generate_quantities; our reader reads
 *   the CSVs; our summary equals that release's bin/stansummary to its printed digits (mean, sd,
 *   5/50/95% by the release's quantile rule) and ArviZ for R-hat and ESS;
 * - that release's bin/diagnose on one clean fit and one fit with divergences, tree-depth
 *   saturation and low E-BFMI (both made with the full CmdStan, the same files for every release)
 *   gives the same reading by the report's rules, equal to what the CSVs hold;
 * - damaged files in that release's own format are refused, naming file and line.
 *
 * Differences between releases these tests rely on (and the code handles):
 * - CSV values: 6 significant digits up to 2.36, 8 from 2.37 (the reader parses any).
 * - CSV header: 2.33 prints doubles in full (delta = 0.80000000000000004) and booleans as 0/1,
 *   2.37 booleans as true/false; new keys (num_chains, save_metric, ...). Read by key.
 * - stan_version in the CSV is Stan's (2.33.0 for CmdStan 2.33.1).
 * - stansummary: quantiles by order statistic up to 2.35, type 7 from 2.36; columns N_Eff,
 *   N_Eff/s before 2.36, MAD, ESS_bulk, ESS_tail, ESS_bulk/s from 2.36 (read by name).
 * - diagnose: "Processing csv files" first line up to 2.35 only; E-BFMI printed with 2
 *   significant digits in 2.27, 2 decimals from 2.33; percentages 73% / 73.40%; R-hat checks
 *   split R-hat > 1.1 (2.27), > 1.05 (2.33), rank-normalised > 1.01 (2.37); a missing file:
 *   exit 0 up to 2.33, 1 in 2.37 (same stdout). The sentences the report reads are unchanged.
 */
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { parse as parseCsv } from "csv-parse/sync";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { quantile, quantileBy, quantileRuleFor, summarizeChains } from "../../src/analysis/summary.js";
import { parseDiagnose, runDiagnose } from "../../src/cmdstan/diagnose.js";
import { CmdStanRunError, StanCsvError } from "../../src/util/errors.js";
import { compareVersions, locateCmdStan } from "../../src/cmdstan/locate.js";
import { readModelInfo } from "../../src/cmdstan/modelInfo.js";
import { generateQuantities, sample } from "../../src/cmdstan/run.js";
import { bracketName, parseStanCsvText, readStanCsv, readStanFit, type StanFit } from "../../src/cmdstan/stanCsv.js";
import { arvizDiagnostics } from "../helpers/arviz.js";
import { compileTestModel, CSV_FIXTURES, REPO_ROOT } from "../helpers/cmdstan.js";
import { fitFacts, printedHalfUnit } from "../helpers/diagnose.js";
import { matrixToolsets, PROPHET_DATA, type Toolset } from "../helpers/toolsets.js";

const toolsets = await matrixToolsets();
const TSX = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");
const STAN_FILES = readdirSync(path.join(REPO_ROOT, "stan"))
  .filter((f) => f.endsWith(".stan"))
  .map((f) => path.join(REPO_ROOT, "stan", f));
const DRAWS = 250;

let dir: string;
/** Fits made once with the full CmdStan, given to every release's bin/diagnose. */
let cleanFit: string[];
let problemFit: string[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "cr-versions-"));
  const healthy = await compileTestModel("summary_shapes");
  cleanFit = (await sample(healthy, { chains: 2, seed: 4711, refresh: 0, outputDir: dir, outputPrefix: "clean" }))
    .csvFiles;
  // The centred funnel at a low adapt delta and max depth 3: divergences, most transitions at the
  // maximum tree depth, E-BFMI far below 0.3.
  const funnel = await compileTestModel("funnel");
  problemFit = (
    await sample(funnel, {
      chains: 2,
      numWarmup: 200,
      numSamples: 500,
      adaptDelta: 0.6,
      maxTreedepth: 3,
      seed: 11,
      refresh: 0,
      outputDir: dir,
      outputPrefix: "problem",
    })
  ).csvFiles;
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The CLI, with no CMDSTAN (it is named with --cmdstan) and no Node warnings. */
async function cli(args: string[]) {
  const r = await execa(TSX, ["src/cli.ts", ...args], {
    cwd: REPO_ROOT,
    reject: false,
    env: { CMDSTAN: "", NODE_NO_WARNINGS: "1" },
  });
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

/** Rows of the release's bin/stansummary CSV (--sig_figs=6), by bracket name, as printed. */
async function stansummary(ts: Toolset, files: string[]): Promise<Map<string, Record<string, string>>> {
  const out = path.join(dir, `stansummary-${ts.version}-${Math.random().toString(36).slice(2)}.csv`);
  await execa(path.join(ts.install.path, "bin", "stansummary"), [
    "--percentiles=5,50,95",
    "--sig_figs=6",
    `--csv_filename=${out}`,
    ...files,
  ]);
  const records = parseCsv(await readFile(out, "utf8"), {
    comment: "#",
    columns: true,
    skip_empty_lines: true,
  }) as Record<string, string>[];
  return new Map(records.map((r) => [r.name, r]));
}

/** Most significant digits of any value in the draws (CmdStan writes %g with sig_figs digits). */
function maxSignificantDigits(text: string): number {
  let most = 0;
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#") || /^[a-z]/i.test(line)) continue;
    for (const field of line.split(",")) {
      const mantissa = field.replace(/^[-+]/, "").replace(/e.*$/i, "").replace(".", "").replace(/^0+/, "");
      most = Math.max(most, mantissa.length);
    }
  }
  return most;
}

/** Line number (1-based) of the first line of `text` that starts with `prefix`. */
const lineOf = (text: string, prefix: string) => text.split("\n").findIndex((l) => l.startsWith(prefix)) + 1;

async function expectCsvError(p: Promise<unknown>, file: string, line: number | undefined, message: RegExp) {
  const err = await p.catch((e: unknown) => e);
  expect(err).toBeInstanceOf(StanCsvError);
  expect([(err as StanCsvError).file, (err as StanCsvError).line]).toEqual([file, line]);
  expect((err as Error).message).toMatch(message);
}

describe.each(
  toolsets.map(
    (ts) =>
      [`${ts.version}${ts.prebuilt ? " (prophet wheel tools, prebuilt model)" : " (full installation)"}`, ts] as const,
  ),
)("CmdStan %s", (_label, ts) => {
  const outDir = () => path.join(dir, ts.version);
  let fit: StanFit;
  let fitFiles: string[];

  beforeAll(async () => {
    fitFiles = (
      await sample(ts.model, {
        chains: 4,
        numWarmup: DRAWS,
        numSamples: DRAWS,
        seed: 20251,
        dataFile: PROPHET_DATA,
        outputDir: outDir(),
        refresh: 0,
      })
    ).csvFiles;
    fit = await readStanFit(fitFiles, { requireMethod: "sample" });
  });

  it("discovery reads its version; info reports it and whether it can compile", async () => {
    const found = await locateCmdStan({ explicit: ts.install.path, purpose: "tools" });
    expect([found.version, found.canCompile]).toEqual([ts.version, !ts.prebuilt]);
    expect(found.stancVersion).toContain(`v${ts.version}`);
    const r = await cli(["info", "--json", "--cmdstan", ts.install.path]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ version: ts.version, canCompile: !ts.prebuilt, source: "option" });
  });

  it("its stanc accepts stan/*.stan, and `stanc --info` is parsed", async () => {
    expect(STAN_FILES.length).toBeGreaterThanOrEqual(2);
    for (const file of STAN_FILES) {
      const info = await readModelInfo(ts.install, file);
      if (path.basename(file).startsWith("h_")) {
        expect(Object.keys(info.inputs)).toEqual(
          expect.arrayContaining(["J", "K", "D", "R", "P", "w", "M_total", "cell", "I", "M_per_cell", "X"]),
        );
        expect(info.outputs).toEqual(expect.arrayContaining(["gamma0", "gamma", "sigma_cell", "delta"]));
      } else {
        // The flat family (docs/flat-models.md); test/stan/flatModels.test.ts checks each in full.
        expect(path.basename(file)).toMatch(/^m_\w+\.stan$/);
        expect(Object.keys(info.inputs).slice(0, 6)).toEqual(["M", "K", "D", "R", "w", "I"]);
        expect(info.outputs).toEqual(expect.arrayContaining(["alpha", "beta", "delta"]));
      }
    }
    // The data file fits its model's data block as this stanc reads it (names, ints, nesting).
    const inputs = (await readModelInfo(ts.install, ts.stanFile)).inputs;
    const data = JSON.parse(readFileSync(PROPHET_DATA, "utf8")) as Record<string, unknown>;
    expect(Object.keys(data).sort()).toEqual(Object.keys(inputs).sort());
    const depth = (v: unknown): number => (Array.isArray(v) ? 1 + depth(v[0]) : 0);
    for (const [name, decl] of Object.entries(inputs)) {
      expect([name, depth(data[name])]).toEqual([name, decl.dimensions]);
      if (decl.type === "int") expect(Number.isInteger(data[name])).toBe(true);
    }
  });

  it("its model samples 4 chains through our runner, and our reader reads them", async () => {
    expect(fit.chains).toHaveLength(4);
    expect(fit.chains.map((c) => c.numDraws)).toEqual([DRAWS, DRAWS, DRAWS, DRAWS]);
    expect(fit.variables.map((v) => v.name).filter((n) => !n.endsWith("__"))).toEqual([
      "k",
      "m",
      "delta",
      "sigma_obs",
      "beta",
      "trend",
    ]);
    // The CSV carries Stan's version (2.33.0 for CmdStan 2.33.1): same major.minor.
    expect(fit.config.stanVersion.split(".").slice(0, 2)).toEqual(ts.version.split(".").slice(0, 2));
    for (const [i, c] of fit.chains.entries()) {
      expect([c.config.chainId, c.config.adaptDelta, c.config.saveWarmup]).toEqual([i + 1, 0.8, false]);
      expect(c.adaptation?.metric).toBe("diag_e");
      expect(c.timing?.total).toBeGreaterThan(0);
    }
    // sig_figs: 6 up to 2.36, 8 from 2.37.
    const digits = maxSignificantDigits(await readFile(fitFiles[0], "utf8"));
    expect(digits).toBe(compareVersions(ts.version, "2.37.0") >= 0 ? 8 : 6);
  });

  it("our summary equals this release's bin/stansummary (mean, sd, 5/50/95% by its quantile rule) and ArviZ (R-hat, ESS)", async () => {
    const rule = quantileRuleFor(ts.version);
    const ref = await stansummary(ts, fitFiles);
    const columns = fit.chains[0].columnNames.filter((c) => !c.endsWith("__"));
    const vars: Record<string, Float64Array[]> = {};
    let otherRuleMismatches = 0;
    for (const col of columns) {
      const chains = fit.chains.map((c) => c.draws[col]);
      vars[col] = chains;
      const s = summarizeChains(chains, rule);
      const r = ref.get(bracketName(col));
      if (!r) throw new Error(`stansummary ${ts.version} has no row ${bracketName(col)}`);
      // To its printed digits: within half a unit of the last digit it printed.
      const close = (ours: number, printed: string, what: string) => {
        if (!(Math.abs(ours - Number(printed)) <= printedHalfUnit(printed) * 1.0001 + 1e-15))
          expect.fail(`${col} ${what}: ours ${ours}, stansummary ${ts.version} ${printed}`);
      };
      close(s.mean, r.Mean, "Mean");
      close(s.sd, r.StdDev, "StdDev");
      close(s.q5, r["5%"], "5%");
      close(s.q50, r["50%"], "50%");
      close(s.q95, r["95%"], "95%");
      const sorted = Float64Array.from(chains.flatMap((c) => Array.from(c))).sort();
      for (const [p, key] of [
        [0.05, "5%"],
        [0.5, "50%"],
        [0.95, "95%"],
      ] as const) {
        const other = rule === "type-7" ? quantile(sorted, p) : quantileBy("type-7", sorted, p);
        if (Math.abs(other - Number(r[key])) > printedHalfUnit(r[key]) * 1.0001 + 1e-15) otherRuleMismatches++;
      }
    }
    expect(columns).toHaveLength(32);
    expect(otherRuleMismatches).toBeGreaterThan(columns.length); // the rule matters here
    const az = await arvizDiagnostics(vars);
    for (const col of columns) {
      const s = summarizeChains(vars[col], rule);
      for (const [ours, theirs, what] of [
        [s.rhat, az[col].rhat, "rhat"],
        [s.essBulk, az[col].ess_bulk, "ess_bulk"],
        [s.essTail, az[col].ess_tail, "ess_tail"],
      ] as const)
        if (!(Math.abs(ours - theirs) <= 1e-9 * Math.abs(theirs)))
          expect.fail(`${col} ${what}: ours ${ours}, ArviZ ${theirs}`);
    }
  });

  it("fixed_param and generate_quantities run through our runner", async () => {
    const fixed = await sample(ts.model, {
      chains: 1,
      numSamples: 20,
      algorithm: "fixed_param",
      seed: 3,
      dataFile: PROPHET_DATA,
      outputDir: outDir(),
      outputPrefix: "fixed",
    });
    const csv = await readStanCsv(fixed.csvFiles[0], { requireMethod: "sample" });
    expect([csv.config.algorithm, csv.numDraws, csv.adaptation]).toEqual(["fixed_param", 20, undefined]);
    expect(csv.columnNames.slice(0, 3)).toEqual(["lp__", "accept_stat__", "k"]); // fewer sampler columns
    expect(new Set(csv.draws.k).size).toBe(1); // parameters stay at their initial values
    // This model has no generated quantities: every release refuses it with the same message,
    // which our runner reports as the chain's failure.
    const err = await generateQuantities(ts.model, {
      fittedParams: fitFiles[0],
      dataFile: PROPHET_DATA,
      outputFile: path.join(outDir(), "gq.csv"),
      seed: 4,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CmdStanRunError);
    expect((err as Error).message).toMatch(/Model doesn't generate any quantities of interest/);
  });

  it("its bin/diagnose gives the same reading of a clean fit, and of its own fit what the CSVs hold", async () => {
    const text = await runDiagnose(ts.install.path, cleanFit);
    expect(text.includes("Processing csv files")).toBe(compareVersions(ts.version, "2.36.0") < 0);
    const facts = await fitFacts(cleanFit);
    expect(parseDiagnose(text, 1)).toEqual({ divergences: 0, transitions: 1, ebfmiOk: true, treedepthMentioned: true });
    expect([facts.divergences, facts.ebfmi >= 0.3]).toEqual([0, true]);
    const own = await fitFacts(fitFiles);
    expect(parseDiagnose(await runDiagnose(ts.install.path, fitFiles), 4 * DRAWS).divergences).toBe(own.divergences);
  });

  it("its bin/diagnose reads the divergences, tree-depth saturation and low E-BFMI of the problem fit as the CSVs hold them", async () => {
    const text = await runDiagnose(ts.install.path, problemFit);
    const facts = await fitFacts(problemFit);
    expect(facts.divergences).toBeGreaterThan(0);
    expect(facts.atMaxDepth).toBeGreaterThan(0);
    expect(facts.ebfmi).toBeLessThan(0.3);
    expect(parseDiagnose(text, 999)).toEqual({
      divergences: facts.divergences,
      transitions: facts.transitions,
      ebfmiOk: false,
      treedepthMentioned: true,
    });
    const depth = /(\d+) of (\d+) \([\d.]+%\) transitions hit the maximum treedepth limit of (\d+)/.exec(text);
    expect(depth?.slice(1).map(Number)).toEqual([facts.atMaxDepth, facts.transitions, facts.maxDepth]);
    const printed = /The E-BFMI, ([\d.]+), is below/.exec(text)?.[1];
    expect(printed).toBeDefined();
    expect(Math.abs(Number(printed) - facts.ebfmi)).toBeLessThanOrEqual(printedHalfUnit(printed!) + 1e-12);
  });

  it("damaged files in this release's own format are refused, naming file and line", async () => {
    const text = await readFile(fitFiles[0], "utf8");
    const lines = text.split("\n");
    const lastDraw = lines.reduce((last, l, i) => (/^-?\d/.test(l) ? i + 1 : last), 0);
    const save = async (name: string, body: string) => {
      const f = path.join(outDir(), `${name}.csv`);
      await writeFile(f, body);
      return f;
    };
    const header = lineOf(text, "lp__");
    const firstDraw = lines.findIndex((l) => /^-?\d/.test(l)) + 1;
    // A row missing its last value, a draw cut off, a draw missing, the adaptation block missing.
    const shortRow = lines.map((l, i) => (i === firstDraw - 1 ? l.replace(/,[^,]*$/, "") : l)).join("\n");
    const ncol = lines[header - 1].split(",").length;
    await expectCsvError(
      readStanCsv(await save("short-row", shortRow)),
      path.join(outDir(), "short-row.csv"),
      firstDraw,
      new RegExp(`row has ${ncol - 1} fields, the header has ${ncol}`),
    );
    const cut = lines.slice(0, lastDraw - 1).join("\n") + "\n" + lines[lastDraw - 1].slice(0, 20);
    await expectCsvError(
      readStanCsv(await save("cut", cut)),
      path.join(outDir(), "cut.csv"),
      lastDraw,
      /not terminated by a newline/,
    );
    const missingDraw = lines.filter((_, i) => i !== lastDraw - 1).join("\n");
    await expectCsvError(
      readStanCsv(await save("missing-draw", missingDraw)),
      path.join(outDir(), "missing-draw.csv"),
      lastDraw - 1,
      new RegExp(`${DRAWS - 1} post-warmup draws, expected ${DRAWS}`),
    );
    const adapt = lineOf(text, "# Adaptation terminated");
    const noAdapt = lines.filter((_, i) => i < adapt - 1 || i > adapt + 2).join("\n");
    await expectCsvError(
      readStanCsv(await save("no-adaptation", noAdapt)),
      path.join(outDir(), "no-adaptation.csv"),
      adapt,
      /adaptation block .* was expected/,
    );
    // Header values in this release's spelling (0/1 up to 2.33, true/false from 2.37), broken.
    const saveWarmup = lineOf(text, "#     save_warmup = ");
    const spelled = lines[saveWarmup - 1].replace(/= \S+/, "= maybe");
    const badBool = lines.map((l, i) => (i === saveWarmup - 1 ? spelled : l)).join("\n");
    expect(() => parseStanCsvText(badBool, "bad-bool.csv")).toThrow(
      new RegExp(`bad-bool.csv:${saveWarmup}: 'method.sample.save_warmup' = 'maybe' is not a boolean`),
    );
    // A chain of another model among the chains.
    const other = await save("other-model", text.replace("# model = prophet_model", "# model = other_model"));
    await expectCsvError(
      readStanFit([fitFiles[1], other]),
      other,
      lineOf(text, "# model = "),
      /model "other_model" differs from "prophet_model"/,
    );
    // bin/diagnose's own refusal of a missing file (exit 0 up to 2.33, 1 in 2.37).
    const missing = await runDiagnose(ts.install.path, [path.join(outDir(), "nope.csv")]).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(CmdStanRunError);
    expect((missing as Error).message).toMatch(/nope\.csv not found/);
    // The CLI refuses optimizer output before this release's diagnose sees it.
    const opt = path.join(CSV_FIXTURES, "optimize_rosenbrock_mle.csv");
    const r = await cli(["diagnose", "--cmdstan", ts.install.path, opt]);
    expect([r.code, r.stdout]).toEqual([1, ""]);
    expect(r.stderr).toMatch(/method is 'optimize', expected 'sample'/);
  });
});
