"""The import graph of ``src/pbrules`` goes one way and has no cycle (docs/architecture.md).

Every import is counted: module level, inside functions and under ``TYPE_CHECKING`` alike (a lazy
import is still a dependency). The unit is a top-level module or subpackage of ``pbrules``;
imports inside one unit are that unit's own business.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "pbrules"

#: Top to bottom. A unit may import units of its own layer or of a lower one, never of a higher
#: one. ``__init__`` is the root facade (``import pbrules``). Names listed ahead of their module
#: (``evaluation``, ``distributed``) have their place reserved.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    (
        "entry points",
        frozenset(
            {"__init__", "__main__", "cli", "evaluation", "distributed", "testing", "synth"}
            | {"_docgen"}
        ),
    ),
    ("application", frozenset({"engine", "ledger", "report", "packtest"})),
    (
        "extension",
        frozenset(
            {"packs", "plugins", "builtin", "dataset", "result_io", "schemas", "patterns"}
            | {"ci_output", "result_stream"}
        ),
    ),
    ("checker API", frozenset({"checker", "hookspecs", "io", "_args"})),
    ("model", frozenset({"model", "errors", "_version", "cells"})),
)

LAYER_OF = {unit: depth for depth, (_, units) in enumerate(LAYERS) for unit in units}


def _module_name(path: Path) -> str:
    parts = ("pbrules", *path.relative_to(SRC).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _unit(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _is_submodule(dotted: str) -> bool:
    rel = Path(*dotted.split(".")[1:])
    return (SRC / rel).with_suffix(".py").is_file() or (SRC / rel / "__init__.py").is_file()


def _targets(node: ast.AST, module: str, is_package: bool) -> Iterator[str]:
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
    elif isinstance(node, ast.ImportFrom):
        if node.level:
            base = module.split(".")
            if not is_package:
                base = base[:-1]
            base = base[: len(base) - node.level + 1]
            target = ".".join([*base, node.module] if node.module else base)
        else:
            target = node.module or ""
        for alias in node.names:
            full = f"{target}.{alias.name}"
            yield full if _is_submodule(full) else target


def import_graph() -> dict[str, dict[str, list[str]]]:
    """unit -> imported unit -> the ``module:line`` places of those imports."""
    graph: dict[str, dict[str, list[str]]] = {}
    for path in sorted(SRC.rglob("*.py")):
        module = _module_name(path)
        source = _unit(module)
        graph.setdefault(source, {})
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            for target in _targets(node, module, path.name == "__init__.py"):
                if target != "pbrules" and not target.startswith("pbrules."):
                    continue
                unit = _unit(target)
                if unit != source:
                    graph[source].setdefault(unit, []).append(f"{module}:{node.lineno}")
    return graph


def _cycles(graph: dict[str, dict[str, list[str]]]) -> list[list[str]]:
    """The strongly connected components of more than one unit (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component: list[str] = []
            while True:
                top = stack.pop()
                component.append(top)
                if top == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_the_graph_is_read() -> None:
    graph = import_graph()
    assert "model" in graph["engine"]
    assert "checker" in graph["builtin"]
    assert "evaluation" in graph["cli"] and "engine" in graph["evaluation"]


def test_every_unit_has_a_layer() -> None:
    unknown = sorted(set(import_graph()) - set(LAYER_OF))
    assert not unknown, f"add these modules to LAYERS in {__file__}: {unknown}"


def test_no_import_against_the_layers() -> None:
    wrong = [
        f"{src} ({LAYERS[LAYER_OF[src]][0]}) imports {dst} ({LAYERS[LAYER_OF[dst]][0]}) at "
        + ", ".join(where)
        for src, targets in sorted(import_graph().items())
        for dst, where in sorted(targets.items())
        if src in LAYER_OF and dst in LAYER_OF and LAYER_OF[dst] < LAYER_OF[src]
    ]
    assert not wrong, "imports against the direction of docs/architecture.md:\n" + "\n".join(wrong)


def test_no_cycle_between_units() -> None:
    graph = import_graph()
    cycles = _cycles(graph)
    described = [
        " / ".join(f"{a} -> {b} ({graph[a][b][0]})" for a in c for b in c if b in graph[a])
        for c in cycles
    ]
    assert not cycles, "import cycles between subpackages:\n" + "\n".join(described)


def test_the_cycle_finder_finds_a_cycle() -> None:
    graph = {"a": {"b": ["a:1"]}, "b": {"c": ["b:1"]}, "c": {"a": ["c:1"]}, "d": {"a": ["d:1"]}}
    assert _cycles(graph) == [["a", "b", "c"]]
