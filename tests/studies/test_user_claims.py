"""A user's own study is decided like the report's: each row against its group's reference by default, the spec's
`claims:` too, seeds added where undecided; its report is about the user's study, not the seed report's."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ablab.errors import AblabError
from ablab.report import write_report
from ablab.report.user_claims import study_claims
from ablab.store import Store
from ablab.studies.catalog import resolve_spec
from ablab.studies.decide import DecisionPolicy, run_decided
from ablab.studies.spec import parse_spec
from study_fixtures import FakeExecutor

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "dropout.yaml"
TRUE_ACCURACY = {None: 0.85, 0.2: 0.8502, 0.5: 0.80}  # 0.2 ties with none; 0.5 is 5 points worse


def accuracy(spec) -> float:
    """The row's true accuracy, a per-seed offset shared by the rows (paired), a little trial noise."""
    dropout, seed = spec.config.dropout, spec.seed
    value = TRUE_ACCURACY[dropout] + np.random.default_rng(seed).normal(0, 0.01)
    return value + np.random.default_rng([seed, int((dropout or 0) * 10)]).normal(0, 0.0003)


def test_the_docs_example_makes_its_declared_claims_and_one_per_row_against_the_reference():
    claims = study_claims(resolve_spec(str(EXAMPLE)).model_dump(mode="json"))
    ids = [c.id for c in claims]
    assert ids == ["light-dropout-is-harmless", "heavy-dropout-hurts", "Dropout: 0.2 (Fashion-MNIST)",
                   "Dropout: 0.5 (Fashion-MNIST)"]
    assert claims[1].tests[0].kind == "better" and claims[1].tests[0].a[2] == "none"  # 0.5 worse = none better


def test_a_user_study_is_decided_and_reported_as_the_users(tmp_path):
    store = Store(tmp_path / "s.db")
    summary, decision = run_decided([resolve_spec(str(EXAMPLE))], store, FakeExecutor(accuracy, 5.0), profile="quick",
                                    policy=DecisionPolicy(), show_progress=False)
    assert decision.verdicts["light-dropout-is-harmless"] == "confirmed"
    assert decision.verdicts["heavy-dropout-hurts"] == "confirmed"
    assert decision.verdicts["Dropout: 0.2 (Fashion-MNIST)"] == "equivalent"
    assert decision.verdicts["Dropout: 0.5 (Fashion-MNIST)"] == "worse"
    md = write_report(store.path, tmp_path / "report")["markdown"].read_text()
    assert md.startswith("# ablab: Dropout in Géron's MLP on Fashion-MNIST")
    assert "claims of your studies" in md and "light-dropout-is-harmless" in md
    assert "MLP-1" not in md and "Tables 1–7" not in md and "Figure 1" not in md
    assert (tmp_path / "report" / "findings-forest.png").is_file()


def test_a_claim_naming_a_missing_row_is_the_users_to_fix():
    with pytest.raises(AblabError, match="'0.3' names no row; rows: Dropout/none"):
        parse_spec({"name": "u", "datasets": ["mnist"], "vary": [{"group": "Dropout", "rows": [{"label": "none"}]}],
                    "claims": [{"kind": "better", "a": "0.3", "b": "none"}]})
    with pytest.raises(AblabError, match="kind 'bigger'"):
        parse_spec({"name": "u", "datasets": ["mnist"], "vary": [{"group": "G", "rows": [{"label": "x"}]}],
                    "claims": [{"kind": "bigger", "a": "x", "b": "x"}]})
