"""Findings (DESIGN §6): what failed, for whom, who rectifies it and by when.

- A failed criterion gives one finding for the organization (``subject`` null) with
  ``points_lost = max - earned``. Failed ``bonus`` criteria give none: an unearned bonus is not a
  problem to rectify.
- Every :class:`~pbrules.model.outcome.SubjectItem` of an outcome (a member in arrears, a late
  development case...) gives one more finding with that ``subject``, the item's severity when it
  has one, its evidence, and ``points_lost`` 0 (the criterion's points are counted once, on the
  organization's finding). Items are reported whatever the criterion's status.
- ``fingerprint`` = hex sha256 of ``pack id|criterion id|org id|subject type|subject id`` (empty
  strings without a subject): the same problem keeps its fingerprint from period to period.
- ``message``: the criterion's template (fields in :data:`pbrules.packs.templates.FIELDS`), or a
  default; a subject's own message is appended after a colon.
- One finding per problem (``one_per_problem``: the pack's ``one_task_per_problem``, on for a
  v2 pack): a failed criterion with subject items gives the organization-level finding alone,
  its message naming the subjects, ``subjects`` keeping what each one's finding would have
  said, its evidence every item's, its severity the worst of the criterion's and the items';
  per-subject findings come only when the criterion did not fail (a member in arrears under a
  passing threshold). Points are the same either way.
- One task per problem (:func:`one_task_per_problem`, used by the rectification list and the
  ledger): where a result holds both kinds (a v1 pack's result keeps every finding, unchanged
  byte for byte), the organization-level one stands for them all.
- ``rectification.due`` = ``as_of`` + ``within_days``; ``responsible``: a committee role
  (``secretary``...) is resolved to the current holder, ``secretary (Zhang Wei)``; anything else
  is kept as written.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, timedelta
from typing import Any

from pbrules.engine.notes import default_message_zh, values_zh
from pbrules.model.note import note_zh
from pbrules.model.outcome import Outcome, Severity, Status, SubjectItem
from pbrules.model.period import Period
from pbrules.model.result import Finding
from pbrules.model.snapshot import CommitteePost, CommitteeRole, Organization
from pbrules.packs.schema import Criterion
from pbrules.packs.templates import render_message

__all__ = [
    "ROLES",
    "committee_holders",
    "default_message",
    "finding_records",
    "fingerprint",
    "make_findings",
    "one_task_per_problem",
    "resolve_responsible",
]

#: Committee roles a criterion's ``rectify.responsible`` may name.
ROLES = frozenset(r.value for r in CommitteeRole)


def fingerprint(
    pack_id: str,
    criterion_id: str,
    org_id: str,
    subject_type: str = "",
    subject_id: str = "",
) -> str:
    """Hex sha256 of ``pack|criterion|org|subject type|subject id``."""
    key = f"{pack_id}|{criterion_id}|{org_id}|{subject_type}|{subject_id}"
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def committee_holders(posts: list[CommitteePost] | tuple[CommitteePost, ...]) -> dict[str, str]:
    """Role -> name of its current holder (the latest appointed when several hold one role).

    Posts without a name or a role are skipped. ``posts`` are the current posts.
    """
    out: dict[str, tuple[date, str, str]] = {}
    for post in posts:
        if post.role is None or not post.name:
            continue
        key = (post.appointed_on, post.person_id, post.name)
        role = post.role._value_  # _value_: without the value property's descriptor call
        if role not in out or key > out[role]:
            out[role] = key
    return {role: value[2] for role, value in out.items()}


def resolve_responsible(responsible: str | None, holders: Mapping[str, str]) -> str | None:
    """``secretary`` -> ``secretary (Zhang Wei)`` when the holder is known; names stay as is."""
    if responsible is None:
        return None
    if responsible in ROLES:
        name = holders.get(responsible)
        return f"{responsible} ({name})" if name else responsible
    return responsible


def default_message(criterion: Criterion, outcome: Outcome) -> str:
    """The message of a criterion that has no template."""
    text = f"{criterion.title}: not met"
    if outcome.actual is not None and outcome.expected is not None:
        text = f"{criterion.title}: {outcome.actual} of {outcome.expected} required"
    if outcome.note:
        text += f" ({outcome.note})"
    return text


def make_findings(**kwargs: Any) -> list[Finding]:
    """The findings of one criterion for one organization, as models (see
    :func:`finding_records` for the arguments)."""
    return [Finding.model_validate(d) for d in finding_records(**kwargs)]


def finding_records(
    *,
    pack_id: str,
    criterion: Criterion,
    org: Organization,
    period: Period,
    as_of: date,
    outcome: Outcome,
    earned: float,
    maximum: float,
    mode: str,
    holders: Mapping[str, str],
    one_per_problem: bool = False,
    zh: bool = False,
) -> list[dict[str, Any]]:
    """The findings of one criterion for one organization, organization-level first, as the
    plain dicts a :class:`~pbrules.model.result.Finding` validates from (the engine validates a
    whole result at once, which is much cheaper than one model at a time).

    With ``one_per_problem`` a failed criterion gives its organization-level finding only,
    standing for its subject items (see the module's docstring). ``zh``: a v2 pack, whose
    criteria without ``message_zh`` get a Chinese default message (engine/notes.py)."""
    failed = outcome.status is Status.FAIL and mode != "bonus"
    if not failed and not outcome.items:
        return []
    points_lost = max(0.0, maximum - earned)
    values = _template_values(criterion, org, period, as_of, outcome, maximum, points_lost)
    template = criterion.message
    base = render_message(template, values) if template else default_message(criterion, outcome)
    chinese = values_zh(values, outcome)
    base_zh = render_message(criterion.message_zh, chinese) if criterion.message_zh else None
    if base_zh is None and zh:
        base_zh = default_message_zh(criterion, outcome)
    rectify = criterion.rectify
    common: dict[str, Any] = {
        "criterion": criterion.id,
        "pack": pack_id,
        "org_id": org.id,
        "org_name": org.name,
        "period": period,
        "area": criterion.area,
        "status": outcome.status,
        "rectification": {
            "responsible": resolve_responsible(rectify.responsible, holders),
            "due": as_of + timedelta(days=rectify.within_days),
            "action": rectify.action,
            "action_zh": rectify.action_zh,
            "responsible_zh": rectify.responsible_zh,
        },
        "basis": criterion.basis,
        "title": criterion.title,
    }
    items: list[SubjectItem] = sorted(
        outcome.items, key=lambda it: (it.subject.type, it.subject.id)
    )
    records = [
        _item_record(item, common, (values, chinese), (base, base_zh), pack_id, criterion)
        for item in items
    ]
    if not failed:
        return records
    whole = {
        "fingerprint": fingerprint(pack_id, criterion.id, org.id),
        "severity": criterion.severity,
        "message": base,
        "message_zh": base_zh,
        "subject": None,
        "evidence": sorted(set(outcome.evidence)),
        "points_lost": points_lost,
        **common,
    }
    if one_per_problem and records:
        return [_standing_for(whole, records)]
    return [whole, *records]


def _standing_for(whole: dict[str, Any], records: list[dict[str, Any]]) -> dict[str, Any]:
    """The organization-level finding standing for its per-subject ones (one finding per
    problem): its message names the subjects, ``subjects`` keeps each one's type, id, message
    and evidence, its evidence is theirs too, its severity the worst of them all."""
    named = ", ".join(sorted({r["subject"]["id"] for r in records}))
    evidence = set(whole["evidence"])
    severity: Severity = whole["severity"]
    for r in records:
        evidence.update(r["evidence"])
        if r["severity"].rank > severity.rank:
            severity = r["severity"]
    zh = whole["message_zh"]
    return {
        **whole,
        "severity": severity,
        "message": f"{whole['message']} ({named})",
        "message_zh": f"{zh}（{named}）" if zh is not None else None,
        "subjects": [
            {**r["subject"], **{k: r[k] for k in ("message", "message_zh", "evidence")}}
            for r in records
        ],
        "evidence": sorted(evidence),
    }


def _template_values(
    criterion: Criterion,
    org: Organization,
    period: Period,
    as_of: date,
    outcome: Outcome,
    maximum: float,
    points_lost: float,
) -> dict[str, Any]:
    """What a criterion's ``message`` template may name (docs/pack-format.md)."""
    return {
        "org.id": org.id,
        "org.name": org.name,
        "org.kind": org.kind._value_,  # _value_: without the value property's descriptor call
        "org.category": org.category._value_ if org.category is not None else None,
        "criterion.id": criterion.id,
        "criterion.title": criterion.title,
        "period": str(period),
        "as_of": as_of.isoformat(),
        "actual": outcome.actual,
        "expected": outcome.expected,
        "misses": outcome.misses,
        "compliance": outcome.compliance,
        "note": outcome.note or None,
        "points": maximum,
        "points_lost": points_lost,
    }


def _item_record(
    item: SubjectItem,
    common: Mapping[str, Any],
    values: tuple[Mapping[str, Any], Mapping[str, Any]],
    base: tuple[str, str | None],
    pack_id: str,
    criterion: Criterion,
) -> dict[str, Any]:
    """The finding of one failing subject (a member, a meeting...): no points of its own."""
    subject = item.subject
    own = {"subject.type": subject.type, "subject.id": subject.id, "detail": item.message or None}
    item_values = {**values[0], **own}
    message = _subject_message(criterion.message, item_values, base[0], item.message, ": ")
    message_zh = None
    if base[1] is not None:  # the subject's detail in Chinese where the checker gave it
        detail_zh = note_zh(item.message) or item.message
        own_zh = {**values[1], **own, "detail": detail_zh or None}
        message_zh = _subject_message(criterion.message_zh, own_zh, base[1], detail_zh, "：")
    severity: Severity = item.severity if item.severity is not None else criterion.severity
    return {
        **common,
        "fingerprint": fingerprint(
            pack_id, criterion.id, common["org_id"], subject.type, subject.id
        ),
        "severity": severity,
        "message": message,
        "message_zh": message_zh,
        "subject": {"type": subject.type, "id": subject.id},
        "evidence": sorted(set(item.evidence)),
        "points_lost": 0.0,
        "status": Status.FAIL,
    }


def _subject_message(
    template: str | None, values: Mapping[str, Any], base: str, detail: str | None, colon: str
) -> str:
    """A subject's message: the template with the subject's fields, its detail appended unless
    the template places ``{detail}`` itself."""
    message = render_message(template, values) if template else base
    if detail and not (template and "{detail" in template):
        message = f"{message}{colon}{detail}"
    return message


def one_task_per_problem(findings: Iterable[Finding]) -> list[Finding]:
    """One rectification task per problem: where a criterion gave an organization both its
    organization-level finding and per-subject findings, the organization-level one stands for
    them all, its message naming the subjects; per-subject findings alone stay one task each."""
    findings = list(findings)
    whole = {(f.org_id, f.criterion) for f in findings if f.subject is None}
    subjects: dict[tuple[str, str], list[str]] = defaultdict(list)
    for f in findings:
        if f.subject is not None and (f.org_id, f.criterion) in whole:
            subjects[(f.org_id, f.criterion)].append(f.subject.id)
    out: list[Finding] = []
    for f in findings:
        key = (f.org_id, f.criterion)
        if f.subject is not None and key in whole:
            continue
        if f.subject is None and subjects.get(key):
            ids = sorted(subjects[key])
            update = {"message": f"{f.message} ({', '.join(ids)})"}
            if f.message_zh is not None:
                update["message_zh"] = f"{f.message_zh}（{'、'.join(ids)}）"
            f = f.model_copy(update=update)
        out.append(f)
    return out
