"""bench/full_profile.py without training: packing choice, the CPU slice spec, releasing a stopped call's trials,
stopping a study run's process group, and the README it writes. The whole path (run, stop at the budget, resume,
export, report --results) is the slow test at the end (minutes on 2 cores)."""

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "bench"))

import full_profile  # noqa: E402
from _full_profile_docs import readme  # noqa: E402

from ablab.store import Store, owner_alive  # noqa: E402


def _point(trials, aggregate):
    return {"concurrent_trials": trials, "complete": trials, "aggregate_steady_images_per_s": aggregate}


def test_best_fraction_prefers_the_smaller_packing_within_five_percent():
    assert full_profile.best_fraction([_point(1, 100), _point(2, 180), _point(4, 300), _point(8, 310)]) == 0.25
    assert full_profile.best_fraction([_point(1, 100), _point(2, 180), _point(4, 200), _point(8, 400)]) == 0.125
    failed = {"concurrent_trials": 8, "complete": 5, "aggregate_steady_images_per_s": 999}  # out of memory: skip it
    assert full_profile.best_fraction([_point(1, 100), failed]) == 1.0


def test_slice_spec_is_two_rows_of_table6_for_one_epoch(tmp_path):
    from ablab.studies.catalog import resolve_spec
    from ablab.studies.expand import expand

    cells = expand(resolve_spec(str(full_profile.slice_spec(tmp_path))), "full")
    assert [(c.table, c.dataset, c.seed) for c in cells] == [(6, "mnist", 0)] * 2
    assert {(c.spec.config.epochs, c.spec.config.train_subset) for c in cells} == {(1, 2000)}
    assert len(full_profile.study_keys(str(tmp_path / "table6-slice.yaml"))) == 2


def test_a_stopped_calls_running_trials_run_again(tmp_path):
    store = Store(tmp_path / "s.db")
    store.claim("k1", {"model": "cnn"}, 0, owner="gpu-machine-gone:123")
    assert full_profile.release_interrupted(store.path) == 1
    assert store.get("k1").state == "failed" and "ran out of time" in store.get("k1").error
    assert full_profile.release_interrupted(tmp_path / "none.db") == 0


GRANDCHILD = "import subprocess; sleeper = subprocess.Popen(['sleep', '600']); print(sleeper.pid, flush=True); " \
             "sleeper.wait()"  # a study run's worker: the child's child, in the child's process group


def test_stop_ends_the_whole_process_group():
    proc = subprocess.Popen([sys.executable, "-c", GRANDCHILD], start_new_session=True, stdout=subprocess.PIPE,
                            text=True)
    grandchild = f"{socket.gethostname()}:{int(proc.stdout.readline())}"
    try:
        full_profile.stop(proc)
        assert proc.poll() is not None
        deadline = time.monotonic() + 30.0  # SIGTERM is delivered at once; the grandchild then has to be scheduled
        while owner_alive(grandchild, None, now=time.time()) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not owner_alive(grandchild, None, now=time.time()), "the grandchild outlived stop()"
    finally:
        proc.stdout.close()
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(grandchild.rpartition(":")[2]), signal.SIGKILL)


def test_readme_says_devices_time_and_what_is_unfinished():
    progress = {"calls": [{"started": "2026-11-29 17:23:03 UTC", "gpu": "NVIDIA H200", "backend": "jax",
                           "gpus_per_trial": 0.25, "wall_s": 520.0,
                           "studies": [{"study": "table1", "finished": 20, "trials": 24, "stopped_at_budget": True}]}]}
    summary = {"studies": {"table1": (20, 24), "table7": (48, 48)}, "devices": ["NVIDIA H200"],
               "trial_time_s": 7200.0, "finished": 68}
    text = readme(summary, progress, None)
    assert "Devices: NVIDIA H200; 68 finished trials, summed trial time 7,200 s (2.00 h)" in text
    assert "- table1: 20/24 trials finished\n" in text and "- table7: 48/48 trials finished — complete" in text
    assert "table1 20/24 (stopped at budget)" in text


@pytest.mark.slow
def test_cpu_slice_runs_stops_resumes_and_reports(tmp_path):
    store = tmp_path / "slice" / "ablab.db"
    bench = [sys.executable, str(ROOT / "bench" / "full_profile.py")]
    subprocess.run([*bench, "run", "--slice", "--store", str(store), "--budget-s", "15"], check=True)
    subprocess.run([*bench, "run", "--slice", "--store", str(store), "--budget-s", "1200"], check=True)
    first, second = (call["studies"] for call in json.loads((store.parent / "progress.json").read_text())["calls"])
    assert [(s["stopped_at_budget"], s["finished"] < s["trials"]) for s in first] == [(True, True)]  # stopped
    assert [(s["stopped_at_budget"], s["finished"], s["trials"]) for s in second] == [(False, 2, 2)]  # resumed
    rows = Store(store).trials()
    assert len(rows) == 2 and {r.state for r in rows} == {"complete"}
    subprocess.run([sys.executable, "-m", "ablab.cli", "report", "--results", str(store.parent / "results.csv"),
                    "--out", str(tmp_path / "report")], check=True)  # run exported the store beside it
    report = (tmp_path / "report" / "report.md").read_text()
    assert "Table 6 (slice)" in report
    assert all(f"| {r.test_accuracy:.3f} " in report for r in rows)  # the slice's accuracies, in its table


def test_copy_store_keeps_trials_still_in_the_write_ahead_log(tmp_path):
    store = Store(tmp_path / "a" / "ablab.db")
    held = store._connect()  # an open connection keeps the WAL from being checkpointed into the main file
    store.claim("k1", {"model": "cnn"}, 0)
    full_profile.copy_store(store.path, tmp_path / "copy.db")
    held.close()
    assert [r.key for r in Store(tmp_path / "copy.db").trials()] == ["k1"]


def test_sweep_point_measures_per_trial_and_aggregate_rates(tmp_path, monkeypatch):
    """The GPU-only sweep, with the study run replaced by one that stores k trials of known epoch times."""
    from ablab.train.spec import TrialResult

    def fake_study_run(command, **kwargs):
        store = Store(command[command.index("--store") + 1])
        trials = int(command[command.index("--workers") + 1])
        assert float(command[command.index("--gpus-per-trial") + 1]) == 1 / trials
        for i in range(trials):
            store.claim(f"k{i}", {"model": "cnn"}, i)
            store.finish(f"k{i}", TrialResult(
                key=f"k{i}", state="complete", test_loss=0.1, test_accuracy=0.98, history={"epoch_time_s": [9.0, 5.5]},
                metrics={}, wall_time_s=20, fit_time_s=15, backend="jax", versions={}, device="NVIDIA H200"))
    monkeypatch.setattr(full_profile.subprocess, "run", fake_study_run)
    point = full_profile.sweep_point(tmp_path, 4, "jax", full_profile.parse_args(["run"]))
    assert point["complete"] == 4 and point["per_trial_images_per_s"] == [10_000.0] * 4  # 55,000 / 5.5 s
    assert point["aggregate_steady_images_per_s"] == 40_000.0 and point["devices"] == ["NVIDIA H200"]
    assert "sweep-4" in (tmp_path / "sweep-4.yaml").read_text()


def test_keras_epoch_lines_are_read_from_the_training_log(tmp_path):
    from _full_profile_docs import keras_epochs

    log = tmp_path / "train.log"
    log.write_text("Epoch 1/10\n215/215 - 981s - 5s/step - accuracy: 0.7893 - loss: 0.6603 - val_accuracy: 0.9772 - "
                   "val_loss: 0.0739\nEpoch 2/10\n")
    assert keras_epochs(log) == [{"seconds": 981, "accuracy": 0.7893, "loss": 0.6603, "val_accuracy": 0.9772,
                                  "val_loss": 0.0739}]
    assert keras_epochs(tmp_path / "none.log") == []


def test_a_fresh_checkout_resumes_the_published_store_and_never_overwrites_its_own(tmp_path):
    published = tmp_path / "full-report" / "store"
    Store(published / "ablab.db").claim("k1", {"model": "cnn"}, 0, owner="h200:1")
    (published / "sweep.json").write_text('{"chosen_gpus_per_trial": 0.125}')
    args = full_profile.parse_args(["prepare", "--store", str(tmp_path / "runs" / "ablab.db"),
                                    "--report-dir", str(tmp_path / "full-report")])
    full_profile.seed_store(args)
    assert Store(args.store).get("k1").state == "running"
    assert (args.store.parent / "sweep.json").read_text() == '{"chosen_gpus_per_trial": 0.125}'
    Store(args.store).fail("k1", "interrupted")
    full_profile.seed_store(args)  # a store of its own: left as it is
    assert Store(args.store).get("k1").state == "failed"
