"""An organization's result and findings as JSON, written straight from the engine's plain dicts.

The streamed run (:mod:`pbrules.engine.stream`) serializes every organization once, from the
dicts ``Engine._finish`` builds. Validating them into :class:`~pbrules.model.result.OrgResult`
and :class:`~pbrules.model.result.Finding` only to serialize the models cost more than writing
the JSON: the engine made those dicts itself (they are trusted), and the models' score fields
round through a Python function that pydantic-core called about 160 times per organization.

Here the dicts are written by pydantic-core from ``TypedDict`` mirrors of the models (same
fields, same types, no validation), after one pass in Python that

- rounds every score as the models' ``Score`` / ``OptScore`` serializers do
  (:func:`~pbrules.model.result.round2`), so the mirrors need no Python callback;
- puts the fields in the models' order (pydantic-core writes a dict's keys in the dict's
  order), filling in the models' defaults and leaving out what they leave out while null.

Criterion records (51 per organization in the district pack) are the bulk, and most
organizations share most of them: :class:`CriteriaJSON` writes each distinct record once and
joins the kept bytes. A status or severity (a ``StrEnum``) and a note (a ``NoteText``) are
written as their text, as the models write them. The engine's dicts are not changed. The bytes
are the models' bytes: ``tests/test_plain_json.py`` compares both on generated results, and
``tests/test_scale.py`` the streamed document with the exported one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, NotRequired

from pydantic import TypeAdapter
from typing_extensions import TypedDict  # pydantic reads this one on Python 3.11

from pbrules.engine.ranking import RankInfo
from pbrules.engine.records import CriterionRecord
from pbrules.model.note import NoteText
from pbrules.model.result import CriterionResult, round2

__all__ = [
    "CriteriaJSON",
    "criterion_dict",
    "finding_dict",
    "findings_json",
    "org_dict",
    "org_json",
    "ranks_json",
]


class _Criterion(TypedDict):
    """:class:`~pbrules.model.result.CriterionResult`, scores already rounded."""

    id: str
    status: str  # a Status: its text
    earned: float
    max: float
    actual: Any
    expected: Any
    compliance: float | None
    misses: int | None
    note: str | None
    note_zh: NotRequired[str]


class _Org(TypedDict):
    """:class:`~pbrules.model.result.OrgResult` without its ranking fields, scores rounded."""

    org_id: str
    name: str
    kind: str
    parent_id: str | None
    group: str | None
    total: float | None
    base_total: float | None
    bonus: float
    grade: str | None
    complete: bool
    areas: dict[str, float]
    vetoed: bool
    category: str | None
    criteria: list[_Criterion]
    tier: NotRequired[str | None]
    tier_scores: NotRequired[dict[str, float | None]]
    unscored_reason: NotRequired[str]


class _Ranks(TypedDict):
    """:class:`~pbrules.model.result.OrgResult`'s ranking fields, scores rounded."""

    rank: int | None
    group_size: int | None
    previous_rank: int | None
    rank_change: int | None
    movement: str | None
    previous_total: float | None
    total_change: float | None


class _Subject(TypedDict):
    type: str
    id: str


class _StoodFor(TypedDict):
    type: str
    id: str
    message: str
    message_zh: str | None
    evidence: list[str]


class _Rectify(TypedDict):
    responsible: str | None
    due: date | None
    action: str | None
    action_zh: NotRequired[str]
    responsible_zh: NotRequired[str]


class _Waiver(TypedDict):
    reason: str
    owner: str
    until: date


class _Finding(TypedDict):
    """:class:`~pbrules.model.result.Finding`, scores rounded, the period as its text."""

    fingerprint: str
    criterion: str
    pack: str
    org_id: str
    org_name: str
    period: str
    area: str
    severity: str  # a Severity: its text
    status: str
    message: str
    subject: _Subject | None
    evidence: list[str]
    points_lost: float
    rectification: _Rectify
    basis: str | None
    title: str | None
    waiver: _Waiver | None
    message_zh: NotRequired[str]
    subjects: NotRequired[list[_StoodFor]]


_ORG = TypeAdapter(_Org)
_RANKS = TypeAdapter(_Ranks)
_FINDINGS = TypeAdapter(list[_Finding])


def org_json(org: _Org) -> bytes:
    """An organization's dict (:func:`org_dict`) as indented JSON (``OrgResult``'s bytes but
    for the ranking fields)."""
    return _ORG.dump_json(org, indent=2)


def findings_json(findings: list[_Finding]) -> bytes:
    """A list of findings' dicts (:func:`finding_dict`) as an indented JSON list."""
    return _FINDINGS.dump_json(findings, indent=2)


def _opt(value: float | None) -> float | None:
    return None if value is None else round2(value)


def ranks_json(rank: RankInfo) -> bytes:
    """An organization's ranking fields as an indented JSON object, as ``OrgResult`` writes
    them."""
    block: _Ranks = {
        "rank": rank.rank,
        "group_size": rank.group_size,
        "previous_rank": rank.previous_rank,
        "rank_change": rank.rank_change,
        "movement": rank.movement,
        "previous_total": _opt(rank.previous_total),
        "total_change": _opt(rank.total_change),
    }
    return _RANKS.dump_json(block, indent=2)


_CRITERION = TypeAdapter(_Criterion)
_CRITERION_KEYS = tuple(CriterionResult.model_fields)


def criterion_dict(c: Mapping[str, Any]) -> _Criterion:
    """A ``CriterionResult``'s fields, in order, scores rounded."""
    out: _Criterion = {
        "id": c["id"],
        "status": c["status"],
        "earned": round2(c["earned"]),
        "max": round2(c["max"]),
        "actual": c.get("actual"),
        "expected": c.get("expected"),
        "compliance": _opt(c.get("compliance")),
        "misses": c.get("misses"),
        "note": c.get("note"),
    }
    note_zh = c.get("note_zh")
    if note_zh is not None:
        out["note_zh"] = note_zh
    return out


#: the types of ``actual`` / ``expected`` whose equal values are always written alike
#: (not float: ``0.0 == -0.0``; not bool: ``True == 1``; not containers: ``(1,) == (1.0,)``)
_PLAIN = frozenset({type(None), int, str, NoteText})
_COUNT = frozenset({type(None), int})
_ACTUAL, _EXPECTED, _MISSES = (_CRITERION_KEYS.index(k) for k in ("actual", "expected", "misses"))


class CriteriaJSON:
    """Criterion records written as the ``criteria`` list of an organization of the document,
    each distinct record written once.

    Most organizations share most of their criterion records (the same not-applicable note, the
    same full pass of the same count), so each distinct record's JSON is kept (up to ``limit``
    records, then started afresh) and found again by the record's values. A record is looked up
    only when equal values mean equal bytes: its keys in ``CriterionResult``'s order (the
    engine's), ``actual`` and ``expected`` of the types in ``_PLAIN`` and ``misses`` an ``int``
    or ``None`` (the scores are rounded, where ``1 == 1.0 == True`` and ``0.0 == -0.0`` give the
    same bytes). Any other record is written each time. A record the engine shares
    (:class:`~pbrules.engine.records.CriterionRecord`) keeps its text itself, which spares the
    look-up."""

    def __init__(self, indent: int, limit: int = 4096) -> None:
        self._indent = indent
        self._shift = b"\n" + b" " * (indent + 2)  # a record's lines, one level inside the list
        self._sep = b"," + self._shift
        self._end = b"\n" + b" " * indent + b"]"
        self._limit = limit
        self._known: dict[tuple[Any, ...], bytes] = {}

    def _written(self, c: Mapping[str, Any]) -> bytes:
        return _CRITERION.dump_json(criterion_dict(c), indent=2).replace(b"\n", self._shift)

    def _record(self, c: Mapping[str, Any]) -> bytes:
        if type(c) is CriterionRecord:  # a shared record (engine/records.py) keeps its text
            text = c.texts.get(self._indent)
            if text is None:
                text = c.texts[self._indent] = self._written(c)
            return text
        if tuple(c) != _CRITERION_KEYS:
            return self._written(c)
        key = tuple(c.values())
        if (
            type(key[_ACTUAL]) not in _PLAIN
            or type(key[_EXPECTED]) not in _PLAIN
            or type(key[_MISSES]) not in _COUNT
        ):
            return self._written(c)
        text = self._known.get(key)
        if text is None:
            if len(self._known) >= self._limit:
                self._known.clear()
            text = self._known[key] = self._written(c)
        return text

    def __call__(self, criteria: Sequence[Mapping[str, Any]]) -> bytes:
        """The list ``[...]``, indented as the document's (its closing bracket at ``indent``
        spaces)."""
        if not criteria:
            return b"[]"
        indent = self._indent
        texts = [  # a shared record's kept text is taken without a call (most records)
            (c.texts.get(indent) if type(c) is CriterionRecord else None) or self._record(c)
            for c in criteria
        ]
        items = self._sep.join(texts)
        return b"".join((b"[", self._shift, items, self._end))


def org_dict(result: Mapping[str, Any]) -> _Org:
    """An ``OrgResult``'s fields, in order, scores rounded, but for the ranking fields (``rank``
    to ``total_change``, which would come between ``areas`` and ``vetoed``) and with an empty
    ``criteria`` list (:class:`CriteriaJSON` writes it)."""
    out: _Org = {
        "org_id": result["org_id"],
        "name": result["name"],
        "kind": result["kind"],
        "parent_id": result["parent_id"],
        "group": result["group"],
        "total": _opt(result["total"]),
        "base_total": _opt(result["base_total"]),
        "bonus": round2(result["bonus"]),
        "grade": result["grade"],
        "complete": result["complete"],
        "areas": {area: round2(score) for area, score in result["areas"].items()},
        "vetoed": result.get("vetoed", False),
        "category": result.get("category"),
        "criteria": [],  # written apart (:class:`CriteriaJSON`)
    }
    tier_scores = result.get("tier_scores")
    if tier_scores is not None:  # tier and tier_scores are left out together
        out["tier"] = result.get("tier")
        out["tier_scores"] = {tier: _opt(score) for tier, score in tier_scores.items()}
    reason = result.get("unscored_reason")
    if reason is not None:
        out["unscored_reason"] = reason
    return out


def _rectify(r: Mapping[str, Any]) -> _Rectify:
    out: _Rectify = {"responsible": r["responsible"], "due": r["due"], "action": r["action"]}
    action_zh, responsible_zh = r.get("action_zh"), r.get("responsible_zh")
    if action_zh is not None:  # each left out while null
        out["action_zh"] = action_zh
    if responsible_zh is not None:
        out["responsible_zh"] = responsible_zh
    return out


def _stood_for(s: Mapping[str, Any]) -> _StoodFor:
    return {
        "type": s["type"],
        "id": s["id"],
        "message": s["message"],
        "message_zh": s.get("message_zh"),
        "evidence": s.get("evidence", []),
    }


def _waiver(w: Mapping[str, Any] | None) -> _Waiver | None:
    if w is None:
        return None
    return {"reason": w["reason"], "owner": w["owner"], "until": w["until"]}


def finding_dict(f: Mapping[str, Any]) -> _Finding:
    """A ``Finding``'s fields, in order, ``points_lost`` rounded, the period as its text."""
    subject = f.get("subject")
    out: _Finding = {
        "fingerprint": f["fingerprint"],
        "criterion": f["criterion"],
        "pack": f["pack"],
        "org_id": f["org_id"],
        "org_name": f["org_name"],
        "period": str(f["period"]),
        "area": f["area"],
        "severity": f["severity"],
        "status": f["status"],
        "message": f["message"],
        "subject": None if subject is None else {"type": subject["type"], "id": subject["id"]},
        "evidence": f.get("evidence", []),
        "points_lost": round2(f.get("points_lost", 0.0)),
        "rectification": _rectify(f["rectification"]),
        "basis": f.get("basis"),
        "title": f.get("title"),
        "waiver": _waiver(f.get("waiver")),
    }
    message_zh = f.get("message_zh")
    if message_zh is not None:
        out["message_zh"] = message_zh
    subjects: Sequence[Mapping[str, Any]] | None = f.get("subjects")
    if subjects is not None:
        out["subjects"] = [_stood_for(s) for s in subjects]
    return out
