"""Options shared by several commands. Entry points may read the environment; the library never does."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

import typer
import yaml

from ablab.data.fetch import default_cache_dir
from ablab.errors import AblabError

DEFAULT_STORE = Path("runs/ablab.db")
CACHE_ENV = "ABLAB_CACHE"

StoreOption = typer.Option(DEFAULT_STORE, "--store", help="SQLite store of trials.", show_default=True)
DataDirOption = typer.Option(
    None, "--cache-dir", help="Dataset cache (default: $ABLAB_CACHE or ~/.cache/ablab/datasets).", show_default=False
)


def resolve_cache_dir(cache_dir: Path | None, environ: Mapping[str, str] = os.environ) -> Path:
    """The dataset cache, for every command and bench: --cache-dir, else $ABLAB_CACHE, else
    ~/.cache/ablab/datasets (ablab.data.default_cache_dir). The one place the environment decides it."""
    if cache_dir is not None:
        return Path(cache_dir).expanduser()
    if environ.get(CACHE_ENV):
        return Path(environ[CACHE_ENV]).expanduser()
    return default_cache_dir()


def data_dir(cache_dir: Path | None) -> Path:
    """resolve_cache_dir from the process's environment (the name the study and train commands use)."""
    return resolve_cache_dir(cache_dir)


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
