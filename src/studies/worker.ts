/**
 * A worker: what one cluster task runs (`cmdstan-recover worker`). It rebuilds the study the
 * driver prepared from `study_config.json` (through the study kind's registry entry, with the
 * models the driver compiled), refuses to run when the rebuilt study is not the one in the folder,
 * and runs its batch of replicates with the same loop and code as a local run, on the task's
 * cores. Each replicate writes its own atomic, content-verified record; the driver reads them.
 */
import os from "node:os";
import path from "node:path";
import { InputError, UserFacingError } from "../util/errors.js";
import { formatReplicateList } from "../pipeline/executors/batches.js";
import { runHere } from "../pipeline/executors/local.js";
import type { ReplicateStudy } from "../pipeline/replicates.js";
import { differingKeys, fingerprintHash, readManifestFingerprint } from "../pipeline/studyFolder.js";
import { readStudyRecipe, recipeFile, type RecipeFile } from "../pipeline/studyRecipe.js";
import { findStudyKind, STUDY_KINDS } from "./kinds.js";
import { prepareGrid } from "./grid.js";
import { prepareStudy } from "./prepare.js";

export interface WorkerOptions {
  studyDir: string;
  replicates: number[];
  cores: number;
  signal: AbortSignal;
  log: (line: string) => void;
}

export interface WorkerResult {
  ok: number;
  failed: number;
}

/** The study the driver prepared, with the models it compiled, on this task's cores. */
async function rebuildStudy(recipe: RecipeFile, opts: WorkerOptions): Promise<ReplicateStudy<unknown>> {
  const file = recipeFile(opts.studyDir);
  const kind = findStudyKind(recipe.kind);
  if (!kind) {
    const known = STUDY_KINDS.map((k) => k.name).join(", ");
    throw new InputError(`${file}: kind "${recipe.kind}" is not a study kind of this tool (known: ${known})`);
  }
  const config = { ...kind.parseConfig(recipe.config, file, path.dirname(file)), cores: opts.cores };
  // A grid is rebuilt cell by cell, as its driver prepared it (without its check: nothing is priced here).
  if (recipe.cells) return prepareGrid(kind, config, recipe.cells, opts.log, { cachedModelsOnly: true });
  return prepareStudy(kind, config, opts.log, { cachedModelsOnly: true });
}

/** The rebuilt study must be the folder's study: same folder, same fingerprint as its manifest. */
async function checkSameStudy(study: ReplicateStudy<unknown>, recipe: RecipeFile, studyDir: string): Promise<string> {
  if (path.resolve(study.outputDir) !== path.resolve(studyDir)) {
    throw new InputError(
      `${recipeFile(studyDir)} describes the study in ${study.outputDir}, not ${studyDir}; was the folder moved? Run the study's command again to resubmit.`,
    );
  }
  const manifest = await readManifestFingerprint(studyDir);
  const hash = fingerprintHash(study.fingerprint);
  if (hash !== recipe.fingerprint || hash !== fingerprintHash(manifest)) {
    const differing = differingKeys(manifest, study.fingerprint);
    throw new UserFacingError(
      `refusing to run: the study rebuilt on ${os.hostname()} differs from the one in ${studyDir}` +
        `${differing.length ? ` (in: ${differing.join(", ")})` : ""}. Its model files, design or CmdStan changed since it was submitted, ` +
        `or this node sees other files than the submitting machine.`,
    );
  }
  return hash;
}

export async function runWorker(opts: WorkerOptions): Promise<WorkerResult> {
  const recipe = await readStudyRecipe(opts.studyDir);
  const study = await rebuildStudy(recipe, opts);
  const fingerprint = await checkSameStudy(study, recipe, opts.studyDir);
  const outside = opts.replicates.filter((i) => i > study.count);
  if (outside.length)
    throw new InputError(
      `--replicates: ${formatReplicateList(outside)} outside this study's ${study.unit}s 1-${study.count}`,
    );

  opts.log(
    `[worker] ${os.hostname()}: ${study.unit}s ${formatReplicateList(opts.replicates)} of ${study.outputDir} on ${opts.cores} core(s)`,
  );
  const result: WorkerResult = { ok: 0, failed: 0 };
  await runHere(study, opts.replicates, {
    fingerprint,
    signal: opts.signal,
    cores: opts.cores,
    onRecord: (i, record) => {
      result[record.status] += 1;
      opts.log(`[worker] ${study.unit} ${i} ${record.status} (${record.seconds.toFixed(1)} s)`);
    },
  });
  if (opts.signal.aborted) {
    throw new UserFacingError(
      `stopped (${String(opts.signal.reason?.message ?? opts.signal.reason)}): ${result.ok + result.failed} ${study.unit}(s) finished and kept`,
    );
  }
  return result;
}
