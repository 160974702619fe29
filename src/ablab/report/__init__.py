"""The report: load (store only) → aggregate (mean ± 95% CI, beside the report's values) → render (Markdown, HTML,
PNG plots, CSV). Findings give each of the report's conclusions a verdict by rules written in findings.py."""

from __future__ import annotations

from pathlib import Path


def write_report(store_path: str | Path, out_dir: str | Path, *, profile: str | None = None) -> dict[str, Path]:
    """Read the store and write index.html, report.md, plots and CSVs into `out_dir`."""
    from ablab.report.load import load
    from ablab.report.render import render

    return render(load(store_path, profile), Path(out_dir))


__all__ = ["write_report"]
