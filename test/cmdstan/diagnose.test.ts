import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseDiagnose, runDiagnose } from "../../src/cmdstan/diagnose.js";
import { CmdStanRunError } from "../../src/util/errors.js";
import { sample } from "../../src/cmdstan/run.js";
import { compareVersions } from "../../src/cmdstan/locate.js";
import { compileTestModel, CSV_FIXTURES, testCmdStan } from "../helpers/cmdstan.js";
import { fitFacts, printedHalfUnit } from "../helpers/diagnose.js";

const FIX = CSV_FIXTURES;

describe("parseDiagnose: the rules of docs/recovery.md, Reading diagnostics.txt", () => {
  it("reads the problem forms", () => {
    const text = [
      "Checking sampler transitions treedepth.",
      "12 of 8000 (0.15%) transitions hit the maximum treedepth limit of 12, or 2^12 leapfrog steps.",
      "",
      "Checking sampler transitions for divergences.",
      "3 of 8000 (0.038%) transitions ended with a divergence.",
      "These divergent transitions indicate that HMC is not fully able to explore the posterior distribution.",
      "",
      "Checking E-BFMI - sampler transitions HMC potential energy.",
      "The E-BFMI, 0.18, is below the nominal threshold of 0.30 which suggests that HMC may have trouble exploring the target distribution.",
    ].join("\n");
    expect(parseDiagnose(text, 4000)).toEqual({
      divergences: 3,
      transitions: 8000,
      ebfmiOk: false,
      treedepthMentioned: true,
    });
  });
  it("reads the healthy forms", () => {
    const text =
      "Treedepth satisfactory for all transitions.\n\nNo divergent transitions found.\n\nE-BFMI satisfactory.\n";
    expect(parseDiagnose(text, 8000)).toEqual({
      divergences: 0,
      transitions: 8000,
      ebfmiOk: true,
      treedepthMentioned: true,
    });
  });
  it("defaults, case rules and the exact regex", () => {
    expect(parseDiagnose("", 8000)).toEqual({
      divergences: 0,
      transitions: 8000,
      ebfmiOk: false,
      treedepthMentioned: false,
    });
    expect(parseDiagnose("e-bfmi SATISFACTORY. TREEDEPTH", 10)).toMatchObject({
      ebfmiOk: true,
      treedepthMentioned: true,
    });
    // The regex is case-sensitive and needs the parenthesis.
    expect(parseDiagnose("3 of 8000 transitions ended with a divergence", 10)).toMatchObject({
      divergences: 0,
      transitions: 10,
    });
    expect(parseDiagnose("3 OF 8000 (1%) transitions ended with a divergence", 10)).toMatchObject({
      divergences: 0,
      transitions: 10,
    });
    // Whitespace between the tokens may include line breaks (\s), the parenthesis may not span lines (.).
    expect(parseDiagnose("7\nof\n2000 (0.35%)\ntransitions ended with a divergence", 10)).toMatchObject({
      divergences: 7,
      transitions: 2000,
    });
    expect(parseDiagnose("7 of 2000 (0.35\n%) transitions ended with a divergence", 10)).toMatchObject({
      divergences: 0,
      transitions: 10,
    });
    // First match wins.
    expect(
      parseDiagnose(
        "1 of 10 (10%) transitions ended with a divergence. 2 of 20 (10%) transitions ended with a divergence.",
        0,
      ),
    ).toMatchObject({
      divergences: 1,
      transitions: 10,
    });
  });
});

describe("bin/diagnose on real fits (test/models), with the CmdStan in use", () => {
  let cmdstan: string;
  let version: string;
  let dir: string;
  let healthy: string[];
  let funnel: string[];

  beforeAll(async () => {
    ({ path: cmdstan, version } = await testCmdStan());
    dir = await mkdtemp(path.join(tmpdir(), "diagnose-test-"));
    const healthyModel = await compileTestModel("summary_shapes");
    const funnelModel = await compileTestModel("funnel");
    const opts = { chains: 2, seed: 4711, refresh: 0, outputDir: dir };
    healthy = (await sample(healthyModel, { ...opts, outputPrefix: "healthy" })).csvFiles;
    funnel = (await sample(funnelModel, { ...opts, outputPrefix: "funnel" })).csvFiles;
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function expected(files: string[]) {
    const f = await fitFacts(files);
    return { div: f.divergences, transitions: f.transitions, ebfmi: f.ebfmi };
  }

  it("a healthy fit", async () => {
    const text = await runDiagnose(cmdstan, healthy);
    // Up to 2.35 the text starts by listing the files; from 2.36 it does not.
    if (compareVersions(version, "2.36.0") < 0) expect(text).toContain("Processing csv files");
    else expect(text).not.toContain("Processing csv files");
    expect(text).toContain("No divergent transitions found");
    const want = await expected(healthy);
    expect(want.div).toBe(0);
    expect(want.ebfmi).toBeGreaterThan(0.3);
    expect(parseDiagnose(text, 2000)).toEqual({
      divergences: 0,
      transitions: 2000,
      ebfmiOk: true,
      treedepthMentioned: true,
    });
    expect(parseDiagnose(text, 1234).transitions).toBe(1234); // default used: the regex did not match
  });

  it("a fit that diverges (centred funnel)", async () => {
    const text = await runDiagnose(cmdstan, funnel);
    const want = await expected(funnel);
    expect(want.div).toBeGreaterThan(0);
    const reading = parseDiagnose(text, 999);
    expect(reading.divergences).toBe(want.div); // diagnose's count equals the CSVs' divergent__ sum
    expect(reading.transitions).toBe(want.transitions); // from the text, not the default
    expect(reading.ebfmiOk).toBe(want.ebfmi >= 0.3);
    const printed = /The E-BFMI, ([\d.e-]+), is below/.exec(text);
    // diagnose prints its own pooled sum, rounded; ours is summed in another order, so compare
    // within half a unit of the last digit printed rather than rounding ours.
    if (printed)
      expect(Math.abs(Number(printed[1]) - want.ebfmi)).toBeLessThanOrEqual(printedHalfUnit(printed[1]) + 1e-12);
    else expect(want.ebfmi).toBeGreaterThanOrEqual(0.3);
    expect(reading.treedepthMentioned).toBe(true);
    expect(text).toMatch(/\d+ of 2000 \([\d.]+%\) transitions ended with a divergence/);
  });

  it("failures are CmdStanRunError", async () => {
    // diagnose says it found nothing to read (exit 0 up to 2.33, 1 from 2.37).
    const missing = await runDiagnose(cmdstan, [path.join(dir, "nope.csv")]).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(CmdStanRunError);
    expect((missing as Error).message).toMatch(/nope\.csv not found/);
    // On optimizer output, builds with assertions (2.27 here, the prophet wheels' 2.33.1 and
    // 2.37.0) abort in Eigen; a 2.35 release build printed a report instead. Either way the CLI
    // refuses such files before diagnose sees them (test/cli/diagnose.test.ts).
    const crash = await runDiagnose(cmdstan, [path.join(FIX, "optimize_rosenbrock_mle.csv")]).catch((e: unknown) => e);
    if (crash instanceof CmdStanRunError) {
      expect(crash.exitCode !== 0 || crash.signal !== undefined).toBe(true);
      expect(crash.stderrTail).toMatch(/Assertion|index/);
    } else expect(typeof crash).toBe("string");
    // No such installation.
    const none = await runDiagnose(path.join(dir, "no-cmdstan"), healthy).catch((e: unknown) => e);
    expect(none).toBeInstanceOf(CmdStanRunError);
    expect((none as Error).message).toMatch(/bin\/diagnose not found/);
    await expect(runDiagnose(cmdstan, [])).rejects.toBeInstanceOf(CmdStanRunError);
  });
});
