/**
 * What a model declares (data, parameters, outputs), from `stanc --info`: lets a study check
 * a swapped-in model before any sampling (a missing tracked parameter is refused up front).
 */
import path from "node:path";
import { execa } from "execa";
import { z } from "zod";
import { describeCompileFailure } from "./compile.js";
import type { CmdStanInstall } from "./locate.js";

const varSchema = z.object({ type: z.string(), dimensions: z.number().int() });
const infoSchema = z.object({
  inputs: z.record(varSchema).default({}),
  parameters: z.record(varSchema).default({}),
  "transformed parameters": z.record(varSchema).default({}),
  "generated quantities": z.record(varSchema).default({}),
});

export interface ModelInfo {
  inputs: Record<string, { type: string; dimensions: number }>;
  parameters: Record<string, { type: string; dimensions: number }>;
  transformedParameters: Record<string, { type: string; dimensions: number }>;
  generatedQuantities: Record<string, { type: string; dimensions: number }>;
  /** Every name that appears in the output CSV (parameters, transformed parameters, generated quantities). */
  outputs: string[];
}

export async function readModelInfo(install: CmdStanInstall, stanFile: string): Promise<ModelInfo> {
  const abs = path.resolve(stanFile);
  const r = await execa(
    path.join(install.path, "bin", "stanc"),
    ["--info", `--include-paths=${path.dirname(abs)}`, abs],
    {
      reject: false,
      all: true,
    },
  );
  if (r.exitCode !== 0) throw describeCompileFailure(r.all ?? "", abs, abs);
  const info = infoSchema.parse(JSON.parse(r.stdout));
  const parameters = info.parameters;
  const transformedParameters = info["transformed parameters"];
  const generatedQuantities = info["generated quantities"];
  return {
    inputs: info.inputs,
    parameters,
    transformedParameters,
    generatedQuantities,
    outputs: [...Object.keys(parameters), ...Object.keys(transformedParameters), ...Object.keys(generatedQuantities)],
  };
}
