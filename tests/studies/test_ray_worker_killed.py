"""A Ray worker killed mid-trial (SIGKILL, as the kernel's out-of-memory killer or a lost node does it): Ray runs
the trial once more; killed again, the trial is stored failed; the study finishes, and no trial is stored or run
to the end twice.

The worker hook below kills the worker process inside run_trial: the MNIST trial at learning rate 0.1 on its first
attempt only, the Fashion-MNIST one at 0.1 on every attempt. Each attempt and each finished run leaves a file in
$ABLAB_TEST_KILL_DIR (inherited by the local Ray's workers), which is how the test counts them.
"""

from __future__ import annotations

import os
import signal
import uuid
from pathlib import Path

import pytest

from ablab.store import Store
from ablab.studies.executors import make_executor
from ablab.studies.runner import run_studies
from ablab.studies.spec import parse_spec
from study_fixtures import install_tiny_data, tiny_spec

HOOK = "test_ray_worker_killed:install_killer"
KILLED_ONCE, KILLED_ALWAYS = ("mnist", 0.1), ("fashion-mnist", 0.1)


def install_killer() -> None:
    """Worker hook: tiny data, and a run_trial that kills its own process for the trials named above."""
    install_tiny_data()
    import ablab.train.run as run_module

    real_run_trial = run_module.run_trial
    marks = Path(os.environ["ABLAB_TEST_KILL_DIR"])

    def run_trial(spec, **kwargs):
        cell = (spec.config.dataset, spec.config.learning_rate)
        attempt = len(list(marks.glob(f"attempt-{spec.key}-*"))) + 1
        (marks / f"attempt-{spec.key}-{attempt}").touch()
        if cell == KILLED_ALWAYS or (cell == KILLED_ONCE and attempt == 1):
            os.kill(os.getpid(), signal.SIGKILL)
        result = real_run_trial(spec, **kwargs)
        (marks / f"ran-{spec.key}-{uuid.uuid4().hex}").touch()
        return result

    run_module.run_trial = run_trial


def test_a_killed_ray_worker_retries_the_trial_once_then_fails_it_and_the_study_finishes(tmp_path, monkeypatch):
    pytest.importorskip("ray")
    import ablab.train.run as run_module

    # the driver calls the hook too: restore its run_trial afterwards, or a later test running trials in this
    # process (the inline executor) would kill pytest itself
    monkeypatch.setattr(run_module, "run_trial", run_module.run_trial)
    marks = tmp_path / "marks"
    marks.mkdir()
    monkeypatch.setenv("ABLAB_TEST_KILL_DIR", str(marks))
    store = Store(tmp_path / "s.db")
    spec = parse_spec(tiny_spec(seeds=1, rows=2))  # learning rates 0.001 (default) and 0.1, on two datasets
    summary = run_studies([spec], store, make_executor("ray", workers=2, data_dir=None, hook=HOOK),
                          profile="quick", hook=HOOK, show_progress=False)
    assert (summary.ran, summary.complete, summary.failed) == (4, 3, 1), summary.errors

    rows = {(r.config["dataset"], r.config["learning_rate"]): r for r in store.trials()}
    assert len(rows) == 4 and all(r.attempts == 1 for r in rows.values())  # one claim each: no duplicate
    failed = rows[KILLED_ALWAYS]
    assert failed.state == "failed" and "died" in failed.error.lower(), failed.error
    assert all(r.state == "complete" for cell, r in rows.items() if cell != KILLED_ALWAYS)

    def count(prefix: str, key: str) -> int:
        return len(list(marks.glob(f"{prefix}-{key}-*")))

    assert count("attempt", rows[KILLED_ONCE].key) == 2 and count("attempt", failed.key) == 2  # retried once
    assert {cell: count("ran", r.key) for cell, r in rows.items()} == {
        cell: int(cell != KILLED_ALWAYS) for cell in rows}  # each finished trial ran to the end exactly once
