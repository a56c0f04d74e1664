"""pandas side of bench/csvRead.ts: time pandas.read_csv(comment='#') on Stan CSV files.

usage:
  python csvRead_pandas.py serve FILE...
      Reads commands from stdin, one per line, and answers each with one JSON line:
        all                 -> {"seconds": s}   read every file, every column
        subset:<a>,<b>,...  -> {"seconds": s}   same with usecols (columns of those variables)
        check               -> {"rows": [...], "columns": n, "sum_gamma0": x, "sum_alpha_18": y,
                                "pandas": version, "import_seconds": s}  (of the last `all` read)
      Times are taken inside Python (after `import pandas`), with a gc.collect() before each
      read, so the caller can interleave them with its own runs (same background load).
  python csvRead_pandas.py once FILE...
      Reads every file once and exits: the caller times the whole process (interpreter start,
      import pandas, read).
"""
import gc
import json
import sys
import time

t0 = time.perf_counter()
import pandas as pd  # noqa: E402

import_seconds = time.perf_counter() - t0


def read(files, usecols=None):
    return [pd.read_csv(f, comment="#", usecols=usecols) for f in files]


def serve(files) -> None:
    frames = None
    for line in sys.stdin:
        cmd = line.strip()
        if cmd == "check":
            out = {
                "rows": [int(df.shape[0]) for df in frames],
                "columns": int(frames[0].shape[1]),
                "sum_gamma0": float(sum(df["gamma0"].sum() for df in frames)),
                "sum_alpha_18": float(sum(df["alpha.18"].sum() for df in frames)),
                "pandas": pd.__version__,
                "import_seconds": import_seconds,
            }
        elif cmd == "all" or cmd.startswith("subset:"):
            usecols = None
            if cmd != "all":
                wanted = set(cmd[len("subset:"):].split(","))
                usecols = lambda c, w=wanted: c.split(".")[0] in w  # noqa: E731
            if cmd == "all":
                frames = None  # the previous read's memory goes before this one is timed
            gc.collect()
            t = time.perf_counter()
            result = read(files, usecols)
            seconds = time.perf_counter() - t
            if cmd == "all":
                frames = result
            out = {"seconds": seconds}
        else:
            out = {"error": f"unknown command {cmd!r}"}
        print(json.dumps(out), flush=True)


def main() -> None:
    mode, files = sys.argv[1], sys.argv[2:]
    if mode == "serve":
        serve(files)
    elif mode == "once":
        read(files)
    else:
        raise SystemExit(f"unknown mode {mode!r}")


main()
