"""The original's flat recovery pipeline, re-created with cmdstanpy for bench/originalPipeline.ts.

One iteration after another, as the original's ParameterRecovery: a fixed_param simulator draw
(seed 12345+i-1), the inference data (the simulator data without its hyperparameters, plus the
simulated y), the truths, the fit (chains in parallel, seed 54321+i-1, warmup n_mcmc_samples//2,
CmdStan's default adapt delta and tree depth), then fit.summary() and fit.diagnose() written to
the iteration folder. No analysis or plots at the end.

    python original_flat_recovery.py compile EXE_DIR INFERENCE.stan SIM.stan
    python original_flat_recovery.py run EXE_DIR SIM_DATA.json OUT_DIR N_ITER N_SAMPLES N_CHAINS

`compile` copies the .stan files into EXE_DIR and compiles them there; `run` finds them compiled
and prints one JSON line: the loop's wall seconds, the wall seconds of each step summed over the
iterations, and per iteration y and the summary's Mean of alpha. The fits' CSV files stay in OUT_DIR/iteration_<i>/fit.
"""

import json
import os
import shutil
import sys
import time

import cmdstanpy

HYPERPARAMS = ["alpha_mean", "alpha_sd", "beta_sd"]  # m_0_sim's, as the original's registry


def models(exe_dir, names):
    cmdstanpy.set_cmdstan_path(os.environ["CMDSTAN"])
    return [cmdstanpy.CmdStanModel(stan_file=os.path.join(exe_dir, n)) for n in names]


def main(argv):
    if argv[0] == "compile":
        exe_dir, stan_files = argv[1], argv[2:]
        for f in stan_files:
            shutil.copy(f, exe_dir)
        models(exe_dir, [os.path.basename(f) for f in stan_files])
        return
    exe_dir, sim_data_file, out_dir = argv[1:4]
    n_iter, n_samples, n_chains = (int(x) for x in argv[4:7])
    inference, sim = models(exe_dir, ["m_0.stan", "m_0_sim.stan"])
    with open(sim_data_file) as f:
        sim_data = json.load(f)
    t0 = time.perf_counter()
    steps = dict.fromkeys(["simulate", "sample", "summary", "diagnose"], 0.0)

    def timed(step, work):
        t = time.perf_counter()
        value = work()
        steps[step] += time.perf_counter() - t
        return value

    iterations = []
    for i in range(n_iter):
        it_dir = os.path.join(out_dir, f"iteration_{i + 1}")
        os.makedirs(it_dir)
        draw = timed("simulate", lambda: sim.sample(
            data=sim_data, fixed_param=True, chains=1, iter_sampling=1, seed=12345 + i,
            output_dir=os.path.join(it_dir, "sim"), show_progress=False,
        ))
        y = [int(v) for v in draw.stan_variable("y")[0]]
        data = {k: v for k, v in sim_data.items() if k not in HYPERPARAMS}
        data["y"] = y
        truths = {k: draw.stan_variable(k)[0].tolist() for k in ["alpha", "beta", "delta", "upsilon"]}
        with open(os.path.join(it_dir, "true_parameters.json"), "w") as f:
            json.dump(truths, f, indent=2)
        fit = timed("sample", lambda: inference.sample(
            data=data, chains=n_chains, parallel_chains=n_chains, seed=54321 + i,
            iter_warmup=n_samples // 2, iter_sampling=n_samples,
            output_dir=os.path.join(it_dir, "fit"), show_progress=False,
        ))
        summary = timed("summary", fit.summary)
        summary.to_csv(os.path.join(it_dir, "posterior_summary.csv"))
        diagnostics = timed("diagnose", fit.diagnose)
        with open(os.path.join(it_dir, "diagnostics.txt"), "w") as f:
            f.write(diagnostics or "")
        iterations.append({"y": y, "alpha_mean_summary": float(summary.loc["alpha", "Mean"])})
    print(json.dumps({"loop_wall": time.perf_counter() - t0, "steps": steps, "iterations": iterations}))


if __name__ == "__main__":
    main(sys.argv[1:])
