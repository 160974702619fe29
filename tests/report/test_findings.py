"""Verdict rules on hand-made cells: better, best, close, marginally better, no improvement, and combining."""

from pathlib import Path

import pytest

from ablab.report import findings as f
from ablab.report.load import Cell, ReportData


def cell(table, group, row, dataset, seed, accuracy, study="s"):
    return Cell(study, table, group, row, dataset, seed, f"{table}{group}{row}{dataset}{seed}", "complete", accuracy, 0.1,
                {}, 1.0, 1.0, {}, "tensorflow", {})


def data(rows: dict[tuple, list[float]]) -> ReportData:
    cells = [cell(*cid, seed, acc) for cid, accs in rows.items() for seed, acc in enumerate(accs)]
    return ReportData(Path("x.db"), "quick", [], cells)


A, B, C = (9, "g", "a"), (9, "g", "b"), (9, "g", "c")
M = f.M


def verdict(test, rows):
    return (f._best if test.kind == "best" else f._pairwise)(data(rows), test).verdict


def cid(t):
    return (*t, M)


@pytest.mark.parametrize(
    "a,b,expected",
    [([0.90, 0.91, 0.92], [0.80, 0.81, 0.82], f.CONFIRMED),
     ([0.80, 0.81, 0.82], [0.90, 0.91, 0.92], f.REFUTED),
     ([0.90, 0.80, 0.95], [0.85, 0.90, 0.85], f.NOT_SUPPORTED),
     ([0.90], [0.80], f.NOT_SUPPORTED),  # one seed: no interval
     ([0.90, 0.91, 0.92], [0.90, 0.91, 0.92], f.REFUTED)],  # identical results: no improvement at all
)
def test_better(a, b, expected):
    assert verdict(f.Test("better", A, M, b=B), {cid(A): a, cid(B): b}) == expected


def test_best_needs_every_other_row_beaten_and_is_refuted_by_a_better_row():
    test = f.Test("best", A, M, among=("a", "b", "c"))
    assert verdict(test, {cid(A): [0.9, 0.91, 0.92], cid(B): [0.8, 0.81, 0.82], cid(C): [0.7, 0.71, 0.72]}) == f.CONFIRMED
    assert verdict(test, {cid(A): [0.9, 0.91, 0.92], cid(B): [0.9, 0.905, 0.93], cid(C): [0.7, 0.71, 0.72]}) == f.NOT_SUPPORTED
    assert verdict(test, {cid(A): [0.8, 0.81, 0.82], cid(B): [0.9, 0.91, 0.92], cid(C): [0.7, 0.71, 0.72]}) == f.REFUTED


@pytest.mark.parametrize(
    "kind,a,b,expected",
    [("close", [0.900, 0.902, 0.904], [0.899, 0.901, 0.905], f.CONFIRMED),
     ("close", [0.90, 0.91, 0.92], [0.80, 0.81, 0.82], f.REFUTED),
     ("marginally_better", [0.903, 0.905, 0.907], [0.900, 0.901, 0.904], f.CONFIRMED),
     ("marginally_better", [0.90, 0.91, 0.92], [0.80, 0.81, 0.82], f.REFUTED),  # far better, not marginally
     ("marginally_better", [0.80, 0.81, 0.82], [0.90, 0.91, 0.92], f.REFUTED),
     ("not_better", [0.900, 0.901, 0.903], [0.900, 0.902, 0.902], f.CONFIRMED),
     ("not_better", [0.90, 0.91, 0.92], [0.80, 0.81, 0.82], f.REFUTED)],
)
def test_margin_rules(kind, a, b, expected):
    assert verdict(f.Test(kind, A, M, b=B), {cid(A): a, cid(B): b}) == expected


def test_combine():
    assert f.combine([f.CONFIRMED, f.CONFIRMED]) == f.CONFIRMED
    assert f.combine([f.CONFIRMED, f.NOT_SUPPORTED]) == f.NOT_SUPPORTED
    assert f.combine([f.CONFIRMED, f.REFUTED, f.NOT_SUPPORTED]) == f.REFUTED


def test_every_claim_of_the_report_is_listed_and_unrun_ones_say_so():
    ids = [c.id for c in f.CLAIMS]
    assert ids == [f"MLP-{i}" for i in range(1, 7)] + [f"CNN-{i}" for i in range(1, 11)] + ["T1-1", "T1-2"]
    findings = f.evaluate(data({}))
    assert {x.verdict for x in findings} == {f.NOT_RUN}


def test_claims_point_at_rows_that_exist_in_the_builtin_specs():
    from ablab.studies.catalog import builtin_specs
    from ablab.studies.expand import expand

    cells = {(c.spec.config and s.table, c.group, c.row, c.dataset) for s in builtin_specs() for c in expand(s, "full")}
    for claim in f.CLAIMS:
        for test in claim.tests:
            assert (*test.a, test.dataset) in cells, (claim.id, test.a)
            if test.b:
                assert (*test.b, test.dataset) in cells, (claim.id, test.b)
            for row in test.among:
                assert (test.a[0], test.a[1], row, test.dataset) in cells, (claim.id, row)
