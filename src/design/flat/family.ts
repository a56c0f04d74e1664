/**
 * Which design family a config or a design file belongs to, from its keys alone: the flat
 * designs (m_0 ... m_3) have M problems (and N, S, risky_probs for risky problems); the
 * hierarchical ones have cells (factors, J, P, X, M_per_cell, menu_sizes, ...) and their files
 * M_total. The keys both families take (K, D, R, the alternatives' bounds, features, design_name)
 * decide nothing. Study kinds of one command use this to pick the family's kind.
 */
import { HIERARCHICAL_CONFIG_KEYS } from "./config.js";

/** Design config keys only the flat family has. */
export const FLAT_ONLY_CONFIG_KEYS: readonly string[] = ["M", "N", "S", "risky_probs"];

/** The keys of `config` (notes aside) that belong to one family only. */
export function familyKeys(config: Record<string, unknown>): { flat: string[]; hierarchical: string[] } {
  const keys = Object.keys(config).filter((k) => !k.startsWith("_"));
  return {
    flat: keys.filter((k) => FLAT_ONLY_CONFIG_KEYS.includes(k)),
    hierarchical: keys.filter((k) => HIERARCHICAL_CONFIG_KEYS.includes(k)),
  };
}

/** A design config of the flat family: some flat-only key and no hierarchical one (a mix is neither). */
export function isFlatDesignConfig(config: unknown): boolean {
  if (config === null || typeof config !== "object" || Array.isArray(config)) return false;
  const { flat, hierarchical } = familyKeys(config as Record<string, unknown>);
  return flat.length > 0 && hierarchical.length === 0;
}

/** A parsed design file of the flat family: M problems, no M_total (the hierarchical files' count). */
export function isFlatDesignFile(json: unknown): boolean {
  if (json === null || typeof json !== "object" || Array.isArray(json)) return false;
  return "M" in json && !("M_total" in json);
}
