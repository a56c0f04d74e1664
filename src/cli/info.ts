/**
 * `cmdstan-recover info`: which CmdStan the tool finds, by which discovery rule, and what it is.
 * A tree that cannot compile (pruned: no Stan Math sources) is reported as such, with the
 * installation that commands which compile would use instead. `--require-compile` reports only
 * an installation that can compile and fails when there is none (`make` uses it to decide
 * whether to provision one).
 */
import type { CommandModule } from "yargs";
import { QUANTILE_RULE_LABELS, quantileRuleFor } from "../analysis/summary.js";
import { SOURCE_RULES, SUPPORTED_CMDSTAN, type CmdStanInstall } from "../cmdstan/locate.js";
import { generatorFor, MIXMAX_FROM_LABEL } from "../cmdstan/rng.js";
import { cmdstanFrom, withCmdStanOption, type CmdStanArgs } from "./common.js";

interface InfoArgs extends CmdStanArgs {
  json?: boolean;
  requireCompile?: boolean;
}

/** What `info` reports about one installation, as printed and as JSON. */
function describeInstall(install: CmdStanInstall) {
  return {
    ...install,
    foundBy: SOURCE_RULES[install.source],
    quantileRule: QUANTILE_RULE_LABELS[quantileRuleFor(install.version)],
    generator: generatorFor(install.version),
  };
}

/** For a tree that cannot compile: the one compiling commands use, or why there is none. */
async function compilingAlternative(
  argv: InfoArgs,
  install: CmdStanInstall,
): Promise<{ path: string; version: string } | { none: string }> {
  if (install.source === "option" || install.source === "env")
    return { none: "commands that compile refuse an installation named by --cmdstan or CMDSTAN that cannot compile" };
  try {
    const other = await cmdstanFrom(argv, "compile");
    return { path: other.path, version: other.version };
  } catch (err) {
    return { none: (err as Error).message.split("\n")[0] };
  }
}

export const infoCommand: CommandModule<object, InfoArgs> = {
  command: "info",
  describe:
    "print the CmdStan installation found: path, version, discovery rule, stanc, compiler, whether it can compile",
  builder: (y) =>
    withCmdStanOption(y)
      .option("json", { type: "boolean", describe: "print a JSON object" })
      .option("require-compile", {
        type: "boolean",
        describe: "only an installation that can compile models; exit 1 when none is found",
      }),
  handler: async (argv) => {
    const install = describeInstall(await cmdstanFrom(argv, argv.requireCompile ? "compile" : "tools"));
    const compileWith = install.canCompile ? undefined : await compilingAlternative(argv, install);
    if (argv.json) {
      console.log(JSON.stringify({ ...install, ...(compileWith ? { compileWith } : {}) }, null, 2));
      return;
    }
    console.log(`CmdStan path:    ${install.path}`);
    console.log(`found by:        ${install.foundBy}`);
    console.log(`CmdStan version: ${install.version}`);
    console.log(`stanc:           ${install.stancVersion}`);
    console.log(`can compile:     ${install.canCompile ? "yes" : `no (${install.cannotCompile})`}`);
    if (compileWith)
      console.log(
        `compiling with:  ${"path" in compileWith ? `${compileWith.path} (CmdStan ${compileWith.version})` : `nothing: ${compileWith.none}`}`,
      );
    console.log(`compiler:        ${install.compiler}`);
    console.log(`quantiles:       ${install.quantileRule}`);
    const era = install.generator === "boost::random::mixmax" ? `>= ${MIXMAX_FROM_LABEL}` : `< ${MIXMAX_FROM_LABEL}`;
    console.log(`random numbers:  ${install.generator} (CmdStan ${era}; docs/cmdstan.md)`);
    const tested = Object.entries(SUPPORTED_CMDSTAN.tested).map(([v, what]) => `${v} (${what})`);
    console.log(`tested with:     CmdStan ${tested.join("; ")}; >= ${SUPPORTED_CMDSTAN.min} supported`);
  },
};
