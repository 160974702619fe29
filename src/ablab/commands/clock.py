"""`ablab clock` commands."""

import typer


def register(root: typer.Typer) -> None:
    """Add this group's commands to the root app."""
