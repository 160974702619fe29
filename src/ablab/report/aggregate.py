"""Aggregate cells into table rows: mean ± 95% CI over seeds per (study, group, row, dataset), beside the report."""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from ablab.report.load import Cell, CellId, ReportData
from ablab.report.stats import Interval, mean_interval

METRICS = ("accuracy", "loss")
REPORT_ROUNDING = 0.0005  # the report prints 3 decimals: its value v stands for [v - 0.0005, v + 0.0005]


@dataclass(frozen=True)
class RowSummary:
    """One line of a table in our report."""

    study: str
    table: int | None
    group: str
    row: str
    dataset: str
    accuracy: Interval
    loss: Interval
    states: Counter
    cells: int
    report_accuracy: float | None
    report_loss: float | None

    @property
    def cell_id(self) -> CellId:
        return (self.table, self.group, self.row, self.dataset)

    def outside(self, metric: str) -> bool | None:
        """True when the report's value lies outside our 95% CI; None when there is no value or no CI.
        The report's value is rounded to 3 decimals, so it is outside only when its rounding interval misses ours.
        A report 'nan' loss is outside whenever our loss is finite (n counts only finite losses)."""
        value = self.report_accuracy if metric == "accuracy" else self.report_loss
        interval = self.accuracy if metric == "accuracy" else self.loss
        if value is None:
            return None
        if math.isnan(value):
            return interval.n > 0
        if interval.low is None:
            return None
        return value + REPORT_ROUNDING < interval.low or value - REPORT_ROUNDING > interval.high


def _reference(data: ReportData, cell_id: CellId, metric: str) -> float | None:
    table, group, row, dataset = cell_id
    return data.reference.get((table, group, row, dataset, metric))


def summarize(data: ReportData) -> list[RowSummary]:
    """One RowSummary per distinct (study, group, row, dataset), in each study's spec order."""
    grouped: dict[tuple, list[Cell]] = {}
    for cell in data.cells:
        grouped.setdefault((cell.study, *cell.cell_id), []).append(cell)
    rows = []
    for (study, table, group, row, dataset), cells in grouped.items():
        finished = [c for c in cells if c.finished]
        rows.append(RowSummary(
            study, table, group, row, dataset,
            accuracy=mean_interval([c.accuracy for c in finished]),
            loss=mean_interval([c.loss for c in finished]),
            states=Counter(c.state for c in cells),
            cells=len(cells),
            report_accuracy=_reference(data, (table, group, row, dataset), "accuracy"),
            report_loss=_reference(data, (table, group, row, dataset), "loss"),
        ))
    return rows


def per_seed(data: ReportData, cell_id: CellId, metric: str = "accuracy") -> dict[int, float]:
    """seed -> metric of the finished trials in a cell (for paired comparisons)."""
    values = {}
    for cell in data.cells_of(cell_id):
        value = cell.accuracy if metric == "accuracy" else cell.loss
        if cell.finished and value is not None:
            values[cell.seed] = value
    return values


def mean_curves(cells: list[Cell], metric: str = "val_accuracy") -> list[float]:
    """Per-epoch mean of `metric` over the finished cells that have it (shortest common length)."""
    curves = [c.history.get(metric) for c in cells if c.finished and c.history.get(metric)]
    curves = [[v for v in curve if v is not None] for curve in curves]
    curves = [curve for curve in curves if curve]
    if not curves:
        return []
    length = min(len(curve) for curve in curves)
    return [sum(curve[i] for curve in curves) / len(curves) for i in range(length)]
