"""`ablab results list|export`: what the store holds."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from ablab.commands._options import StoreOption
from ablab.errors import AblabError
from ablab.store import Store
from ablab.store.export import write_export

results_app = typer.Typer(help="Stored trials: list them or export them as CSV.", no_args_is_help=True)

CONFIG_COLUMNS = ("task", "model", "dataset", "optimizer", "learning_rate", "activation", "epochs", "batch_size")


def register(root: typer.Typer) -> None:
    root.add_typer(results_app, name="results")


def _fmt(value, digits: int = 4) -> str:
    if value is None:
        return "-"
    return f"{value:.{digits}f}" if isinstance(value, float) else str(value)


@results_app.command("list")
def list_results(
    store_path: Path = StoreOption,
    state: str = typer.Option(None, "--state", help="Only trials in this state."),
    limit: int = typer.Option(50, "--limit", help="Show the newest N trials (0 = all)."),
) -> None:
    """One line per stored trial, newest last."""
    store = _open(store_path)
    rows = store.trials(state=state)
    rows = rows[-limit:] if limit else rows
    table = Table()
    for column in ("key", "model", "dataset", "seed", "state", "test acc", "test loss", "time (s)"):
        table.add_column(column, no_wrap=True)
    for r in rows:
        table.add_row(
            r.key, str(r.config.get("model")), str(r.config.get("dataset", "-")), str(r.seed), r.state,
            _fmt(r.test_accuracy), _fmt(r.test_loss), _fmt(r.wall_time_s, 1),
        )
    Console().print(table)
    counts = store.counts()
    Console().print(f"{len(rows)} trial(s) shown; " + ", ".join(f"{n} {state}" for state, n in counts.items() if n))


@results_app.command("export")
def export_results(
    csv_path: Path = typer.Option(..., "--csv", help="CSV file to write (one row per trial)."),
    store_path: Path = StoreOption,
) -> None:
    """Every trial as one CSV row (key, state, seed, every config field, metrics, timings, backend, device), then
    the studies and artifacts: everything `ablab report --results FILE` needs (format: ablab.store.export)."""
    _check_csv_path(csv_path)
    store = _open(store_path)
    try:
        count = write_export(store, csv_path)
    except OSError as err:  # a file where a folder should be, no permission, a full disk: the store is untouched
        raise AblabError(f"--csv {csv_path}: cannot write it ({err.strerror or err}); pass a path in a folder you "
                         "can write (missing folders are created)") from None
    Console().print(f"wrote {count} trial(s) to {csv_path}")


def _check_csv_path(csv_path: Path) -> None:
    """AblabError (exit 2) before reading the store when --csv cannot be a file: it is a folder, or a file stands
    where one of its folders should be."""
    if csv_path.is_dir():
        raise AblabError(f"--csv {csv_path} is a folder; pass a file path such as {csv_path / 'results.csv'}")
    folder = csv_path.parent
    while not folder.exists() and folder.parent != folder:
        folder = folder.parent
    if not folder.is_dir():
        raise AblabError(f"--csv {csv_path}: {folder} is a file, not a folder; pass a path in a folder "
                         "(missing folders are created)")


def _open(store_path: Path) -> Store:
    if not store_path.exists():
        raise AblabError(f"no store at {store_path}; run `ablab train` or `ablab study run` first, or pass --store")
    return Store(store_path)
