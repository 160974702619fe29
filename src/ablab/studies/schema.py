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


CLAIM_KINDS = ("better", "worse", "equivalent", "best")


class ClaimSpec(_Strict):
    """A claim of the user's own, decided like the report's: A better than / worse than / equivalent to B (within
    the margin), or A the best of its group. Rows are named "group/row", or by their label where it is unique."""

    id: str | None = None
    text: str = ""
    kind: str
    a: str = Field(min_length=1)
    b: str | None = None
    among: list[str] = Field(default_factory=list)  # `best`: the rivals (default: every row of a's group)
    datasets: list[str] | None = None  # default: the study's
    margin: float | None = Field(None, gt=0)  # default: the study's margin for the dataset

    @model_validator(mode="after")
    def _kind_and_rows(self) -> "ClaimSpec":
        if self.kind not in CLAIM_KINDS:
            raise ValueError(f"kind {self.kind!r}: expected one of {', '.join(CLAIM_KINDS)}")
        if (self.kind == "best") == (self.b is not None):
            raise ValueError("`best` takes `a` (and `among`), the other kinds `a` and `b`")
        return self


class StudySpec(_Strict):
    """A study: base config, datasets, rows (vary and/or grid groups), seeds and profiles; the margins its
    comparisons are decided with (per dataset, in accuracy: 0.002 = 0.2 points) and claims of its own."""

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
    margins: dict[str, float] = Field(default_factory=dict)
    claims: list[ClaimSpec] = Field(default_factory=list)

    @field_validator("margins")
    @classmethod
    def _positive_margins(cls, margins: dict[str, float]) -> dict[str, float]:
        bad = {d: m for d, m in margins.items() if not 0 < m < 1}
        if bad:
            raise ValueError(f"margins {bad}: each is an accuracy difference between 0 and 1 (0.002 = 0.2 points)")
        return margins

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
        for i, claim in enumerate(self.claims):
            for ref in [claim.a] + ([claim.b] if claim.b else []) + claim.among:
                self.row_of(ref, f"claims[{i}]")
        return self

    def row_of(self, ref: str, where: str = "") -> tuple[str, str]:
        """(group, row) of a "group/row" or a unique row label; a name that is neither is the user's to fix."""
        rows = [(g.group, r.label) for g in self.vary for r in g.rows]
        group, _, label = ref.rpartition("/")
        found = [(g, r) for g, r in rows if r == label and (not group or g == group)]
        if len(found) != 1:
            known = ", ".join(f"{g}/{r}" for g, r in rows)
            why = "is ambiguous: name it as group/row" if found else "names no row"
            raise ValueError(f"{where + ': ' if where else ''}{ref!r} {why}; rows: {known}")
        return found[0]

    def profile(self, name: str) -> Profile:
        """The named profile; `quick` and `full` default to no overrides when the spec has none."""
        if name in self.profiles:
            return self.profiles[name]
        if name in PROFILES:
            return Profile()
        raise AblabError(f"study {self.name}: unknown profile {name!r}; "
                         f"known: {', '.join(sorted({*PROFILES, *self.profiles}))}")
