"""Facts: documented, named values computed from one organization's snapshot.

Conditions (``check: condition``) compare facts with values. Each fact has a dotted name
(``members.count``), a type, a description and a function of the per-snapshot index. In ``expr:``
conditions (evaluated by the rule-engine package) a fact is written with underscores instead of
dots: ``members.count`` is ``members_count``, ``meetings.count.committee_meeting`` is
``meetings_count_committee_meeting`` (see :func:`expr_symbol`).

Facts are computed lazily: :class:`FactValues` computes a fact the first time a condition reads
it. A fact whose underlying data is missing is ``None`` (unknown); conditions never guess with it.

"In the period" means held / published / visited between the period's first day and the
evaluation date (``as_of``); "current" and "full" members and "current" committee posts follow
the conventions of :mod:`pbrules.model.index`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any, Literal

from pbrules.errors import did_you_mean
from pbrules.model.snapshot import (
    CommitteeRole,
    DuesRow,
    MeetingType,
    MemberStatus,
    RectificationStatus,
    VisitMode,
)

if TYPE_CHECKING:
    from pbrules.model.index import SnapshotIndex

__all__ = ["FACTS", "Fact", "FactType", "FactValues", "expr_symbol", "suggest_fact"]

FactType = Literal["int", "float", "bool", "str"]


@dataclass(frozen=True, slots=True)
class Fact:
    name: str
    type: FactType
    description: str
    compute: Callable[[SnapshotIndex], Any]
    #: allowed values for text facts (enum values), for load-time checks
    choices: tuple[str, ...] = ()

    @property
    def symbol(self) -> str:
        return expr_symbol(self.name)


def expr_symbol(name: str) -> str:
    """The rule-engine identifier of a fact: dots become underscores."""
    return name.replace(".", "_")


#: What ends a rectification item for the facts: the default ``done_statuses`` of V03.
_DONE = {RectificationStatus.CLOSED}


def _in_period(d: date | None, index: SnapshotIndex) -> bool:
    return d is not None and index.period.start <= d <= min(index.period.end, index.as_of)


def _meetings_count(index: SnapshotIndex) -> int:
    return sum(len(v) for v in index.meetings_in_period.values())


#: The rounding tolerance of ``dues.monthly`` (S11) by default.
_DUES_TOLERANCE = 0.005


def _pays(row: DuesRow | None, as_of: date) -> bool:
    """Whether ``row`` pays its month at ``as_of``; mirrors ``_pays`` of the ``dues.monthly``
    checker (pbrules.builtin.checkers.dues): paid on or before ``as_of``, ``paid >= due`` up to
    the rounding tolerance, ``due`` unknown needs ``paid > 0``."""
    if row is None or row.paid is None:
        return False
    if row.paid_on is not None and row.paid_on > as_of:
        return False
    if row.due is None:
        return row.paid > 0
    return row.paid + _DUES_TOLERANCE >= row.due


def _paid_ratio(index: SnapshotIndex) -> float | None:
    """Paid / owed member-months of the period, as the ``dues.monthly`` checker (S11) counts
    them with its default tolerance: a member owes a month when they were a member on its first
    day; a month counts once it has ended by ``as_of`` or once it is paid; a missing row is an
    unpaid month. Unknown (``None``) without dues rows or without an owed member-month."""
    if not index.snapshot.dues:
        return None
    as_of = index.as_of
    months = [b for b in index.period_month_bounds if b[1] <= as_of]
    owed = paid = 0
    for member in index.members_sorted:
        rows = index.dues_by_member.get(member.id, {})
        for key, start, end in months:
            if not (
                (member.joined_on is None or member.joined_on <= start)
                and (member.left_on is None or member.left_on > start)
            ):
                continue
            if _pays(rows.get(key), as_of):
                owed += 1
                paid += 1
            elif end <= as_of:
                owed += 1
    return paid / owed if owed else None


def _has_secretary(index: SnapshotIndex) -> bool:
    return any(p.role is CommitteeRole.SECRETARY for p in index.current_committee)


def _open_rectifications(index: SnapshotIndex) -> int:
    """Items opened by ``as_of`` and not closed at ``as_of`` (``closed_on`` on or before it, or
    the status ``closed`` without ``closed_on``), as the ``rectification.overdue`` checker (V03)
    decides "done"."""
    as_of = index.as_of
    return sum(1 for r in index.rectifications_opened if not r.is_done(as_of, _DONE))


def _overdue_rectifications(index: SnapshotIndex) -> int:
    """The items the ``rectification.overdue`` checker (V03) counts with its default
    ``done_statuses: [closed]``: opened by ``as_of``, ``due_on < as_of`` and not done."""
    as_of = index.as_of
    return sum(1 for r in index.rectifications_opened if r.is_overdue(as_of))


def _term_expired(index: SnapshotIndex) -> bool | None:
    org = index.snapshot.organization
    if org.term_started_on is None or org.term_years is None:
        return None
    start = org.term_started_on
    try:
        end = start.replace(year=start.year + org.term_years)
    except ValueError:  # 29 February
        end = start.replace(year=start.year + org.term_years, day=28)
    return index.as_of > end


def _count_of(meeting_type: str) -> Callable[[SnapshotIndex], int]:
    def compute(index: SnapshotIndex) -> int:
        return len(index.meetings_in_period.get(meeting_type, ()))

    return compute


def _months_with(meeting_type: str) -> Callable[[SnapshotIndex], int]:
    def compute(index: SnapshotIndex) -> int:
        return len(index.meetings_by_month.get(meeting_type, {}))

    return compute


def _enum_value(v: Any) -> Any:
    return getattr(v, "value", v)


def _organization_facts() -> list[Fact]:
    """The organization's header."""
    from pbrules.model.snapshot import Category, OrgKind

    return [
        Fact("organization.id", "str", "organization id", lambda i: i.snapshot.organization.id),
        Fact(
            "organization.kind",
            "str",
            "organization kind (branch, township_committee...)",
            lambda i: _enum_value(i.snapshot.organization.kind),
            tuple(k.value for k in OrgKind),
        ),
        Fact(
            "organization.category",
            "str",
            "organization category (village, community...); null when unknown",
            lambda i: _enum_value(i.snapshot.organization.category),
            tuple(c.value for c in Category),
        ),
        Fact(
            "organization.weak_lax",
            "bool",
            'designated "weak and lax" (软弱涣散); null when unknown',
            lambda i: i.snapshot.organization.weak_lax,
        ),
        Fact(
            "organization.term_years",
            "int",
            "length of the committee's term in years; null when unknown",
            lambda i: i.snapshot.organization.term_years,
        ),
        Fact(
            "organization.term_expired",
            "bool",
            "as_of is after term_started_on + term_years; null when either is unknown",
            _term_expired,
        ),
        Fact(
            "organization.has_parent",
            "bool",
            "the organization has a parent (is not the root)",
            lambda i: i.snapshot.organization.parent_id is not None,
        ),
    ]


def _period_facts() -> list[Fact]:
    """The evaluated period."""
    return [
        Fact(
            "period.months", "int", "number of months in the period", lambda i: len(i.period_months)
        ),
        Fact(
            "period.kind",
            "str",
            "month | quarter | half | year",
            lambda i: i.period.kind.value,
            ("month", "quarter", "half", "year"),
        ),
    ]


def _people_facts() -> list[Fact]:
    """Members (党员), the committee (班子), party groups (党小组)."""
    return [
        Fact(
            "members.count",
            "int",
            "members who have not left as of the evaluation date",
            lambda i: len(i.current_members),
        ),
        Fact(
            "members.full_count",
            "int",
            "full members (status full, not left)",
            lambda i: len(i.full_members),
        ),
        Fact(
            "members.probationary_count",
            "int",
            "probationary members (not left)",
            lambda i: sum(1 for m in i.current_members if m.status is MemberStatus.PROBATIONARY),
        ),
        Fact(
            "members.mobile_count",
            "int",
            "mobile (流动) members (not left)",
            lambda i: sum(1 for m in i.current_members if m.mobile),
        ),
        Fact(
            "committee.current_count",
            "int",
            "current committee posts",
            lambda i: len(i.current_committee),
        ),
        Fact(
            "committee.count_without_first_secretary",
            "int",
            "current committee posts other than a first secretary (第一书记, sent from outside), "
            "as committee.structure counts them",
            lambda i: sum(
                1 for p in i.current_committee if p.role is not CommitteeRole.FIRST_SECRETARY
            ),
        ),
        Fact(
            "committee.has_secretary",
            "bool",
            "a current committee post has the role secretary",
            _has_secretary,
        ),
        Fact("party_groups.count", "int", "party groups", lambda i: len(i.snapshot.party_groups)),
    ]


def _record_facts() -> list[Fact]:
    """Meetings, dues, disclosures, development, trainings and visits of the period."""
    return [
        Fact("meetings.count", "int", "meetings of any type held in the period", _meetings_count),
        Fact(
            "dues.paid_ratio",
            "float",
            "paid / owed member-months of the period by as_of, as dues.monthly (S11) counts "
            "them; null without dues rows or without an owed month",
            _paid_ratio,
        ),
        Fact(
            "disclosures.count",
            "int",
            "party affairs disclosures (党务公开) published in the period",
            lambda i: sum(1 for d in i.snapshot.disclosures if _in_period(d.published_on, i)),
        ),
        Fact(
            "development.count",
            "int",
            "people in the member-development pipeline (发展党员), not cancelled",
            lambda i: sum(1 for d in i.snapshot.development if d.cancelled_on is None),
        ),
        Fact(
            "development.applications_count",
            "int",
            "applications (入党申请) received in the period",
            lambda i: sum(1 for d in i.snapshot.development if _in_period(d.applied_on, i)),
        ),
        Fact(
            "trainings.count",
            "int",
            "trainings started in the period",
            lambda i: sum(1 for t in i.snapshot.trainings if _in_period(t.start_on, i)),
        ),
        Fact(
            "visits.count",
            "int",
            "supervision visits (督查) made in the period",
            lambda i: sum(1 for v in i.snapshot.visits if _in_period(v.visited_on, i)),
        ),
        Fact(
            "visits.unannounced_count",
            "int",
            "unannounced visits (暗访) made in the period",
            lambda i: sum(
                1
                for v in i.snapshot.visits
                if v.mode is VisitMode.UNANNOUNCED and _in_period(v.visited_on, i)
            ),
        ),
    ]


def _rectification_facts() -> list[Fact]:
    """Own problem items (问题台账) and the jurisdiction's coverage units."""
    return [
        Fact(
            "rectifications.open_count",
            "int",
            "own problem items (问题台账) opened by as_of and not closed by as_of",
            _open_rectifications,
        ),
        Fact(
            "rectifications.overdue_count",
            "int",
            "own problem items opened by as_of, not closed by as_of, with due_on before as_of "
            "(as rectification.overdue, V03)",
            _overdue_rectifications,
        ),
        Fact(
            "coverage_units.count",
            "int",
            "new economic and social organizations (两新组织) in the jurisdiction",
            lambda i: len(i.snapshot.coverage_units),
        ),
    ]


def _meeting_type_facts() -> list[Fact]:
    """Per meeting type: meetings held, months with one."""
    facts: list[Fact] = []
    for mt in MeetingType:
        facts.append(
            Fact(
                f"meetings.count.{mt.value}",
                "int",
                f"{mt.value} meetings held in the period",
                _count_of(mt.value),
            )
        )
        facts.append(
            Fact(
                f"meetings.months_with.{mt.value}",
                "int",
                f"months of the period with at least one {mt.value}",
                _months_with(mt.value),
            )
        )
    return facts


def _catalog() -> dict[str, Fact]:
    groups = (
        _organization_facts,
        _period_facts,
        _people_facts,
        _record_facts,
        _rectification_facts,
        _meeting_type_facts,
    )
    return {f.name: f for group in groups for f in group()}


#: Every fact, by dotted name.
FACTS: dict[str, Fact] = _catalog()
#: rule-engine identifier -> fact
SYMBOLS: dict[str, Fact] = {f.symbol: f for f in FACTS.values()}


def suggest_fact(name: str, *, symbols: bool = False) -> str:
    """``; did you mean 'x'?`` for a misspelled fact name (or rule-engine symbol), else ``''``."""
    table = SYMBOLS if symbols else FACTS
    return did_you_mean(name, table)


class FactValues:
    """Lazily computed facts of one indexed snapshot."""

    __slots__ = ("_cache", "index")

    def __init__(self, index: SnapshotIndex) -> None:
        self.index = index
        self._cache: dict[str, Any] = {}

    def get(self, name: str) -> Any:
        try:
            return self._cache[name]
        except KeyError:
            pass
        fact = FACTS.get(name)
        if fact is None:
            raise KeyError(f"unknown fact {name!r}")
        value = fact.compute(self.index)
        self._cache[name] = value
        return value

    def by_symbol(self, symbol: str) -> Any:
        return self.get(SYMBOLS[symbol].name)

    @property
    def computed(self) -> dict[str, Any]:
        """The facts computed so far (those the condition read)."""
        return dict(self._cache)
