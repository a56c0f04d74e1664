/**
 * A grid: several studies of one kind (its cells, each the same config with some keys changed)
 * run as ONE study, so every fit of every cell shares one pool of cores (or one Slurm job array)
 * and the grid takes as long as one big study of the same fits. Replicate j of the grid is
 * replicate i of one cell (cells in order, each cell's replicates 1..count in order).
 *
 * - Each cell keeps its own folder (`<grid>/<cell name>`), its own manifest (checked as a study
 *   of its own: a cell made under another configuration is refused) and its own fingerprint in
 *   its records, so a cell's finished fits stay valid when cells are added to the grid, and a
 *   cell folder can be resumed by the single-cell command alike. The grid's own manifest only
 *   says it is a grid of that kind.
 * - The longest fits start first (the cells' predicted cost per replicate), so the last fits to
 *   finish are short ones and no core idles behind one long fit at the end.
 * - Each cell is summarised from its own records, then the grid from the cells' summaries.
 */
import { mkdir } from "node:fs/promises";
import type { ReplicateRecord } from "./records.js";
import type { ReplicateEnv, ReplicateStudy } from "./replicates.js";
import { checkStudyManifest, fingerprintHash } from "./studyFolder.js";
import type { StudyRecipe } from "./studyRecipe.js";

export interface GridPart<S> {
  /** The cell's name: its folder under the grid's. */
  name: string;
  study: ReplicateStudy<S>;
  /** Predicted seconds (or any relative cost) of one of its replicates: the longest start first. */
  cost: number;
}

export interface GridSpec<S, G> {
  command: string;
  unit: string;
  outputDir: string;
  cores: number;
  recipe: StudyRecipe;
  parts: GridPart<S>[];
  /** The grid's outputs from each cell's summary (in cell order). */
  summarize(cells: { name: string; summary: S }[], wallSeconds: number): Promise<G>;
}

/** Replicate j of the grid as (cell, replicate of the cell). */
export function gridIndex(parts: readonly { study: { count: number } }[]) {
  const offsets: number[] = [];
  let total = 0;
  for (const p of parts) {
    offsets.push(total);
    total += p.study.count;
  }
  const locate = (j: number): { part: number; i: number } => {
    if (!Number.isInteger(j) || j < 1 || j > total) throw new RangeError(`grid replicate ${j} is outside 1..${total}`);
    let k = offsets.length - 1;
    while (offsets[k] >= j) k--;
    return { part: k, i: j - offsets[k] };
  };
  return { total, offsets, locate };
}

/** The records of one cell, by its own replicate numbers. */
function cellRecords(
  records: ReadonlyMap<number, ReplicateRecord>,
  offset: number,
  count: number,
): Map<number, ReplicateRecord> {
  const sub = new Map<number, ReplicateRecord>();
  for (let i = 1; i <= count; i++) {
    const r = records.get(offset + i);
    if (r) sub.set(i, r);
  }
  return sub;
}

export function composeGrid<S, G>(spec: GridSpec<S, G>): ReplicateStudy<G> {
  const { parts } = spec;
  if (!parts.length) throw new Error("a grid needs at least one cell");
  const recordName = parts[0].study.recordName;
  const other = parts.find((p) => p.study.recordName !== recordName);
  if (other) throw new Error(`grid cells must share a record name (${other.name}: ${other.study.recordName})`);
  const { total, offsets, locate } = gridIndex(parts);
  const hashes = parts.map((p) => fingerprintHash(p.study.fingerprint));
  const at = (j: number) => {
    const { part, i } = locate(j);
    return { p: parts[part], k: part, i };
  };
  return {
    command: spec.command,
    unit: spec.unit,
    outputDir: spec.outputDir,
    cores: spec.cores,
    count: total,
    chainsPerReplicate: Math.max(...parts.map((p) => p.study.chainsPerReplicate)),
    workPerReplicate: parts.reduce((a, p) => a + p.study.count * p.study.workPerReplicate, 0) / Math.max(1, total),
    // The cells' own manifests decide their results; the grid's only says what it is.
    fingerprint: { grid_of: spec.recipe.kind },
    recipe: spec.recipe,
    recordName,
    replicateDir: (j) => at(j).p.study.replicateDir(at(j).i),
    recordFingerprint: (j) => hashes[at(j).k],
    order: (todo) =>
      todo
        .map((j, n) => ({ j, n, cost: at(j).p.cost }))
        .sort((a, b) => b.cost - a.cost || a.n - b.n)
        .map((x) => x.j),
    writeSetup: async () => {
      for (const p of parts) {
        await mkdir(p.study.outputDir, { recursive: true });
        await checkStudyManifest(p.study.outputDir, p.study.fingerprint, p.study.replicateDir(1));
        await p.study.writeSetup();
      }
    },
    runReplicate: (j, env) => {
      const { p, k, i } = at(j);
      const cellEnv: ReplicateEnv = {
        ...env,
        fingerprint: hashes[k],
        onChainProgress: env.onChainProgress && ((_i, progress) => env.onChainProgress!(j, progress)),
      };
      return p.study.runReplicate(i, cellEnv);
    },
    onReplicateFinished: async (records, latest) => {
      const { p, k, i } = at(latest);
      await p.study.onReplicateFinished?.(cellRecords(records, offsets[k], p.study.count), i);
    },
    summarize: async (records, wallSeconds) => {
      const cells: { name: string; summary: S }[] = [];
      for (const [k, p] of parts.entries()) {
        const summary = await p.study.summarize(cellRecords(records, offsets[k], p.study.count), wallSeconds);
        cells.push({ name: p.name, summary });
      }
      return spec.summarize(cells, wallSeconds);
    },
  };
}
