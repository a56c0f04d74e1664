/**
 * The recovery summary's choice of comparison, from study folders written by hand (no CmdStan):
 * with the default config (Report 11's settings) the report sets Report 11's table beside ours,
 * with SEs from the iterations' own files; with a setting changed it does not. The smoke run in
 * recover.test.ts shows the same with the real CmdStan for a config without the settings.
 */
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { formatSummaryCsv, type VariableSummaryRow } from "../../../src/analysis/summary.js";
import type { CmdStanInstall } from "../../../src/cmdstan/locate.js";
import { Rng } from "../../../src/design/rng.js";
import type { ReplicateRecord } from "../../../src/pipeline/records.js";
import { prepareDesign } from "../../../src/pipeline/studySetup.js";
import { truthsRecord } from "../../../src/studies/faithfulness.js";
import { recoverKind } from "../../../src/studies/recover/kind.js";
import { report11 } from "../../../src/studies/recover/report11.js";
import { summarizeRecovery } from "../../../src/studies/recover/summarize.js";
import { loadStudyConfig } from "../../../src/studies/runStudy.js";
import { REPO_ROOT } from "../../helpers/cmdstan.js";

const DEFAULT = path.join(REPO_ROOT, "configs", "h_m01_parameter_recovery_config.json");
const install: CmdStanInstall = {
  path: "/opt/cmdstan-2.27.0",
  version: "2.27.0",
  stancVersion: "",
  compiler: "",
  source: "provisioned",
  canCompile: true,
};

let dir: string;
const records = new Map<number, ReplicateRecord>();

/** 20 iterations: truths drawn roughly as h_m01_sim draws them, posteriors around them. */
async function writeIterations(): Promise<void> {
  const rng = new Rng(7);
  for (let i = 1; i <= 20; i++) {
    const gamma = Array.from({ length: 7 }, () => rng.normal(0, 0.5));
    const alpha = Array.from({ length: 18 }, () => Math.exp(rng.normal(2.5, 0.5)));
    const d = rng.uniform(0.2, 0.8);
    const truth = {
      gamma0: rng.normal(2.5, 0.5),
      gamma,
      sigma_cell: Math.abs(rng.normal(0, 0.3)),
      alpha,
      delta: [d, 1 - d],
    };
    const tp = { ...truth, upsilon: [0, d, 1], extras: {} };
    const rows: VariableSummaryRow[] = [];
    const put = (name: string, t: number, base: number) => {
      const sd = base * rng.uniform(0.8, 1.2);
      const mean = t + rng.normal(0, sd);
      rows.push({
        name,
        mean,
        mcse: 0.01,
        sd,
        q5: mean - 1.645 * sd,
        q50: mean,
        q95: mean + 1.645 * sd,
        essBulk: 1000,
        essTail: 1000,
        rhat: 1,
      });
    };
    put("gamma0", truth.gamma0, 0.25);
    gamma.forEach((g, k) => put(`gamma[${k + 1}]`, g, 0.35));
    put("sigma_cell", truth.sigma_cell, 0.15);
    alpha.forEach((a, k) => put(`alpha[${k + 1}]`, a, a / 3));
    truth.delta.forEach((x, k) => put(`delta[${k + 1}]`, x, 0.12));
    const it = path.join(dir, `iteration_${i}`);
    await mkdir(it, { recursive: true });
    await writeFile(path.join(it, "true_parameters.json"), JSON.stringify(tp));
    await writeFile(path.join(it, "posterior_summary.csv"), formatSummaryCsv(rows, "order-statistic"));
    records.set(i, { status: "ok" } as ReplicateRecord);
  }
}

async function summarize(overrides: Record<string, unknown>) {
  const config = await loadStudyConfig(recoverKind, DEFAULT, { output_dir: dir, ...overrides });
  const truths = truthsRecord(install, report11, config.seed, await report11.settingsDiffer(config));
  const design = await prepareDesign(config);
  await summarizeRecovery({ config, install, design, truths, records, wallSeconds: 1 });
  return readFile(path.join(dir, "recovery_summary", "report.md"), "utf8");
}

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), "cr-summarize-"));
  await writeIterations();
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe("summarizeRecovery beside Report 11", () => {
  it("the default config (Report 11's settings): its table beside ours, on other truths (CmdStan 2.27)", async () => {
    const md = await summarize({});
    expect(md).toContain("## Beside Report 11's published numbers");
    expect(md).toMatch(
      /^\| gamma0 \| [*]{0,2}-?\d\.\d{3}[*]{0,2} \| 0\.032 \| [*]{0,2}\d\.\d{3}[*]{0,2} \| 0\.214 \| [*]{0,2}\d\.\d{2}[*]{0,2} \| 1\.00 \| [*]{0,2}\d\.\d{3}[*]{0,2} \| 0\.851 \| /m,
    );
    expect(md).toMatch(/^\| alpha\[8\] \| [^|]+ \| 4\.582 \| [^|]+ \| 11\.628 \| /m);
    expect(md).toMatch(/comparisons.*At this threshold about 5% of comparisons \(≈ 5\.8\) are flagged by chance\./s);
    expect(md).toContain("These truths are not the original study's");
  }, 120_000);

  it("a setting changed: no comparison, and the report says why", async () => {
    const md = await summarize({ adapt_delta: 0.9 });
    expect(md).not.toContain("Beside Report 11");
    expect(md).toContain(
      "- settings: not Report 11's (adapt_delta 0.9 (Report 11: 0.95)), so its published numbers are not compared",
    );
  }, 120_000);
});
