/** Design configs the tests share. */
import type { DesignConfig } from "../../src/design/studyDesign.js";

/** The design of the report (docs/recovery.md "Report 11's numbers"): factors [6, 3], K 3, D 2, R 10, 20 problems per cell. */
export const REPORT_DESIGN_CONFIG: DesignConfig = {
  factors: [6, 3],
  reference_indices: [0, 0],
  K: 3,
  D: 2,
  R: 10,
  M_per_cell: 20,
  min_alts_per_problem: 2,
  max_alts_per_problem: 4,
  feature_dist: "normal",
  feature_params: { loc: 0, scale: 1 },
  design_name: "h_m01_recovery",
};
