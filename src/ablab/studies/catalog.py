"""The built-in studies (one per table of the report, then Task 3's clock encodings) and spec resolution: a NAME
or a path to a YAML file."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

from ablab.errors import unknown_name
from ablab.studies.spec import StudySpec, load_spec_file, parse_spec

BUILTIN_PACKAGE = "ablab.studies.builtin"


def builtin_names() -> list[str]:
    """Names of the built-in studies: the tables in table order (table1 … table7), then the others by name
    (clock-encodings: Task 3), so `ablab reproduce` runs and lists them in the report's order."""
    files = resources.files(BUILTIN_PACKAGE).iterdir()
    return sorted((f.name.removesuffix(".yaml") for f in files if f.name.endswith(".yaml")), key=_report_order)


def _report_order(name: str) -> tuple:
    table = re.fullmatch(r"table(\d+)", name)
    return (0, int(table.group(1)), "") if table else (1, 0, name)


def load_builtin(name: str) -> StudySpec:
    """Parse and validate the built-in spec `name`; unknown names list the known ones."""
    import yaml

    if name not in builtin_names():
        raise unknown_name("study", name, builtin_names())
    text = resources.files(BUILTIN_PACKAGE).joinpath(f"{name}.yaml").read_text()
    return parse_spec(yaml.safe_load(text), source=f"builtin:{name}")


def resolve_spec(name_or_path: str) -> StudySpec:
    """A built-in name (e.g. `table2`) or a path to a spec YAML."""
    path = Path(name_or_path)
    if name_or_path.endswith((".yaml", ".yml")) or path.exists():
        return load_spec_file(path)
    return load_builtin(name_or_path)


def builtin_specs() -> list[StudySpec]:
    """Every built-in spec, validated."""
    return [load_builtin(name) for name in builtin_names()]
