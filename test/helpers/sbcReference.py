"""scipy / numpy / ArviZ reference values for the SBC statistics tests (run by test/helpers/sbcReference.ts).

Input (argv[1]): a JSON object; each key present asks for one kind of value:
- "chi2_sf": [[x, df], ...]                      -> scipy.stats.chi2.sf(x, df)
- "kstwo_sf": [[n, d], ...]                      -> scipy.stats.kstwo.sf(d, n)
- "smirnov": [[n, d], ...]                       -> scipy.special.smirnov(n, d)
- "binom_interval": [[level, n, p], ...]         -> scipy.stats.binom.interval(level, n, p)
- "kstest": [[x1, x2, ...], ...]                 -> scipy.stats.kstest(x, "uniform"): [statistic, pvalue]
- "chisquare": [[f_obs, f_exp | null], ...]      -> scipy.stats.chisquare(f_obs, f_exp): [statistic, pvalue]
- "histogram": [[values, bins, lo, hi], ...]     -> numpy.histogram(values, bins=numpy.linspace(lo, hi, bins + 1))[0],
  and in "histogram_chisquare" scipy.stats.chisquare of those counts: [statistic, pvalue]
- "minimize_bounded": [[name, lo, hi], ...]      -> scipy.optimize.minimize_scalar(f, bounds=(lo, hi), method="bounded").x
  for the named test functions below
- "ecdf_band": [{"n", "eval_points", "cdf", "exact_counts"}, ...] -> ArviZ 0.20
  ecdf_confidence_band(n, eval_points, cdf, prob=0.95, method="optimized") as counts, and the
  pointwise level its optimiser found. With "exact_counts" true, ArviZ's objective is run with
  its band counts rounded instead of truncated: (k / n) * n is not always k in floating point
  (k = 29, 57, 58 for n = 100), and `astype(int)` then takes k - 1.
Output (stdout): the same keys with the answers in order.
"""
import json
import sys
import types
import warnings

import numpy as np
from scipy import optimize, special, stats

warnings.simplefilter("ignore")


def load_ecdf_utils():
    """ArviZ's ECDF module, imported only when asked for (importing ArviZ takes seconds)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.style as mpl_style

    # ArviZ 0.20 registers its styles through matplotlib.style.core, which newer matplotlib
    # releases no longer expose; the statistics do not need the styles.
    if not hasattr(mpl_style, "core"):
        mpl_style.core = types.SimpleNamespace(USER_LIBRARY_PATHS=[], reload_library=lambda: None)
    import arviz.stats.ecdf_utils as ecdf_utils

    return ecdf_utils

TEST_FUNCTIONS = {
    "parabola": lambda x: (x - 0.3) ** 2,
    "abs": lambda x: abs(x - 0.71),
    "steps": lambda x: abs(np.floor(x * 37) / 37 - 0.5),
    "cosine": lambda x: np.cos(3 * x),
}


def exact_count_objective(ecdf_utils, prob_pointwise, cdf_at_eval_points, ndraws, prob_target):
    lower, upper = ecdf_utils._get_pointwise_confidence_band(prob_pointwise, ndraws, cdf_at_eval_points)
    lower_count = np.rint(lower * ndraws).astype(int)
    upper_count = np.rint(upper * ndraws).astype(int) + 1
    cdf_with_zero = np.insert(cdf_at_eval_points[:-1], 0, 0)
    prob_between_points = (cdf_at_eval_points - cdf_with_zero) / (1 - cdf_with_zero)
    interior = ecdf_utils._ecdf_band_interior_probability(prob_between_points, ndraws, lower_count, upper_count)
    return abs(interior - prob_target)


def ecdf_band(ecdf_utils, req):
    original = ecdf_utils._ecdf_band_optimization_objective
    if req.get("exact_counts"):
        ecdf_utils._ecdf_band_optimization_objective = lambda *args: exact_count_objective(ecdf_utils, *args)
    try:
        n = req["n"]
        cdf = np.asarray(req["cdf"], dtype=float)
        points = np.asarray(req["eval_points"], dtype=float)
        lower, upper = ecdf_utils.ecdf_confidence_band(n, points, cdf, prob=0.95, method="optimized")
        level = ecdf_utils._optimize_simultaneous_ecdf_band_probability(n, points, cdf, prob=0.95)
    finally:
        ecdf_utils._ecdf_band_optimization_objective = original
    return {
        "lower": np.rint(lower * n).astype(int).tolist(),
        "upper": np.rint(upper * n).astype(int).tolist(),
        "level": float(level),
    }


def main():
    with open(sys.argv[1]) as f:
        req = json.load(f)
    out = {}
    if "chi2_sf" in req:
        out["chi2_sf"] = [float(stats.chi2.sf(x, df)) for x, df in req["chi2_sf"]]
    if "kstwo_sf" in req:
        out["kstwo_sf"] = [float(stats.kstwo.sf(d, n)) for n, d in req["kstwo_sf"]]
    if "smirnov" in req:
        out["smirnov"] = [float(special.smirnov(n, d)) for n, d in req["smirnov"]]
    if "binom_interval" in req:
        out["binom_interval"] = [[float(v) for v in stats.binom.interval(level, n, p)] for level, n, p in req["binom_interval"]]
    if "kstest" in req:
        out["kstest"] = [[float(v) for v in stats.kstest(np.asarray(x, dtype=float), "uniform")] for x in req["kstest"]]
    if "chisquare" in req:
        out["chisquare"] = [
            [float(v) for v in stats.chisquare(np.asarray(obs, dtype=float), None if exp is None else np.asarray(exp, dtype=float))]
            for obs, exp in req["chisquare"]
        ]
    if "histogram" in req:
        out["histogram"] = [
            np.histogram(np.asarray(values, dtype=float), bins=np.linspace(lo, hi, bins + 1))[0].tolist()
            for values, bins, lo, hi in req["histogram"]
        ]
        out["histogram_chisquare"] = [[float(v) for v in stats.chisquare(np.asarray(h, dtype=float))] for h in out["histogram"]]
    if "minimize_bounded" in req:
        out["minimize_bounded"] = [
            float(optimize.minimize_scalar(TEST_FUNCTIONS[name], bounds=(lo, hi), method="bounded").x)
            for name, lo, hi in req["minimize_bounded"]
        ]
    if "ecdf_band" in req:
        ecdf_utils = load_ecdf_utils()
        out["ecdf_band"] = [ecdf_band(ecdf_utils, r) for r in req["ecdf_band"]]
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
