/**
 * The pseudo-replicated design (docs/power.md "The design"): every menu of a hierarchical design
 * shown `presentations` times, so that a simulator can make later presentations copy the first
 * choice. The base design has one row per menu; the expansion repeats each row in place (the
 * presentations of a menu are adjacent rows, and rows stay stacked cell by cell):
 *
 *   order = (0, ..., 0, 1, ..., 1, ...), each base row `presentations` times;
 *   I, cell <- I[order], cell[order];  menu_id = order + 1;  M_total = rows x presentations;
 *   M_per_cell recounted;  menu_size, mean_menu_size and s recomputed over the expanded rows.
 *
 * Every presentation keeps its menu's cell and alternatives, so a choice (a position among the
 * alternatives in increasing r) means the same at each presentation.
 */
import { InputError } from "../util/errors.js";
import {
  DEFAULT_MENU_SIZE_HYPERPARAMETERS,
  sizeCovariateData,
  simulationData,
  type StudyDesign,
} from "./studyDesign.js";

/** What the expansion adds to the design's data: which menu each row presents. */
export interface Replication {
  /** Distinct menus (rows of the base design). */
  n_menus: number;
  /** The menu of each expanded row, 1..n_menus. */
  menu_id: number[];
  num_presentations: number;
}

export interface PseudoReplicatedDesign {
  /** The expanded design: rows are presentations (its `sizeCovariate` recomputed over them). */
  design: StudyDesign;
  replication: Replication;
}

/** Data keys of the replication (and rho_copy) that only the simulator reads. */
export const REPLICATION_DATA_KEYS = ["n_menus", "menu_id", "num_presentations", "rho_copy"] as const;

/** Expand `base` (one row per menu) to `presentations` adjacent presentations of each menu. */
export function pseudoReplicate(base: StudyDesign, presentations: number): PseudoReplicatedDesign {
  if (!Number.isInteger(presentations) || presentations < 1) {
    throw new InputError(`num_presentations: must be an integer >= 1, got ${presentations}`);
  }
  const order = base.cell.flatMap((_, m) => new Array<number>(presentations).fill(m));
  const I = order.map((m) => [...base.I[m]]);
  const cell = order.map((m) => base.cell[m]);
  const M_per_cell = new Array<number>(base.J).fill(0);
  for (const j of cell) M_per_cell[j - 1] += 1;
  const hyper = base.sizeCovariate ?? DEFAULT_MENU_SIZE_HYPERPARAMETERS;
  const sizeCovariate = sizeCovariateData(I, {
    gamma_size_mean: hyper.gamma_size_mean,
    gamma_size_sd: hyper.gamma_size_sd,
  });
  return {
    design: { ...base, M_total: order.length, cell, I, M_per_cell, sizeCovariate },
    replication: { n_menus: base.M_total, menu_id: order.map((m) => m + 1), num_presentations: presentations },
  };
}

/**
 * The simulator's data: the expanded design's data (hyperparameters included), the replication
 * and rho_copy, then `overrides` (the config's sim_overrides).
 */
export function pseudoReplicatedSimData(
  rep: PseudoReplicatedDesign,
  rhoCopy: number,
  overrides: Record<string, number> = {},
): Record<string, unknown> {
  return { ...simulationData(rep.design), ...rep.replication, rho_copy: rhoCopy, ...overrides };
}

/** Stan data keys of the replication that hold integers (for toStanJson's `ints`). */
export const REPLICATION_INT_KEYS = ["n_menus", "menu_id", "num_presentations"] as const;
