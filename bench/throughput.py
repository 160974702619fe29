"""Training throughput (samples/s) of Géron's MLP and CNN: through ablab vs the same model in raw Keras.

Both paths train on the same uint8 MNIST images with the same batch size, optimizer and seed, validate each epoch
and evaluate on test. Two figures per path: wall-clock samples/s (first epoch, with tracing, dropped; median of the
rest) and samples per CPU-second of the whole run (process CPU time, all threads), which is robust to other
processes sharing the machine. Runs alternate (ablab, raw, ablab, raw, …) so that outside load hits both alike.

    .venv/bin/python bench/throughput.py [--backend tensorflow] [--subset 8192] [--epochs 3] [--repeats 2]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(__file__))


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", default=os.environ.get("KERAS_BACKEND", "tensorflow"))
    parser.add_argument("--subset", type=int, default=8192, help="training images per epoch")
    parser.add_argument("--epochs", type=int, default=3, help="epochs per run (the first is dropped)")
    parser.add_argument("--repeats", type=int, default=2, help="alternating ablab/raw runs per model")
    parser.add_argument("--cache-dir", default=None)
    parser.add_argument("--models", default="mlp,cnn", help="comma-separated: mlp, cnn")
    return parser.parse_args()


def raw_keras_model(model_name: str):
    """Géron's networks written directly in Keras (ch.10 and ch.14), independent of ablab.models."""
    import keras
    from keras import layers

    stem = [keras.Input((28, 28), dtype="uint8"), layers.Rescaling(1 / 255.0)]
    if model_name == "mlp":
        body = [layers.Flatten(), layers.Dense(300, activation="relu"), layers.Dense(100, activation="relu")]
    else:
        conv = lambda f, k=3: layers.Conv2D(f, k, padding="same", activation="relu")  # noqa: E731
        body = [layers.Reshape((28, 28, 1)), conv(64, 7), layers.MaxPooling2D(2), conv(128), conv(128),
                layers.MaxPooling2D(2), conv(256), conv(256), layers.MaxPooling2D(2), layers.Flatten(),
                layers.Dense(128, activation="relu"), layers.Dropout(0.5), layers.Dense(64, activation="relu"),
                layers.Dropout(0.5)]
    model = keras.Sequential([*stem, *body, layers.Dense(10, activation="softmax")])
    model.compile(optimizer=keras.optimizers.SGD(), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def run_raw(model_name: str, splits, args) -> tuple[list[float], float]:
    """Returns (epoch times, CPU seconds of fit + test evaluation)."""
    import keras

    from ablab.train.run import EpochTimer

    cpu_start = time.process_time()
    keras.utils.set_random_seed(0)
    model = raw_keras_model(model_name)
    timer = EpochTimer()
    model.fit(splits.x_train[: args.subset], splits.y_train[: args.subset], batch_size=32, epochs=args.epochs,
              validation_data=(splits.x_valid, splits.y_valid), callbacks=[timer], verbose=0)
    model.evaluate(splits.x_test, splits.y_test, batch_size=256, verbose=0)
    return timer.epoch_time_s, time.process_time() - cpu_start


def run_ablab(model_name: str, args) -> tuple[list[float], float]:
    """Through run_trial, the path every study trial takes. Returns (epoch times, CPU seconds of the trial)."""
    from ablab.models import make_config
    from ablab.train import TrialSpec
    from ablab.train.run import run_trial

    config = make_config({"model": model_name, "dataset": "mnist", "train_subset": args.subset,
                          "epochs": args.epochs})
    cpu_start = time.process_time()
    result = run_trial(TrialSpec(config, seed=0), data_dir=args.cache_dir)
    return result.history["epoch_time_s"], time.process_time() - cpu_start


def samples_per_s(epoch_times: list[float], subset: int) -> float:
    return subset / statistics.median(epoch_times[1:])


def measure(model_name: str, splits, args) -> dict:
    wall = {"ablab": [], "raw": []}
    cpu = {"ablab": [], "raw": []}
    samples = args.subset * args.epochs
    for _ in range(args.repeats):
        for path, (epochs, cpu_s) in (("ablab", run_ablab(model_name, args)),
                                      ("raw", run_raw(model_name, splits, args))):
            wall[path].append(samples_per_s(epochs, args.subset))
            cpu[path].append(samples / cpu_s)
    row = {"model": model_name}
    for path in ("ablab", "raw"):
        row[path], row[f"{path}_cpu"] = statistics.median(wall[path]), statistics.median(cpu[path])
    row["ratio"], row["cpu_ratio"] = row["ablab"] / row["raw"], row["ablab_cpu"] / row["raw_cpu"]
    return row


def main() -> None:
    args = parse_args()
    os.environ["KERAS_BACKEND"] = args.backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from _report import machine_line, write_section

    from ablab.data import load_dataset

    splits = load_dataset("mnist", cache_dir=args.cache_dir)
    started, load_before = time.perf_counter(), os.getloadavg()[0]
    rows = [measure(name, splits, args) for name in args.models.split(",")]
    lines = [
        "## Training throughput: ablab vs raw Keras (`bench/throughput.py`)",
        "",
        machine_line(args.backend),
        "",
        f"MNIST, batch 32, SGD, {args.subset} training images per epoch, {args.epochs} epochs per run (first "
        f"dropped), median of {args.repeats} alternating runs per path. Target: ablab ≥ 0.95× raw Keras.",
        "",
        "| model | ablab samples/s | raw Keras samples/s | wall ratio | ablab samples/CPU-s | raw samples/CPU-s "
        "| CPU ratio |",
        "|---|---:|---:|---:|---:|---:|---:|",
        *[f"| {r['model']} | {r['ablab']:.0f} | {r['raw']:.0f} | {r['ratio']:.3f} | {r['ablab_cpu']:.0f} | "
          f"{r['raw_cpu']:.0f} | {r['cpu_ratio']:.3f} |" for r in rows],
        "",
        f"Bench wall time: {time.perf_counter() - started:.0f} s; load average before/after: {load_before:.1f} / "
        f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores. Wall-clock ratios are only meaningful on an idle "
        "machine; the CPU-time ratio (the ablab trial also loads its dataset) holds under load.",
    ]
    print("\n".join(lines))
    print(f"written to {write_section('throughput', chr(10).join(lines))}")


if __name__ == "__main__":
    main()
