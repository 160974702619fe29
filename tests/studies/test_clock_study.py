"""The built-in `clock-encodings` study (Task 3): its rows and profiles, and a tiny clock study run end to end."""

import numpy as np
import pytest

from ablab.clock.read.config import full_config, quick_config
from ablab.clock.read.encodings import ENCODINGS
from ablab.store import Store
from ablab.store.studies import StudyIndex, bytes_to_arrays, trial_artifact_name
from ablab.studies.catalog import load_builtin
from ablab.studies.executors import make_executor
from ablab.studies.expand import expand, unique_specs
from ablab.studies.runner import run_studies
from ablab.studies.spec import parse_spec


@pytest.mark.parametrize("profile,make", [("quick", quick_config), ("full", full_config)])
def test_clock_encodings_is_every_encoding_times_3_seeds_on_the_same_data(profile, make):
    spec = load_builtin("clock-encodings")
    cells = expand(spec, profile)
    assert len(cells) == 13 * 3 and len(unique_specs(cells)) == 39
    assert list(dict.fromkeys(c.row for c in cells)) == list(ENCODINGS)
    assert {c.seed for c in cells} == {0, 1, 2} and {c.group for c in cells} == {"Encoding"}
    for cell in cells:  # the profile is exactly the clock reader's quick/full config of that encoding
        assert cell.spec.config == make(cell.row)
    data = {(c.spec.config.preset, c.spec.config.n_images, c.spec.config.image_size, c.spec.config.data_seed)
            for c in cells}
    assert len(data) == 1  # one image set for every row
    assert spec.profile(profile).description and spec.task == "clock"


def tiny_clock_spec():
    return parse_spec({
        "name": "tiny-clock", "title": "Task 3: tiny", "task": "clock", "model": "clock-tiny", "seeds": 1,
        "base": {"preset": "single", "image_size": 32, "n_images": 40, "epochs": 1, "batch_size": 16,
                 "precision": "float32"},
        "vary": [{"group": "Encoding", "rows": [{"label": e, "set": {"encoding": e}}
                                                for e in ("periodic", "hands")]}],
    })


def test_a_clock_study_renders_its_data_once_and_stores_each_trials_errors(tmp_path, monkeypatch):
    """Two trials (two encodings) on one data set: it is rendered once, by the driver, and both read it."""
    import ablab.clock.data.generate as generate_module

    renders = []
    real_generate = generate_module.generate
    monkeypatch.setattr(generate_module, "generate", lambda *a, **k: renders.append(a) or real_generate(*a, **k))
    store = Store(tmp_path / "s.db")
    data_dir = tmp_path / "data"
    summary = run_studies([tiny_clock_spec()], store, make_executor("local", workers=0, data_dir=data_dir),
                          profile="quick", data_dir=data_dir, show_progress=False)
    assert summary.complete == 2 and summary.failed == 0 and len(store.trials()) == 2
    assert [p.name for p in data_dir.iterdir()] == ["clock-single-32px-n40-seed0"]  # one data set...
    assert len(renders) == 1  # ...rendered once, not once a trial
    index = StudyIndex(store)
    for row in store.trials():
        assert row.metrics["n"] == 4 and 0 <= row.metrics["mean_cse_min"] <= 360
        kind, blob, meta = index.artifact(trial_artifact_name(row.key, "clock-errors"))
        arrays = bytes_to_arrays(blob)
        assert kind == "npz" and meta["key"] == row.key and len(blob) < 20_000
        assert arrays["errors_min"].shape == (4,) and arrays["worst_images"].shape == (4, 32, 32)
        assert arrays["errors_min"][arrays["worst_index"][0]] == arrays["errors_min"].max()
        assert np.all(np.diff(arrays["errors_min"][arrays["worst_index"]].astype(int)) <= 0)  # worst first
