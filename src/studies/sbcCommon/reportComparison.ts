/**
 * The SBC report's comparison with a published run (Report 12's table, report12.ts): our
 * original-bins chi-square and KS test, with p-values, beside the published ones parameter by
 * parameter (the cells as one range row, as the report prints them), the parameters where one
 * run's p-value is below 0.05 and the other's is not, the counts below 0.05 and the quantiles of
 * the p-values (docs/sbc.md, "Report 12's numbers").
 */
import { chanceDisagreement, disagreeAtLevel, pValueQuantiles, SBC_LEVEL } from "../../analysis/publishedComparison.js";
import type { SbcParameterStatistics, SbcStatistics } from "../../analysis/sbc.js";
import { markdownTable, pandasToString, pyFixed, type Column } from "../../report/text.js";
import type { TruthsRecord } from "../faithfulness.js";

/** One parameter's published tests: the original's chi-square and KS, each with its p-value. */
export interface PublishedSbcTests {
  chi2: number;
  chi2_p: number;
  ks: number;
  ks_p: number;
}

/** A published run of SBC: per-parameter tests, the cells as ranges, the p-values' quantiles. */
export interface PublishedSbc {
  name: string;
  /** Simulations behind each test. */
  simulations: number;
  /** By the model's names (gamma[1]), every tracked scalar but the cells. */
  tests: Record<string, PublishedSbcTests>;
  /** The cells' tests as [lowest, highest] over alpha[1..J]. */
  cellRanges: { label: string; count: number } & Record<keyof PublishedSbcTests, [number, number]>;
  /** Quantiles of the p-values over all tracked scalars, at `probs`. */
  pValueQuantiles: { probs: number[]; chi2: number[]; ks: number[] };
}

/** A published run to set beside ours, and which of our scalars are the cells (its range row). */
export interface SbcComparisonInput {
  published: PublishedSbc;
  cells: string[];
}

export interface SbcComparisonView {
  name: string;
  nOurs: number;
  nPublished: number;
  tableMd: string;
  tableText: string;
  disagreements: string;
  nDisagreements: number;
  nParams: number;
  expectedDisagreements: string;
  below: { test: string; ours: string; published: string }[];
  expectedBelow: string;
  quantiles: { test: string; ours: string; published: string }[];
  probs: string;
  truthsNote: string;
}

type Test = keyof PublishedSbcTests;
const TESTS: { key: Test; header: string; decimals: number; p: boolean }[] = [
  { key: "chi2", header: "chi2", decimals: 2, p: false },
  { key: "chi2_p", header: "chi2 p", decimals: 4, p: true },
  { key: "ks", header: "KS D", decimals: 3, p: false },
  { key: "ks_p", header: "KS p", decimals: 4, p: true },
];

function oursOf(p: SbcParameterStatistics): PublishedSbcTests {
  return {
    chi2: p.originalChi2.statistic,
    chi2_p: p.originalChi2.pValue,
    ks: p.originalKs.statistic,
    ks_p: p.originalKs.pValue,
  };
}

interface Row {
  param: string;
  ours: Record<Test, string>;
  published: Record<Test, string>;
  /** The p-value tests where the runs disagree at 0.05, with the parameters concerned (the table's cell). */
  disagree: string[];
  /** The tests flagged, by header. */
  flagged: Set<string>;
  /** Each parameter that disagrees, with its tests. */
  who: { param: string; tests: string[] }[];
}

const fixed = (x: number, d: number) => pyFixed(x, d);
const range = (xs: number[], d: number) => `${fixed(Math.min(...xs), d)} – ${fixed(Math.max(...xs), d)}`;

/** Our cells whose p-value disagrees with a published range (undefined: the range straddles the level). */
function rangeDisagreements(cells: SbcParameterStatistics[], key: Test, [lo, hi]: [number, number]): string[] {
  const publishedBelow = hi < SBC_LEVEL ? true : lo >= SBC_LEVEL ? false : undefined;
  if (publishedBelow === undefined) return [];
  return cells.filter((c) => oursOf(c)[key] < SBC_LEVEL !== publishedBelow).map((c) => c.variable);
}

const eachTest = (f: (t: (typeof TESTS)[number]) => string) =>
  Object.fromEntries(TESTS.map((t) => [t.key, f(t)])) as Record<Test, string>;

/** The cells as one row of ranges, as the published table prints them. */
function cellRow(cells: SbcParameterStatistics[], r: PublishedSbc["cellRanges"]): Row {
  const byTest = TESTS.filter((t) => t.p).map((t) => ({ t, who: rangeDisagreements(cells, t.key, r[t.key]) }));
  const hit = byTest.filter((b) => b.who.length);
  return {
    param: r.label,
    ours: eachTest((t) =>
      range(
        cells.map((c) => oursOf(c)[t.key]),
        t.decimals,
      ),
    ),
    published: eachTest((t) => `${fixed(r[t.key][0], t.decimals)} – ${fixed(r[t.key][1], t.decimals)}`),
    disagree: hit.map((b) => `${b.t.header}: ${b.who.join(", ")}`),
    flagged: new Set(hit.map((b) => b.t.header)),
    who: cells
      .map((c) => ({ param: c.variable, tests: hit.filter((b) => b.who.includes(c.variable)).map((b) => b.t.header) }))
      .filter((w) => w.tests.length),
  };
}

function parameterRow(p: SbcParameterStatistics, pub: PublishedSbcTests): Row {
  const ours = oursOf(p);
  const tests = TESTS.filter((t) => t.p && disagreeAtLevel(ours[t.key], pub[t.key])).map((t) => t.header);
  return {
    param: p.variable,
    ours: eachTest((t) => fixed(ours[t.key], t.decimals)),
    published: eachTest((t) => fixed(pub[t.key], t.decimals)),
    disagree: tests,
    flagged: new Set(tests),
    who: tests.length ? [{ param: p.variable, tests }] : [],
  };
}

/** Our scalars in order, the cells collapsed into one range row where the first cell stands. */
function rows(stats: SbcStatistics, { published, cells }: SbcComparisonInput): Row[] {
  const cellStats = stats.parameters.filter((p) => cells.includes(p.variable));
  return stats.parameters.flatMap((p): Row[] => {
    if (p === cellStats[0]) return [cellRow(cellStats, published.cellRanges)];
    const pub = published.tests[p.variable];
    return cells.includes(p.variable) || !pub ? [] : [parameterRow(p, pub)];
  });
}

function columns(rs: Row[], name: string, md: boolean): Column[] {
  const mark = (s: string, on: boolean) => (on ? (md ? `**${s}**` : `${s}*`) : s);
  const cols: Column[] = [{ header: "param", kind: "string", values: rs.map((r) => r.param) }];
  for (const t of TESTS) {
    const flagged = (r: Row) => r.flagged.has(t.header);
    cols.push({
      header: t.header,
      kind: "string",
      align: "right",
      values: rs.map((r) => mark(r.ours[t.key], flagged(r))),
    });
    cols.push({
      header: name,
      kind: "string",
      align: "right",
      values: rs.map((r) => r.published[t.key]),
    });
  }
  cols.push({
    header: "disagree at 0.05",
    kind: "string",
    values: rs.map((r) => (r.disagree.length ? r.disagree.join("; ") : "-")),
  });
  return cols;
}

/** Published counts below the level: the named tests, plus the cells when their range says. */
function publishedBelow(published: PublishedSbc, key: Test): string {
  const named = Object.entries(published.tests)
    .filter(([, t]) => t[key] < SBC_LEVEL)
    .map(([n]) => n);
  const [lo, hi] = published.cellRanges[key];
  const cells = hi < SBC_LEVEL ? published.cellRanges.count : lo >= SBC_LEVEL ? 0 : undefined;
  const total = Object.keys(published.tests).length + published.cellRanges.count;
  if (cells === undefined) return `${named.length} or more of ${total}`;
  return `${named.length + cells} of ${total}${named.length ? ` (${named.join(", ")})` : ""}`;
}

function truthsNote(truths: TruthsRecord | undefined): string {
  if (!truths) return "";
  if (!truths.original_truths)
    return (
      `These truths are not the original study's (${truths.sentence}): the ranks are those of other simulations, ` +
      `so each test is a new draw. Under calibration a p-value is uniform whatever the truths: the runs agree as ` +
      `tests (how many p-values fall below 0.05, how they spread), not number for number, and that is not a defect.`
    );
  return (
    `The truths are the original study's (${truths.sentence}); the design's choice problems and the fits are this ` +
    `run's own, so the ranks, and the p-values, still differ from the published ones.`
  );
}

/** The comparison of `stats` (ours) with `input.published`. */
export function sbcComparisonView(
  stats: SbcStatistics,
  input: SbcComparisonInput,
  truths: TruthsRecord | undefined,
): SbcComparisonView {
  const { published } = input;
  const rs = rows(stats, input);
  const ps = stats.parameters;
  const oursBelow = (key: Test) => {
    const named = ps.filter((p) => oursOf(p)[key] < SBC_LEVEL).map((p) => p.variable);
    return `${named.length} of ${ps.length}${named.length ? ` (${named.join(", ")})` : ""}`;
  };
  const q = (key: "chi2" | "ks", testKey: Test) => ({
    test: key === "chi2" ? "chi-square" : "KS",
    ours: pValueQuantiles(
      ps.map((p) => oursOf(p)[testKey]),
      published.pValueQuantiles.probs,
    )
      .map((x) => fixed(x, 3))
      .join(", "),
    published: published.pValueQuantiles[key].map((x) => fixed(x, 3)).join(", "),
  });
  const disagreeing = rs.flatMap((r) => r.who);
  return {
    name: published.name,
    nOurs: stats.n,
    nPublished: published.simulations,
    tableMd: markdownTable(columns(rs, published.name, true)),
    tableText: pandasToString(columns(rs, published.name, false)),
    disagreements: disagreeing.map((w) => `${w.param} (${w.tests.join(", ")})`).join(", "),
    nDisagreements: disagreeing.length,
    nParams: ps.length,
    expectedDisagreements: fixed(chanceDisagreement() * ps.length, 1),
    below: [
      {
        test: "chi-square (the original's bins)",
        ours: oursBelow("chi2_p"),
        published: publishedBelow(published, "chi2_p"),
      },
      { test: "KS", ours: oursBelow("ks_p"), published: publishedBelow(published, "ks_p") },
    ],
    expectedBelow: fixed(SBC_LEVEL * ps.length, 2),
    quantiles: [q("chi2", "chi2_p"), q("ks", "ks_p")],
    probs: published.pValueQuantiles.probs.map((p) => `q${Math.round(p * 100)}`).join(", "),
    truthsNote: truthsNote(truths),
  };
}
