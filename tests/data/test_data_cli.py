"""`ablab data fetch` / `ablab data info`: output, exit code 2 on errors (incl. a corrupted cached file)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import typer

from ablab.commands import run_app
from ablab.commands.data import register, resolve_cache_dir
from ablab.data import DATASETS, default_cache_dir
from ablab.data.registry import MNIST


def _app() -> typer.Typer:
    """Just the data group, under a root like the real one (other groups are not needed here)."""
    app = typer.Typer(no_args_is_help=True, pretty_exceptions_enable=False)

    @app.callback()
    def _root() -> None:
        pass

    register(app)
    return app


def _run(argv: list[str]) -> int:
    try:
        run_app(_app(), argv)
    except SystemExit as done:
        return done.code or 0
    return 0


@pytest.fixture
def tiny_registered(monkeypatch, tmp_path, tiny, tiny_npz_spec):
    """`tiny` in the registry, fetchable from a fake Keras dir (KERAS_HOME) into tmp_path/cache."""
    monkeypatch.setitem(DATASETS, "tiny", tiny_npz_spec)
    keras_home = tmp_path / "keras_home"
    (keras_home / "datasets").mkdir(parents=True)
    a = tiny.arrays
    np.savez(
        keras_home / "datasets" / "mnist.npz",
        x_train=a["train_images"], y_train=a["train_labels"], x_test=a["test_images"], y_test=a["test_labels"],
    )
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    monkeypatch.delenv("ABLAB_CACHE", raising=False)
    return tmp_path / "cache"


def test_fetch_then_info(capsys, tiny_registered):
    cache = str(tiny_registered)
    assert _run(["data", "fetch", "tiny", "--cache-dir", cache]) == 0
    out = capsys.readouterr().out
    assert "trying Keras cache" in out and "ok: 4 files verified" in out
    assert _run(["data", "info", "tiny", "--cache-dir", cache]) == 0
    out = capsys.readouterr().out
    assert "source: Keras cache" in out and "train-images-idx3-ubyte" in out
    for row in ("│ train │       10 │", "│ valid │        2 │", "│ test  │        4 │"):
        assert row in out


def test_corrupted_cached_file_exits_2_naming_it(capsys, tiny_registered):
    cache = str(tiny_registered)
    assert _run(["data", "fetch", "tiny", "--cache-dir", cache]) == 0
    path = tiny_registered / "tiny" / "train-labels-idx1-ubyte"
    path.write_bytes(path.read_bytes()[:-1] + b"\x09")
    capsys.readouterr()
    assert _run(["data", "info", "tiny", "--cache-dir", cache]) == 2
    err = capsys.readouterr().err
    assert f"error: {path}: corrupted cached file" in err and "ablab data fetch tiny" in err


def test_info_on_unfetched_name_exits_2_with_fix(capsys, tmp_path, tiny_registered):
    assert _run(["data", "info", "tiny", "--cache-dir", str(tmp_path / "empty")]) == 2
    assert "run `ablab data fetch tiny`" in capsys.readouterr().err


def test_unknown_dataset_exits_2_listing_known(capsys, tmp_path):
    assert _run(["data", "fetch", "cifar", "--cache-dir", str(tmp_path)]) == 2
    assert "unknown dataset 'cifar'; known: fashion-mnist, mnist" in capsys.readouterr().err


def test_cache_dir_resolution_order(tmp_path):
    assert resolve_cache_dir(tmp_path / "x", {"ABLAB_CACHE": "/elsewhere"}) == tmp_path / "x"
    assert resolve_cache_dir(None, {"ABLAB_CACHE": str(tmp_path)}) == tmp_path
    assert resolve_cache_dir(None, {}) == default_cache_dir()


def test_real_cli_corrupted_mnist_file_exits_2(tmp_path):
    """The installed `ablab` on a copy of the real MNIST cache with one corrupted file: exit 2, file named."""
    real = default_cache_dir() / "mnist"
    if not (real / "manifest.json").exists():
        pytest.skip(f"real MNIST not fetched into {real}; run `ablab data fetch mnist` (make test does)")
    copy = tmp_path / "mnist"
    copy.mkdir()
    for item in real.iterdir():  # link the big files, copy what we corrupt
        if item.name in ("manifest.json", "t10k-labels-idx1-ubyte"):
            shutil.copy(item, copy / item.name)
        else:
            (copy / item.name).symlink_to(item)
    bad = copy / "t10k-labels-idx1-ubyte"
    bad.write_bytes(bad.read_bytes()[:-1])
    ablab = Path(sys.executable).with_name("ablab")
    result = subprocess.run(
        [str(ablab), "data", "info", "mnist", "--cache-dir", str(tmp_path)], capture_output=True, text=True
    )
    assert result.returncode == 2, result.stderr
    assert f"{bad}: truncated or damaged cached file" in result.stderr
    assert MNIST.fetch_hint in result.stderr
