"""The report's claims as decided at the report's own settings (`--profile full`, run on a GPU and shipped as a
results export in `reference/report_settings_results.csv`, the same file as docs/full-report/results.csv), put into
the store as an artifact so that every report can show them beside its own run's verdicts, each labelled with
where it ran. The report reads only the store; this is how the shipped run gets there.
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ablab.report.findings import evaluate
from ablab.report.findings_section import REPORT_SETTINGS
from ablab.report.load import load_results
from ablab.report.verdicts import fmt_points
from ablab.store import Store
from ablab.store.studies import StudyIndex

RESULTS_FILE = "report_settings_results.csv"


def shipped_results() -> Path | None:
    path = resources.files("ablab.studies.reference") / RESULTS_FILE
    return Path(str(path)) if path.is_file() else None


def _source(data) -> dict:
    cells = [c for c in data.cells if c.finished]
    devices = sorted({c.device for c in cells if c.device})
    seeds = sorted({c.seed for c in cells})
    return {"devices": devices, "seeds": seeds, "backends": sorted({c.backend for c in cells if c.backend}),
            "trials": len({c.key for c in cells})}


def report_settings_verdicts(csv_path: Path) -> dict:
    """Per claim of the report: its verdict, decisive effect and trials in the shipped full-profile results."""
    data = load_results(csv_path, "full")
    claims = {}
    for f in evaluate(data):
        decisive = next((r for r in f.results if r.verdict == f.verdict), f.results[0] if f.results else None)
        claims[f.claim.id] = {"verdict": f.verdict, "trials": f.trials,
                              "effect": fmt_points(decisive.effect) if decisive else "",
                              "effect_label": decisive.effect_label if decisive else ""}
    return {"claims": claims, "source": _source(data), "file": csv_path.name}


def record_report_settings(store_path: Path) -> dict | None:
    """Put the shipped run's verdicts into the store (None where the install ships no results)."""
    path = shipped_results()
    if path is None:
        return None
    meta = report_settings_verdicts(path)
    StudyIndex(Store(store_path)).put_artifact(REPORT_SETTINGS, "json", b"", meta)
    return meta
