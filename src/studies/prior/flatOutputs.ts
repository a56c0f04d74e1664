/**
 * The flat family's prior predictive outputs (docs/prior.md), from every draw of the simulator:
 *
 * - prior_samples.csv (with a leading row index, as the original writes it);
 * - parameters/ parameter_summary.json (alpha, omega, kappa, every beta, delta and upsilon entry),
 *   alpha_dist, omega_dist, kappa_dist, alpha_vs_omega (when the simulator has omega), beta_dist
 *   (a K x D grid), delta_dist, utility_dist;
 * - per kind of problem (uncertain; risky for the risky simulators, files prefixed `risky_`):
 *   expected_utilities/, choice_probabilities/ (box plots of the first 10 problems' alternatives),
 *   choices/ choice_counts.json and choice_distribution.png;
 * - seu_maximizer_selection/ seu_maximizer_summary.json over all problems (per kind too, for the
 *   risky simulators), prob_seu_max_by_problem.png, total_seu_max_distribution.png;
 * - report.md.
 *
 * The problems' alternatives come from the design (I, J), so padding is never mistaken for an
 * alternative, and a rarely chosen alternative is still shown.
 */
import path from "node:path";
import { spread, type Described, type Spread } from "../../analysis/describe.js";
import {
  countValues,
  cumulativeUtilities,
  describeAll,
  seuSelection,
  type SeuSelection,
} from "../../analysis/priorPredictive.js";
import type { ModelInfo } from "../../cmdstan/modelInfo.js";
import { bracketName } from "../../cmdstan/stanCsv.js";
import type { FlatDesign } from "../../design/flat/types.js";
import { writeFigures, type FigureSpec } from "../../report/figures.js";
import { barPanel, boxplotPanel, scatterPanel } from "../../report/panels.js";
import type { ReportSection, SectionReport } from "../../report/sectionReport.js";
import { writeFileAtomic, writeJsonAtomic } from "../../util/atomicWrite.js";
import type { PriorDraws } from "./draws.js";
import type { FlatPriorConfig } from "./flatConfig.js";
import * as outputs from "./outputs.js";
import type { PriorOutcome } from "./outputs.js";
import type { PriorDrawsRead } from "./study.js";

/** A kind of problem and the simulator outputs that describe it. */
export interface ProblemGroup {
  label: "uncertain" | "risky";
  /** File name prefix of its outputs ("" or "risky_"). */
  prefix: string;
  etas: string;
  probs: string;
  choice: string;
  selected: string;
}

/** The output names of each kind of problem, as the flat simulators write them (docs/flat-models.md). */
const GROUP_OUTPUTS = [
  {
    label: "uncertain" as const,
    prefix: "",
    etas: ["problem_etas", "uncertain_etas"],
    probs: ["choice_probabilities", "uncertain_probs"],
    choice: ["y"],
    selected: ["selected_seu_max", "selected_seu_max_uncertain"],
  },
  {
    label: "risky" as const,
    prefix: "risky_",
    etas: ["risky_etas"],
    probs: ["risky_probs"],
    choice: ["z"],
    selected: ["selected_seu_max_risky"],
  },
];

/** The kinds of problem the simulator outputs (uncertain always; risky when it outputs z). */
export function problemGroups(info: ModelInfo): { groups: ProblemGroup[]; problems: string[] } {
  const gq = info.generatedQuantities;
  const groups: ProblemGroup[] = [];
  const problems: string[] = [];
  for (const g of GROUP_OUTPUTS) {
    if (g.label === "risky" && !("z" in gq)) continue;
    const pick = (names: string[]) => names.find((n) => n in gq);
    const [etas, probs, choice, selected] = [g.etas, g.probs, g.choice, g.selected].map(pick);
    const missing = [
      [etas, g.etas],
      [probs, g.probs],
      [choice, g.choice],
      [selected, g.selected],
    ].flatMap(([found, names]) => (found ? [] : [(names as string[]).join(" or ")]));
    if (missing.length) problems.push(`its ${g.label} problems lack the output(s) ${missing.join(", ")}`);
    else
      groups.push({
        label: g.label,
        prefix: g.prefix,
        etas: etas!,
        probs: probs!,
        choice: choice!,
        selected: selected!,
      });
  }
  return { groups, problems };
}

interface Args extends PriorDrawsRead {
  config: FlatPriorConfig;
  design: FlatDesign;
  hyperparameters: Record<string, number>;
  groups: ProblemGroup[];
  info: ModelInfo;
}

/** The alternatives each problem of a group offers, ascending, 1-based. */
function offeredBy(design: FlatDesign, g: ProblemGroup): number[][] {
  const rows = g.label === "risky" ? design.risky!.J : design.I;
  return rows.map((row) => row.flatMap((v, r) => (v === 1 ? [r + 1] : [])));
}

/** The scalars of the parameter summary: alpha, omega, kappa, beta, delta, upsilon, in the simulator's order. */
function summaryColumns(draws: PriorDraws): string[] {
  const names = ["alpha", "omega", "kappa", "beta", "delta", "upsilon"];
  return draws.columns.filter((c) => names.includes(c.split(".")[0]));
}

export async function summarizeFlatPrior(args: Args): Promise<PriorOutcome> {
  const { config, draws, design } = args;
  const out = config.output_dir;
  await writeFileAtomic(path.join(out, "prior_samples.csv"), draws.samplesCsv(true));
  const summary = describeAll(summaryColumns(draws).map((c) => [bracketName(c), draws.data.get(c)!]));
  await writeJsonAtomic(path.join(out, "parameters", "parameter_summary.json"), summary);
  const risky = design.risky ? `, ${design.risky.N} risky problems` : "";
  const head = {
    title: "Prior predictive analysis",
    design: `the design (${design.M} uncertain problems${risky})`,
    designSettings: [
      ["design_name", design.settings.design_name],
      ["M, K, D, R", [design.M, design.K, design.D, design.R].join(", ")],
      ["N, S", design.risky ? `${design.risky.N}, ${design.risky.S}` : undefined],
    ] as SectionReport["settings"],
  };
  return outputs.writePriorReport(head, draws.rows ? await sections(args, summary) : undefined, args, args);
}

async function sections(args: Args, summary: Record<string, Described>): Promise<ReportSection[]> {
  const out = args.config.output_dir;
  const result: ReportSection[] = [
    {
      heading: "Parameters",
      paragraphs: [
        "Mean, standard deviation, median and 5% / 95% quantiles of the prior draws (parameters/parameter_summary.json).",
      ],
      table: outputs.parameterTable(summary),
      figures: await writeFigures(out, parameterFigures(args)),
    },
  ];
  for (const g of args.groups) result.push(await groupSection(args, g));
  result.push(await seuSection(args));
  return result;
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);
const clipped = (values: number[]): [number, number] => {
  const s = Float64Array.from(values).sort();
  return [s[0], s[Math.floor(0.99 * (s.length - 1))]];
};

/** parameters/. */
function parameterFigures(args: Args): FigureSpec[] {
  const { draws, design } = args;
  const { K, D } = design;
  const scalar = (name: string, caption: string): FigureSpec => ({
    file: `parameters/${name}_dist.png`,
    title: `${name}: prior draws`,
    subtitle: ["shown up to the 99th percentile"],
    panels: [outputs.histogram({ title: name }, draws.column(name), { range: clipped(draws.column(name)) })],
    caption,
  });
  const delta = range(K - 1).map((k) => draws.column("delta", k));
  const upsilon = draws.has("upsilon") ? range(K).map((k) => draws.column("upsilon", k)) : cumulativeUtilities(delta);
  const specs: FigureSpec[] = [scalar("alpha", "alpha, the sensitivity to expected utility (uncertain problems).")];
  if (draws.has("omega")) specs.push(scalar("omega", "omega, the sensitivity of the risky problems."));
  if (draws.has("kappa")) specs.push(scalar("kappa", "kappa, the risky sensitivity as a multiple of alpha."));
  if (draws.has("omega")) {
    const points = draws.column("alpha").map((x, r) => ({ x, y: draws.column("omega")[r] }));
    specs.push({
      file: "parameters/alpha_vs_omega.png",
      title: "alpha and omega: prior draws",
      subtitle: ["line: omega = alpha"],
      panels: [
        scatterPanel(
          { title: "alpha vs omega", xTitle: "alpha", yTitle: "omega", width: 260, height: 260 },
          points,
          true,
        ),
      ],
      caption: "Each draw's alpha against its omega.",
    });
  }
  specs.push(
    {
      file: "parameters/beta_dist.png",
      title: "beta[k, d]: prior draws",
      subtitle: ["rows k (consequences), columns d (features)"],
      panels: range(K).flatMap((k) =>
        range(D).map((d) => outputs.histogram({ title: `beta[${k},${d}]` }, draws.column("beta", k, d))),
      ),
      columns: D,
      caption: "beta, the weights of the features in the subjective probabilities.",
    },
    {
      file: "parameters/delta_dist.png",
      title: "delta: prior draws",
      panels: delta.map((x, k) => outputs.histogram({ title: `delta[${k + 1}]` }, x)),
      columns: 4,
      caption: "delta, the utility increments.",
    },
    {
      file: "parameters/utility_dist.png",
      title: "upsilon: prior draws",
      subtitle: ["upsilon[1] = 0 and upsilon[K] = 1 always"],
      panels: upsilon.map((x, k) => outputs.histogram({ title: `upsilon[${k + 1}]` }, x)),
      columns: 4,
      caption: "upsilon, the utilities of the K consequences.",
    },
  );
  return specs;
}

const FIRST_PROBLEMS = 10;

/** One kind of problem: expected utilities, choice probabilities, choice counts. */
async function groupSection(args: Args, g: ProblemGroup): Promise<ReportSection> {
  const { draws, config } = args;
  const out = config.output_dir;
  const offered = offeredBy(args.design, g);
  const letter = g.label === "risky" ? "s" : "r";
  const shown = offered.slice(0, FIRST_PROBLEMS);
  const perProblem = (output: string, yTitle: string) =>
    shown.map((alts, m) =>
      boxplotPanel(
        { title: `problem ${m + 1}`, xTitle: "alternative", yTitle, width: 40 + 30 * alts.length },
        alts.map((a, i) => outputs.boxes(`${letter}${a}`, draws.column(output, m + 1, i + 1))),
      ),
    );
  const counts = offered.map((_, m) => countValues(draws.column(g.choice, m + 1)));
  const countsJson = Object.fromEntries(
    counts.map((c, m) => [String(m + 1), Object.fromEntries([...c].map(([i, n]) => [String(i), n]))]),
  );
  await writeJsonAtomic(path.join(out, "choices", `${g.prefix}choice_counts.json`), countsJson);
  const distribution = shown.map((alts, m) =>
    barPanel(
      { title: `problem ${m + 1}`, xTitle: "position chosen", yTitle: "share", width: 40 + 30 * alts.length },
      alts.map((_, i) => ({ label: String(i + 1), value: (counts[m].get(i + 1) ?? 0) / draws.rows })),
    ),
  );
  const first = `the first ${shown.length} of ${offered.length} ${g.label} problems`;
  const specs: FigureSpec[] = [
    {
      file: `expected_utilities/${g.prefix}expected_utilities.png`,
      title: `Expected utilities of the alternatives, ${g.label} problems`,
      subtitle: [first],
      panels: perProblem(g.etas, "expected utility"),
      columns: 5,
      caption: `Prior draws of each offered alternative's subjective expected utility (${g.etas}).`,
    },
    {
      file: `choice_probabilities/${g.prefix}choice_probabilities.png`,
      title: `Choice probabilities, ${g.label} problems`,
      subtitle: [first],
      panels: perProblem(g.probs, "probability"),
      columns: 5,
      caption: `Prior draws of each offered alternative's choice probability (${g.probs}).`,
    },
    {
      file: `choices/${g.prefix}choice_distribution.png`,
      title: `Choices made, ${g.label} problems`,
      subtitle: [first, "share of draws choosing each position (alternatives in ascending index)"],
      panels: distribution,
      columns: 5,
      caption: `How often each position was chosen (${g.choice}); all problems in choices/${g.prefix}choice_counts.json.`,
    },
  ];
  return {
    heading: `${g.label === "risky" ? "Risky" : "Uncertain"} problems`,
    figures: await writeFigures(out, specs),
  };
}

interface GroupSeu {
  group: ProblemGroup;
  selected: number[][];
  sel: SeuSelection;
}

function seuJson(problems: number, sel: SeuSelection, byProblem: Record<string, number>) {
  return {
    total_problems: problems,
    prob_seu_max_by_problem: byProblem,
    overall_prob_seu_max: sel.overall,
    total_seu_max_selected: spread(sel.totals, 0),
  };
}

/** seu_maximizer_selection/: over all problems, and per kind of problem for the risky simulators. */
async function seuSection(args: Args): Promise<ReportSection> {
  const { draws } = args;
  const perGroup: GroupSeu[] = args.groups.map((group) => {
    const selected = offeredBy(args.design, group).map((_, m) => draws.column(group.selected, m + 1));
    return { group, selected, sel: seuSelection(selected) };
  });
  const all = seuSelection(perGroup.flatMap((g) => g.selected));
  const key = (g: ProblemGroup, m: number) => `${g.label === "risky" ? "risky_" : ""}${m + 1}`;
  const byProblem = Object.fromEntries(perGroup.flatMap((g) => g.sel.byProblem.map((p, m) => [key(g.group, m), p])));
  const json: Record<string, unknown> = seuJson(all.totals.length ? all.byProblem.length : 0, all, byProblem);
  if (perGroup.length > 1) {
    json.by_problem_kind = Object.fromEntries(
      perGroup.map((g) => {
        const { prob_seu_max_by_problem: _, ...rest } = seuJson(g.selected.length, g.sel, {});
        return [g.group.label, rest];
      }),
    );
  }
  const out = args.config.output_dir;
  await writeJsonAtomic(path.join(out, "seu_maximizer_selection", "seu_maximizer_summary.json"), json);
  const spreads: [string, number, SeuSelection, Spread][] = [
    ...(perGroup.length > 1
      ? perGroup.map(
          (g) =>
            [`${g.group.label} problems`, g.selected.length, g.sel, spread(g.sel.totals, 0)] as [
              string,
              number,
              SeuSelection,
              Spread,
            ],
        )
      : []),
    ["all problems", all.byProblem.length, all, spread(all.totals, 0)],
  ];
  return {
    heading: "Choosing the alternative of highest subjective expected utility",
    bullets: spreads.flatMap(([label, n, sel, s]) => outputs.seuBullets(label, n, sel.overall, s)),
    figures: await writeFigures(out, seuFigures(perGroup, spreads)),
  };
}

function seuFigures(perGroup: GroupSeu[], spreads: [string, number, SeuSelection, Spread][]): FigureSpec[] {
  const bars = perGroup.map((g) =>
    barPanel(
      {
        title: `${g.group.label} problems`,
        xTitle: "problem",
        yTitle: "rate",
        width: Math.max(300, 12 * g.selected.length),
      },
      g.sel.byProblem.map((p, m) => ({ label: String(m + 1), value: p })),
      g.sel.overall,
    ),
  );
  return [
    {
      file: "seu_maximizer_selection/prob_seu_max_by_problem.png",
      title: "P(SEU-maximising choice) by problem",
      subtitle: ["line: the mean over problems"],
      panels: bars,
      caption: "Each problem's rate of choices of highest subjective expected utility.",
    },
    {
      file: "seu_maximizer_selection/total_seu_max_distribution.png",
      title: "SEU-maximising choices per draw",
      panels: spreads.map(([label, n, sel]) =>
        outputs.countHistogram({ title: `${label} (of ${n})`, xTitle: "SEU-maximising choices" }, sel.totals),
      ),
      columns: spreads.length,
      caption:
        "How many problems' choices maximised expected utility, per draw (bins from the smallest to the largest count seen).",
    },
  ];
}
