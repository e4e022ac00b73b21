"""Functions of 80 lines or more and the largest modules of a source tree (not a test).

    python benchmarks/long_functions.py [SRC] [--limit 80]

A function's length is its source lines from ``def`` (decorators excluded) to its last line,
nested functions counted in their enclosing function and again on their own.
"""

from __future__ import annotations

import argparse
import ast
from pathlib import Path


def long_functions(root: Path, limit: int) -> list[tuple[int, str]]:
    """(lines, ``path:line name``) of every function of ``limit`` lines or more, longest first."""
    found: list[tuple[int, str]] = []
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length >= limit:
                    found.append((length, f"{path}:{node.lineno} {node.name}"))
    return sorted(found, reverse=True)


def largest_modules(root: Path, count: int) -> list[tuple[int, str]]:
    """(lines, path) of the ``count`` longest modules."""
    sizes = [
        (len(path.read_text(encoding="utf-8").splitlines()), str(path))
        for path in root.rglob("*.py")
    ]
    return sorted(sizes, reverse=True)[:count]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("src", nargs="?", default="src/pbrules", type=Path)
    parser.add_argument("--limit", type=int, default=80, help="report functions of this length or more")
    parser.add_argument("--modules", type=int, default=5, help="how many largest modules to list")
    args = parser.parse_args()
    functions = long_functions(args.src, args.limit)
    print(f"{len(functions)} function(s) of {args.limit} lines or more:")
    for length, where in functions:
        print(f"  {length:5}  {where}")
    print("largest modules:")
    for length, where in largest_modules(args.src, args.modules):
        print(f"  {length:5}  {where}")


if __name__ == "__main__":
    main()
