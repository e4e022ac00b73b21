"""Evaluate pattern criteria on many organizations with either backend, and build outcomes.

Both backends return, per organization and criterion, the set of matches (one record position
per positive element); :func:`outcome_of` turns matches into the same outcome whichever backend
found them: one subject item per distinct subject, sorted. An organization the Python backend
matched because its durable-rules workers died carries a note that says so
(:data:`PYTHON_FALLBACK`), and the run logs one warning (:class:`Fallbacks`).
"""

from __future__ import annotations

import importlib.util
import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date
from typing import Literal

from pbrules.model.note import Note, NoteText, join_notes, term
from pbrules.model.outcome import Outcome, Status, Subject, SubjectItem
from pbrules.model.period import Period
from pbrules.model.snapshot import Snapshot
from pbrules.patterns.facts import OrgFacts, org_facts, plan_fields
from pbrules.patterns.plan import MAX_MATCHES, Plan
from pbrules.patterns.python_backend import Match, match_plan
from pbrules.patterns.workers import ChunkFailure, FallbackAnswer, WorkerOptions, run_chunks

__all__ = [
    "BACKENDS",
    "Backend",
    "Fallbacks",
    "durable_available",
    "evaluate_facts",
    "evaluate_patterns",
    "outcome_of",
]

Backend = Literal["python", "durable"]
BACKENDS: tuple[Backend, ...] = ("python", "durable")
Entry = tuple[Snapshot, Period, date]


def durable_available() -> bool:
    """Whether durable-rules is installed (``pip install 'pbrules[durable]'``)."""
    return importlib.util.find_spec("durable") is not None


def _join(ids: Sequence[str], limit: int = 8) -> str:
    shown = ", ".join(ids[:limit])
    return shown + (f" and {len(ids) - limit} more" if len(ids) > limit else "")


def _join_both(ids: Sequence[str], limit: int = 8) -> NoteText:
    """:func:`_join` in English, with ``、`` and ``等N个`` in Chinese."""
    shown = "、".join(ids[:limit])
    return NoteText(_join(ids, limit), shown + (f"等{len(ids)}个" if len(ids) > limit else ""))


def _item_message(subject: str, others: Sequence[str]) -> str:
    """The subject and the other records it matched with, in English and Chinese."""
    if not others:
        return subject
    return NoteText(f"{subject} ({_join(others)})", f"{subject}（{_join_both(others).zh}）")


_PASS = Outcome(Status.PASS, actual=0, expected=0)

#: the pattern checker's notes (``pattern`` lists them)
NO_RECORDS = Note("pattern.no_records", "no {of} records", "无{of}记录")
MATCHED = Note(
    "pattern.matched",
    "{count} {subject}(s): {subjects}",
    "{subject}{count}个：{subjects}",
)
TOO_MANY = Note(
    "pattern.too_many",
    "the pattern matches more than {limit:,} record combinations in this organization: "
    "narrow it with joins or conditions",
    "该模式在本组织匹配的记录组合超过{limit:,}个：请用关联或条件缩小范围",
)
BACKEND_FAILED = Note(
    "pattern.backend_failed",
    "pattern backend durable: {reason}",
    "持久化模式匹配后端出错：{reason}",
)
PYTHON_FALLBACK = Note(
    "pattern.python_fallback",
    "matched by the Python backend: the durable-rules worker died (exit code {code}){times}",
    "由默认模式匹配后端匹配：持久化规则引擎的工作进程意外终止（退出码{code}）{times}",
)
PATTERN_NOTES = (NO_RECORDS, MATCHED, TOO_MANY, BACKEND_FAILED, PYTHON_FALLBACK)
_NONE: dict[str, Outcome] = {}


def _none_of(of: str) -> Outcome:
    """The shared ``not_applicable`` outcome of an empty first list (outcomes are frozen)."""
    found = _NONE.get(of)
    if found is None:
        found = _NONE[of] = Outcome.not_applicable(NO_RECORDS(of=term(of)))
    return found


def outcome_of(plan: Plan, facts: OrgFacts, matches: set[Match]) -> Outcome:
    """The outcome of one pattern on one organization from its matches.

    Not applicable when the first element's list is empty; a pass without matches; else a
    fail with one item (and one miss) per distinct subject, its evidence the matched records.
    """
    first = plan.elements[0]
    if not facts.lists.get(first.of):
        return _none_of(first.of)
    if not matches:
        return _PASS
    if len(matches) > MAX_MATCHES:
        return Outcome.error(TOO_MANY(limit=MAX_MATCHES))
    positives = [e for e in plan.elements if not e.negated]
    at = next(i for i, e in enumerate(positives) if e.index == plan.subject_element)
    subject_list = plan.elements[plan.subject_element].of
    evidence: dict[str, set[str]] = {}
    for match in matches:
        value = facts.lists[subject_list][match[at]].get(plan.subject_field)
        subject = "(unknown)" if value is None else str(value)
        labels = evidence.setdefault(subject, set())
        for e, pos in zip(positives, match, strict=True):
            labels.add(facts.labels[e.of][pos])
    subjects = sorted(evidence)
    items = tuple(
        SubjectItem(
            subject=Subject(plan.subject_type, s),
            message=_item_message(s, sorted(evidence[s] - {s})),
            evidence=tuple(sorted(evidence[s])),
        )
        for s in subjects
    )
    return Outcome(
        Status.FAIL,
        compliance=0.0,
        misses=len(subjects),
        actual=len(subjects),
        expected=0,
        evidence=tuple(subjects),
        items=items,
        note=MATCHED(
            count=len(subjects), subject=term(plan.subject_type), subjects=_join_both(subjects)
        ),
    )


log = logging.getLogger("pbrules.patterns")


class Fallbacks:
    """Counts the organizations the Python backend matched because their durable-rules
    workers died, and logs one warning (on ``pbrules.patterns``, stderr by default) at the
    first: the engine keeps one for its runs, so a run warns once, not per organization."""

    def __init__(self) -> None:
        self.organizations = 0

    def add(self, organizations: int, died: str) -> None:
        if organizations and not self.organizations:
            log.warning(
                "pattern backend durable: %s; the pattern criteria of %d organization(s) are "
                "matched by the Python backend instead, as are those of any other chunk whose "
                "durable-rules workers die (each outcome's note says so)",
                died,
                organizations,
            )
        self.organizations += organizations


def _noted(outcome: Outcome, note: NoteText) -> Outcome:
    """``outcome`` with ``note`` after its own note."""
    return replace(outcome, note=join_notes([outcome.note, note]) if outcome.note else note)


def _fallback_outcomes(
    plans: Sequence[tuple[str, Plan]], facts: OrgFacts, answer: FallbackAnswer
) -> dict[str, Outcome]:
    """The outcomes the Python backend's matches give, each noting why it matched them."""
    result = answer.result
    if isinstance(result, str):
        failed = Outcome.error(BACKEND_FAILED(reason=f"{answer.died}; then {result}"))
        return {key: failed for key, _ in plans}
    times = answer.times
    note = PYTHON_FALLBACK(
        code=answer.code,
        times=NoteText(f", {times} times", f"，共{times}次") if times > 1 else NoteText("", ""),
    )
    return {
        key: _noted(outcome_of(plan, facts, set(map(tuple, result[key]))), note)
        for key, plan in plans
    }


def evaluate_facts(
    plans: Sequence[tuple[str, Plan]],
    facts: Sequence[OrgFacts],
    backend: Backend = "python",
    options: WorkerOptions | None = None,
    fallbacks: Fallbacks | None = None,
) -> list[dict[str, Outcome]]:
    """Per organization, ``{plan key: outcome}``; the durable backend runs in workers, and
    ``fallbacks`` (a new one by default) counts the organizations it left to the Python
    backend."""
    if backend == "python":
        return [
            {key: outcome_of(plan, f, match_plan(plan, f)) for key, plan in plans} for f in facts
        ]
    if backend != "durable":
        raise ValueError(f"unknown pattern backend {backend!r} (python or durable)")
    orgs = [(f.key, f.ctx, f.lists) for f in facts]
    answers = run_chunks(plans, orgs, options or WorkerOptions())
    out: list[dict[str, Outcome]] = []
    fell: list[FallbackAnswer] = []
    for f, answer in zip(facts, answers, strict=True):
        if isinstance(answer, ChunkFailure | str):
            reason = answer.reason if isinstance(answer, ChunkFailure) else answer
            failed = Outcome.error(BACKEND_FAILED(reason=reason))
            out.append({key: failed for key, _ in plans})
        elif isinstance(answer, FallbackAnswer):
            if not isinstance(answer.result, str):  # matched, not an error
                fell.append(answer)
            out.append(_fallback_outcomes(plans, f, answer))
        else:
            out.append(
                {key: outcome_of(plan, f, set(map(tuple, answer[key]))) for key, plan in plans}
            )
    if fell:
        (fallbacks or Fallbacks()).add(len(fell), fell[0].died)
    return out


def evaluate_patterns(
    entries: Sequence[Entry],
    plans: Mapping[str, Plan],
    backend: Backend = "python",
    options: WorkerOptions | None = None,
    fallbacks: Fallbacks | None = None,
) -> list[dict[str, Outcome]]:
    """Evaluate keyed plans on (snapshot, period, as_of) entries with one backend (see
    :func:`evaluate_facts`)."""
    keyed = sorted(plans.items())
    lists = [of for _, p in keyed for of in p.lists]
    fields = plan_fields(p for _, p in keyed)
    facts = [org_facts(s, period, as_of, lists, fields) for s, period, as_of in entries]
    return evaluate_facts(keyed, facts, backend, options, fallbacks)
