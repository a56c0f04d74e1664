/** Running executables: failures become typed errors with stderr; timeouts; fixed_param. */
import { mkdtemp, readFile, writeFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CompiledModel } from "../../src/cmdstan/compile.js";
import { CmdStanRunError } from "../../src/util/errors.js";
import { generateQuantities, sample, sampleArgs } from "../../src/cmdstan/run.js";
import { readStanCsv } from "../../src/cmdstan/stanCsv.js";
import { compileTestModel } from "../helpers/cmdstan.js";

describe("sample (real CmdStan)", () => {
  let model: CompiledModel;
  let dir: string;

  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });
  beforeAll(async () => {
    model = await compileTestModel("tiny_normal");
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-run-"));
  });

  it("turns a data error into a CmdStanRunError carrying CmdStan's message", async () => {
    const data = path.join(dir, "missing.json");
    await writeFile(data, JSON.stringify({ N: 3 }));
    const err = await sample(model, { chains: 2, seed: 1, dataFile: data, outputDir: path.join(dir, "bad") }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(CmdStanRunError);
    const re = err as CmdStanRunError;
    expect(re.exitCode).not.toBe(0);
    expect(re.message).toMatch(/variable does not exist.*\by\b|\by\b.*not found|variable name=y/is);
    expect(re.stderrTail.length).toBeGreaterThan(0);
    expect(re.cancelled).toBe(false); // the chain's own failure, not a sibling stopped because of it
    // stdout and stderr of each chain are kept in files. Both chains fail; the error names the
    // first one (in chain order) that failed by itself, which depends on timing.
    const chain = /tiny_normal chain (\d) exited/.exec(re.message)?.[1];
    expect(["1", "2"]).toContain(chain);
    expect(await readFile(path.join(dir, "bad", `tiny_normal-${chain}-stderr.txt`), "utf8")).toContain(
      re.stderrTail.split("\n")[0],
    );
  });

  it("enforces a timeout and kills the chain", async () => {
    const data = path.join(dir, "ok.json");
    await writeFile(data, JSON.stringify({ N: 2, y: [0.1, 0.2] }));
    const err = await sample(model, {
      chains: 1,
      seed: 1,
      numWarmup: 10_000_000,
      numSamples: 10,
      dataFile: data,
      outputDir: path.join(dir, "slow"),
      timeoutMs: 1500,
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CmdStanRunError);
    expect((err as CmdStanRunError).timedOut).toBe(true);
  });

  it("stops every chain when the abort signal fires", async () => {
    const data = path.join(dir, "ok.json");
    const ac = new AbortController();
    const started: number[] = [];
    const run = sample(model, {
      chains: 2,
      seed: 1,
      numWarmup: 10_000_000,
      numSamples: 10,
      dataFile: data,
      outputDir: path.join(dir, "abort"),
      onChainState: (c, s) => {
        if (s === "started") started.push(c);
        if (started.length === 2) setTimeout(() => ac.abort(new Error("user pressed Ctrl-C")), 300);
      },
      signal: ac.signal,
    });
    const t0 = Date.now();
    await expect(run).rejects.toBeInstanceOf(Error);
    // A liveness bound, not a speed test: without the abort the chains would warm up for hours.
    expect(Date.now() - t0).toBeLessThan(60_000);
  });

  it("reports each chain's CPU seconds from the OS: the warmup's within the total, near CmdStan's own time", async () => {
    const data = path.join(dir, "cpu.json");
    await writeFile(data, JSON.stringify({ N: 3, y: [0.1, -0.4, 1.2] }));
    const r = await sample(model, {
      chains: 2,
      seed: 3,
      numWarmup: 20000,
      numSamples: 20000,
      refresh: 4000,
      dataFile: data,
      outputDir: path.join(dir, "cpu"),
      // As a study's chains run: the CPU is read at the progress lines, which only a listener follows.
      onProgress: () => {},
    });
    expect(r.chainCpu).toHaveLength(2);
    for (const [k, cpu] of r.chainCpu.entries()) {
      expect(cpu, `chain ${k + 1}`).toBeDefined();
      expect(cpu!.warmup).toBeGreaterThanOrEqual(0);
      expect(cpu!.warmup!).toBeLessThanOrEqual(cpu!.total);
      // CPU time never exceeds the chain's wall time by more than the clock's tick and start-up.
      const csv = await readStanCsv(r.csvFiles[k]);
      expect(cpu!.total).toBeLessThanOrEqual(csv.timing!.total + 0.2);
    }
  });

  it("runs fixed_param with one draw and no warmup", async () => {
    const data = path.join(dir, "ok.json");
    const r = await sample(model, {
      chains: 1,
      seed: 3,
      numSamples: 1,
      algorithm: "fixed_param",
      dataFile: data,
      outputDir: path.join(dir, "fixed"),
    });
    const rows = (await readFile(r.csvFiles[0], "utf8")).split("\n").filter((l) => l && !l.startsWith("#"));
    expect(rows).toHaveLength(2);
    expect(await readFile(r.csvFiles[0], "utf8")).toMatch(/algorithm = fixed_param/);
  });
});

describe("generateQuantities (real CmdStan)", () => {
  it("replays the generated quantities over every draw of a fitted CSV", async () => {
    const model = await compileTestModel("tiny_normal");
    const dir = await mkdtemp(path.join(os.tmpdir(), "cr-gq-"));
    try {
      const data = path.join(dir, "ok.json");
      await writeFile(data, JSON.stringify({ N: 2, y: [0.1, 0.2] }));
      const fit = await sample(model, {
        chains: 1,
        numWarmup: 100,
        numSamples: 40,
        seed: 5,
        dataFile: data,
        outputDir: dir,
      });
      const out = await generateQuantities(model, {
        fittedParams: fit.csvFiles[0],
        dataFile: data,
        outputFile: path.join(dir, "gq.csv"),
        seed: 6,
      });
      const gq = await readStanCsv(out);
      expect(gq.config.method).toBe("generate_quantities");
      expect(gq.numDraws).toBe(40);
      // m[i, j] = 10 i + j in every draw; CSV column m.2.3 is m[2,3].
      expect(Array.from(gq.draws["m.2.3"])).toEqual(Array(40).fill(23));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe("sampleArgs", () => {
  it("builds CmdStan's argument tree", () => {
    const args = sampleArgs(
      {
        seed: 54321,
        chains: 4,
        numWarmup: 1000,
        numSamples: 2000,
        adaptDelta: 0.95,
        maxTreedepth: 12,
        dataFile: "/d.json",
        outputDir: "/o",
        sigFigs: 9,
      },
      3,
      "/o/m-3.csv",
    );
    expect(args.join(" ")).toBe(
      "sample num_samples=2000 num_warmup=1000 adapt delta=0.95 algorithm=hmc engine=nuts max_depth=12 id=3 data file=/d.json random seed=54321 output file=/o/m-3.csv refresh=100 sig_figs=9",
    );
  });
  it("places save_warmup, adapt engaged, metric and stepsize where CmdStan's parser accepts them", () => {
    const args = sampleArgs(
      {
        seed: 1,
        numSamples: 20,
        saveWarmup: true,
        thin: 2,
        adaptEngaged: false,
        adaptDelta: 0.9,
        metric: "dense_e",
        stepsize: 0.5,
        outputDir: "/o",
      },
      1,
      "/o/m-1.csv",
    );
    expect(args.join(" ")).toBe(
      "sample num_samples=20 num_warmup=1000 save_warmup=1 thin=2 adapt engaged=0 delta=0.9 algorithm=hmc engine=nuts metric=dense_e stepsize=0.5 id=1 random seed=1 output file=/o/m-1.csv refresh=100",
    );
  });
});
