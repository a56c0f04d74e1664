/**
 * What a cluster task rebuilds a study from: each new kind's portable config parses back into
 * the same config (paths absolute, the design source and the derived counts kept).
 */
import path from "node:path";
import { describe, expect, it } from "vitest";
import { studyCommands } from "../../../src/studies/kinds.js";
import { loadConfigOfCommand } from "../../../src/studies/runStudy.js";
import { estimateKind } from "../../../src/studies/estimate/kind.js";

const ROOT = path.resolve(import.meta.dirname, "..", "..", "..");

describe("portable configs of prior and estimate", () => {
  it("parse back into the same config", async () => {
    const files = [
      ["prior", "configs/h_m01_prior_analysis_config.json"],
      ["prior", "configs/m3_prior_analysis_config.json"],
      ["prior", "configs/prior_analysis_config.json"],
      ["estimate", "configs/model_estimation_smoke_config.json"],
    ];
    for (const [command, file] of files) {
      const kinds = command === "prior" ? studyCommands().get("prior")! : [estimateKind];
      const { kind, config } = await loadConfigOfCommand(kinds, path.join(ROOT, file), {
        seeding: command === "prior" ? "per_block" : undefined,
      });
      const portable = kind.portableConfig(config, "/opt/cmdstan");
      const again = kind.parseConfig(JSON.parse(JSON.stringify(portable)), "recipe", "/nowhere");
      // n_mcmc_warmup comes back as the warmup in force (the same `warmup`).
      const { source: _a, cmdstan: _b, n_mcmc_warmup: _w, ...before } = config as unknown as Record<string, unknown>;
      const { source: _c, cmdstan: _d, n_mcmc_warmup: _v, ...after } = again as unknown as Record<string, unknown>;
      expect(after, file).toEqual(before);
    }
  });
});
