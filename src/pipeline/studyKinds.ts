/**
 * The study types a worker can rebuild, by the `kind` a study's recipe names. A new study type
 * (SBC) adds one line here; executors never branch on a study's type.
 */
import { recoveryStudyKind } from "./recovery/study.js";
import { sbcStudyKind } from "./sbc/study.js";
import type { StudyKind } from "./replicates.js";

export const STUDY_KINDS: Record<string, StudyKind> = {
  recover: recoveryStudyKind,
  sbc: sbcStudyKind,
};
