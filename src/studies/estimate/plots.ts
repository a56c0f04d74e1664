/**
 * The estimation figures (docs/estimate.md), from the fit's draws and the model's declared
 * outputs (stanc --info), each drawn only when the model has what it shows:
 *
 * - plots/posterior_scalars.png: the posterior of every scalar parameter and transformed
 *   parameter (alpha, omega, kappa; gamma0, sigma_cell);
 * - plots/alpha_vs_omega.png: their joint draws, when alpha and omega are scalars;
 * - plots/upsilon_posterior.png: the utilities, one box per consequence;
 * - plots/beta_heatmap.png: beta's posterior means (one map per cell for an array of matrices);
 * - plots/trace.png: every chain of the first 12 scalars of the parameters block;
 * - plots/energy.png: the marginal energy and the energy transitions (E-BFMI per chain);
 * - plots/pairs_alpha_delta.png and plots/pairs_beta.png: pair plots of alpha with delta and of
 *   the first four entries of beta;
 * - ppc/ppc_statistics.png: each statistic's T_rep against T_obs, with its p-value.
 */
import { linearQuantile } from "../../analysis/describe.js";
import type { PpcStatistic } from "../../analysis/ppc.js";
import { pooledColumn } from "../../analysis/ppc.js";
import type { ModelInfo } from "../../cmdstan/modelInfo.js";
import { bracketName, type StanFit } from "../../cmdstan/stanCsv.js";
import type { FigureSpec } from "../../report/figures.js";
import {
  boxOf,
  boxplotPanel,
  extent,
  heatmapPanel,
  histogramBins,
  histogramPanel,
  linePanel,
  scatterPanel,
} from "../../report/panels.js";
import { pyFixed } from "../../report/text.js";

const TRACE_SCALARS = 12;
const PAIR_BETAS = 4;
/** At most this many points per chain in a trace, and in a pair plot. */
const TRACE_POINTS = 500;
const PAIR_POINTS = 1500;

function thinned(values: ArrayLike<number>, most: number): number[] {
  const step = Math.max(1, Math.ceil(values.length / most));
  return Array.from({ length: Math.ceil(values.length / step) }, (_, i) => values[i * step]);
}

const columnsOf = (fit: StanFit, name: string) => fit.variables.find((v) => v.name === name)?.columnNames ?? [];
const pooled = (fit: StanFit, column: string) => pooledColumn(fit, column)!;

function histogramOf(title: string, values: ArrayLike<number>): object {
  return histogramPanel({ title, yTitle: "draws" }, [{ name: title, bins: histogramBins(values, 40) }]);
}

/** Scalars of the parameters and transformed parameters blocks, in the model's order. */
function scalarOutputs(info: ModelInfo): string[] {
  return Object.entries({ ...info.parameters, ...info.transformedParameters })
    .filter(([, d]) => d.dimensions === 0)
    .map(([name]) => name);
}

function pairPanels(fit: StanFit, columns: string[]): object[] {
  const panels: object[] = [];
  for (let a = 0; a < columns.length; a++) {
    for (let b = a + 1; b < columns.length; b++) {
      const xs = thinned(pooled(fit, columns[a]), PAIR_POINTS);
      const ys = thinned(pooled(fit, columns[b]), PAIR_POINTS);
      const [x, y] = [bracketName(columns[a]), bracketName(columns[b])];
      panels.push(
        scatterPanel(
          { title: `${x} vs ${y}`, xTitle: x, yTitle: y },
          xs.map((v, i) => ({ x: v, y: ys[i] })),
        ),
      );
    }
  }
  return panels;
}

function betaHeatmaps(fit: StanFit, dims: number[]): object[] {
  const cols = columnsOf(fit, "beta");
  const meanOf = (c: string) => pooled(fit, c).reduce((s, v) => s + v, 0) / pooled(fit, c).length;
  const cells = cols.map((c) => ({ idx: c.split(".").slice(1), value: meanOf(c) }));
  const maps = dims.length === 3 ? dims[0] : 1;
  return Array.from({ length: maps }, (_, j) => {
    const mine =
      dims.length === 3
        ? cells.filter((c) => c.idx[0] === String(j + 1)).map((c) => ({ ...c, idx: c.idx.slice(1) }))
        : cells;
    return heatmapPanel(
      {
        title: dims.length === 3 ? `beta[${j + 1}]` : "beta",
        xTitle: "d (feature)",
        yTitle: "k (consequence)",
        width: Math.max(120, 14 * dims[dims.length - 1]),
      },
      mine.map((c) => ({ row: c.idx[0], col: c.idx[1], value: c.value })),
    );
  });
}

/** The posterior figures (plots/). */
export function posteriorFigures(fit: StanFit, info: ModelInfo): FigureSpec[] {
  const specs: FigureSpec[] = [];
  const scalars = scalarOutputs(info).filter((s) => columnsOf(fit, s).length);
  if (scalars.length) {
    specs.push({
      file: "plots/posterior_scalars.png",
      title: "Posterior draws of the scalar parameters",
      panels: scalars.map((s) => histogramOf(s, pooled(fit, s))),
      columns: 4,
      caption: `The posterior of ${scalars.join(", ")}, all chains pooled.`,
    });
  }
  if (scalars.includes("alpha") && scalars.includes("omega")) {
    const xs = thinned(pooled(fit, "alpha"), PAIR_POINTS);
    const ys = thinned(pooled(fit, "omega"), PAIR_POINTS);
    specs.push({
      file: "plots/alpha_vs_omega.png",
      title: "alpha and omega",
      subtitle: ["line: omega = alpha"],
      panels: [
        scatterPanel(
          { title: "alpha vs omega", xTitle: "alpha", yTitle: "omega", width: 260, height: 260 },
          xs.map((x, i) => ({ x, y: ys[i] })),
          true,
        ),
      ],
      caption: "Joint posterior draws of the uncertain and the risky sensitivity.",
    });
  }
  const upsilon = columnsOf(fit, "upsilon");
  if (upsilon.length) {
    specs.push({
      file: "plots/upsilon_posterior.png",
      title: "Posterior of the utilities upsilon",
      panels: [
        boxplotPanel(
          { title: "upsilon", xTitle: "consequence k", yTitle: "utility" },
          upsilon.map((c) => boxOf(c.split(".")[1], pooled(fit, c), linearQuantile)),
        ),
      ],
      caption: "upsilon[k] (boxes: quartiles; whiskers: 1.5 IQR).",
    });
  }
  const beta = fit.variables.find((v) => v.name === "beta");
  if (beta && (beta.dims.length === 2 || beta.dims.length === 3)) {
    specs.push({
      file: "plots/beta_heatmap.png",
      title: "Posterior means of beta",
      panels: betaHeatmaps(fit, beta.dims),
      columns: 6,
      caption: "beta[k, d]: how feature d moves the subjective probability of consequence k (posterior mean).",
    });
  }
  return specs;
}

/** Trace, energy and pair figures (plots/). */
export function samplerFigures(fit: StanFit, info: ModelInfo, ebfmi: number[]): FigureSpec[] {
  const paramColumns = Object.keys(info.parameters).flatMap((p) => columnsOf(fit, p));
  const traced = paramColumns.slice(0, TRACE_SCALARS);
  const energy = fit.chains.map((c) => c.draws.energy__);
  const centred = energy.flatMap((e) => {
    const m = e.reduce((s, v) => s + v, 0) / e.length;
    return Array.from(e, (v) => v - m);
  });
  const steps = energy.flatMap((e) => Array.from(e.subarray(1), (v, i) => v - e[i]));
  const range = extent([...extent(centred), ...extent(steps)]);
  const specs: FigureSpec[] = [
    {
      file: "plots/trace.png",
      title: "Trace plots",
      subtitle: [
        `the first ${traced.length} of the ${paramColumns.length} scalars of the parameters block, one line per chain`,
      ],
      panels: traced.map((c) =>
        linePanel(
          { title: bracketName(c), yTitle: bracketName(c) },
          fit.chains.map((ch, k) => ({ name: `chain ${k + 1}`, y: thinned(ch.draws[c], TRACE_POINTS) })),
        ),
      ),
      columns: 3,
      caption: "Each chain's draws in order (thinned for display); chains that mix overlap.",
    },
    {
      file: "plots/energy.png",
      title: "Energy",
      subtitle: [`E-BFMI per chain: ${ebfmi.map((e) => pyFixed(e, 2)).join(", ")} (below 0.3 is a warning)`],
      panels: [
        histogramPanel({ title: "marginal energy and energy transitions", xTitle: "energy (centred)", width: 360 }, [
          { name: "marginal energy", bins: histogramBins(centred, 50, range) },
          { name: "energy transition", bins: histogramBins(steps, 50, range) },
        ]),
      ],
      caption:
        "When the transitions' histogram is much narrower than the marginal energy's, the sampler explores the posterior slowly.",
    },
  ];
  const alphaDelta = [...columnsOf(fit, "alpha"), ...columnsOf(fit, "delta")];
  if (columnsOf(fit, "alpha").length === 1 && alphaDelta.length > 1) {
    specs.push({
      file: "plots/pairs_alpha_delta.png",
      title: "Pairs: alpha and delta",
      panels: pairPanels(fit, alphaDelta),
      columns: 4,
      caption: "Joint posterior draws of alpha and each utility increment.",
    });
  }
  const betas = columnsOf(fit, "beta").slice(0, PAIR_BETAS);
  if (betas.length > 1) {
    specs.push({
      file: "plots/pairs_beta.png",
      title: "Pairs: beta",
      subtitle: [`the first ${betas.length} entries of beta`],
      panels: pairPanels(fit, betas),
      columns: 3,
      caption: "Joint posterior draws of entries of beta.",
    });
  }
  return specs;
}

/** ppc/ppc_statistics.png: each statistic's replicated against its observed value. */
export function ppcFigures(stats: PpcStatistic[]): FigureSpec[] {
  const withT = stats.filter((s) => s.obs && s.rep);
  if (!withT.length) return [];
  const panels = withT.map((s) => {
    const [lo, hi] = extent([...extent(s.obs!), ...extent(s.rep!)]);
    return histogramPanel({ title: s.stat, subtitle: `p = ${pyFixed(s.pValue, 3)}`, xTitle: "statistic" }, [
      { name: "T_rep", bins: histogramBins(s.rep!, 30, [lo, hi]) },
      { name: "T_obs", bins: histogramBins(s.obs!, 30, [lo, hi]) },
    ]);
  });
  return [
    {
      file: "ppc/ppc_statistics.png",
      title: "Posterior predictive checks",
      subtitle: ["T_rep: the statistic on replicated choices; T_obs: on the observed ones (both per posterior draw)"],
      panels,
      columns: 3,
      caption:
        "p = the share of draws with T_rep >= T_obs; values near 0 or 1 flag a feature of the data the model misses.",
    },
  ];
}
