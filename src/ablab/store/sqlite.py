"""SQLite store of trials: one row per trial key, with its state, config, curves, metrics and timings.

Concurrency: every state change is a short `BEGIN IMMEDIATE` transaction, so several processes (two `study run`s,
a Ray driver) can share one file. `claim()` is the only way a trial becomes `running`; it refuses a trial that
is finished or held by a live owner, which is what guarantees that no trial runs twice.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from ablab.errors import AblabError

STATES = ("pending", "running", "complete", "failed", "diverged")
FINISHED = ("complete", "diverged")
STALE_HEARTBEAT_S = 900.0  # an owner on another host that has not beaten for this long is presumed dead

SCHEMA = """
CREATE TABLE IF NOT EXISTS trials (
    key TEXT PRIMARY KEY,
    config_json TEXT NOT NULL,
    seed INTEGER NOT NULL,
    task TEXT, model TEXT, dataset TEXT,
    state TEXT NOT NULL,
    owner TEXT, heartbeat REAL, attempts INTEGER NOT NULL DEFAULT 0,
    test_loss REAL, test_accuracy REAL,
    metrics_json TEXT, history_json TEXT,
    wall_time_s REAL, fit_time_s REAL,
    backend TEXT, versions_json TEXT, model_path TEXT, error TEXT,
    created_at REAL NOT NULL, updated_at REAL NOT NULL, device TEXT
);
CREATE INDEX IF NOT EXISTS trials_state ON trials(state);
"""

# Columns added after the first release: (name, SQL type). A store written before them gets them on open
# (ALTER TABLE ADD COLUMN keeps every row; old trials read None there), so old stores stay readable and writable.
ADDED_COLUMNS = (("device", "TEXT"),)


@dataclass(frozen=True)
class TrialRow:
    """One stored trial, JSON columns decoded."""

    key: str
    config: dict
    seed: int
    state: str
    attempts: int
    test_loss: float | None
    test_accuracy: float | None
    metrics: dict
    history: dict
    wall_time_s: float | None
    fit_time_s: float | None
    backend: str | None
    versions: dict
    model_path: str | None
    error: str | None
    owner: str | None
    updated_at: float
    device: str | None = None  # "cpu" or the accelerator's model ("NVIDIA H200"); None for trials stored before it


def current_owner() -> str:
    """`host:pid` of this process: enough to tell whether a claim's holder is still alive."""
    return f"{socket.gethostname()}:{os.getpid()}"


def owner_alive(owner: str | None, heartbeat: float | None, *, now: float) -> bool:
    """Is the process that claimed a trial still running? Same host: ask the OS; other host: heartbeat age."""
    if not owner:
        return False
    host, _, pid = owner.rpartition(":")
    if host == socket.gethostname() and pid.isdigit():
        return _pid_alive(int(pid))
    return heartbeat is not None and now - heartbeat < STALE_HEARTBEAT_S


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return not _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


class Store:
    """A trial store in one SQLite file (created with its parent folder on first use)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if self.path.exists() and self.path.is_dir():
            raise AblabError(f"store {self.path} is a directory; pass a file path such as runs/ablab.db")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = self._connect()
        try:
            db.executescript(SCHEMA)
            _add_missing_columns(db)
        finally:
            db.close()

    def _connect(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self.path, timeout=60.0, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError as err:
            raise AblabError(f"store {self.path} is not a readable SQLite database ({err}); "
                             "pass another --store") from None
        db.row_factory = sqlite3.Row
        return db

    @contextmanager
    def transaction(self):
        """An IMMEDIATE transaction: takes the write lock at once, so read-then-write is atomic across processes."""
        db = self._connect()
        try:
            db.execute("BEGIN IMMEDIATE")
            yield db
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        finally:
            db.close()

    # --- writes -------------------------------------------------------------------------------------------------

    def add_pending(self, key: str, config: dict, seed: int) -> None:
        """Record a trial as pending unless it is already known (any state)."""
        now = time.time()
        with self.transaction() as db:
            db.execute(
                "INSERT OR IGNORE INTO trials (key, config_json, seed, task, model, dataset, state, created_at,"
                " updated_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                (key, _dumps(config), seed, config.get("task"), config.get("model"), config.get("dataset"), now, now),
            )

    def claim(self, key: str, config: dict, seed: int, owner: str | None = None) -> bool:
        """Mark the trial running for `owner` if nobody finished it or holds it now. True if we got it."""
        owner = owner or current_owner()
        self.add_pending(key, config, seed)
        now = time.time()
        with self.transaction() as db:
            row = db.execute("SELECT state, owner, heartbeat FROM trials WHERE key = ?", (key,)).fetchone()
            if row["state"] in FINISHED:
                return False
            if row["state"] == "running" and owner_alive(row["owner"], row["heartbeat"], now=now):
                return False
            db.execute(
                "UPDATE trials SET state='running', owner=?, heartbeat=?, attempts=attempts+1, error=NULL,"
                " updated_at=? WHERE key=?",
                (owner, now, now, key),
            )
            return True

    def heartbeat(self, key: str, owner: str | None = None) -> None:
        """Refresh the claim's heartbeat (for owners on other hosts)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE trials SET heartbeat=? WHERE key=? AND owner=?", (time.time(), key, owner or current_owner())
            )

    def finish(self, key: str, result) -> None:
        """Store a TrialResult (state complete or diverged, metrics, curves, timings)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE trials SET state=?, test_loss=?, test_accuracy=?, metrics_json=?, history_json=?,"
                " wall_time_s=?, fit_time_s=?, backend=?, versions_json=?, model_path=?, error=?, device=?,"
                " owner=NULL, updated_at=? WHERE key=?",
                (
                    result.state, result.test_loss, result.test_accuracy, _dumps(result.metrics),
                    _dumps(result.history), result.wall_time_s, result.fit_time_s, result.backend,
                    _dumps(result.versions), result.model_path, result.error, getattr(result, "device", None),
                    time.time(), key,
                ),
            )

    def fail(self, key: str, error: str) -> None:
        """Mark a trial failed (it will be rerun by the next study run)."""
        with self.transaction() as db:
            db.execute(
                "UPDATE trials SET state='failed', error=?, owner=NULL, updated_at=? WHERE key=?",
                (error, time.time(), key),
            )

    # --- reads --------------------------------------------------------------------------------------------------

    def get(self, key: str) -> TrialRow | None:
        rows = self.trials(keys=[key])
        return rows[0] if rows else None

    def trials(self, *, keys: list[str] | None = None, state: str | None = None) -> list[TrialRow]:
        """Stored trials, oldest first, optionally only these keys and/or this state."""
        query, args = "SELECT * FROM trials WHERE 1=1", []
        if state is not None:
            query, args = query + " AND state = ?", [*args, state]
        if keys is not None and len(keys) <= 500:  # SQLite's parameter limit; larger sets filter in Python
            query, args = query + f" AND key IN ({','.join('?' * len(keys))})", [*args, *keys]
        db = self._connect()
        try:
            rows = db.execute(query + " ORDER BY created_at, key", args).fetchall()
        finally:
            db.close()
        wanted = None if keys is None else set(keys)
        return [_to_row(r) for r in rows if wanted is None or r["key"] in wanted]

    def counts(self) -> dict[str, int]:
        """Number of trials in each state."""
        counts = {s: 0 for s in STATES}
        for row in self.trials():
            counts[row.state] += 1
        return counts


def _add_missing_columns(db: sqlite3.Connection) -> None:
    """Schema migration: add the columns of ADDED_COLUMNS that a store from an older ablab lacks."""
    have = {row[1] for row in db.execute("PRAGMA table_info(trials)")}
    for name, sql_type in ADDED_COLUMNS:
        if name not in have:
            try:
                db.execute(f"ALTER TABLE trials ADD COLUMN {name} {sql_type}")
            except sqlite3.OperationalError as err:  # another process added it between our check and ALTER
                if "duplicate column" not in str(err):
                    raise


def _dumps(value) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, separators=(",", ":"))


def _to_row(r: sqlite3.Row) -> TrialRow:
    load = lambda text: json.loads(text) if text else {}  # noqa: E731
    return TrialRow(
        key=r["key"], config=load(r["config_json"]), seed=r["seed"], state=r["state"], attempts=r["attempts"],
        test_loss=r["test_loss"], test_accuracy=r["test_accuracy"], metrics=load(r["metrics_json"]),
        history=load(r["history_json"]), wall_time_s=r["wall_time_s"], fit_time_s=r["fit_time_s"],
        backend=r["backend"], versions=load(r["versions_json"]), model_path=r["model_path"], error=r["error"],
        owner=r["owner"], updated_at=r["updated_at"], device=r["device"],
    )
