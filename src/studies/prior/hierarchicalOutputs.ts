/**
 * The hierarchical prior predictive outputs (docs/prior.md), from every draw of the simulator:
 *
 * - prior_samples.csv (no index column), summary.json {n_param_samples, n_choice_samples, J, K, D,
 *   R, P, M_total, hyperparameters, parameter_summary};
 * - regression_parameters/ gamma0_dist, gamma_dist, sigma_cell_dist;
 * - cell_alphas/ alpha_by_cell (each cell's histogram shown up to its 99th percentile),
 *   log_alpha_boxplot, alpha_summary.json;
 * - utilities/ delta_dist, upsilon_dist; betas/ beta_dist (each beta[k, d] pooled over cells);
 * - choices/ choice_index_by_cell, chosen_alternative_dist, choice_summary.json;
 * - seu_maximizer_selection/ seu_maximizer_summary.json and four figures;
 * - report.md.
 *
 * Cells, problems, choices and alternatives are numbered from 1, as in the Stan data.
 */
import path from "node:path";
import { describe, spread, type Described } from "../../analysis/describe.js";
import {
  countValues,
  cumulativeUtilities,
  describeAll,
  meanStd,
  offered,
  seuSelection,
  totalsOver,
  type SeuSelection,
} from "../../analysis/priorPredictive.js";
import type { StudyDesign } from "../../design/studyDesign.js";
import { writeFigures, type FigureSpec } from "../../report/figures.js";
import { barPanel, boxplotPanel } from "../../report/panels.js";
import type { SectionReport } from "../../report/sectionReport.js";
import { writeFileAtomic, writeJsonAtomic } from "../../util/atomicWrite.js";
import type { PriorDraws } from "./draws.js";
import type { HierarchicalPriorConfig } from "./hierarchicalConfig.js";
import * as outputs from "./outputs.js";
import type { PriorOutcome } from "./outputs.js";
import type { PriorDrawsRead } from "./study.js";

export type { PriorOutcome };

interface Args extends PriorDrawsRead {
  config: HierarchicalPriorConfig;
  design: StudyDesign;
  hyperparameters: Record<string, number>;
  /** Whether the simulator outputs upsilon (else it is the cumulative sum of [0, delta]). */
  hasUpsilon: boolean;
}

/** Every draw of every quantity the outputs use, by index (1-based in names, 0-based here). */
interface Values {
  gamma0: number[];
  gamma: number[][];
  sigma: number[];
  alpha: number[][];
  delta: number[][];
  upsilon: number[][];
  /** beta[k][d]: pooled over cells. */
  betaPooled: number[][][];
  y: number[][];
  selected: number[][];
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

function valuesOf(draws: PriorDraws, design: StudyDesign, alphaVar: string, hasUpsilon: boolean): Values {
  const { J, K, D, P, M_total } = design;
  const delta = range(K - 1).map((k) => draws.column("delta", k));
  return {
    gamma0: draws.column("gamma0"),
    gamma: range(P).map((p) => draws.column("gamma", p)),
    sigma: draws.column("sigma_cell"),
    alpha: range(J).map((j) => draws.column(alphaVar, j)),
    delta,
    upsilon: hasUpsilon ? range(K).map((k) => draws.column("upsilon", k)) : cumulativeUtilities(delta),
    betaPooled: range(K).map((k) => range(D).map((d) => range(J).flatMap((j) => draws.column("beta", j, k, d)))),
    y: range(M_total).map((m) => draws.column("y", m)),
    selected: range(M_total).map((m) => draws.column("selected_seu_max", m)),
  };
}

function parameterSummary(v: Values, alphaVar: string): Record<string, Described> {
  return describeAll([
    ["gamma0", v.gamma0],
    ["sigma_cell", v.sigma],
    ...v.gamma.map((g, p) => [`gamma[${p + 1}]`, g] as [string, number[]]),
    ...v.alpha.map((a, j) => [`${alphaVar}[${j + 1}]`, a] as [string, number[]]),
    ...v.delta.map((d, k) => [`delta[${k + 1}]`, d] as [string, number[]]),
    ...v.upsilon.map((u, k) => [`upsilon[${k + 1}]`, u] as [string, number[]]),
  ]);
}

/** Problems of each cell (0-based problem indices). */
function problemsByCell(design: StudyDesign): number[][] {
  const cells = range(design.J).map(() => [] as number[]);
  design.cell.forEach((j, m) => cells[j - 1].push(m));
  return cells;
}

function choiceSummary(v: Values, design: StudyDesign, rows: number) {
  const cells = problemsByCell(design);
  const out: Record<string, unknown> = {};
  cells.forEach((members, j) => {
    const counts = countValues(members.flatMap((m) => v.y[m]));
    const n = rows * members.length;
    const max = Math.max(0, ...counts.keys());
    const probs = Object.fromEntries(range(max).map((i) => [String(i), (counts.get(i) ?? 0) / n]));
    out[`cell_${j + 1}`] = { n_observations: members.length, n_draws: n, choice_index_probs: probs };
  });
  const chosen = countValues(v.y.flatMap((ys, m) => ys.map((y) => offered(design.I[m])[y - 1])));
  const total = rows * design.M_total;
  const probs = Object.fromEntries(range(design.R).map((r) => [String(r), (chosen.get(r) ?? 0) / total]));
  out.__global__ = { chosen_alternative_probs: probs };
  return out;
}

function seuSummary(v: Values, design: StudyDesign) {
  const sel = seuSelection(v.selected);
  const cells = problemsByCell(design);
  const byCell = cells.map((members) => totalsOver(v.selected, members));
  return {
    sel,
    byCell,
    json: {
      total_problems: design.M_total,
      overall_prob_seu_max: sel.overall,
      prob_seu_max_by_problem: Object.fromEntries(sel.byProblem.map((p, m) => [String(m + 1), p])),
      prob_seu_max_by_cell: Object.fromEntries(
        cells.map((ms, j) => [String(j + 1), meanStd(ms.map((m) => sel.byProblem[m]))]),
      ),
      total_seu_max_selected: spread(sel.totals, 1),
      seu_max_by_cell: Object.fromEntries(
        byCell.map((totals, j) => {
          const s = spread(totals, 1);
          const Mj = cells[j].length;
          return [String(j + 1), { M_j: Mj, mean: s.mean, std: s.std, median: s.median, mean_prob: s.mean / Mj }];
        }),
      ),
    },
  };
}

export async function summarizeHierarchicalPrior(args: Args): Promise<PriorOutcome> {
  const { config, design, draws } = args;
  const out = config.output_dir;
  await writeFileAtomic(path.join(out, "prior_samples.csv"), draws.samplesCsv(false));
  const v = draws.rows ? valuesOf(draws, design, config.alpha_var, args.hasUpsilon) : undefined;
  const summary = v ? parameterSummary(v, config.alpha_var) : {};
  await writeJsonAtomic(path.join(out, "summary.json"), {
    n_param_samples: config.n_param_samples,
    n_choice_samples: config.n_choice_samples,
    J: design.J,
    K: design.K,
    D: design.D,
    R: design.R,
    P: design.P,
    M_total: design.M_total,
    hyperparameters: args.hyperparameters,
    parameter_summary: summary,
  });
  const head = {
    title: "Hierarchical prior predictive analysis",
    design: `the study design (${design.J} cells, ${design.M_total} problems)`,
    designSettings: [
      ["design_name", design._metadata.design_name],
      ["J, P, K, D, R, M_total", [design.J, design.P, design.K, design.D, design.R, design.M_total].join(", ")],
    ] as SectionReport["settings"],
  };
  return outputs.writePriorReport(head, v ? await sections(args, v, summary) : undefined, args, args);
}

async function sections(args: Args, v: Values, summary: Record<string, Described>) {
  const out = args.config.output_dir;
  const choices = choiceSummary(v, args.design, args.draws.rows);
  await writeJsonAtomic(path.join(out, "choices", "choice_summary.json"), choices);
  const alphaSummary = Object.fromEntries(
    v.alpha.map((a, j) => {
      const d = describe(a);
      return [
        `${args.config.alpha_var}[${j + 1}]`,
        { mean: d.mean, median: d.median, std: d.std, q05: d.q05, q95: d.q95 },
      ];
    }),
  );
  await writeJsonAtomic(path.join(out, "cell_alphas", "alpha_summary.json"), alphaSummary);
  const seu = seuSummary(v, args.design);
  await writeJsonAtomic(path.join(out, "seu_maximizer_selection", "seu_maximizer_summary.json"), seu.json);
  return [
    {
      heading: "Parameters",
      paragraphs: [
        "Mean, standard deviation, median and 5% / 95% quantiles of each parameter's prior draws (summary.json).",
      ],
      table: outputs.parameterTable(summary),
      figures: await writeFigures(out, parameterFigures(args, v)),
    },
    {
      heading: "Choices",
      paragraphs: [
        "Which position on the menu (1 = the alternative of lowest index) and which alternative was chosen.",
      ],
      figures: await writeFigures(out, choiceFigures(args, choices)),
    },
    {
      heading: "Choosing the alternative of highest subjective expected utility",
      bullets: outputs.seuBullets(
        "all problems",
        args.design.M_total,
        seu.sel.overall,
        seu.json.total_seu_max_selected,
      ),
      figures: await writeFigures(out, seuFigures(args, seu.sel, seu.byCell)),
    },
  ];
}

/** regression_parameters/, cell_alphas/, utilities/, betas/. */
function parameterFigures(args: Args, v: Values): FigureSpec[] {
  const { design } = args;
  const h = args.hyperparameters;
  const a = args.config.alpha_var;
  const cellAlpha = v.alpha.map((x, j) => {
    const s = Float64Array.from(x).sort();
    const hi = s[Math.min(s.length - 1, Math.floor(0.99 * (s.length - 1)))];
    return outputs.histogram({ title: `${a}[${j + 1}]`, xTitle: a }, x, { range: [s[0], hi] });
  });
  const logAlpha = v.alpha.map((x, j) => outputs.boxes(String(j + 1), x.map(Math.log)));
  const betas = v.betaPooled.flatMap((row, k) =>
    row.map((b, d) => outputs.histogram({ title: `beta[., ${k + 1}, ${d + 1}]` }, b)),
  );
  return [
    {
      file: "regression_parameters/gamma0_dist.png",
      title: "gamma0: prior draws",
      subtitle: [`line: gamma0_mean = ${h.gamma0_mean}`],
      panels: [outputs.histogram({ title: "gamma0" }, v.gamma0, { lines: [{ value: h.gamma0_mean }] })],
      caption: "gamma0, the log sensitivity of the reference cell.",
    },
    {
      file: "regression_parameters/gamma_dist.png",
      title: "gamma: prior draws",
      panels: v.gamma.map((g, p) => outputs.histogram({ title: `gamma[${p + 1}]` }, g, { lines: [{ value: 0 }] })),
      columns: 4,
      caption: "gamma[p], the effects of the design's columns on log alpha.",
    },
    {
      file: "regression_parameters/sigma_cell_dist.png",
      title: "sigma_cell: prior draws",
      panels: [outputs.histogram({ title: "sigma_cell" }, v.sigma)],
      caption: "sigma_cell, the spread of the cells around the regression.",
    },
    {
      file: "cell_alphas/alpha_by_cell.png",
      title: `${a} by cell: prior draws`,
      subtitle: ["each panel up to its 99th percentile (display only)"],
      panels: cellAlpha,
      columns: 6,
      caption: `${a}[j], each cell's sensitivity.`,
    },
    {
      file: "cell_alphas/log_alpha_boxplot.png",
      title: `log ${a} by cell`,
      panels: [boxplotPanel({ title: `log ${a}`, xTitle: "cell", width: Math.max(300, 24 * design.J) }, logAlpha)],
      caption: `log ${a}[j] by cell: the regression's spread over cells.`,
    },
    {
      file: "utilities/delta_dist.png",
      title: "delta: prior draws",
      panels: v.delta.map((d, k) => outputs.histogram({ title: `delta[${k + 1}]` }, d)),
      columns: 4,
      caption: "delta, the utility increments.",
    },
    {
      file: "utilities/upsilon_dist.png",
      title: "upsilon: prior draws",
      subtitle: ["upsilon[1] = 0 and upsilon[K] = 1 always"],
      panels: v.upsilon.map((u, k) => outputs.histogram({ title: `upsilon[${k + 1}]` }, u)),
      columns: 4,
      caption: "upsilon, the utilities of the K consequences.",
    },
    {
      file: "betas/beta_dist.png",
      title: "beta[k, d]: prior draws pooled over cells",
      panels: betas,
      columns: design.D,
      caption: "beta[j][k, d], the feature weights, pooled over the cells j.",
    },
  ];
}

const shares = (probs: Record<string, number>) => Object.entries(probs).map(([label, value]) => ({ label, value }));

/** choices/. */
function choiceFigures(args: Args, choices: Record<string, unknown>): FigureSpec[] {
  const perCell = range(args.design.J).map((j) => {
    const probs = (choices[`cell_${j}`] as { choice_index_probs: Record<string, number> }).choice_index_probs;
    return barPanel({ title: `cell ${j}`, xTitle: "position chosen", yTitle: "share" }, shares(probs));
  });
  const global = (choices.__global__ as { chosen_alternative_probs: Record<string, number> }).chosen_alternative_probs;
  const width = Math.max(300, 20 * args.design.R);
  return [
    {
      file: "choices/choice_index_by_cell.png",
      title: "Position chosen on the menu, by cell",
      panels: perCell,
      columns: 6,
      caption: "Share of choices of each menu position (alternatives in ascending index), by cell.",
    },
    {
      file: "choices/chosen_alternative_dist.png",
      title: "Alternative chosen (all problems)",
      panels: [barPanel({ title: "alternatives", xTitle: "alternative r", yTitle: "share", width }, shares(global))],
      caption: "Share of all choices that went to each alternative of the pool.",
    },
  ];
}

/** seu_maximizer_selection/. */
function seuFigures(args: Args, sel: SeuSelection, byCell: number[][]): FigureSpec[] {
  const { design } = args;
  const cells = problemsByCell(design);
  const byProblem = sel.byProblem.map((p, m) => ({ label: String(m + 1), value: p, group: String(design.cell[m]) }));
  const cellBars = cells.map((ms, j) => {
    const s = meanStd(ms.map((m) => sel.byProblem[m]));
    return { label: String(j + 1), value: s.mean, err: s.std };
  });
  const wide = {
    title: "problems",
    xTitle: "problem",
    yTitle: "rate",
    width: Math.min(1400, 3 * design.M_total + 300),
  };
  return [
    {
      file: "seu_maximizer_selection/prob_seu_max_by_problem.png",
      title: "P(SEU-maximising choice) by problem",
      subtitle: ["coloured by cell; line: the mean over problems"],
      panels: [barPanel(wide, byProblem, sel.overall)],
      caption: "Each problem's rate of choices of highest subjective expected utility.",
    },
    {
      file: "seu_maximizer_selection/prob_seu_max_by_cell.png",
      title: "P(SEU-maximising choice) by cell",
      subtitle: ["mean ± sd over the cell's problems"],
      panels: [barPanel({ title: "cells", xTitle: "cell", yTitle: "rate" }, cellBars)],
      caption: "Each cell's mean rate over its problems, ± their standard deviation.",
    },
    {
      file: "seu_maximizer_selection/total_seu_max_distribution.png",
      title: "SEU-maximising choices per draw",
      subtitle: [`of ${design.M_total} problems`],
      panels: [outputs.countHistogram({ title: "total", xTitle: "SEU-maximising choices" }, sel.totals)],
      caption: "How many of the problems' choices maximised expected utility, per draw.",
    },
    {
      file: "seu_maximizer_selection/total_seu_max_by_cell.png",
      title: "SEU-maximising choices per draw, by cell",
      panels: [
        boxplotPanel(
          { title: "cells", xTitle: "cell", yTitle: "SEU-maximising choices" },
          byCell.map((t, j) => outputs.boxes(String(j + 1), t)),
        ),
      ],
      caption: "Per draw, the SEU-maximising choices among each cell's problems.",
    },
  ];
}
