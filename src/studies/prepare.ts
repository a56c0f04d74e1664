/**
 * A study of any kind, prepared for the replicate loop: the CmdStan in use, then the kind's own
 * preparation (models checked and compiled, design made), completed with what the engine needs
 * (command, unit, folder, cores, and the recipe a cluster task rebuilds it from).
 */
import { locateCmdStan } from "../cmdstan/locate.js";
import type { ReplicateStudy } from "../pipeline/replicates.js";
import { defaultCores, type BaseStudyConfig } from "../pipeline/studyConfig.js";
import { truthsLines, truthsRecord } from "./faithfulness.js";
import type { StudyKind, StudyOutcome } from "./studyKind.js";

/** A kind's study, prepared: checked, compiled (unless `cachedModelsOnly`), designed. */
export async function prepareStudy<C extends BaseStudyConfig, S extends StudyOutcome>(
  kind: StudyKind<C, S>,
  config: C,
  log: (line: string) => void,
  opts: { cachedModelsOnly?: boolean } = {},
): Promise<ReplicateStudy<S>> {
  const install = await locateCmdStan({ explicit: config.cmdstan });
  log(`[${kind.name}] CmdStan ${install.version} at ${install.path}`);
  // Said before anything is compiled or run: which truths this run draws, and why.
  const truths = truthsRecord(install, kind.original, config.seed, await kind.original.settingsDiffer(config));
  for (const line of truthsLines(truths)) log(`[${kind.name}] ${line}`);
  const own = await kind.prepare(config, { install, log, cachedModelsOnly: opts.cachedModelsOnly ?? false, truths });
  return {
    ...own,
    notes: { ...own.notes, truths },
    command: kind.name,
    unit: kind.unit,
    outputDir: config.output_dir,
    cores: defaultCores(config.cores),
    recipe: { kind: kind.name, config: kind.portableConfig(config, install.path) },
  };
}
