/**
 * A sample-size study's designs (docs/sample-size.md "Designs"): the base that fixes the
 * alternatives (the config's base_design_path, checked against its K, D and R; else generated
 * from the seed and saved as `<output_dir>/base_design.json`), and each size's design on them,
 * saved as `M_<M>/design_M<M>.json` (written once; a damaged or foreign copy rewritten).
 */
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { designWithFixedFeatures, generatedBaseDesign } from "../../design/flat/fixedFeatures.js";
import { loadFlatDesign, parseFlatDesign, writeFlatDesign } from "../../design/flat/file.js";
import type { FlatDesign } from "../../design/flat/types.js";
import { flatDesignHash } from "../../pipeline/flatDesignSetup.js";
import { InputError } from "../../util/errors.js";
import type { SampleSizeConfig } from "./config.js";

export const BASE_DESIGN_FILE = "base_design.json";
export const sizeDesignFile = (M: number): string => `design_M${M}.json`;

/** The base design: the config's file (its K, D and R must be the config's), else generated. */
export async function baseDesign(config: SampleSizeConfig): Promise<FlatDesign> {
  const { K, D, R } = config;
  if (!config.base_design_path) return generatedBaseDesign({ K, D, R }, config.seed);
  const base = await loadFlatDesign(config.base_design_path);
  const differ = (["K", "D", "R"] as const).filter((k) => base[k] !== config[k]);
  if (differ.length)
    throw new InputError(
      `${config.source}: base_design_path: ${config.base_design_path} has ` +
        `${differ.map((k) => `${k} = ${base[k]}`).join(", ")}, but the config says ` +
        `${differ.map((k) => `${k} = ${config[k]}`).join(", ")}; the sizes' designs take the base's alternatives, ` +
        `so the two must agree`,
    );
  return base;
}

/** The design of the config's size M (a cell of the grid). */
export async function sizeDesign(config: SampleSizeConfig): Promise<FlatDesign> {
  if (config.M === undefined) throw new Error("internal: a sample-size study runs one M of M_grid at a time");
  return designWithFixedFeatures(await baseDesign(config), config.M, config.seed);
}

/** Write `design` to `file` unless a copy of the same design is there. */
export async function writeDesignOnce(file: string, design: FlatDesign): Promise<void> {
  if (existsSync(file)) {
    try {
      if (flatDesignHash(parseFlatDesign(await readFile(file, "utf8"), file)) === flatDesignHash(design)) return;
    } catch {
      // Damaged: rewritten below.
    }
  }
  await writeFlatDesign(file, design);
}

/** `<output_dir>/base_design.json` when the base was generated (a base file of the config is not copied, as the original). */
export async function writeBaseDesign(config: SampleSizeConfig): Promise<void> {
  if (config.base_design_path) return;
  await writeDesignOnce(path.join(config.output_dir, BASE_DESIGN_FILE), await baseDesign(config));
}
