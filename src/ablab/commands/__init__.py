"""CLI commands, one module per command group. Each module has `register(root: typer.Typer)`.

Library errors (`AblabError`) become a one-line message on stderr and exit code 2.
"""

from __future__ import annotations

import importlib
import sys

import typer

from ablab.errors import AblabError

# Command-group modules under ablab.commands, in help order.
GROUPS = ("train", "data", "results", "study", "reproduce", "report", "clock", "clock_reader")


def build_app() -> typer.Typer:
    app = typer.Typer(
        name="ablab",
        help="Reproducible ablation studies of Géron's MLP and CNN, and a CNN that reads analog clocks.",
        no_args_is_help=True,
        add_completion=False,
        pretty_exceptions_enable=False,
    )

    @app.callback()
    def _root(
        backend: str = typer.Option(
            "tensorflow", "--backend", help="Keras backend: tensorflow (default on CPU), jax or torch.",
            envvar="KERAS_BACKEND"
        ),
    ) -> None:
        """ablab: every table of the report, rerun over seeds, with our numbers beside theirs."""

    for name in GROUPS:
        importlib.import_module(f"ablab.commands.{name}").register(app)
    return app


def run_app(app: typer.Typer, argv: list[str]) -> None:
    """Run the app; turn AblabError into exit code 2 with a clear message."""
    try:
        app(args=argv, prog_name="ablab", standalone_mode=True)
    except AblabError as err:
        sys.stderr.write(f"error: {err}\n")
        raise SystemExit(2) from None
