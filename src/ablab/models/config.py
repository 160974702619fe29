"""TrialConfig: one validated config with every knob of the report's Tables 2–7.

A config is plain data (JSON-able, hashable through its canonical JSON). Presets are named bundles of field
values for the architecture rows of Tables 4 and 7; they are resolved into fields so that a trial's key reflects
what actually ran.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from ablab.errors import AblabError
from ablab.models.presets import preset_overrides
from ablab.models.registry import MODELS

Initializer = Literal[
    "default", "random_normal", "random_uniform", "truncated_normal", "zeros", "ones", "glorot_uniform"
]
Activation = Literal["relu", "sigmoid", "tanh", "selu", "elu", "exponential"]
Regularizer = Literal["none", "l1", "l2"]
Optimizer = Literal["adadelta", "adagrad", "adam", "adamax", "ftrl", "nadam", "rmsprop", "sgd"]
Pooling = Literal["max", "average"]
Labels = Literal["sparse", "onehot"]


class TrialConfig(BaseModel):
    """Everything that defines one MNIST/Fashion-MNIST training run (the seed is kept apart, in TrialSpec).

    Defaults are Géron's reference networks: the MLP of ch.10 (SGD, 300-100) and the CNN of ch.14.
    `None` for `learning_rate` means the optimizer's Keras default; `None` for `dropout` means the model's own
    default (MLP: no dropout; CNN: 0.5). `train_subset` trains on the first N training images,
    `valid_subset` / `test_subset` score on the first N
    validation / test images (quick profiles on a CPU: a CNN's evaluation otherwise costs more than its training).
    `permutation_seed` applies one fixed pixel permutation to train, valid and test (the report's Task 2).
    `init_permuted` (an MLP with `permutation_seed`) starts the first layer from the weights the unpermuted run of
    the same seed starts from, their rows put in the pixels' new order (`ablab.models.geron.permute_input_rows`):
    common random numbers, so a seed's pair of runs differs by the permutation alone. Each run's spread over seeds
    is unchanged (the initializers draw every weight independently, so permuted rows are as likely a draw).
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    task: Literal["classify"] = "classify"
    model: str = "mlp"
    dataset: str = "fashion-mnist"
    kernel_initializer: Initializer = "default"
    bias_initializer: Initializer = "default"
    activation: Activation = "relu"
    kernel_regularizer: Regularizer = "none"
    bias_regularizer: Regularizer = "none"
    activity_regularizer: Regularizer = "none"
    regularization_factor: float = Field(0.01, gt=0)
    optimizer: Optimizer = "sgd"
    learning_rate: float | None = Field(None, gt=0)
    steps_per_execution: int = Field(1, ge=1)
    batch_size: int = Field(32, ge=1)
    epochs: int = Field(1, ge=1)
    dropout: float | None = Field(None, ge=0, lt=1)
    pooling: Pooling = "max"
    hidden_units: tuple[int, ...] = (300, 100)
    conv_blocks: tuple[tuple[int, ...], ...] = ((64,), (128, 128), (256, 256))
    first_kernel_size: int = Field(7, ge=1)
    dense_units: tuple[int, ...] = (128, 64)
    labels: Labels = "sparse"
    train_subset: int | None = Field(None, ge=1)
    valid_subset: int | None = Field(None, ge=1)
    test_subset: int | None = Field(None, ge=1)
    permutation_seed: int | None = None
    init_permuted: bool = False
    # "auto": mixed bf16 where the CPU computes it natively, else float32 (ablab.precision). Enters the trial key
    # only when not float32 (ablab.train.spec), so trials stored before the field keep their keys.
    precision: Literal["auto", "float32", "bfloat16"] = "float32"

    @field_validator("hidden_units", "dense_units")
    @classmethod
    def _positive_units(cls, units: tuple[int, ...]) -> tuple[int, ...]:
        if any(u < 1 for u in units):
            raise ValueError("every layer needs at least 1 unit")
        return units

    @field_validator("conv_blocks")
    @classmethod
    def _positive_filters(cls, blocks: tuple[tuple[int, ...], ...]) -> tuple[tuple[int, ...], ...]:
        if not blocks or any(not block or min(block) < 1 for block in blocks):
            raise ValueError("conv_blocks needs at least one block, each a non-empty list of filter counts ≥ 1")
        return blocks

    @model_validator(mode="after")
    def _known_names(self) -> "TrialConfig":
        if self.model not in MODELS:
            raise ValueError(f"unknown model {self.model!r}; known: {', '.join(sorted(MODELS))}")
        return self

    @model_validator(mode="after")
    def _init_permuted_needs_mlp_permutation(self) -> "TrialConfig":
        if self.init_permuted and (self.model != "mlp" or self.permutation_seed is None):
            raise ValueError("init_permuted needs model mlp and a permutation_seed (a convolution's weights have "
                             "no row per pixel to permute); drop init_permuted or set both")
        return self

    def canonical_json(self) -> str:
        """Sorted keys, no whitespace: the bytes a trial's key is hashed from."""
        return json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))


def format_validation_error(err: ValidationError, where: str = "config", model: type[BaseModel] | None = None) -> str:
    """One line per problem, each with its field path and the allowed values when pydantic gives them."""
    lines = []
    for problem in err.errors():
        path = ".".join(str(p) for p in problem["loc"]) or "(root)"
        msg = problem["msg"]
        if problem.get("type") == "extra_forbidden":
            msg = f"unknown field (known: {', '.join(sorted((model or TrialConfig).model_fields))})"
        lines.append(f"{where}.{path}: {msg}")
    return "; ".join(lines)


def format_sourced_error(err: ValidationError, sources: Sequence[tuple[str, Mapping]], where: str) -> str:
    """One line per problem, each named by the source that set its field last (a study spec's `vary[0].rows[2].set`),
    else by `where`: a spec's author is sent to the line they wrote, not to the merged config."""
    lines = []
    for problem in err.errors():
        field = str(problem["loc"][0]) if problem["loc"] else ""
        source = next((path for path, fields in reversed(sources) if field in fields), None)
        path = f"{source}.{'.'.join(map(str, problem['loc']))}" if source else where
        msg = "unknown config field" if problem.get("type") == "extra_forbidden" else problem["msg"]
        lines.append(f"{path}: {msg.removeprefix('Value error, ')}")
    return "\n".join(lines)


def make_config(
    overrides: dict,
    *,
    where: str = "config",
    base: BaseModel | None = None,
    config_class: type[BaseModel] | None = None,
    preset: str | None = None,
    sources: Sequence[tuple[str, Mapping]] | None = None,
) -> BaseModel:
    """Validate `overrides` on top of `base` (default: the reference), raising AblabError with field paths.

    The one way a trial config is built (studies, `ablab train`, `ablab clock train`). `config_class` is the config
    model (default: `base`'s class, else TrialConfig; `ClockTrialConfig` for a clock reader). `preset` names an
    architecture preset (Tables 4 and 7) of the config's model, applied under `overrides`. `sources` (path, fields)
    pairs, lowest precedence first, say where each field was written, so an error names that path instead of `where`.
    """
    cls = config_class or (type(base) if base is not None else TrialConfig)
    merged = {**(base.model_dump() if base is not None else {}), **overrides}
    if preset is not None:
        merged = {**merged, **_preset_fields(cls, merged, preset), **overrides}
    try:
        return cls.model_validate(merged)
    except ValidationError as err:
        message = format_validation_error(err, where, cls) if sources is None else format_sourced_error(
            err, sources, where)
        raise AblabError(message) from None


def _preset_fields(cls: type[BaseModel], fields: dict, preset: str) -> dict:
    """The preset's fields for the model `fields` name (default: the config class's)."""
    if cls is not TrialConfig:
        raise AblabError(f"preset {preset!r}: presets exist only for classify models (mlp, cnn)")
    return preset_overrides(fields.get("model", TrialConfig.model_fields["model"].default), preset)
