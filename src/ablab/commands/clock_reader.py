"""`ablab clock train|evaluate|read`: the clock reader's commands, added to the `clock` sub-app."""

import typer


def register(root: typer.Typer) -> None:
    """Add the reader's commands to the `clock` group (created by ablab.commands.clock)."""
