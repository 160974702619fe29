"""The per-stage training bar: it counts every step of every fit call and names the stage and the epoch."""

import io

import keras
import numpy as np
from rich.console import Console

from ablab.clock.read.stage_bar import StageBar


def _tiny_fit(callbacks, epochs: int) -> None:
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(40, 3)).astype("float32"), rng.normal(size=(40, 1)).astype("float32")
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.fit(x, y, batch_size=8, epochs=epochs, verbose=0, callbacks=callbacks)


def test_bar_counts_steps_across_fit_calls_and_shows_the_stage():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=160)
    with StageBar("stage 2/2: polar reader", epochs=3, steps_per_epoch=5, console=console) as bar:
        for _ in range(3):  # the polar stage fits one epoch per call
            _tiny_fit([bar.callback()], epochs=1)
    assert bar.steps_done == 15 and bar.epoch == 3
    text = out.getvalue()
    assert "stage 2/2: polar reader" in text and "15/15" in text and "epoch 3/3 · loss" in text


def test_disabled_bar_prints_nothing_but_still_counts():
    out = io.StringIO()
    with StageBar("stage 1/1", epochs=2, steps_per_epoch=5, enabled=False, console=Console(file=out)) as bar:
        _tiny_fit([bar.callback()], epochs=2)
    assert out.getvalue() == "" and bar.epoch == 2


def test_a_re_planned_bar_shows_its_new_total_and_what_it_does_between_steps():
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, width=160)
    with StageBar("adapting", epochs=2, steps_per_epoch=5, console=console) as bar:
        _tiny_fit([bar.callback()], epochs=1)
        bar.say("reading the validation clocks")
        bar._progress.refresh()
        bar.replan(15)  # 3 parts of 5 now fit
        _tiny_fit([bar.callback()], epochs=2)
    assert bar.total_steps == 15 and bar.epochs == 3 and bar.steps_done == 15
    text = out.getvalue()
    assert "reading the validation clocks" in text and "15/15" in text and "epoch 3/3" in text


def test_written_to_a_file_the_stage_prints_a_line_an_epoch_not_a_bar():
    out = io.StringIO()
    console = Console(file=out, force_terminal=False, width=80)  # `clock train > train.log`
    with StageBar("stage 2/2: polar reader", epochs=3, steps_per_epoch=5, console=console) as bar:
        for _ in range(3):
            _tiny_fit([bar.callback()], epochs=1)
    lines = out.getvalue().splitlines()
    assert bar.steps_done == 15 and len(lines) == 5, lines  # start, 3 epochs, done
    assert lines[0].startswith("stage 2/2: polar reader: 15 steps in 3 epochs")
    assert [line.split(" · loss")[0] for line in lines[1:4]] == [
        f"stage 2/2: polar reader: epoch {i}/3" for i in (1, 2, 3)]
    assert " · 15/15 steps · " in lines[3] and lines[4].startswith("stage 2/2: polar reader: done, 15 steps")
    assert "━" not in out.getvalue() and all(line.endswith("elapsed") for line in lines)
