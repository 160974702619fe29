"""`ablab data` commands: fetch datasets into the cache, and show what the cache holds.

This entry point is where the environment is read: `--cache-dir`, else `$ABLAB_CACHE`, else
`~/.cache/ablab/datasets`; Keras's dir is `$KERAS_HOME/datasets` when KERAS_HOME is set (as Keras does).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping, Optional

import typer
from rich.console import Console
from rich.table import Table

from ablab.commands._options import DataDirOption, resolve_cache_dir
from ablab.data import DATASETS, Splits, fetch_dataset, get_spec, read_cache
from ablab.data.checksums import Manifest
from ablab.data.fetch import dataset_dir
from ablab.data.splits import SPLITS, make_splits
from ablab.errors import AblabError

CACHE_OPTION = DataDirOption


def resolve_keras_dir(environ: Mapping[str, str] = os.environ) -> Path | None:
    """Keras's datasets dir when KERAS_HOME moves it; None means the library default (~/.keras/datasets)."""
    return Path(environ["KERAS_HOME"]).expanduser() / "datasets" if environ.get("KERAS_HOME") else None


def _console() -> Console:
    """A console wide enough for checksum tables even when output is piped (Rich assumes 80 columns then)."""
    console = Console(highlight=False)
    return console if console.is_terminal else Console(highlight=False, width=140)


def fetch_command(
    name: str = typer.Argument(..., help=f"Dataset: {', '.join(DATASETS)}."),
    cache_dir: Optional[Path] = CACHE_OPTION,
) -> None:
    """Make sure the cache holds NAME's verified files, trying each source in turn and printing each attempt."""
    console = _console()
    report = fetch_dataset(
        name,
        cache_dir=resolve_cache_dir(cache_dir),
        log=lambda message: console.print(message, markup=False, soft_wrap=True),
        keras_dir=resolve_keras_dir(),
    )
    verb = "already cached" if report.from_cache else "fetched"
    console.print(f"{name}: {verb} in {report.directory} (source: {report.source})", markup=False, soft_wrap=True)


def info_command(
    name: Optional[str] = typer.Argument(None, help="Dataset to show [default: all]."),
    cache_dir: Optional[Path] = CACHE_OPTION,
) -> None:
    """Show each dataset's source, split sizes, class counts per split and file checksums (all verified)."""
    console = _console()
    root = resolve_cache_dir(cache_dir)
    specs = [get_spec(name)] if name else list(DATASETS.values())
    for spec in specs:
        directory = dataset_dir(spec, root)
        manifest, arrays = read_cache(spec, directory)
        if manifest is None:
            if name:
                raise AblabError(f"{spec.name} is not fetched into {directory}; run {spec.fetch_hint}")
            message = f"{spec.name}: not fetched into {directory}; run {spec.fetch_hint}\n"
            console.print(message, markup=False, soft_wrap=True)
            continue
        splits = make_splits(spec, arrays, source=manifest.source)
        _print_dataset(console, spec.title, directory, manifest, splits)


def _print_dataset(console: Console, title: str, directory: Path, manifest: Manifest, splits: Splits) -> None:
    console.print(f"[bold]{splits.name}[/bold] — {title}")
    console.print(f"source: {manifest.source}", markup=False, soft_wrap=True)
    console.print(f"cache:  {directory} (fetched {manifest.fetched_at})", markup=False, soft_wrap=True)
    console.print(_split_table(splits))
    console.print(_checksum_table(manifest))
    console.print()


def _split_table(splits: Splits) -> Table:
    """One row per split: size and examples per class."""
    table = Table(title=f"{splits.name}: splits and class counts", title_justify="left")
    table.add_column("split")
    table.add_column("examples", justify="right")
    for label in range(splits.n_classes):
        table.add_column(f"class {label}", justify="right")
    counts, sizes = splits.class_counts(), splits.sizes()
    for which in SPLITS:
        table.add_row(which, f"{sizes[which]:,}", *(f"{n:,}" for n in counts[which]))
    return table


def _checksum_table(manifest: Manifest) -> Table:
    """One row per cached file: size and SHA-256 (just verified against the manifest and the registry)."""
    table = Table(title=f"{manifest.dataset}: cached files (SHA-256 verified)", title_justify="left")
    table.add_column("file")
    table.add_column("bytes", justify="right")
    table.add_column("sha256", no_wrap=True)
    for file_name, record in sorted(manifest.files.items()):
        table.add_row(file_name, f"{record.size_bytes:,}", record.sha256)
    return table


def register(root: typer.Typer) -> None:
    """Add this group's commands to the root app."""
    group = typer.Typer(
        name="data", help="Datasets: fetch MNIST / Fashion-MNIST and inspect the cache.", no_args_is_help=True
    )
    group.command("fetch")(fetch_command)
    group.command("info")(info_command)
    root.add_typer(group, name="data")
