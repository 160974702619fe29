"""The report: load (store only) → aggregate (mean ± 95% CI, beside the report's values) → render (Markdown, HTML,
PNG plots, CSV). Findings give each of the report's conclusions a verdict by rules written in findings.py."""

from __future__ import annotations

from pathlib import Path


def write_report(
    store_path: str | Path | None, out_dir: str | Path, *, profile: str | None = None, results: str | Path | None = None
) -> dict[str, Path]:
    """Read the store (or, given `results`, a results export CSV of one) and write index.html, report.md, plots
    and CSVs into `out_dir`."""
    from ablab.report.load import load, load_results
    from ablab.report.render import render

    data = load_results(results, profile) if results is not None else load(store_path, profile)
    return render(data, Path(out_dir))


__all__ = ["write_report"]
