"""The store under trouble: a full disk (the message names the disk and the store; nothing stored is lost), and
readers beside a running study (no "database is locked", nothing lost)."""

import multiprocessing as mp
import sqlite3
from concurrent.futures import ProcessPoolExecutor

import pytest

import ablab.store.sqlite as store_module
from ablab.errors import AblabError
from ablab.store import Store
from ablab.store.studies import StudyIndex
from ablab.train.spec import TrialResult

CONFIG = {"task": "classify", "model": "mlp", "dataset": "mnist"}


def _result(key: str, epochs: int = 2) -> TrialResult:
    curve = [0.5] * epochs
    return TrialResult(key=key, state="complete", test_loss=0.3, test_accuracy=0.9,
                       history={"loss": curve, "val_loss": curve}, metrics={"test_accuracy": 0.9}, wall_time_s=2.0,
                       fit_time_s=1.5, backend="tensorflow", versions={"keras": "3"})


def _integrity(path) -> str:
    db = sqlite3.connect(path)
    try:
        return db.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        db.close()


@pytest.fixture
def full_disk(monkeypatch):
    """`fill()` makes every new connection's file unable to grow past its size now (PRAGMA max_page_count): SQLite
    then fails a write that needs a page with its own SQLITE_FULL, as on a full disk; `free()` lifts it."""
    real_connect = sqlite3.connect
    limit = {"pages": None}

    def connect(*args, **kwargs):
        db = real_connect(*args, **kwargs)
        if limit["pages"] is not None:
            db.execute(f"PRAGMA max_page_count = {limit['pages']}")
        return db

    class Disk:
        def fill(self, path):
            db = real_connect(path)
            limit["pages"] = db.execute("PRAGMA page_count").fetchone()[0]
            db.close()

        def free(self):
            limit["pages"] = None

    monkeypatch.setattr(store_module.sqlite3, "connect", connect)
    return Disk()


def test_a_full_disk_names_the_disk_and_the_store_and_loses_nothing(tmp_path, full_disk):
    store = Store(tmp_path / "runs" / "ablab.db")
    for key in ("a", "b"):
        store.claim(key, CONFIG, 0)
        store.finish(key, _result(key))
    store.claim("trained", CONFIG, 1)
    before = {r.key: r for r in store.trials()}
    full_disk.fill(store.path)
    with pytest.raises(AblabError) as err:
        store.finish("trained", _result("trained", epochs=5000))  # a long curve: needs pages the disk lacks
    message = str(err.value)
    assert message.startswith(f"no space left on the disk holding {store.path} (")
    assert str(store_module.mount_point(tmp_path)) in message and "free space there, then run again" in message
    assert "database or disk is full" in message and "cannot rollback" not in message
    assert _integrity(store.path) == "ok"
    assert {r.key: r for r in store.trials()} == before  # stored rows unchanged; the trial is still to be stored
    full_disk.free()
    store.finish("trained", _result("trained", epochs=5000))
    assert store.get("trained").state == "complete" and len(store.get("trained").history["loss"]) == 5000


def test_a_disk_io_error_with_little_space_left_is_a_full_disk(tmp_path, monkeypatch):
    """SQLite reports a refused append to its write-ahead log as "disk I/O error" (seen with 76 kB free): with
    that little space, the message still says the disk is full, not that the store is unreadable."""
    Store(tmp_path / "ablab.db")
    monkeypatch.setattr(store_module, "free_bytes", lambda path: 76_000)

    def broken(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(store_module.sqlite3, "connect", broken)
    with pytest.raises(AblabError, match=r"^no space left on the disk holding .*ablab\.db \(.*, 76 kB free; "):
        Store(tmp_path / "ablab.db")
    monkeypatch.setattr(store_module, "free_bytes", lambda path: 40 * 10**9)
    with pytest.raises(AblabError, match=r"^disk I/O error on the disk holding .*ablab\.db \(.*, 40 GB free\)"):
        Store(tmp_path / "ablab.db")


def test_a_lock_held_past_the_busy_timeout_names_the_store_and_what_to_do(tmp_path, monkeypatch):
    store = Store(tmp_path / "ablab.db")
    holder = sqlite3.connect(store.path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process's write lock, never released
    monkeypatch.setattr(store_module, "BUSY_TIMEOUT_S", 0.05)
    try:
        with pytest.raises(AblabError, match=r"^store .*ablab\.db is busy: another process held its write lock"):
            store.claim("k", CONFIG, 0)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert store.claim("k", CONFIG, 0)


# --- readers beside a running study --------------------------------------------------------------------------------

SEEDS = 20  # the study: 4 rows x 2 datasets x 20 seeds = 160 trials, each a claim, an artifact and a result
N_TRIALS = 4 * 2 * SEEDS
CURVE_POINTS = 500  # a 500-epoch curve per metric: rows of a few kB, as a real trial's


class InstantExecutor:
    """The study's trials done at once (no training): the driver's store traffic at its fastest."""

    name, slots = "instant", 2

    def __init__(self):
        self.queue = []

    def submit(self, spec) -> None:
        self.queue.append(spec)

    def next_done(self, timeout_s: float) -> list:
        from ablab.studies.worker import Outcome

        done, self.queue = self.queue, []
        return [Outcome(s.key, _result(s.key, epochs=CURVE_POINTS), None, 0.0, 0) for s in done]

    def close(self) -> None:
        self.queue.clear()


def _study(path, readers_started) -> tuple[int, int]:
    """A study run (the real driver, `InstantExecutor` for workers) once every reader has read: (complete,
    failed)."""
    from ablab.studies.runner import run_studies
    from ablab.studies.spec import parse_spec
    from study_fixtures import tiny_spec

    for started in readers_started:
        assert started.wait(300), "a reader never started"
    summary = run_studies([parse_spec(tiny_spec(seeds=SEEDS, rows=4))], Store(path), InstantExecutor(),
                          profile="quick", show_progress=False)
    return summary.complete, summary.failed


def _until_done(path, read, started) -> list[int]:
    """Call `read()` until the store holds every trial complete (set `started` after the first); the complete
    counts seen, in order."""
    seen = []
    while not seen or seen[-1] < N_TRIALS:
        read()
        seen.append(Store(path).counts()["complete"])
        started.set()
    return seen


def _results_list(path, started) -> list[int]:
    """What `ablab results list` reads: every trial (the newest 50 shown) and the counts."""
    return _until_done(path, lambda: Store(path).trials()[-50:], started)


def _clock_read(path, started) -> list[int]:
    """What `ablab clock read` reads of the store: the best recorded reader (here: the shipped one) and its
    threshold."""
    from ablab.clock.read.registry import SHIPPED_READER, best_model_path, recorded_threshold

    def read():
        assert best_model_path(path) == SHIPPED_READER
        recorded_threshold(SHIPPED_READER, path)

    return _until_done(path, read, started)


def test_readers_beside_a_running_study_meet_no_lock_and_lose_nothing(tmp_path):
    path = tmp_path / "ablab.db"
    Store(path)
    context = mp.get_context("spawn")
    with context.Manager() as manager, ProcessPoolExecutor(3, mp_context=context) as pool:
        started = [manager.Event(), manager.Event()]
        readers = [pool.submit(_results_list, path, started[0]), pool.submit(_clock_read, path, started[1])]
        assert pool.submit(_study, path, started).result(timeout=400) == (N_TRIALS, 0)
        seen = [r.result(timeout=400) for r in readers]  # a "database is locked" would be raised here
    for counts in seen:  # each reader read from before the study's first trial to after its last
        assert counts[0] == 0 and counts[-1] == N_TRIALS and counts == sorted(counts)  # none went missing
    rows = Store(path).trials()
    assert len(rows) == N_TRIALS and all(r.state == "complete" and r.attempts == 1 for r in rows)
    assert {m.key for m in StudyIndex(Store(path)).memberships()} == {r.key for r in rows}  # every cell recorded
    assert _integrity(path) == "ok"
