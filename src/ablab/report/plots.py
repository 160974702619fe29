"""PNG plots for the report (matplotlib's Agg canvas; no global backend state, no display needed)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ablab.report.aggregate import RowSummary, mean_curves
from ablab.report.load import Cell

DATASET_COLOURS = {"mnist": "#4C72B0", "fashion-mnist": "#DD8452", "": "#55A868"}
DATASET_LABELS = {"mnist": "MNIST", "fashion-mnist": "Fashion-MNIST", "": "(no dataset)"}


def _save(fig: Figure, path: Path) -> Path:
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=110, bbox_inches="tight")
    return path


def _groups(rows: list) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for row in rows:
        grouped.setdefault(row.group, []).append(row)
    return grouped


def bar_chart(rows: list[RowSummary], title: str, path: Path) -> Path:
    """Mean test accuracy ± 95% CI per row and dataset, one panel per group; ◆ marks the report's value."""
    groups = _groups(rows)
    widest = max(len({r.row for r in g}) for g in groups.values())
    fig = Figure(figsize=(max(7.0, 0.75 * widest + 3.0), 2.9 * len(groups) + 0.6))
    for i, (group, members) in enumerate(groups.items()):
        ax = fig.add_subplot(len(groups), 1, i + 1)
        _bars(ax, members)
        ax.set_title(group, fontsize=10, loc="left")
        ax.set_ylim(0, 1.05)
        ax.set_ylabel("test accuracy", fontsize=8)
        ax.grid(axis="y", alpha=0.3)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return _save(fig, path)


def _bars(ax, members: list[RowSummary]) -> None:
    labels = list(dict.fromkeys(r.row for r in members))
    datasets = list(dict.fromkeys(r.dataset for r in members))
    width = 0.8 / max(1, len(datasets))
    for j, dataset in enumerate(datasets):
        by_row = {r.row: r for r in members if r.dataset == dataset}
        xs = np.arange(len(labels)) + (j - (len(datasets) - 1) / 2) * width
        means = [by_row[l].accuracy.mean if l in by_row and by_row[l].accuracy.mean is not None else 0 for l in labels]
        errors = [(by_row[l].accuracy.half_width or 0) if l in by_row else 0 for l in labels]
        colour = DATASET_COLOURS.get(dataset, "#8172B3")
        ax.bar(xs, means, width, yerr=errors, capsize=2, color=colour,
               label=f"ours: {DATASET_LABELS.get(dataset, dataset)}")
        refs = [(x, by_row[l].report_accuracy) for x, l in zip(xs, labels)
                if l in by_row and by_row[l].report_accuracy is not None]
        if refs:
            ax.scatter(*zip(*refs), marker="D", s=18, color="black", zorder=3, label="report" if j == 0 else None)
    ax.set_xticks(np.arange(len(labels)))
    ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=7)
    ax.legend(fontsize=7, loc="lower right")


def learning_curves(cells: list[Cell], title: str, path: Path) -> Path | None:
    """Mean validation accuracy per epoch for each row (panels: group × dataset). None if every trial is 1 epoch."""
    multi = [c for c in cells if len(c.history.get("val_accuracy") or []) > 1]
    if not multi:
        return None
    panels = list(dict.fromkeys((c.group, c.dataset) for c in multi))  # only (group, dataset) pairs with data
    columns = 2 if len(panels) > 1 else 1
    rows = (len(panels) + columns - 1) // columns
    fig = Figure(figsize=(5.5 * columns, 3.2 * rows))
    for i, (group, dataset) in enumerate(panels):
        ax = fig.add_subplot(rows, columns, i + 1)
        _curves(ax, [c for c in multi if c.group == group and c.dataset == dataset])
        ax.set_title(f"{group} · {DATASET_LABELS.get(dataset, dataset)}", fontsize=9, loc="left")
        ax.set_xlabel("epoch", fontsize=8)
        ax.set_ylabel("valid accuracy", fontsize=8)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.grid(alpha=0.3)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    return _save(fig, path)


def _curves(ax, cells: list[Cell]) -> None:
    rows = list(dict.fromkeys(c.row for c in cells))
    for row in rows:
        curve = mean_curves([c for c in cells if c.row == row])
        if curve:
            ax.plot(range(1, len(curve) + 1), curve, marker="o", markersize=3, label=row)
    if rows:
        ax.legend(fontsize=6, ncol=2)


def figure1(original: np.ndarray, permuted: np.ndarray, caption: str, path: Path) -> Path:
    """The report's Figure 1: one image before and after the pixel permutation."""
    fig = Figure(figsize=(5.0, 2.8))
    for i, (image, name) in enumerate(((original, "original"), (permuted, "permuted"))):
        ax = fig.add_subplot(1, 2, i + 1)
        ax.imshow(image, cmap="gray", vmin=0, vmax=255)
        ax.set_title(name, fontsize=10)
        ax.axis("off")
    fig.suptitle(caption, fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


def error_histogram(errors_min: np.ndarray, title: str, path: Path, *, bin_min: float = 15.0) -> Path:
    """Share of test readings per common-sense error bin (0–360 min); the dashed line is a guessing reader's
    (errors uniform on 0–360), so a reader at chance looks flat and a good one piles up at 0."""
    errors = np.asarray(errors_min, np.float64)
    bins = np.arange(0.0, 360.0 + bin_min, bin_min)
    counts, _ = np.histogram(np.clip(errors, 0, 360), bins=bins)
    fig = Figure(figsize=(7.0, 3.2))
    ax = fig.add_subplot(1, 1, 1)
    ax.bar(bins[:-1], counts / max(1, len(errors)), width=bin_min, align="edge", color="#4C72B0", edgecolor="white")
    ax.axhline(bin_min / 360.0, color="black", linestyle="--", linewidth=1, label="chance (guessing)")
    ax.set_xlim(0, 360)
    ax.set_xlabel("common-sense error (min)", fontsize=8)
    ax.set_ylabel("share of test readings", fontsize=8)
    ax.legend(fontsize=7)
    ax.set_title(title, fontsize=9, loc="left")
    fig.tight_layout()
    return _save(fig, path)


def image_grid(images: list[np.ndarray], captions: list[str], title: str, path: Path, *, columns: int = 4) -> Path:
    """Gray thumbnails in a grid, each with a caption (e.g. the worst readings: true, read, error)."""
    rows = max(1, (len(images) + columns - 1) // columns)
    fig = Figure(figsize=(2.2 * columns, 2.4 * rows + 0.4))
    for i, (image, caption) in enumerate(zip(images, captions)):
        ax = fig.add_subplot(rows, columns, i + 1)
        ax.imshow(image, cmap="gray", vmin=0, vmax=255)
        ax.set_title(caption, fontsize=7)
        ax.axis("off")
    fig.suptitle(title, fontsize=9)
    fig.tight_layout()
    return _save(fig, path)


VERDICT_COLOURS = {"confirmed": "#2E7D32", "refuted": "#C62828", "not decided": "#9E9E9E", "better": "#2E7D32",
                   "worse": "#C62828", "equivalent": "#1565C0"}


def forest_plot(rows: list[tuple[str, str, float, float, float, float]], path: Path) -> Path | None:
    """Every claim's decisive effect (accuracy points) with its interval against its ±margin band, coloured by
    verdict: rows of (label, verdict, mean, low, high, margin), top to bottom. None when there is nothing to draw."""
    if not rows:
        return None
    fig = Figure(figsize=(8.0, 0.38 * len(rows) + 1.3))
    ax = fig.add_subplot(1, 1, 1)
    for y, (label, verdict, mean, low, high, margin) in enumerate(reversed(rows)):
        ax.fill_betweenx([y - 0.4, y + 0.4], -margin, margin, color="#E3F2FD", zorder=0)
        colour = VERDICT_COLOURS.get(verdict, "#616161")
        ax.plot([low, high], [y, y], color=colour, linewidth=2.2, zorder=2)
        ax.plot([mean], [y], "o", color=colour, markersize=5, zorder=3)
    ax.axvline(0, color="#424242", linewidth=0.8, zorder=1)
    ax.set_yticks(range(len(rows)), [f"{r[0]} ({r[1]})" for r in reversed(rows)], fontsize=8)
    ax.set_xscale("symlog", linthresh=1.0)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.set_xlabel("decisive difference A − B, accuracy points (symlog); band: ±margin", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return _save(fig, path)
