"""`ablab study list|run|status` from the command line."""

import os
import subprocess
import sys
from pathlib import Path

import yaml

from ablab.store import Store
from ablab.studies.executors import make_executor
from ablab.studies.runner import run_studies
from ablab.studies.spec import parse_spec
from study_fixtures import HOOK, tiny_spec


def ablab(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent)}
    return subprocess.run([sys.executable, "-m", "ablab.cli", *args], capture_output=True, text=True, env=env,
                          timeout=300)


def test_list_shows_every_table_with_its_counts():
    result = ablab("study", "list")
    assert result.returncode == 0, result.stderr
    for i in range(1, 8):
        assert f"table{i}" in result.stdout
    assert "60/52" in result.stdout and "90/78" in result.stdout  # table2: cells/trials quick, full
    assert "clock-encodings" in result.stdout and "39/39" in result.stdout  # Task 3: 13 encodings × 3 seeds
    assert result.stdout.index("table7") < result.stdout.index("clock-encodings")  # after the tables


def test_bad_spec_exits_2_with_the_field_path_and_stores_nothing(tmp_path):
    spec = tiny_spec()
    spec["vary"][0]["rows"][1]["set"] = {"optimizer": "bogus"}
    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump(spec))
    result = ablab("study", "run", str(path), "--store", str(tmp_path / "s.db"))
    assert result.returncode == 2
    assert "vary[0].rows[1].set.optimizer" in result.stderr and "'adadelta'" in result.stderr
    assert not (tmp_path / "s.db").exists()
    assert ablab("study", "run", "table2", "--profile", "fast", "--store", str(tmp_path / "s.db")).returncode == 2
    unknown = ablab("study", "run", "table2", "--executor", "dask", "--store", str(tmp_path / "s.db"))
    assert unknown.returncode == 2 and "known: local, ray" in unknown.stderr


def test_status_after_a_run(tmp_path):
    store = Store(tmp_path / "s.db")
    spec = parse_spec(tiny_spec(seeds=1, rows=2))
    run_studies([spec], store, make_executor("local", workers=0, data_dir=None, hook=HOOK), profile="quick",
                hook=HOOK, show_progress=False)
    result = ablab("study", "status", "tiny", "--store", str(store.path))
    assert result.returncode == 0, result.stderr
    assert "tiny: 4/4 cells finished" in result.stdout and "lr 0.1" in result.stdout
    missing = ablab("study", "status", "table3", "--store", str(store.path))
    assert missing.returncode == 2 and "no recorded trials" in missing.stderr


def test_an_unreachable_ray_address_exits_2_naming_it(tmp_path):
    import socket

    with socket.socket() as probe:  # a port nothing listens on once closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    address = f"ray://127.0.0.1:{port}"
    path = tmp_path / "t.yaml"
    path.write_text(yaml.safe_dump(tiny_spec(seeds=1, rows=1)))
    result = ablab("study", "run", str(path), "--executor", "ray", "--ray-address", address,
                   "--store", str(tmp_path / "s.db"))
    assert result.returncode == 2
    assert f"--ray-address {address}: nothing answers at 127.0.0.1:{port}" in result.stderr
