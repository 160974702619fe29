"""Generator: same seed same bytes whatever the worker count, labels in range and uniform, files on disk, CLI."""

import json

import numpy as np
import pytest

from ablab.clock.data import dataset
from ablab.clock.data.generate import generate, sample_rng, sample_time, write_clock_dir
from ablab.errors import AblabError

N = 16


@pytest.mark.parametrize("preset", ["single", "varied", "photo-floor"])
def test_same_seed_same_bytes_with_one_or_two_workers(preset):
    one = generate(preset, N, seed=5, workers=1)
    two = generate(preset, N, seed=5, workers=2)
    assert one.images.tobytes() == two.images.tobytes()
    assert np.array_equal(one.labels, two.labels)
    assert np.array_equal(one.rotation_deg, two.rotation_deg)
    assert np.array_equal(one.mirrored, two.mirrored)


def test_different_seeds_differ_and_prefixes_agree():
    a = generate("varied", N, seed=1, workers=1)
    b = generate("varied", N, seed=2, workers=1)
    assert not np.array_equal(a.labels, b.labels)
    assert all(a.images[i].tobytes() != b.images[i].tobytes() for i in range(N))
    first = generate("varied", 4, seed=1, workers=1)
    assert first.images.tobytes() == a.images[:4].tobytes()  # sample i depends on (seed, i) only


def test_shapes_dtypes_and_label_ranges():
    clocks = generate("single", N, size=64, seed=3, workers=1)
    assert clocks.images.shape == (N, 64, 64) and clocks.images.dtype == np.uint8
    assert clocks.labels.shape == (N, 2) and clocks.labels.dtype == np.int64
    assert clocks.rotation_deg.shape == (N,) and clocks.rotation_deg.dtype == np.float64
    assert clocks.mirrored.shape == (N,) and clocks.mirrored.dtype == bool
    assert clocks.labels[:, 0].min() >= 0 and clocks.labels[:, 0].max() <= 11
    assert clocks.labels[:, 1].min() >= 0 and clocks.labels[:, 1].max() <= 59
    assert ((clocks.rotation_deg >= 0) & (clocks.rotation_deg < 360)).all()
    assert clocks.images.std() > 10  # pictures, not blank arrays


def test_times_are_uniform_over_the_half_day():
    minutes = np.array([60 * h + m for h, m in (sample_time(sample_rng(0, i)) for i in range(7200))])
    counts = np.bincount(minutes // 60, minlength=12)  # 600 expected per hour
    assert counts.min() > 500 and counts.max() < 700
    assert len(np.unique(minutes)) > 700


def test_progress_reports_every_sample():
    calls = []
    generate("single", 10, seed=0, workers=1, progress=lambda done, total: calls.append((done, total)))
    assert calls[-1] == (10, 10) and all(total == 10 for _, total in calls)


def test_bad_arguments_are_user_errors():
    with pytest.raises(AblabError, match="unknown clock preset 'nope'"):
        generate("nope", 4, seed=0)
    with pytest.raises(AblabError, match="--n must be at least 1"):
        generate("single", 0, seed=0)


def test_written_set_loads_back(tmp_path):
    clocks = generate("varied", 20, size=48, seed=9, workers=1)
    write_clock_dir(clocks, tmp_path / "set")
    for name in ("images.npy", "labels.npy", "rotation_deg.npy", "mirrored.npy", "meta.json", "contact_sheet.png"):
        assert (tmp_path / "set" / name).is_file(), name
    meta = json.loads((tmp_path / "set" / "meta.json").read_text())
    assert (meta["preset"], meta["seed"], meta["n"], meta["size"]) == ("varied", 9, 20, 48)
    data = dataset.read_clock_dir(tmp_path / "set")
    assert np.array_equal(data.images, clocks.images) and np.array_equal(data.labels, clocks.labels)
    assert np.array_equal(data.mirrored, clocks.mirrored) and data.meta == clocks.meta


def test_cli_generate_then_show(tmp_path):
    from ablab.commands import build_app, run_app

    out = tmp_path / "clocks"
    args = ["clock", "generate", "--preset", "varied", "--n", "12", "--size", "64", "--seed", "4", "--out", str(out)]
    with pytest.raises(SystemExit) as done:
        run_app(build_app(), [*args, "--workers", "1"])
    assert done.value.code == 0
    assert np.load(out / "images.npy").shape == (12, 64, 64)
    assert np.array_equal(np.load(out / "labels.npy"), generate("varied", 12, size=64, seed=4, workers=1).labels)
    sheet = tmp_path / "sheet.png"
    with pytest.raises(SystemExit) as done:
        run_app(build_app(), ["clock", "show", str(out), "--n", "6", "--out", str(sheet)])
    assert done.value.code == 0 and sheet.stat().st_size > 1000


def test_a_cached_set_of_a_preset_that_changed_is_cached_under_its_revision(tmp_path):
    """`varied` draws other clocks for a seed since it mixes in other presets: a cache made before is never read
    as the new one; `single` keeps its old name (its clocks did not change)."""
    from ablab.clock.data.sets import clock_data

    clock_data("varied", 10, size=32, seed=0, data_dir=tmp_path, workers=1)
    clock_data("single", 10, size=32, seed=0, data_dir=tmp_path, workers=1)
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == ["clock-single-32px-n10-seed0", "clock-varied-32px-n10-seed0-r2"]
    assert np.load(tmp_path / names[1] / "ellipse.npy").shape == (10, 5)
