"""Training and study (教育培训): new secretaries trained, annual study hours."""

from __future__ import annotations

import operator
from datetime import date
from functools import cached_property

from pydantic import Field

from pbrules.builtin.checkers._common import subject
from pbrules.checker import CheckContext, Checker, Note, Params, listing
from pbrules.model.outcome import Outcome, Status, SubjectItem
from pbrules.model.period import add_months
from pbrules.model.snapshot import CommitteeRole, MemberStatus, Snapshot, TrainingKind

__all__ = ["CHECKERS", "NewSecretaryTraining", "StudyHours"]

NOT_DUE = Note("training.none_due", "no secretary due for training", "无应参加培训的新任书记")
UNTRAINED = Note(
    "training.untrained",
    "{person}, appointed {appointed}, has no new-secretary training",
    "{person}于{appointed}任职，未参加新任书记培训",
)
PERSON_NO_HOURS = Note(
    "training.person_no_hours", "{person}: no study hours recorded", "{person}：未记录学习时长"
)
PERSON_SHORT = Note(
    "training.person_short",
    "{person}: {hours:g} h < {needed:g} h",
    "{person}：学习{hours:g}学时，少于{needed:g}学时",
)
NOBODY = Note("training.nobody", "no members or committee", "无党员和委员")
NO_HOURS = Note(
    "training.no_hours",
    "missing data: no study hours recorded",
    "数据缺失：未记录学习时长",
)
HOURS_UNKNOWN = Note(
    "training.hours_unknown", "no study hours recorded for {people}", "未记录学习时长：{people}"
)


class NewSecretaryParams(Params):
    within_months: int = Field(
        default=6, ge=0, description="Months after appointment by which training is due."
    )
    roles: list[CommitteeRole] = Field(
        default_factory=lambda: [CommitteeRole.SECRETARY], description="Posts checked."
    )
    kinds: list[TrainingKind] = Field(
        default_factory=lambda: [TrainingKind.NEW_SECRETARY],
        description="Training kinds that count.",
    )

    @cached_property
    def role_set(self) -> frozenset[CommitteeRole]:
        """``roles`` as a set, made once per criterion."""
        return frozenset(self.roles)

    @cached_property
    def kind_set(self) -> frozenset[TrainingKind]:
        """``kinds`` as a set, made once per criterion."""
        return frozenset(self.kinds)


class NewSecretaryTraining(Checker[NewSecretaryParams]):
    """Secretaries appointed more than ``within_months`` ago have had their training.

    Every current post in ``roles`` whose ``appointed_on + within_months`` is before ``as_of``
    (month-end clamped) needs ``trained_on`` (by ``as_of``) or a training of one of ``kinds``
    started by ``as_of``. Each untrained secretary is a per-person finding. Compliance is the
    share trained. Not applicable when no such secretary is due yet.

    Monotone: adding a qualifying training (or ``trained_on``) never lowers compliance.

    Example::

        check: training.new_secretary
        params: {within_months: 6, kinds: [new_secretary]}
    """

    name = "training.new_secretary"
    Params = NewSecretaryParams
    notes = (NOT_DUE, UNTRAINED)

    def check(self, snapshot: Snapshot, params: NewSecretaryParams, ctx: CheckContext) -> Outcome:
        roles = params.role_set
        kinds = params.kind_set
        due = [
            p
            for p in ctx.index.current_committee
            if p.role in roles and add_months(p.appointed_on, params.within_months) < ctx.as_of
        ]
        if not due:
            return Outcome.not_applicable(NOT_DUE())
        items = []
        for post in sorted(due, key=lambda p: p.person_id):
            if post.trained_on is not None and post.trained_on <= ctx.as_of:
                continue
            trainings = ctx.index.trainings_by_person.get(post.person_id, [])
            if any(t.kind in kinds for t in trainings):
                continue
            items.append(
                SubjectItem(
                    subject=subject("person", post.person_id),
                    message=UNTRAINED(person=post.person_id, appointed=post.appointed_on),
                    evidence=(post.person_id,),
                )
            )
        return Outcome.ratio(
            len(due) - len(items),
            len(due),
            evidence=tuple(it.subject.id for it in items),
            items=tuple(items),
        )


#: a ``(person id, hours)`` pair's person id
_PERSON = operator.itemgetter(0)


class HoursParams(Params):
    member_hours: float = Field(default=32, ge=0, description="Yearly study hours of a member.")
    committee_hours: float = Field(
        default=56, ge=0, description="Yearly study hours of a committee member."
    )
    statuses: list[MemberStatus] = Field(
        default_factory=lambda: [MemberStatus.FULL, MemberStatus.PROBATIONARY],
        description="Member statuses counted.",
    )
    per_person_findings: bool = Field(
        default=False, description="Make each person short of hours its own finding."
    )

    @cached_property
    def status_set(self) -> frozenset[MemberStatus]:
        """``statuses`` as a set, made once per criterion."""
        return frozenset(self.statuses)


class StudyHours(Checker[HoursParams]):
    """Members studied ``member_hours`` a year; committee members ``committee_hours``.

    People: current members of ``statuses`` and current committee post holders. A person's hours
    are the member's ``study_hours`` when recorded, else the hours of their trainings started in
    the calendar year of ``as_of``. A person with neither is short (named in the note). Fails with
    "missing data" when nobody has any hours recorded. Compliance is the share of people with
    enough hours; the misses (and, with ``per_person_findings``, the findings) are the others.
    Not applicable without members or committee.

    Monotone: adding study hours or a training never lowers compliance.

    Example::

        check: training.hours
        applies_to: {periods: [year_end]}
        params: {member_hours: 32, committee_hours: 56}
    """

    name = "training.hours"
    Params = HoursParams
    notes = (NOBODY, NO_HOURS, HOURS_UNKNOWN, PERSON_NO_HOURS, PERSON_SHORT)

    def check(self, snapshot: Snapshot, params: HoursParams, ctx: CheckContext) -> Outcome:
        idx = ctx.index
        statuses = params.status_set
        needed: dict[str, float] = {
            m.id: params.member_hours for m in idx.current_members if m.status in statuses
        }
        for p in idx.current_committee:
            needed[p.person_id] = max(needed.get(p.person_id, 0.0), params.committee_hours)
        if not needed:
            return Outcome.not_applicable(NOBODY())
        year_start = date(ctx.as_of.year, 1, 1)
        members = idx.members_by_id
        unknown: list[str] = []
        short: list[tuple[str, float | None]] = []
        for pid, hours_needed in needed.items():
            member = members.get(pid)
            hours = member.study_hours if member is not None else None
            if hours is None:
                trainings = [
                    t for t in idx.trainings_by_person.get(pid, []) if t.start_on >= year_start
                ]
                if any(t.hours is not None for t in trainings):
                    hours = sum(t.hours or 0.0 for t in trainings)
            if hours is None:
                unknown.append(pid)
                short.append((pid, None))
            elif hours < hours_needed:
                short.append((pid, hours))
        # people in id order: only the few short of hours are sorted, not everybody
        unknown.sort()
        short.sort(key=_PERSON)
        if len(unknown) == len(needed):
            return Outcome(
                Status.FAIL,
                compliance=0.0,
                misses=len(needed),
                actual=0,
                expected=len(needed),
                evidence=tuple(unknown),
                note=NO_HOURS(),
            )
        items: tuple[SubjectItem, ...] = ()
        if params.per_person_findings:
            items = tuple(
                SubjectItem(
                    subject=subject("person", pid),
                    message=PERSON_NO_HOURS(person=pid)
                    if h is None
                    else PERSON_SHORT(person=pid, hours=h, needed=needed[pid]),
                    evidence=(pid,),
                )
                for pid, h in short
            )
        note = HOURS_UNKNOWN(people=listing(unknown)) if unknown else ""
        return Outcome.ratio(
            len(needed) - len(short),
            len(needed),
            evidence=tuple(pid for pid, _ in short),
            items=items,
            note=note,
        )


CHECKERS = (NewSecretaryTraining(), StudyHours())
