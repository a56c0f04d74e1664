"""ArviZ reference values for the summary tests (run by test/helpers/arviz.ts).

Input (argv[1]): JSON {"name": [[chain 1 draws], [chain 2 draws], ...], ...}
Output (stdout): JSON {"name": {"rhat": .., "ess_bulk": .., "ess_tail": .., "ess_mean": ..,
"mcse_mean": .., "mean": .., "sd": ..}, ...}, NaN written as null, infinities as "inf" / "-inf".
"""
import json
import math
import sys
import types
import warnings

import matplotlib

matplotlib.use("Agg")
import matplotlib.style as _mpl_style  # noqa: E402

# ArviZ 0.20 registers its styles through matplotlib.style.core, which newer matplotlib
# releases no longer expose; the statistics do not need the styles.
if not hasattr(_mpl_style, "core"):
    _mpl_style.core = types.SimpleNamespace(USER_LIBRARY_PATHS=[], reload_library=lambda: None)

import logging  # noqa: E402

import arviz as az  # noqa: E402
import numpy as np  # noqa: E402

logging.getLogger("arviz").setLevel(logging.ERROR)
warnings.simplefilter("ignore")


def clean(x):
    x = float(x)
    if math.isnan(x):
        return None
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return x


def main():
    with open(sys.argv[1]) as f:
        data = json.load(f)
    out = {}
    for name, chains in data.items():
        ary = np.asarray(chains, dtype=float)
        out[name] = {
            "rhat": clean(az.rhat(ary, method="rank")),
            "ess_bulk": clean(az.ess(ary, method="bulk")),
            "ess_tail": clean(az.ess(ary, method="tail")),
            "ess_mean": clean(az.ess(ary, method="mean")),
            "mcse_mean": clean(az.mcse(ary, method="mean")),
            "mean": clean(np.mean(ary)),
            "sd": clean(np.std(ary, ddof=1)),
        }
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
