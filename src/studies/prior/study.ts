/**
 * A prior predictive study of either family, ready for the replicate loop: the family says what
 * the simulator gets and what its outputs become (`PriorFamily`); this module compiles the
 * simulator, writes its data once (`sim_data.json`), runs the blocks (block.ts), and hands the
 * family every finished block's draws, in parameter-set order, with the blocks that failed.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { ModelInfo } from "../../cmdstan/modelInfo.js";
import { toStanJson } from "../../cmdstan/stanJson.js";
import type { ReplicateRecord } from "../../pipeline/records.js";
import { sha256 } from "../../pipeline/records.js";
import type { BaseStudyConfig } from "../../pipeline/studyConfig.js";
import { compileStudyModels } from "../../pipeline/studySetup.js";
import { writeFileAtomic } from "../../util/atomicWrite.js";
import type { TruthsRecord } from "../faithfulness.js";
import type { KindStudy, PrepareContext, StudyOutcome } from "../studyKind.js";
import { BLOCK_RECORD, blockDir, DRAWS_FILE, runBlock, type BlockContext } from "./block.js";
import { blockCount, blockRange, runFingerprint, type PriorRun } from "./config.js";
import { PriorDraws } from "./draws.js";
import { intDataKeys } from "./simulator.js";

export interface BlockFailure {
  block: number;
  /** "20-39": the parameter sets it held (0-based). */
  sets: string;
  reason: string;
}

export interface PriorDrawsRead {
  draws: PriorDraws;
  failures: BlockFailure[];
  wallSeconds: number;
  /** Whether the draws are the users' own run's, and why not (../faithfulness.ts). */
  truths: TruthsRecord;
}

/** What a family decides besides its config, simulator and the simulator's data. */
export interface PriorFamily<S extends StudyOutcome> {
  /** The family's part of the fingerprint (its design and settings). */
  fingerprint: Record<string, unknown>;
  /** The family's setup files (design, hyperparameters.json). */
  writeSetup(): Promise<void>;
  summarize(read: PriorDrawsRead): Promise<S>;
}

/** The study of `config`'s simulator (declaring `info`) on `simData` (the design and the hyperparameters). */
export async function priorStudy<S extends StudyOutcome>(
  ctx: PrepareContext,
  config: BaseStudyConfig & PriorRun & { sim_model_path: string },
  sim: { info: ModelInfo; data: Record<string, unknown> },
  family: PriorFamily<S>,
): Promise<KindStudy<S>> {
  const compile = { prefix: "prior", log: ctx.log, cachedOnly: ctx.cachedModelsOnly };
  const [model] = await compileStudyModels(ctx.install, [config.sim_model_path], compile);
  const out = config.output_dir;
  const simDataFile = path.join(out, "sim_data.json");
  const simDataText = toStanJson(sim.data, { ints: intDataKeys(sim.info) });
  const run: PriorRun = config;
  const block: BlockContext = {
    run,
    sim: model,
    simDataFile,
    outputDir: out,
    keepCsv: config.keep_csv,
    chainTimeoutS: config.chain_timeout_s,
  };
  return {
    count: blockCount(run),
    chainsPerReplicate: 1,
    workPerReplicate: run.param_sets_per_block * run.n_choice_samples,
    fingerprint: {
      ...runFingerprint(run),
      ...family.fingerprint,
      sim_model: { path: config.sim_model_path, hash: model.hash },
      sim_data_hash: sha256(simDataText),
    },
    replicateDir: (b) => blockDir(out, b),
    recordName: BLOCK_RECORD,
    writeSetup: async () => {
      await writeFileAtomic(simDataFile, simDataText);
      await family.writeSetup();
    },
    runReplicate: (b, env) => runBlock(block, env, b),
    summarize: async (records, wallSeconds) =>
      family.summarize({ ...(await readDraws(run, out, records)), wallSeconds, truths: ctx.truths }),
  };
}

/** Every finished block's draws, in order; the failed blocks with their reasons. */
async function readDraws(run: PriorRun, out: string, records: Map<number, ReplicateRecord>) {
  const draws = new PriorDraws();
  const failures: BlockFailure[] = [];
  for (const b of [...records.keys()].sort((x, y) => x - y)) {
    const dir = blockDir(out, b);
    if (records.get(b)!.status === "ok") {
      await draws.addBlockFile(path.join(dir, DRAWS_FILE));
      continue;
    }
    const { first, count } = blockRange(run, b);
    const reason = (await readFile(path.join(dir, "error.txt"), "utf8").catch(() => "(no error.txt)")).trim();
    failures.push({ block: b, sets: `${first}-${first + count - 1}`, reason });
  }
  return { draws, failures };
}
