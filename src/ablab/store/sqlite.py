"""SQLite store of trials: one row per trial key, with its state, config, curves, metrics and timings.

Concurrency: every state change is a short `BEGIN IMMEDIATE` transaction, so several processes (two `study run`s,
a Ray driver) can share one file. `claim()` is the only way a trial becomes `running`; it refuses a trial that
is finished or held by a live owner, which is what guarantees that no trial runs twice. The file is in WAL mode
(readers never wait for the writer, nor it for them) and every connection waits up to BUSY_TIMEOUT_S for the
write lock, so a `results list` or `clock read` beside a running study never meets "database is locked".

A full disk: SQLite rolls the refused transaction back (the file stays intact) and the error becomes an AblabError
naming the disk and the store (`disk_error`); a trial whose result could not be stored is left to be run again.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import time
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from ablab.errors import AblabError

STATES = ("pending", "running", "complete", "failed", "diverged")
FINISHED = ("complete", "diverged")
STALE_HEARTBEAT_S = 900.0  # an owner on another host that has not beaten for this long is presumed dead
# How long a connection waits for another's write lock: a write holds it for milliseconds (one trial's row), so
# only a stuck process makes anyone wait this long.
BUSY_TIMEOUT_S = 60.0

# SQLite's primary result codes (extended codes keep them in their low byte): the lock stayed taken, the disk
# refused a write.
SQLITE_BUSY, SQLITE_IOERR, SQLITE_FULL = 5, 10, 13
# An I/O error with less free than this is a full disk: the write-ahead log grows to 1,000 pages of 4 KiB (SQLite's
# checkpoint default, 4 MiB) before it is copied back into the file, and SQLite reports a failed append to it or to
# its shared-memory index as "disk I/O error", not "disk is full" (seen with 76 kB free).
LOW_SPACE_BYTES = 8 * 2**20

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


def mount_point(path: Path) -> Path:
    """The mount point of the file system that holds `path` (an existing ancestor of it)."""
    path = path.absolute()
    while not os.path.ismount(path) and path.parent != path:
        path = path.parent
    return path


def _bytes_text(n: int) -> str:
    """A size as `df -h` users read it: 76 kB, 3.2 MB, 41 GB (powers of 1000)."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6)):
        if n >= scale:
            return f"{n / scale:.{0 if n >= 10 * scale else 1}f} {unit}"
    return f"{n / 1e3:.0f} kB"


def free_bytes(path: Path) -> int | None:
    """Free bytes on the file system holding `path` (an existing ancestor of it), None if it cannot be asked."""
    existing = path.absolute()
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    try:
        return shutil.disk_usage(existing).free
    except OSError:
        return None


def disk_error(path: Path, err: sqlite3.Error) -> AblabError | None:
    """The AblabError to raise for SQLite's disk-full or disk-I/O error on the store at `path`, naming the disk
    (its mount point and free space) and the fix; None for any other error."""
    code = (getattr(err, "sqlite_errorcode", None) or 0) & 0xFF
    full = code == SQLITE_FULL or "disk is full" in str(err)
    if not (full or code == SQLITE_IOERR or "disk I/O error" in str(err)):
        return None
    free = free_bytes(path.parent)
    disk = f"{mount_point(path.parent)}, {'?' if free is None else _bytes_text(free)} free"
    intact = "what the store held before is intact, and a trial whose result was not stored runs again"
    if full or (free is not None and free < LOW_SPACE_BYTES):
        return AblabError(f"no space left on the disk holding {path} ({disk}; SQLite: {err}): free space there, "
                          f"then run again ({intact})")
    return AblabError(f"disk I/O error on the disk holding {path} ({disk}): check that disk (`dmesg`), or pass "
                      f"another --store ({intact})")


def busy_error(path: Path, err: sqlite3.Error) -> AblabError | None:
    """The AblabError for a write lock another process held past BUSY_TIMEOUT_S; None for any other error."""
    if (getattr(err, "sqlite_errorcode", None) or 0) & 0xFF != SQLITE_BUSY and "database is locked" not in str(err):
        return None
    return AblabError(f"store {path} is busy: another process held its write lock for over {BUSY_TIMEOUT_S:.0f} s "
                      f"(SQLite: {err}); find it with `fuser {path}`, or run again once it is done")


def store_error(path: Path, err: sqlite3.Error) -> AblabError | None:
    """The AblabError that explains SQLite's `err` on the store at `path` (disk_error, busy_error), or None."""
    return disk_error(path, err) or busy_error(path, err)


class Store:
    """A trial store in one SQLite file (created with its parent folder on first use)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        if self.path.exists() and self.path.is_dir():
            raise AblabError(f"store {self.path} is a directory; pass a file path such as runs/ablab.db")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.connection() as db:
            db.executescript(SCHEMA)
            _add_missing_columns(db)

    def _connect(self) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(self.path, timeout=BUSY_TIMEOUT_S, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
        except sqlite3.DatabaseError as err:
            raise store_error(self.path, err) or AblabError(
                f"store {self.path} is not a readable SQLite database ({err}); pass another --store") from None
        db.row_factory = sqlite3.Row
        return db

    @contextmanager
    def connection(self):
        """A connection to the store in autocommit mode (reads, schema), closed on exit. SQLite's disk-full,
        disk-I/O and lock-timeout errors become an AblabError that says what to do (store_error)."""
        db = self._connect()
        try:
            yield db
        except sqlite3.Error as err:
            translated = store_error(self.path, err)
            if translated is None:
                raise
            raise translated from None
        finally:
            db.close()

    @contextmanager
    def transaction(self):
        """An IMMEDIATE transaction: takes the write lock at once, so read-then-write is atomic across processes.
        Any error rolls it back (SQLite has already done so after a full disk: then there is nothing to undo)."""
        with self.connection() as db:
            db.execute("BEGIN IMMEDIATE")
            try:
                yield db
                db.execute("COMMIT")
            except BaseException:
                if db.in_transaction:
                    with suppress(sqlite3.Error):  # the error that brought us here is the one to report
                        db.execute("ROLLBACK")
                raise

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
        with self.connection() as db:
            rows = db.execute(query + " ORDER BY created_at, key", args).fetchall()
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
