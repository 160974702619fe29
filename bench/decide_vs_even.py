"""Benchmark: the decision mode against an even spread of seeds, at the same number of trials, on the MLP claims.

How (no training, and honest about it): the stored per-seed test accuracies of the MLP claim cells in a store
(default runs/ablab.db, profile quick: what `make run` leaves) give each cell a mean, each (table, dataset) a
per-trial standard deviation and a per-seed offset spread (pooled, since cells hold 2–5 seeds). Each replicate
draws a pool of 5 seeds per cell from those normals (the offset is shared by the cells of a dataset and seed, as
paired trials share data order), then:

- decision mode: the real `ablab.studies.decide.run_decided` (cap 5 seeds, no time limit) with an executor that
  answers each trial from the pool instead of training;
- even: the same number of trials on the same claim cells, spread evenly (seed 2 to every cell, then seed 3, …);

and counts the MLP claims (MLP-1…6, T1-1) each decides by the report's rules. Writes its section of
docs/benchmarks.md.

    .venv/bin/python bench/decide_vs_even.py [--store runs/ablab.db] [--replicates 5] [--no-write]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _report import machine_line, write_section  # noqa: E402

from ablab.report.findings import CLAIMS, judge  # noqa: E402
from ablab.report.verdicts import CONFIRMED, REFUTED  # noqa: E402
from ablab.store import Store  # noqa: E402
from ablab.studies.catalog import load_builtin  # noqa: E402
from ablab.studies.decide import DecisionPolicy, Plan, StoreView, run_decided  # noqa: E402
from ablab.studies.worker import Outcome  # noqa: E402
from ablab.train.spec import TrialResult  # noqa: E402

ALL_MLP_CLAIMS = tuple(c for c in CLAIMS if c.id.startswith("MLP") or c.id == "T1-1")
MLP_CLAIMS = ALL_MLP_CLAIMS  # narrowed by --claims
STUDIES = ("table1", "table2", "table3", "table4")
MAX_SEEDS = 5


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", type=Path, default=Path("runs/ablab.db"))
    parser.add_argument("--profile", default="quick")
    parser.add_argument("--replicates", type=int, default=5)
    parser.add_argument("--claims", default=",".join(c.id for c in ALL_MLP_CLAIMS),
                        help="the MLP claims to compare on (those whose cells the store holds)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/benchmarks.md alone")
    return parser.parse_args()


def fit(plan: Plan, view: StoreView) -> dict:
    """Per claim cell its stored mean; per (table, dataset) the per-trial sd and the per-seed offset sd."""
    cells = {cell for c in plan.claims for cell in c.cells()}
    means, groups = {}, defaultdict(lambda: defaultdict(list))
    for cell in cells:
        values = view.values(cell)
        if not values:
            raise SystemExit(f"{cell} has no stored trial; run `make run` (or pass --claims without it)")
        means[cell] = statistics.fmean(values.values())
        for seed, v in values.items():
            groups[(cell[0], cell[3])][seed].append(v - means[cell])
    spread = {}
    for group, by_seed in groups.items():
        offsets = {s: statistics.fmean(r) for s, r in by_seed.items()}
        residuals = [v - offsets[s] for s, r in by_seed.items() for v in r]
        spread[group] = (statistics.pstdev(offsets.values()) if len(offsets) > 1 else 0.0,
                         statistics.pstdev(residuals) if len(residuals) > 1 else 0.0)
    return {"means": means, "spread": spread}


def draw_pool(plan: Plan, model: dict, rng: np.random.Generator) -> dict:
    """key -> synthetic test accuracy, for every trial of the claim cells (a shared trial gets one value)."""
    offsets = {(g, s): rng.normal(0, model["spread"][g][0]) for g in model["spread"] for s in range(MAX_SEEDS)}
    pool = {}
    for cell, mean in model["means"].items():
        group = (cell[0], cell[3])
        for seed, trial in plan.by_cell[cell].items():
            pool.setdefault(trial.key, mean + offsets[(group, seed)] + rng.normal(0, model["spread"][group][1]))
    return pool


class PoolExecutor:
    """Answers each trial from the pool (trials outside the claim cells, e.g. Table 1's CNNs, get 0.5)."""

    name, slots = "pool", 2

    def __init__(self, pool: dict):
        self.pool, self.pending = pool, []

    def submit(self, spec):
        self.pending.append(spec)

    def next_done(self, timeout_s):
        done, self.pending = self.pending, []
        return [Outcome(key=s.key, result=TrialResult(
            key=s.key, state="complete", test_loss=0.1, test_accuracy=float(self.pool.get(s.key, 0.5)), history={},
            metrics={}, wall_time_s=1.0, fit_time_s=1.0, backend="pool", versions={}), error=None,
            worker_wall_s=1.0, pid=0) for s in done]

    def close(self):
        pass


def decided(findings) -> list[str]:
    return [f.claim.id for f in findings if f.verdict in (CONFIRMED, REFUTED)]


def decision_run(specs, pool: dict, profile: str) -> tuple[list[str], int]:
    """The decision mode on the pool: (decided claims, trials on the claim cells)."""
    store = Store(Path(tempfile.mkdtemp(prefix="ablab-decide-bench-")) / "pool.db")
    run_decided(specs, store, PoolExecutor(pool), profile=profile, policy=DecisionPolicy(max_seeds=MAX_SEEDS),
                show_progress=False, claims=MLP_CLAIMS)
    plan = Plan(specs, profile, DecisionPolicy(max_seeds=MAX_SEEDS), MLP_CLAIMS)
    view = StoreView(store, plan)
    keys = {t.key for c in plan.claims for cell in c.cells() for t in plan.by_cell[cell].values() if view.finished(t)}
    return decided([judge(view.values, c) for c in plan.claims]), len(keys)


def even_run(plan: Plan, pool: dict, trials: int) -> list[str]:
    """The same number of trials spread evenly: every claim cell gets seed n before any gets seed n+1."""
    cells = list(dict.fromkeys(cell for c in plan.claims for cell in c.cells()))
    chosen: set[str] = set()
    for seed in range(MAX_SEEDS):
        for cell in cells:
            key = plan.by_cell[cell][seed].key
            if key not in chosen and len(chosen) < trials:
                chosen.add(key)

    def values(cell):
        return {s: pool[t.key] for s, t in plan.by_cell.get(cell, {}).items() if t.key in chosen}

    return decided([judge(values, c) for c in plan.claims])


def describe(rows: list[dict], model: dict, args, wall_s: float, cpu_s: float) -> str:
    lines = [
        "## Decision mode vs an even spread of seeds: MLP claims (`bench/decide_vs_even.py`)", "",
        machine_line(os.environ.get("KERAS_BACKEND", "tensorflow")), "",
        f"Simulated, not trained: each replicate draws 5 seeds per MLP claim cell from normals fitted to the stored "
        f"trials of `{args.store}` (profile {args.profile}; per cell its mean, per table and dataset a shared "
        f"per-seed offset and a per-trial sd), runs the real decision mode on that pool (cap 5 seeds) and gives an "
        f"even spread the same number of trials. Claims: {', '.join(c.id for c in MLP_CLAIMS)}. Caveat: the pool "
        "draws every trial independently, so rows that train bit-identically in reality (Table 3's steps per "
        "execution: MLP-5 is refuted by identical results) differ by noise here.", "",
        "| replicate | trials (both ways) | decided: decision mode | decided: even spread | decision mode | even |",
        "| ---: | ---: | ---: | ---: | --- | --- |",
    ]
    for i, r in enumerate(rows):
        lines.append(f"| {i} | {r['trials']} | {len(r['decide'])} | {len(r['even'])} | {', '.join(r['decide'])} | "
                     f"{', '.join(r['even'])} |")
    mean_d = statistics.fmean(len(r["decide"]) for r in rows)
    mean_e = statistics.fmean(len(r["even"]) for r in rows)
    lines += ["", f"Mean decided over {len(rows)} replicates: decision mode **{mean_d:.1f}**, even spread "
              f"**{mean_e:.1f}** of {len(MLP_CLAIMS)} MLP claims. Bench wall {wall_s:.0f} s, CPU {cpu_s:.0f} s "
              "(shared 2-core machine)."]
    return "\n".join(lines)


def main() -> None:
    args = parse_args()
    global MLP_CLAIMS
    MLP_CLAIMS = tuple(c for c in ALL_MLP_CLAIMS if c.id in args.claims.split(","))
    wall0, cpu0 = time.perf_counter(), time.process_time()
    specs = [load_builtin(name) for name in STUDIES]
    plan = Plan(specs, args.profile, DecisionPolicy(max_seeds=MAX_SEEDS), MLP_CLAIMS)
    model = fit(plan, StoreView(Store(args.store), plan))
    rng = np.random.default_rng(0)
    rows = []
    for _ in range(args.replicates):
        pool = draw_pool(plan, model, rng)
        decide_ids, trials = decision_run(specs, pool, args.profile)
        rows.append({"trials": trials, "decide": decide_ids, "even": even_run(plan, pool, trials)})
        print(rows[-1], flush=True)
    body = describe(rows, model, args, time.perf_counter() - wall0, time.process_time() - cpu0)
    print(body)
    if not args.no_write:
        print(f"wrote {write_section('decide-vs-even', body)}")


if __name__ == "__main__":
    main()
