"""Built-in packs: the YAML files in the repository's ``rules/`` directory, by pack id.

In a source checkout (or an editable install) ``rules/`` sits at the top of the repository,
three levels above this file (``src/pbrules/builtin/packs.py``); each ``rules/*.yaml`` file (not
``*.test.yaml``) is registered under the id in its ``pack:`` key, so packs can say
``extends: [baseline]``. An installed wheel that ships no ``rules/`` directory registers no pack
here; plugins can register theirs through the same ``register_packs`` hook.

Only the ``pack:`` line is read (cheaply, without parsing the YAML); the file is loaded and
validated when a pack is used.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

from pbrules.hookspecs import hookimpl

__all__ = ["RULES_DIR", "pack_id_of", "register_packs"]

#: The repository's rules directory (may not exist in an installed wheel).
RULES_DIR = Path(__file__).resolve().parents[3] / "rules"

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
