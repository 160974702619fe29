"""A Rich progress bar over one training stage of a clock reader: steps of all its epochs, elapsed time, ETA and
the last epoch's loss, so that no stage of a 45-minute training runs silently.

`StageBar` is a context manager; `.callback()` is the Keras callback that advances it (one per `fit` call: the
polar stage calls `fit` once per epoch). Per-batch hooks make Keras wait for each step, which costs little at the
clock readers' step sizes (tens of ms of convolutions on 64 images of 150 px) but would not for a small MLP.
Keras is imported when a callback is made, like everywhere in `ablab.clock`, so that drawing clocks never loads it.
A stage resumed from a checkpoint (epochs_done) starts its bar at the steps those epochs took.
Written to a file or a pipe (`clock train > log`), a live bar would leave only its last frame, cut to 80 columns;
there the stage prints a plain line at its start and after every epoch instead.
"""

from __future__ import annotations

import math

from rich import get_console
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn


class StageBar:
    """`with StageBar("polar reader", epochs=9, steps_per_epoch=300) as bar: net.fit(..., callbacks=[bar.callback()])`.

    Disabled (enabled=False) it shows nothing and its callback only counts, so library callers stay silent."""

    def __init__(self, title: str, *, epochs: int, steps_per_epoch: int, enabled: bool = True,
                 console: Console | None = None, total_steps: int | None = None, epochs_done: int = 0):
        self.title, self.epochs, self.steps_per_epoch = title, epochs, steps_per_epoch
        self.total_steps = epochs * steps_per_epoch if total_steps is None else total_steps  # a short last epoch
        self.epoch = epochs_done  # finished in an earlier run of a resumed training
        self._console = console or get_console()  # where Progress would draw by default
        self._lines = enabled and not self._console.is_terminal  # a log: one line an epoch, no live bar
        self._progress = Progress(
            TextColumn(f"[bold]{title}"), BarColumn(), MofNCompleteColumn(), TextColumn("steps · elapsed"),
            TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), TextColumn("{task.description}"),
            console=self._console, disable=not enabled or self._lines,
        )
        self._task = None

    def __enter__(self) -> "StageBar":
        self._progress.start()
        # the steps of epochs finished earlier count as done, without a sample for the ETA's speed
        done = min(self.total_steps, self.epoch * self.steps_per_epoch)
        self._task = self._progress.add_task(self._describe(None), total=self.total_steps, completed=done)
        self._log(f"{self.total_steps} steps in {self.epochs} epochs"
                  + (f", resumed after epoch {self.epoch} ({done} steps)" if self.epoch else ""))
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()
        self._log(f"done, {self.steps_done} steps")

    def _log(self, text: str) -> None:
        """A line of the stage's log (only when the output is no terminal): its title, what it says, elapsed time."""
        if self._lines:
            task = self._progress.tasks[0]
            elapsed_s = task.elapsed or 0.0
            self._console.print(f"{self.title}: {text} · {int(elapsed_s // 60)}:{int(elapsed_s % 60):02d} elapsed",
                                soft_wrap=True, highlight=False, markup=False)

    def _describe(self, loss: float | None) -> str:
        return f"epoch {min(self.epoch + 1, self.epochs)}/{self.epochs}{_loss_text(loss)}"

    def replan(self, total_steps: int) -> None:
        """A new total of steps (a stage that re-plans how many fit its time budget), epochs re-counted."""
        self.total_steps = total_steps
        self.epochs = max(self.epoch, math.ceil(total_steps / self.steps_per_epoch))
        self._progress.update(self._task, total=total_steps, description=self._describe(None))

    def say(self, text: str) -> None:
        """Show what the stage does between its steps (a check that takes a while); the next epoch's end or
        replan restores the epoch and loss."""
        self._progress.update(self._task, description=text)
        self._log(text)

    def step(self) -> None:
        self._progress.update(self._task, advance=1)

    def epoch_done(self, loss: float | None) -> None:
        self.epoch += 1
        self._progress.update(self._task, description=self._describe(loss))
        self._log(f"epoch {self.epoch}/{self.epochs}{_loss_text(loss)} · {self.steps_done}/{self.total_steps} steps")

    @property
    def steps_done(self) -> int:
        return int(self._progress.tasks[0].completed) if self._progress.tasks else 0

    def callback(self):
        """A Keras callback that advances this bar each training step and names the epoch and its loss."""
        import keras

        bar = self

        class Advance(keras.callbacks.Callback):
            def on_train_batch_end(self, batch, logs=None):
                bar.step()

            def on_epoch_end(self, epoch, logs=None):
                loss = (logs or {}).get("loss")
                bar.epoch_done(None if loss is None else float(loss))

        return Advance()


def _loss_text(loss: float | None) -> str:
    return "" if loss is None else f" · loss {loss:.4g}"
