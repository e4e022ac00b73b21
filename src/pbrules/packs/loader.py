"""Load criteria packs: YAML with positions, ``extends``, validation in layers, a digest.

:func:`load_pack` reads one pack (a YAML path, or the id of a registered pack such as
``baseline``); :func:`load_packs` merges several as if each extended the previous one.

Resolution: each pack's ``extends`` (ids or paths relative to the pack's file) are resolved
first, in order, each later one overriding the earlier; then the pack itself on top. Criteria,
areas and peer groups are merged **by id**: an entry whose id already exists overrides only the
keys it gives (``{id: S02, points: 6}``), so an override can change points, params, severity,
scoring or switch a criterion off with ``enabled: false``. Inside an override, ``params``,
``scoring``, ``rectify`` and ``applies_to`` are merged key by key (a key set to ``null`` goes back
to its default); ``params`` are replaced whole when the override names another ``check`` or the
check is ``condition`` (a condition is one tree).
Other top-level keys given by the later pack replace the earlier ones.

Validation runs in layers and reports **every** problem of every file at once, each at the
``PATH:LINE:COL`` of the offending key or value, one specific message per problem:

1. YAML (syntax, tabs, tags, size, alias bombs) — :mod:`pbrules.packs._yaml`;
2. structure and types against :class:`~pbrules.packs.schema.Pack`, with "did you mean" for
   unknown keys and enum values;
3. meaning: unknown checkers and areas, checker ``params`` against the checker's ``Params``
   model, message templates, duplicate ids, overlapping peer groups, period tokens, references
   of composite criteria, ``extends`` cycles and missing parents.

A pack with any problem is rejected whole (:class:`~pbrules.errors.PackError`). The resolved
pack's digest is the sha256 of its canonical JSON.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import BaseModel, ValidationError

from pbrules import _args
from pbrules.errors import PackError, Problem, UsageError
from pbrules.packs._yaml import YMap, plain
from pbrules.packs.merge import merge_pack
from pbrules.packs.resolve import Resolver, find_pack
from pbrules.packs.schema import LoadedPack, Pack
from pbrules.packs.semantics import semantic_problems
from pbrules.packs.translate import pydantic_problems

if TYPE_CHECKING:
    from pbrules.plugins import Registry

__all__ = [
    "canonical_digest",
    "load_pack",
    "load_packs",
    "resolve_source",
    "validation_problems",
]


def load_pack(source: str | Path, *, registry: Registry | None = None) -> LoadedPack:
    """Load and validate one pack: a YAML path, or the id of a registered pack.

    Raises :class:`~pbrules.errors.PackError` listing every problem.
    """
    _args.check_path(source, "source")
    return load_packs([source], registry=registry)


def load_packs(sources: Sequence[str | Path], *, registry: Registry | None = None) -> LoadedPack:
    """Load several packs merged in order, as if each extended the previous one."""
    if isinstance(sources, str | Path):
        sources = [sources]
    _args.check_paths(sources, "sources")
    if not sources:
        raise UsageError("no criteria pack given")
    if registry is None:
        from pbrules.plugins import get_registry

        registry = get_registry()
    resolver = Resolver(registry)
    merged: YMap | None = None
    for src in sources:
        doc = resolver.resolve_source(src)
        if doc is not None:
            merged = doc if merged is None else merge_pack(merged, doc)
    problems = list(resolver.problems)
    pack: Pack | None = None
    if merged is not None and not resolver.fatal:
        pack, found = _validate(merged, registry)
        problems.extend(found)
    if problems or pack is None:
        raise PackError(_sorted(problems))
    return LoadedPack(model=pack, digest=canonical_digest(pack), sources=resolver.sources)


def canonical_digest(pack: Pack) -> str:
    """sha256 (hex) of the pack's canonical JSON: sorted keys, no whitespace, UTF-8."""
    text = json.dumps(
        pack.model_dump(mode="json"),
        sort_keys=True,
        separators=(",", ":"),
        ensure_ascii=False,
        default=str,
    )
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def resolve_source(source: str | Path, *, registry: Registry | None = None) -> Path | None:
    """The file a pack source names: a path as given, or a registered pack id."""
    if registry is None:
        from pbrules.plugins import get_registry

        registry = get_registry()
    return find_pack(source, None, registry)


def validation_problems(
    exc: ValidationError, doc: YMap, model: type[BaseModel], *, label: str = ""
) -> list[Problem]:
    """Located, specific problems for a pydantic error on a YAML document read by ``_yaml``.

    ``label`` (e.g. ``case 'x'``) starts every message.
    """
    problems = pydantic_problems(exc, doc, (), model)
    if label:
        problems = [Problem(p.path, p.line, p.col, f"{label}: {p.message}") for p in problems]
    return problems


def _sorted(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(set(problems), key=lambda p: (p.path, p.line, p.col, p.message))


def _validate(doc: YMap, registry: Registry) -> tuple[Pack | None, list[Problem]]:
    problems: list[Problem] = []
    try:
        Pack.model_validate(doc)
    except ValidationError as exc:
        problems.extend(pydantic_problems(exc, doc, (), Pack))
    problems.extend(semantic_problems(doc, registry))
    if problems:
        return None, problems
    try:
        return Pack.model_validate(plain(doc)), []
    except ValidationError as exc:  # pragma: no cover - the same data validated above
        return None, pydantic_problems(exc, doc, (), Pack)
