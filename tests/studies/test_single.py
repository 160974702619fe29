"""run_single (`ablab train`'s library half): check, claim, run, store; no keras (run_trial is replaced)."""

import pytest

import ablab.studies.single as single
import ablab.train
from ablab.errors import AblabError
from ablab.models.config import make_config
from ablab.store import Store, current_owner
from ablab.train.spec import TrialResult, TrialSpec

SPEC = TrialSpec(make_config({"hidden_units": [4]}), seed=1)


def _result(spec, **kwargs) -> TrialResult:
    return TrialResult(key=spec.key, state="complete", test_loss=0.5, test_accuracy=0.75, history={}, metrics={},
                       wall_time_s=2.0, fit_time_s=1.0, backend="fake", versions={}, model_path="m.keras")


@pytest.fixture
def runs(monkeypatch):
    """Replaces the training with a fake that records which trials it ran."""
    ran = []
    monkeypatch.setattr(single, "detect_device", lambda: "cpu")
    fake = lambda spec, **kwargs: ran.append(spec.key) or _result(spec)  # noqa: E731
    monkeypatch.setitem(vars(ablab.train), "run_trial", fake)  # not setattr: its getattr would import keras
    return ran


def run(tmp_path, spec=SPEC, **kwargs):
    return single.run_single(spec, tmp_path / "s.db", data_dir=tmp_path, model_dir=tmp_path / "models", **kwargs)


def test_a_trial_is_run_once_then_shown_as_stored_unless_forced(tmp_path, runs):
    first = run(tmp_path)
    assert (first.state, first.test_accuracy, first.model_path, first.already_stored) == (
        "complete", 0.75, "m.keras", False)
    again = run(tmp_path)
    assert (again.key, again.state, again.test_loss, again.already_stored) == (SPEC.key, "complete", 0.5, True)
    assert runs == [SPEC.key]
    assert not run(tmp_path, force=True).already_stored
    assert runs == [SPEC.key, SPEC.key]


def test_an_unknown_dataset_fails_before_a_store_exists(tmp_path, runs):
    with pytest.raises(AblabError, match="fashion-mnist"):
        run(tmp_path, TrialSpec(make_config({"dataset": "cifar"}), seed=0))
    assert not (tmp_path / "s.db").exists() and runs == []


def test_a_trial_held_by_a_live_process_is_not_run_twice(tmp_path, runs):
    Store(tmp_path / "s.db").claim(SPEC.key, SPEC.config_dict(), SPEC.seed, current_owner())
    with pytest.raises(AblabError, match="running in another process"):
        run(tmp_path)
    assert runs == []


def test_a_trial_that_raises_is_stored_failed(tmp_path, monkeypatch, runs):
    monkeypatch.setitem(vars(ablab.train), "run_trial", lambda spec, **kwargs: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        run(tmp_path)
    row = Store(tmp_path / "s.db").get(SPEC.key)
    assert row.state == "failed" and row.error.startswith("ZeroDivisionError")
