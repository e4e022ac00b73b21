"""``feedback.problems``: problems a superior fed back (暗访, 督查 ...) and not rectified."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from pbrules.checker import CheckContext, Checker, Note, NoteText, Params
from pbrules.model.outcome import Outcome, Status, Subject, SubjectItem
from pbrules.model.snapshot import Feedback, FeedbackMode, Snapshot

__all__ = ["CHECKERS", "FeedbackParams", "FeedbackProblems", "is_open"]

NONE_FED_BACK = Note("feedback.none", "no problem fed back", "无上级反馈问题")
OPEN_SINCE = Note("feedback.open_since", "open since {found}", "{found}反馈，尚未整改")
OPEN_DUE = Note(
    "feedback.open_due", "open since {found}, due {due}", "{found}反馈，应于{due}前整改，尚未整改"
)
LATE = Note(
    "feedback.late",
    "rectified {rectified}, after its due date {due}",
    "{rectified}整改，晚于规定的{due}",
)
PROBLEM = Note("feedback.problem", "{problem}: {why}", "{problem}：{why}")
OPEN = Note(
    "feedback.open",
    "{open} of {count} problem(s) fed back not rectified",
    "上级反馈问题{count}个，未整改{open}个",
)


class FeedbackParams(Params):
    since: date | Literal["period_start"] | None = Field(
        default=None,
        description="Only problems found on or after this date (or the period's start).",
    )
    modes: list[FeedbackMode] | None = Field(
        default=None, description="Only problems found this way (unannounced...); null: any."
    )
    overdue_only: bool = Field(
        default=False,
        description="Count an open problem only once its due_on has passed (on time: not yet).",
    )
    late_counts: bool = Field(
        default=False, description="A problem rectified after its due_on also counts."
    )


def is_open(item: Feedback, as_of: date) -> bool:
    """Not rectified by ``as_of``."""
    return item.rectified_on is None or item.rectified_on > as_of


def _missed(item: Feedback, as_of: date, params: FeedbackParams) -> NoteText | None:
    """Why the problem counts as a miss, or ``None``."""
    due = item.due_on
    if is_open(item, as_of):
        if params.overdue_only and (due is None or due >= as_of):
            return None
        if due is None:
            return OPEN_SINCE(found=item.found_on)
        return OPEN_DUE(found=item.found_on, due=due)
    rectified = item.rectified_on
    if params.late_counts and due is not None and rectified is not None and rectified > due:
        return LATE(rectified=rectified, due=due)
    return None


class FeedbackProblems(Checker[FeedbackParams]):
    """One finding per problem fed back to the organization and not rectified by ``as_of``.

    Problems are the ``feedback`` records found on or before ``as_of`` (and on or after
    ``since``; ``period_start`` is the period's first day), of one of ``modes``. A problem is
    open when ``rectified_on`` is empty or after ``as_of``. With ``overdue_only`` an open problem
    counts only once its ``due_on`` is before ``as_of`` (an open problem without ``due_on``
    never counts then); with ``late_counts`` a problem rectified after its ``due_on`` counts too
    (rectified, but not on time). Each counted problem is a miss and its own finding (subject
    ``feedback``); compliance is the share of problems not counted. Not applicable when nothing
    was fed back in scope (an export without ``feedback`` is never a failure).

    Monotone: rectifying a problem on or before its due date (and ``as_of``) never lowers
    compliance and never adds a miss.

    Example::

        check: feedback.problems  # 每发现1项扣0.5分: scoring {mode: deduct, per_miss: 0.5}
        params: {since: period_start, modes: [unannounced]}
    """

    name = "feedback.problems"
    Params = FeedbackParams
    notes = (NONE_FED_BACK, OPEN, PROBLEM, OPEN_SINCE, OPEN_DUE, LATE)

    def check(self, snapshot: Snapshot, params: FeedbackParams, ctx: CheckContext) -> Outcome:
        since = ctx.period.start if params.since == "period_start" else params.since
        modes = set(params.modes) if params.modes is not None else None
        scope = [
            k
            for k in snapshot.feedback
            if k.found_on <= ctx.as_of
            and (not isinstance(since, date) or k.found_on >= since)
            and (modes is None or k.mode in modes)
        ]
        if not scope:
            return Outcome.not_applicable(NONE_FED_BACK())
        scope.sort(key=lambda k: (k.found_on, k.id))
        items: list[SubjectItem] = []
        for k in scope:
            why = _missed(k, ctx.as_of, params)
            if why is not None:
                text = PROBLEM(problem=k.problem, why=why) if k.problem else why
                items.append(SubjectItem(Subject("feedback", k.id), text, (k.id,)))
        misses = len(items)
        return Outcome(
            Status.FAIL if misses else Status.PASS,
            compliance=1.0 - misses / len(scope),
            misses=misses,
            actual=misses,
            expected=0,
            evidence=tuple(i.subject.id for i in items) or tuple(k.id for k in scope),
            items=tuple(items),
            note=OPEN(open=misses, count=len(scope)) if misses else "",
        )


CHECKERS = (FeedbackProblems(),)
