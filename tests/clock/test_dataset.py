"""Loader: the report's format (and ours), validated with errors naming file and problem; 80/10/10 splits by seed."""

import numpy as np
import pytest

from ablab.clock.data.dataset import load, read_clock_dir, split_indices
from ablab.errors import AblabError


def write_dir(path, n=50, *, images=None, labels=None, extras=True):
    """A valid clock directory of n tiny images whose pixels encode their index (to check splits)."""
    path.mkdir(parents=True, exist_ok=True)
    if images is None:
        images = np.zeros((n, 8, 8), dtype=np.uint8) + (np.arange(n) % 256).astype(np.uint8)[:, None, None]
    if labels is None:
        labels = np.stack([np.arange(n) % 12, np.arange(n) % 60], axis=1).astype(np.int64)
    np.save(path / "images.npy", images)
    np.save(path / "labels.npy", labels)
    if extras:
        np.save(path / "rotation_deg.npy", np.linspace(0, 359, n))
        np.save(path / "mirrored.npy", np.arange(n) % 5 == 0)
    return path


def test_splits_are_80_10_10_disjoint_and_complete(tmp_path):
    splits = load(write_dir(tmp_path / "d", n=50), seed=0)
    assert (len(splits.train), len(splits.valid), len(splits.test)) == (40, 5, 5)
    index_train, index_valid, index_test = split_indices(50, 0)
    indices = np.concatenate([index_train, index_valid, index_test])
    assert sorted(indices.tolist()) == list(range(50))
    assert np.array_equal(splits.train.images[:, 0, 0], index_train)  # images follow their index
    assert np.array_equal(splits.valid.images[:, 0, 0], index_valid)
    assert np.array_equal(splits.test.labels[:, 1], index_test % 60)  # labels follow their image
    assert splits.train.images.dtype == np.uint8 and splits.train.labels.dtype == np.int64
    frame = splits.valid.frame  # the camera follows its image too
    assert frame is not None and frame.landmarks is None
    assert np.array_equal(frame.rotation_deg, np.linspace(0, 359, 50)[index_valid])
    assert np.array_equal(frame.mirrored, index_valid % 5 == 0)


def test_splits_are_deterministic_by_seed(tmp_path):
    d = write_dir(tmp_path / "d", n=50)
    assert np.array_equal(load(d, seed=3).test.images, load(d, seed=3).test.images)
    assert not np.array_equal(load(d, seed=3).test.images, load(d, seed=4).test.images)
    train, valid, test = split_indices(18000, 0)
    assert (len(train), len(valid), len(test)) == (14400, 1800, 1800)


def test_original_format_two_files_only(tmp_path):
    d = write_dir(tmp_path / "orig", n=20, extras=False)
    data = read_clock_dir(d)
    assert data.rotation_deg is None and data.mirrored is None and data.meta == {}
    splits = load(d)
    assert len(splits.train) == 16 and splits.train.frame is None


def test_trailing_channel_axis_is_accepted(tmp_path):
    d = write_dir(tmp_path / "c", n=12, images=np.zeros((12, 8, 8, 1), dtype=np.uint8), extras=False)
    assert read_clock_dir(d).images.shape == (12, 8, 8)


def _labels(n=20, hour=0, minute=0):
    labels = np.zeros((n, 2), dtype=np.int64)
    labels[3] = hour, minute
    return labels


BAD_DIRECTORIES = {
    "images-2d": (dict(images=np.zeros((20, 64), dtype=np.uint8)), "images.npy", "wrong shape"),
    "images-float": (dict(images=np.zeros((20, 8, 8), dtype=np.float32)), "images.npy", "wrong dtype float32"),
    "labels-3-columns": (dict(labels=np.zeros((20, 3), dtype=np.int64)), "labels.npy", "wrong shape"),
    "labels-float": (dict(labels=np.zeros((20, 2), dtype=np.float64)), "labels.npy", "wrong dtype float64"),
    "labels-count": (dict(labels=np.zeros((19, 2), dtype=np.int64)), "labels.npy", "19 labels but 20 images"),
    "hour-12": (dict(labels=_labels(hour=12)), "labels.npy", "hour must be 0-11"),
    "minute-60": (dict(labels=_labels(minute=60)), "labels.npy", "minute must be 0-59"),
    "hour-negative": (dict(labels=_labels(hour=-1)), "labels.npy", "out of range, e.g. row 3"),
}


@pytest.mark.parametrize("case", sorted(BAD_DIRECTORIES))
def test_bad_directories_name_file_and_problem(tmp_path, case):
    arrays, file, problem = BAD_DIRECTORIES[case]
    d = write_dir(tmp_path / case, n=20, extras=False, **arrays)
    with pytest.raises(AblabError) as err:
        load(d)
    assert file in str(err.value) and problem in str(err.value)


@pytest.mark.parametrize("missing", ["images.npy", "labels.npy"])
def test_missing_files_are_named(tmp_path, missing):
    d = write_dir(tmp_path / "m", n=20)
    (d / missing).unlink()
    with pytest.raises(AblabError, match=f"{missing}: missing file"):
        load(d)


def test_side_files_and_garbage_are_checked(tmp_path):
    d = write_dir(tmp_path / "s", n=20)
    np.save(d / "mirrored.npy", np.zeros(19, dtype=bool))
    with pytest.raises(AblabError, match=r"mirrored.npy: wrong shape \(19,\)"):
        load(d)
    d = write_dir(tmp_path / "g", n=20, extras=False)
    (d / "images.npy").write_bytes(b"not numpy")
    with pytest.raises(AblabError, match="images.npy: not a readable .npy array"):
        load(d)
    with pytest.raises(AblabError, match="not a directory"):
        load(tmp_path / "nowhere")
    with pytest.raises(AblabError, match="need at least 10"):
        load(write_dir(tmp_path / "few", n=5))


@pytest.mark.parametrize("case", ["images-float", "hour-12", "labels-count"])
def test_cli_exits_2_naming_file_and_problem(tmp_path, capsys, case):
    from ablab.commands import build_app, run_app

    arrays, file, problem = BAD_DIRECTORIES[case]
    d = write_dir(tmp_path / case, n=20, extras=False, **arrays)
    with pytest.raises(SystemExit) as done:
        run_app(build_app(), ["clock", "show", str(d), "--out", str(tmp_path / "s.png")])
    assert done.value.code == 2
    err = capsys.readouterr().err
    assert file in err and problem in err


def test_cli_missing_file_exits_2(tmp_path, capsys):
    from ablab.commands import build_app, run_app

    d = write_dir(tmp_path / "m", n=20)
    (d / "labels.npy").unlink()
    with pytest.raises(SystemExit) as done:
        run_app(build_app(), ["clock", "show", str(d)])
    assert done.value.code == 2 and "labels.npy: missing file" in capsys.readouterr().err
