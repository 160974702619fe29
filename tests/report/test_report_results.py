"""`ablab report --results FILE`: a report rendered from a results export equals the one rendered from its store."""

import csv

import numpy as np
import pytest

from ablab.commands import build_app, run_app
from ablab.errors import AblabError
from ablab.report import write_report
from ablab.store import Store
from ablab.store.export import read_export, snapshot, write_export
from ablab.store.studies import StudyIndex, arrays_to_bytes
from ablab.studies.catalog import load_builtin
from ablab.studies.expand import expand, unique_specs
from ablab.train.spec import TrialResult


def _result(key, accuracy, epochs, device):
    curve = [accuracy - 0.05 * (epochs - e - 1) for e in range(epochs)]
    return TrialResult(key=key, state="complete", test_loss=1 - accuracy, test_accuracy=accuracy,
                       history={"accuracy": curve, "val_accuracy": curve, "loss": curve, "val_loss": curve},
                       metrics={"note": [1, 2]}, wall_time_s=10.0, fit_time_s=9.0, backend="jax",
                       versions={"keras": "3"}, device=device)


@pytest.fixture
def store(tmp_path):
    """Tables 1 and 6 (full profile, 2 seeds) with made-up results, one trial left pending, Figure 1's artifact."""
    store, rng = Store(tmp_path / "s.db"), np.random.default_rng(1)
    index = StudyIndex(store)
    for name in ("table1", "table6"):
        spec = load_builtin(name)
        cells = expand(spec, "full", seeds=2)
        index.record(spec, "full", cells)
        for trial in unique_specs(cells)[:-1]:  # the last stays pending
            store.claim(trial.key, trial.config_dict(), trial.seed)
            store.finish(trial.key, _result(trial.key, float(0.9 + rng.normal(0, 0.01)), trial.config.epochs,
                                            "NVIDIA H200"))
    image = rng.integers(0, 255, (28, 28)).astype(np.uint8)
    index.put_artifact("permutation-sample:fashion-mnist:42", "npz",
                       arrays_to_bytes(original=image, permuted=image[::-1], label=np.array([3])),
                       {"dataset": "fashion-mnist", "permutation_seed": 42, "test_index": 0})
    return store


def _without_source_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if "generated" not in line]  # names the store/file and the time


def test_export_round_trips_everything_a_report_reads(store, tmp_path):
    csv_path = tmp_path / "results.csv"
    assert write_export(store, csv_path) == len(store.trials())
    before, after = snapshot(store), read_export(csv_path)
    assert after.trials == before.trials  # every field, curves and device included (owner: none once finished)
    assert after.memberships == before.memberships
    assert after.studies == before.studies
    assert after.artifacts == before.artifacts
    with csv_path.open() as f:
        rows = list(csv.DictReader(f))
    assert {r["device"] for r in rows if r["record"] == "trial"} == {"NVIDIA H200"}
    assert sum(r["record"] == "cells" for r in rows) == 2  # the never-started trial of each study keeps its cells


def test_report_from_results_equals_report_from_store(store, tmp_path):
    csv_path = tmp_path / "results.csv"
    write_export(store, csv_path)
    from_store = write_report(store.path, tmp_path / "a")
    from_csv = write_report(None, tmp_path / "b", results=csv_path)
    assert _without_source_lines(from_csv["markdown"].read_text()) == _without_source_lines(
        from_store["markdown"].read_text())
    for name in ("summary.csv", "trials.csv"):
        assert (tmp_path / "b" / name).read_text() == (tmp_path / "a" / name).read_text()
    md = from_csv["markdown"].read_text()
    assert "Devices: NVIDIA H200" in md and "## Table 6:" in md and "## Findings" in md


def _cli(args: list[str], capsys) -> tuple[int, str]:
    """Run the CLI in this process as `ablab` does (AblabError -> exit 2); (exit code, stdout + stderr)."""
    with pytest.raises(SystemExit) as exit_:
        run_app(build_app(), args)
    out = capsys.readouterr()
    return exit_.value.code or 0, out.out + out.err


def test_report_cli_with_results_and_bad_files(store, tmp_path, capsys):
    csv_path = tmp_path / "results.csv"
    assert _cli(["results", "export", "--csv", str(csv_path), "--store", str(store.path)], capsys)[0] == 0
    code, output = _cli(["report", "--results", str(csv_path), "--out", str(tmp_path / "r")], capsys)
    assert code == 0, output
    assert (tmp_path / "r" / "index.html").is_file()
    code, output = _cli(["report", "--results", str(tmp_path / "nope.csv"), "--out", str(tmp_path / "x")], capsys)
    assert code == 2 and "nope.csv does not exist" in output
    foreign = tmp_path / "foreign.csv"
    foreign.write_text("key,state\nabc,complete\n")
    code, output = _cli(["report", "--results", str(foreign), "--out", str(tmp_path / "y")], capsys)
    assert code == 2 and "not an ablab export" in output and "results export --csv" in output


def test_a_damaged_row_names_the_file_and_line(store, tmp_path):
    csv_path = tmp_path / "results.csv"
    write_export(store, csv_path)
    lines = csv_path.read_text().splitlines()
    lines[2] = lines[2].replace('"config"', '"konfig"', 1)
    csv_path.write_text("\n".join(lines) + "\n")
    with pytest.raises(AblabError, match=r"results.csv:3: unreadable row"):
        read_export(csv_path)
