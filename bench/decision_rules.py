"""Benchmark: the error rates of the decision rules under the decision mode's planned looks, by simulation.

Each simulated claim compares two rows paired by seed (a per-seed offset shared by both, as real paired trials
share data order, plus a paired difference drawn from N(true difference, σ_d)); seeds are added look by look
(2, 3, 5, 8, 12) and the comparison stops at its first decision, exactly as `ablab.report.compare.simulate` and
the decision mode read it. Rows:

- no true difference: how often it is called better or worse (must be ≤ α = 0.05), and equivalent;
- a true difference of 2m, run to its planned seeds (80% power at the look's α): how often it is called better
  (must be ≥ 80%).

Writes its section of docs/benchmarks.md.

    .venv/bin/python bench/decision_rules.py [--claims 2000] [--no-write]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _report import machine_line, write_section  # noqa: E402

from ablab.report import compare as c  # noqa: E402

CASES = (  # (dataset margin m, σ of a paired difference): MNIST and Fashion-MNIST margins, a quiet and a noisy row
    (0.002, 0.002), (0.002, 0.003), (0.003, 0.003), (0.003, 0.005),
)


def rows(claims: int) -> list[list[str]]:
    out = []
    for i, (margin, sd) in enumerate(CASES):
        null = c.simulate(np.random.default_rng(i), 0.0, sd, margin, claims=claims)
        planned = c.planned_seeds(2 * margin, sd)
        power = (c.simulate(np.random.default_rng(100 + i), 2 * margin, sd, margin, claims=claims,
                            last_look=planned) if planned else {c.BETTER: float("nan")})
        out.append([f"±{100 * margin:g}", f"{100 * sd:g}", f"{100 * (null[c.BETTER] + null[c.WORSE]):.2f}%",
                    f"{100 * null[c.EQUIVALENT]:.1f}%", str(planned or f"> {c.LOOKS[-1]}"),
                    f"{100 * power[c.BETTER]:.1f}%"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claims", type=int, default=2000)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args()
    start, cpu = time.perf_counter(), time.process_time()
    table = rows(args.claims)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    se = 100 * np.sqrt(c.ALPHA * (1 - c.ALPHA) / args.claims)
    body = "\n".join([
        "## Decision rules under repeated looks (`bench/decision_rules.py`)", "",
        machine_line("none (no training)"), "",
        f"{args.claims:,} simulated claims per cell, paired by seed; looks at {', '.join(map(str, c.LOOKS))} seeds, "
        f"α = {c.ALPHA} spent across them ({', '.join(f'{s:g}' for s in c.SHARES)} of it at each), stopping at "
        "the first decision. 'False decisions' is how often a true difference of 0 is called better or worse "
        f"(target ≤ {100 * c.ALPHA:g}%; Monte Carlo standard error {se:.2f} points); 'called better' is how often a "
        "true difference of 2m is, when run to its planned seeds (target ≥ 80%).", "",
        "| margin m (pts) | σ of a paired difference (pts) | false decisions at Δ = 0 | equivalent at Δ = 0 "
        "| planned seeds at Δ = 2m | called better at Δ = 2m |",
        "| ---: | ---: | ---: | ---: | ---: | ---: |",
        *("| " + " | ".join(r) + " |" for r in table), "",
        f"Bench wall {wall:.0f} s, CPU {cpu:.0f} s.",
    ])
    print(body)
    if not args.no_write:
        write_section("decision-rules", body)


if __name__ == "__main__":
    main()
