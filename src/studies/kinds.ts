/**
 * The study kinds: the CLI offers one command per kind (kinds of one model family's variant share
 * a command: the first that accepts a config runs it, so list the ones with `accepts` first), and
 * a cluster task's worker rebuilds a study by the `kind` its recipe names. A new kind is a folder
 * under src/studies/ and one line here; the engine and the executors never branch on a study's
 * kind.
 */
import { estimateKind } from "./estimate/kind.js";
import { matchedKind } from "./matched/kind.js";
import { powerKind } from "./power/kind.js";
import { priorFlatKind } from "./prior/flat.js";
import { priorHierarchicalKind } from "./prior/hierarchical.js";
import { recoverKind } from "./recover/kind.js";
import { recoverFlatKind } from "./recoverFlat/kind.js";
import { sampleSizeKind } from "./sampleSize/kind.js";
import { sbcKind } from "./sbc/kind.js";
import { sbcFlatKind } from "./sbcFlat/kind.js";
import type { StudyKind } from "./studyKind.js";

export const STUDY_KINDS: readonly StudyKind[] = [
  recoverFlatKind,
  recoverKind,
  sbcFlatKind,
  sbcKind,
  matchedKind,
  priorFlatKind,
  priorHierarchicalKind,
  estimateKind,
  powerKind,
  sampleSizeKind,
];

export function findStudyKind(name: string): StudyKind | undefined {
  return STUDY_KINDS.find((k) => k.name === name);
}

/** The commands, each with its kinds in registry order (a kind's command defaults to its name). */
export function studyCommands(): Map<string, StudyKind[]> {
  const commands = new Map<string, StudyKind[]>();
  for (const kind of STUDY_KINDS) {
    const command = kind.command ?? kind.name;
    commands.set(command, [...(commands.get(command) ?? []), kind]);
  }
  return commands;
}
