"""Merging packs: a later pack overrides an earlier one, lists by id, some keys key by key.

See :mod:`pbrules.packs.loader` for the rules.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pbrules.packs._yaml import YMap, YSeq

__all__ = ["id_of", "merge_pack"]

_DEEP_KEYS = ("params", "scoring", "rectify", "applies_to")
_BY_ID_KEYS = ("areas", "groups", "criteria")
_SHALLOW_KEYS = ("ranking", "movement")


def merge_pack(base: YMap, child: YMap) -> YMap:
    out = YMap(child.pos)
    for k in base:
        out.copy_entry(base, k)
    for k in child:
        if k in out and k in _BY_ID_KEYS:
            out.put(
                k,
                _merge_by_id(out[k], child[k], _merge_criterion if k == "criteria" else _retitled),
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
        ident = id_of(item)
        if ident is not None:
            where[ident] = len(out)
        out.push(item, pos)
    for item, pos in zip(child, child.item_pos, strict=True):
        ident = id_of(item)
        if ident is not None and ident in where:
            i = where[ident]
            out[i] = merge(out[i], item)
            out.item_pos[i] = pos
        else:
            if ident is not None:
                where[ident] = len(out)
            out.push(item, pos)
    return out


def id_of(item: Any) -> Any:
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


def _retitled(base: Any, child: Any) -> Any:
    """An area or group overridden key by key, where a new ``title`` without a ``title_zh``
    drops the one inherited: that Chinese title named what the child renamed (an older pack
    writing its Chinese name in ``title`` keeps showing it in both languages)."""
    out = _shallow(base, child)
    if (
        isinstance(out, YMap)
        and isinstance(base, YMap)
        and "title" in child
        and "title_zh" not in child
        and child.get("title") != base.get("title")
    ):
        out.pop("title_zh", None)
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
