"""Verdict rules on hand-made cells: better, best, close, marginally better, no improvement, and combining."""

from pathlib import Path

import pytest

from ablab.report import findings as f
from ablab.report.load import Cell, ReportData


def cell(table, group, row, dataset, seed, accuracy, study="s"):
    return Cell(study, table, group, row, dataset, seed, f"{table}{group}{row}{dataset}{seed}", "complete", accuracy,
                0.1, {}, 1.0, 1.0, {}, "tensorflow", {})


def data(rows: dict[tuple, list[float]]) -> ReportData:
    cells = [cell(*cid, seed, acc) for cid, accs in rows.items() for seed, acc in enumerate(accs)]
    return ReportData(Path("x.db"), "quick", [], cells)


A, B, C = (9, "g", "a"), (9, "g", "b"), (9, "g", "c")
M = f.M


def values_of(rows):
    return lambda cell_id: dict(enumerate(rows.get(cell_id, [])))


def verdict(test, rows):
    return f.run_test(values_of(rows), test).verdict


def cid(t):
    return (*t, M)


@pytest.mark.parametrize(
    "a,b,expected",
    [([0.90, 0.91, 0.92], [0.80, 0.81, 0.82], f.CONFIRMED),
     ([0.80, 0.81, 0.82], [0.90, 0.91, 0.92], f.REFUTED),
     ([0.90, 0.80, 0.95], [0.85, 0.90, 0.85], f.UNDECIDED),
     ([0.90], [0.80], f.UNDECIDED),  # one seed: no interval
     ([0.90, 0.91, 0.92], [0.90, 0.91, 0.92], f.REFUTED)],  # identical results: no improvement at all
)
def test_better(a, b, expected):
    assert verdict(f.Test("better", A, M, b=B), {cid(A): a, cid(B): b}) == expected


def test_best_needs_every_other_row_beaten_and_is_refuted_by_a_better_row():
    test = f.Test("best", A, M, among=("a", "b", "c"))
    assert verdict(test, {cid(A): [0.9, 0.91, 0.92], cid(B): [0.8, 0.81, 0.82],
                          cid(C): [0.7, 0.71, 0.72]}) == f.CONFIRMED
    assert verdict(test, {cid(A): [0.9, 0.91, 0.92], cid(B): [0.9, 0.905, 0.93],
                          cid(C): [0.7, 0.71, 0.72]}) == f.UNDECIDED
    assert verdict(test, {cid(A): [0.8, 0.81, 0.82], cid(B): [0.9, 0.91, 0.92], cid(C): [0.7, 0.71, 0.72]}) == f.REFUTED


@pytest.mark.parametrize(
    "kind,a,b,expected",
    [("close", [0.900, 0.902, 0.904], [0.899, 0.901, 0.905], f.CONFIRMED),
     ("close", [0.90, 0.91, 0.92], [0.80, 0.81, 0.82], f.REFUTED),
     ("marginally_better", [0.903, 0.905, 0.907], [0.900, 0.902, 0.904], f.CONFIRMED),
     ("marginally_better", [0.90, 0.91, 0.92], [0.80, 0.81, 0.82], f.REFUTED),  # far better, not marginally
     ("marginally_better", [0.80, 0.81, 0.82], [0.90, 0.91, 0.92], f.REFUTED),
     ("not_better", [0.900, 0.901, 0.903], [0.900, 0.902, 0.902], f.CONFIRMED),
     ("not_better", [0.90, 0.91, 0.92], [0.80, 0.81, 0.82], f.REFUTED)],
)
def test_margin_rules(kind, a, b, expected):
    """A declared margin of 1 point; 3 seeds (α = 0.01 at that look)."""
    assert verdict(f.Test(kind, A, M, b=B, margin=0.01), {cid(A): a, cid(B): b}) == expected


def test_better_is_refuted_by_equivalence_within_the_dataset_margin():
    a = [0.900, 0.910, 0.920, 0.905, 0.915]
    b = [x + e for x, e in zip(a, (0.0004, -0.0003, 0.0002, -0.0004, 0.0001))]  # within ±0.04 points of a
    result = f.run_test(values_of({cid(A): a, cid(B): b}), f.Test("better", A, M, b=B))
    assert result.verdict == f.REFUTED and result.effect.outcome == "equivalent"
    assert "margin ±0.2 pts" in result.numbers  # MNIST's declared margin, printed with the verdict


def test_combine():
    def result(verdict, p_refute):
        return f.TestResult(f.Test("better", A, M, b=B), verdict, "", "", p_refute=p_refute, alpha=0.01)

    assert f.combine([result(f.CONFIRMED, 1.0), result(f.CONFIRMED, 1.0)]) == f.CONFIRMED
    assert f.combine([result(f.CONFIRMED, 1.0), result(f.UNDECIDED, 0.5)]) == f.UNDECIDED
    assert f.combine([result(f.CONFIRMED, 1.0), result(f.REFUTED, 0.001), result(f.UNDECIDED, 0.5)]) == f.REFUTED
    # refuting needs Holm over the claim's tests: 0.008 refutes one test at α = 0.01, not a claim of two
    assert f.combine([result(f.REFUTED, 0.008), result(f.UNDECIDED, 0.5)]) == f.UNDECIDED


def test_every_claim_of_the_report_is_listed_and_unrun_ones_say_so():
    ids = [c.id for c in f.CLAIMS]
    assert ids == [f"MLP-{i}" for i in range(1, 7)] + [f"CNN-{i}" for i in range(1, 11)] + ["T1-1", "T1-2"]
    findings = f.evaluate(data({}))
    assert {x.verdict for x in findings} == {f.NOT_RUN}


def test_the_reports_studies_are_the_builtin_ones():
    from ablab.studies.catalog import builtin_names

    assert sorted(f.REPORT_STUDIES) == sorted(builtin_names())


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


def test_a_claim_with_no_true_effect_is_never_confirmed():
    """Identical cells (true effect 0): 'better' and 'best' are refuted, never confirmed, at any n."""
    same = [0.90, 0.91, 0.92, 0.89, 0.93]
    for n in (2, 3, 5):
        rows = {cid(A): same[:n], cid(B): same[:n], cid(C): [0.5] * n}
        assert verdict(f.Test("better", A, M, b=B), rows) == f.REFUTED
        assert verdict(f.Test("best", A, M, among=("a", "b", "c")), rows) == f.REFUTED


def test_noise_alone_rarely_confirms_a_best_claim():
    """Rows drawn from one distribution: Holm keeps 'best' confirmations at or below the family-wise 5%."""
    import numpy as np

    rng = np.random.default_rng(0)
    rows_ = tuple("abcdefgh")
    test = f.Test("best", (9, "g", "a"), M, among=rows_)
    confirmed = 0
    for _ in range(300):
        seed_noise = rng.normal(0, 0.01, 3)  # shared per seed, as paired trials share data order
        rows = {(9, "g", r, M): list(0.9 + seed_noise + rng.normal(0, 0.005, 3)) for r in rows_}
        confirmed += verdict(test, rows) == f.CONFIRMED
    assert confirmed <= 0.05 * 300


def test_best_uses_holm_so_one_close_rival_among_several_does_not_refute_by_luck():
    # c and d tie with a: equivalent within MNIST's 0.2 points at p ≈ 0.006 (α = 0.01 at 5 seeds), so "a better
    # than c" is refuted; "a best of four" needs Holm over its three rivals (3 × 0.006 > 0.01): still open
    d_row = (9, "g", "d")
    a = [0.900, 0.910, 0.920, 0.905, 0.915]
    close = [x + 3 * e for x, e in zip(a, (0.0004, -0.0003, 0.0002, -0.0004, 0.0001))]
    rows = {cid(A): a, cid(B): [x - 0.1 for x in a], cid(C): close, cid(d_row): close}
    assert f.run_test(values_of(rows), f.Test("better", A, M, b=C)).verdict == f.REFUTED
    result = f.run_test(values_of(rows), f.Test("best", A, M, among=("a", "b", "c", "d")))
    assert result.verdict == f.UNDECIDED and result.leaning == f.REFUTED


def test_undecided_claims_say_how_many_seeds_would_decide_them():
    rows = {cid(A): [0.90, 0.93], cid(B): [0.88, 0.915]}  # paired differences 0.02, 0.015: sd 0.0035
    result = f.run_test(values_of(rows), f.Test("better", A, M, b=B))
    assert result.verdict == f.UNDECIDED and result.leaning == f.CONFIRMED
    assert result.seeds_needed == 5  # the first planned look with 80% power at a 0.0175 effect, sd 0.0035
    claim = f.Claim("X", "s", "t", (f.Test("better", A, M, b=B),))
    finding = f.judge(values_of(rows), claim)
    assert finding.verdict == f.UNDECIDED and finding.seeds_needed == 5 and finding.trials == 4


def test_a_claim_not_run_at_the_budget_shows_what_its_two_seeds_would_cost():
    from ablab.report.findings_section import findings_blocks

    report = data({})
    report.artifacts["decision:quick"] = (
        "json", b"", {"spent_s": 1440.0, "not_run_cost_s": {"CNN-8": 1260.0, "CNN-10": 20.0}})
    table = next(b for b in findings_blocks(report, f.evaluate(report)) if hasattr(b, "rows"))
    rows = {row[0]: row[-1] for row in table.rows}
    assert rows["CNN-8"] == "not run at this budget (≈ 21 min more for 2 seeds)"
    assert rows["CNN-10"] == "not run at this budget (< 1 min more for 2 seeds)"
    assert rows["CNN-9"] == "not run at this budget"  # no estimate stored: none shown
    del report.artifacts["decision:quick"]  # no budgeted run (the full profile, table by table): no budget to blame
    table = next(b for b in findings_blocks(report, f.evaluate(report)) if hasattr(b, "rows"))
    assert {row[0]: row[-1] for row in table.rows}["CNN-8"] == "not run yet"
