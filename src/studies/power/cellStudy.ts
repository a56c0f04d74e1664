/** What a grid's pricing needs of a prepared power cell, beside the replicate loop's part (kind.ts makes it). */
import type { CompiledModel } from "../../cmdstan/compile.js";
import type { PowerConfig } from "./config.js";
import type { CellShape } from "./summarize.js";

export interface PowerCellStudy {
  power: {
    config: PowerConfig;
    shape: CellShape;
    inference: CompiledModel;
    /** Stan JSON of data of this cell's shape for the gradient probe (any valid y). */
    probeData(dir: string): Promise<string>;
  };
}
