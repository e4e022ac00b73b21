"""Member development (发展党员): intervals between pipeline dates, training, a live pipeline.

Dates after ``as_of`` have not happened yet (except that an ``exempt_if`` date such as
``extended_until`` on or after ``as_of`` is a running extension that exempts the case).
Cancelled cases (``cancelled_on`` on or before ``as_of``) are left out of intervals and training.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date
from typing import Literal, get_args

from pydantic import Field, model_validator

from pbrules.builtin.checkers._common import add_interval, subject
from pbrules.checker import CheckContext, Checker, Note, NoteText, Params, term
from pbrules.model.outcome import Outcome, Severity, SubjectItem
from pbrules.model.period import add_months
from pbrules.model.snapshot import DevelopmentCase, Snapshot, TrainingKind

__all__ = ["CHECKERS", "DevelopmentInterval", "DevelopmentPipeline", "DevelopmentTraining"]

NO_CASE = Note("development.no_case", "no development case to judge", "无需评判的发展党员案例")
NO_START = Note(
    "development.no_start",
    "{case} has {to} {end} but no {start}",
    "{case}有{to}日期{end}，但无{start}日期",
)
TOO_EARLY = Note(
    "development.too_early",
    "{case}: {to} {end} is before {lo} ({start} {start_on} + minimum)",
    "{case}：{to}日期{end}早于{lo}（{start}日期{start_on}加规定最短期限）",
)
LATE_PENDING = Note(
    "development.late_pending",
    "{case}: no {to} by {end}, later than {hi} ({basis})",
    "{case}：截至{end}未{to}，已超过{hi}（{basis}）",
)
LATE_DONE = Note(
    "development.late_done",
    "{case}: {to} {end}, later than {hi} ({basis})",
    "{case}：{to}日期{end}，晚于{hi}（{basis}）",
)
BASIS_MAX = Note("development.basis_max", "{start} {on} + maximum", "{start}日期{on}加规定最长期限")
BASIS_GRACE = Note(
    "development.basis_grace", "{exempt} {on} + {months} months", "{exempt}{on}后{months}个月"
)
NO_TRAINING = Note("development.no_training", "{case}: no training recorded", "{case}：无培训记录")
SHORT_TRAINING = Note(
    "development.short_training",
    "{case}: {hours:g} training hours (< {min:g})",
    "{case}：培训{hours:g}学时（少于{min:g}学时）",
)
NONE_SINCE = Note("development.none_since", "no {step} since {since}", "{since}以来无{step}")

DevDate = Literal[
    "applied_on",
    "talked_on",
    "activist_on",
    "dev_object_on",
    "accepted_on",
    "approved_on",
    "oath_on",
    "converted_on",
    "extended_until",
    "cancelled_on",
]


def _date(case: DevelopmentCase, name: str, as_of: date) -> date | None:
    """The case's date ``name`` if it has happened by ``as_of``."""
    d: date | None = getattr(case, name)
    return d if d is not None and d <= as_of else None


#: The pipeline steps, in order: every DevDate but the extension and cancellation dates.
_PIPELINE = tuple(d for d in get_args(DevDate) if d not in ("extended_until", "cancelled_on"))


def _latest(case: DevelopmentCase, as_of: date) -> date | None:
    """The case's most recent pipeline date by ``as_of``."""
    values = case.__dict__  # _date of every step, inlined (it runs for every case)
    found = [d for name in _PIPELINE if (d := values[name]) is not None and d <= as_of]
    return max(found) if found else None


_NO_DATES: list[date] = []


def _in_window(d: date, ctx: CheckContext, lookback_months: int | None) -> bool:
    if lookback_months is None:
        return ctx.period.start <= d <= ctx.as_of
    return _lookback_start(ctx.as_of, lookback_months) < d <= ctx.as_of


@functools.lru_cache(maxsize=64)
def _lookback_start(as_of: date, months: int) -> date:
    """``as_of`` minus ``months`` (the same for every case of an evaluation)."""
    return add_months(as_of, -months)


class IntervalParams(Params):
    from_field: DevDate = Field(description="The pipeline date the interval starts at.")
    to_field: DevDate = Field(description="The pipeline date the interval ends at.")
    min_days: int | None = Field(default=None, ge=0, description="Shortest interval in days.")
    min_months: int | None = Field(
        default=None, ge=0, description="Shortest interval in calendar months (12 = one year)."
    )
    max_days: int | None = Field(default=None, ge=0, description="Longest interval in days.")
    max_months: int | None = Field(
        default=None, ge=0, description="Longest interval in calendar months."
    )
    window_on: Literal["from", "to", "latest"] = Field(
        default="to",
        description="Which date places a case in the window: `from`, `to`, or `latest` (the "
        "case's most recent pipeline date, so a case still moving through the pipeline is "
        "judged).",
    )
    lookback_months: int | None = Field(
        default=None,
        ge=1,
        description="Window: the months up to as_of; null: the period (up to as_of).",
    )
    missing_from: Literal["ignore", "miss"] = Field(
        default="ignore",
        description="A case with the `to` date but no `from` date: ignore it, or count a miss.",
    )
    exempt_if: list[DevDate] = Field(
        default_factory=list,
        description="Dates that suspend the limit, e.g. extended_until: a case is exempt while "
        "any of them is on or after as_of; once all have passed, the `to` date is due within "
        "`exempt_grace_months` after the latest.",
    )
    exempt_grace_months: int = Field(
        default=3,
        ge=0,
        description="Months after the latest `exempt_if` date by which the `to` date is due once "
        "the exemption has ended (3: conversion approved within three months after an extended "
        "probation). Never earlier than `from` + maximum.",
    )
    escalate_after_days: int | None = Field(
        default=None, ge=0, description="Past this many days a late case gets escalate_severity."
    )
    escalate_after_months: int | None = Field(
        default=None, ge=0, description="Past this many months a late case escalates."
    )
    escalate_severity: Severity = Field(
        default=Severity.MAJOR, description="Severity of an escalated per-case finding."
    )

    @model_validator(mode="after")
    def _bounds(self) -> IntervalParams:
        if self.min_days is not None and self.min_months is not None:
            raise ValueError("give min_days or min_months, not both")
        if self.max_days is not None and self.max_months is not None:
            raise ValueError("give max_days or max_months, not both")
        if self.escalate_after_days is not None and self.escalate_after_months is not None:
            raise ValueError("give escalate_after_days or escalate_after_months, not both")
        if None is self.min_days is self.min_months and None is self.max_days is self.max_months:
            raise ValueError("give a bound: min_days, min_months, max_days or max_months")
        if self.from_field == self.to_field:
            raise ValueError("from_field and to_field must differ")
        return self

    @property
    def has_min(self) -> bool:
        return self.min_days is not None or self.min_months is not None

    @property
    def has_max(self) -> bool:
        return self.max_days is not None or self.max_months is not None


def _without_start(
    params: IntervalParams,
    ctx: CheckContext,
    pid: str,
    end: date | None,
    latest: date | None,
) -> tuple[bool, SubjectItem | None]:
    """A case with a ``to`` date but no ``from`` date: a finding when ``missing_from: miss``."""
    anchor = latest if params.window_on == "latest" else end
    if (
        end is None
        or anchor is None
        or params.missing_from != "miss"
        or not _in_window(anchor, ctx, params.lookback_months)
    ):
        return False, None
    return True, SubjectItem(
        subject=subject("development_case", pid),
        message=NO_START(
            case=pid, to=term(params.to_field), end=end, start=term(params.from_field)
        ),
        evidence=(pid,),
    )


def _bounds(
    params: IntervalParams, start: date, resumed: date | None
) -> tuple[date | None, date | None, Callable[[], NoteText]]:
    """The earliest and latest allowed ``to`` dates, and what the latest is counted from."""
    lo = (
        add_interval(start, days=params.min_days, months=params.min_months)
        if params.has_min
        else None
    )
    hi = (
        add_interval(start, days=params.max_days, months=params.max_months)
        if params.has_max
        else None
    )
    basis = functools.partial(_basis_max, params.from_field, start)  # rendered when late
    if hi is not None and resumed is not None:
        after = add_months(resumed, params.exempt_grace_months)
        if after > hi:
            hi = after
            exempt = params.exempt_if[0] if len(params.exempt_if) == 1 else "exemption"
            basis = functools.partial(_basis_grace, exempt, resumed, params.exempt_grace_months)
    return lo, hi, basis


def _basis_max(field: str, on: date) -> NoteText:
    return BASIS_MAX(start=term(field), on=on)


def _basis_grace(exempt: str, on: date, months: int) -> NoteText:
    return BASIS_GRACE(exempt=term(exempt), on=on, months=months)


class DevelopmentInterval(Checker[IntervalParams]):
    """The time between two pipeline dates of each case is within ``min`` / ``max``.

    Bounds are in days or calendar months (months are added with month-end clamping, so one year
    after 2024-02-29 is 2025-02-28): the ``to`` date must be on or after ``from + min`` and on or
    before ``from + max``. A completed case is judged when its ``window_on`` date (``from``,
    ``to``, or ``latest``: the case's most recent pipeline date, so cases still moving through
    the pipeline are reviewed) is in the window (the period, or ``lookback_months`` up to
    ``as_of``). A case whose ``to`` date has not happened is *not yet due* while
    ``as_of <= from + max`` (and never judged on a ``min`` bound alone); after that it is late and
    judged whatever the window, unless ``window_on: from`` puts its ``from`` date outside. A case
    with an ``exempt_if`` date (an extended probation's ``extended_until``) on or after ``as_of``
    is exempt; once every such date has passed, the maximum runs from the latest of them: the
    ``to`` date is due by that date + ``exempt_grace_months`` (or by ``from + max`` if later).
    Each late or early case is a per-case finding (subject ``development_case``); past
    ``escalate_after_*`` it takes ``escalate_severity``. Compliance is the share of judged cases
    within bounds. Not applicable when no case is judged.

    Monotone: adding a case whose dates are within the bounds never lowers compliance and never
    adds a finding.

    Example::

        check: development.interval
        params: {from_field: activist_on, to_field: dev_object_on, min_months: 12,
                 missing_from: miss, window_on: latest, lookback_months: 12}
    """

    name = "development.interval"
    Params = IntervalParams
    notes = (NO_CASE, NO_START, TOO_EARLY, LATE_PENDING, LATE_DONE, BASIS_MAX, BASIS_GRACE)

    def check(self, snapshot: Snapshot, params: IntervalParams, ctx: CheckContext) -> Outcome:
        judged = 0
        items: list[SubjectItem] = []
        for case in ctx.index.development_cases:
            is_judged, item = self._judge(case, params, ctx)
            judged += is_judged
            if item is not None:
                items.append(item)
        if judged == 0:
            return Outcome.not_applicable(NO_CASE())
        return Outcome.ratio(
            judged - len(items),
            judged,
            evidence=tuple(it.subject.id for it in items),
            items=tuple(items),
        )

    def _judge(
        self, case: DevelopmentCase, params: IntervalParams, ctx: CheckContext
    ) -> tuple[bool, SubjectItem | None]:
        """Whether the case is judged, and its finding when it is out of bounds."""
        as_of = ctx.as_of
        exempt = (
            [d for f in params.exempt_if if (d := getattr(case, f)) is not None]
            if params.exempt_if
            else _NO_DATES  # most criteria have no exempt_if: nothing to look up per case
        )
        if any(d >= as_of for d in exempt):
            return False, None  # e.g. probation extended until as_of or later
        start = _date(case, params.from_field, as_of)
        end = _date(case, params.to_field, as_of)
        pid = case.person_id
        if start is None:
            return _without_start(params, ctx, pid, end, _latest(case, as_of))
        resumed = max(exempt) if exempt else None
        if end is None:
            _lo, hi, basis = _bounds(params, start, resumed)
            if hi is None or as_of <= hi:
                return False, None  # not yet due
            if params.window_on == "from" and not _in_window(start, ctx, params.lookback_months):
                return False, None
            return True, self._late(params, pid, start, as_of, hi, basis, pending=True)
        if params.window_on == "from":
            anchor = start
        elif params.window_on == "to":
            anchor = end
        else:
            anchor = _latest(case, as_of) or end
        if not _in_window(anchor, ctx, params.lookback_months):
            return False, None
        lo, hi, basis = _bounds(params, start, resumed)  # only for a case judged
        if lo is not None and end < lo:
            return True, SubjectItem(
                subject=subject("development_case", pid),
                message=TOO_EARLY(
                    case=pid,
                    to=term(params.to_field),
                    end=end,
                    lo=lo,
                    start=term(params.from_field),
                    start_on=start,
                ),
                evidence=(pid,),
            )
        if hi is not None and end > hi:
            return True, self._late(params, pid, start, end, hi, basis, pending=False)
        return True, None

    @staticmethod
    def _late(
        params: IntervalParams,
        pid: str,
        start: date,
        end: date,
        hi: date,
        basis: Callable[[], NoteText],
        *,
        pending: bool,
    ) -> SubjectItem:
        severity = None
        if params.escalate_after_days is not None or params.escalate_after_months is not None:
            limit = add_interval(
                start, days=params.escalate_after_days, months=params.escalate_after_months
            )
            if end > limit:
                severity = params.escalate_severity
        late = LATE_PENDING if pending else LATE_DONE
        return SubjectItem(
            subject=subject("development_case", pid),
            message=late(case=pid, to=term(params.to_field), end=end, hi=hi, basis=basis()),
            evidence=(pid,),
            severity=severity,
        )


class TrainingParams(Params):
    min_hours: float = Field(default=24, ge=0, description="Training hours required.")
    required_fields: list[DevDate] = Field(
        default_factory=lambda: list[DevDate](["dev_object_on", "accepted_on"]),
        description="Cases with all these dates (by as_of) must be trained.",
    )
    window_field: DevDate = Field(
        default="accepted_on", description="The date that places a case in the window."
    )
    lookback_months: int | None = Field(
        default=12, ge=1, description="Window: the months up to as_of; null: the period."
    )
    training_kinds: list[TrainingKind] = Field(
        default_factory=lambda: [TrainingKind.DEV_OBJECT],
        description="Training records of the person (by kind) that count towards the hours.",
    )

    @functools.cached_property
    def kinds(self) -> frozenset[TrainingKind]:
        """``training_kinds`` as a set, made once per criterion."""
        return frozenset(self.training_kinds)


class DevelopmentTraining(Checker[TrainingParams]):
    """Development objects were trained for at least ``min_hours`` before acceptance.

    Cases with every date of ``required_fields`` whose ``window_field`` date is in the window are
    judged. A case's hours are the larger of its ``training_hours`` and the hours of the person's
    training records of ``training_kinds``; a case with neither is short ("no training
    recorded"). Each short case is a per-case finding. Compliance is the share trained enough.
    Not applicable when no case is judged.

    Monotone: adding training hours (on the case or as a training record) never lowers
    compliance.

    Example::

        check: development.training
        params: {min_hours: 24, lookback_months: 12}
    """

    name = "development.training"
    Params = TrainingParams
    notes = (NO_CASE, NO_TRAINING, SHORT_TRAINING)

    def check(self, snapshot: Snapshot, params: TrainingParams, ctx: CheckContext) -> Outcome:
        kinds = params.kinds
        judged = 0
        items: list[SubjectItem] = []
        for case in ctx.index.development_cases:
            if any(_date(case, f, ctx.as_of) is None for f in params.required_fields):
                continue
            anchor = _date(case, params.window_field, ctx.as_of)
            if anchor is None or not _in_window(anchor, ctx, params.lookback_months):
                continue
            judged += 1
            records = [
                t
                for t in ctx.index.trainings_by_person.get(case.person_id, [])
                if t.kind in kinds and t.hours is not None
            ]
            record_hours = sum(t.hours or 0.0 for t in records)
            if case.training_hours is None and not records:
                detail = NO_TRAINING(case=case.person_id)
            else:
                hours = max(case.training_hours or 0.0, record_hours)
                if hours >= params.min_hours:
                    continue
                detail = SHORT_TRAINING(case=case.person_id, hours=hours, min=params.min_hours)
            items.append(
                SubjectItem(
                    subject=subject("development_case", case.person_id),
                    message=detail,
                    evidence=(case.person_id,),
                )
            )
        if judged == 0:
            return Outcome.not_applicable(NO_CASE())
        return Outcome.ratio(
            judged - len(items),
            judged,
            evidence=tuple(it.subject.id for it in items),
            items=tuple(items),
        )


class PipelineParams(Params):
    field: DevDate = Field(default="dev_object_on", description="The pipeline date counted.")
    months: int = Field(default=24, ge=1, description="Look back this many months from as_of.")
    min: int = Field(default=1, ge=1, description="Cases required in the window.")


class DevelopmentPipeline(Checker[PipelineParams]):
    """At least ``min`` cases reached ``field`` in the last ``months`` months (a live pipeline).

    Counts cases (cancelled ones too: the step was taken) whose ``field`` date is after
    ``as_of - months`` and not after ``as_of``. Compliance is ``count / min`` capped at 1; the
    misses are the cases short of ``min``. Evidence: the cases counted.

    Monotone: adding a case with ``field`` in the window never lowers compliance.

    Example::

        check: development.pipeline
        params: {field: dev_object_on, months: 24, min: 1}
    """

    name = "development.pipeline"
    Params = PipelineParams
    notes = (NONE_SINCE,)

    def check(self, snapshot: Snapshot, params: PipelineParams, ctx: CheckContext) -> Outcome:
        since = _lookback_start(ctx.as_of, params.months)
        found = sorted(
            c.person_id
            for c in snapshot.development
            if (d := getattr(c, params.field)) is not None and since < d <= ctx.as_of
        )
        short = len(found) < params.min  # the note is worded only for a failure
        return Outcome.at_least(
            tuple(found),
            params.min,
            short_note=NONE_SINCE(step=term(params.field), since=since) if short else "",
        )


CHECKERS = (DevelopmentInterval(), DevelopmentTraining(), DevelopmentPipeline())
