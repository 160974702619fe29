"""Clock reader benchmark: training time to the best reader, its accuracy on held-out `varied` and `single` clocks,
and `read` latency per image — written to docs/benchmarks.md.

Steps: (1) generate (or reuse, cached under --cache-dir) the training set of `varied` clocks and a `single` test set;
(2) train the best configuration (ablab.clock.read.train.train_reader), timing the fit; (3) score the varied test split
and the single set with the common-sense error; (4) save the reader, load it as `ablab clock read` does, and time
reading one PNG file many times (median, after a warm-up). The CPU is shared, so the load average is recorded.

    .venv/bin/python bench/clock_reader.py [--config '{"epochs": 12}'] [--cache-dir DIR] [--out FILE.keras]
        [--reads 50] [--no-write] [--rescore SUMMARY.json]

Each run also writes its summary as JSON beside the model (FILE.json). --rescore SUMMARY.json skips training: it
scores that run's saved reader again with the current reading code and times `read` again, keeping the run's
training time (for a change that only touches reading).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(__file__))

from ablab.cli import configure_backend  # noqa: E402

configure_backend([])  # the process as `ablab` sets it up (backend, allocators), so reads are timed as users wait

FIELDS = ("n", "mean_cse_min", "median_cse_min", "within_1min", "within_5min", "hour_accuracy")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default="{}", help="JSON overrides of the best ClockTrialConfig (best_config())")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache-dir", default=None,
                        help="dataset cache (default: $ABLAB_CACHE or ~/.cache/ablab/datasets)")
    parser.add_argument("--out", default=None, help="where to keep the trained reader (.keras)")
    parser.add_argument("--reads", type=int, default=50, help="timed single-image reads")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    parser.add_argument("--rescore", default=None, help="a run's summary JSON: score its reader again, no training")
    return parser.parse_args()


def read_latency_ms(model_path: Path, image, reads: int) -> tuple[float, float]:
    """(load time ms, median ms per single-image read of a PNG file) through the `read` command's code path."""
    from PIL import Image

    from ablab.clock.read.reader import load_reader, read_files

    start = time.perf_counter()
    reader = load_reader(model_path)
    load_ms = 1000 * (time.perf_counter() - start)
    with tempfile.TemporaryDirectory() as tmp:
        png = Path(tmp) / "clock.png"
        Image.fromarray(image).save(png)
        for _ in range(3):
            read_files(reader, [png])  # warm-up (first call traces)
        times = []
        for _ in range(reads):
            start = time.perf_counter()
            read_files(reader, [png])
            times.append(1000 * (time.perf_counter() - start))
    return load_ms, statistics.median(times)


def main() -> None:
    args = parse_args()
    import keras

    from ablab.clock.data.sets import clock_data, preset_test_set
    from ablab.clock.read.config import ClockTrialConfig, best_config
    from ablab.clock.read.train import train_reader

    config = ClockTrialConfig(**{**best_config().model_dump(), **json.loads(args.config)})
    from ablab.commands._options import resolve_cache_dir

    cache = resolve_cache_dir(args.cache_dir)
    start = time.perf_counter()
    data = clock_data(config.preset, config.n_images, size=config.image_size, seed=config.data_seed, data_dir=cache)
    single = preset_test_set("single", config, data_dir=cache)
    data_s = time.perf_counter() - start
    load_before = os.getloadavg()[0]
    if args.rescore:
        summary = rescored(json.loads(Path(args.rescore).read_text()), data, single, args.reads)
    else:
        out = Path(args.out) if args.out else cache / f"bench-clock-reader-{config.encoding}.keras"
        result = train_reader(config, args.seed, data, model_path=out, progress=True, extra_tests={"single": single})
        load_after = os.getloadavg()[0]
        load_ms, read_ms = read_latency_ms(out, data.test.images[0], args.reads)
        summary = {"config": config.model_dump(mode="json"), "data_s": data_s, "metrics": result["metrics"],
                   "load_ms": load_ms, "read_ms": read_ms, "load_avg": [load_before, load_after], "model": str(out),
                   "backend": keras.backend.backend(), "trained": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
        out.with_suffix(".json").write_text(json.dumps(summary, indent=1, default=float))
    print(json.dumps(summary, indent=1, default=float))
    if not args.no_write:
        from _report import machine_line, write_section

        write_section("clock_reader", render(summary, machine_line(keras.backend.backend())))


def rescored(summary: dict, data, single, reads: int) -> dict:
    """A run's summary with its reader scored again on the same test sets and `read` timed again."""
    from ablab.clock.read.reader import load_reader
    from ablab.clock.read.train import evaluate_reader

    model_path = Path(summary["model"])
    reader = load_reader(model_path)  # the reader `read` and `evaluate` use
    metrics = {**summary["metrics"], **evaluate_reader(reader, data.test.images, data.test.labels)}
    metrics["single"] = evaluate_reader(reader, single.images, single.labels)
    load_ms, read_ms = read_latency_ms(model_path, data.test.images[0], reads)
    return {**summary, "metrics": metrics, "load_ms": load_ms, "read_ms": read_ms,
            "rescored": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}


def render(s: dict, machine: str) -> str:
    c, m = s["config"], s["metrics"]
    rows = [("varied, test split", m), ("single, own set", m.get("single", {}))]
    table = "\n".join(
        f"| {name} | {r.get('n')} | {r.get('mean_cse_min', float('nan')):.2f} "
        f"| {r.get('median_cse_min', float('nan')):.1f} "
        f"| {r.get('within_1min', float('nan')):.3f} | {r.get('within_5min', float('nan')):.3f} "
        f"| {r.get('hour_accuracy', float('nan')):.3f} |"
        for name, r in rows
    )
    n_train = int(round(c["n_images"] * 0.8))
    from ablab.clock.read.networks import get_arch

    arch = get_arch(c["model"])
    second = f", then its {arch.second_stage} stage {arch.second_epochs} epochs" if arch.second_stage else ""
    views = _read_views_text(arch.second_stage)
    return f"""## Clock reader (`bench/clock_reader.py`)

{machine}

Best configuration: encoding `{c['encoding']}`, model `{c['model']}`: {c['epochs']} epochs of {n_train} `{c['preset']}`
training images{second} (batch {c['batch_size']}, lr {c['lr']}, {c['lr_schedule']}, {c['precision']}). Load average
{s['load_avg'][0]:.1f} at the start of training, {s['load_avg'][1]:.1f} at the end (2 shared cores).{_when(s)}

| | value |
| --- | ---: |
| training time (fit, wall, both stages) | {m['train_time_s'] / 60:.1f} min (first stage \
{m['samples_per_s']:.0f} samples/s) |
| of which the second stage (inputs + fit) | {m.get('second_stage_time_s', 0.0) / 60:.1f} min |
| data generation / loading | {s['data_s']:.0f} s |
| model load | {s['load_ms']:.0f} ms |
| `read`, one PNG, after load (median of runs; {views}) | {s['read_ms']:.1f} ms |

| test set | n | mean CSE min | median CSE min | within 1 min | within 5 min | hour accuracy |
| --- | ---: | ---: | ---: | ---: | ---: | ---: |
{table}

Targets (issue 5): mean ≤ 1.0 min and ≥ 90% within ±1 min on both; training ≤ 30 min; read ≤ 50 ms.
"""


def _read_views_text(second_stage: str) -> str:
    from ablab.clock.read.tta import TTA_ANGLES_DEG

    turns = 1 if second_stage else len(TTA_ANGLES_DEG)  # ablab.clock.read.reader.Reader.of
    text = "the point reader once" if turns == 1 else f"the point reader on {turns} turned copies"
    return f"{text}, then its {second_stage} stage" if second_stage else text


def _when(s: dict) -> str:
    if "rescored" not in s:
        return ""
    return (f" Trained {s.get('trained', 'earlier')}; the reader was scored and timed again {s['rescored']} with the "
            "current reading code (`--rescore`).")


if __name__ == "__main__":
    main()
