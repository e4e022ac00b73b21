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

import difflib
import hashlib
import json
import os
import re
import typing
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from pbrules.errors import PackError, Problem, UsageError
from pbrules.model.snapshot import Category, OrgKind
from pbrules.packs._yaml import Pos, YMap, YSeq, load_yaml, locate, plain
from pbrules.packs.schema import PERIOD_TOKENS, LoadedPack, Pack
from pbrules.packs.templates import template_errors
from pbrules.packs.v2_checks import placement_hint, tier_problems

if TYPE_CHECKING:
    from pbrules.plugins import Registry

__all__ = [
    "canonical_digest",
    "load_pack",
    "load_packs",
    "resolve_source",
    "validation_problems",
]

_DEEP_KEYS = ("params", "scoring", "rectify", "applies_to")
_BY_ID_KEYS = ("areas", "groups", "criteria")
_SHALLOW_KEYS = ("ranking", "movement")


def load_pack(source: str | Path, *, registry: Registry | None = None) -> LoadedPack:
    """Load and validate one pack: a YAML path, or the id of a registered pack.

    Raises :class:`~pbrules.errors.PackError` listing every problem.
    """
    return load_packs([source], registry=registry)


def load_packs(sources: Sequence[str | Path], *, registry: Registry | None = None) -> LoadedPack:
    """Load several packs merged in order, as if each extended the previous one."""
    if isinstance(sources, str | Path):
        sources = [sources]
    if not sources:
        raise UsageError("no criteria pack given")
    if registry is None:
        from pbrules.plugins import get_registry

        registry = get_registry()
    resolver = _Resolver(registry)
    merged: YMap | None = None
    for src in sources:
        doc = resolver.resolve_source(src)
        if doc is not None:
            merged = doc if merged is None else _merge_pack(merged, doc)
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
    return _find(source, None, registry)


def validation_problems(
    exc: ValidationError, doc: YMap, model: type[BaseModel], *, label: str = ""
) -> list[Problem]:
    """Located, specific problems for a pydantic error on a YAML document read by ``_yaml``.

    ``label`` (e.g. ``case 'x'``) starts every message.
    """
    problems = _pydantic_problems(exc, doc, (), model)
    if label:
        problems = [Problem(p.path, p.line, p.col, f"{label}: {p.message}") for p in problems]
    return problems


def _sorted(problems: Iterable[Problem]) -> list[Problem]:
    return sorted(set(problems), key=lambda p: (p.path, p.line, p.col, p.message))


def _looks_like_path(ref: str | Path) -> bool:
    if isinstance(ref, Path):
        return True
    return ref.endswith((".yaml", ".yml")) or "/" in ref or os.sep in ref


def _find(ref: str | Path, base: Path | None, registry: Registry) -> Path | None:
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


def _display(path: Path) -> str:
    try:
        rel = path.resolve().relative_to(Path.cwd().resolve())
    except (ValueError, OSError):
        return str(path)
    return str(rel)


def _suggest(word: Any, choices: Iterable[Any]) -> str:
    options = [str(c) for c in choices]
    if isinstance(word, str) and len(word) > 1 and word[::-1] in options:
        return f"; did you mean '{word[::-1]}'?"
    close = difflib.get_close_matches(str(word), options, n=1, cutoff=0.6)
    return f"; did you mean '{close[0]}'?" if close else ""


# ---------------------------------------------------------------------------------------------
# extends
# ---------------------------------------------------------------------------------------------
class _Resolver:
    def __init__(self, registry: Registry) -> None:
        self.registry = registry
        self.problems: list[Problem] = []
        self.sources: list[str] = []
        #: a file or a parent could not be read: validating the rest would mislead
        self.fatal = False

    def resolve_source(self, src: str | Path) -> YMap | None:
        path = _find(src, None, self.registry)
        if path is None:
            hint = _suggest(src, self.registry.packs)
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
        shown = str(src) if isinstance(src, Path) or _looks_like_path(src) else _display(path)
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
        self.problems.extend(_file_problems(doc))
        base: YMap | None = None
        for ref, pos in _extends_refs(doc, self.problems):
            parent = _find(ref, path.parent, self.registry)
            if parent is None or (not parent.is_file() and parent.resolve() not in stack):
                hint = _suggest(ref, self.registry.packs)
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
                else _display(parent)
            )
            resolved = self._resolve(parent, pshown, (*stack, key))
            if resolved is not None:
                base = resolved if base is None else _merge_pack(base, resolved)
        if shown not in self.sources:
            self.sources.append(shown)
        return doc if base is None else _merge_pack(base, doc)


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


# ---------------------------------------------------------------------------------------------
# merging
# ---------------------------------------------------------------------------------------------
def _merge_pack(base: YMap, child: YMap) -> YMap:
    out = YMap(child.pos)
    for k in base:
        out.copy_entry(base, k)
    for k in child:
        if k in out and k in _BY_ID_KEYS:
            out.put(
                k,
                _merge_by_id(out[k], child[k], _merge_criterion if k == "criteria" else _shallow),
                child.key_pos[k],
                child.value_pos[k],
            )
        elif k in out and k in _SHALLOW_KEYS:
            out.put(k, _shallow(out[k], child[k]), child.key_pos[k], child.value_pos[k])
        else:
            out.copy_entry(child, k)
    return out


def _merge_by_id(base: Any, child: Any, merge: Callable[[Any, Any], Any]) -> Any:
    if not isinstance(base, YSeq) or not isinstance(child, YSeq):
        return child
    out = YSeq(child.pos)
    where: dict[Any, int] = {}
    for item, pos in zip(base, base.item_pos, strict=True):
        ident = _id_of(item)
        if ident is not None:
            where[ident] = len(out)
        out.push(item, pos)
    for item, pos in zip(child, child.item_pos, strict=True):
        ident = _id_of(item)
        if ident is not None and ident in where:
            i = where[ident]
            out[i] = merge(out[i], item)
            out.item_pos[i] = pos
        else:
            if ident is not None:
                where[ident] = len(out)
            out.push(item, pos)
    return out


def _id_of(item: Any) -> Any:
    if isinstance(item, YMap):
        ident = item.get("id")
        try:
            hash(ident)
        except TypeError:
            return None
        return ident
    return None


def _shallow(base: Any, child: Any, *, null_removes: bool = False) -> Any:
    if not isinstance(base, YMap) or not isinstance(child, YMap):
        return child
    out = YMap(child.pos)
    for k in base:
        out.copy_entry(base, k)
    for k in child:
        if null_removes and child[k] is None:
            out.pop(k, None)
            continue
        out.copy_entry(child, k)
    return out


def _merge_criterion(base: Any, child: Any) -> Any:
    if not isinstance(base, YMap) or not isinstance(child, YMap):
        return child
    out = YMap(child.pos)
    for k in base:
        out.copy_entry(base, k)
    check_changed = "check" in child and child.get("check") != base.get("check")
    # a condition is one tree: an override replaces it whole
    whole = check_changed or child.get("check", base.get("check")) == "condition"
    for k in child:
        if (
            k in _DEEP_KEYS
            and k in base
            and isinstance(child[k], YMap)
            and not (k == "params" and whole)
        ):
            out.put(
                k,
                _shallow(base[k], child[k], null_removes=True),
                child.key_pos[k],
                child.value_pos[k],
            )
        else:
            out.copy_entry(child, k)
    if check_changed and "params" not in child:
        out.pop("params", None)
    return out


# ---------------------------------------------------------------------------------------------
# validation
# ---------------------------------------------------------------------------------------------
def _validate(doc: YMap, registry: Registry) -> tuple[Pack | None, list[Problem]]:
    problems: list[Problem] = []
    try:
        Pack.model_validate(doc)
    except ValidationError as exc:
        problems.extend(_pydantic_problems(exc, doc, (), Pack))
    problems.extend(_semantic_problems(doc, registry))
    if problems:
        return None, problems
    try:
        return Pack.model_validate(plain(doc)), []
    except ValidationError as exc:  # pragma: no cover - the same data validated above
        return None, _pydantic_problems(exc, doc, (), Pack)


def _walk(doc: Any, loc: Sequence[Any]) -> list[Any]:
    """The parts of ``loc`` that name keys or indexes in ``doc`` (skipping union tags)."""
    current = doc
    out: list[Any] = []
    for i, part in enumerate(loc):
        if isinstance(current, YMap):
            if (
                part in current
                and i < len(loc) - 1
                and not isinstance(current[part], YMap | YSeq)
                and loc[i + 1] in current
            ):
                continue  # a union tag that equals a key
            match = (
                part if part in current else next((k for k in current if str(k) == str(part)), None)
            )
            if match is not None or part in current:
                out.append(part)
                current = current[match if match is not None else part]
        elif isinstance(current, YSeq) and isinstance(part, int) and 0 <= part < len(current):
            out.append(part)
            current = current[part]
    return out


def _human(doc: YMap, parts: Sequence[Any]) -> str:
    """``criterion S02: scoring.mode`` for a location path in ``doc``."""
    text = ""
    start = 0
    if len(parts) >= 2 and parts[0] == "criteria" and isinstance(parts[1], int):
        crit = doc.get("criteria")
        ident = _id_of(crit[parts[1]]) if isinstance(crit, YSeq) else None
        text = f"criterion {ident}" if ident is not None else f"criteria[{parts[1]}]"
        start = 2
    elif len(parts) >= 2 and parts[0] in ("areas", "groups") and isinstance(parts[1], int):
        seq = doc.get(parts[0])
        ident = _id_of(seq[parts[1]]) if isinstance(seq, YSeq) else None
        what = "area" if parts[0] == "areas" else "group"
        text = f"{what} {ident}" if ident is not None else f"{parts[0]}[{parts[1]}]"
        start = 2
    rest = ""
    for part in parts[start:]:
        rest += f"[{part}]" if isinstance(part, int) else (f".{part}" if rest else str(part))
    if text and rest:
        return f"{text}: {rest}"
    return text or rest


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    out: list[type[BaseModel]] = []
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    for arg in typing.get_args(annotation):
        out.extend(_models_in(arg))
    return out


def _allowed_keys(model: type[BaseModel], loc: Sequence[Any]) -> list[str]:
    current: list[type[BaseModel]] = [model]
    for part in loc:
        if isinstance(part, int):
            continue
        nxt: list[type[BaseModel]] = []
        for m in current:
            for name, field in m.model_fields.items():
                if part in (name, field.alias):
                    nxt.extend(_models_in(field.annotation))
        if nxt:
            current = nxt
    keys: list[str] = []
    for m in current:
        for name, field in m.model_fields.items():
            key = field.alias or name
            if key not in keys:
                keys.append(key)
    return keys


def _place(loc: Sequence[Any]) -> str:
    """``("criteria", 3, "scoring")`` -> ``"criteria[].scoring"`` (as placement hints name it)."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += "[]"
        else:
            out = f"{out}.{part}" if out else str(part)
    return out or "the top level"


_QUOTED = re.compile(r"'([^']*)'")


def _pydantic_problems(
    exc: ValidationError,
    doc: YMap,
    prefix: tuple[Any, ...],
    model: type[BaseModel],
    base: Any = None,
) -> list[Problem]:
    """One specific problem per pydantic error, at the position of the key or value."""
    problems: list[Problem] = []
    seen: set[tuple[Any, ...]] = set()
    root = base if base is not None else doc
    errors = exc.errors(include_url=False)
    # several missing keys of one mapping make one problem: "missing required keys 'a', 'b'"
    missing: dict[tuple[Any, ...], list[str]] = {}
    for err in errors:
        if err["type"] == "missing":
            missing.setdefault(tuple(err["loc"][:-1]), []).append(str(err["loc"][-1]))
    for err in errors:
        loc = tuple(err["loc"])
        parts = _walk(root, loc)
        etype = err["type"]
        if etype == "missing" and len(missing.get(loc[:-1], ())) > 1:
            ppos = locate(root, loc) or doc.pos
            where = _human(doc, [*prefix, *parts])
            keys = ", ".join(f"'{k}'" for k in missing[loc[:-1]])
            message = f"{where + ': ' if where else ''}missing required keys {keys}"
        elif etype == "extra_forbidden":
            key = loc[-1]
            ppos = locate(root, loc, key=True) or doc.pos
            where = _human(doc, [*prefix, *_walk(root, loc[:-1])])
            allowed = _allowed_keys(model, loc[:-1])
            hint = placement_hint(key, _place(loc[:-1])) or _suggest(key, allowed)
            message = f"unknown key '{key}'{hint}"
            if where:
                message = f"{where}: {message}"
        else:
            ppos = locate(root, loc) or doc.pos
            where = _human(doc, [*prefix, *parts])
            message = _specific(err, loc, parts, where, model)
        mark = (ppos.path, ppos.line, ppos.col)
        if mark in seen:
            continue
        seen.add(mark)
        problems.append(ppos.problem(message))
    return problems


def _specific(err: Any, loc: tuple[Any, ...], parts: list[Any], where: str, model: Any) -> str:
    etype = err["type"]
    value = err.get("input")
    ctx = err.get("ctx") or {}
    msg = str(err.get("msg", "invalid value"))
    label = f"{where}: " if where else ""
    if etype == "missing":
        field = loc[-1]
        return f"{label}missing required key '{field}'"
    if etype in ("enum", "literal_error"):
        choices = _QUOTED.findall(str(ctx.get("expected", "")))
        hint = _suggest(value, choices)
        if not hint and choices:
            hint = f"; expected one of: {', '.join(choices)}"
        return f"{label}invalid value {value!r}{hint}"
    if etype == "string_type":
        if isinstance(value, bool | int | float):
            return f'{label}expected text, got {value!r}; put it in quotes: "{value}"'
        return f"{label}expected text, got {_kind(value)}"
    if etype == "finite_number":
        return f"{label}must be a finite number (got {_finite_input(value)})"
    if etype in ("int_type", "int_parsing", "float_type", "float_parsing", "int_from_float"):
        return f"{label}expected a number, got {value!r}"
    if etype in ("bool_type", "bool_parsing"):
        return f"{label}expected true or false, got {value!r}"
    if etype in ("list_type", "tuple_type"):
        return f"{label}expected a list, got {_kind(value)}"
    if etype in ("dict_type", "model_type", "model_attributes_type"):
        return f"{label}expected a mapping (key: value), got {_kind(value)}"
    if etype == "greater_than":
        return f"{label}must be greater than {_num(ctx.get('gt'))} (got {value!r})"
    if etype == "greater_than_equal":
        return f"{label}must be at least {_num(ctx.get('ge'))} (got {value!r})"
    if etype == "less_than_equal":
        return f"{label}must be at most {_num(ctx.get('le'))} (got {value!r})"
    if etype == "string_pattern_mismatch":
        return (
            f"{label}{value!r} is not a valid identifier (start with a letter; then letters, "
            "digits, _ . -)"
        )
    if etype == "too_short":
        return f"{label}must not be empty"
    if etype == "value_error":
        msg = msg.removeprefix("Value error, ")
    return f"{label}{msg}"


def _finite_input(value: Any) -> str:
    """A non-finite input as the pack spells it (``1e400`` is read as a string, then overflows)."""
    if isinstance(value, float):
        if value != value:
            return ".nan"
        return ".inf" if value > 0 else "-.inf"
    return str(value)


def _num(value: Any) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    return f"{value!r}"


def _semantic_problems(doc: YMap, registry: Registry) -> list[Problem]:
    problems: list[Problem] = []
    areas = doc.get("areas")
    area_ids: list[Any] = []
    if isinstance(areas, YSeq):
        area_ids = [i for i in (_id_of(a) for a in areas) if i is not None]
    problems.extend(_group_problems(doc))
    problems.extend(_grade_problems(doc))
    problems.extend(tier_problems(doc))
    criteria = doc.get("criteria")
    if not isinstance(criteria, YSeq):
        return problems
    crit_ids = [i for i in (_id_of(c) for c in criteria) if i is not None]
    phases: dict[Any, str] = {}
    for crit in criteria:
        check = crit.get("check") if isinstance(crit, YMap) else None
        checker = registry.checkers.get(check) if isinstance(check, str) else None
        if checker is not None and _id_of(crit) is not None:
            phases[_id_of(crit)] = getattr(checker, "phase", "record")
    refs_of: dict[Any, tuple[str, ...]] = {}
    for index, crit in enumerate(criteria):
        if isinstance(crit, YMap):
            problems.extend(
                _criterion_problems(doc, index, crit, area_ids, crit_ids, registry, phases, refs_of)
            )
    problems.extend(_cycle_problems(criteria, refs_of))
    return problems


def _cycle_problems(criteria: YSeq, refs_of: dict[Any, tuple[str, ...]]) -> list[Problem]:
    """Criteria whose params refer to each other in a cycle (reported once, at the first)."""
    by_id = {_id_of(c): c for c in criteria if isinstance(c, YMap) and _id_of(c) is not None}
    state: dict[Any, str] = {}
    problems: list[Problem] = []

    def visit(cid: Any, path: tuple[Any, ...]) -> None:
        if state.get(cid) == "done":
            return
        if state.get(cid) == "visiting":
            cycle = [*path[path.index(cid) :], cid]
            first = by_id[cycle[0]]
            problems.append(
                first.value_pos.get("params", first.pos).problem(
                    f"criterion {cycle[0]}: params refer in a cycle: "
                    + " -> ".join(map(str, cycle))
                )
            )
            return
        state[cid] = "visiting"
        for ref in refs_of.get(cid, ()):
            if ref in refs_of:
                visit(ref, (*path, cid))
        state[cid] = "done"

    for cid in refs_of:
        visit(cid, ())
    return problems


def _criterion_problems(
    doc: YMap,
    index: int,
    crit: YMap,
    area_ids: list[Any],
    crit_ids: list[Any],
    registry: Registry,
    phases: dict[Any, str] | None = None,
    refs_of: dict[Any, tuple[str, ...]] | None = None,
) -> list[Problem]:
    problems: list[Problem] = []
    name = f"criterion {crit['id']}" if _id_of(crit) is not None else f"criteria[{index}]"
    area = crit.get("area")
    if isinstance(area, str) and area_ids and area not in area_ids:
        problems.append(
            crit.value_pos["area"].problem(
                f"{name}: unknown area '{area}'{_suggest(area, area_ids)} "
                f"(areas: {', '.join(map(str, area_ids))})"
            )
        )
    message = crit.get("message")
    if isinstance(message, str):
        for text in template_errors(message):
            problems.append(crit.value_pos["message"].problem(f"{name}: {text}"))
    applies = crit.get("applies_to")
    if isinstance(applies, YMap) and isinstance(applies.get("periods"), YSeq):
        periods = applies["periods"]
        for token, pos in zip(periods, periods.item_pos, strict=True):
            if isinstance(token, str) and token not in PERIOD_TOKENS:
                problems.append(
                    pos.problem(
                        f"{name}: unknown period token '{token}' in applies_to.periods"
                        f"{_suggest(token, sorted(PERIOD_TOKENS))} "
                        "(tokens: Q1-Q4, H1, H2, M01-M12, month, quarter, half, year, year_end)"
                    )
                )
    check = crit.get("check")
    if not isinstance(check, str):
        return problems
    checker = registry.checkers.get(check)
    if checker is None:
        problems.append(
            crit.value_pos["check"].problem(
                f"{name}: unknown checker '{check}'{_suggest(check, registry.checkers)}"
                " (`pbrules checkers` lists them)"
            )
        )
        return problems
    raw = crit.get("params")
    if raw is None:
        raw = YMap(crit.key_pos.get("check", crit.pos))
    if not isinstance(raw, dict):
        return problems  # the Pack model reports the type
    try:
        parsed = checker.parse_params(raw)
    except ValidationError as exc:
        problems.extend(
            _pydantic_problems(exc, doc, ("criteria", index, "params"), checker.Params, base=raw)
        )
        return problems
    except (ValueError, TypeError) as exc:
        pos = crit.value_pos.get("params", crit.pos)
        problems.append(pos.problem(f"{name}: params: {exc}"))
        return problems
    try:
        refs = tuple(checker.references(parsed))
    except Exception as exc:  # a plugin's checker must not crash loading
        pos = crit.value_pos.get("params", crit.pos)
        problems.append(pos.problem(f"{name}: checker '{check}' failed on its params: {exc}"))
        return problems
    pos = crit.value_pos.get("params", crit.pos)
    own_phase = getattr(checker, "phase", "record")
    for ref in refs:
        if ref not in crit_ids:
            problems.append(
                pos.problem(
                    f"{name}: params refer to unknown criterion '{ref}'{_suggest(ref, crit_ids)}"
                )
            )
        elif own_phase != "rollup" and (phases or {}).get(ref) == "rollup":
            problems.append(
                pos.problem(
                    f"{name}: params refer to roll-up criterion '{ref}', which is evaluated "
                    f"after '{check}' (roll-ups run last, over the subordinates' results)"
                )
            )
    if refs and refs_of is not None and _id_of(crit) is not None:
        refs_of[_id_of(crit)] = refs
    return problems


def _has_veto(doc: YMap) -> bool:
    """Whether an enabled criterion of the merged pack scores in ``veto`` mode."""
    criteria = doc.get("criteria")
    if not isinstance(criteria, YSeq):
        return False
    for crit in criteria:
        if not isinstance(crit, YMap) or crit.get("enabled", True) is False:
            continue
        scoring = crit.get("scoring")
        if isinstance(scoring, YMap) and scoring.get("mode") == "veto":
            return True
    return False


def _grade_problems(doc: YMap) -> list[Problem]:
    """``veto_grade`` must be a grade of ``bands``: always when written, and when left at its
    default (``weak``) as soon as a criterion can veto (the cap would name no band)."""
    bands = doc.get("bands")
    written = "veto_grade" in doc
    veto = doc.get("veto_grade") if written else Pack.model_fields["veto_grade"].default
    if not isinstance(veto, str):
        return []
    if not written and (bands is None or not _has_veto(doc)):
        return []
    if bands is None:
        grades: list[Any] = [
            b.grade for b in Pack.model_fields["bands"].get_default(call_default_factory=True)
        ]
    elif isinstance(bands, YSeq):
        grades = [b.get("grade") for b in bands if isinstance(b, YMap)]
    else:
        return []
    grades = [g for g in grades if isinstance(g, str)]
    if not grades or veto in grades:
        return []
    folded = [g for g in grades if g.casefold() == veto.casefold()]
    close = folded or difflib.get_close_matches(veto, grades, n=1, cutoff=0.6)
    suggestion = close[0] if close else _lowest(bands) if isinstance(bands, YSeq) else grades[-1]
    if written:
        return [
            doc.value_pos["veto_grade"].problem(
                f"veto_grade '{veto}' is not a grade of bands (grades: {', '.join(grades)}); "
                f"did you mean '{suggestion}'?"
            )
        ]
    return [
        doc.value_pos["bands"].problem(
            f"bands have no grade '{veto}', the default veto_grade a failed veto criterion caps "
            f"the grade at (grades: {', '.join(grades)}); did you mean to set "
            f"'veto_grade: {suggestion}'?"
        )
    ]


def _lowest(bands: YSeq) -> str:
    """The grade of the lowest band (by ``min``), the natural cap for a veto."""
    grades: list[str] = []
    numeric: list[tuple[float, str]] = []
    for band in bands:
        if not isinstance(band, YMap) or not isinstance(band.get("grade"), str):
            continue
        grades.append(band["grade"])
        low = band.get("min")
        if isinstance(low, int | float) and not isinstance(low, bool):
            numeric.append((float(low), band["grade"]))
    if numeric:
        return min(numeric)[1]
    return grades[-1] if grades else ""


_ALL_KINDS = frozenset(k.value for k in OrgKind)
_ALL_CATEGORIES: frozenset[str | None] = frozenset({*(c.value for c in Category), None})


def _selection(group: YMap) -> tuple[set[Any], set[Any], set[Any] | None] | None:
    where = group.get("where")
    if where is None:
        where = YMap(group.pos)
    if not isinstance(where, YMap):
        return None

    def listed(key: str, universe: frozenset[Any]) -> set[Any] | None:
        value = where.get(key)
        if value is None:
            return set(universe)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            return None
        return set(value) & set(universe)

    kinds = listed("kind", _ALL_KINDS)
    cats = listed("category", _ALL_CATEGORIES)
    parents = where.get("parent_id")
    if kinds is None or cats is None:
        return None
    if parents is not None and not isinstance(parents, list):
        return None
    return kinds, cats, (set(map(str, parents)) if parents is not None else None)


def _group_problems(doc: YMap) -> list[Problem]:
    groups = doc.get("groups")
    if not isinstance(groups, YSeq):
        return []
    problems: list[Problem] = []
    seen: list[tuple[Any, YMap, tuple[set[Any], set[Any], set[Any] | None]]] = []
    for group in groups:
        if not isinstance(group, YMap):
            continue
        sel = _selection(group)
        if sel is None:
            continue
        for other_id, other, osel in seen:
            kinds = sel[0] & osel[0]
            cats = sel[1] & osel[1]
            parents_overlap = sel[2] is None or osel[2] is None or bool(sel[2] & osel[2])
            if kinds and cats and parents_overlap:
                kind = sorted(kinds)[0]
                cat = sorted(cats, key=lambda c: (c is None, c or ""))[0]
                combo = f"kind {kind}" + (f", category {cat}" if cat is not None else "")
                pos = group.value_pos.get("where", group.pos)
                opos = other.value_pos.get("where", other.pos)
                line = f"line {opos.line}" if opos.path == pos.path else f"{opos.path}:{opos.line}"
                problems.append(
                    pos.problem(
                        f"peer group '{group.get('id')}' overlaps group '{other_id}' "
                        f"({line}): an organization of {combo} would be in both"
                    )
                )
                break
        seen.append((group.get("id"), group, sel))
    return problems
