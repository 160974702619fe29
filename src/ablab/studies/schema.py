"""The study spec's schema: groups, rows, profiles and the spec itself as strict pydantic models.

Apart from parsing (ablab.studies.spec), so that expand() can use these types and parse_spec() can use expand()
to check every config a spec makes, without the two modules importing each other.
"""

from __future__ import annotations

import string
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from ablab.errors import AblabError

NAME_PATTERN = r"^[a-z0-9][a-z0-9_-]*$"
PROFILES = ("quick", "full")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Change(_Strict):
    """What a group or row changes: another model, a named architecture preset, datasets, and config fields."""

    model: str | None = None
    preset: str | None = None
    datasets: list[str] | None = None
    set: dict[str, Any] = Field(default_factory=dict)


class Row(Change):
    """One row of a table: its label as the report names it, and its change to the base."""

    label: str = Field(min_length=1)


class VaryGroup(Change):
    """A block of rows sharing a heading (the report's 'Hyperparameter' column)."""

    group: str = Field(min_length=1)
    rows: list[Row] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_labels(self) -> "VaryGroup":
        labels = [row.label for row in self.rows]
        duplicates = sorted({label for label in labels if labels.count(label) > 1})
        if duplicates:
            raise ValueError(f"duplicate row labels {duplicates}")
        return self


class GridGroup(Change):
    """The product of factor values; each combination is a row labelled by `label` (a format string)."""

    group: str = Field(min_length=1)
    factors: dict[str, list[Any]] = Field(min_length=1)
    label: str = Field(min_length=1)
    names: dict[str, dict[str, str]] = Field(default_factory=dict)  # display names, e.g. optimizer: {sgd: SGD}

    @field_validator("factors")
    @classmethod
    def _non_empty(cls, factors: dict[str, list[Any]]) -> dict[str, list[Any]]:
        empty = [name for name, values in factors.items() if not values]
        if empty:
            raise ValueError(f"factors {empty} have no values")
        return factors

    @model_validator(mode="after")
    def _label_fields(self) -> "GridGroup":
        fields = {name for _, name, _, _ in string.Formatter().parse(self.label) if name}
        unknown = sorted(fields - set(self.factors))
        if unknown:
            raise ValueError(f"label {self.label!r} uses {unknown}, which are not factors ({sorted(self.factors)})")
        return self


Seeds = int | list[int]


def _check_seeds(seeds: Seeds | None) -> Seeds | None:
    if isinstance(seeds, int) and seeds < 1:
        raise ValueError("seeds must be a count ≥ 1 or a non-empty list of seeds")
    if isinstance(seeds, list) and (not seeds or len(set(seeds)) != len(seeds)):
        raise ValueError("a seed list must be non-empty and without repeats")
    return seeds


class ModelProfile(_Strict):
    """Profile overrides for trials of one model (e.g. only the CNN trials of a mixed study)."""

    seeds: Seeds | None = None
    set: dict[str, Any] = Field(default_factory=dict)
    epochs_scale: float | None = Field(None, gt=0)
    batch_scale: float | None = Field(None, gt=0, le=1)

    @field_validator("seeds")
    @classmethod
    def _valid_seeds(cls, seeds: Seeds | None) -> Seeds | None:
        return _check_seeds(seeds)


class Profile(ModelProfile):
    """Overrides for a run profile. `set` applies under the rows' own changes; `epochs_scale` multiplies every
    trial's epochs and `batch_scale` its batch size (rounded, at least 1), so rows that differ in them keep their
    order."""

    description: str = ""
    models: dict[str, ModelProfile] = Field(default_factory=dict)


class StudySpec(_Strict):
    """A study: base config, datasets, rows (vary and/or grid groups), seeds and profiles."""

    name: str = Field(pattern=NAME_PATTERN)
    title: str = ""
    table: int | None = None
    task: str = "classify"
    model: str | None = None  # default: the task's (classify: mlp)
    datasets: list[str] = Field(default_factory=list)
    base: dict[str, Any] = Field(default_factory=dict)
    seeds: Seeds = 1
    vary: list[VaryGroup] = Field(default_factory=list)
    grid: list[GridGroup] = Field(default_factory=list)
    profiles: dict[str, Profile] = Field(default_factory=dict)
    notes: list[str] = Field(default_factory=list)

    @field_validator("seeds")
    @classmethod
    def _valid_seeds(cls, seeds: Seeds) -> Seeds:
        return _check_seeds(seeds)

    @model_validator(mode="after")
    def _has_rows(self) -> "StudySpec":
        if not self.vary and not self.grid:
            raise ValueError("a study needs at least one `vary` or `grid` group")
        groups = [g.group for g in (*self.vary, *self.grid)]
        duplicates = sorted({g for g in groups if groups.count(g) > 1})
        if duplicates:
            raise ValueError(f"duplicate group names {duplicates}")
        return self

    def profile(self, name: str) -> Profile:
        """The named profile; `quick` and `full` default to no overrides when the spec has none."""
        if name in self.profiles:
            return self.profiles[name]
        if name in PROFILES:
            return Profile()
        raise AblabError(f"study {self.name}: unknown profile {name!r}; "
                         f"known: {', '.join(sorted({*PROFILES, *self.profiles}))}")
