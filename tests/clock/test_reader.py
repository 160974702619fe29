import json

import numpy as np
import pytest
from PIL import Image

from ablab.clock.read.reader import load_reader, read_files
from ablab.clock.read.registry import best_model_path, record_model
from ablab.errors import AblabError

SIZE = 64


@pytest.fixture(scope="module")
def saved_reader(tmp_path_factory):
    """An untrained tiny `hands` reader for 64×64 images (the commands' plumbing, not accuracy, is under test)."""
    from ablab.clock.read.networks import build_clock_model

    path = tmp_path_factory.mktemp("models") / "reader.keras"
    build_clock_model("clock-tiny", SIZE, "hands").save(path)
    return path


@pytest.fixture(scope="module")
def clock_images():
    from ablab.clock.data.generate import generate

    return generate("varied", 6, size=SIZE, seed=5, workers=1)


def run_cli(argv, capsys):
    """Run `ablab ...` in-process; returns (exit code, stdout, stderr). A clock command that opens the store is given
    one (--store under tmp_path): no test reads or writes the checkout's own runs/ablab.db."""
    from ablab.commands import build_app, run_app

    assert "--store" in argv or argv[:2] not in (["clock", "read"], ["clock", "evaluate"], ["clock", "train"]), argv
    try:
        run_app(build_app(), argv)
        code = 0
    except SystemExit as exc:
        code = exc.code or 0
    out = capsys.readouterr()
    return code, out.out, out.err


def test_saved_reader_loads_with_stock_keras_and_predicts_the_same(saved_reader, clock_images):
    import keras

    from ablab.clock.read.reader import Reader

    model = keras.saving.load_model(saved_reader)  # no ablab import needed to deserialize
    x = clock_images.images.astype(np.float32)[..., None]
    ours = load_reader(saved_reader)
    a, b = model.predict_on_batch(x), ours.net.predict_on_batch(x)
    for k in a:
        np.testing.assert_allclose(a[k], b[k], rtol=1e-5, atol=1e-6)
    assert ours.encoding.name == "hands" and ours.input_size == SIZE
    assert Reader.of(model).read(clock_images.images)[0].shape == (6, 2)


def test_read_png_jpeg_colour_and_any_size_agree(saved_reader, clock_images, tmp_path, capsys):
    img = clock_images.images[0]
    paths = {
        "gray.png": Image.fromarray(img),
        "colour.png": Image.fromarray(np.stack([img] * 3, -1)),
        "big.png": Image.fromarray(img).resize((3 * SIZE, 3 * SIZE)),
        "photo.jpg": Image.fromarray(np.stack([img] * 3, -1)),
        "wide.png": Image.fromarray(np.pad(img, ((0, 0), (20, 20)), mode="edge")),
    }
    for name, picture in paths.items():
        picture.save(tmp_path / name, quality=95) if name.endswith("jpg") else picture.save(tmp_path / name)
    files = [str(tmp_path / n) for n in paths]
    code, out, _ = run_cli(["clock", "read", *files, "--model", str(saved_reader), "--store", str(tmp_path / "s.db")],
                           capsys)
    assert code == 0
    lines = out.strip().splitlines()
    assert len(lines) == len(files)
    for line, f in zip(lines, files):
        hhmm, *_rest = line.split()
        hh, mm = hhmm.split(":")
        assert 1 <= int(hh) <= 12 and 0 <= int(mm) <= 59 and line.endswith(f) and "confidence" in line
    readings = read_files(load_reader(saved_reader), [tmp_path / "gray.png", tmp_path / "colour.png"])
    assert (readings[0].hour, readings[0].minute) == (readings[1].hour, readings[1].minute)


def test_read_json_lists_every_file(saved_reader, clock_images, tmp_path, capsys):
    Image.fromarray(clock_images.images[1]).save(tmp_path / "a.png")
    code, out, _ = run_cli(["clock", "read", str(tmp_path / "a.png"), "--model", str(saved_reader), "--json",
                            "--store", str(tmp_path / "s.db")], capsys)
    rows = json.loads(out)
    assert code == 0 and rows[0]["file"].endswith("a.png") and 0 <= rows[0]["hour"] <= 11


def test_evaluate_json_on_arrays_and_on_a_directory(saved_reader, clock_images, tmp_path, capsys):
    from ablab.clock.data.generate import write_clock_dir

    np.save(tmp_path / "x.npy", clock_images.images)
    np.save(tmp_path / "y.npy", clock_images.labels)
    argv = ["clock", "evaluate", "--model", str(saved_reader), "--json", "--store", str(tmp_path / "s.db")]
    code, out, _ = run_cli([*argv, "--images", str(tmp_path / "x.npy"), "--labels", str(tmp_path / "y.npy")], capsys)
    result = json.loads(out)
    assert code == 0
    assert list(result) == ["n", "mean_cse_min", "median_cse_min", "within_1min", "within_5min", "hour_accuracy"]
    assert result["n"] == 6 and 0 <= result["mean_cse_min"] <= 360
    write_clock_dir(clock_images, tmp_path / "set")
    code, out, _ = run_cli([*argv, "--data", str(tmp_path / "set"), "--split", "all"], capsys)
    assert code == 0 and json.loads(out)["n"] == 6


@pytest.mark.parametrize("case", ["text", "corrupt_png", "missing"])
def test_read_bad_files_exit_2_naming_the_file(saved_reader, clock_images, tmp_path, capsys, case):
    bad = tmp_path / {"text": "notes.png", "corrupt_png": "broken.png", "missing": "nowhere.png"}[case]
    if case == "text":
        bad.write_text("not a picture")
    elif case == "corrupt_png":
        Image.fromarray(clock_images.images[0]).save(bad)
        bad.write_bytes(bad.read_bytes()[:60])
    code, _, err = run_cli(["clock", "read", str(bad), "--model", str(saved_reader), "--store", str(tmp_path / "s.db")],
                           capsys)
    assert code == 2 and bad.name in err


@pytest.mark.parametrize("shape", [(6, 2, 3, 4, 5), (6,), (6, 3)])
def test_evaluate_wrong_shapes_exit_2_naming_the_array(saved_reader, tmp_path, capsys, shape):
    images = np.zeros(shape if len(shape) != 2 else (6, SIZE, SIZE), np.uint8)
    labels = np.zeros(shape if len(shape) == 2 else (6, 2), np.int64)
    np.save(tmp_path / "x.npy", images)
    np.save(tmp_path / "y.npy", labels)
    code, _, err = run_cli(["clock", "evaluate", "--model", str(saved_reader), "--images", str(tmp_path / "x.npy"),
                            "--labels", str(tmp_path / "y.npy"), "--store", str(tmp_path / "s.db")], capsys)
    assert code == 2 and ("x.npy" in err or "y.npy" in err)


def test_not_a_model_file_exits_2(tmp_path, capsys):
    fake = tmp_path / "fake.keras"
    fake.write_text("nope")
    Image.new("L", (20, 20)).save(tmp_path / "a.png")
    code, _, err = run_cli(["clock", "read", str(tmp_path / "a.png"), "--model", str(fake), "--store",
                            str(tmp_path / "s.db")], capsys)
    assert code == 2 and "fake.keras" in err


def test_without_a_trained_reader_the_shipped_one_is_used_else_a_clear_error(saved_reader, tmp_path, monkeypatch):
    from ablab.clock.read import registry

    monkeypatch.setattr(registry, "SHIPPED_READER", saved_reader)  # an install that carries a reader
    assert best_model_path(tmp_path / "nothing-here" / "ablab.db") == saved_reader
    assert not (tmp_path / "nothing-here").exists()  # looking creates no store
    other = tmp_path / "mine.keras"
    other.write_bytes(saved_reader.read_bytes())
    record_model(tmp_path / "ablab.db", other, "hands", {"mean_cse_min": 9.0})
    assert best_model_path(tmp_path / "ablab.db") == other.resolve()  # one you trained wins, whatever its score
    monkeypatch.setattr(registry, "SHIPPED_READER", tmp_path / "not-installed.keras")
    with pytest.raises(AblabError, match="no trained clock reader"):
        best_model_path(tmp_path / "nothing-here" / "ablab.db")


def test_best_model_is_the_lowest_recorded_error(saved_reader, tmp_path, capsys):
    other = tmp_path / "other.keras"
    other.write_bytes(saved_reader.read_bytes())
    store = tmp_path / "ablab.db"
    record_model(store, saved_reader, "hands", {"mean_cse_min": 3.0})
    record_model(store, other, "hands", {"mean_cse_min": 1.5})
    record_model(store, tmp_path / "deleted.keras", "hands", {"mean_cse_min": 0.1})  # file gone: skipped
    assert best_model_path(store) == other.resolve()
    record_model(store, other, "hands", {"mean_cse_min": 4.0})  # recorded again (trained again): replaced
    assert best_model_path(store) == saved_reader.resolve()
    Image.new("L", (30, 30), 200).save(tmp_path / "a.png")
    code, out, err = run_cli(["clock", "read", str(tmp_path / "a.png"), "--store", str(store)], capsys)
    assert code == 0 and saved_reader.name in err


def test_best_model_also_comes_from_clock_trials_in_the_store(saved_reader, tmp_path):
    from types import SimpleNamespace

    from ablab.store import Store

    record_model(tmp_path / "ablab.db", saved_reader, "hands", {"mean_cse_min": 3.0})
    from_study = tmp_path / "study.keras"
    from_study.write_bytes(saved_reader.read_bytes())
    store = Store(tmp_path / "ablab.db")
    for key, config, path, err in (("c1", {"task": "clock", "encoding": "hands"}, from_study, 0.5),
                                   ("m1", {"task": "mnist", "model": "cnn"}, saved_reader, 0.01)):
        store.claim(key, config, 0)
        store.finish(key, SimpleNamespace(state="complete", test_loss=1.0, test_accuracy=0.5,
                                          metrics={"mean_cse_min": err}, history={}, wall_time_s=1.0, fit_time_s=1.0,
                                          backend="tensorflow", versions={}, model_path=str(path), error=None))
    assert best_model_path(tmp_path / "ablab.db") == from_study
    record_model(tmp_path / "other" / "ablab.db", saved_reader, "hands", {"mean_cse_min": 3.0})
    assert best_model_path(tmp_path / "other" / "ablab.db") == saved_reader.resolve()  # another store: its own


def test_an_old_clock_models_json_beside_the_store_is_moved_into_it_once(saved_reader, tmp_path):
    """Readers were once recorded in clock_models.json beside the store: the first look moves them into the store
    and renames the file, so the store is the one registry and the file is not read again."""
    from ablab.clock.read.registry import LEGACY_REGISTRY_FILE, MOVED_SUFFIX, recorded_readers, recorded_threshold

    other = tmp_path / "old.keras"
    other.write_bytes(saved_reader.read_bytes())
    legacy = tmp_path / LEGACY_REGISTRY_FILE
    legacy.write_text(json.dumps([
        {"path": str(saved_reader.resolve()), "encoding": "hands", "metrics": {"mean_cse_min": 3.0}},
        {"path": str(other.resolve()), "encoding": "hands", "metrics": {"mean_cse_min": 1.0, "uncertain_below": 0.4}},
    ]))
    store = tmp_path / "ablab.db"
    assert best_model_path(store) == other.resolve()
    assert not legacy.exists() and (tmp_path / (LEGACY_REGISTRY_FILE + MOVED_SUFFIX)).is_file()  # kept, renamed
    assert store.is_file() and recorded_threshold(other, store) == 0.4
    assert sorted(e["path"] for e in recorded_readers(store)) == sorted(str(p.resolve()) for p in (saved_reader, other))
    record_model(store, saved_reader, "hands", {"mean_cse_min": 0.5})  # recorded in the store from now on
    assert best_model_path(store) == saved_reader.resolve() and not legacy.exists()
    legacy.write_text("{broken")
    with pytest.raises(AblabError, match=LEGACY_REGISTRY_FILE):
        recorded_readers(store)  # a file that cannot be read is named, not ignored


def test_read_with_the_shipped_reader_says_uncertain_under_its_cards_threshold(saved_reader, tmp_path, capsys,
                                                                                 monkeypatch):
    import json

    from ablab.clock.read import registry, shipped

    card = tmp_path / "reader.json"
    card.write_text(json.dumps({"uncertain_below": 1.01}))  # above any confidence: every reading is uncertain
    for module in (shipped, registry):
        monkeypatch.setattr(module, "SHIPPED_READER", saved_reader)
    monkeypatch.setattr(shipped, "SHIPPED_CARD", card)
    Image.new("L", (30, 30), 200).save(tmp_path / "a.png")
    code, out, err = run_cli(["clock", "read", str(tmp_path / "a.png"), "--store", str(tmp_path / "x" / "ablab.db")],
                             capsys)
    assert code == 0 and "the shipped reader" in err
    if "confidence" in out:  # readers without a confidence are never flagged
        assert "uncertain" in out
    code, out, _ = run_cli(["clock", "read", str(tmp_path / "a.png"), "--json", "--store",
                            str(tmp_path / "x" / "ablab.db")], capsys)
    assert json.loads(out)[0]["uncertain"] == (json.loads(out)[0]["confidence"] is not None)
