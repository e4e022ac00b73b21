"""Built-in checkers, registered through ``register_checkers`` like any plugin's.

Each module in this package lists its checker instances in a module-level ``CHECKERS`` tuple;
this plugin registers them all, so adding a checker is adding it to its module's ``CHECKERS``.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Callable
from typing import Any

from pbrules.checker import Checker
from pbrules.hookspecs import hookimpl


def builtin_checkers() -> list[Checker[Any]]:
    """Every built-in checker, in module then declaration order."""
    found: list[Checker[Any]] = []
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.extend(getattr(module, "CHECKERS", ()))
    return found


@hookimpl
def register_checkers(register: Callable[[Checker[Any]], None]) -> None:
    for checker in builtin_checkers():
        register(checker)
