/**
 * `cmdstan-recover summary CSV... [--out FILE] [--variables a,b]`: posterior summary of the
 * chains of one fit (mean, MCSE, sd, 5/50/95% quantiles as bin/stansummary computes them,
 * bulk/tail ESS, rank-normalised R-hat), printed as an aligned table; `--out` also writes it
 * as CSV (first column bracket names, full precision).
 *
 * The quantile rule is that of the stansummary of the CmdStan in use (found as every command
 * finds it); with no CmdStan at all, that of the Stan release that wrote the files. The last
 * line of the output says which.
 *
 * The chains must be sampler output of one run: a broken file, a file of another method or
 * chains that disagree stop the command with a StanCsvError naming the file.
 */
import type { Argv, CommandModule } from "yargs";
import {
  formatSummaryCsv,
  QUANTILE_RULE_LABELS,
  quantileRuleFor,
  summarizeFit,
  type QuantileRule,
  type VariableSummaryRow,
} from "../analysis/summary.js";
import { CmdStanNotFoundError, InputError } from "../util/errors.js";
import { locateCmdStan } from "../cmdstan/locate.js";
import { readStanFit, type StanFit } from "../cmdstan/stanCsv.js";
import { writeFileAtomic } from "../util/atomicWrite.js";
import { withChainFiles, type CmdStanArgs } from "./common.js";

export interface SummaryArgs extends CmdStanArgs {
  csv: string[];
  out?: string;
  variables?: string[];
}

/** `--variables a,b --variables c` -> ['a', 'b', 'c']; undefined when not given. */
export function parseVariableList(raw: string[] | string | undefined): string[] | undefined {
  if (raw === undefined) return undefined;
  const list = (Array.isArray(raw) ? raw : [raw]).flatMap((s) => String(s).split(",")).map((s) => s.trim());
  if (list.length === 0 || list.some((s) => s === ""))
    throw new InputError(
      `--variables: expected names separated by commas (e.g. --variables gamma0,alpha), got ${JSON.stringify(raw)}`,
    );
  return [...new Set(list)];
}

/** printf %g with `sig` significant digits (trailing zeros dropped); nan / inf / -inf. */
export function formatG(x: number, sig: number): string {
  if (Number.isNaN(x)) return "nan";
  if (x === Infinity) return "inf";
  if (x === -Infinity) return "-inf";
  if (x === 0) return "0";
  const [mant, expText] = x.toExponential(sig - 1).split("e");
  const exp = Number(expText);
  const strip = (s: string) => (s.includes(".") ? s.replace(/\.?0+$/, "") : s);
  if (exp < -4 || exp >= sig) return `${strip(mant)}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  return strip(x.toFixed(sig - 1 - exp));
}

const COLUMNS: { title: string; cell: (r: VariableSummaryRow) => string }[] = [
  { title: "Mean", cell: (r) => formatG(r.mean, 4) },
  { title: "MCSE", cell: (r) => formatG(r.mcse, 2) },
  { title: "StdDev", cell: (r) => formatG(r.sd, 4) },
  { title: "5%", cell: (r) => formatG(r.q5, 4) },
  { title: "50%", cell: (r) => formatG(r.q50, 4) },
  { title: "95%", cell: (r) => formatG(r.q95, 4) },
  {
    title: "ESS_bulk",
    cell: (r) => (Number.isFinite(r.essBulk) ? String(Math.round(r.essBulk)) : formatG(r.essBulk, 4)),
  },
  {
    title: "ESS_tail",
    cell: (r) => (Number.isFinite(r.essTail) ? String(Math.round(r.essTail)) : formatG(r.essTail, 4)),
  },
  { title: "R_hat", cell: (r) => (r.rhat >= 0 && r.rhat < 10 ? r.rhat.toFixed(3) : formatG(r.rhat, 4)) },
];

/** The table: names left-aligned, numbers right-aligned, two spaces between columns. */
export function formatSummaryTable(rows: VariableSummaryRow[]): string {
  const header = ["name", ...COLUMNS.map((c) => c.title)];
  const body = rows.map((r) => [r.name, ...COLUMNS.map((c) => c.cell(r))]);
  const widths = header.map((h, j) => Math.max(h.length, ...body.map((b) => b[j].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, j) => (j === 0 ? c.padEnd(widths[j]) : c.padStart(widths[j])))
      .join("  ")
      .trimEnd();
  return [line(header), ...body.map(line)].join("\n") + "\n";
}

/** The quantile rule and where it comes from: the CmdStan in use, else the Stan release that wrote the files. */
async function quantileRuleOf(argv: CmdStanArgs, fit: StanFit): Promise<{ rule: QuantileRule; from: string }> {
  try {
    const install = await locateCmdStan({ explicit: argv.cmdstan, purpose: "tools" });
    return { rule: quantileRuleFor(install.version), from: `the rule of CmdStan ${install.version} (${install.path})` };
  } catch (err) {
    // An installation the user named must work; only "none anywhere" falls back to the files.
    if (!(err instanceof CmdStanNotFoundError) || argv.cmdstan || process.env.CMDSTAN) throw err;
    return {
      rule: quantileRuleFor(fit.config.stanVersion),
      from: `no CmdStan found: the rule of Stan ${fit.config.stanVersion}, which wrote the files`,
    };
  }
}

/** Writes the summary CSV (atomically: no half-written file); an unwritable path is the user's error. */
async function writeSummary(file: string, text: string): Promise<void> {
  try {
    await writeFileAtomic(file, text);
  } catch (e) {
    throw new InputError(
      `${file}: cannot write the summary (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

export const summaryCommand: CommandModule<object, SummaryArgs> = {
  command: "summary <csv..>",
  describe: "summarise the chains of one fit (Stan CSV files): mean, MCSE, sd, 5/50/95%, ESS bulk/tail, R-hat",
  builder: (y: Argv<object>) =>
    withChainFiles(y)
      .option("out", { type: "string", describe: "also write the summary as CSV to this file" })
      .option("variables", {
        type: "string",
        array: true,
        describe: "only these variables, by name, comma-separated (e.g. gamma0,alpha; lp__ allowed)",
      }) as unknown as Argv<SummaryArgs>,
  handler: async (argv) => {
    const variables = parseVariableList(argv.variables);
    // readStanFit also checks that the files are distinct chains of one run.
    const fit = await readStanFit(argv.csv, { requireMethod: "sample", ...(variables ? { variables } : {}) });
    const quantiles = await quantileRuleOf(argv, fit);
    const rows = summarizeFit(fit, { quantileRule: quantiles.rule, ...(variables ? { variables } : {}) });
    const draws = fit.chains[0].numDraws;
    process.stdout.write(
      `${fit.config.model}: ${fit.chains.length} chain${fit.chains.length > 1 ? "s" : ""} x ${draws} draws` +
        ` (${fit.chains.length * draws} in total)\n\n${formatSummaryTable(rows)}` +
        `quantiles: ${QUANTILE_RULE_LABELS[quantiles.rule]}, ${quantiles.from}\n`,
    );
    if (argv.out) {
      await writeSummary(argv.out, formatSummaryCsv(rows, quantiles.rule));
      process.stderr.write(`wrote ${argv.out}\n`);
    }
  },
};
