"""Benchmark: `ablab reproduce --profile quick` (what `make run` runs), wall and CPU time per study and in all,
the quick reference CNN's accuracy and the claims the Findings decide.

Runs the real command in a subprocess on a store (a fresh temporary one by default, so every trial runs), then
reads the store: per study, the span from its first trial's claim to its last trial's end, its trials, and the
sum of their wall times; the reference CNN's test accuracy per dataset; the Findings' verdicts (report.md).
Targets on this 2-core CPU: `make run` ≤ 30 min; quick reference CNN ≥ 0.95 MNIST, ≥ 0.80 Fashion-MNIST;
≥ 12 of 19 claims decided on a CPU with native bf16 (issue 29), the MLP claims, T1-1 and T3-1 on any.

    .venv/bin/python bench/reproduce.py [--profile quick] [--budget 24m] [--store runs/ablab.db] [--out report]
        [--no-run] [--wall-s S --cpu-s S --resume-s S] [--note TEXT] [--no-write]

--no-run only summarizes an existing store (e.g. after `make run` on a fresh clone, whose wall, CPU and resume
times are passed in). Writes its section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _report import machine_line, write_section  # noqa: E402

TARGETS_MIN = {"tables": 30.0, "clock-encodings": 15.0}
REFERENCE_CNN = ("Batch size and epochs", "BS=256 Ep=10")  # Table 5's row: the tuned reference CNN
ACCURACY_TARGETS = {"mnist": 0.95, "fashion-mnist": 0.80}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--store", type=Path, default=None, help="default: a fresh temporary store")
    parser.add_argument("--out", type=Path, default=None, help="report folder (default: next to the store)")
    parser.add_argument("--budget", default="24m", help="--budget of the reproduce run (as make run)")
    parser.add_argument("--no-run", action="store_true", help="only summarize the store")
    parser.add_argument("--wall-s", type=float, default=None, help="measured wall of an external run (make run)")
    parser.add_argument("--cpu-s", type=float, default=None, help="its CPU time (user + sys, children included)")
    parser.add_argument("--resume-s", type=float, default=None, help="wall of a second run (resume)")
    parser.add_argument("--note", default="", help="how the run was made (fresh clone, commit, load)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    return parser.parse_args()


def run_reproduce(profile: str, budget: str, store: Path, out: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + sys of the command and its workers) of `ablab reproduce`."""
    cmd = [sys.executable, "-m", "ablab.cli", "reproduce", "--profile", profile, "--budget", budget, "--store",
           str(store), "--out", str(out), "--no-progress"]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.perf_counter() - start, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def reference_accuracy(store: Path, profile: str) -> dict[str, list[float]]:
    """The quick reference CNN's test accuracies per dataset (one per seed)."""
    query = """SELECT st.dataset, t.test_accuracy FROM study_trials st JOIN trials t ON t.key = st.key
               WHERE st.profile = ? AND st.grp = ? AND st.row = ? AND t.state = 'complete' ORDER BY st.seed"""
    with sqlite3.connect(store) as db:
        rows = db.execute(query, (profile, *REFERENCE_CNN)).fetchall()
    found: dict[str, list[float]] = {}
    for dataset, accuracy in rows:
        found.setdefault(dataset, []).append(accuracy)
    return found


def findings(out: Path) -> tuple[str, list[tuple[str, str, str, str]]]:
    """The Findings' count line and (id, verdict, trials, seeds to decide, at the report's settings) per claim, from
    report.md (the last column only where the store holds the shipped run's verdicts)."""
    md = (out / "report.md").read_text() if (out / "report.md").exists() else ""
    count = next((line for line in md.splitlines() if "Decided (confirmed or refuted)" in line), "")
    rows = re.findall(r"^\| ((?:MLP|CNN|T1|T3)-\d+) \| [^|]* \| ([^|]*) \| [^|]* \| ([^|]*) \| ([^|]*) \|"
                      r"(?: ([^|]*) \|)?$", md, re.M)
    return count, [tuple(x.strip() for x in r) for r in rows]


def decision_meta(store: Path, profile: str) -> dict:
    with sqlite3.connect(store) as db:
        row = db.execute("SELECT meta_json FROM artifacts WHERE name = ?", (f"decision:{profile}",)).fetchone()
    return json.loads(row[0]) if row else {}


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


def _outcomes_lines(store: Path, out: Path, profile: str) -> list[str]:
    accuracy = reference_accuracy(store, profile)
    lines = ["", "| quick reference CNN (Table 5 BS=256 Ep=10) | test accuracy per seed | target |",
             "| --- | --- | ---: |"]
    for dataset, target in ACCURACY_TARGETS.items():
        values = accuracy.get(dataset, [])
        verdict = "meets" if values and min(values) >= target else "misses" if values else "not run"
        lines.append(f"| {dataset} | {', '.join(f'{v:.4f}' for v in values) or '–'} | ≥ {target} ({verdict}) |")
    count, claims = findings(out)
    meta = decision_meta(store, profile)
    lines += ["", f"Findings: {count}", f"Decision mode: {meta}" if meta else "", "",
              "| claim | verdict (this run) | trials | seeds to decide | at the report's settings (shipped run) |",
              "| --- | --- | ---: | --- | --- |"]
    lines += [f"| {c} | {v} | {t} | {n} | {shipped or '–'} |" for c, v, t, n, shipped in claims]
    return lines


def describe(spans: list[dict], times: dict, args, loads: tuple, out: Path, store: Path) -> str:
    tables = {s["study"] for s in spans if s["study"].startswith("table")}
    measured = {"tables": group_span_min(spans, tables), "clock-encodings": group_span_min(spans, {"clock-encodings"})}
    lines = [
        "## Reproduce: every built-in study (`bench/reproduce.py`)", "",
        machine_line(os.environ.get("KERAS_BACKEND", "tensorflow")), "",
        f"Command: `ablab reproduce --profile {args.profile} --budget {args.budget}` (= `make run`), 2 local workers. "
        f"{args.note} Load average before/after: {loads[0]} / {loads[1]} (the CPU is shared; other work inflates "
        "the times).", "",
        "| study | trials | first claim → last end (min) | sum of trial wall times (min) | states |",
        "| --- | ---: | ---: | ---: | --- |",
    ]
    lines += [f"| {s['study']} | {s['trials']} | {_minutes(s['span_min'])} | {s['trial_min']:.1f} | {s['states']} |"
              for s in spans]
    lines += ["", "| measure | value | target |", "| --- | ---: | ---: |"]
    for name, value in measured.items():
        verdict = ("unfinished" if value is None else "not in this run" if math.isnan(value)
                   else "meets" if value <= TARGETS_MIN[name] else "misses")
        lines.append(f"| {'Tables 1–7' if name == 'tables' else name} wall (min) | {_minutes(value)} "
                     f"| ≤ {TARGETS_MIN[name]:.0f} ({verdict}) |")
    if times.get("wall_s") is not None:
        lines.append(f"| whole command incl. set-up and report: wall (min) | {times['wall_s'] / 60:.1f} | ≤ 30 |")
    if times.get("cpu_s") is not None:
        lines.append(f"| … CPU time, user + sys, workers included (min) | {times['cpu_s'] / 60:.1f} | |")
    if times.get("resume_s") is not None:
        lines.append(f"| second run (resume) wall (s) | {times['resume_s']:.0f} | seconds |")
    return "\n".join(lines + _outcomes_lines(store, out, args.profile))


def main() -> None:
    args = parse_args()
    tmp = tempfile.mkdtemp(prefix="ablab-bench-reproduce-")
    store = args.store or Path(tmp) / "ablab.db"
    out = args.out or store.parent / "report"
    load_before = tuple(round(x, 2) for x in os.getloadavg()[:2])
    times = {"wall_s": args.wall_s, "cpu_s": args.cpu_s, "resume_s": args.resume_s}
    if not args.no_run:
        times["wall_s"], times["cpu_s"] = run_reproduce(args.profile, args.budget, store, out)
    load_after = tuple(round(x, 2) for x in os.getloadavg()[:2])
    body = describe(study_spans(store, args.profile), times, args, (load_before, load_after), out, store)
    print(body)
    if not args.no_write:
        print(f"wrote {write_section('reproduce', body)}")


if __name__ == "__main__":
    main()
