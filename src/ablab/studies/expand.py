"""expand(): a study spec and a profile -> flat, hashable trials, one per (group, row, dataset, seed).

Pure: no store, no keras. A trial's identity is its TrialSpec key (config + seed), so rows that are the same
config (the reference MLP is the "None" initializer, the "RELU" activation and the "SGD" optimizer of Tables 2–4)
are one trial, run once, listed under every row it stands for.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any, NamedTuple

from pydantic import BaseModel

from ablab.data.registry import DATASETS
from ablab.errors import AblabError
from ablab.models.config import make_config
from ablab.models.presets import preset_overrides
from ablab.studies.schema import PROFILES, Change, GridGroup, ModelProfile, Profile, Row, Seeds, StudySpec, VaryGroup
from ablab.train.spec import TrialSpec, config_class


@dataclass(frozen=True)
class StudyTrial:
    """One cell of a study's table: which row it is, and the trial that fills it."""

    study: str
    table: int | None
    group: str
    row: str
    dataset: str | None
    seed: int
    spec: TrialSpec

    @property
    def key(self) -> str:
        return self.spec.key


class _Layer(NamedTuple):
    """One source of config fields and where it is written in the spec (for error messages)."""

    path: str
    fields: dict[str, Any]


def seed_list(seeds: Seeds) -> list[int]:
    """A count n means seeds 0..n-1; a list is taken as is."""
    return list(range(seeds)) if isinstance(seeds, int) else list(seeds)


def _rows(spec: StudySpec) -> list[tuple[str, str, VaryGroup | GridGroup, Row]]:
    """(spec path of the group, of the row, the group, the row) for every vary and grid row, in spec order."""
    rows = []
    for g, group in enumerate(spec.vary):
        rows += [(f"vary[{g}]", f"vary[{g}].rows[{r}]", group, row) for r, row in enumerate(group.rows)]
    for g, group in enumerate(spec.grid):
        rows += [(f"grid[{g}]", f"grid[{g}].factors", group, row) for row in grid_rows(group)]
    return rows


def grid_rows(group: GridGroup) -> list[Row]:
    """One row per combination of factor values, labelled with the group's label template."""
    names = list(group.factors)
    rows = []
    for values in itertools.product(*(group.factors[n] for n in names)):
        shown = {n: group.names.get(n, {}).get(str(v), v) for n, v in zip(names, values)}
        rows.append(Row(label=group.label.format(**shown), set=dict(zip(names, values))))
    return rows


def _model_of(spec: StudySpec, group: Change, row: Change, profile: Profile | None = None) -> str | None:
    """The row's model: row, group, the profile's `set` (a quick profile may swap in a smaller model), base, spec,
    else the task config's default (classify: mlp)."""
    chosen = (row.model or group.model or (profile.set.get("model") if profile else None) or spec.base.get("model")
              or spec.model)
    if chosen is None:
        field = config_class(spec.task).model_fields.get("model")
        chosen = field.default if field is not None else None
    return chosen


def _preset_fields(task: str, model: str | None, preset: str | None, path: str) -> dict:
    if preset is None:
        return {}
    if task != "classify" or model is None:
        raise AblabError(f"{path}.preset: presets exist only for classify models (mlp, cnn)")
    try:
        return preset_overrides(model, preset)
    except AblabError as err:
        raise AblabError(f"{path}.preset: {err}") from None


def _layers(
    spec: StudySpec, profile_name: str, paths: tuple[str, str], group: Change, row: Row, model: str | None
) -> list[_Layer]:
    """Config sources, lowest precedence first: base, profile, model profile, group, row."""
    profile = spec.profile(profile_name)
    group_path, path = paths
    layers = [_Layer("base", spec.base), _Layer(f"profiles.{profile_name}.set", profile.set)]
    if model in profile.models:
        layers.append(_Layer(f"profiles.{profile_name}.models.{model}.set", profile.models[model].set))
    layers.append(_Layer(f"{group_path}.preset", _preset_fields(spec.task, model, group.preset, group_path)))
    layers.append(_Layer(f"{group_path}.set", group.set))
    layers.append(_Layer(f"{path}.preset", _preset_fields(spec.task, model, row.preset, path)))
    layers.append(_Layer(path if path.endswith(".factors") else f"{path}.set", row.set))
    return layers


def _model_profile(profile: Profile, model: str | None) -> ModelProfile:
    return profile.models.get(model or "", ModelProfile())


def _scale_epochs(fields: dict, cls: type[BaseModel], scale: float | None) -> dict:
    if scale is None or "epochs" not in cls.model_fields:
        return fields
    epochs = fields.get("epochs", cls.model_fields["epochs"].default)
    return {**fields, "epochs": max(1, math.floor(epochs * scale + 0.5))}


def _scale_batch(fields: dict, cls: type[BaseModel], scale: float | None) -> dict:
    """A profile's batch_scale: every trial's batch size × scale, rounded, at least 1 (256 → 32 at 0.125), so a
    reduced training set still gets enough updates and rows that differ in batch size keep their order."""
    if scale is None or "batch_size" not in cls.model_fields:
        return fields
    batch = fields.get("batch_size", cls.model_fields["batch_size"].default)
    return {**fields, "batch_size": max(1, math.floor(batch * scale + 0.5))}


def _build_config(spec: StudySpec, layers: list[_Layer], fixed: dict, scale: float | None, where: str,
                  batch_scale: float | None = None) -> BaseModel:
    """Merge the layers, validate, and on failure name the spec path each bad field came from."""
    cls = config_class(spec.task)
    fields: dict[str, Any] = {}
    for layer in layers:
        fields.update(layer.fields)
    fields = _scale_batch(_scale_epochs({**fields, **fixed}, cls, scale), cls, batch_scale)
    return make_config(fields, where=where, config_class=cls, sources=layers)


def _datasets(spec: StudySpec, group: Change, row: Change) -> list[str | None]:
    datasets = row.datasets if row.datasets is not None else group.datasets
    datasets = datasets if datasets is not None else spec.datasets
    return list(datasets) or [None]


def expand(spec: StudySpec, profile: str = "full", seeds: Seeds | None = None) -> list[StudyTrial]:
    """Every (group, row, dataset, seed) of the study under `profile`; `seeds` overrides the spec's and profile's."""
    prof = spec.profile(profile)
    trials = []
    for group_path, path, group, row in _rows(spec):
        model = _model_of(spec, group, row, prof)
        model_prof = _model_profile(prof, model)
        layers = _layers(spec, profile, (group_path, path), group, row, model)
        scale = model_prof.epochs_scale or prof.epochs_scale
        batch_scale = model_prof.batch_scale or prof.batch_scale
        chosen_seeds = seed_list(seeds or model_prof.seeds or prof.seeds or spec.seeds)
        for dataset in _datasets(spec, group, row):
            fixed = {"task": spec.task, **({"model": model} if model else {}),
                     **({"dataset": dataset} if dataset else {})}
            config = _build_config(spec, layers, fixed, scale, f"{path} ({row.label!r})", batch_scale)
            for seed in chosen_seeds:
                spec_ = TrialSpec(config, seed, study=spec.name)
                trials.append(StudyTrial(spec.name, spec.table, group.group, row.label, dataset, seed, spec_))
    return trials


def unique_specs(trials: list[StudyTrial]) -> list[TrialSpec]:
    """The distinct trials to run, first appearance first (a shared reference row is run once)."""
    seen: dict[str, TrialSpec] = {}
    for trial in trials:
        seen.setdefault(trial.key, trial.spec)
    return list(seen.values())


def count_trials(spec: StudySpec, profile: str = "full") -> tuple[int, int]:
    """(cells, trials) of the study under `profile`: cells = rows × datasets × seeds; trials = the distinct configs
    run (a row shared by several cells runs once)."""
    trials = expand(spec, profile)
    return len(trials), len(unique_specs(trials))


def check_configs(spec: StudySpec, *, source: str) -> None:
    """Build every config of every profile and check dataset names, so a bad spec fails before any training."""
    known_datasets = _known_datasets(spec.task)
    for profile in sorted({*PROFILES, *spec.profiles}):
        try:
            trials = expand(spec, profile)
        except AblabError as err:
            raise AblabError("\n".join(f"{source}: {line}" for line in str(err).splitlines())) from None
        for trial in trials:
            if known_datasets is not None and trial.dataset is not None and trial.dataset not in known_datasets:
                raise AblabError(
                    f"{source}: datasets: unknown dataset {trial.dataset!r}; known: {', '.join(sorted(known_datasets))}"
                )


def _known_datasets(task: str):
    return DATASETS if task == "classify" else None
