"""`clock train` resumes after a kill: a tiny two-stage reader (3 point epochs, 3 polar epochs on 48 clocks of
64 px) interrupted right after an epoch's checkpoint, then run again, against the same training uninterrupted.

The kill is simulated by an exception raised just after an epoch was saved (StageCheckpoint.save), which is where a
real kill loses the least; a kill during the save is the atomic write's business (the leftovers test).
"""

import json
from dataclasses import replace

import numpy as np
import pytest

from ablab.clock.read.checkpoint import MANIFEST, StageCheckpoint, checkpoint_folder, open_checkpoint
from ablab.clock.read.config import ClockTrialConfig
from ablab.errors import AblabError

EPOCHS = 3


class Killed(Exception):
    """Stands for the process being killed."""


@pytest.fixture(scope="module")
def clocks():
    """48 / 8 / 8 `varied` clocks of 64 px with landmarks (train, valid, test)."""
    from ablab.clock.data.generate import generate
    from ablab.clock.data.parts import ClockArrays, ClockPart, Frame

    s = generate("varied", 64, size=64, seed=5, workers=1)

    def part(rows):
        frame = Frame(s.rotation_deg[rows], s.mirrored[rows], s.landmarks[rows], s.mirror_cue[rows])
        return ClockPart(s.images[rows], s.labels[rows], frame)

    return ClockArrays(part(slice(0, 48)), part(slice(48, 56)), part(slice(56, 64)))


@pytest.fixture(scope="module")
def two_stage():
    """The small point reader with a 3-epoch polar stage (clock-lm-polar's recipe, in seconds)."""
    from ablab.clock.read import networks

    with pytest.MonkeyPatch.context() as patch:
        arch = replace(networks.ARCHS["clock-quick"], second_stage="polar", second_epochs=EPOCHS)
        patch.setitem(networks.ARCHS, "clock-quick", arch)
        yield ClockTrialConfig(model="clock-quick", image_size=64, epochs=EPOCHS, batch_size=16, precision="float32")


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory, clocks, two_stage):
    """(the result of the tiny training run in one go, the weights of the reader it saved)."""
    out = tmp_path_factory.mktemp("whole") / "whole.keras"
    return _train(two_stage, clocks, out), _weights(out)


def _kill_after(monkeypatch, stage: str, epochs_done: int, saves: list) -> None:
    """Every save is noted in `saves` as (stage, epochs done); the one of `stage` after `epochs_done` epochs is
    followed by Killed."""
    real_save = StageCheckpoint.save

    def save(self, model, state):
        real_save(self, model, state)
        saves.append((self.name, state.epochs_done))
        if (self.name, state.epochs_done) == (stage, epochs_done):
            raise Killed

    monkeypatch.setattr(StageCheckpoint, "save", save)


def _train(config, clocks, out, said=None):
    from ablab.clock.read.train import train_reader

    return train_reader(config, 0, clocks, model_path=out, checkpoint=checkpoint_folder(out),
                        say=(said if said is not None else []).append)


def _weights(path):
    import keras

    return keras.saving.load_model(path).get_weights()


@pytest.mark.parametrize("stage,title", [("points", "stage 1/2: clock-quick"), ("polar", "stage 2/2: polar reader")])
def test_a_killed_training_resumes_after_its_last_epoch_and_ends_as_an_uninterrupted_one(
        tmp_path, monkeypatch, clocks, two_stage, uninterrupted, stage, title):
    """Killed after epoch 1 of a stage, the rerun starts that stage at epoch 2 (a stage finished before is loaded,
    not trained), trains each epoch once in all, and saves the same reader as the training run uninterrupted, to
    the last bit: weights, optimizer state, the augmentation's seed generators, the batches' order and flips and
    Python's `random` (Keras's batch order) are all restored, the polar stage's shuffle is seeded per epoch, and
    TensorFlow's CPU kernels give the same sums in the same process (two uninterrupted runs: bit-identical). A CPU
    whose kernels were not run-to-run deterministic would fail here first; the learning curves (same length, no
    gap or repeat) would still hold. The checkpoint is gone once the reader is saved."""
    whole, whole_weights = uninterrupted
    out = tmp_path / "resumed.keras"
    saves: list = []
    _kill_after(monkeypatch, stage, 1, saves)
    with pytest.raises(Killed):
        _train(two_stage, clocks, out)
    assert (checkpoint_folder(out) / MANIFEST).exists() and not out.exists()
    killed_at = len(saves)
    said: list = []
    resumed = _train(two_stage, clocks, out, said)
    again = saves[killed_at:]
    if stage == "points":
        assert f"resuming {title} at epoch 2 of {EPOCHS}" in said
        assert again[:2] == [("points", 2), ("points", 3)]
    else:
        assert any(line.startswith("stage 1/2: clock-quick: finished in an earlier run") for line in said)
        assert f"resuming {title} at epoch 2 of {EPOCHS}" in said
        assert again == [("polar", 2), ("polar", 3)]  # the point reader not trained again
    history = resumed["history"]
    assert len(history["loss"]) == len(history["val_mean_cse_min"]) == EPOCHS
    assert history["loss"] == whole["history"]["loss"]
    for got, want in zip(_weights(out), whole_weights):
        np.testing.assert_array_equal(got, want)
    assert not checkpoint_folder(out).exists()


def test_a_rerun_with_another_config_is_refused_naming_the_folder_and_the_fix(tmp_path, monkeypatch, clocks,
                                                                               two_stage):
    out = tmp_path / "r.keras"
    _kill_after(monkeypatch, "points", 1, [])
    with pytest.raises(Killed):
        _train(two_stage, clocks, out)
    with pytest.raises(AblabError) as refused:
        _train(two_stage.model_copy(update={"lr": 1e-3}), clocks, out)
    message = str(refused.value)
    assert str(checkpoint_folder(out)) in message and "--restart" in message and "config.lr: 0.002 → 0.001" in message


def test_the_command_exits_2_on_another_config_and_restart_starts_afresh(tmp_path, monkeypatch, capsys):
    """Through `ablab clock train`: a checkpoint written with 3 epochs, the command asked for 2 exits 2 naming the
    folder; with --restart it discards it (the training itself is cut short here: only the refusal is tested)."""
    from ablab.clock.data.generate import generate, write_clock_dir
    from ablab.clock.read import workflow
    from ablab.commands import build_app, run_app

    data = write_clock_dir(generate("varied", 20, size=64, seed=6, workers=1), tmp_path / "clocks")
    out = tmp_path / "r.keras"
    folder = checkpoint_folder(out)
    folder.mkdir()
    (folder / MANIFEST).write_text('{"fingerprint": {"config": {"epochs": 3}}, "stages": {}}')
    args = ["clock", "train", "--data", str(data), "--out", str(out), "--arch", "clock-quick", "--epochs", "2"]
    with pytest.raises(SystemExit) as done:
        run_app(build_app(), args)
    err = capsys.readouterr().err
    assert done.value.code == 2 and str(folder) in err.replace("\n", "") and "--restart" in err

    def no_training(*args, **kwargs):
        raise Killed

    monkeypatch.setattr(workflow, "train_reader", no_training)
    with pytest.raises(Killed):
        run_app(build_app(), [*args, "--restart"])
    assert not folder.exists()


def test_leftovers_of_a_kill_during_a_save_are_ignored_and_removed(tmp_path):
    """A kill while an epoch is written leaves a temporary folder (or a manifest's temporary file); the manifest
    still names the last complete epoch, and opening the checkpoint removes the rest."""
    folder = tmp_path / "r.keras.ckpt"
    folder.mkdir()
    (folder / "points-e1").mkdir()
    (folder / ".tmp-points-e2").mkdir()
    (folder / ".tmp-points-e2" / "model.weights.h5").write_bytes(b"\x89HDF half")
    (folder / ".tmp-checkpoint.json").write_text('{"fingerp')
    manifest = {"fingerprint": {"seed": 0}, "stages": {"points": {"dir": "points-e1", "epochs_done": 1,
                                                                  "done": False, "history": {}, "wall_s": 1.0}}}
    (folder / MANIFEST).write_text(json.dumps(manifest))
    opened = open_checkpoint(folder, {"seed": 0})
    assert opened.state("points").epochs_done == 1
    assert sorted(p.name for p in folder.iterdir()) == [MANIFEST, "points-e1"]


def test_a_resumed_stage_bar_starts_at_the_steps_of_the_epochs_done():
    import io

    from rich.console import Console

    from ablab.clock.read.stage_bar import StageBar

    out = io.StringIO()
    with StageBar("stage 1/2: clock-lm-polar", epochs=3, steps_per_epoch=5, console=Console(file=out),
                  epochs_done=1) as bar:
        assert bar.steps_done == 5 and bar.epoch == 1
    assert "15 steps in 3 epochs, resumed after epoch 1 (5 steps)" in out.getvalue()


def test_an_unreadable_manifest_is_refused_naming_it_and_the_fix(tmp_path):
    folder = tmp_path / "r.keras.ckpt"
    folder.mkdir()
    (folder / MANIFEST).write_text('{"stages": []}')
    with pytest.raises(AblabError, match=r"checkpoint.json: not a checkpoint.*--restart"):
        open_checkpoint(folder, {"seed": 0})
