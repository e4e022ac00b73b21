"""Built-in packs: the YAML files of the repository's top-level ``rules/`` directory, by pack id.

``rules/`` is the one source of the bundled packs. The wheel ships it inside the package as
``pbrules/_bundled_rules`` (hatchling ``force-include`` in pyproject.toml), found here with
:mod:`importlib.resources`; in a source checkout or an editable install, where that folder does
not exist, the top-level ``rules/`` three levels above this file is used. Each ``*.yaml`` file
directly in that folder (not ``*.test.yaml``) is registered under the id in its ``pack:`` key, so
packs can say ``extends: [baseline]`` and the CLI ``--rules baseline``. Plugins register theirs
through the same ``register_packs`` hook.

Only the ``pack:`` line is read (cheaply, without parsing the YAML); the file is loaded and
validated when a pack is used.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from importlib import resources
from pathlib import Path

from pbrules.hookspecs import hookimpl

__all__ = ["BUNDLED_DIR_NAME", "RULES_DIR", "bundled_rules_dir", "pack_id_of", "register_packs"]

#: The folder of the package that holds ``rules/`` in a wheel.
BUNDLED_DIR_NAME = "_bundled_rules"


def bundled_rules_dir() -> Path:
    """Where the bundled packs are: in the installed package, else the checkout's ``rules/``."""
    shipped = resources.files("pbrules") / BUNDLED_DIR_NAME
    if isinstance(shipped, Path) and shipped.is_dir():
        return shipped
    return Path(__file__).resolve().parents[3] / "rules"


#: The bundled packs' directory (``pbrules/_bundled_rules`` in a wheel, ``rules/`` in a checkout).
RULES_DIR = bundled_rules_dir()

_PACK_LINE = re.compile(r"""^pack:[ \t]*(["']?)([A-Za-z][A-Za-z0-9_.\-]*)\1[ \t]*(#.*)?$""")


def pack_id_of(path: Path, *, max_bytes: int = 65536) -> str | None:
    """The id in a pack file's top-level ``pack:`` line, read from its first ``max_bytes``."""
    try:
        with path.open("r", encoding="utf-8-sig", errors="replace") as fh:
            head = fh.read(max_bytes)
    except OSError:
        return None
    for line in head.splitlines():
        m = _PACK_LINE.match(line.rstrip())
        if m:
            return m.group(2)
    return None


def rule_files(directory: Path = RULES_DIR) -> list[Path]:
    """The pack files of a rules directory (``*.yaml`` / ``*.yml`` except ``*.test.yaml``)."""
    if not directory.is_dir():
        return []
    files = [*directory.glob("*.yaml"), *directory.glob("*.yml")]
    return sorted(p for p in files if not p.name.endswith((".test.yaml", ".test.yml")))


@hookimpl
def register_packs(register: Callable[[str, Path], None]) -> None:
    for path in rule_files():
        pack_id = pack_id_of(path)
        if pack_id is not None:
            register(pack_id, path)
