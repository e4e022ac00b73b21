"""Resolving packs: a source (path or registered id) to its YAML, ``extends`` first.

A pack's parents are read and merged before the pack itself; a missing parent or a cycle of
``extends`` is a located problem, and a file that cannot be read makes the load fatal.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pbrules.errors import PackError, Problem, did_you_mean
from pbrules.packs._yaml import Pos, YMap, YSeq, load_yaml
from pbrules.packs.limits import extends_problem, not_a_pack_problem
from pbrules.packs.merge import merge_pack

if TYPE_CHECKING:
    from pbrules.plugins import Registry

__all__ = ["Resolver", "display_path", "find_pack"]


def _looks_like_path(ref: str | Path) -> bool:
    if isinstance(ref, Path):
        return True
    return ref.endswith((".yaml", ".yml")) or "/" in ref or os.sep in ref


def find_pack(ref: str | Path, base: Path | None, registry: Registry) -> Path | None:
    if _looks_like_path(ref):
        path = Path(ref)
        if base is not None and not path.is_absolute():
            path = base / path
        return path
    assert isinstance(ref, str)
    if ref in registry.packs:
        return Path(registry.packs[ref])
    path = Path(ref) if base is None else base / ref
    return path if path.is_file() else None


def display_path(path: Path) -> str:
    try:
        rel = path.resolve().relative_to(Path.cwd().resolve())
    except (ValueError, OSError):
        return str(path)
    return str(rel)


class Resolver:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.problems: list[Problem] = []
        self.sources: list[str] = []
        #: a file or a parent could not be read: validating the rest would mislead
        self.fatal = False

    def resolve_source(self, src: str | Path) -> YMap | None:
        path = find_pack(src, None, self.registry)
        if path is None:
            hint = did_you_mean(src, self.registry.packs)
            known = ", ".join(sorted(self.registry.packs)) or "none"
            self.problems.append(
                Problem(
                    str(src),
                    0,
                    0,
                    f"no pack file or registered pack named '{src}'{hint} (registered: {known})",
                )
            )
            self.fatal = True
            return None
        shown = str(src) if isinstance(src, Path) or _looks_like_path(src) else display_path(path)
        return self._resolve(path, shown, ())

    def _resolve(self, path: Path, shown: str, stack: tuple[Path, ...]) -> YMap | None:
        key = path.resolve()
        try:
            doc = load_yaml(path, display=shown)
        except PackError as exc:
            self.problems.extend(exc.problems)
            self.fatal = True
            return None
        if not isinstance(doc, YMap):
            self.problems.append(
                getattr(doc, "pos", Pos(shown, 1, 1)).problem(
                    "a pack is a mapping of keys (pack:, version:, areas:, criteria:...)"
                )
            )
            self.fatal = True
            return None
        refused = not_a_pack_problem(doc, extended=bool(stack))
        if refused is not None:  # never echo the content of a file that is not a pack
            self.problems.append(Pos(shown, 1, 1).problem(refused))
            self.fatal = True
            return None
        self.problems.extend(_file_problems(doc))
        base: YMap | None = None
        for ref, pos in _extends_refs(doc, self.problems):
            parent = find_pack(ref, path.parent, self.registry)
            refused = extends_problem(ref, parent, len(stack) + 1)
            if refused is not None:
                self.problems.append(pos.problem(refused))
                self.fatal = True
                continue
            if parent is None or (not parent.is_file() and parent.resolve() not in stack):
                hint = did_you_mean(ref, self.registry.packs)
                self.problems.append(
                    pos.problem(f"extends '{ref}': no such pack file or registered pack{hint}")
                )
                self.fatal = True
                continue
            if parent.resolve() in (*stack, key):
                chain = [*stack, key, parent.resolve()]
                start = chain.index(parent.resolve())
                names = " -> ".join(p.name for p in chain[start:])
                self.problems.append(pos.problem(f"extends cycle: {names}"))
                self.fatal = True
                continue
            pshown = (
                os.path.normpath(str(parent))
                if _looks_like_path(ref)
                or not isinstance(ref, str)
                or ref not in self.registry.packs
                else display_path(parent)
            )
            resolved = self._resolve(parent, pshown, (*stack, key))
            if resolved is not None:
                base = resolved if base is None else merge_pack(base, resolved)
        if shown not in self.sources:
            self.sources.append(shown)
        return doc if base is None else merge_pack(base, doc)


def _extends_refs(doc: YMap, problems: list[Problem]) -> list[tuple[str, Pos]]:
    if "extends" not in doc:
        return []
    value = doc["extends"]
    pos = doc.value_pos["extends"]
    if value is None:
        return []
    if isinstance(value, str):
        return [(value, pos)]
    if not isinstance(value, YSeq):
        problems.append(pos.problem("extends: expected a list of pack ids or paths"))
        return []
    out = []
    for item, ipos in zip(value, value.item_pos, strict=True):
        if isinstance(item, str) and item.strip():
            out.append((item, ipos))
        else:
            problems.append(ipos.problem(f"extends: expected a pack id or path, got {item!r}"))
    return out


def _file_problems(doc: YMap) -> list[Problem]:
    """Checks that must see one file alone: duplicate ids within the file."""
    problems: list[Problem] = []
    for key, what in (("criteria", "criterion"), ("areas", "area"), ("groups", "peer group")):
        seq = doc.get(key)
        if not isinstance(seq, YSeq):
            continue
        first: dict[Any, Pos] = {}
        for item in seq:
            if not isinstance(item, YMap) or "id" not in item:
                continue
            ident = item["id"]
            try:
                hash(ident)
            except TypeError:
                continue
            pos = item.value_pos["id"]
            if ident in first:
                problems.append(
                    pos.problem(
                        f"duplicate {what} id '{ident}' (first defined at line {first[ident].line})"
                    )
                )
            else:
                first[ident] = pos
    return problems
