"""The import graph of src/ablab: no circles, no private name imported from another module, and the clock's
layers imported one way only (read → data → draw).

Why: a circle (a → b → … → a) is what makes a package hard to read from the top, and what in-function imports
were once used to hide; a private name (`_conv_bn_relu`) imported elsewhere is an interface nobody declared.
Every import statement counts, at module level and inside functions, read with `ast` (nothing is imported).

    python tests/test_imports.py   # prints the deepest import chain and its length, for the notes
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"


def module_files(src: Path, package: str) -> dict[str, Path]:
    """{dotted module name: file} for every .py file of `package` under src (a package is its __init__)."""
    modules = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        modules[".".join(parts)] = path
    return modules


def _absolute(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    """The absolute module name an ImportFrom names (relative imports resolved against `module`)."""
    if not node.level:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def imports_of(module: str, path: Path, known: set[str]) -> list[tuple[str, list[str]]]:
    """[(imported module, names taken from it)] for every import statement of the file, at any depth; only
    modules in `known` are kept. `from pkg import sub` names the module pkg.sub when that is a module."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, []) for alias in node.names if alias.name in known]
        elif isinstance(node, ast.ImportFrom):
            target = _absolute(node, module, path.name == "__init__.py")
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                if sub in known:
                    found.append((sub, []))
                elif target in known:
                    found.append((target, [alias.name]))
    return found


def import_graph(src: Path, package: str) -> dict[str, set[str]]:
    """{module: the modules of the package it imports} (self-imports dropped)."""
    files = module_files(src, package)
    known = set(files)
    return {m: {t for t, _ in imports_of(m, p, known) if t != m} for m, p in files.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle as [a, b, …, a], or None: a depth-first search that meets a module still on its path."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def private_imports(src: Path, package: str) -> list[str]:
    """'importer: from module import _name' for every private name taken from another module of the package."""
    files = module_files(src, package)
    known = set(files)
    return [f"{m}: from {t} import {n}" for m, p in files.items() for t, names in imports_of(m, p, known)
            for n in names if n.startswith("_") and not n.startswith("__") and t != m]


# The clock's layers, lowest first: a layer may import the ones below it, never one above (the data layer paints
# with draw; the reader loads data; a painter that imported the reader would tie rendering to a trained network).
CLOCK_LAYERS = ("ablab.clock.draw", "ablab.clock.data", "ablab.clock.read")


def _layer(module: str, layers: tuple[str, ...]) -> int | None:
    """Index in `layers` of the layer that holds `module`, or None when it is in none."""
    for i, layer in enumerate(layers):
        if module == layer or module.startswith(layer + "."):
            return i
    return None


def upward_imports(graph: dict[str, set[str]], layers: tuple[str, ...]) -> list[str]:
    """'importer → imported' for every import from a layer to a layer above it (`layers` lowest first)."""
    found = []
    for module, targets in sorted(graph.items()):
        low = _layer(module, layers)
        found += [f"{module} → {t}" for t in sorted(targets)
                  if low is not None and (high := _layer(t, layers)) is not None and high > low]
    return found


def deepest_chain(graph: dict[str, set[str]]) -> list[str]:
    """The longest import chain (modules in order) of an acyclic graph; with circles, of its condensation's
    first-visit order (a measure, not a proof)."""
    best: dict[str, list[str]] = {}
    on_path: set[str] = set()

    def longest(node: str) -> list[str]:
        if node in best:
            return best[node]
        on_path.add(node)
        tails = [longest(n) for n in sorted(graph.get(node, ())) if n not in on_path]
        on_path.discard(node)
        best[node] = [node] + max(tails, key=len, default=[])
        return best[node]

    return max((longest(m) for m in sorted(graph)), key=len, default=[])


# ---------------------------------------------------------------- the tests


def test_no_import_circle_in_ablab():
    cycle = find_cycle(import_graph(SRC, "ablab"))
    assert cycle is None, "import circle: " + " → ".join(cycle or [])


def test_no_private_name_imported_across_modules():
    assert private_imports(SRC, "ablab") == []


def test_clock_layers_import_downwards_only():
    upward = upward_imports(import_graph(SRC, "ablab"), CLOCK_LAYERS)
    assert upward == [], "imports up the clock layers (draw ← data ← read):\n  " + "\n  ".join(upward)


def _write_package(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_checker_finds_circles_through_in_function_and_relative_imports(tmp_path):
    _write_package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/a.py": "from pkg.b import f\n",
        "pkg/b.py": "def f():\n    from .sub import c\n    return c\n",
        "pkg/sub/__init__.py": "",
        "pkg/sub/c.py": "import pkg.a\n",
        "pkg/d.py": "from pkg.a import _hidden\nfrom pkg import sub\n",
    })
    graph = import_graph(tmp_path, "pkg")
    assert graph["pkg.b"] == {"pkg.sub.c"} and graph["pkg.d"] == {"pkg.a", "pkg.sub"}
    assert find_cycle(graph) == ["pkg.a", "pkg.b", "pkg.sub.c", "pkg.a"]
    assert private_imports(tmp_path, "pkg") == ["pkg.d: from pkg.a import _hidden"]
    del graph["pkg.sub.c"]
    assert find_cycle(graph) is None
    assert deepest_chain(graph) == ["pkg.d", "pkg.a", "pkg.b", "pkg.sub.c"]


def test_checker_finds_an_import_up_the_layers(tmp_path):
    _write_package(tmp_path, {
        "pkg/__init__.py": "",
        "pkg/draw/__init__.py": "",
        "pkg/draw/paint.py": "def f():\n    from pkg.data import sets\n",  # up one layer, in a function
        "pkg/data/__init__.py": "",
        "pkg/data/sets.py": "from pkg.draw import paint\nfrom ..read.net import g\n",  # down (fine), up (not)
        "pkg/read/__init__.py": "",
        "pkg/read/net.py": "import pkg.draw.paint\ng = 1\n",  # down two layers: fine
    })
    layers = ("pkg.draw", "pkg.data", "pkg.read")
    assert upward_imports(import_graph(tmp_path, "pkg"), layers) == [
        "pkg.data.sets → pkg.read.net", "pkg.draw.paint → pkg.data.sets"]


if __name__ == "__main__":
    graph = import_graph(SRC, "ablab")
    chain = deepest_chain(graph)
    print(f"{len(graph)} modules; deepest chain: {len(chain) - 1} steps\n  " + "\n  → ".join(chain))
    print("circle:", " → ".join(find_cycle(graph) or ["none"]))
    print("private imports:", *private_imports(SRC, "ablab") or ["none"], sep="\n  ")
    print("clock imports up the layers:", *upward_imports(graph, CLOCK_LAYERS) or ["none"], sep="\n  ")
    sys.exit(0)
