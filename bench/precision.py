"""Benchmark: the Géron CNN in float32 against mixed bfloat16 on this CPU: image-passes/s and test accuracy over
seeds, at the quick profile's CNN settings (the first 8,000 training images, 3 epochs, batch 32, tested on the
first 2,000 test images), MNIST.

Runs as a study (two rows, `precision: float32` and `precision: bfloat16`, seeds 0..N-1) through the same path as
`ablab study run` (2 local workers), in a scratch store, and writes its section of docs/benchmarks.md with the CPU's
bf16 flags, so the figure says whether bf16 was native (AMX / AVX512-BF16) or emulated.

    .venv/bin/python bench/precision.py [--seeds 3] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _report import machine_line, write_section  # noqa: E402

from ablab.data.fetch import default_cache_dir  # noqa: E402
from ablab.precision import BF16_CPU_FLAGS, cpu_flags  # noqa: E402
from ablab.store import Store  # noqa: E402
from ablab.studies.session import RunOptions, run_specs  # noqa: E402
from ablab.studies.spec import parse_spec  # noqa: E402

QUICK_CNN = {"labels": "onehot", "optimizer": "rmsprop", "learning_rate": 0.001, "batch_size": 32, "epochs": 3,
             "train_subset": 8000, "valid_subset": 500, "test_subset": 2000}


def spec(seeds: int):
    return parse_spec({
        "name": "precision", "model": "cnn", "datasets": ["mnist"], "base": QUICK_CNN, "seeds": seeds,
        "vary": [{"group": "Precision", "rows": [{"label": p, "set": {"precision": p}}
                                                  for p in ("float32", "bfloat16")]}]})


def run(seeds: int, store_path: Path) -> None:
    run_specs([spec(seeds)], RunOptions(store_path=store_path, data_dir=default_cache_dir(), profile="full",
                                        workers=2, progress=True))


def summarize(store_path: Path) -> dict[str, list]:
    """Per precision: (test accuracy, image-passes/s in fit) of each finished trial."""
    passes = QUICK_CNN["train_subset"] * QUICK_CNN["epochs"]
    out: dict[str, list] = {"float32": [], "bfloat16": []}
    for r in Store(store_path).trials(state="complete"):
        out[r.config.get("precision", "float32")].append((r.test_accuracy, passes / r.fit_time_s))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--store", type=Path, default=None, help="keep the trials here (default: a temporary store)")
    parser.add_argument("--no-run", action="store_true", help="only summarize --store (e.g. a run cut short)")
    parser.add_argument("--note", default="", help="how the run was made")
    args = parser.parse_args()
    start, cpu = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory() as tmp:
        store_path = args.store or Path(tmp) / "s.db"
        if not args.no_run:
            run(args.seeds, store_path)
        results = summarize(store_path)
    wall = time.perf_counter() - start
    native = sorted(cpu_flags() & BF16_CPU_FLAGS)
    lines = ["| precision | image-passes/s in fit (mean of trials) | test accuracy per seed | mean |",
             "| --- | ---: | --- | ---: |"]
    for name, trials in results.items():
        accs = [a for a, _ in trials]
        if trials:
            lines.append(f"| {name} | {statistics.fmean(s for _, s in trials):.0f} | "
                         f"{', '.join(f'{a:.4f}' for a in accs)} | {statistics.fmean(accs):.4f} |")
    body = "\n".join([
        "## Géron CNN: float32 against mixed bfloat16 (`bench/precision.py`)", "",
        machine_line("tensorflow"), "",
        f"bf16 on this CPU: {'native (' + ', '.join(native) + ')' if native else 'emulated (no AMX, no AVX512-BF16)'};"
        f" `precision: auto` picks {'bfloat16' if native else 'float32'} here. The quick profile's CNN (first 8,000 "
        f"MNIST training images, 3 epochs, batch 32, first 2,000 test images), seeds 0–{args.seeds - 1}, 2 workers "
        f"of one thread each, through `ablab.studies.session.run_specs`. Load average at the end: "
        f"{os.getloadavg()[0]:.1f}. {args.note}", "", *lines, "",
        f"Bench wall {wall / 60:.1f} min (driver CPU {time.process_time() - cpu:.0f} s)." if not args.no_run else "",
    ])
    print(body)
    if not args.no_write:
        write_section("precision", body)


if __name__ == "__main__":
    main()
