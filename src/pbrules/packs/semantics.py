"""The meaning of a pack, beyond its types: unknown checkers and areas, checker ``params``,
message templates, period tokens, references of composite criteria and their cycles, grades and
veto grades, overlapping peer groups.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from pbrules.checker import Checker
from pbrules.errors import Problem, did_you_mean, suggest
from pbrules.model.snapshot import Category, OrgKind
from pbrules.packs._yaml import YMap, YSeq
from pbrules.packs.limits import number_problems
from pbrules.packs.merge import id_of
from pbrules.packs.refs import walk_references
from pbrules.packs.schema import PERIOD_TOKENS, Pack
from pbrules.packs.templates import template_errors
from pbrules.packs.translate import pydantic_problems
from pbrules.packs.v2_checks import tier_problems

if TYPE_CHECKING:
    from pbrules.plugins import Registry

__all__ = ["semantic_problems"]


def semantic_problems(doc: YMap, registry: Registry) -> list[Problem]:
    problems: list[Problem] = []
    areas = doc.get("areas")
    area_ids: list[Any] = []
    if isinstance(areas, YSeq):
        area_ids = [i for i in (id_of(a) for a in areas) if i is not None]
    problems.extend(_group_problems(doc))
    problems.extend(_grade_problems(doc))
    problems.extend(tier_problems(doc))
    problems.extend(number_problems(doc))
    criteria = doc.get("criteria")
    if not isinstance(criteria, YSeq):
        return problems
    crit_ids = [i for i in (id_of(c) for c in criteria) if i is not None]
    phases: dict[Any, str] = {}
    for crit in criteria:
        check = crit.get("check") if isinstance(crit, YMap) else None
        checker = registry.checkers.get(check) if isinstance(check, str) else None
        if checker is not None and id_of(crit) is not None:
            phases[id_of(crit)] = getattr(checker, "phase", "record")
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
    by_id = {id_of(c): c for c in criteria if isinstance(c, YMap) and id_of(c) is not None}
    _, cycles = walk_references(refs_of, lambda cid: [r for r in refs_of[cid] if r in refs_of])
    problems: list[Problem] = []
    for cycle in cycles:
        first = by_id[cycle[0]]
        problems.append(
            first.value_pos.get("params", first.pos).problem(
                f"criterion {cycle[0]}: params refer in a cycle: " + " -> ".join(map(str, cycle))
            )
        )
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
    name = f"criterion {crit['id']}" if id_of(crit) is not None else f"criteria[{index}]"
    problems = _area_problems(crit, name, area_ids)
    for key in ("message", "message_zh"):
        message = crit.get(key)
        if isinstance(message, str):
            for text in template_errors(message):
                where = name if key == "message" else f"{name}: {key}"
                problems.append(crit.value_pos[key].problem(f"{where}: {text}"))
    problems += _period_token_problems(crit, name)
    check = crit.get("check")
    if not isinstance(check, str):
        return problems
    checker = registry.checkers.get(check)
    if checker is None:
        problems.append(
            crit.value_pos["check"].problem(
                f"{name}: unknown checker '{check}'{did_you_mean(check, registry.checkers)}"
                " (`pbrules checkers` lists them)"
            )
        )
        return problems
    refs = _checker_references(doc, index, crit, name, checker, problems)
    if refs:
        problems += _reference_problems(crit, name, check, checker, refs, crit_ids, phases or {})
        if refs_of is not None and id_of(crit) is not None:
            refs_of[id_of(crit)] = refs
    return problems


def _area_problems(crit: YMap, name: str, area_ids: list[Any]) -> list[Problem]:
    area = crit.get("area")
    if not (isinstance(area, str) and area_ids and area not in area_ids):
        return []
    return [
        crit.value_pos["area"].problem(
            f"{name}: unknown area '{area}'{did_you_mean(area, area_ids)} "
            f"(areas: {', '.join(map(str, area_ids))})"
        )
    ]


def _period_token_problems(crit: YMap, name: str) -> list[Problem]:
    applies = crit.get("applies_to")
    if not (isinstance(applies, YMap) and isinstance(applies.get("periods"), YSeq)):
        return []
    periods = applies["periods"]
    return [
        pos.problem(
            f"{name}: unknown period token '{token}' in applies_to.periods"
            f"{did_you_mean(token, sorted(PERIOD_TOKENS))} "
            "(tokens: Q1-Q4, H1, H2, M01-M12, month, quarter, half, year, year_end)"
        )
        for token, pos in zip(periods, periods.item_pos, strict=True)
        if isinstance(token, str) and token not in PERIOD_TOKENS
    ]


def _checker_references(
    doc: YMap,
    index: int,
    crit: YMap,
    name: str,
    checker: Checker[Any],
    problems: list[Problem],
) -> tuple[str, ...]:
    """The criteria the parsed ``params`` refer to; invalid params add to ``problems``."""
    raw = crit.get("params")
    if raw is None:
        raw = YMap(crit.key_pos.get("check", crit.pos))
    if not isinstance(raw, dict):
        return ()  # the Pack model reports the type
    pos = crit.value_pos.get("params", crit.pos)
    try:
        parsed = checker.parse_params(raw)
    except ValidationError as exc:
        problems.extend(
            pydantic_problems(exc, doc, ("criteria", index, "params"), checker.Params, base=raw)
        )
        return ()
    except (ValueError, TypeError) as exc:
        problems.append(pos.problem(f"{name}: params: {exc}"))
        return ()
    try:
        return tuple(checker.references(parsed))
    except Exception as exc:  # a plugin's checker must not crash loading
        problems.append(
            pos.problem(f"{name}: checker '{crit.get('check')}' failed on its params: {exc}")
        )
        return ()


def _reference_problems(
    crit: YMap,
    name: str,
    check: str,
    checker: Checker[Any],
    refs: tuple[str, ...],
    crit_ids: list[Any],
    phases: dict[Any, str],
) -> list[Problem]:
    pos = crit.value_pos.get("params", crit.pos)
    own_phase = getattr(checker, "phase", "record")
    problems: list[Problem] = []
    for ref in refs:
        if ref not in crit_ids:
            problems.append(
                pos.problem(
                    f"{name}: params refer to unknown criterion '{ref}'"
                    + did_you_mean(ref, crit_ids)
                )
            )
        elif own_phase != "rollup" and phases.get(ref) == "rollup":
            problems.append(
                pos.problem(
                    f"{name}: params refer to roll-up criterion '{ref}', which is evaluated "
                    f"after '{check}' (roll-ups run last, over the subordinates' results)"
                )
            )
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
    close = folded[0] if folded else suggest(veto, grades)
    suggestion = close if close else _lowest(bands) if isinstance(bands, YSeq) else grades[-1]
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
