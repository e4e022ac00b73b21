"""The per-snapshot index, built once per organization and shared by every checker.

Thirty criteria must not each rescan every record list: the index groups records by type and
month, and precomputes the current committee and the full members as of the evaluation date.
Build it with :func:`build_index`; it is read-only afterwards.

The eager part (meetings of the period, members, current committee) is one pass per list. Every
other view (dues by member and month, secretaries, trainings by person, visits by target...) is
computed on first use and cached, so a pack that never asks for dues never pays for them.

Conventions (CRITERIA.md): a *current* committee post has ``appointed_on <= as_of`` and no
``left_on`` (or ``left_on > as_of``); *full members* have status ``full`` and no
``left_on <= as_of``. Records dated after ``as_of`` are not evidence of anything yet.
"""

from __future__ import annotations

import operator
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property, lru_cache
from typing import Any

from pbrules.model.period import Month, Period, month_of
from pbrules.model.snapshot import (
    CommitteePost,
    CommitteeRole,
    DevelopmentCase,
    Disclosure,
    DuesRow,
    Meeting,
    Member,
    MemberStatus,
    Rectification,
    Snapshot,
    Training,
    Visit,
)

__all__ = ["SnapshotIndex", "build_index", "is_current_post"]


#: memo key of the snapshot's meetings in (date, id) order, sorted once by :func:`build_index`
_MEETINGS_SORTED = ("index.meetings_sorted",)
# sort keys as attrgetters (in C: no Python call per record)
_BY_DATE_AND_ID = operator.attrgetter("held_on", "id")
_MONTH = operator.attrgetter("month")
_ID = operator.attrgetter("id")
_PERSON_ID = operator.attrgetter("person_id")
_MEMBER_MONTH = operator.attrgetter("member_id", "month")
_BY_APPOINTMENT = operator.attrgetter("appointed_on", "person_id")
_BY_START = operator.attrgetter("start_on", "person_id")
_BY_VISIT = operator.attrgetter("visited_on", "id")
_BY_PUBLISHED = operator.attrgetter("published_on", "id")


def _type_key(meeting: Meeting) -> str:
    """The meeting's type value, ``""`` when unknown (``_value_``: the enum's value without the
    ``value`` property's descriptor call, once per meeting and view)."""
    kind = meeting.type
    return kind._value_ if kind is not None else ""


def is_current_post(post: CommitteePost, as_of: date) -> bool:
    """A post held on ``as_of``: appointed on or before it and not left by then."""
    return post.appointed_on <= as_of and (post.left_on is None or post.left_on > as_of)


@dataclass
class SnapshotIndex:
    """Views of one snapshot for one evaluation (period, ``as_of``)."""

    snapshot: Snapshot
    period: Period
    as_of: date
    period_months: tuple[str, ...]
    #: meetings held within the period (and by ``as_of``), by type value, in date order
    meetings_in_period: dict[str, list[Meeting]] = field(default_factory=dict)
    #: members as of ``as_of``: joined by then (``joined_on`` empty or on/before as_of) and not
    #: left (``left_on`` empty or after as_of)
    current_members: list[Member] = field(default_factory=list)
    #: the current members with status full
    full_members: list[Member] = field(default_factory=list)
    current_committee: list[CommitteePost] = field(default_factory=list)
    #: views built on first use by the checkers' helpers (e.g. the rows of a record list),
    #: keyed by a tuple starting with the helper's name; read-only once stored
    memo: dict[tuple[object, ...], Any] = field(default_factory=dict, repr=False)

    # -- period helpers -------------------------------------------------------------------
    @cached_property
    def window(self) -> tuple[date, date]:
        """The first and last day records of the period count for (the period's start; its
        end or ``as_of``)."""
        start, end = _span(self.period)
        return start, min(end, self.as_of)

    @property
    def window_end(self) -> date:
        """The last day records of the period count for: the period end or ``as_of``."""
        return self.window[1]

    def in_period(self, d: date | None) -> bool:
        """Whether ``d`` falls in the period and not after ``as_of``."""
        if d is None:
            return False
        start, last = self.window
        return start <= d <= last

    # -- meetings -------------------------------------------------------------------------
    @cached_property
    def meetings_by_type(self) -> dict[str, list[Meeting]]:
        """Every meeting held on or before ``as_of`` (any period), by type value, date order."""
        out: dict[str, list[Meeting]] = defaultdict(list)
        ordered = self.memo.get(_MEETINGS_SORTED)
        if ordered is None:
            ordered = sorted(self.snapshot.meetings, key=_BY_DATE_AND_ID)
        for m in ordered:
            if m.held_on <= self.as_of:
                out[_type_key(m)].append(m)
        return dict(out)

    @cached_property
    def meetings_by_month(self) -> dict[str, dict[str, list[Meeting]]]:
        """Meeting type -> month (YYYY-MM) -> meetings, for meetings held in the period (date
        order). Built on first use: only a pack's facts read it."""
        out: dict[str, dict[str, list[Meeting]]] = {}
        for kind, meetings in self.meetings_in_period.items():
            by_month: dict[str, list[Meeting]] = defaultdict(list)
            for m in meetings:
                by_month[_month_key(m.held_on)].append(m)
            out[kind] = dict(by_month)
        return out

    @cached_property
    def all_meetings_in_period(self) -> list[Meeting]:
        """Meetings of every type held in the period, in date order."""
        found = [m for ms in self.meetings_in_period.values() for m in ms]
        found.sort(key=_BY_DATE_AND_ID)
        return found

    # -- members and dues ---------------------------------------------------------------
    @cached_property
    def members_by_id(self) -> dict[str, Member]:
        return {m.id: m for m in self.snapshot.members}

    @cached_property
    def dues_by_member(self) -> dict[str, dict[str, DuesRow]]:
        """member id -> month (YYYY-MM) -> dues row, over every month in the snapshot."""
        out: dict[str, dict[str, DuesRow]] = defaultdict(dict)
        for row in self.snapshot.dues:
            out[row.member_id][row.month] = row
        return dict(out)

    @cached_property
    def members_sorted(self) -> list[Member]:
        """Every listed member (including those who left), ordered by id."""
        return sorted(self.snapshot.members, key=_ID)

    @cached_property
    def dues_sorted(self) -> list[DuesRow]:
        """Dues rows ordered by member and month."""
        return sorted(self.snapshot.dues, key=_MEMBER_MONTH)

    @property
    def period_month_bounds(self) -> tuple[tuple[str, date, date], ...]:
        """``(YYYY-MM, first day, last day)`` of each month of the period."""
        return _month_bounds(self.period)

    @cached_property
    def dues_lookback(self) -> tuple[tuple[str, date], ...]:
        """Months ``(YYYY-MM, first day)`` from the last month ended by ``as_of`` backwards,
        while the month is in the period or covered by the dues export (at most ten years)."""
        in_period = set(self.period_months)
        covered = self.dues_months
        out: list[tuple[str, date]] = []
        for key, start in _months_back(self.as_of):
            if key not in in_period and key not in covered:
                break
            out.append((key, start))
        return tuple(out)

    @cached_property
    def dues_months(self) -> frozenset[str]:
        """Months the dues export covers (at least one row for that month)."""
        return frozenset(map(_MONTH, self.snapshot.dues))

    # -- committee ------------------------------------------------------------------------
    @cached_property
    def posts_by_role(self) -> dict[CommitteeRole | None, list[CommitteePost]]:
        """Every post on record (current and past), by role, ordered by appointment."""
        out: dict[CommitteeRole | None, list[CommitteePost]] = defaultdict(list)
        for p in sorted(self.snapshot.committee, key=_BY_APPOINTMENT):
            out[p.role].append(p)
        return dict(out)

    @property
    def secretary_history(self) -> list[CommitteePost]:
        """Secretary posts on record, ordered by appointment."""
        return self.posts_by_role.get(CommitteeRole.SECRETARY, [])

    @cached_property
    def current_secretaries(self) -> list[CommitteePost]:
        return [p for p in self.current_committee if p.role is CommitteeRole.SECRETARY]

    @cached_property
    def committee_departures_in_period(self) -> list[CommitteePost]:
        """Posts whose holder left within the period (by ``as_of``)."""
        return [p for p in self.snapshot.committee if self.in_period(p.left_on)]

    # -- development ----------------------------------------------------------------------
    @cached_property
    def development_cases(self) -> list[DevelopmentCase]:
        """Pipeline cases not cancelled by ``as_of``, ordered by person id."""
        return sorted(
            (
                c
                for c in self.snapshot.development
                if c.cancelled_on is None or c.cancelled_on > self.as_of
            ),
            key=_PERSON_ID,
        )

    # -- trainings ------------------------------------------------------------------------
    @cached_property
    def trainings_by_person(self) -> dict[str, list[Training]]:
        """Trainings started on or before ``as_of``, by person, in date order."""
        out: dict[str, list[Training]] = defaultdict(list)
        for t in sorted(self.snapshot.trainings, key=_BY_START):
            if t.start_on <= self.as_of:
                out[t.person_id].append(t)
        return dict(out)

    # -- supervision ----------------------------------------------------------------------
    @cached_property
    def visits_in_period(self) -> list[Visit]:
        """Visits made in the period, in date order."""
        found = [v for v in self.snapshot.visits if self.in_period(v.visited_on)]
        found.sort(key=_BY_VISIT)
        return found

    @cached_property
    def visits_in_period_by_target(self) -> dict[str, list[Visit]]:
        out: dict[str, list[Visit]] = defaultdict(list)
        for v in self.visits_in_period:
            out[v.target_org_id].append(v)
        return dict(out)

    @cached_property
    def rectifications_opened(self) -> list[Rectification]:
        """Rectification items opened on or before ``as_of``, ordered by id."""
        return sorted(
            (r for r in self.snapshot.rectifications if r.opened_on <= self.as_of),
            key=_ID,
        )

    # -- disclosures ----------------------------------------------------------------------
    @cached_property
    def disclosures_sorted(self) -> list[Disclosure]:
        """Disclosures published on or before ``as_of``, in date order."""
        found = [d for d in self.snapshot.disclosures if d.published_on <= self.as_of]
        found.sort(key=_BY_PUBLISHED)
        return found


# The calendar is the same for every organization of a run: worked out once per period or date.
@lru_cache(maxsize=64)
def _month_bounds(period: Period) -> tuple[tuple[str, date, date], ...]:
    """``(YYYY-MM, first day, last day)`` of each month of ``period``."""
    first = period.first_month
    months = (first.shift(i) for i in range(period.n_months))
    return tuple((str(m), m.start, m.end) for m in months)


@lru_cache(maxsize=64)
def _period_months(period: Period) -> tuple[str, ...]:
    return period.months


@lru_cache(maxsize=64)
def _span(period: Period) -> tuple[date, date]:
    """The period's first and last day."""
    return period.start, period.end


#: ``YYYY-MM`` of a date, cached: formatting the text costs more than looking it up
_month_key = lru_cache(maxsize=4096)(month_of)


@lru_cache(maxsize=64)
def _months_back(as_of: date) -> tuple[tuple[str, date], ...]:
    """``(YYYY-MM, first day)`` of the 120 months from the last month ended by ``as_of``
    backwards: the most :attr:`SnapshotIndex.dues_lookback` looks at."""
    m = Month.of(as_of)
    if m.end > as_of:
        m = m.shift(-1)
    out: list[tuple[str, date]] = []
    for _ in range(120):
        out.append((str(m), m.start))
        m = m.shift(-1)
    return tuple(out)


def build_index(
    snapshot: Snapshot, period: Period | None = None, as_of: date | None = None
) -> SnapshotIndex:
    """Index ``snapshot`` for evaluation in ``period`` (default: its own) at ``as_of``."""
    period = period or snapshot.period
    start, end = _span(period)
    as_of = as_of or snapshot.as_of or end
    in_period: dict[str, list[Meeting]] = defaultdict(list)
    ordered = sorted(snapshot.meetings, key=_BY_DATE_AND_ID)
    last = min(end, as_of)  # held in the period and by as_of
    for m in ordered:
        if start <= m.held_on <= last:
            in_period[_type_key(m)].append(m)
    current = [
        m
        for m in snapshot.members
        if (m.joined_on is None or m.joined_on <= as_of)
        and (m.left_on is None or m.left_on > as_of)
    ]
    full = [m for m in current if m.status is MemberStatus.FULL]
    committee = [p for p in snapshot.committee if is_current_post(p, as_of)]
    return SnapshotIndex(
        snapshot=snapshot,
        period=period,
        as_of=as_of,
        period_months=_period_months(period),
        meetings_in_period=dict(in_period),
        current_members=current,
        full_members=full,
        current_committee=committee,
        memo={_MEETINGS_SORTED: ordered},
    )
