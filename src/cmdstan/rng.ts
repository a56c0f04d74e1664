/**
 * Which random number generator Stan's samplers (and `_rng` functions) draw with, by CmdStan
 * release: Boost's `ecuyer1988` up to CmdStan 2.34, Boost's `mixmax` from 2.35 on
 * (docs/cmdstan.md, "Differences between releases"). Seeded alike, the two give different draws,
 * so a study's truths depend on the release as well as on its seeds (docs/models.md, "Draw order
 * and seeds").
 */

export type StanGenerator = "boost::ecuyer1988" | "boost::random::mixmax";

/** The first release (major, minor) whose sampler draws with mixmax. */
export const MIXMAX_FROM = { major: 2, minor: 35 } as const;
export const MIXMAX_FROM_LABEL = `${MIXMAX_FROM.major}.${MIXMAX_FROM.minor}`;

/** Major and minor of a CmdStan version X.Y.Z or X.Y.Z-rcN. */
export function majorMinor(version: string): { major: number; minor: number } {
  const m = /^(\d+)\.(\d+)/.exec(version);
  if (!m) throw new Error(`not a CmdStan version: '${version}'`);
  return { major: Number(m[1]), minor: Number(m[2]) };
}

/**
 * The generator of CmdStan `version`. A release candidate counts as its release: 2.35.0-rc1
 * already carries 2.35's sampler.
 */
export function generatorFor(version: string): StanGenerator {
  const { major, minor } = majorMinor(version);
  const mixmax = major > MIXMAX_FROM.major || (major === MIXMAX_FROM.major && minor >= MIXMAX_FROM.minor);
  return mixmax ? "boost::random::mixmax" : "boost::ecuyer1988";
}
