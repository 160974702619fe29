"""Adapting the shipped reader to a held-out design from labels alone, against the shipped reader as it is and
against a label-only encoding trained from scratch on the same data for about the same time; writes the section
"Adapting the shipped reader from labels alone" of docs/benchmarks.md.

The data is a held-out family's one design in the report's format (images.npy, labels.npy only), e.g.
`ablab clock generate --preset light-hands@4 --n 18000 --seed 0 --out DIR` with everything but those two files
removed. Each step runs the user's command under `/usr/bin/time -v` and is skipped when its result exists, so an
interrupted run resumes:

    .venv/bin/python bench/adapt_reader.py --data DIR --work runs/adapt [--minutes 30] [--scratch-epochs 8]
        [--encoding periodic] [--preset light-hands@4]

1. `ablab clock train --data DIR --minutes M`: the adaptation (the same 80/10/10 split, split seed 0);
2. `ablab clock train --data DIR --encoding E --epochs N`: E from scratch, N epochs chosen to take about M minutes;
3. `ablab clock evaluate --data DIR --model <a copy of the shipped reader>`: the shipped reader on the test split,
   read as the other two are (a copy: no "uncertain" threshold, so no search for missed dials).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

ROOT = Path(__file__).resolve().parents[1]
FIELDS = ("n", "mean_cse_min", "median_cse_min", "within_1min", "within_5min", "hour_accuracy")


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, required=True, help="labels-only clock directory")
    parser.add_argument("--work", type=Path, default=ROOT / "runs" / "adapt", help="store, models, logs")
    parser.add_argument("--minutes", type=float, default=30.0, help="the adaptation's budget")
    parser.add_argument("--encoding", default="periodic", help="the label-only encoding trained from scratch")
    parser.add_argument("--scratch-epochs", type=int, default=8, help="its epochs (about --minutes on this CPU)")
    parser.add_argument("--preset", default="light-hands@4", help="what DIR was generated as (for the text)")
    return parser.parse_args()


def ablab(args: list[str], log: Path) -> tuple[str, str]:
    """Run `ablab ARGS` under /usr/bin/time -v (its report into log); returns (stdout, stderr)."""
    exe = Path(sys.executable).parent / "ablab"
    done = subprocess.run(["/usr/bin/time", "-v", "-o", str(log), str(exe), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"ablab {' '.join(args)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return done.stdout, done.stderr


def wall_cpu_s(log: Path) -> tuple[float, float]:
    from _report import time_v

    t = time_v(log.read_text())
    return t["wall_s"], t["user_s"] + t["system_s"]


def step(work: Path, name: str, argv: list[str]) -> dict:
    """One measured command, once: {"stdout", "stderr_tail" (the adaptation's validation curve is printed
    there), "wall_s", "cpu_s"} kept in work/NAME.json."""
    saved = work / f"{name}.json"
    if saved.is_file():
        return json.loads(saved.read_text())
    log = work / f"{name}.time"
    stdout, stderr = ablab(argv, log)
    wall, cpu = wall_cpu_s(log)
    result = {"argv": argv, "stdout": stdout, "stderr_tail": stderr[-3000:], "wall_s": round(wall, 1),
              "cpu_s": round(cpu, 1)}
    saved.write_text(json.dumps(result, indent=1))
    return result


def test_metrics(store: Path, model: Path) -> dict:
    """What `clock train` recorded for `model` (its test split) in the store (the latest: a rerun replaces it)."""
    from ablab.clock.read.registry import recorded_readers

    entries = recorded_readers(store)
    return next(e["metrics"] for e in reversed(entries) if Path(e["path"]) == model.resolve())


def main() -> None:
    from ablab.clock.read.shipped import SHIPPED_READER

    args = parse_args()
    work = args.work
    work.mkdir(parents=True, exist_ok=True)
    store, adapted, scratch = work / "ablab.db", work / "adapted.keras", work / f"scratch-{args.encoding}.keras"
    common = ["--data", str(args.data), "--store", str(store)]
    adapt = step(work, "adapt", ["clock", "train", *common, "--minutes", str(args.minutes), "--out", str(adapted)])
    fresh = step(work, "scratch", ["clock", "train", *common, "--encoding", args.encoding, "--epochs",
                                   str(args.scratch_epochs), "--out", str(scratch)])
    copy = work / "shipped.keras"  # not the shipped path: read as the adapted reader is, without the search
    shutil.copyfile(SHIPPED_READER, copy)
    before = step(work, "before", ["clock", "evaluate", *common, "--model", str(copy), "--json"])
    rows = [("the shipped reader as it is", json.loads(before["stdout"]), None),
            (f"adapted from the labels ({args.minutes:g} min budget)", test_metrics(store, adapted), adapt),
            (f"`{args.encoding}` from scratch, {_epochs(fresh)} epochs", test_metrics(store, scratch), fresh)]
    from _report import machine_line, write_section

    write_section("adapt_reader", render(args, rows, machine_line("tensorflow")))
    print(render(args, rows, ""))


def _epochs(result: dict) -> str:
    """The epochs a saved step was run with (its argv), not today's flag: a kept result may come from another run."""
    argv = result["argv"]
    return argv[argv.index("--epochs") + 1]


def _count(data: Path) -> int:
    import numpy as np

    return len(np.load(data / "labels.npy"))


def render(args, rows, machine: str) -> str:
    lines = ["## Adapting the shipped reader from labels alone (`bench/adapt_reader.py`)", "", machine, "",
             f"Data: one design of a held-out family, `{args.preset}`, "
             f"{_count(args.data):,} images in the report's format "
             "(labels only: no points, no camera; any rotation, a fifth mirrored), split 80/10/10 (split seed 0). "
             "Scored on its test split.", "",
             "| reader | test n | mean (min) | median (min) | within 1 min | within 5 min | hour right | wall | CPU |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for name, m, run in rows:
        cost = ("—", "—") if run is None else (f"{run['wall_s'] / 60:.1f} min", f"{run['cpu_s'] / 60:.1f} min")
        lines.append(f"| {name} | {m['n']} | {m['mean_cse_min']:.2f} | {m['median_cse_min']:.1f} | "
                     f"{m['within_1min']:.3f} | {m['within_5min']:.3f} | {m['hour_accuracy']:.3f} | {cost[0]} | "
                     f"{cost[1]} |")
    lines += ["", "Wall and CPU time are the whole command's (loading, cutting the dials or generating batches, "
              "training, scoring the test split)."]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
