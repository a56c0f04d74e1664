/**
 * The CmdStan installation the stanCsv / summary / diagnose tests run against:
 * $CMDSTAN if set, else the provisioned .cmdstan/cmdstan-2.27.0 once its `.provisioned` marker
 * exists, else /tmp/cs. A missing installation fails the test (never a skip).
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export function testCmdStanPath(): string {
  const env = process.env.CMDSTAN;
  if (env) return env;
  const provisioned = path.join(REPO_ROOT, '.cmdstan', 'cmdstan-2.27.0');
  if (existsSync(path.join(provisioned, '.provisioned'))) return provisioned;
  const fallback = '/tmp/cs';
  if (!existsSync(path.join(fallback, 'makefile')))
    throw new Error(`no CmdStan for the tests: set CMDSTAN, run \`make cmdstan\`, or provide ${fallback}`);
  return fallback;
}
