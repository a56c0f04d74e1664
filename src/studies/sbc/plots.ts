/**
 * The hierarchical SBC figures, per group of tracked scalars (regression, cells, utility), as
 * PNG files (the panels: ../sbcCommon/plots.ts):
 * - `<group>_ranks.png`: the rank histograms of the group's scalars;
 * - `<group>_ecdf.png`: their ECDF differences with the simultaneous 95% band (the name the
 *   users' SBC report reads).
 */
import { mkdir } from "node:fs/promises";
import path from "node:path";
import type { SbcStatistics } from "../../analysis/sbc.js";
import { groupParameters, type ParameterGroup, type TrackedParameter } from "../../analysis/trackedParameters.js";
import { renderPng } from "../../report/figures.js";
import { writeFileAtomic } from "../../util/atomicWrite.js";
import { sbcGroupSpecs } from "../sbcCommon/plots.js";

export const SBC_GROUPS: { group: ParameterGroup; name: string; title: string }[] = [
  { group: "regression", name: "regression", title: "population-level regression parameters" },
  { group: "cell", name: "alpha", title: "cell-level sensitivities" },
  { group: "utility", name: "delta", title: "utility simplex delta" },
];

export function sbcPlotFiles(name: string): { ranks: string; ecdf: string } {
  return { ranks: `${name}_ranks.png`, ecdf: `${name}_ecdf.png` };
}

/** The report's caption of each figure file. */
export function sbcPlotCaptions(): Record<string, string> {
  const captions: Record<string, string> = {};
  for (const g of SBC_GROUPS) {
    const f = sbcPlotFiles(g.name);
    captions[f.ranks] = `Rank histograms, ${g.title}.`;
    captions[f.ecdf] = `ECDF difference with the simultaneous 95% band, ${g.title}.`;
  }
  return captions;
}

/** Writes both figures of every non-empty group into `outDir`; returns the files in order. */
export async function writeSbcPlots(
  outDir: string,
  tracked: readonly TrackedParameter[],
  stats: SbcStatistics,
): Promise<string[]> {
  await mkdir(outDir, { recursive: true });
  const written: string[] = [];
  for (const g of SBC_GROUPS) {
    const params = groupParameters(tracked, g.group);
    if (params.length === 0) continue;
    const specs = sbcGroupSpecs(
      params.map((p) => p.variable),
      stats,
      g.title,
    );
    const files = sbcPlotFiles(g.name);
    for (const which of ["ranks", "ecdf"] as const) {
      const file = path.join(outDir, files[which]);
      await writeFileAtomic(file, await renderPng(specs[which]));
      written.push(file);
    }
  }
  return written;
}
