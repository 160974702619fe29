"""Load what a report needs from the store alone (plus the report's transcribed numbers, package data)."""

from __future__ import annotations

import csv
import math
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ablab.errors import AblabError
from ablab.store import FINISHED, Store
from ablab.store.studies import StudyIndex, StudyRecord

REFERENCE_PACKAGE = "ablab.studies.reference"
REFERENCE_FILE = "report_values.csv"
TASK3_FILE = "task3_values.csv"  # the report's Task 3 outcomes (sections 3.1–3.4), quoted

CellId = tuple[int | None, str, str, str]  # (table, group, row, dataset)


@dataclass(frozen=True)
class Cell:
    """One (study, group, row, dataset, seed) with its trial's outcome."""

    study: str
    table: int | None
    group: str
    row: str
    dataset: str
    seed: int
    key: str
    state: str
    accuracy: float | None
    loss: float | None
    history: dict
    wall_time_s: float | None
    fit_time_s: float | None
    config: dict
    backend: str | None
    versions: dict
    metrics: dict = field(default_factory=dict)  # the trial's stored metrics (clock trials: the CSE summary)

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    @property
    def cell_id(self) -> CellId:
        return (self.table, self.group, self.row, self.dataset)


@dataclass
class ReportData:
    """Everything the report shows: one profile's studies and cells, artifacts, and the report's numbers."""

    store_path: Path
    profile: str
    studies: list[StudyRecord]
    cells: list[Cell]
    artifacts: dict[str, tuple[str, bytes, dict]] = field(default_factory=dict)
    reference: dict[tuple, float] = field(default_factory=dict)  # (table, group, row, dataset, metric) -> value
    task3_reference: list[ReportOutcome] = field(default_factory=list)  # the report's Task 3 outcomes

    def cells_of(self, cell_id: CellId) -> list[Cell]:
        return [c for c in self.cells if c.cell_id == cell_id]

    def backends(self) -> Counter:
        return Counter(c.backend for c in self.cells if c.backend)


@dataclass(frozen=True)
class ReportOutcome:
    """One number the report states for Task 3: its section, approach, our encoding of it, the metric, the value
    (None where the report says it got none) and the sentence it comes from."""

    section: str
    approach: str
    encoding: str
    metric: str
    value: float | None
    quote: str


def task3_reference() -> list[ReportOutcome]:
    """The report's Task 3 outcomes, transcribed in task3_values.csv (package data), in the report's order."""
    text = resources.files(REFERENCE_PACKAGE).joinpath(TASK3_FILE).read_text()
    return [ReportOutcome(r["section"], r["approach"], r["encoding"], r["metric"],
                          float(r["value"]) if r["value"].strip() else None, r["quote"])
            for r in csv.DictReader(text.splitlines())]


def reference_values() -> dict[tuple, float]:
    """The report's own numbers: (table, group, row, dataset, metric) -> value (NaN where the report says nan)."""
    text = resources.files(REFERENCE_PACKAGE).joinpath(REFERENCE_FILE).read_text()
    values = {}
    for r in csv.DictReader(text.splitlines()):
        values[(int(r["table"]), r["group"], r["row"], r["dataset"], r["metric"])] = float(r["value"])
    return values


def _pick_profile(index: StudyIndex, store: Store, profile: str | None) -> str:
    recorded = sorted({s.profile for s in index.studies()})
    if not recorded:
        raise AblabError(f"store {store.path} has no studies; run `ablab study run NAME` or `ablab reproduce` first")
    if profile is not None:
        if profile not in recorded:
            raise AblabError(f"store {store.path} has no {profile!r} studies; recorded: {', '.join(recorded)}")
        return profile
    finished = {row.key for row in store.trials() if row.state in FINISHED}
    done = {p: sum(m.key in finished for m in index.memberships(profile=p)) for p in recorded}
    return max(recorded, key=lambda p: (done[p], p == "full"))


def _finite(value) -> float | None:
    return value if isinstance(value, (int, float)) and math.isfinite(value) else None


def load(store_path: str | Path, profile: str | None = None) -> ReportData:
    """Read one profile (default: the one with most finished cells) of every recorded study."""
    store_path = Path(store_path)
    if not store_path.is_file():
        raise AblabError(f"store {store_path} does not exist; run `ablab reproduce` or pass --store")
    store = Store(store_path)
    index = StudyIndex(store)
    profile = _pick_profile(index, store, profile)
    members = index.memberships(profile=profile)
    trials = {t.key: t for t in store.trials(keys=list({m.key for m in members}))}
    cells = []
    for m in members:
        t = trials.get(m.key)
        cells.append(Cell(
            m.study, m.table, m.group, m.row, m.dataset, m.seed, m.key, t.state if t else "pending",
            _finite(t.test_accuracy) if t else None, _finite(t.test_loss) if t else None,
            t.history if t else {}, t.wall_time_s if t else None, t.fit_time_s if t else None,
            t.config if t else {}, t.backend if t else None, t.versions if t else {}, t.metrics if t else {},
        ))
    studies = [s for s in index.studies() if s.profile == profile]
    artifacts = {name: index.artifact(name) for name in index.artifact_names()}
    return ReportData(store_path, profile, studies, cells, artifacts, reference_values(), task3_reference())
