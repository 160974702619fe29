"""The driver: resume, failures, kill -9 mid-trial, two concurrent runs, and Ray vs local (tiny data, tiny MLPs)."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from ablab.store import Store
from ablab.store.studies import StudyIndex
from ablab.studies.executors import make_executor
from ablab.studies.runner import run_studies
from ablab.studies.spec import parse_spec
from study_fixtures import HOOK, tiny_spec

HERE = Path(__file__).resolve().parent
POLL_S = 0.1


def run_inline(spec, store, **kwargs):
    executor = make_executor("local", workers=0, data_dir=None, hook=HOOK)
    return run_studies([spec], store, executor, profile="quick", hook=HOOK, show_progress=False, **kwargs)


def study_keys(store: Store, study: str) -> set[str]:
    return {m.key for m in StudyIndex(store).memberships(study)}


def test_run_stores_every_cell_and_a_rerun_skips_them(tmp_path):
    store = Store(tmp_path / "s.db")
    spec = parse_spec(tiny_spec(seeds=2, rows=2))
    first = run_inline(spec, store)
    assert (first.cells, first.trials, first.ran, first.complete, first.failed) == (8, 8, 8, 8, 0)
    rows = store.trials(keys=list(study_keys(store, "tiny")))
    assert len(rows) == 8 and all(r.state == "complete" and r.attempts == 1 for r in rows)
    assert all(0.0 <= r.test_accuracy <= 1.0 and r.history["val_accuracy"] for r in rows)
    again = run_inline(spec, store, seeds=3)  # one more seed: only the new cells run
    assert (again.already_finished, again.ran) == (8, 4)


def test_failed_trials_are_rerun(tmp_path, monkeypatch):
    store = Store(tmp_path / "s.db")
    spec = parse_spec(tiny_spec(seeds=1, rows=2))
    import ablab.train.run as run_module

    real = run_module.run_trial
    def flaky(trial, **kwargs):
        if trial.config.learning_rate == 0.1:
            raise RuntimeError("boom")
        return real(trial, **kwargs)
    monkeypatch.setattr(run_module, "run_trial", flaky)
    summary = run_inline(spec, store)
    assert (summary.complete, summary.failed) == (2, 2)
    assert all("RuntimeError: boom" in e for e in summary.errors.values())
    monkeypatch.setattr(run_module, "run_trial", real)
    summary = run_inline(spec, store)
    assert (summary.already_finished, summary.ran, summary.complete) == (2, 2, 2)
    attempts = sorted(r.attempts for r in store.trials())
    assert attempts == [1, 1, 2, 2]


def _cli(store: Path, spec: Path, *extra: str) -> list[str]:
    return [sys.executable, "-m", "ablab.cli", "study", "run", str(spec), "--store", str(store), "--profile", "quick",
            "--worker-hook", HOOK, "--no-progress", *extra]


def _env() -> dict:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(HERE), os.environ.get("PYTHONPATH", "")])}


def _wait_for(condition, process, timeout_s=240.0):
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert process.poll() is None, f"study run exited early: {process.communicate()}"
        assert time.monotonic() < deadline, "timed out waiting for the study run"
        time.sleep(POLL_S)


def test_kill_minus_9_mid_trial_then_rerun_runs_every_trial_exactly_once(tmp_path):
    spec_path, db = tmp_path / "tiny.yaml", tmp_path / "s.db"
    spec_path.write_text(yaml.safe_dump(tiny_spec(seeds=2, rows=2)))
    process = subprocess.Popen(_cli(db, spec_path, "--workers", "1"), env=_env(), start_new_session=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        def mid_trial():
            states = [r.state for r in Store(db).trials()] if db.exists() else []
            return states.count("complete") >= 2 and states.count("running") == 1
        _wait_for(mid_trial, process)
        before = {r.key: r for r in Store(db).trials()}
        os.killpg(process.pid, signal.SIGKILL)  # the driver and its worker, mid-trial
        process.wait()
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    interrupted = [k for k, r in before.items() if r.state == "running"]
    finished = {k for k, r in before.items() if r.state == "complete"}
    assert len(interrupted) == 1

    rerun = subprocess.run(_cli(db, spec_path, "--workers", "1"), env=_env(), capture_output=True, text=True,
                           timeout=300)
    assert rerun.returncode == 0, rerun.stderr
    assert "oneDNN" not in rerun.stderr  # workers import TensorFlow without its C++ INFO lines
    store = Store(db)
    rows = {r.key: r for r in store.trials()}
    assert set(rows) == study_keys(store, "tiny") and len(rows) == 8
    assert all(r.state == "complete" for r in rows.values())
    assert rows[interrupted[0]].attempts == 2  # claimed by the killed run, then rerun once
    for key in finished:  # finished before the kill: never run again
        assert rows[key].attempts == 1 and rows[key].updated_at == before[key].updated_at
    assert sum(r.attempts for r in rows.values()) == 8 + 1


def test_two_concurrent_runs_never_run_a_trial_twice(tmp_path):
    spec_path, db = tmp_path / "tiny.yaml", tmp_path / "s.db"
    spec_path.write_text(yaml.safe_dump(tiny_spec(seeds=3, rows=2)))
    Store(db)  # both runs open an existing store
    runs = [subprocess.Popen(_cli(db, spec_path, "--workers", "1"), env=_env(), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [p.communicate(timeout=400) for p in runs]
    assert [p.returncode for p in runs] == [0, 0], outputs
    rows = Store(db).trials()
    assert len(rows) == 12
    assert all(r.state == "complete" and r.attempts == 1 for r in rows)
    ran = [int(out.split("ran ")[1].split(" ")[0]) for out, _ in outputs]
    assert sum(ran) == 12  # the runs split the trials between them


def test_ray_executor_gives_the_same_rows_as_local(tmp_path):
    pytest.importorskip("ray")
    spec = parse_spec(tiny_spec(seeds=1, rows=2))
    local_store, ray_store = Store(tmp_path / "local.db"), Store(tmp_path / "ray.db")
    local = run_studies([spec], local_store, make_executor("local", workers=1, data_dir=None, hook=HOOK),
                        profile="quick", hook=HOOK, show_progress=False)
    ray_run = run_studies([spec], ray_store, make_executor("ray", workers=2, data_dir=None, hook=HOOK),
                          profile="quick", hook=HOOK, show_progress=False)
    assert (local.complete, ray_run.complete, ray_run.failed) == (4, 4, 0), ray_run.errors

    def rows(store):
        trials = {t.key: t for t in store.trials()}
        return sorted((m.group, m.row, m.dataset, m.seed, m.key, trials[m.key].state,
                       round(trials[m.key].test_accuracy, 6), round(trials[m.key].test_loss, 4))
                      for m in StudyIndex(store).memberships("tiny"))

    assert rows(ray_store) == rows(local_store)
    assert len(rows(ray_store)) == 4
