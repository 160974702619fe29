"""Options shared by several commands. Entry points may read the environment; the library never does."""

from __future__ import annotations

import os
from pathlib import Path

import typer
import yaml

from ablab.errors import AblabError

DEFAULT_STORE = Path("runs/ablab.db")

StoreOption = typer.Option(DEFAULT_STORE, "--store", help="SQLite store of trials.", show_default=True)
DataDirOption = typer.Option(
    None, "--cache-dir", help="Dataset cache (default: $ABLAB_CACHE or ~/.cache/ablab/datasets).", show_default=False
)


def data_dir(cache_dir: Path | None) -> Path:
    """The dataset cache: --cache-dir, else $ABLAB_CACHE, else ~/.cache/ablab/datasets."""
    if cache_dir is not None:
        return cache_dir
    return Path(os.environ.get("ABLAB_CACHE", Path.home() / ".cache" / "ablab" / "datasets"))


def parse_sets(items: list[str]) -> dict:
    """`--set key=value` pairs; values are YAML scalars or lists (0.001, relu, null, [600, 300])."""
    overrides = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise AblabError(f"--set {item!r}: expected key=value, e.g. --set optimizer=adam")
        try:
            overrides[key.strip()] = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise AblabError(f"--set {item!r}: value is not valid YAML ({err.problem})") from None
    return overrides
