"""Study specs: a YAML file that names a base config, the rows to vary and the seeds, validated at load.

A spec has `vary` groups (each row is the base plus one change, as the report does it) and/or `grid` groups (the
product of factor values). Every row has a label that matches the report's row name. `profiles` hold overrides
(`quick` for this CPU, `full` for the report's settings). Every problem is reported with its field path, before
any training, as an `AblabError`.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ablab.errors import AblabError
from ablab.studies.expand import check_configs
# Seeds, PROFILES: importers use them from here
from ablab.studies.schema import PROFILES, Seeds, StudySpec  # noqa: F401


def format_spec_error(err: ValidationError, source: str) -> str:
    """`source: vary[0].rows[2].set: message` for each problem, so the user can find the line."""
    lines = []
    for problem in err.errors():
        lines.append(f"{source}: {field_path(problem['loc'])}: {_message(problem)}")
    return "\n".join(lines)


def field_path(loc: tuple) -> str:
    """('vary', 0, 'rows', 2, 'set') -> 'vary[0].rows[2].set'. Pydantic's union branch names are dropped."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        elif re.fullmatch(r"(int|list\[int\]|function-after\[.*\])", str(part)):
            continue
        else:
            path += f".{part}" if path else str(part)
    return path or "(root)"


def _message(problem: dict) -> str:
    if problem.get("type") == "extra_forbidden":
        return "unknown field"
    return problem["msg"].removeprefix("Value error, ")


def parse_spec(data: Any, *, source: str = "spec") -> StudySpec:
    """Validate a spec from parsed YAML, then every trial config it expands to (all profiles)."""
    if not isinstance(data, dict):
        raise AblabError(f"{source}: a study spec is a YAML mapping (name, base, vary/grid, seeds, ...)")
    try:
        spec = StudySpec.model_validate(data)
    except ValidationError as err:
        raise AblabError(format_spec_error(err, source)) from None
    check_configs(spec, source=source)
    return spec


def load_spec_file(path: str | Path) -> StudySpec:
    """Read and validate a spec YAML file."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as err:
        raise AblabError(f"cannot read study spec {path}: {err.strerror}") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" line {mark.line + 1}" if mark else ""
        raise AblabError(f"{path}:{where} is not valid YAML ({getattr(err, 'problem', err)})") from None
    return parse_spec(data, source=str(path))
