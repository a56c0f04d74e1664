/**
 * The sweep key of the flat recovery and flat SBC configs (docs/sweeps.md): the users' sweep
 * configs parse unchanged and ask for one cell per value, each setting delta_concentration where
 * the kind reads it; the folder names print the value exactly; a grid that is empty, holds a
 * non-positive or non-number value, or lists a value twice, and a fixed delta_concentration
 * beside a grid, are refused naming the file and the key.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gridCellConfigs } from "../../../src/studies/grid.js";
import { studyCommands } from "../../../src/studies/kinds.js";
import type { FlatRecoveryConfig } from "../../../src/studies/recoverFlat/config.js";
import { recoverFlatKind } from "../../../src/studies/recoverFlat/kind.js";
import { loadConfigOfCommand } from "../../../src/studies/runStudy.js";
import type { FlatSbcConfig } from "../../../src/studies/sbcFlat/config.js";
import { sbcFlatKind } from "../../../src/studies/sbcFlat/kind.js";
import { sweepFolder } from "../../../src/studies/sweep/config.js";
import { InputError } from "../../../src/util/errors.js";
import { REPO_ROOT } from "../../helpers/cmdstan.js";
import { usersRepository } from "../../helpers/usersRepository.js";

const STAN = path.join(REPO_ROOT, "stan");
const design = { M: 10, K: 3, D: 2, R: 5 };
const RECOVERY = {
  inference_model_path: path.join(STAN, "m_03.stan"),
  sim_model_path: path.join(STAN, "m_03_sim.stan"),
  study_design_config: design,
  concentration_grid: [1, 2],
};
const SBC = {
  sbc_model_path: path.join(STAN, "m_03_sbc.stan"),
  study_design_config: design,
  concentration_grid: [1, 2],
};

describe("concentration_grid in flat recovery and SBC configs", () => {
  let dir: string;
  let users: string;
  const write = async (value: unknown) => {
    const file = path.join(dir, `c${Math.random().toString(36).slice(2)}.json`);
    await writeFile(file, typeof value === "string" ? value : JSON.stringify(value));
    return file;
  };
  /** The message of the error loading `value` through `command`, which must name the file. */
  const refusal = async (command: "recover" | "sbc", value: unknown): Promise<string> => {
    const file = await write(value);
    const err = await loadConfigOfCommand(studyCommands().get(command)!, file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as Error).message).toContain(file);
    return (err as Error).message;
  };

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-sweep-config-"));
    users = await usersRepository(path.join(dir, "users"));
  });
  afterAll(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("reads the users' recovery sweep unchanged: one cell per value, sim_hyperparams set in each", async () => {
    const file = path.join(users, "m_03_concentration_sweep_recovery_config.json");
    const { kind, config } = await loadConfigOfCommand(studyCommands().get("recover")!, file);
    expect(kind.name).toBe("recover-flat");
    const c = config as FlatRecoveryConfig;
    expect(c).toMatchObject({ n_iterations: 50, n_mcmc_samples: 2000, n_mcmc_chains: 4, sim_hyperparams: {} });
    expect(c.inference_model_path).toBe(path.join(users, "models", "m_03.stan"));
    expect(c.study_design_config).toMatchObject({ M: 25, K: 3, D: 5, R: 15 });
    const specs = recoverFlatKind.grid!.cells(c)!;
    expect(specs).toEqual(
      [1, 2, 5, 10].map((v) => ({ name: `alpha0=${v}`, set: { "sim_hyperparams.delta_concentration": v } })),
    );
    const cells = await gridCellConfigs(recoverFlatKind, c, specs);
    expect(cells.map((x) => [x.config.output_dir, x.config.sim_hyperparams, x.config.concentration_grid])).toEqual(
      [1, 2, 5, 10].map((v) => [path.join(c.output_dir, `alpha0=${v}`), { delta_concentration: v }, undefined]),
    );
    // A cell is a study of its own: no grid, the grid's seed (seeds repeat across values, as the original).
    expect(cells.every((x) => recoverFlatKind.grid!.cells(x.config) === undefined && x.config.seed === c.seed)).toBe(
      true,
    );
  });

  it("reads the users' SBC sweep unchanged: one cell per value, extra_data set in each", async () => {
    const file = path.join(users, "m_03_concentration_sweep_sbc_config.json");
    const { kind, config } = await loadConfigOfCommand(studyCommands().get("sbc")!, file);
    expect(kind.name).toBe("sbc-flat");
    const c = config as FlatSbcConfig;
    expect(c).toMatchObject({ n_sbc_sims: 200, n_mcmc_samples: 1000, n_mcmc_chains: 1, thin: 3, extra_data: {} });
    const cells = await gridCellConfigs(sbcFlatKind, c, sbcFlatKind.grid!.cells(c)!);
    expect(cells.map((x) => [x.name, x.config.extra_data])).toEqual([
      ["alpha0=1", { delta_concentration: 1 }],
      ["alpha0=10", { delta_concentration: 10 }],
    ]);
    expect(sbcFlatKind.grid!.cells(cells[0].config)).toBeUndefined();
  });

  it("names a cell's folder by the value as written, not rounded to one decimal", () => {
    expect([1, 10, 2.5, 0.25, 0.2, 0.05, 1e-7].map(sweepFolder)).toEqual([
      "alpha0=1",
      "alpha0=10",
      "alpha0=2.5",
      "alpha0=0.25",
      "alpha0=0.2",
      "alpha0=0.05",
      "alpha0=1e-7",
    ]);
  });

  it("accepts close values the original's folder names merged (0.25 and 0.2)", async () => {
    const file = await write({ ...RECOVERY, concentration_grid: [0.25, 0.2] });
    const { config } = await loadConfigOfCommand(studyCommands().get("recover")!, file);
    expect(recoverFlatKind.grid!.cells(config as FlatRecoveryConfig)!.map((s) => s.name)).toEqual([
      "alpha0=0.25",
      "alpha0=0.2",
    ]);
  });

  it.each([
    ["recover", RECOVERY],
    ["sbc", SBC],
  ] as const)(
    "%s: refuses an empty, non-positive, non-number or repeated grid, naming the key",
    async (command, base) => {
      expect(await refusal(command, { ...base, concentration_grid: [] })).toMatch(
        /concentration_grid: must list at least one value/,
      );
      expect(await refusal(command, { ...base, concentration_grid: [1, 0] })).toMatch(
        /concentration_grid\[1\]: must be positive/,
      );
      expect(await refusal(command, { ...base, concentration_grid: [-2] })).toMatch(
        /concentration_grid\[0\]: must be positive/,
      );
      expect(await refusal(command, { ...base, concentration_grid: [1, "2"] })).toMatch(
        /concentration_grid\[1\]: must be a number/,
      );
      expect(await refusal(command, { ...base, concentration_grid: 5 })).toMatch(/concentration_grid: must be a list/);
      // 1 and 1.0 are one number, one folder: refused, not merged.
      const text = JSON.stringify({ ...base, concentration_grid: [2] }).replace(
        '"concentration_grid":[2]',
        '"concentration_grid":[1, 2, 1.0]',
      );
      expect(await refusal(command, text)).toMatch(
        /concentration_grid\[2\]: 1 is listed twice \(entries 1 and 3: both would be the folder alpha0=1\)/,
      );
    },
  );

  it("refuses a fixed delta_concentration beside a grid, which every cell would override", async () => {
    expect(await refusal("recover", { ...RECOVERY, sim_hyperparams: { delta_concentration: 3 } })).toMatch(
      /sim_hyperparams\.delta_concentration: cannot be given with concentration_grid/,
    );
    expect(await refusal("sbc", { ...SBC, extra_data: { delta_concentration: 3 } })).toMatch(
      /extra_data\.delta_concentration: cannot be given with concentration_grid/,
    );
  });

  it("leaves the grid out of a study's portable config (a grid's recipe lists its cells)", async () => {
    const file = await write(RECOVERY);
    const { config } = await loadConfigOfCommand(studyCommands().get("recover")!, file);
    expect(config).toMatchObject({ concentration_grid: [1, 2] });
    expect(recoverFlatKind.portableConfig(config as FlatRecoveryConfig, "/cmdstan")).not.toHaveProperty(
      "concentration_grid",
    );
    const sbc = await loadConfigOfCommand(studyCommands().get("sbc")!, await write(SBC));
    expect(sbcFlatKind.portableConfig(sbc.config as FlatSbcConfig, "/cmdstan")).not.toHaveProperty(
      "concentration_grid",
    );
  });
});
