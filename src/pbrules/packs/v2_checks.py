"""Load-time checks of the v2 pack keys (DESIGN §12.2) that the pack model alone cannot make.

- :func:`placement_hint`: an unknown key that is a valid key in exactly one other place of a
  pack (``per_hit`` written next to ``points`` instead of under ``scoring``, ``pool`` on a
  criterion instead of an area) gets "belongs under ...".
- :func:`spelling_hint`: a misspelled unknown key gets the closest key of its place, or the
  closer key of another place with where that key belongs.
- :func:`tier_problems`: tier ids are unique, and every tier tag is carried by at least one
  enabled criterion (a tier no criterion scores could never be won), with a "did you mean" over
  the criteria's tags.
"""

from __future__ import annotations

import difflib
import typing
from collections.abc import Iterator, Sequence
from functools import cache
from typing import Any

from pydantic import BaseModel

from pbrules.errors import Problem, did_you_mean, suggest
from pbrules.packs._yaml import YMap, YSeq
from pbrules.packs.schema import Pack

__all__ = ["placement_hint", "spelling_hint", "tier_problems"]


def _models_in(annotation: Any) -> Iterator[tuple[type[BaseModel], bool]]:
    """Models inside an annotation, each with whether it sits in a list."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        yield annotation, False
        return
    listed = typing.get_origin(annotation) in (list, tuple)
    for arg in typing.get_args(annotation):
        for model, inner in _models_in(arg):
            yield model, inner or listed


@cache
def _homes() -> dict[str, list[str]]:
    """Key -> every place where a pack may hold it."""
    homes: dict[str, list[str]] = {}
    queue: list[tuple[type[BaseModel], str]] = [(Pack, "")]
    seen: set[type[BaseModel]] = set()
    while queue:
        model, where = queue.pop(0)
        if model in seen:
            continue
        seen.add(model)
        for name, field in model.model_fields.items():
            homes.setdefault(name, []).append(where or "the top level")
            for sub, listed in _models_in(field.annotation):
                path = f"{where}.{name}" if where else name
                queue.append((sub, path + ("[]" if listed else "")))
    return homes


def placement_hint(key: Any, here: str) -> str:
    """``"; 'per_hit' belongs under criteria[].scoring"`` when ``key`` is a pack key that lives
    somewhere other than ``here`` (a description of where it was found), else ``""``. Keys
    valid in several places (``id``, ``title``, ``tags``, ``min``) get no hint."""
    if not isinstance(key, str):
        return ""
    homes = _homes().get(key, [])
    if len(homes) != 1 or homes[0] == here:
        return ""
    return f"; '{key}' belongs under {homes[0]}"


def spelling_hint(key: Any, allowed: Sequence[str], here: str | None) -> str:
    """``"; did you mean 'x'?"`` for a misspelled ``key`` found at ``here``: the closest of the
    ``allowed`` keys, unless a key that lives only somewhere else is closer; that one is then
    named with its place (``per_mis`` on a criterion: ``'per_miss'``, under
    ``criteria[].scoring``, rather than the criterion's own ``params``). ``here`` ``None``: not
    a place of the pack (a snapshot's record in a pack test), where only ``allowed`` is asked."""
    own = suggest(key, allowed)
    if here is None:
        return f"; did you mean '{own}'?" if own is not None else ""
    homes = _homes()
    elsewhere = {k: h[0] for k, h in homes.items() if len(h) == 1 and h[0] != here}
    far = suggest(key, elsewhere)
    if far is not None and far not in allowed and _likeness(key, far) > _likeness(key, own):
        return f"; did you mean '{far}'? it belongs under {elsewhere[far]}"
    return f"; did you mean '{own}'?" if own is not None else ""


def _likeness(word: Any, other: str | None) -> float:
    return 0.0 if other is None else difflib.SequenceMatcher(None, str(word), other).ratio()


def _criterion_tags(doc: YMap) -> set[str]:
    tags: set[str] = set()
    criteria = doc.get("criteria")
    if not isinstance(criteria, YSeq):
        return tags
    for crit in criteria:
        if isinstance(crit, YMap) and crit.get("enabled", True) is not False:
            found = crit.get("tags")
            if isinstance(found, list):
                tags.update(t for t in found if isinstance(t, str))
    return tags


def tier_problems(doc: YMap) -> list[Problem]:
    """Duplicate tier ids and tier tags no enabled criterion carries."""
    tiers = doc.get("tiers")
    if not isinstance(tiers, YSeq):
        return []
    carried = _criterion_tags(doc)
    problems: list[Problem] = []
    seen: set[Any] = set()
    for tier in tiers:
        if not isinstance(tier, YMap):
            continue
        tier_id = tier.get("id")
        if tier_id in seen:
            pos = tier.value_pos.get("id", tier.pos)
            problems.append(pos.problem(f"tier '{tier_id}' is defined twice"))
        seen.add(tier_id)
        tags = tier.get("tags")
        if not isinstance(tags, YSeq):
            continue
        for tag, pos in zip(tags, tags.item_pos, strict=False):
            if isinstance(tag, str) and tag not in carried:
                hint = did_you_mean(tag, sorted(carried))
                problems.append(
                    pos.problem(
                        f"tier '{tier_id}': no enabled criterion carries the tag '{tag}', so the "
                        f"tier could never be won{hint}"
                    )
                )
    return problems
