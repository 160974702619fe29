"""`ablab clock` commands: `generate` a clock data set, `show` a labelled contact sheet of one.

The group is the module-level `clock_app`; other modules add commands to it (the reader's `train`, `evaluate`,
`read` in ablab.commands.clock_reader) with `@clock_app.command(...)` at import time, and `register(root)` mounts it.
"""

from __future__ import annotations

import time
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from ablab.clock.data.dataset import SHEET_FILE, read_clock_dir
from ablab.clock.data.generate import check_arguments, generate, write_clock_dir
from ablab.clock.draw.sheet import contact_sheet
from ablab.errors import AblabError

clock_app = typer.Typer(
    name="clock",
    help="Analog-clock images: generate data sets in the report's format, look at them; read the time from them.",
    no_args_is_help=True,
)


@clock_app.command("generate")
def generate_command(
    out: Path = typer.Option(..., "--out", help="Directory to write images.npy, labels.npy, meta.json, ... into."),
    preset: str = typer.Option("single", "--preset", help=(
        "single (one clock, as in the report), photo-floor (the report's photographs: on a floor, up to 60° of "
        "tilt, a deep case, glare), varied (any design; the training mix), varied-own (varied without the mix: "
        "what the shipped reader trained on), small (a varied dial at 0.3–0.5 of the frame, off centre), "
        "a training family or face (unseen-fonts, unseen-hands, unseen-ticks, upright-ticks, "
        "light-hands, photo, no-marks, dots-only, quarters-only, light-on-light, similar-hands, text-logos), or a "
        "family never trained on, to test a reader on: polygon-dial, station, sunburst-face, gear-face, held-out "
        "(any of them)."
    )),
    n: int = typer.Option(18000, "--n", help="Number of images."),
    size: int = typer.Option(150, "--size", help="Image side in pixels."),
    seed: int = typer.Option(0, "--seed", min=0, help="Same seed, same bytes (whatever --workers)."),
    workers: int | None = typer.Option(None, "--workers", help="Processes to render on (default: all cores)."),
) -> None:
    """Render N labelled clock images (uint8 N×size×size, labels: hour 0-11, minute 0-59) into OUT."""
    check_arguments(preset, n, size, workers)
    _check_out_folder(out)
    console = Console(stderr=True)
    start = time.perf_counter()
    with _progress_bar(console) as bar:
        task = bar.add_task(f"rendering {preset} clocks", total=n)
        clocks = generate(
            preset, n, size=size, seed=seed, workers=workers,
            progress=lambda done, total: bar.update(task, completed=done),
        )
    render_s = time.perf_counter() - start
    write_clock_dir(clocks, out)
    console.print(
        f"{n} {preset} clocks at {size}×{size} in {render_s:.1f} s ({n / render_s:.0f} images/s); "
        f"wrote {out} ({clocks.mirrored.mean():.0%} mirrored)"
    )


def _check_out_folder(out: Path) -> None:
    """AblabError (exit 2) before rendering, not after it, when --out cannot be a folder: a file stands there or
    where one of its folders should be."""
    existing = out
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if not existing.is_dir():
        raise AblabError(f"--out {out}: {existing} is a file, not a folder; pass a folder (created if missing)")


def _progress_bar(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=console,
    )


@clock_app.command("show")
def show_command(
    directory: Path = typer.Argument(..., help="A clock directory (images.npy + labels.npy)."),
    n: int = typer.Option(36, "--n", help="How many images (the first N)."),
    out: Path | None = typer.Option(None, "--out", help="PNG to write (default: DIRECTORY/contact_sheet.png)."),
    columns: int = typer.Option(6, "--columns", help="Images per row."),
) -> None:
    """Write a contact sheet of the first N images, each labelled HH:MM (and M if mirrored)."""
    if n < 1:
        raise AblabError(f"--n must be at least 1 (got {n})")
    data = read_clock_dir(directory)
    k = min(n, len(data.labels))
    mirrored = data.mirrored[:k] if data.mirrored is not None else None
    sheet = contact_sheet(data.images[:k], data.labels[:k], mirrored, columns=columns)
    target = out if out is not None else Path(directory) / SHEET_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    sheet.save(target)
    Console(stderr=True).print(f"wrote {target} ({k} images)")


def register(root: typer.Typer) -> None:
    """Add the `clock` group to the root app."""
    root.add_typer(clock_app, name="clock")
