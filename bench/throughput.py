"""Training throughput (samples/s) of Géron's MLP and CNN: through ablab vs the same model in raw Keras.

Both paths train on the same uint8 MNIST images with the same batch size, optimizer and seed; the first epoch
(tracing, warm-up) is dropped and the median of the remaining epochs' step time is reported. Runs alternate
(ablab, raw, ablab, raw, …) so that load from other processes hits both alike.

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


def run_raw(model_name: str, splits, args) -> list[float]:
    import keras

    from ablab.train.run import EpochTimer

    keras.utils.set_random_seed(0)
    model = raw_keras_model(model_name)
    timer = EpochTimer()
    model.fit(splits.x_train[: args.subset], splits.y_train[: args.subset], batch_size=32, epochs=args.epochs,
              validation_data=(splits.x_valid, splits.y_valid), callbacks=[timer], verbose=0)
    return timer.epoch_time_s


def run_ablab(model_name: str, args) -> tuple[list[float], float, float]:
    """Through run_trial, the path every study trial takes. Returns epoch times, fit time and wall time."""
    from ablab.models import make_config
    from ablab.train import TrialSpec
    from ablab.train.run import run_trial

    config = make_config({"model": model_name, "dataset": "mnist", "train_subset": args.subset,
                          "epochs": args.epochs})
    result = run_trial(TrialSpec(config, seed=0), data_dir=args.cache_dir)
    return result.history["epoch_time_s"], result.fit_time_s, result.wall_time_s


def samples_per_s(epoch_times: list[float], subset: int) -> float:
    return subset / statistics.median(epoch_times[1:])


def measure(model_name: str, splits, args) -> dict:
    ablab_rates, raw_rates = [], []
    for _ in range(args.repeats):
        ablab_rates.append(samples_per_s(run_ablab(model_name, args)[0], args.subset))
        raw_rates.append(samples_per_s(run_raw(model_name, splits, args), args.subset))
    ablab_rate, raw_rate = statistics.median(ablab_rates), statistics.median(raw_rates)
    return {"model": model_name, "ablab": ablab_rate, "raw": raw_rate, "ratio": ablab_rate / raw_rate}


def main() -> None:
    args = parse_args()
    os.environ["KERAS_BACKEND"] = args.backend
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    from _report import machine_line, write_section

    from ablab.data import load_dataset

    splits = load_dataset("mnist", cache_dir=args.cache_dir)
    started = time.perf_counter()
    rows = [measure(name, splits, args) for name in args.models.split(",")]
    lines = [
        "## Training throughput: ablab vs raw Keras (`bench/throughput.py`)",
        "",
        machine_line(args.backend),
        "",
        f"MNIST, batch 32, SGD, {args.subset} training images per epoch, {args.epochs} epochs per run (first "
        f"dropped), median of {args.repeats} alternating runs per path. Target: ablab ≥ 0.95× raw Keras.",
        "",
        "| model | ablab samples/s | raw Keras samples/s | ratio |",
        "|---|---:|---:|---:|",
        *[f"| {r['model']} | {r['ablab']:.0f} | {r['raw']:.0f} | {r['ratio']:.3f} |" for r in rows],
        "",
        f"Bench wall time: {time.perf_counter() - started:.0f} s.",
    ]
    print("\n".join(lines))
    print(f"written to {write_section('throughput', chr(10).join(lines))}")


if __name__ == "__main__":
    main()
