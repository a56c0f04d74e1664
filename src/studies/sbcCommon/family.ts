/**
 * `cmdstan-recover sbc` runs two model families (src/studies/kinds.ts): the hierarchical h_m01
 * models (sbc/) and the flat m_0 ... m_3 models (sbcFlat/). A config holding a key of the other
 * family is a mix-up, refused before anything runs in one message that names the file, each
 * such key and the family it belongs to (a plain "unknown key" would not say why).
 */
import { familyKeys } from "../../design/flat/family.js";
import { InputError } from "../../util/errors.js";

export type SbcFamily = "flat" | "hierarchical";

/** Top-level keys only one family's SBC config takes. */
const FAMILY_ONLY_KEYS: Record<SbcFamily, readonly string[]> = {
  // The flat models' hyperparameters given as data (m_03_sbc's delta_concentration), and their sweep.
  flat: ["extra_data", "concentration_grid"],
  // The hierarchical models' naming of what they track.
  hierarchical: ["alpha_var", "extra_params_after_gamma", "extra_scalar_params"],
};

const DESCRIBE: Record<SbcFamily, string> = {
  flat: "flat SBC configs (the m_0 ... m_3 models, a design with M problems)",
  hierarchical: "hierarchical SBC configs (the h_m01 models, a design of cells)",
};

function keyList(keys: readonly string[]): string {
  return keys.map((k) => JSON.stringify(k)).join(", ");
}

/** Refuse the keys of the other family in an SBC config read as `family`'s. */
export function refuseOtherFamilyKeys(raw: unknown, source: string, family: SbcFamily): void {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) return;
  const other: SbcFamily = family === "flat" ? "hierarchical" : "flat";
  const problems: string[] = [];
  const top = FAMILY_ONLY_KEYS[other].filter((k) => k in raw);
  if (top.length) {
    problems.push(
      `${keyList(top)}: ${top.length > 1 ? "keys" : "a key"} of ${DESCRIBE[other]}, but this is one of ${DESCRIBE[family]}`,
    );
  }
  const design = (raw as { study_design_config?: unknown }).study_design_config;
  if (family === "hierarchical" && design !== null && typeof design === "object" && !Array.isArray(design)) {
    const { flat, hierarchical } = familyKeys(design as Record<string, unknown>);
    if (flat.length) {
      const mixed = hierarchical.length ? ` alongside its hierarchical keys ${keyList(hierarchical)}` : "";
      problems.push(
        `study_design_config: ${keyList(flat)}: ${flat.length > 1 ? "keys" : "a key"} of the flat designs (m_0 ... m_3 models)${mixed}; ` +
          "a design takes the keys of one family (a flat one: M, K, D, R, ..., N, S, risky_probs; a hierarchical one: factors or J, P, X, M_per_cell, ...)",
      );
    }
  }
  if (problems.length) throw new InputError(`${source}: ${problems.join("; ")}`);
}
