/**
 * The pseudo-replication simulator stan/h_m01_size_pseudorep_sim.stan with the real CmdStan
 * (docs/power.md "The simulator"): at rho_copy 0 its draws equal h_m01_size_sim's for the same
 * seed; at rho_copy 1 every repeat copies its first presentation; in between, fresh choices come
 * first and the copy draw after, so the first presentations keep h_m01_size_sim's stream until
 * the first repeat; agreement counts what the choices show; and each rejection of its
 * transformed data names what is wrong.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compileModel, type CompiledModel } from "../../../src/cmdstan/compile.js";
import type { StanCsv } from "../../../src/cmdstan/stanCsv.js";
import { toStanJson } from "../../../src/cmdstan/stanJson.js";
import {
  pseudoReplicate,
  pseudoReplicatedSimData,
  REPLICATION_INT_KEYS,
} from "../../../src/design/pseudoReplication.js";
import { generateStudyDesign, STAN_INT_KEYS, type DesignConfig } from "../../../src/design/studyDesign.js";
import { CmdStanRunError } from "../../../src/util/errors.js";
import { REPO_ROOT, firstDraw as values, fixedParamDraw, testCmdStan } from "../../helpers/cmdstan.js";

const DESIGN: DesignConfig = { factors: [3, 2], K: 3, D: 2, R: 12, M_per_cell: 8, menu_sizes: [2, 4, 6, 8] };
const SHARED = ["gamma0", "gamma", "gamma_size", "sigma_cell", "log_alpha_cell", "alpha_cell", "beta", "delta"];
const INTS = [...STAN_INT_KEYS, ...REPLICATION_INT_KEYS];

describe("h_m01_size_pseudorep_sim (real CmdStan)", () => {
  let dir: string;
  let pseudo: CompiledModel;
  let plain: CompiledModel;
  const rep = pseudoReplicate(generateStudyDesign(DESIGN, 12345), 2);
  let runs = 0;

  const simulate = (model: CompiledModel, data: Record<string, unknown>, seed: number): Promise<StanCsv> =>
    fixedParamDraw(model, toStanJson(data, { ints: INTS }), seed, { dir, name: `run-${++runs}` });

  /** The CmdStan error message of a simulation that must fail. */
  async function rejection(data: Record<string, unknown>): Promise<string> {
    const err = await simulate(pseudo, data, 1).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CmdStanRunError);
    return (err as Error).message;
  }

  beforeAll(async () => {
    const install = await testCmdStan();
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-pseudorep-"));
    const stan = (name: string) => compileModel(install, path.join(REPO_ROOT, "stan", `${name}.stan`));
    [pseudo, plain] = await Promise.all([stan("h_m01_size_pseudorep_sim"), stan("h_m01_size_sim")]);
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("at rho_copy 0 draws exactly what h_m01_size_sim draws for the same seed (also with gamma_size_sd 0)", async () => {
    for (const [seed, over] of [
      [12345, {}],
      [777, { gamma_size_sd: 0, gamma_size_mean: 0.3 }],
    ] as const) {
      const data = pseudoReplicatedSimData(rep, 0, over);
      const [a, b] = await Promise.all([simulate(pseudo, data, seed), simulate(plain, data, seed)]);
      for (const name of [...SHARED, "y"]) expect(values(a, name), `${name} at seed ${seed}`).toEqual(values(b, name));
      // Repeats are fresh choices: agreement is chance agreement only, and counted from y.
      const y = values(a, "y");
      const agree = y.filter((v, m) => m % 2 === 1 && v === y[m - 1]).length;
      expect(values(a, "n_repeats")).toEqual([rep.replication.n_menus]);
      expect(values(a, "n_agreements")).toEqual([agree]);
      expect(values(a, "agreement_rate")[0]).toBeCloseTo(agree / rep.replication.n_menus, 5);
    }
  });

  it("at rho_copy 1 every repeat copies its first presentation; the truths are still h_m01_size_sim's", async () => {
    const data = pseudoReplicatedSimData(rep, 1);
    const [a, b] = await Promise.all([simulate(pseudo, data, 99), simulate(plain, data, 99)]);
    for (const name of SHARED) expect(values(a, name), name).toEqual(values(b, name));
    const y = values(a, "y");
    for (let m = 1; m < y.length; m += 2) expect(y[m]).toBe(y[m - 1]);
    expect(values(a, "agreement_rate")).toEqual([1]);
    expect(values(a, "n_agreements")).toEqual([rep.replication.n_menus]);
    // The first choice (fresh, drawn before any copy draw) is h_m01_size_sim's first.
    expect(y[0]).toBe(values(b, "y")[0]);
  });

  it("in between: the first menu's presentations come from h_m01_size_sim's stream until the copy draw", async () => {
    const data = pseudoReplicatedSimData(rep, 0.5);
    const [a, b] = await Promise.all([simulate(pseudo, data, 4242), simulate(plain, data, 4242)]);
    const [ya, yb] = [values(a, "y"), values(b, "y")];
    // Row 1 (first presentation) is a fresh draw; row 2 draws fresh (the same uniform as
    // h_m01_size_sim's row 2) and then its copy draw, so it is either row 1's choice or that one.
    expect(ya[0]).toBe(yb[0]);
    expect([ya[0], yb[1]]).toContain(ya[1]);
    const repeats = ya.filter((_, m) => m % 2 === 1);
    const agree = repeats.filter((v, k) => v === ya[2 * k]).length;
    expect(values(a, "n_agreements")).toEqual([agree]);
    // Other sizes and selections are consistent with the choices.
    expect(values(a, "menu_size_out")).toEqual(rep.design.sizeCovariate!.menu_size);
    const sel = values(a, "selected_seu_max");
    expect(values(a, "total_seu_max_selected")).toEqual([sel.reduce((x, v) => x + v, 0)]);
    expect(values(a, "seu_max_by_cell").reduce((x, v) => x + v, 0)).toBe(sel.reduce((x, v) => x + v, 0));
  });

  it("with one presentation per menu there are no repeats and agreement_rate is 0", async () => {
    const single = pseudoReplicate(generateStudyDesign(DESIGN, 12345), 1);
    const a = await simulate(pseudo, pseudoReplicatedSimData(single, 0.9), 5);
    expect(values(a, "n_repeats")).toEqual([0]);
    expect(values(a, "agreement_rate")).toEqual([0]);
  });

  describe("rejects data it cannot simulate, naming what is wrong", () => {
    const base = () => JSON.parse(JSON.stringify(pseudoReplicatedSimData(rep, 0.5))) as Record<string, any>;

    it("a menu of fewer than 2 alternatives", async () => {
      const d = base();
      d.I[3] = d.I[3].map((_: number, r: number) => (r === 0 ? 1 : 0));
      expect(await rejection(d)).toMatch(/menu of row m = 4 .* has N_m = 1 alternative\(s\); at least 2/);
    });

    it("an s that is not centred", async () => {
      const d = base();
      d.s = d.s.map((v: number) => v + 0.01);
      expect(await rejection(d)).toMatch(/mean\(s\) = 0\.01 but s must be centred/);
    });

    it("an s that is not the menu size minus the mean", async () => {
      const d = base();
      d.s[0] += 0.5;
      d.s[1] -= 0.5;
      expect(await rejection(d)).toMatch(/s\[1\] = .* but N_m - mean menu size = /);
    });

    it("a menu_id beyond n_menus", async () => {
      const d = base();
      d.menu_id[5] = d.n_menus + 3;
      expect(await rejection(d)).toMatch(
        new RegExp(`menu_id\\[6\\] = ${d.n_menus + 3} exceeds n_menus = ${d.n_menus}`),
      );
    });

    it("a menu spanning cells", async () => {
      const d = base();
      // Row 16 (second presentation of menu 8, the last of cell 1) moves to cell 2; the counts follow.
      d.cell[15] = 2;
      d.M_per_cell[0] -= 1;
      d.M_per_cell[1] += 1;
      expect(await rejection(d)).toMatch(
        /menu 8 spans cells: row 16 has cell 2 but its first presentation \(row 15\) has cell 1/,
      );
    });

    it("presentations of one menu with different alternatives", async () => {
      const d = base();
      const row: number[] = d.I[1];
      const on = row.indexOf(1);
      const off = row.indexOf(0);
      row[on] = 0;
      row[off] = 1; // same size, so s still holds
      expect(await rejection(d)).toMatch(/menu 1 is presented with different alternatives: I\[2, \d+\]/);
    });

    it("a menu with no presentation", async () => {
      const d = base();
      d.n_menus += 1;
      expect(await rejection(d)).toMatch(new RegExp(`menu ${d.n_menus} of n_menus = ${d.n_menus} has no presentation`));
    });

    it("rho_copy outside [0, 1]", async () => {
      const d = base();
      d.rho_copy = 1.5;
      expect(await rejection(d)).toMatch(/rho_copy/);
    });
  });
});
