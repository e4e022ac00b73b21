"""The generated district in Chinese (``python -m pbrules.synth --lang zh``).

The generator draws every name and text in English; :func:`chinese_snapshot` then writes the
texts of a snapshot in Chinese: organization names in the county's own patterns (李家村党支部,
清水镇党委, 城关街道党工委, 区财政局机关党支部, 区第一中学党总支), people's names (宋霞), meeting
topics, the problems found by visits and feedback, rectification descriptions, and the names of
bodies, documents, facilities and party groups. Ids, dates, numbers, codes (kinds, roles,
statuses) and the order of every list stay as they are, so the Chinese district from a seed is
the English district of that seed: same organizations, same people, same scores.

A text the tables of :mod:`.names_zh` do not know is an error (``ValueError`` naming it), never
left in English.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from pbrules.testing.synth import names_zh as zh

__all__ = ["LANGUAGES", "chinese_snapshot", "org_name", "person_name", "situation_zh", "text"]

#: the languages the generator writes
LANGUAGES = ("en", "zh")


def _lookup(table: Mapping[str, str], key: str, what: str) -> str:
    try:
        return table[key]
    except KeyError:
        raise ValueError(f"no Chinese for the {what} {key!r}") from None


def person_name(name: str) -> str:
    """``"Song Xia"`` -> ``"宋霞"``."""
    surname, _, given = name.partition(" ")
    return _lookup(zh.SURNAMES, surname, "surname") + _lookup(zh.GIVEN, given, "given name")


def _village(stem: str) -> str:
    if stem in zh.VILLAGE_STEMS:
        return zh.VILLAGE_STEMS[stem]
    for prefix, chinese in zh.VILLAGE_PREFIXES.items():
        rest = stem[len(prefix) :]
        if stem.startswith(prefix) and rest in zh.VILLAGE_SUFFIXES:
            return chinese + zh.VILLAGE_SUFFIXES[rest]
    raise ValueError(f"no Chinese for the village {stem!r}")


def _community(stem: str) -> str:
    base, _, side = stem.partition(" ")
    return _lookup(zh.COMMUNITY_STEMS, base, "community") + (
        _lookup(zh.COMPASS, side, "direction") if side else ""
    )


def _place(place: str) -> str:
    """A township's place name with its level: 清水镇, 城关街道."""
    if place in zh.TOWNS:
        return zh.TOWNS[place] + "镇"
    return _lookup(zh.STREETS, place, "township") + "街道"


def _company(name: str) -> str:
    """A coverage unit (``"... Co., Ltd."``): a company, or a township's social organization."""
    stem = name.removesuffix(" Co., Ltd.")
    place, _, social = stem.partition(" ")
    if social in zh.SOCIAL_STEMS and (place in zh.TOWNS or place in zh.STREETS):
        return _place(place) + zh.SOCIAL_STEMS[social]
    head, _, trade = stem.rpartition(" ")
    if stem not in zh.COMPANY_STEMS and head in zh.COMPANY_STEMS and trade in zh.COMPANY_TRADES:
        return zh.COMPANY_STEMS[head] + zh.COMPANY_TRADES[trade] + "有限公司"
    return _lookup(zh.COMPANY_STEMS, stem, "company") + "有限公司"


def _unit(unit: str) -> str:
    match = re.fullmatch(r"Unit (\d+)", unit)
    if match:
        return f"第{match.group(1)}单位"
    return _lookup(zh.UNITS, unit, "unit")


def _unit_branch(stem: str) -> str:
    """``"<unit>"`` or ``"<system or general branch> <unit>"`` (without "Party Branch")."""
    if stem in zh.UNITS or stem.startswith("Unit "):
        return _unit(stem)
    parents = {**zh.SYSTEMS, **zh.GENERALS}
    for parent in sorted(parents, key=len, reverse=True):
        if stem.startswith(parent + " "):
            return parents[parent] + _unit(stem[len(parent) + 1 :])
    raise ValueError(f"no Chinese for the branch {stem!r}")


#: (English pattern, Chinese from the pattern's groups), tried in order
_ORG_PATTERNS: tuple[tuple[re.Pattern[str], Callable[[re.Match[str]], str]], ...] = (
    (
        re.compile(r"(\S+) District Party Committee"),
        lambda m: _lookup(zh.DISTRICTS, m[1], "district") + "区委",
    ),
    (
        re.compile(r"(\S+) (\d+) Town Party Committee"),
        lambda m: f"{_lookup(zh.TOWNS, m[1], 'town')}{m[2]}镇党委",
    ),
    (re.compile(r"(\S+) Town Party Committee"), lambda m: _place(m[1]) + "党委"),
    (re.compile(r"(\S+) Street Party Working Committee"), lambda m: _place(m[1]) + "党工委"),
    (re.compile(r"(.+) Village Party Branch"), lambda m: _village(m[1]) + "村党支部"),
    (re.compile(r"(.+) Community Party Branch"), lambda m: _community(m[1]) + "社区党支部"),
    (
        re.compile(r"(\S+) Non-public Enterprises Joint Party Branch"),
        lambda m: _place(m[1]) + "非公企业联合党支部",
    ),
    (re.compile(r"(.+ Co\., Ltd\.) Party Branch"), lambda m: _company(m[1]) + "党支部"),
    (
        re.compile(r"(.+) Party Sub-committee"),
        lambda m: _lookup(zh.SYSTEMS, m[1], "system") + "党委",
    ),
    (
        re.compile(r"(.+) General Party Branch"),
        lambda m: _lookup(zh.GENERALS, m[1], "general branch") + "党总支",
    ),
    (
        re.compile(r"(?!Unit )(\S+) (\d+) Party Branch"),
        lambda m: f"{_lookup(zh.VILLAGE_STEMS, m[1], 'village')}第{m[2]}党支部",
    ),
    (re.compile(r"(.+) Party Branch"), lambda m: _unit_branch(m[1]) + "党支部"),
)


def org_name(name: str) -> str:
    """An organization's name in Chinese: ``"Lijia Village Party Branch"`` -> ``"李家村党支部"``."""
    for pattern, chinese in _ORG_PATTERNS:
        match = pattern.fullmatch(name)
        if match:
            return chinese(match)
    raise ValueError(f"no Chinese for the organization {name!r}")


def _party_group(name: str) -> str:
    match = re.fullmatch(r"Party Group (\d+)", name)
    if match is None:
        raise ValueError(f"no Chinese for the party group {name!r}")
    n = int(match[1])
    return f"第{zh.NUMERALS[n - 1] if 1 <= n <= len(zh.NUMERALS) else n}党小组"


def text(value: str) -> str:
    """A topic, problem, body, document or facility name in Chinese."""
    if value in zh.TEXTS:
        return zh.TEXTS[value]
    year, _, rest = value.partition(" ")
    if year.isdigit() and rest in zh.YEARLY_DOCUMENTS:
        return f"{year}年{zh.YEARLY_DOCUMENTS[rest]}"
    raise ValueError(f"no Chinese for the text {value!r}")


def situation_zh(situation_id: str) -> str:
    """A planted situation's description in Chinese."""
    return _lookup(zh.SITUATIONS, situation_id, "planted situation")


#: record list -> its text fields and how each is written in Chinese
_FIELDS: dict[str, dict[str, Callable[[str], str]]] = {
    "members": {"name": person_name},
    "memebers": {"name": person_name},  # the bad file's misspelt key
    "committee": {"name": person_name},
    "development": {"name": person_name},
    "reserve_cadres": {"name": person_name},
    "village_committee": {"name": person_name},
    "rectifications": {"responsible": person_name, "description": text},
    "coverage_units": {"name": _company},
    "party_groups": {"name": _party_group},
    "meetings": {"topics": text},
    "disclosures": {"topics": text},
    "feedback": {"problem": text},
    "visits": {"problems": text},
    "bodies": {"name": text},
    "documents": {"title": text},
    "facilities": {"name": text},
}
_ORGANIZATION: dict[str, Callable[[str], str]] = {"name": org_name, "secretary": person_name}


def _row(row: Mapping[str, Any], fields: Mapping[str, Callable[[str], str]]) -> dict[str, Any]:
    out = dict(row)
    for key, write in fields.items():
        value = out.get(key)
        if isinstance(value, str):
            out[key] = write(value)
        elif isinstance(value, list):
            out[key] = [write(v) if isinstance(v, str) else v for v in value]
    return out


def chinese_snapshot(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of ``snapshot`` with its texts in Chinese (the input is left as it is)."""
    out = dict(snapshot)
    if isinstance(out.get("organization"), Mapping):
        out["organization"] = _row(out["organization"], _ORGANIZATION)
    for key, fields in _FIELDS.items():
        rows = out.get(key)
        if isinstance(rows, list):
            out[key] = [_row(r, fields) if isinstance(r, Mapping) else r for r in rows]
    return out
