/**
 * stanc's --O1 for inference models (docs/performance.md "--O1"): which CmdStan's stanc has it is
 * read from `stanc --help` (real binaries: the suite's 2.27.0 has only the experimental --O;
 * the reference 2.33.1 and 2.37.0 have --O1), the reference stancs translate h_m01_size with
 * --O1, and a study's inference model gets it only when the config sets stanc_o1 (with 2.27,
 * the suite's CmdStan, it is asked for and said to be absent). Whether the --O1 build's
 * posterior agrees with the plain one's needs a compiling CmdStan with --O1, which this
 * machine's registries do not offer: scripts/check-o1-posterior.ts checks it where one exists.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stancSupportsO1, withoutOverstrike } from "../../src/cmdstan/compile.js";
import type { CmdStanInstall } from "../../src/cmdstan/locate.js";
import { compileStudyModels } from "../../src/pipeline/studySetup.js";
import { REPO_ROOT, testCmdStan } from "../helpers/cmdstan.js";
import { referenceTree } from "../helpers/toolsets.js";

const MODEL = path.join(REPO_ROOT, "stan", "h_m01_size.stan");
const reference = (version: string) => ({ path: referenceTree(version), version }) as CmdStanInstall;

describe("stanc --O1 for inference models", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), "cr-o1-"));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it("is found in stanc --help where the release has it, and not in 2.27's", async () => {
    const install = await testCmdStan();
    const help = (await execa(path.join(install.path, "bin", "stanc"), ["--help"], { reject: false })).stdout;
    expect(await stancSupportsO1(install)).toBe(/^\s*--O1\b/m.test(withoutOverstrike(help)));
    if (install.version === "2.27.0") expect(await stancSupportsO1(install)).toBe(false);
    for (const version of ["2.33.1", "2.37.0"]) expect(await stancSupportsO1(reference(version)), version).toBe(true);
  });

  it("translates h_m01_size with the reference stancs' --O1", async () => {
    for (const version of ["2.33.1", "2.37.0"]) {
      const out = path.join(dir, `h_m01_size-${version}.hpp`);
      const r = await execa(path.join(referenceTree(version), "bin", "stanc"), ["--O1", MODEL, `--o=${out}`], {
        reject: false,
      });
      expect(r.exitCode, `${version}: ${r.stderr}`).toBe(0);
    }
  });

  it("is used for a study's inference model only when its config sets stanc_o1 and stanc has it", async () => {
    const install = await testCmdStan();
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const common = { prefix: "recover", log, cachedOnly: false };
    const [plain] = await compileStudyModels(install, [MODEL], { ...common, optimise: [] });
    expect(lines[0]).not.toMatch(/O1/);
    const [asked] = await compileStudyModels(install, [MODEL], { ...common, optimise: [MODEL] });
    if (await stancSupportsO1(install)) {
      expect(lines[1]).toMatch(/h_m01_size\.stan with stanc --O1/);
      expect(asked.hash).not.toBe(plain.hash);
    } else {
      // 2.27 (this suite's CmdStan): asked for, but its stanc has none; said so, and the same build.
      expect(lines[1]).toMatch(new RegExp(`stanc_o1: CmdStan ${install.version}'s stanc has no --O1`));
      expect(asked.hash).toBe(plain.hash);
    }
  });
});
