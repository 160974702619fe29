"""Decision mode on a fake executor (no training): seeds go to undecided claims only, the cap and the budget
hold, no verdict rests on one seed, and a second run resumes without running anything."""

from __future__ import annotations

import numpy as np
import pytest

from ablab.errors import AblabError
from ablab.report.findings import Claim
from ablab.report.findings import Test as ClaimTest
from ablab.store import Store
from ablab.studies.decide import STOP_DONE, DecisionPolicy, parse_budget, run_decided
from ablab.studies.spec import parse_spec
from study_fixtures import FakeExecutor

GROUP = "Learning rate"
ROWS = {"a": 0.001, "b": 0.002, "c": 0.003, "d": 0.004}
TRUE_ACCURACY = {0.001: 0.95, 0.002: 0.90, 0.003: 0.905, 0.004: 0.90}  # a ≫ b; c ≈ b + 0.5 pt; d = b
TRIAL_NOISE = {0.001: 0.002, 0.002: 0.0, 0.003: 0.006, 0.004: 0.0}  # d and b: identical per seed


def spec():
    return parse_spec({
        "name": "tiny", "table": 9, "model": "mlp", "datasets": ["mnist"], "base": {"epochs": 1}, "seeds": 2,
        "vary": [{"group": GROUP, "rows": [{"label": k, "set": {"learning_rate": v}} for k, v in ROWS.items()]}],
    })


def row(label):
    return (9, GROUP, label)


CLAIMS = (
    Claim("EASY", "s", "a better than b", (ClaimTest("better", row("a"), "mnist", b=row("b")),)),
    Claim("OPEN", "s", "c better than b", (ClaimTest("better", row("c"), "mnist", b=row("b")),)),
    Claim("NULL", "s", "d better than b", (ClaimTest("better", row("d"), "mnist", b=row("b")),)),
)


def accuracy(spec) -> float:
    """TRUE_ACCURACY plus seed noise (shared by the rows of a seed, as real paired trials share data order) and a
    little trial noise."""
    lr, seed = spec.config.learning_rate, spec.seed
    value = TRUE_ACCURACY[lr] + np.random.default_rng(seed).normal(0, 0.01)
    return value + np.random.default_rng([seed, int(lr * 1e4)]).normal(0, TRIAL_NOISE[lr])


def run(store, policy):
    executor = FakeExecutor(accuracy)
    summary, decision = run_decided([spec()], store, executor, profile="quick", policy=policy, show_progress=False,
                                    claims=CLAIMS)
    return executor, summary, decision


def seeds_of(store, label):
    """Seeds of the row's recorded cells that have a stored trial."""
    import sqlite3

    with sqlite3.connect(store.path) as db:
        rows = db.execute("SELECT st.seed FROM study_trials st JOIN trials t ON t.key = st.key "
                          "WHERE st.study = 'tiny' AND st.row = ? AND t.state = 'complete'", (label,)).fetchall()
    return sorted(seed for (seed,) in rows)


def test_seeds_go_only_to_undecided_claims_up_to_the_cap(tmp_path):
    store = Store(tmp_path / "s.db")
    executor, summary, decision = run(store, DecisionPolicy(max_seeds=12))
    assert decision.verdicts["EASY"] == "confirmed"
    assert decision.verdicts["NULL"] == "refuted"  # d and b are identical per seed: never confirmed
    assert len(seeds_of(store, "a")) <= 3  # decided by the second look (2 or 3 seeds): no more
    assert len(seeds_of(store, "c")) in (3, 5, 8, 12)  # open at 2 seeds: planned looks, up to the cap
    assert len(executor.ran) == len(set(executor.ran)) == summary.ran
    assert decision.stop_reason == STOP_DONE
    again, summary2, _ = run(store, DecisionPolicy(max_seeds=12))
    assert again.ran == [] and summary2.ran == 0  # resume: nothing new


def test_the_budget_stops_new_seeds_and_no_claim_rests_on_one_seed(tmp_path):
    store = Store(tmp_path / "s.db")
    # 8 base trials of 10 s on 2 slots = 40 s; the budget (after a 0 s reserve) leaves room for ~1 more round
    executor, summary, decision = run(store, DecisionPolicy(max_seeds=12, budget_s=50.0, reserve_s=0.0))
    assert decision.stop_reason == "budget reached"
    assert all(len(seeds_of(store, label)) >= 2 for label in ROWS)
    assert len(seeds_of(store, "c")) < 5


@pytest.mark.parametrize("text,seconds", [("30m", 1800), ("90s", 90), ("1h", 3600), ("1h30m", 5400), ("2.5m", 150)])
def test_parse_budget(text, seconds):
    assert parse_budget(text) == seconds


@pytest.mark.parametrize("text", ["", "30", "soon", "0m", "-5m"])
def test_a_bad_budget_names_the_fix(text):
    with pytest.raises(AblabError, match="--budget .*30m"):
        parse_budget(text)


@pytest.mark.parametrize("needed,chance", [(3, 1.0), (5, 0.5), (8, 0.05), (12, 0.05), (None, 0.05)])
def test_a_claim_out_of_reach_comes_last(needed, chance):
    from ablab.report.findings import Finding
    from ablab.studies.decide import chance_of_deciding

    finding = Finding(CLAIMS[1], "not decided", seeds_needed=needed)
    assert chance_of_deciding(finding, target=3, max_seeds=5) == chance


def test_claims_not_run_at_the_budget_carry_their_estimated_cost(tmp_path):
    from ablab.store.studies import StudyIndex

    store = Store(tmp_path / "s.db")
    _, _, decision = run(store, DecisionPolicy(max_seeds=5, budget_s=25.0, reserve_s=0.0))
    assert decision.not_started  # 25 s cannot bring every cell to 2 seeds (8 trials of 10 s on 2 slots)
    meta = StudyIndex(store).artifact("decision:quick")[2]
    costs = meta["not_run_cost_s"]
    assert set(costs) == set(decision.not_started) and all(cost >= 10.0 for cost in costs.values())


def test_a_first_trial_measures_a_models_cost_before_its_claims_are_priced(tmp_path):
    """The CNN's prior (110 s an epoch, measured on another machine) prices this claim's 8 base trials at
    ~440 s on 2 slots, beyond a 150 s budget; one calibration trial fits, measures 10 s, and the claim then runs."""
    cnn = parse_spec({
        "name": "tiny", "table": 9, "model": "cnn", "datasets": ["mnist"], "base": {"epochs": 1}, "seeds": 2,
        "vary": [{"group": GROUP, "rows": [{"label": k, "set": {"learning_rate": v}} for k, v in ROWS.items()]}],
    })
    store = Store(tmp_path / "s.db")
    summary, decision = run_decided([cnn], store, FakeExecutor(accuracy), profile="quick", show_progress=False,
                                    policy=DecisionPolicy(max_seeds=2, budget_s=150.0, reserve_s=0.0),
                                    claims=CLAIMS[:1])
    assert decision.verdicts["EASY"] != "not run" and not decision.not_started
    assert seeds_of(store, "a") == [0, 1] and seeds_of(store, "b") == [0, 1]


def test_task3_trains_the_likeliest_learner_first_and_stops_when_one_learns(tmp_path):
    """T3-1 ("all four approaches at chance") is refuted by one approach that learns: the decision mode trains
    them one at a time, periodic first, and stops at the first learner, by the report's rule."""
    from ablab.studies.task3 import LEARN_ORDER

    encodings = ("regression-minutes", "classification-24", "multihead", "periodic", "landmarks")
    clock = parse_spec({
        "name": "tiny-clock", "task": "clock", "model": "clock-tiny", "seeds": 1,
        "base": {"preset": "single", "image_size": 32, "n_images": 40, "epochs": 1, "precision": "float32"},
        "vary": [{"group": "Encoding", "rows": [{"label": e, "set": {"encoding": e}} for e in encodings]}],
    })
    error_min = {"periodic": 178.0, "multihead": 95.0}  # periodic at chance here, multihead learns
    executor = FakeExecutor(lambda s: accuracy(s) if s.config.task == "classify" else 0.1, metrics=lambda s: {
        "mean_cse_min": error_min.get(getattr(s.config, "encoding", ""), 180.0)})
    store = Store(tmp_path / "t.db")
    _, decision = run_decided([spec(), clock], store, executor, profile="quick", policy=DecisionPolicy(),
                              show_progress=False, data_dir=tmp_path, claims=CLAIMS)
    encoding_of = {r.key: r.config.get("encoding") for r in store.trials()}
    ran = [encoding_of[key] for key in executor.ran if encoding_of[key]]
    assert ran == ["periodic", "multihead"] and LEARN_ORDER[:2] == ("periodic", "multihead")
    assert encoding_of[executor.ran[1]] == "periodic"  # the long trial starts at once, beside the MLP's first
    assert decision.verdicts["T3-1"] == "refuted" and decision.stop_reason == STOP_DONE


def test_each_models_first_trial_goes_before_cheaper_work(tmp_path):
    """Until a model's first trial lands its claims are priced from a prior: that trial is handed out first, even
    when claims of a cheaper model wait (they would otherwise hold it back for most of the budget)."""
    cnn = parse_spec({
        "name": "tiny-cnn", "table": 8, "model": "cnn", "datasets": ["mnist"], "base": {"epochs": 1}, "seeds": 2,
        "vary": [{"group": GROUP, "rows": [{"label": k, "set": {"learning_rate": v}} for k, v in ROWS.items()]}],
    })
    cnn_claim = Claim("CNN", "s", "a better than b", (ClaimTest("better", (8, GROUP, "a"), "mnist", b=(8, GROUP, "b")),))
    store, executor = Store(tmp_path / "s.db"), FakeExecutor(accuracy)
    run_decided([spec(), cnn], store, executor, profile="quick", show_progress=False,
                policy=DecisionPolicy(max_seeds=2), claims=CLAIMS + (cnn_claim,))
    models = {r.key: r.config["model"] for r in store.trials()}
    assert models[executor.ran[0]] == "cnn" and "mlp" in {models[k] for k in executor.ran}
