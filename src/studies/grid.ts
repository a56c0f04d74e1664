/**
 * Running a kind over a grid of cells (docs/architecture.md "Grids"): each cell is the config with
 * some keys changed and its folder under the grid's; every cell is prepared as a study of its
 * own (models checked and compiled, design made), the kind may check the whole grid before
 * anything runs (a budget, a dry run), and the cells run as one study of the engine
 * (pipeline/grid.ts). A cluster task rebuilds the same grid from the recipe, without the check.
 */
import path from "node:path";
import { locateCmdStan } from "../cmdstan/locate.js";
import { composeGrid } from "../pipeline/grid.js";
import type { ReplicateStudy } from "../pipeline/replicates.js";
import { defaultCores, setConfigKey, type BaseStudyConfig } from "../pipeline/studyConfig.js";
import type { GridCellSpec } from "../pipeline/studyRecipe.js";
import { UserFacingError } from "../util/errors.js";
import { prepareStudy } from "./prepare.js";
import type { GridCell, StudyKind, StudyOutcome } from "./studyKind.js";

/** A grid that stopped before any fit ran, by the kind's choice (a dry run): not an error. */
export class StoppedBeforeRun extends UserFacingError {}

/** Each cell's config: the base config (as JSON) with the cell's keys, in its folder under the grid's. */
export async function gridCellConfigs<C extends BaseStudyConfig>(
  kind: StudyKind<C, StudyOutcome>,
  config: C,
  specs: readonly GridCellSpec[],
): Promise<{ name: string; config: C }[]> {
  const install = await locateCmdStan({ explicit: config.cmdstan });
  const base = kind.portableConfig(config, install.path);
  return specs.map((spec) => {
    const raw = structuredClone(base);
    for (const [key, value] of Object.entries({ ...spec.set, output_dir: path.join(config.output_dir, spec.name) }))
      setConfigKey(raw, key, value, `${config.source} (cell ${spec.name})`);
    const cell = kind.parseConfig(raw, config.source, path.dirname(config.source));
    return {
      name: spec.name,
      config: { ...cell, cores: config.cores, executor: config.executor, slurm: config.slurm },
    };
  });
}

/**
 * The grid as one study of the engine: every cell prepared (compiling once, the rest from the
 * cache), then, unless a cluster task rebuilds it, the kind's check (which may refuse or stop).
 */
export async function prepareGrid<C extends BaseStudyConfig, S extends StudyOutcome>(
  kind: StudyKind<C, S>,
  config: C,
  specs: readonly GridCellSpec[],
  log: (line: string) => void,
  opts: { cachedModelsOnly?: boolean; check?: boolean } = {},
): Promise<ReplicateStudy<StudyOutcome>> {
  const grid = kind.grid;
  if (!grid) throw new Error(`study kind ${kind.name} does not run grids`);
  const cells: GridCell<C, S>[] = [];
  for (const cell of await gridCellConfigs(kind, config, specs)) {
    log(`[${kind.name}] cell ${cell.name}`);
    cells.push({ ...cell, study: await prepareStudy(kind, cell.config, log, opts) });
  }
  const cores = defaultCores(config.cores);
  const checked = opts.check && grid.preflight ? await grid.preflight(cells, config, { log, cores }) : undefined;
  if (checked && !checked.proceed) throw new StoppedBeforeRun(checked.text ?? "stopped before running");
  const install = await locateCmdStan({ explicit: config.cmdstan });
  return composeGrid({
    command: kind.name,
    unit: kind.unit,
    outputDir: config.output_dir,
    cores,
    recipe: { kind: kind.name, config: kind.portableConfig(config, install.path), cells: [...specs] },
    // Without a prediction, bigger replicates (more sampler iterations) are taken to be longer.
    parts: cells.map((c) => ({
      name: c.name,
      study: c.study,
      cost: checked?.costs?.get(c.name) ?? c.study.workPerReplicate,
    })),
    summarize: (summaries, wallSeconds) =>
      grid.summarize(
        summaries.map((s, k) => ({ ...s, config: cells[k].config })),
        config,
        wallSeconds,
      ),
  });
}
