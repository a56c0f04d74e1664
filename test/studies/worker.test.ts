/**
 * The worker (what a cluster task runs) with the real CmdStan, without a cluster: it rebuilds
 * the driver's study from study_config.json and writes the same records as a local run, and it
 * refuses a study that is not the folder's, or models that were never compiled.
 */
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseRecoveryConfig, portableRecoveryConfig } from "../../src/studies/recover/config.js";
import { recoverKind } from "../../src/studies/recover/kind.js";
import { loadStudyConfig, prepareStudy, runStudy } from "../../src/studies/runStudy.js";
import { parseSbcConfig, portableSbcConfig } from "../../src/studies/sbc/config.js";
import { sbcKind } from "../../src/studies/sbc/kind.js";
import { fingerprintHash, MANIFEST_FILE } from "../../src/pipeline/studyFolder.js";
import { writeStudyRecipe } from "../../src/pipeline/studyRecipe.js";
import { runWorker } from "../../src/studies/worker.js";
import { REPO_ROOT, testCmdStan } from "../helpers/cmdstan.js";

const SMOKE = path.join(REPO_ROOT, "configs", "h_m01_parameter_recovery_smoke_config.json");
const quiet = { log: () => {}, progressStream: { write: () => true, isTTY: false } as unknown as NodeJS.WriteStream };
const small = { n_iterations: 2, n_mcmc_chains: 1, n_mcmc_samples: 100 };

describe("worker (real CmdStan)", () => {
  let tmp: string;
  let out: string;

  beforeAll(async () => {
    await testCmdStan();
    tmp = await mkdtemp(path.join(os.tmpdir(), "cr-worker-"));
    out = path.join(tmp, "study");
    // A local run makes the folder (manifest, setup files, records) and compiles the models.
    await runStudy(
      recoverKind,
      await loadStudyConfig(recoverKind, SMOKE, { ...small, output_dir: out, cores: 2 }),
      quiet,
    );
    const config = await loadStudyConfig(recoverKind, SMOKE, { ...small, output_dir: out });
    const study = await prepareStudy(recoverKind, config, () => {});
    await writeStudyRecipe(out, study.recipe, fingerprintHash(study.fingerprint));
  });
  afterAll(async () => {
    if (tmp) await rm(tmp, { recursive: true, force: true });
  });

  const worker = (replicates: number[]) =>
    runWorker({ studyDir: out, replicates, cores: 1, signal: new AbortController().signal, log: () => {} });

  it("the recipe's config parses back to the same study config", async () => {
    const config = await loadStudyConfig(recoverKind, SMOKE, { ...small, output_dir: out });
    const install = await testCmdStan();
    const again = parseRecoveryConfig(portableRecoveryConfig(config, install.path), "study_config.json", "/");
    // The warmup it resolved is written down (n_mcmc_warmup), the CmdStan in use pinned.
    expect({ ...again, source: config.source }).toEqual({
      ...config,
      n_mcmc_warmup: config.warmup,
      cmdstan: install.path,
    });
  });

  it("an SBC config parses back to the same SBC config", async () => {
    const config = await loadStudyConfig(sbcKind, path.join(REPO_ROOT, "configs", "h_m01_sbc_smoke_config.json"), {
      output_dir: out,
      n_mcmc_samples: 120,
    });
    const install = await testCmdStan();
    const again = parseSbcConfig(portableSbcConfig(config, install.path), "study_config.json", "/");
    // iter_warmup as resolved is written down, the CmdStan in use pinned.
    expect({ ...again, source: config.source }).toEqual({
      ...config,
      iter_warmup: config.iterWarmup,
      cmdstan: install.path,
    });
  });

  it("redoes a replicate exactly as the local run did", async () => {
    const dir = path.join(out, "iteration_2");
    const before = await readFile(path.join(dir, "posterior_summary.csv"), "utf8");
    const truth = await readFile(path.join(dir, "true_parameters.json"), "utf8");
    await rm(dir, { recursive: true });
    expect(await worker([2])).toEqual({ ok: 1, failed: 0 });
    expect(await readFile(path.join(dir, "posterior_summary.csv"), "utf8")).toBe(before);
    expect(await readFile(path.join(dir, "true_parameters.json"), "utf8")).toBe(truth);
    const record = JSON.parse(await readFile(path.join(dir, "iteration.json"), "utf8"));
    expect(record).toMatchObject({ index: 2, status: "ok", seeds: { sim: 12346, fit: 54322 } });
  });

  it("refuses replicates outside the study", async () => {
    await expect(worker([2, 3])).rejects.toThrow(/--replicates: 3 outside this study's iterations 1-2/);
  });

  it("refuses to run when the folder's study was made with another configuration", async () => {
    const manifestFile = path.join(out, MANIFEST_FILE);
    const manifest = await readFile(manifestFile, "utf8");
    try {
      const changed = JSON.parse(manifest);
      changed.fingerprint.adapt_delta = 0.8;
      await writeFile(manifestFile, JSON.stringify(changed));
      await rm(path.join(out, "iteration_1"), { recursive: true });
      await expect(worker([1])).rejects.toThrow(
        /refusing to run: the study rebuilt on .* differs from the one in .* \(in: adapt_delta\)/,
      );
      expect(existsSync(path.join(out, "iteration_1"))).toBe(false);
    } finally {
      await writeFile(manifestFile, manifest);
    }
  });

  it("never compiles: a model missing from the cache is refused with the reason", async () => {
    const recipeFile = path.join(out, "study_config.json");
    const recipe = JSON.parse(await readFile(recipeFile, "utf8"));
    const model = path.join(tmp, "h_m01_uncompiled.stan");
    await writeFile(
      model,
      `// never compiled: ${Date.now()}\n${await readFile(path.join(REPO_ROOT, "stan", "h_m01.stan"), "utf8")}`,
    );
    recipe.config.inference_model_path = model;
    await writeFile(recipeFile, JSON.stringify(recipe));
    await expect(worker([1])).rejects.toThrow(
      /h_m01_uncompiled\.stan is not compiled in the model cache .*filesystem every node shares/s,
    );
  });
});
