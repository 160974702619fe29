"""`ablab train` / `ablab results` through the real console script (exit codes included)."""

import csv
import subprocess
import sys
from pathlib import Path

import pytest

ABLAB = [str(Path(sys.executable).with_name("ablab"))]


def ablab(*args, **kwargs):
    return subprocess.run([*ABLAB, *args], capture_output=True, text=True, timeout=300, **kwargs)


def test_bogus_optimizer_exits_2_lists_choices_and_stores_nothing(tmp_path):
    store = tmp_path / "runs" / "a.db"
    proc = ablab("train", "--set", "optimizer=bogus", "--store", str(store))
    assert proc.returncode == 2
    assert "optimizer" in proc.stderr and "nadam" in proc.stderr and "rmsprop" in proc.stderr
    assert not store.exists()


def test_unknown_set_key_exits_2_naming_it(tmp_path):
    proc = ablab("train", "--set", "learning_rat=0.1", "--store", str(tmp_path / "a.db"))
    assert proc.returncode == 2 and "learning_rat" in proc.stderr


def test_malformed_set_exits_2(tmp_path):
    proc = ablab("train", "--set", "optimizer", "--store", str(tmp_path / "a.db"))
    assert proc.returncode == 2 and "key=value" in proc.stderr


def test_unknown_dataset_and_preset_exit_2(tmp_path):
    proc = ablab("train", "--dataset", "cifar", "--store", str(tmp_path / "a.db"))
    assert proc.returncode == 2 and "fashion-mnist" in proc.stderr
    proc = ablab("train", "--preset", "huge", "--store", str(tmp_path / "a.db"))
    assert proc.returncode == 2 and "extra-layer-between" in proc.stderr


def test_results_on_missing_store_exits_2(tmp_path):
    proc = ablab("results", "list", "--store", str(tmp_path / "none.db"))
    assert proc.returncode == 2 and "none.db" in proc.stderr


def test_train_stores_and_exports(tmp_path, fake_dataset):
    """In-process run of the train command on tiny data, then results export."""
    from typer.testing import CliRunner

    from ablab.commands import build_app

    store = tmp_path / "s.db"
    runner = CliRunner()
    args = ["train", "--set", "hidden_units=[16]", "--set", "optimizer=adam", "--seed", "3", "--store", str(store)]
    result = runner.invoke(build_app(), args)
    assert result.exit_code == 0, result.output
    assert "complete" in result.output
    again = runner.invoke(build_app(), args)
    assert "already stored" in again.output
    out = tmp_path / "trials.csv"
    assert runner.invoke(build_app(), ["results", "export", "--csv", str(out), "--store", str(store)]).exit_code == 0
    rows = list(csv.DictReader(out.open()))
    assert len(rows) == 1
    assert rows[0]["state"] == "complete" and rows[0]["seed"] == "3" and rows[0]["optimizer"] == "adam"
    assert (tmp_path / "models" / f"{rows[0]['key']}.keras").exists()
