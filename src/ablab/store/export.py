"""The store as one CSV file, and back: `ablab results export --csv` writes it, `ablab report --results` reads it.

Why a CSV: it is what ships with the docs (a few MB for the report's 700 cells, diffable, opens in a spreadsheet),
while the SQLite store is a working file. The export carries everything a report needs, so a report rendered from
it equals one rendered from the store.

One row per record. The `record` column says what the row is:
- `trial`: one trial; the readable columns (key, state, seed, config fields, metrics, timings, backend, device)
  and `record_json` with the full config, metrics, per-epoch curves, versions and the study cells it fills;
- `cells`: the study cells of a trial not yet in the store (never started), in `record_json`;
- `study`: one recorded study and profile (name, title, table, its spec) in `record_json`;
- `artifact`: one stored artifact (Figure 1's images, a clock trial's worst readings) as base64 in `record_json`.
Spreadsheet users filter on `record == trial`.
"""

from __future__ import annotations

import base64
import csv
import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from ablab.errors import AblabError
from ablab.store.sqlite import Store, TrialRow
from ablab.store.studies import Membership, StudyIndex, StudyRecord

FIXED_COLUMNS = ("key", "state", "seed")
TAIL_COLUMNS = ("epochs_run", "wall_time_s", "fit_time_s", "backend", "device", "error", "record", "record_json")
CELL_FIELDS = ("study", "profile", "table", "group", "row", "dataset", "seed", "position")


@dataclass
class Snapshot:
    """Everything a report reads, from a live store or from an export: studies, cells, trials, artifacts."""

    source: Path
    studies: list[StudyRecord]
    memberships: list[Membership]
    trials: dict[str, TrialRow]
    artifacts: dict[str, tuple[str, bytes, dict]] = field(default_factory=dict)


def snapshot(store: Store) -> Snapshot:
    """Read the whole store into memory (it is small: curves and metrics, no weights)."""
    index = StudyIndex(store)
    artifacts = {name: index.artifact(name) for name in index.artifact_names()}
    trials = {t.key: t for t in store.trials()}
    return Snapshot(store.path, index.studies(), index.memberships(), trials, artifacts)


# --- writing ------------------------------------------------------------------------------------------------------


def write_export(store: Store, csv_path: Path) -> int:
    """Write the store as an export CSV; returns the number of trials written."""
    snap = snapshot(store)
    rows = list(snap.trials.values())
    config_keys = sorted({k for r in rows for k in r.config})
    metric_keys = sorted({k for r in rows for k in r.metrics} - {"test_loss", "test_accuracy"})
    header = [*FIXED_COLUMNS, *config_keys, "test_loss", "test_accuracy", *metric_keys, *TAIL_COLUMNS]
    cells = _cells_by_key(snap.memberships)
    csv_path.parent.mkdir(parents=True, exist_ok=True)
    with csv_path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=header)
        writer.writeheader()
        for r in rows:
            writer.writerow(_trial_row(r, config_keys, metric_keys, cells.get(r.key, [])))
        for key in sorted(set(cells) - set(snap.trials)):  # cells of trials nobody has started yet
            writer.writerow({"key": key, "record": "cells", "record_json": json.dumps({"cells": cells[key]})})
        for study in snap.studies:
            writer.writerow(_study_row(study))
        for name, artifact in snap.artifacts.items():
            writer.writerow(_artifact_row(name, artifact))
    return len(rows)


def _cells_by_key(memberships: list[Membership]) -> dict[str, list[dict]]:
    cells: dict[str, list[dict]] = {}
    for m in memberships:
        cells.setdefault(m.key, []).append({name: getattr(m, name) for name in CELL_FIELDS})
    return cells


def _readable(value):
    return value if not isinstance(value, (list, tuple, dict)) else json.dumps(value)


def _trial_row(r: TrialRow, config_keys: list[str], metric_keys: list[str], cells: list[dict]) -> dict:
    full = {"config": r.config, "metrics": r.metrics, "history": r.history, "versions": r.versions,
            "attempts": r.attempts, "model_path": r.model_path, "updated_at": r.updated_at, "cells": cells}
    row = {"key": r.key, "state": r.state, "seed": r.seed, "test_loss": r.test_loss, "test_accuracy": r.test_accuracy,
           "epochs_run": len(r.history.get("loss", [])), "wall_time_s": r.wall_time_s, "fit_time_s": r.fit_time_s,
           "backend": r.backend, "device": r.device, "error": r.error, "record": "trial",
           "record_json": json.dumps(full, sort_keys=True, separators=(",", ":"))}
    row.update({k: _readable(r.config.get(k)) for k in config_keys})
    row.update({k: _readable(r.metrics.get(k)) for k in metric_keys})
    return row


def _study_row(study: StudyRecord) -> dict:
    full = {"name": study.name, "profile": study.profile, "title": study.title, "table": study.table,
            "spec": study.spec, "updated_at": study.updated_at}
    return {"key": f"study:{study.name}:{study.profile}", "record": "study",
            "record_json": json.dumps(full, sort_keys=True)}


def _artifact_row(name: str, artifact: tuple[str, bytes, dict]) -> dict:
    kind, data, meta = artifact
    full = {"name": name, "kind": kind, "meta": meta, "data_b64": base64.b64encode(data).decode()}
    return {"key": f"artifact:{name}", "record": "artifact", "record_json": json.dumps(full, sort_keys=True)}


# --- reading ------------------------------------------------------------------------------------------------------


def read_export(csv_path: Path) -> Snapshot:
    """An export CSV back into a Snapshot. Bad input names the file (and line) and how to get a good one."""
    csv_path = Path(csv_path)
    if not csv_path.is_file():
        raise AblabError(f"results file {csv_path} does not exist; "
                         f"write one with `ablab results export --csv {csv_path}`")
    csv.field_size_limit(min(sys.maxsize, 2**31 - 1))  # artifacts and curves are long fields
    snap = Snapshot(csv_path, [], [], {}, {})
    with csv_path.open(newline="") as f:
        reader = csv.DictReader(f)
        if not {"record", "record_json"} <= set(reader.fieldnames or ()):
            raise AblabError(
                f"results file {csv_path} has no record/record_json columns (not an ablab export, or one from before "
                "they existed); export the store again with `ablab results export --csv FILE`"
            )
        for line_no, row in enumerate(reader, start=2):
            _read_record(snap, row, f"{csv_path}:{line_no}")
    snap.memberships.sort(key=lambda m: (m.table is None, m.table, m.study, m.position))
    snap.studies.sort(key=lambda s: (s.table is None, s.table or 0, s.name, s.profile))
    return snap


def _read_record(snap: Snapshot, row: dict, where: str) -> None:
    try:
        full = json.loads(row["record_json"] or "{}")
        if row["record"] == "trial":
            _add_trial(snap, row, full)
        elif row["record"] == "cells":
            _add_cells(snap, row["key"], full["cells"])
        elif row["record"] == "study":
            snap.studies.append(StudyRecord(full["name"], full["profile"], full["title"], full["table"], full["spec"],
                                            full["updated_at"]))
        elif row["record"] == "artifact":
            snap.artifacts[full["name"]] = (full["kind"], base64.b64decode(full["data_b64"]), full["meta"])
        else:
            raise ValueError(f"record {row['record']!r} is not trial, cells, study or artifact")
    except (ValueError, KeyError, TypeError) as err:
        raise AblabError(f"results file {where}: unreadable row ({type(err).__name__}: {err}); export it again "
                         "with `ablab results export --csv FILE`") from None


def _number(text: str | None) -> float | None:
    return None if text in (None, "") else float(text)


def _add_trial(snap: Snapshot, row: dict, full: dict) -> None:
    snap.trials[row["key"]] = TrialRow(
        key=row["key"], config=full["config"], seed=int(row["seed"]), state=row["state"], attempts=full["attempts"],
        test_loss=_number(row["test_loss"]), test_accuracy=_number(row["test_accuracy"]), metrics=full["metrics"],
        history=full["history"], wall_time_s=_number(row["wall_time_s"]), fit_time_s=_number(row["fit_time_s"]),
        backend=row["backend"] or None, versions=full["versions"], model_path=full["model_path"],
        error=row["error"] or None, owner=None, updated_at=full["updated_at"], device=row.get("device") or None,
    )
    _add_cells(snap, row["key"], full["cells"])


def _add_cells(snap: Snapshot, key: str, cells: list[dict]) -> None:
    for cell in cells:
        snap.memberships.append(Membership(
            cell["study"], cell["profile"], cell["table"], cell["group"], cell["row"], cell["dataset"], cell["seed"],
            key, cell["position"]))
