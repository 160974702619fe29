"""Benchmark: `ablab reproduce --profile quick` (what `make run` runs), wall time per study and in all.

Runs the real command in a subprocess on a store (a fresh temporary one by default, so every trial runs), then
reads the store: per study, the span from its first trial's claim to its last trial's end, its trials, and the
sum of their wall times. Targets: Tables 1–7 ≤ 30 min, the clock-encodings study ≤ 15 min, on this 2-core CPU.

    .venv/bin/python bench/reproduce.py [--profile quick] [--store runs/ablab.db] [--out report] [--no-run]
        [--no-write]

--no-run only summarizes an existing store (e.g. after `make run`). Writes its section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import math
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _report import machine_line, write_section  # noqa: E402

TARGETS_MIN = {"tables": 30.0, "clock-encodings": 15.0}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--store", type=Path, default=None, help="default: a fresh temporary store")
    parser.add_argument("--out", type=Path, default=None, help="report folder (default: next to the store)")
    parser.add_argument("--no-run", action="store_true", help="only summarize the store")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    return parser.parse_args()


def run_reproduce(profile: str, store: Path, out: Path) -> float:
    """Wall seconds of `ablab reproduce` (the CLI of this interpreter's environment)."""
    cmd = [sys.executable, "-m", "ablab.cli", "reproduce", "--profile", profile, "--store", str(store),
           "--out", str(out), "--no-progress"]
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    return time.perf_counter() - start


def study_spans(store: Path, profile: str) -> list[dict]:
    """Per study (in run order): trials, first claim → last end (min), summed trial wall time (min), states."""
    query = """
        SELECT st.study, COUNT(*), MIN(t.created_at), MAX(t.updated_at), SUM(t.wall_time_s),
               GROUP_CONCAT(DISTINCT COALESCE(t.state, 'pending'))
        FROM (SELECT DISTINCT study, key FROM study_trials WHERE profile = ?) st LEFT JOIN trials t ON t.key = st.key
        GROUP BY st.study ORDER BY MIN(t.created_at) IS NULL, MIN(t.created_at)"""
    with sqlite3.connect(store) as db:
        rows = db.execute(query, (profile,)).fetchall()
    return [{"study": s, "trials": n, "start": a, "end": b, "span_min": None if a is None else (b - a) / 60,
             "trial_min": (w or 0) / 60, "states": states} for s, n, a, b, w, states in rows]


def _minutes(value: float | None) -> str:
    return "–" if value is None or math.isnan(value) else f"{value:.1f}"


def group_span_min(spans: list[dict], names: set[str]) -> float | None:
    """Minutes from the group's first claim to its last end; None unless every trial of it has finished; NaN
    when the run had none of its studies."""
    picked = [s for s in spans if s["study"] in names]
    if not picked:
        return float("nan")  # not part of this run
    if any({"pending", "running"} & set(s["states"].split(",")) for s in picked):
        return None
    return (max(s["end"] for s in picked) - min(s["start"] for s in picked)) / 60


def describe(spans: list[dict], wall_s: float | None, profile: str, loads: tuple) -> str:
    tables = {s["study"] for s in spans if s["study"].startswith("table")}
    measured = {"tables": group_span_min(spans, tables), "clock-encodings": group_span_min(spans, {"clock-encodings"})}
    lines = [
        "## Reproduce: every built-in study (`bench/reproduce.py`)", "", machine_line(os.environ.get("KERAS_BACKEND", "tensorflow")), "",
        f"Command: `ablab reproduce --profile {profile}` (= `make run`) on a fresh store, 2 local workers. "
        f"Load average before/after: {loads[0]} / {loads[1]} (the CPU is shared; other work inflates the times).", "",
        "| study | trials | first claim → last end (min) | sum of trial wall times (min) | states |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    lines += [f"| {s['study']} | {s['trials']} | {_minutes(s['span_min'])} | {s['trial_min']:.1f} | {s['states']} |" for s in spans]
    lines += ["", "| measure | value | target |", "| --- | ---: | ---: |"]
    for name, value in measured.items():
        verdict = ("unfinished" if value is None else "not in this run" if math.isnan(value)
                   else "meets" if value <= TARGETS_MIN[name] else "misses")
        lines.append(f"| {'Tables 1–7' if name == 'tables' else name} wall (min) | {_minutes(value)} | ≤ {TARGETS_MIN[name]:.0f} ({verdict}) |")
    if wall_s is not None:
        lines.append(f"| whole command incl. report (min) | {wall_s / 60:.1f} | |")
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    tmp = tempfile.mkdtemp(prefix="ablab-bench-reproduce-")
    store = args.store or Path(tmp) / "ablab.db"
    out = args.out or store.parent / "report"
    load_before = tuple(round(x, 2) for x in os.getloadavg()[:2])
    wall_s = None if args.no_run else run_reproduce(args.profile, store, out)
    load_after = tuple(round(x, 2) for x in os.getloadavg()[:2])
    body = describe(study_spans(store, args.profile), wall_s, args.profile, (load_before, load_after))
    print(body)
    if not args.no_write:
        print(f"wrote {write_section('reproduce', body)}")


if __name__ == "__main__":
    main()
