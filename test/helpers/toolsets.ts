/**
 * The reference CmdStan toolsets of the version matrix: 2.33.1 and 2.37.0 from the prophet
 * wheels (scripts/provision-reference-cmdstans.sh, which `make test` runs). A missing reference
 * toolset is a set-up failure, never a skip.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './cmdstan.js';

export const REFERENCE_DIR = path.join(REPO_ROOT, '.cmdstan', 'reference');

/** Path of a provisioned reference tree; throws with the command that provisions it. */
export function referenceTree(version: string): string {
  const tree = path.join(REFERENCE_DIR, `cmdstan-${version}`);
  if (!existsSync(path.join(tree, '.provisioned')))
    throw new Error(`reference CmdStan ${version} is not provisioned at ${tree}: run \`make test\` (or bash scripts/provision-reference-cmdstans.sh)`);
  return tree;
}
