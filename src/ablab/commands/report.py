"""`ablab report`: write the HTML + Markdown report of the studies in a store."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console

from ablab.commands._options import StoreOption
from ablab.report import write_report


def register(root: typer.Typer) -> None:
    root.command("report")(report)


def report(
    store_path: Path = StoreOption,
    out: Path = typer.Option(Path("report"), "--out", help="Folder for index.html, report.md, PNG plots and CSV."),
    profile: str = typer.Option(None, "--profile", help="quick or full (default: the one with most finished trials)."),
    results: Path = typer.Option(
        None, "--results", help="Render from this results export (`ablab results export --csv`) instead of --store.",
    ),
) -> None:
    """Our numbers (mean ± 95% CI over seeds) beside the report's, plots, Figure 1, and a verdict on each conclusion."""
    paths = write_report(store_path, out, profile=profile, results=results)
    Console().print(f"wrote {paths['html']} and {paths['markdown']} (+ plots, trials.csv, summary.csv)")
