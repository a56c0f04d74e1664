/**
 * `cmdstan-recover diagnose` run as a child process (src/cli.ts) on the real fixtures and on a
 * real divergent fit: prints CmdStan's own bin/diagnose text; --json gives the parsed numbers.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sample } from "../../src/cmdstan/run.js";
import { readStanFit } from "../../src/cmdstan/stanCsv.js";
import { compileTestModel, CSV_FIXTURES, REPO_ROOT, testCmdStan } from "../helpers/cmdstan.js";

const fx = (name: string) => path.join(CSV_FIXTURES, name);
const GOOD = [1, 2, 3, 4].map((i) => fx(`runset-good_bern-${i}.csv`));
const TSX = path.join(REPO_ROOT, "node_modules", ".bin", "tsx");

let dir: string;
let cmdstan: string;
let funnel: string[];

async function cli(args: string[]) {
  const r = await execa(TSX, ["src/cli.ts", ...args, "--cmdstan", cmdstan], {
    cwd: REPO_ROOT,
    reject: false,
    env: { DEBUG: "", NODE_NO_WARNINGS: "1" },
  }); // a Node warning on stderr is not the CLI's output
  return { code: r.exitCode, stdout: r.stdout, stderr: r.stderr };
}

/** What the real bin/diagnose prints for the files. */
async function realDiagnose(files: string[]): Promise<string> {
  return (await execa(path.join(cmdstan, "bin", "diagnose"), files)).stdout;
}

beforeAll(async () => {
  cmdstan = (await testCmdStan()).path;
  dir = await mkdtemp(path.join(tmpdir(), "cli-diagnose-"));
  const model = await compileTestModel("funnel"); // centred funnel: diverges reliably
  funnel = (await sample(model, { chains: 2, seed: 4711, refresh: 0, outputDir: dir, outputPrefix: "funnel" }))
    .csvFiles;
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("diagnose", () => {
  it("prints CmdStan's bin/diagnose text", async () => {
    const r = await cli(["diagnose", ...GOOD]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe("");
    expect(r.stdout).toBe(await realDiagnose(GOOD));
    expect(r.stdout).toContain("Checking sampler transitions for divergences.");
    expect(r.stdout).toContain("No divergent transitions found.");
  });

  it("--json: the parsed reading of a healthy fit, plus the text", async () => {
    const r = await cli(["diagnose", "--json", ...GOOD]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as Record<string, unknown>;
    // No divergence line in the text: transitions default to chains x draws = 4 x 100.
    expect(json).toEqual({
      divergences: 0,
      transitions: 400,
      ebfmiOk: true,
      treedepthMentioned: true,
      text: `${await realDiagnose(GOOD)}\n`,
    });
  });

  it("--json: divergences and transitions of a divergent fit, equal to the CSVs", async () => {
    const r = await cli(["diagnose", "--json", ...funnel]);
    expect(r.code).toBe(0);
    const json = JSON.parse(r.stdout) as {
      divergences: number;
      transitions: number;
      ebfmiOk: boolean;
      treedepthMentioned: boolean;
      text: string;
    };
    const fit = await readStanFit(funnel, { variables: ["divergent__"] });
    const div = fit.chains.reduce((s, c) => s + c.draws.divergent__.reduce((a, b) => a + b, 0), 0);
    expect(div).toBeGreaterThan(0);
    expect(json.divergences).toBe(div);
    expect(json.transitions).toBe(2000);
    expect(json.text).toMatch(new RegExp(`${div} of 2000 \\([\\d.]+%\\) transitions ended with a divergence`));
    expect(json.text.trimEnd()).toBe(await realDiagnose(funnel));
    expect(typeof json.ebfmiOk).toBe("boolean");
    expect(json.treedepthMentioned).toBe(true);
  });

  it("refuses broken files, other methods and mixed runs, naming the file", async () => {
    const cases: [string[], string, RegExp][] = [
      [
        [1, 2, 3, 4].map((i) => fx(`runset-bad_bad-draws-bern-${i}.csv`)),
        fx("runset-bad_bad-draws-bern-4.csv"),
        /988 post-warmup draws/,
      ],
      [
        [fx("optimize_rosenbrock_mle.csv")],
        fx("optimize_rosenbrock_mle.csv"),
        /method is 'optimize', expected 'sample'/,
      ],
      [[GOOD[0], fx("logistic_output_2.csv")], fx("logistic_output_2.csv"), /model "logistic_model" differs/],
    ];
    for (const [files, named, what] of cases) {
      const r = await cli(["diagnose", ...files]);
      expect(r.code).toBe(1);
      expect(r.stdout).toBe("");
      expect(r.stderr.slice(0, `cmdstan-recover: ${named}`.length)).toBe(`cmdstan-recover: ${named}`);
      expect(r.stderr).toMatch(what);
      expect(r.stderr).not.toMatch(/^\s+at /m);
    }
  });
});
