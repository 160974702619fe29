"""Benchmark: where a trial's time goes under JAX on this CPU — start-up (imports), data, build and compile,
training steps, evaluation — without and with JAX's persistent compilation cache (what a worker turns on).

Each measurement is a fresh process (as a worker or a GPU call starts), running one trial of `ablab.train`'s own
functions with the JAX backend:

- start-up: interpreter start to `import keras` done; data: `load_dataset` and the subset;
- first epoch − second epoch: the compile of the train step (the first epoch pays it, the second does not);
- steady steps: the second epoch's training steps; validation + test: each epoch's validation and
  `model.evaluate` (their compiles included).

Three runs per model: no cache; the cache empty (it is filled); the cache warm (what every later trial of the same
shapes finds). Writes its section of docs/benchmarks.md.

    .venv/bin/python bench/trial_time.py [--no-write]      (needs `pip install jax` in the venv)
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _report import machine_line, write_section  # noqa: E402

MODELS = {  # model -> config fields: the report's MLP (1 epoch run twice), a quick CNN on a small subset
    "mlp": {"model": "mlp", "epochs": 2},
    "cnn": {"model": "cnn", "epochs": 2, "train_subset": 2000, "test_subset": 1000, "batch_size": 32,
            "labels": "onehot", "optimizer": "rmsprop", "learning_rate": 0.001},
}


def child(model: str, cache: str) -> dict:
    """One trial in this process, timed by phase (seconds)."""
    t0 = time.perf_counter()
    os.environ["KERAS_BACKEND"] = "jax"
    import keras

    from ablab.data import load_dataset
    from ablab.models.config import TrialConfig
    from ablab.studies.worker import enable_jax_compilation_cache
    from ablab.train.run import compile_model, fit_and_evaluate

    if cache != "none":
        enable_jax_compilation_cache(Path(cache))
    t_import = time.perf_counter()
    splits = load_dataset("mnist")
    t_data = time.perf_counter()
    config = TrialConfig(**MODELS[model])
    keras.utils.set_random_seed(0)
    model_ = compile_model(config)
    t_build = time.perf_counter()
    history, _, _ = fit_and_evaluate(model_, config, splits, verbose=0)
    t_done = time.perf_counter()
    first, second = history["epoch_time_s"][:2]
    return {"startup_s": t_import - t0, "data_s": t_data - t_import, "build_s": t_build - t_data,
            "compile_s": first - second, "steps_s": second, "rest_s": t_done - t_build - first - second,
            "total_s": t_done - t0}


def measure(model: str, cache: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child", model, cache], capture_output=True, text=True,
                         check=True, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--child", nargs=2, metavar=("MODEL", "CACHE"))
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(*args.child)))
        return
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for model in MODELS:
            cache = str(Path(tmp) / model)
            for label, where in (("no cache", "none"), ("cache empty", cache), ("cache warm", cache)):
                t = measure(model, where)
                rows.append(f"| {model} | {label} | " + " | ".join(f"{t[k]:.1f}" for k in (
                    "startup_s", "data_s", "build_s", "compile_s", "steps_s", "rest_s", "total_s")) + " |")
    body = "\n".join([
        "## A trial's time under JAX on this CPU (`bench/trial_time.py`)", "",
        machine_line("jax (CPU)"), "",
        "One trial per fresh process, seconds. compile = first epoch − second epoch (the train step's compile); "
        "steps = the second epoch's training steps; validation + test = each epoch's validation on 5,000 images and "
        "the test evaluation, with their compiles. MLP: the report's, all 55,000 "
        "images; CNN: the Géron CNN on 2,000 images, batch 32. 'cache warm': a second process finding JAX's "
        "persistent compilation cache that the first filled (`ablab.studies.worker.enable_jax_compilation_cache`, "
        "which every JAX worker turns on). Load average at the end: "
        f"{os.getloadavg()[0]:.1f}.", "",
        "| model | run | start-up | data | build | compile | steps (1 epoch) | validation + test | total |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |", *rows,
    ])
    print(body)
    if not args.no_write:
        write_section("trial-time-jax", body)


if __name__ == "__main__":
    main()
