/** The pseudo-replicated design (docs/power.md "The design"): rows repeated in place, counts and s recomputed. */
import { describe, expect, it } from "vitest";
import { pseudoReplicate, pseudoReplicatedSimData } from "../../src/design/pseudoReplication.js";
import { fitData, generateStudyDesign, menuSizes, type DesignConfig } from "../../src/design/studyDesign.js";
import { InputError } from "../../src/util/errors.js";

const DESIGN: DesignConfig = { factors: [3, 2], K: 3, D: 2, R: 12, M_per_cell: 5, menu_sizes: [2, 4, 6, 8] };

describe("pseudoReplicate", () => {
  const base = generateStudyDesign(DESIGN, 12345);

  it("repeats each menu's row in place, keeping cells stacked, and numbers the menus", () => {
    const { design, replication } = pseudoReplicate(base, 3);
    expect(design.M_total).toBe(base.M_total * 3);
    expect(replication).toMatchObject({ n_menus: base.M_total, num_presentations: 3 });
    base.I.forEach((row, m) => {
      for (let p = 0; p < 3; p++) {
        expect(design.I[3 * m + p]).toEqual(row);
        expect(design.cell[3 * m + p]).toBe(base.cell[m]);
        expect(replication.menu_id[3 * m + p]).toBe(m + 1);
      }
    });
    expect(design.M_per_cell).toEqual(base.M_per_cell.map((n) => 3 * n));
    // The expansion does not share rows with the base design.
    design.I[0][0] = 7;
    expect(base.I[0][0]).not.toBe(7);
  });

  it("recomputes menu_size, mean_menu_size and s over the presentations, keeping gamma_size's hyperparameters", () => {
    const { design } = pseudoReplicate({ ...base, sizeCovariate: { ...base.sizeCovariate!, gamma_size_sd: 0 } }, 2);
    const sc = design.sizeCovariate!;
    expect(sc.menu_size).toEqual(menuSizes(design));
    expect(sc.mean_menu_size).toBeCloseTo(sc.menu_size.reduce((a, b) => a + b, 0) / design.M_total, 12);
    sc.s.forEach((s, m) => expect(s).toBeCloseTo(sc.menu_size[m] - sc.mean_menu_size, 12));
    expect(sc.gamma_size_sd).toBe(0);
  });

  it("gives the simulator the replication and rho_copy, and the fit neither", () => {
    const rep = pseudoReplicate(base, 2);
    const sim = pseudoReplicatedSimData(rep, 0.9, { gamma_size_sd: 0 });
    expect(sim).toMatchObject({ n_menus: base.M_total, num_presentations: 2, rho_copy: 0.9, gamma_size_sd: 0 });
    expect(sim.menu_id).toEqual(rep.replication.menu_id);
    const fit = fitData(
      rep.design,
      rep.design.cell.map(() => 1),
      ["gamma_size_mean", "gamma_size_sd"],
    );
    for (const k of ["n_menus", "menu_id", "num_presentations", "rho_copy", "gamma0_mean", "gamma_size_sd"])
      expect(fit).not.toHaveProperty(k);
    for (const k of ["s", "I", "cell", "M_total", "M_per_cell", "X", "w", "y"]) expect(fit).toHaveProperty(k);
  });

  it("refuses a presentation count that is not a positive integer", () => {
    expect(() => pseudoReplicate(base, 0)).toThrow(InputError);
    expect(() => pseudoReplicate(base, 1.5)).toThrow(/num_presentations: must be an integer >= 1, got 1.5/);
  });
});
