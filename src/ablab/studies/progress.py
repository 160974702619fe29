"""A Rich progress bar over a study's trials, with the count, elapsed time and ETA, and the last result."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)


class TrialProgress:
    """`done()` after each stored trial, `skip()` for one another runner holds. Silent when disabled."""

    def __init__(self, total: int, *, enabled: bool = True, console: Console | None = None):
        self.total, self.enabled = total, enabled
        self._progress = Progress(
            TextColumn("[bold]trials"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("elapsed"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("{task.description}"),
            console=console,
            disable=not enabled,
        )
        self._task = None

    def __enter__(self) -> "TrialProgress":
        self._progress.start()
        self._task = self._progress.add_task("", total=self.total)
        return self

    def __exit__(self, *exc) -> None:
        self._progress.stop()

    def done(self, spec, state: str, result) -> None:
        config = spec.config
        label = f"{spec.study or ''} {getattr(config, 'model', '')} {getattr(config, 'dataset', '')} seed {spec.seed}"
        accuracy = getattr(result, "test_accuracy", None)
        shown = f"acc {accuracy:.3f}" if isinstance(accuracy, float) else state
        self._progress.update(self._task, advance=1, description=f"last: {label.strip()} → {shown}")

    def grow(self, more: int) -> None:
        """The decision mode adds trials as it goes: raise the total by `more`."""
        self.total += more
        self._progress.update(self._task, total=self.total)

    def skip(self) -> None:
        self._progress.update(self._task, advance=1, description="skipped: another runner holds it")
