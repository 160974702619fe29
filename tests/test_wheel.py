"""The wheel, not the checkout: build it, install it apart from src/, read a clock with the shipped reader and
render a report from there; and every data file the package uses (fonts and their licence, the shipped reader,
the built-in studies, the report's reference values) is in it.

Why: an editable install reads data files from src/, so a file missing from package-data only shows once someone
installs the wheel (`pip install .`): the shipped reader's worst readings and the fonts' licence were missing.

The wheel is built without build isolation (no internet) from a copy of the files git tracks or would add (not
the ignored ones), so the checkout gets no build/ or egg-info and no build output or cache can slip in. It is
installed with `--target` into a temporary folder and run with the project's own interpreter (its dependencies),
with src/ taken off sys.path.
About 20 s on 2 cores (build 3 s; the rest is three CLI calls, TensorFlow and the shipped reader loading).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from ablab.store import Store
from ablab.store.studies import StudyIndex, arrays_to_bytes
from ablab.studies.catalog import load_builtin
from ablab.studies.expand import expand, unique_specs
from ablab.train.spec import TrialResult

ROOT = Path(__file__).resolve().parents[1]
SRC = ROOT / "src"

# Runs the installed CLI with src/ off the path (the editable install's .pth puts it there) and checks that
# `ablab` comes from the installed wheel: argv = [SRC, SITE, CLI arguments...].
LAUNCHER = """\
import sys
src, site = sys.argv[1], sys.argv[2]
sys.path[:] = [p for p in sys.path if not p.startswith(src)]
import ablab
assert ablab.__file__.startswith(site), f"ablab imported from {ablab.__file__}, not from the wheel in {site}"
from ablab.cli import main
sys.argv = ["ablab", *sys.argv[3:]]
main()
"""


def git_files(*options: str) -> list[str]:
    """Files `git ls-files` lists with `options` (relative to the checkout's root); skips outside a checkout."""
    if not (ROOT / ".git").exists() or shutil.which("git") is None:
        pytest.skip("needs a git checkout to know which files are tracked")
    listed = subprocess.run(["git", "ls-files", "-z", *options], cwd=ROOT, capture_output=True, check=True)
    return [p for p in listed.stdout.decode().split("\0") if p and (ROOT / p).is_file()]


def build_wheel(files: list[str], tmp: Path) -> Path:
    """Copy `files` (checkout-relative) to tmp/tree and build a wheel of them into tmp/dist."""
    tree = tmp / "tree"
    for path in files:
        (tree / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(ROOT / path, tree / path)
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(tree), "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp / "dist")], check=True, capture_output=True, cwd=tmp)
    (wheel,) = (tmp / "dist").glob("ablab-*.whl")
    return wheel


def fake_result(key: str, accuracy: float, epochs: int) -> TrialResult:
    curve = [accuracy] * epochs
    return TrialResult(key=key, state="complete", test_loss=1 - accuracy, test_accuracy=accuracy,
                       history={"accuracy": curve, "val_accuracy": curve, "loss": curve, "val_loss": curve},
                       metrics={}, wall_time_s=1.0, fit_time_s=0.9, backend="tensorflow", versions={"keras": "3"})


def tiny_report_store(path: Path) -> Store:
    """Table 1 under the quick profile, 2 seeds, made-up accuracies (no training) and Figure 1's sample."""
    store, rng = Store(path), np.random.default_rng(0)
    index, spec = StudyIndex(store), load_builtin("table1")
    cells = expand(spec, "quick", seeds=2)
    index.record(spec, "quick", cells)
    for trial in unique_specs(cells):
        store.claim(trial.key, trial.config_dict(), trial.seed)
        store.finish(trial.key, fake_result(trial.key, float(0.9 + rng.normal(0, 0.004)), trial.config.epochs))
    image = rng.integers(0, 255, (28, 28)).astype(np.uint8)
    index.put_artifact("permutation-sample:fashion-mnist:42", "npz",
                       arrays_to_bytes(original=image, permuted=image[::-1], label=np.array([3])),
                       {"dataset": "fashion-mnist", "permutation_seed": 42, "test_index": 0})
    return store


def test_the_wheel_holds_every_data_file_reads_a_clock_and_renders_a_report(tmp_path):
    tracked = git_files()
    wheel = build_wheel(tracked + git_files("--others", "--exclude-standard"), tmp_path)  # the tree as committed
    data_files = {p.removeprefix("src/") for p in tracked if p.startswith("src/ablab/") and not p.endswith(".py")}
    assert {"ablab/clock/read/shipped/worst.npz", "ablab/clock/draw/fonts/LICENSE-Liberation.txt"} <= data_files
    with zipfile.ZipFile(wheel) as archive:
        assert sorted(data_files - set(archive.namelist())) == []

    site, run_dir = tmp_path / "site", tmp_path / "run"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(site), str(wheel)],
                   check=True, capture_output=True)
    run_dir.mkdir()
    (run_dir / "launch.py").write_text(LAUNCHER)
    env = {**os.environ, "PYTHONPATH": str(site), "PYTHONNOUSERSITE": "1"}

    def ablab(*args: str) -> subprocess.CompletedProcess:
        command = [sys.executable, str(run_dir / "launch.py"), str(SRC), str(site), *args]
        return subprocess.run(command, cwd=run_dir, env=env, capture_output=True, text=True, timeout=300)

    made = ablab("clock", "generate", "--out", str(run_dir / "clocks"), "--n", "1", "--workers", "1")
    assert made.returncode == 0, made.stderr
    Image.fromarray(np.load(run_dir / "clocks" / "images.npy")[0]).save(run_dir / "clock.png")
    read = ablab("clock", "read", str(run_dir / "clock.png"), "--store", str(run_dir / "empty.db"))
    assert read.returncode == 0, read.stderr
    assert "the shipped reader" in read.stderr
    hour, minute = map(int, re.match(r"(\d\d):(\d\d) ", read.stdout).groups())
    true_hour, true_minute = np.load(run_dir / "clocks" / "labels.npy")[0]
    error_min = abs((hour * 60 + minute) - (true_hour * 60 + true_minute)) % 720
    assert min(error_min, 720 - error_min) <= 5  # the shipped reader reads this seed-0 clock within 5 min

    store = tiny_report_store(run_dir / "s.db")
    report = ablab("report", "--store", str(store.path), "--out", str(run_dir / "report"), "--profile", "quick")
    assert report.returncode == 0, report.stderr
    assert "## Table 1:" in (run_dir / "report" / "report.md").read_text()
    assert (run_dir / "report" / "index.html").is_file()
