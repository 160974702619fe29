"""Study membership in the trial store: which trial fills which (study, profile, group, row, dataset, seed) cell.

Lives in the same SQLite file as the trials (its own tables), written through `Store.transaction()`. A trial key
can fill several cells (the reference MLP is a row of Tables 2, 3 and 4) and is still one trial, run once.
`artifacts` holds small blobs a report needs that are not trial results (Figure 1's sample image).
"""

from __future__ import annotations

import io
import json
import time
from dataclasses import dataclass

import numpy as np

from ablab.store.sqlite import Store

SCHEMA = """
CREATE TABLE IF NOT EXISTS studies (
    name TEXT NOT NULL, profile TEXT NOT NULL, title TEXT, table_no INTEGER, spec_json TEXT NOT NULL,
    updated_at REAL NOT NULL, PRIMARY KEY (name, profile)
);
CREATE TABLE IF NOT EXISTS study_trials (
    study TEXT NOT NULL, profile TEXT NOT NULL, grp TEXT NOT NULL, row TEXT NOT NULL, dataset TEXT NOT NULL,
    seed INTEGER NOT NULL, key TEXT NOT NULL, position INTEGER NOT NULL,
    PRIMARY KEY (study, profile, grp, row, dataset, seed)
);
CREATE INDEX IF NOT EXISTS study_trials_key ON study_trials(key);
CREATE TABLE IF NOT EXISTS artifacts (
    name TEXT PRIMARY KEY, kind TEXT NOT NULL, data BLOB NOT NULL, meta_json TEXT, updated_at REAL NOT NULL
);
"""


@dataclass(frozen=True)
class Membership:
    """One cell of a study table and the trial key that fills it. `dataset` is '' when the study has none."""

    study: str
    profile: str
    table: int | None
    group: str
    row: str
    dataset: str
    seed: int
    key: str
    position: int


@dataclass(frozen=True)
class StudyRecord:
    name: str
    profile: str
    title: str
    table: int | None
    spec: dict
    updated_at: float


class StudyIndex:
    """Study tables of a Store: record a study's cells, list them, keep artifacts."""

    def __init__(self, store: Store):
        self.store = store
        with store.connection() as db:  # same file and connection settings as the trials table
            db.executescript(SCHEMA)

    def record(self, spec, profile: str, trials) -> None:
        """Store the spec and its cells (StudyTrial list). Cells of rows no longer in the spec are dropped;
        other seeds recorded earlier are kept, so `--seeds 5` after `--seeds 3` extends a study."""
        now = time.time()
        spec_json = json.dumps(spec.model_dump(mode="json"), sort_keys=True)
        rows = {(t.group, t.row, t.dataset or "") for t in trials}
        with self.store.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO studies (name, profile, title, table_no, spec_json, updated_at)"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (spec.name, profile, spec.title, spec.table, spec_json, now),
            )
            old = db.execute("SELECT grp, row, dataset FROM study_trials WHERE study=? AND profile=?",
                             (spec.name, profile))
            for stale in {tuple(r) for r in old.fetchall()} - rows:
                db.execute(
                    "DELETE FROM study_trials WHERE study=? AND profile=? AND grp=? AND row=? AND dataset=?",
                    (spec.name, profile, *stale),
                )
            db.executemany(
                "INSERT OR REPLACE INTO study_trials (study, profile, grp, row, dataset, seed, key, position)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                [(spec.name, profile, t.group, t.row, t.dataset or "", t.seed, t.key, i) for i, t in enumerate(trials)],
            )

    def studies(self) -> list[StudyRecord]:
        """Recorded studies, by table number then name."""
        rows = self._query("SELECT * FROM studies ORDER BY table_no IS NULL, table_no, name, profile")
        return [
            StudyRecord(r["name"], r["profile"], r["title"] or "", r["table_no"], json.loads(r["spec_json"]),
                        r["updated_at"])
            for r in rows
        ]

    def memberships(self, study: str | None = None, profile: str | None = None) -> list[Membership]:
        """Cells of one study (or all), in spec order."""
        query = (
            "SELECT m.*, s.table_no FROM study_trials m JOIN studies s ON s.name = m.study AND s.profile = m.profile"
            " WHERE 1=1"
        )
        args: list = []
        if study is not None:
            query, args = query + " AND m.study = ?", [*args, study]
        if profile is not None:
            query, args = query + " AND m.profile = ?", [*args, profile]
        rows = self._query(query + " ORDER BY s.table_no IS NULL, s.table_no, m.study, m.position", args)
        return [
            Membership(r["study"], r["profile"], r["table_no"], r["grp"], r["row"], r["dataset"], r["seed"], r["key"],
                       r["position"])
            for r in rows
        ]

    def put_artifact(self, name: str, kind: str, data: bytes, meta: dict | None = None) -> None:
        with self.store.transaction() as db:
            db.execute(
                "INSERT OR REPLACE INTO artifacts (name, kind, data, meta_json, updated_at) VALUES (?, ?, ?, ?, ?)",
                (name, kind, data, json.dumps(meta or {}, sort_keys=True), time.time()),
            )

    def artifact(self, name: str) -> tuple[str, bytes, dict] | None:
        rows = self._query("SELECT kind, data, meta_json FROM artifacts WHERE name = ?", [name])
        return (rows[0]["kind"], bytes(rows[0]["data"]), json.loads(rows[0]["meta_json"] or "{}")) if rows else None

    def artifact_names(self) -> list[str]:
        return [r["name"] for r in self._query("SELECT name FROM artifacts ORDER BY name")]

    def _query(self, query: str, args=()) -> list:
        with self.store.connection() as db:
            return db.execute(query, list(args)).fetchall()


def trial_artifact_name(key: str, name: str) -> str:
    """Where a trial's own artifact lives (`trial:<key>:<name>`): the runner writes it, the report reads it."""
    return f"trial:{key}:{name}"


def arrays_to_bytes(**arrays: np.ndarray) -> bytes:
    """Pack named arrays as .npz bytes (no pickle) for an artifact."""
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def bytes_to_arrays(data: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(data), allow_pickle=False) as npz:
        return {name: npz[name] for name in npz.files}
