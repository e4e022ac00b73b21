"""Meetings: three sessions and one lesson, theme days, quorum, records, democratic appraisal."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date

from pydantic import Field

from pbrules.builtin.checkers._common import (
    WINDOW_NOTES,
    Per,
    window_frequency,
    window_spans,
)
from pbrules.checker import (
    CheckContext,
    Checker,
    Note,
    NoteText,
    Params,
    join_notes,
    listing,
    term,
)
from pbrules.model.outcome import Outcome, Status
from pbrules.model.snapshot import Appraisal, MeetingType, Snapshot

__all__ = [
    "CHECKERS",
    "DemocraticAppraisal",
    "MeetingsFrequency",
    "MeetingsQuorum",
    "MeetingsRecords",
]

NO_GROUPS = Note("meetings.no_party_groups", "no party groups", "未设党小组")
FEWER = Note("meetings.fewer", "fewer than {min} {type}", "{type}少于{min}次")
NO_SUCH = Note("meetings.none_held", "no such meeting in the period", "本期未召开此类会议")
LOW_MEAN = Note(
    "meetings.low_attendance",
    "mean attendance {mean:.0%} < {floor:.0%}",
    "平均到会率{mean:.0%}，低于{floor:.0%}",
)
NO_QUORUM = Note("meetings.no_quorum", "no quorum: {meetings}", "到会人数未达规定：{meetings}")
NOT_RECORDED = Note(
    "meetings.attendance_unknown",
    "missing data: attendance not recorded for {meetings}",
    "数据缺失：{meetings}未记录到会人数",
)
INCOMPLETE = Note(
    "meetings.incomplete",
    "incomplete records: {meetings}",
    "会议记录不完整：{meetings}",
)
NOT_HELD = Note("meetings.appraisal_not_held", "no {type} held", "未开展{type}")
NO_GRADE = Note("meetings.no_grade", "no grade for {members}", "未评定等次：{members}")
EXCELLENT = Note(
    "meetings.excellent_share", "{share:.0%} graded excellent", "评为优秀的占{share:.0%}"
)


class FrequencyParams(Params):
    type: MeetingType = Field(description="The meeting type counted.")
    per: Per = Field(
        default="month",
        description="Window the requirement repeats in: month, quarter, half, year or period.",
    )
    min: int = Field(default=1, ge=1, description="Meetings required in each window.")
    per_party_group: bool = Field(
        default=False,
        description="Count each party group separately (meetings carry the party_group_id); "
        "a miss is one group-window without enough meetings.",
    )

    @functools.cached_property
    def type_value(self) -> str:
        """``type``'s value, read once per criterion."""
        return self.type.value

    @functools.cached_property
    def fewer(self) -> Callable[[], NoteText]:
        """The words of a window that falls short, made once per criterion."""
        return functools.partial(FEWER, min=self.min, type=term(self.type.value))


class MeetingsFrequency(Checker[FrequencyParams]):
    """Meetings of one type held at least ``min`` times in every window (month, quarter...).

    One miss per required window (or party group and window) without enough meetings of
    ``type``. A window is required when it has ended by ``as_of`` and the organization existed on
    its first day; a window in progress counts only once it is satisfied. Evidence: the missed
    windows (``2026-08``, ``G1:2026-08``), or the meetings that satisfied a pass.
    Not applicable when no window is due (an organization founded during the period) or, with
    ``per_party_group``, when there are no party groups.

    Monotone: adding a meeting of ``type`` never lowers compliance and never adds a miss.

    Example::

        check: meetings.frequency
        params: {type: committee_meeting, per: month, min: 1}
    """

    name = "meetings.frequency"
    Params = FrequencyParams
    notes = (*WINDOW_NOTES, NO_GROUPS, FEWER)

    def check(self, snapshot: Snapshot, params: FrequencyParams, ctx: CheckContext) -> Outcome:
        meetings = ctx.index.meetings_by_type.get(params.type_value, [])
        units: list[tuple[str, list[tuple[str, date]]]]
        if params.per_party_group:
            groups = sorted(g.id for g in snapshot.party_groups)
            if not groups:
                return Outcome.not_applicable(NO_GROUPS())
            by_group: dict[str | None, list[tuple[str, date]]] = {g: [] for g in groups}
            for m in meetings:  # one pass over the meetings, not one per group
                found = by_group.get(m.party_group_id)
                if found is not None:
                    found.append((m.id, m.held_on))
            units = [(g, by_group[g]) for g in groups]
        else:
            units = [("", [(m.id, m.held_on) for m in meetings])]
        return window_frequency(
            units,
            params.per,
            ctx.period,
            ctx.as_of,
            snapshot.organization.founded_on,
            params.min,
            params.fewer,
        )


class QuorumParams(Params):
    types: list[MeetingType] = Field(
        default_factory=lambda: [MeetingType.GENERAL_MEETING],
        description="Meeting types whose attendance is checked.",
    )
    quorum_share: float = Field(
        default=0.5,
        ge=0,
        le=1,
        description="A meeting has quorum when attended > expected x quorum_share.",
    )
    min_mean_attendance: float | None = Field(
        default=0.8,
        ge=0,
        le=1,
        description="Required mean of attended / expected over the meetings; null: not checked.",
    )


class MeetingsQuorum(Checker[QuorumParams]):
    """Every meeting of the given types in the period had quorum, and attendance was high.

    A meeting has quorum when ``attended > expected x quorum_share`` (more than half by default).
    One miss per meeting without quorum (a meeting without ``expected`` or ``attended`` is a miss:
    its quorum cannot be shown), plus one miss when the mean ``attended / expected`` is below
    ``min_mean_attendance``. Compliance is the share of meetings with quorum, lowered to
    ``mean / min_mean_attendance`` when that is smaller. Evidence: the meetings that missed.
    Not applicable when no such meeting was held in the period.

    Monotone: adding a meeting with quorum and an attendance share of at least
    ``min_mean_attendance`` never lowers compliance and never adds a miss.

    Example::

        check: meetings.quorum
        params: {types: [general_meeting], quorum_share: 0.5, min_mean_attendance: 0.8}
    """

    name = "meetings.quorum"
    Params = QuorumParams
    notes = (NO_SUCH, LOW_MEAN, NO_QUORUM, NOT_RECORDED)

    def check(self, snapshot: Snapshot, params: QuorumParams, ctx: CheckContext) -> Outcome:
        meetings = [m for t in params.types for m in ctx.index.meetings_in_period.get(t.value, [])]
        if not meetings:
            return Outcome.not_applicable(NO_SUCH())
        meetings.sort(key=lambda m: m.id)
        missed: list[str] = []
        unknown: list[str] = []
        shares: list[float] = []
        for m in meetings:
            if m.expected is None or m.attended is None or m.expected == 0:
                unknown.append(m.id)
                missed.append(m.id)
                continue
            shares.append(m.attended / m.expected)
            if not m.attended > m.expected * params.quorum_share:
                missed.append(m.id)
        total = len(meetings)
        compliance = (total - len(missed)) / total
        misses = len(missed)
        notes: list[str] = []
        mean = sum(shares) / len(shares) if shares else None
        floor = params.min_mean_attendance
        if floor is not None and mean is not None and mean < floor:
            misses += 1
            compliance = min(compliance, mean / floor) if floor > 0 else compliance
            notes.append(LOW_MEAN(mean=mean, floor=floor))
        no_quorum = [mid for mid in missed if mid not in unknown]
        if no_quorum:
            notes.insert(0, NO_QUORUM(meetings=listing(no_quorum)))
        if unknown:
            notes.append(NOT_RECORDED(meetings=listing(unknown)))
        return Outcome(
            Status.PASS if misses == 0 else Status.FAIL,
            compliance=compliance,
            misses=misses,
            actual=total - len(missed),
            expected=total,
            evidence=tuple(missed),
            note=join_notes(notes),
        )


class RecordsParams(Params):
    types: list[MeetingType] | None = Field(
        default=None, description="Meeting types checked; null: every type."
    )
    require_minutes: bool = Field(default=True, description="The meeting must have minutes.")
    min_topics: int = Field(default=1, ge=0, description="Topics the record must list.")


class MeetingsRecords(Checker[RecordsParams]):
    """Meetings held in the period have complete records (minutes and topics).

    Compliance is the share of meetings with ``minutes: true`` (when ``require_minutes``) and at
    least ``min_topics`` topics; the target is all of them. One miss per incomplete meeting, whose
    id is in the evidence. Not applicable when no such meeting was held in the period.

    Monotone: adding a meeting with complete records never lowers compliance and never adds a
    miss.

    Example::

        check: meetings.records
        params: {require_minutes: true, min_topics: 1}
    """

    name = "meetings.records"
    Params = RecordsParams
    notes = (INCOMPLETE,)

    def check(self, snapshot: Snapshot, params: RecordsParams, ctx: CheckContext) -> Outcome:
        if params.types is None:
            meetings = ctx.index.all_meetings_in_period
        else:
            meetings = [
                m for t in params.types for m in ctx.index.meetings_in_period.get(t.value, [])
            ]
        incomplete = sorted(
            m.id
            for m in meetings
            if (params.require_minutes and m.minutes is not True)
            or len(m.topics) < params.min_topics
        )
        return Outcome.ratio(
            len(meetings) - len(incomplete),
            len(meetings),
            evidence=tuple(incomplete),
            note=INCOMPLETE(meetings=listing(incomplete)) if incomplete else "",
        )


class AppraisalParams(Params):
    meeting_type: MeetingType = Field(
        default=MeetingType.DEMOCRATIC_APPRAISAL,
        description="The meeting type that is the appraisal.",
    )
    per: Per = Field(default="year", description="Window the appraisal must be held in.")
    require_all_full_members: bool = Field(
        default=True, description="Every full member must have an appraisal grade."
    )
    max_excellent_share: float | None = Field(
        default=1 / 3,
        ge=0,
        le=1,
        description="Largest share of appraised members graded excellent; null: not checked.",
    )


class DemocraticAppraisal(Checker[AppraisalParams]):
    """Democratic appraisal of members held, every full member graded, excellent capped.

    Misses: one when no appraisal meeting is held in the window(s) of ``per`` that overlap the
    period (counted up to ``as_of``); one per full member without a grade (when
    ``require_all_full_members``); one when the share graded excellent exceeds
    ``max_excellent_share``. Compliance is 0 without the meeting, else the share of full members
    graded, scaled down by ``max_excellent_share / share`` when too many are excellent.
    Evidence: the members without a grade (or ``no-appraisal``, ``excellent-share``).

    Monotone: holding the appraisal, and grading a member anything but excellent, never lowers
    compliance.

    Example::

        check: appraisal.democratic
        applies_to: {periods: [year_end]}
        params: {per: year, max_excellent_share: 0.3333}
    """

    name = "appraisal.democratic"
    Params = AppraisalParams
    notes = (NOT_HELD, NO_GRADE, EXCELLENT)

    def check(self, snapshot: Snapshot, params: AppraisalParams, ctx: CheckContext) -> Outcome:
        meetings = ctx.index.meetings_by_type.get(params.meeting_type.value, [])
        spans = window_spans(params.per, ctx.period, ctx.as_of)
        held = sum(1 for m in meetings for _, start, last, _ in spans if start <= m.held_on <= last)
        full = ctx.index.full_members
        ungraded: list[str] = []
        graded = excellent = 0  # one pass over the full members
        for m in full:
            grade = m.appraisal
            if grade is None:
                ungraded.append(m.id)
            else:
                graded += 1
                excellent += grade is Appraisal.EXCELLENT
        ungraded.sort()
        evidence: list[str] = []
        notes: list[str] = []
        misses = 0
        if held == 0:
            misses += 1
            evidence.append("no-appraisal")
            notes.append(NOT_HELD(type=term(params.meeting_type.value)))
        compliance = 1.0
        if params.require_all_full_members and full:
            compliance = graded / len(full)
        if params.require_all_full_members and ungraded:
            misses += len(ungraded)
            evidence.extend(ungraded)
            notes.append(NO_GRADE(members=listing(ungraded)))
        if params.max_excellent_share is not None and graded:
            share = excellent / graded
            if share > params.max_excellent_share:
                misses += 1
                evidence.append("excellent-share")
                compliance *= params.max_excellent_share / share
                notes.append(EXCELLENT(share=share))
        if held == 0:
            compliance = 0.0
        return Outcome(
            Status.PASS if misses == 0 else Status.FAIL,
            compliance=max(0.0, min(1.0, compliance)),
            misses=misses,
            actual=held,
            expected=1,
            evidence=tuple(evidence),
            note=join_notes(notes),
        )


CHECKERS = (MeetingsFrequency(), MeetingsQuorum(), MeetingsRecords(), DemocraticAppraisal())
