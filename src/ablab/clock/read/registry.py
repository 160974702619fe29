"""Which trained reader to read with: the store is the one registry of trained readers.

A reader `ablab clock train` trains or adapts is recorded in the store as an artifact (READER_ARTIFACT + its
resolved path: its path, encoding and test figures, its "uncertain" threshold among them); a clock trial a study or
`ablab train` ran is a completed trial of the store with its model_path. `best_model_path` picks among both, else
the reader that ships with ablab. Readers were once recorded in a `clock_models.json` beside the store
(LEGACY_REGISTRY_FILE): one found there is moved into the store the first time the registry is opened, and the file
renamed to LEGACY_REGISTRY_FILE + MOVED_SUFFIX (kept, not deleted: its entries are user data).
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from ablab.clock.read.polar_stage import PolarOptions
from ablab.clock.read.reader import Reader, load_reader
from ablab.clock.read.shipped import SHIPPED_READER, shipped_card
from ablab.errors import AblabError
from ablab.store import Store
from ablab.store.studies import StudyIndex

READER_ARTIFACT = "clock-reader:"  # + the reader's resolved path: one artifact per reader recorded
LEGACY_REGISTRY_FILE = "clock_models.json"
MOVED_SUFFIX = ".moved-to-store"
RECORDED_FIELDS = ("n", "mean_cse_min", "median_cse_min", "within_1min", "within_5min", "hour_accuracy",
                   "uncertain_below")  # what the registry keeps of a reader's metrics


def record_model(store_path: Path, model_path: Path, encoding: str, metrics: dict) -> None:
    """Remember a trained reader (path, encoding, test figures and threshold: RECORDED_FIELDS of metrics) in the
    store at store_path (created if need be); a reader recorded again at the same path replaces its entry."""
    index = _index(Path(store_path))
    path = str(Path(model_path).resolve())
    kept = {k: metrics[k] for k in RECORDED_FIELDS if k in metrics}
    index.put_artifact(READER_ARTIFACT + path, "json", b"", {"path": path, "encoding": encoding, "metrics": kept})


def recorded_readers(store_path: Path) -> list[dict]:
    """Every reader the store at store_path records, oldest first: {"path", "encoding", "metrics"} each, those
    `clock train` recorded (one per path), then its completed clock trials with a saved model. A missing store is
    not created (unless a clock_models.json beside it is moved in)."""
    store_path = Path(store_path)
    if not store_path.is_file() and not (store_path.parent / LEGACY_REGISTRY_FILE).is_file():
        return []
    index = _index(store_path)
    recorded = [index.artifact(name)[2] for name in index.artifact_names() if name.startswith(READER_ARTIFACT)]
    trials = [{"path": r.model_path, "encoding": r.config.get("encoding"), "metrics": r.metrics}
              for r in index.store.trials(state="complete") if r.config.get("task") == "clock" and r.model_path]
    return recorded + trials


def best_model_path(store_path: Path) -> Path:
    """The existing reader with the lowest test mean common-sense error among those the store records
    (recorded_readers); the shipped reader (ablab.clock.read.shipped) when the user has trained none."""
    entries = [e for e in recorded_readers(store_path) if Path(e["path"]).is_file()]
    if not entries and SHIPPED_READER.is_file():
        return SHIPPED_READER
    if not entries:
        raise AblabError(f"no trained clock reader recorded in {store_path}; "
                         "train one with `ablab clock train` or pass --model FILE")

    def score(entry: dict) -> float:
        value = (entry.get("metrics") or {}).get("mean_cse_min")
        return math.inf if value is None else float(value)

    return Path(min(entries, key=score)["path"])


def recorded_threshold(path: Path, store_path: Path) -> float | None:
    """The "uncertain" threshold of the reader at path: the one the shipped reader's card states, else the one
    `ablab clock train` (or a clock trial) chose on its validation split and recorded; None if none was."""
    if Path(path) == SHIPPED_READER:
        return shipped_card().get("uncertain_below")
    for entry in reversed(recorded_readers(store_path)):
        if Path(entry["path"]).resolve() == Path(path).resolve():
            return (entry.get("metrics") or {}).get("uncertain_below")
    return None


def open_reader(path: Path | None, store_path: Path) -> tuple[Path, Reader, float | None]:
    """(The reader's path, the reader, its "uncertain" threshold or None) as `read` and `evaluate` read with it: the
    reader at path, else the best one recorded (best_model_path), searching for a dial below its threshold."""
    path = Path(path) if path is not None else best_model_path(store_path)
    threshold = recorded_threshold(path, store_path)
    return path, load_reader(path, PolarOptions.searching(threshold)), threshold


def reader_name(path: Path) -> str:
    """The file's name, or "the shipped reader" when no reader of the user's own was found."""
    return "the shipped reader (none trained here)" if Path(path) == SHIPPED_READER else Path(path).name


def _index(store_path: Path) -> StudyIndex:
    """The store's artifacts, with a clock_models.json found beside it moved in first (_move_legacy)."""
    index = StudyIndex(Store(store_path))
    _move_legacy(index, store_path.parent / LEGACY_REGISTRY_FILE)
    return index


def _move_legacy(index: StudyIndex, legacy: Path) -> None:
    """Record every entry of an old clock_models.json in the store (unless the store already records that path),
    then rename the file (…MOVED_SUFFIX) so it is read once. AblabError if it cannot be read."""
    if not legacy.is_file():
        return
    try:
        entries = json.loads(legacy.read_text())
    except (json.JSONDecodeError, OSError) as err:
        raise AblabError(f"{legacy} is not a readable model registry ({err}); fix or remove it") from None
    known = set(index.artifact_names())
    for entry in entries if isinstance(entries, list) else []:
        path = str(Path(entry["path"]).resolve())
        if READER_ARTIFACT + path not in known:
            meta = {"path": path, "encoding": entry.get("encoding"), "metrics": entry.get("metrics") or {}}
            index.put_artifact(READER_ARTIFACT + path, "json", b"", meta)
    try:
        legacy.replace(legacy.with_name(legacy.name + MOVED_SUFFIX))
    except FileNotFoundError:  # another process moved it meanwhile: its entries are in the store too
        pass
