import multiprocessing as mp
import os
import socket
import subprocess
import sys

import pytest

from ablab.errors import AblabError
from ablab.store import Store
from ablab.train.spec import TrialResult

CONFIG = {"task": "classify", "model": "mlp", "dataset": "mnist"}


def _result(key, state="complete"):
    return TrialResult(key=key, state=state, test_loss=0.3, test_accuracy=0.9, history={"loss": [0.5, 0.3]},
                       metrics={"test_accuracy": 0.9}, wall_time_s=2.0, fit_time_s=1.5, backend="tensorflow",
                       versions={"keras": "3"})


def test_claim_then_finish_round_trip(tmp_path):
    store = Store(tmp_path / "s.db")
    assert store.claim("k1", CONFIG, 3)
    assert store.get("k1").state == "running"
    store.finish("k1", _result("k1"))
    row = store.get("k1")
    assert (row.state, row.seed, row.test_accuracy, row.history["loss"]) == ("complete", 3, 0.9, [0.5, 0.3])
    assert row.config == CONFIG and row.attempts == 1
    assert not store.claim("k1", CONFIG, 3), "a finished trial is never claimed again"


def test_running_trial_of_live_owner_is_not_reclaimed(tmp_path):
    store = Store(tmp_path / "s.db")
    assert store.claim("k", CONFIG, 0)
    assert not store.claim("k", CONFIG, 0, owner=f"{os.uname().nodename}:1")  # someone else, we are alive


def test_running_trial_of_dead_owner_is_reclaimed(tmp_path):
    store = Store(tmp_path / "s.db")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    import socket

    assert store.claim("k", CONFIG, 0, owner=f"{socket.gethostname()}:{dead.stdout.strip()}")
    assert store.claim("k", CONFIG, 0), "the owner process has exited, so the trial is free again"
    assert store.get("k").attempts == 2


def test_failed_and_diverged(tmp_path):
    store = Store(tmp_path / "s.db")
    store.claim("a", CONFIG, 0)
    store.fail("a", "boom")
    assert store.get("a").state == "failed" and store.get("a").error == "boom"
    assert store.claim("a", CONFIG, 0), "failed trials are rerun"
    store.claim("b", CONFIG, 1)
    store.finish("b", _result("b", state="diverged"))
    assert not store.claim("b", CONFIG, 1), "a diverged trial is a result, not a failure"
    assert store.counts() == {"pending": 0, "running": 1, "complete": 0, "failed": 0, "diverged": 1}


def _race(path, key, queue, done):
    queue.put(Store(path).claim(key, CONFIG, 0))
    done.wait(60)  # stay alive (holding any claim) until every racer has tried


def test_concurrent_claims_have_exactly_one_winner(tmp_path):
    path = tmp_path / "s.db"
    Store(path)
    ctx = mp.get_context("spawn")
    queue, done = ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=_race, args=(path, "same", queue, done)) for _ in range(6)]
    for p in procs:
        p.start()
    wins = [queue.get(timeout=60) for _ in procs]
    done.set()
    for p in procs:
        p.join()
    assert wins.count(True) == 1


def test_no_double_claim_while_holder_lives(tmp_path):
    path = tmp_path / "s.db"
    Store(path)
    holders = [subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"], stdin=subprocess.PIPE)
               for _ in range(3)]  # three live processes, each a runner that would take the trial
    owners = [f"{socket.gethostname()}:{p.pid}" for p in holders]
    try:
        assert [Store(path).claim("x", CONFIG, 0, owner=o) for o in owners * 2] == [True] + [False] * 5
        assert Store(path).get("x").owner == owners[0]
        holders[0].stdin.close()  # the holder ends: the trial is free, and only one of the others takes it
        holders[0].wait()
        assert [Store(path).claim("x", CONFIG, 0, owner=o) for o in owners[1:] * 2] == [True, False, False, False]
        assert (Store(path).get("x").owner, Store(path).get("x").attempts) == (owners[1], 2)
    finally:
        for p in holders:
            p.stdin.close()
            p.wait()


def test_not_a_database(tmp_path):
    bad = tmp_path / "bad.db"
    bad.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(AblabError, match="bad.db"):
        Store(bad)


def test_keys_filter_and_state_filter(tmp_path):
    store = Store(tmp_path / "s.db")
    for k in "abc":
        store.add_pending(k, CONFIG, 0)
    store.claim("b", CONFIG, 0)
    assert [r.key for r in store.trials(keys=["a", "c"])] == ["a", "c"]
    assert [r.key for r in store.trials(state="running")] == ["b"]
