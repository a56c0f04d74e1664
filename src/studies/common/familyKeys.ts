/**
 * Which model family a recovery config is for, from its keys: the `recover` command serves the
 * hierarchical family (h_m01, h_m01_size) and the flat one (m_0 ... m_3), each a kind of its own.
 * A config of one family holding a key of the other is refused by that kind, naming the key and
 * the family it belongs to, rather than as a plain unknown key.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { InputError } from "../../util/errors.js";

/** Top-level keys only the hierarchical recovery reads. */
export const HIERARCHICAL_RECOVERY_KEYS: readonly string[] = [
  "alpha_var",
  "extra_scalar_params",
  "sim_only_keys",
  "sim_overrides",
];

/** Top-level keys only the flat recovery reads. */
export const FLAT_RECOVERY_KEYS: readonly string[] = ["sim_hyperparams", "study_config_path", "concentration_grid"];

/** Design keys of the flat designs that the hierarchical ones do not have (they count problems per cell). */
export const FLAT_ONLY_DESIGN_KEYS: readonly string[] = ["M", "N", "S", "risky_probs"];

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === "object" && !Array.isArray(v);

/** The flat-family keys of a config (`study_design_config.M` for a design key), in a fixed order. */
export function flatKeysOf(raw: Record<string, unknown>): string[] {
  const design = isObject(raw.study_design_config) ? raw.study_design_config : {};
  return [
    ...FLAT_RECOVERY_KEYS.filter((k) => raw[k] !== undefined && raw[k] !== null),
    ...FLAT_ONLY_DESIGN_KEYS.filter((k) => k in design).map((k) => `study_design_config.${k}`),
  ];
}

/** The hierarchical-family keys of a config, in a fixed order. */
export function hierarchicalKeysOf(raw: Record<string, unknown>): string[] {
  return HIERARCHICAL_RECOVERY_KEYS.filter((k) => raw[k] !== undefined);
}

/**
 * Whether a recovery config is of the flat family: it has a flat key (sim_hyperparams,
 * study_config_path, concentration_grid, or M, N, S, risky_probs in its study_design_config), or its
 * study_design_path is a flat design file (M, and no M_total). An unreadable design file is
 * left to the hierarchical kind, which names the problem.
 */
export async function isFlatRecoveryConfig(raw: Record<string, unknown>, baseDir: string): Promise<boolean> {
  if (flatKeysOf(raw).length > 0) return true;
  if (typeof raw.study_design_path !== "string" || raw.study_design_path === "") return false;
  try {
    const design: unknown = JSON.parse(await readFile(path.resolve(baseDir, raw.study_design_path), "utf8"));
    return isObject(design) && "M" in design && !("M_total" in design);
  } catch {
    return false;
  }
}

/**
 * The keys of the other family in a config read as `family`, each named with the family it
 * belongs to; throws one InputError naming `source` and every such key. `why` says why the config
 * is read as this family (for the flat one: which of its keys made it so).
 */
export function refuseOtherFamilyKeys(raw: unknown, source: string, family: "flat" | "hierarchical"): void {
  if (!isObject(raw)) return;
  const problems =
    family === "flat"
      ? hierarchicalKeysOf(raw).map(
          (k) =>
            `${k}: a key of the hierarchical recovery (h_m01, h_m01_size), but this config is of the flat family ` +
            `(m_0 ... m_3: ${flatReason(raw)}), whose tracked parameters come from the models and whose simulator ` +
            `takes sim_hyperparams`,
        )
      : flatKeysOf(raw).map((k) =>
          k.startsWith("study_design_config.")
            ? `${k}: a key of the flat designs (m_0 ... m_3), but this is a hierarchical recovery, whose design ` +
              `counts problems per cell (M_per_cell)`
            : `${k}: a key of the flat family's recovery (m_0 ... m_3), but this config is read as a hierarchical ` +
              `one (h_m01, h_m01_size), whose simulator data are set with sim_overrides`,
        );
  if (problems.length) throw new InputError(`${source}: ${problems.join("; ")}`);
}

function flatReason(raw: Record<string, unknown>): string {
  const keys = flatKeysOf(raw);
  return keys.length ? `it has ${keys.join(", ")}` : "its study_design_path is a flat design file";
}
