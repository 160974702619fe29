"""A store written by an older ablab (no `device` column) opens, keeps every trial, and takes new ones."""

import sqlite3

from ablab.store import Store
from ablab.train.spec import TrialResult

OLD_SCHEMA = """
CREATE TABLE trials (
    key TEXT PRIMARY KEY, config_json TEXT NOT NULL, seed INTEGER NOT NULL, task TEXT, model TEXT, dataset TEXT,
    state TEXT NOT NULL, owner TEXT, heartbeat REAL, attempts INTEGER NOT NULL DEFAULT 0,
    test_loss REAL, test_accuracy REAL, metrics_json TEXT, history_json TEXT, wall_time_s REAL, fit_time_s REAL,
    backend TEXT, versions_json TEXT, model_path TEXT, error TEXT, created_at REAL NOT NULL, updated_at REAL NOT NULL
);
"""


def _old_store(path):
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    db.execute("INSERT INTO trials (key, config_json, seed, state, test_accuracy, backend, created_at, updated_at)"
               " VALUES ('old1', '{\"model\":\"cnn\"}', 0, 'complete', 0.99, 'tensorflow', 1.0, 1.0)")
    db.commit()
    db.close()


def test_old_store_gains_the_device_column_and_keeps_its_trials(tmp_path):
    path = tmp_path / "old.db"
    _old_store(path)
    store = Store(path)
    old = store.get("old1")
    assert (old.state, old.test_accuracy, old.backend, old.device) == ("complete", 0.99, "tensorflow", None)
    assert store.claim("new1", {"model": "mlp"}, 1)
    store.finish("new1", TrialResult(key="new1", state="complete", test_loss=0.1, test_accuracy=0.95, history={},
                                     metrics={}, wall_time_s=1.0, fit_time_s=0.5, backend="jax", versions={},
                                     device="NVIDIA H200"))
    assert Store(path).get("new1").device == "NVIDIA H200"  # a second open does not migrate twice
    assert [r.key for r in Store(path).trials()] == ["old1", "new1"]
