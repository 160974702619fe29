"""Load what a report needs from the store alone (plus the report's transcribed numbers, package data), or from
a results export of a store (ablab.store.export): both become the same ReportData."""

from __future__ import annotations

import csv
import math
from collections import Counter
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

from ablab.errors import AblabError
from ablab.store import FINISHED, Store, TrialRow
from ablab.store.export import Snapshot, read_export, snapshot
from ablab.store.studies import Membership, StudyRecord

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
    device: str | None = None  # "cpu" or the GPU's model; None for trials stored before ablab recorded it

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

    def where_it_ran(self) -> str:
        """A sentence: the devices the finished trials ran on, and their summed trial time (s and h)."""
        unique = {c.key: c for c in self.cells if c.finished}
        devices = Counter(c.device or "not recorded" for c in unique.values())
        total_s = sum(c.wall_time_s or 0.0 for c in unique.values())
        where = ", ".join(f"{d} ({n} trials)" for d, n in devices.most_common()) or "–"
        return (f"Devices: {where}; summed trial time {total_s:,.0f} s ({total_s / 3600:.2f} h; concurrent trials "
                "overlap, so the run's wall time is shorter).")



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


def _pick_profile(snap: Snapshot, profile: str | None) -> str:
    recorded = sorted({s.profile for s in snap.studies})
    if not recorded:
        raise AblabError(f"{snap.source} has no studies; run `ablab study run NAME` or `ablab reproduce` first")
    if profile is not None:
        if profile not in recorded:
            raise AblabError(f"{snap.source} has no {profile!r} studies; recorded: {', '.join(recorded)}")
        return profile
    finished = {key for key, row in snap.trials.items() if row.state in FINISHED}
    done = {p: sum(m.key in finished and m.profile == p for m in snap.memberships) for p in recorded}
    return max(recorded, key=lambda p: (done[p], p == "full"))


def _finite(value) -> float | None:
    return value if isinstance(value, (int, float)) and math.isfinite(value) else None


def _cell(m: Membership, t: TrialRow | None) -> Cell:
    """One table cell from its membership and (if it has started) its trial."""
    if t is None:
        return Cell(m.study, m.table, m.group, m.row, m.dataset, m.seed, m.key, "pending", None, None, {}, None, None,
                    {}, None, {}, {})
    return Cell(
        m.study, m.table, m.group, m.row, m.dataset, m.seed, m.key, t.state, _finite(t.test_accuracy),
        _finite(t.test_loss), t.history, t.wall_time_s, t.fit_time_s, t.config, t.backend, t.versions, t.metrics,
        device=t.device,
    )


def report_data(snap: Snapshot, profile: str | None = None) -> ReportData:
    """One profile (default: the one with most finished cells) of every study in a store snapshot."""
    profile = _pick_profile(snap, profile)
    cells = [_cell(m, snap.trials.get(m.key)) for m in snap.memberships if m.profile == profile]
    studies = [s for s in snap.studies if s.profile == profile]
    return ReportData(snap.source, profile, studies, cells, snap.artifacts, reference_values(), task3_reference())


def load(store_path: str | Path, profile: str | None = None) -> ReportData:
    """Read one profile of every recorded study from the store."""
    store_path = Path(store_path)
    if not store_path.is_file():
        raise AblabError(f"store {store_path} does not exist; run `ablab reproduce` or pass --store")
    return report_data(snapshot(Store(store_path)), profile)


def load_results(csv_path: str | Path, profile: str | None = None) -> ReportData:
    """Read one profile from a results export (`ablab results export --csv`) instead of a store: the shipped
    full-profile results render without the SQLite file they came from."""
    return report_data(read_export(Path(csv_path)), profile)
