"""Hook specifications: how plugins extend pbrules (DESIGN §4).

Every hook takes a ``register`` callback rather than returning values (as llm's
``register_models``): the host rejects a duplicate name at the point of registration and names
both plugins. Built-in checkers, readers, exporters and packs are registered through these same
hooks by the modules in :mod:`pbrules.builtin`.

Write a plugin as a module or class with functions decorated by :data:`pbrules.hookimpl`, and
expose it under the ``pbrules`` entry-point group. See docs/plugins.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from pathlib import Path

    import click
    from pydantic import BaseModel

    from pbrules.checker import Checker
    from pbrules.io import Exporter, Reader

__all__ = ["hookimpl", "hookspec"]

PROJECT = "pbrules"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


# ---------------------------------------------------------------------------------------------
# Criteria
# ---------------------------------------------------------------------------------------------
@hookspec
def register_checkers(register: Callable[[Checker[Any]], None]) -> None:
    """Register checkers usable as ``check:`` in criteria packs.

    :param register: call ``register(checker)`` once per :class:`pbrules.Checker` instance.
        Its ``name`` (``meetings.frequency``) must be unique across all plugins; it needs a
        pydantic ``Params`` model (pack ``params`` are validated against it at load time) and a
        ``check`` method. A duplicate name is rejected, naming both plugins.
    """


@hookspec
def register_packs(register: Callable[[str, Path], None]) -> None:
    """Register criteria packs that others can ``extends:`` by id.

    :param register: call ``register(pack_id, path)`` with the path of the pack's YAML file.
        Packs can then ``extends: [pack_id]``, and ``--rules pack_id`` loads it. The built-in
        plugin registers the packs of the repository's ``rules/`` directory this way.
    """


# ---------------------------------------------------------------------------------------------
# Input and output
# ---------------------------------------------------------------------------------------------
@hookspec
def register_readers(register: Callable[[Reader], None]) -> None:
    """Register dataset readers.

    :param register: call ``register(reader)`` with a :class:`pbrules.io.Reader`; its
        ``suffixes`` (``.jsonl``) choose it for a file.
    """


@hookspec
def register_exporters(register: Callable[[Exporter], None]) -> None:
    """Register result exporters usable as ``--format NAME``.

    :param register: call ``register(exporter)`` with a :class:`pbrules.io.Exporter`.
    """


@hookspec
def register_snapshot_extensions(register: Callable[[str, type[BaseModel]], None]) -> None:
    """Register the model that validates ``extensions.<name>`` in snapshots.

    :param register: call ``register(name, model)``; snapshots whose ``extensions`` hold ``name``
        are validated against ``model`` when read, and rejected if they do not fit.
    """


# ---------------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------------
@hookspec
def register_commands(cli: click.Group) -> None:
    """Add commands to the ``pbrules`` command line.

    :param cli: the top-level click group; call ``cli.add_command(...)`` or use ``@cli.command()``.
        A plugin whose implementation raises is reported and skipped; the CLI keeps working.
    """
