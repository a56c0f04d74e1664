/**
 * scripts/test-summary.mjs prints the line CI reads ("tests: N passed, N failed, N skipped").
 * It is checked on a real vitest JSON report of a small throw-away suite: one failed test inside
 * nested describe blocks (vitest counts each block as a failed suite), one file that does not
 * load, one skipped test.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, expect, it } from "vitest";
import { REPO_ROOT } from "../helpers/cmdstan.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), "test-summary-"));
});
afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function summarise(files: Record<string, string>) {
  for (const [name, text] of Object.entries(files)) await writeFile(path.join(dir, name), text);
  const report = path.join(dir, "report.json");
  const vitest = path.join(REPO_ROOT, "node_modules", ".bin", "vitest");
  // --globals: the throw-away files live outside the repo and cannot import 'vitest'.
  await execa(vitest, ["run", "--root", dir, "--globals", "--reporter=json", `--outputFile=${report}`], {
    reject: false,
  });
  return execa("node", [path.join(REPO_ROOT, "scripts", "test-summary.mjs"), report], { reject: false });
}

it("counts one failed test once, a file that does not load as one failure, and skips as skipped", async () => {
  const r = await summarise({
    "nested.test.js": `
      describe('outer', () => {
        describe('inner', () => {
          it('fails', () => expect(1).toBe(2));
          it('passes', () => expect(1).toBe(1));
        });
        it.skip('is skipped', () => {});
      });
      it('passes too', () => {});`,
    "broken.test.js": `import './does-not-exist.js';\nit('never runs', () => {});`,
  });
  expect(r.exitCode).toBe(1);
  const lines = r.stdout.split("\n");
  expect(lines.at(-1)).toBe("tests: 2 passed, 2 failed, 1 skipped");
  expect(lines).toContain("SKIPPED: outer is skipped (" + path.join(dir, "nested.test.js") + ")");
  expect(lines.some((l) => l.startsWith(`FAILED FILE: ${path.join(dir, "broken.test.js")}: `))).toBe(true);
});

it("exits 0 and prints the counts when everything passes", async () => {
  await rm(path.join(dir, "nested.test.js"), { force: true });
  await rm(path.join(dir, "broken.test.js"), { force: true });
  const r = await summarise({ "ok.test.js": `it('a', () => {}); it('b', () => {});` });
  expect(r.stdout).toBe("tests: 2 passed, 0 failed, 0 skipped");
  expect(r.exitCode).toBe(0);
});
