"""One trial outside a study (`ablab train`): checked, claimed, run in this process and stored like a study trial."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import ablab.train  # run_trial is resolved on first use: keras loads after the entry point chose the backend
from ablab.data.registry import DATASETS
from ablab.errors import AblabError, unknown_name
from ablab.store import Store
from ablab.studies.worker import detect_device
from ablab.train.spec import TrialSpec


@dataclass(frozen=True)
class SingleTrial:
    """What `run_single` leaves in the store for the trial: its outcome, and whether it was there before."""

    key: str
    state: str
    test_loss: float | None
    test_accuracy: float | None
    wall_time_s: float | None
    model_path: str | None = None
    already_stored: bool = False


def run_single(spec: TrialSpec, store_path: Path, *, data_dir: Path, model_dir: Path, force: bool = False,
               verbose: int = 2) -> SingleTrial:
    """Run `spec` once and store it in `store_path`, its model saved under `model_dir`.

    A trial already finished there is returned as stored (`already_stored`) unless `force` reruns it; one running in
    another process raises AblabError. The dataset is checked before the store is opened, so a typo creates no
    store. A trial that raises is stored as failed, then the error goes on to the caller."""
    if spec.config.task == "classify" and spec.config.dataset not in DATASETS:
        raise unknown_name("dataset", spec.config.dataset, DATASETS)
    store = Store(store_path)
    if force and store.get(spec.key) is not None:
        store.fail(spec.key, "rerun requested with --force")
    if not store.claim(spec.key, spec.config_dict(), spec.seed):
        row = store.get(spec.key)
        if row.state == "running":
            raise AblabError(f"trial {spec.key} is running in another process ({row.owner}); wait for it")
        return SingleTrial(row.key, row.state, row.test_loss, row.test_accuracy, row.wall_time_s, already_stored=True)
    try:
        result = ablab.train.run_trial(spec, data_dir=data_dir, model_dir=model_dir, verbose=verbose,
                                       device=detect_device())
    except BaseException as err:
        store.fail(spec.key, f"{type(err).__name__}: {err}")
        raise
    store.finish(spec.key, result)
    return SingleTrial(result.key, result.state, result.test_loss, result.test_accuracy, result.wall_time_s,
                       result.model_path)
