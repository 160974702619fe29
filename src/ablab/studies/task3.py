"""Task 3's claim in the decision mode: T3-1, "the networks ended at chance with all four approaches".

One approach that learns refutes it, so the decision mode trains the report's approaches one at a time, the likeliest
learner first, one seed each, and stops as soon as the verdict is decided by the report's own rule
(`ablab.report.clock.task3_verdict`: an encoding learns when its mean error is under 160 min, chance being 180).
Everything left at chance decides nothing by itself; a non-report encoding that learns on the same clocks (last in
the order) is what would confirm the claim.

The order: `periodic` first (on the report's kind of clock it reached 19.0 min mean error after 14.7 min of training
on 2 cores, and 118 min on validation after 4 of 12 epochs), then the other approaches whose targets have no cliff
or only a minute cliff, the two plain regressions last (their 12:00 cliff pulls readings toward 6:00).
"""

from __future__ import annotations

from ablab.report.clock import REPORT_SECTIONS, encoding_status, task3_verdict
from ablab.report.verdicts import NOT_RUN, UNDECIDED
from ablab.studies.expand import StudyTrial

CLAIM_ID = "T3-1"
LEARN_ORDER = ("periodic", "multihead", "classification-24", "regression-hours", "regression-minutes", "landmarks")


def is_clock(seeds: dict[int, StudyTrial]) -> bool:
    """Whether a cell's trials read clocks (a clock study's cell)."""
    return any(getattr(t.spec.config, "task", None) == "clock" for t in seeds.values())


def clock_cells(by_cell: dict[tuple, dict[int, StudyTrial]]) -> dict[str, dict[int, StudyTrial]]:
    """The clock study's cells by encoding (row label): seed -> trial."""
    return {cell[2]: seeds for cell, seeds in by_cell.items() if is_clock(seeds)}


def errors_min(rows: dict, seeds: dict[int, StudyTrial]) -> list[float]:
    """Mean common-sense error (min) of each finished trial of one encoding; `rows` maps keys to stored rows."""
    found = (rows[t.key].metrics.get("mean_cse_min") for t in seeds.values() if t.key in rows)
    return [float(v) for v in found if v is not None]


def verdict(cells: dict[str, dict[int, StudyTrial]], rows: dict) -> str:
    """T3-1 on what the store holds (NOT_RUN before any clock trial finished)."""
    if not cells:
        return NOT_RUN
    return task3_verdict({enc: encoding_status(errors_min(rows, seeds)) for enc, seeds in cells.items()})


def next_trials(cells: dict[str, dict[int, StudyTrial]], rows: dict, busy: set[str],
                scheduled: set[str]) -> tuple[str, list[StudyTrial]] | None:
    """The next encoding to train (seed 0) while T3-1 is open, with a name for the progress; None when it is
    decided, a clock trial is still running, or every encoding in the order has run."""
    if verdict(cells, rows) not in (NOT_RUN, UNDECIDED):
        return None
    if any(t.key in busy for seeds in cells.values() for t in seeds.values()):
        return None  # decide on its result first: one clock trial at a time
    for encoding in (e for e in LEARN_ORDER if e in cells):
        trial = cells[encoding].get(0)
        if trial is not None and trial.key not in rows and trial.key not in scheduled:
            role = "a report approach" if encoding in REPORT_SECTIONS else "a learner on the same clocks"
            return f"{CLAIM_ID}: {encoding} ({role})", [trial]
    return None
