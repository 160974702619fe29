"""TrialSpec (what to run) and TrialResult (what happened). Both are plain data."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

from pydantic import BaseModel, ValidationError

from ablab.errors import AblabError
from ablab.models.config import TrialConfig, format_validation_error


def config_class(task: str) -> type[BaseModel]:
    """The config model for a task: 'classify' (MNIST models) or 'clock' (the clock reader)."""
    if task == "classify":
        return TrialConfig
    if task == "clock":
        from ablab.clock.read.config import ClockTrialConfig

        return ClockTrialConfig
    raise AblabError(f"unknown task {task!r}; known: classify, clock")


def parse_config(data: dict, *, where: str = "config") -> BaseModel:
    """Validate a config dict into the model its `task` field names (default: classify)."""
    cls = config_class(data.get("task", "classify"))
    try:
        return cls.model_validate(data)
    except ValidationError as err:
        raise AblabError(format_validation_error(err, where, cls)) from None


def canonical_json(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


# Fields added after trials were stored, with the value those trials had: left out of the key at that value, so a
# stored trial keeps its key (and a store its results) when the config gains a field.
KEY_OMITS_AT = {"precision": "float32", "init_permuted": False}


def key_fields(config: dict) -> dict:
    """The config as it enters the trial key."""
    return {k: v for k, v in config.items() if k not in KEY_OMITS_AT or v != KEY_OMITS_AT[k]}


@dataclass(frozen=True)
class TrialSpec:
    """One trial: a validated config and a seed. `study` is a label, not part of the identity."""

    config: BaseModel
    seed: int
    study: str | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        """First 16 hex digits of sha256 over the canonical JSON of {config, seed}."""
        payload = canonical_json({"config": key_fields(self.config.model_dump(mode="json")), "seed": self.seed})
        return hashlib.sha256(payload.encode()).hexdigest()[:16]

    def config_dict(self) -> dict:
        return self.config.model_dump(mode="json")


@dataclass
class TrialResult:
    """Outcome of run_trial: state 'complete' or 'diverged' (non-finite loss), metrics, curves, timings, and
    artifacts the report needs that are not metrics (the driver stores them as `trial:<key>:<name>`)."""

    key: str
    state: str
    test_loss: float | None
    test_accuracy: float | None
    history: dict
    metrics: dict
    wall_time_s: float
    fit_time_s: float
    backend: str
    versions: dict
    model_path: str | None = None
    error: str | None = None
    artifacts: dict[str, bytes] = field(default_factory=dict)  # small npz blobs for the report (name -> bytes)
    device: str | None = None  # where it trained: "cpu" or the accelerator's model, e.g. "NVIDIA H200"
