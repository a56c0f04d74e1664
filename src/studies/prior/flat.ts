/**
 * The flat family's prior predictive kind (docs/prior.md): a flat simulator (m_0_sim ... m_3_sim,
 * or any model with their outputs) on a flat design, its hyperparameters learnt from its declared
 * data and valued from `parameter_priors` or the original's defaults. It takes a config when the
 * config says it is flat (accepts): a flat model key (`model_path`), a flat key (`parameter_priors`,
 * `n_simulations`, `n_samples`, `study_config_path`), a flat design config (M, N, S or
 * risky_probs) or a flat design file (M, no M_total).
 */
import { existsSync, readFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { readModelInfo, type ModelInfo } from "../../cmdstan/modelInfo.js";
import { designFromDesignOnlyConfig } from "../../design/flat/designOnly.js";
import { loadFlatDesign, parseFlatDesign, serializeFlatDesign } from "../../design/flat/file.js";
import { generateFlatDesign } from "../../design/flat/generate.js";
import {
  hyperparameterNames,
  hyperparameterValues,
  undeclaredHyperparameters,
} from "../../design/flat/hyperparameters.js";
import { flatStanData } from "../../design/flat/stanData.js";
import type { FlatDesign } from "../../design/flat/types.js";
import { resolveAgainst } from "../../pipeline/studyConfig.js";
import { writeFileAtomic, writeJsonAtomic } from "../../util/atomicWrite.js";
import { parseJsonOf } from "../../util/jsonFile.js";
import type { KindStudy, PrepareContext, StudyKind } from "../studyKind.js";
import { parseFlatPriorConfig, portableFlatPriorConfig, type FlatPriorConfig } from "./flatConfig.js";
import { problemGroups, summarizeFlatPrior, type ProblemGroup } from "./flatOutputs.js";
import type { PriorOutcome } from "./outputs.js";
import { dataProblems, outputProblems, refuseSimulator, type WantedOutput } from "./simulator.js";
import { flatPriorOriginal } from "./originals.js";
import { priorStudy } from "./study.js";

const FLAT_KEYS = ["model_path", "parameter_priors", "n_simulations", "n_samples", "study_config_path"];
const FLAT_DESIGN_KEYS = ["M", "N", "S", "risky_probs"];

/** Whether a prior config is the flat family's (see the module comment). */
function acceptsFlat(raw: Record<string, unknown>, baseDir: string): boolean {
  if (FLAT_KEYS.some((k) => k in raw)) return true;
  const design = raw.study_design_config;
  if (design && typeof design === "object" && FLAT_DESIGN_KEYS.some((k) => k in design)) return true;
  const file = typeof raw.study_design_path === "string" ? resolveAgainst(baseDir, raw.study_design_path) : undefined;
  if (!file || !existsSync(file)) return false;
  try {
    const d = JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
    return "M" in d && !("M_total" in d);
  } catch {
    return false; // the hierarchical kind names the file's problem
  }
}

export const priorFlatKind: StudyKind<FlatPriorConfig, PriorOutcome> = {
  name: "prior-flat",
  command: "prior",
  accepts: acceptsFlat,
  describe: "run or resume a prior predictive analysis (hierarchical or flat family)",
  unit: "block",
  modelKey: "model_path",
  parseConfig: parseFlatPriorConfig,
  portableConfig: portableFlatPriorConfig,
  original: flatPriorOriginal,
  prepare: prepareFlatPrior,
};

async function flatDesign(config: FlatPriorConfig): Promise<FlatDesign> {
  const d = config.design;
  if (d.kind === "file") return loadFlatDesign(d.path);
  if (d.kind === "config") return generateFlatDesign(d.config, config.seed);
  const raw = parseJsonOf(d.path, await readFile(d.path, "utf8"));
  return designFromDesignOnlyConfig(raw, config.seed, { source: d.path }).design;
}

const RISKY_DATA = ["N", "S", "x", "J"];

/** The simulator's outputs the summaries read, and its problem groups; refuses what does not fit. */
function checkSimulator(config: FlatPriorConfig, info: ModelInfo, simData: Record<string, unknown>): ProblemGroup[] {
  const wanted: WantedOutput[] = [
    { name: "alpha", dims: 0, why: "the sensitivity" },
    { name: "beta", dims: 2, why: "the K x D feature weights" },
    { name: "delta", dims: 1, why: "the utility increments" },
  ];
  const { groups, problems } = problemGroups(info);
  const why = (k: string) =>
    RISKY_DATA.includes(k)
      ? "the design has no risky problems; give N (and S) in study_design_config"
      : "not a design key";
  refuseSimulator(config.source, config.simulator_key, config.sim_model_path, [
    ...outputProblems(info, wanted),
    ...problems,
    ...dataProblems(info, simData, why),
  ]);
  return groups;
}

/** The hyperparameters: the simulator's, valued from parameter_priors or the original's defaults. */
function hyperparameters(config: FlatPriorConfig, info: ModelInfo): Record<string, number> {
  const names = hyperparameterNames(info.inputs);
  const key = `${config.source}: parameter_priors`;
  const unknown = undeclaredHyperparameters(config.priorValues, names);
  if (unknown.length) {
    refuseSimulator(
      config.source,
      "parameter_priors",
      config.sim_model_path,
      unknown.map((k) => `it has no hyperparameter ${k} (its hyperparameters: ${names.join(", ") || "none"})`),
    );
  }
  return hyperparameterValues(names, config.priorValues, { model: config.sim_model_path, key });
}

async function prepareFlatPrior(config: FlatPriorConfig, ctx: PrepareContext): Promise<KindStudy<PriorOutcome>> {
  const design = await flatDesign(config);
  const info = await readModelInfo(ctx.install, config.sim_model_path);
  const hyper = hyperparameters(config, info);
  const simData = { ...flatStanData(design), ...hyper };
  const groups = checkSimulator(config, info, simData);
  const out = config.output_dir;
  return priorStudy(
    ctx,
    config,
    { info, data: simData },
    {
      fingerprint: { family: "flat", design_name: design.settings.design_name, hyperparameters: hyper },
      writeSetup: async () => {
        await writeDesignOnce(path.join(out, "study_design.json"), design, ctx.log);
        await writeJsonAtomic(path.join(out, "hyperparameters.json"), hyper);
      },
      summarize: (read) => summarizeFlatPrior({ config, design, hyperparameters: hyper, groups, info, ...read }),
    },
  );
}

/** The design file, written once: a resumed study keeps the first start's (its timestamp too). */
async function writeDesignOnce(file: string, design: FlatDesign, log: (line: string) => void): Promise<void> {
  const text = serializeFlatDesign(design);
  if (existsSync(file)) {
    const data = (d: FlatDesign) => JSON.stringify([d.M, d.K, d.D, d.R, d.w, d.I, d.risky]);
    try {
      if (data(parseFlatDesign(await readFile(file, "utf8"), file)) === data(design)) return;
    } catch {
      // damaged: rewritten below
    }
    log(`[prior] ${file} is damaged or holds another design; rewritten from the study's design`);
  }
  await writeFileAtomic(file, text);
}
