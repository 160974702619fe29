"""Benchmark: the MLP Tables 2–4 over N seeds through `ablab study run`'s driver, wall time and per-trial overhead.

Overhead per trial = the driver's time for the trial (claim → submit → outcome → stored) minus the time
run_trial spent in fit + evaluate; i.e. seeding, the (memoized) dataset, model build/compile, process hand-off,
result transfer and the store write. Workers' first trials (keras import, dataset load) are reported apart.

    .venv/bin/python bench/studies.py [--seeds 3] [--workers 2] [--tables table2 table3 table4]

Writes its section of docs/benchmarks.md (machine, backend, date, load average).
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
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _report import machine_line, write_section  # noqa: E402

TARGET_WALL_S = 30 * 60
TARGET_OVERHEAD = 0.05


def run(tables: list[str], seeds: int, workers: int, store_path: Path, data_dir: Path | None):
    from ablab.store import Store
    from ablab.studies.catalog import load_builtin
    from ablab.studies.executors import make_executor
    from ablab.studies.runner import run_studies

    specs = [load_builtin(name) for name in tables]
    executor = make_executor("local", workers=workers, data_dir=data_dir, backend=os.environ["KERAS_BACKEND"])
    return run_studies(specs, Store(store_path), executor, profile="full", seeds=seeds, data_dir=data_dir)


def describe(summary, tables, seeds, workers, load_before, load_after) -> str:
    warm = [t for t in summary.timings if not t.first_in_worker]
    cold = [t for t in summary.timings if t.first_in_worker]
    fractions = [t.overhead_s / t.driver_s for t in warm]
    median_trial = statistics.median(t.driver_s for t in warm) if warm else float("nan")
    median_overhead = statistics.median(t.overhead_s for t in warm) if warm else float("nan")
    verdict_wall = "meets" if summary.wall_time_s <= TARGET_WALL_S else "misses"
    verdict_overhead = "meets" if fractions and statistics.median(fractions) <= TARGET_OVERHEAD else "misses"
    return "\n".join([
        "## Studies: MLP Tables 2–4 through the study driver",
        "",
        machine_line(os.environ["KERAS_BACKEND"]),
        "",
        f"Command: `.venv/bin/python bench/studies.py --seeds {seeds} --workers {workers} --tables {' '.join(tables)}`"
        f" (profile full = the report's settings: 1 epoch, 55,000 training images, batch 32)."
        f" Load average before/after: "
        f"{load_before} / {load_after} (the CPU is shared; other work inflates the times).",
        "",
        "| measure | value | target |",
        "|---|---:|---|",
        f"| cells (rows × datasets × seeds) | {summary.cells} | |",
        f"| distinct trials run | {summary.ran} (complete {summary.complete}, diverged {summary.diverged}, "
        f"failed {summary.failed}) | |",
        f"| wall time | {summary.wall_time_s / 60:.1f} min | ≤ 30 min: {verdict_wall} |",
        f"| median trial (driver side, warm worker) | {median_trial:.2f} s | |",
        f"| median per-trial overhead (all but fit + evaluate) | {median_overhead:.3f} s | |",
        f"| overhead share, median / mean / max (warm) | {100 * statistics.median(fractions):.2f}% / "
        f"{100 * statistics.fmean(fractions):.2f}% / {100 * max(fractions):.2f}% | ≤ 5%: {verdict_overhead} |"
        if fractions else "| overhead share | – | |",
        f"| first trial per worker (keras import, dataset load) | "
        f"{', '.join(f'{t.overhead_s:.1f} s' for t in cold)} overhead | one-off |",
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--tables", nargs="+", default=["table2", "table3", "table4"])
    parser.add_argument("--store", type=Path, default=None, help="default: a fresh temporary store")
    parser.add_argument("--cache-dir", type=Path, default=None)
    args = parser.parse_args()
    store = args.store or Path(tempfile.mkdtemp(prefix="ablab-bench-")) / "bench.db"
    load_before = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    start = time.perf_counter()
    summary = run(args.tables, args.seeds, args.workers, store, args.cache_dir)
    load_after = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    body = describe(summary, args.tables, args.seeds, args.workers, load_before, load_after)
    print(body)
    print(f"store: {store}; total {time.perf_counter() - start:.0f} s")
    print(f"wrote {write_section('studies', body)}")


if __name__ == "__main__":
    main()
