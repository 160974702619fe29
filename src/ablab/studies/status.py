"""`ablab study status`: how far a study is, per row and dataset, from the store alone."""

from __future__ import annotations

import statistics
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from ablab.errors import AblabError
from ablab.store import FINISHED, Store
from ablab.store.studies import StudyIndex


@dataclass(frozen=True)
class StatusRow:
    profile: str
    group: str
    row: str
    dataset: str
    done: int
    total: int
    states: str
    mean_accuracy: str


def status_rows(store_path: Path, study: str, profile: str | None = None) -> list[StatusRow]:
    """One StatusRow per (profile, group, row, dataset) of the study, in spec order."""
    if not Path(store_path).exists():
        raise AblabError(f"store {store_path} does not exist; run a study first or pass --store")
    store = Store(store_path)
    cells = StudyIndex(store).memberships(study, profile)
    trials = {t.key: t for t in store.trials(keys=list({c.key for c in cells}))}
    grouped: dict[tuple, list] = {}
    for cell in cells:
        grouped.setdefault((cell.profile, cell.group, cell.row, cell.dataset), []).append(trials.get(cell.key))
    rows = []
    for (prof, group, row, dataset), found in grouped.items():
        states = Counter(t.state if t else "pending" for t in found)
        accuracies = [t.test_accuracy for t in found if t and t.state in FINISHED and t.test_accuracy is not None]
        mean = f"{statistics.fmean(accuracies):.3f}" if accuracies else "-"
        done = sum(n for s, n in states.items() if s in FINISHED)
        shown = ", ".join(f"{s} {n}" for s, n in sorted(states.items()))
        rows.append(StatusRow(prof, group, row, dataset, done, len(found), shown, mean))
    return rows
