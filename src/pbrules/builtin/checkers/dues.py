"""Party dues: monthly payment, the amount by income bracket, consecutive months unpaid.

Which member-months are owed: a member owes a month when they were a member on its first day
(``joined_on`` empty or on/before it, ``left_on`` empty or after it) and the month has ended by
``as_of``. A month in progress counts once it is paid. A row pays its month when ``paid >= due``
and ``paid_on`` is not after ``as_of``; ``due`` unknown needs ``paid > 0``. A row with ``due: 0``
is an exemption: its month counts as paid (even with ``paid`` empty) and never feeds arrears.
Within the period a missing row is an unpaid month; before the period a month counts only when
the export covers it (has any row for that month), otherwise it is unknown.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Mapping
from collections.abc import Set as AbstractSet
from datetime import date
from functools import cached_property

from pydantic import Field

from pbrules.builtin.checkers._common import subject
from pbrules.checker import CheckContext, Checker, Note, Params, SnapshotIndex, join_notes, listing
from pbrules.model.outcome import Outcome, Severity, Status, SubjectItem
from pbrules.model.snapshot import DuesCategory, DuesRow, Member, Snapshot

__all__ = ["CHECKERS", "DuesArrears", "DuesBracket", "DuesMonthly"]

NOTHING_OWED = Note("dues.nothing_owed", "no member-month owed", "无应交党费的人月")
IN_ARREARS = Note(
    "dues.in_arrears",
    "{member} has not paid dues for {months} consecutive months ({first} to {last})",
    "{member}连续{months}个月未交纳党费（{first}至{last}）",
)
NO_ROWS = Note("dues.no_rows", "missing data: no dues rows", "数据缺失：无党费交纳记录")
UNPAID = Note("dues.unpaid", "{count} member-month(s) unpaid", "{count}个人月未交纳党费")
NO_MEMBERS = Note("dues.no_members", "no current members", "无在册党员")
BELOW = Note("dues.below_bracket", "below the bracket: {rows}", "低于交纳标准：{rows}")
UNKNOWN = Note(
    "dues.basis_unknown",
    "missing data: category or income unknown for {rows}",
    "数据缺失：{rows}党费类别或收入不详",
)
PAYERS = Note("dues.payers", "dues category or income of the payers", "交纳人的党费类别或收入")
NO_PAYMENT = Note("dues.no_payment", "no payment to judge in the period", "本期无需评判的党费交纳")


def _owes(member: Member, start: date) -> bool:
    """Whether ``member`` was a member on ``start`` (a month's first day)."""
    return (member.joined_on is None or member.joined_on <= start) and (
        member.left_on is None or member.left_on > start
    )


def _pays(row: DuesRow | None, as_of: date, tolerance: float) -> bool:
    """Whether ``row`` pays its month: ``due: 0`` is an exemption (paid whatever ``paid`` says)."""
    if row is None:
        return False
    if row.due == 0:
        return True
    if row.paid is None:
        return False
    if row.paid_on is not None and row.paid_on > as_of:
        return False
    if row.due is None:
        return row.paid > 0
    return row.paid + tolerance >= row.due


_NONE_PAID: frozenset[str] = frozenset()

#: one dues row as ``(member id, month, due, paid)``, ``paid`` empty when not paid by ``as_of``
Payment = tuple[str, str, float | None, float | None]


def payments(idx: SnapshotIndex, as_of: date) -> list[Payment]:
    """Every dues row of the snapshot as a plain :data:`Payment` tuple, in the rows' order:
    read once per index and ``as_of`` and shared by the dues checkers, which each walked the
    ~90 rows of a branch and their fields on their own.

    ``paid`` is emptied when ``paid_on`` is after ``as_of``: a payment not made yet is no
    payment, for every dues rule. The list is shared through the index: read-only.
    """
    key = ("dues.payments", as_of)
    found: list[Payment] | None = idx.memo.get(key)
    if found is None:
        found = idx.memo[key] = [
            (
                row.member_id,
                row.month,
                row.due,
                row.paid if row.paid_on is None or row.paid_on <= as_of else None,
            )
            for row in idx.snapshot.dues
        ]
    return found


def paid_months(
    idx: SnapshotIndex, as_of: date, tolerance: float
) -> Mapping[str, AbstractSet[str]]:
    """Member id -> the months (YYYY-MM) its dues rows pay (:func:`_pays`), built once per
    index, ``as_of`` and tolerance and shared by the dues checkers. Every member with a row is
    a key (with no month when none pays)."""
    key = ("dues.paid_months", as_of, tolerance)
    found: Mapping[str, AbstractSet[str]] | None = idx.memo.get(key)
    if found is None:
        found = idx.memo[key] = _paid_by_member(payments(idx, as_of), tolerance)
    return found


def _paid_by_member(rows: Iterable[Payment], tolerance: float) -> dict[str, set[str]]:
    """:func:`paid_months` in one pass over the payments (:func:`_pays` inlined: it runs for
    every row). A later row of the same member and month replaces an earlier one, as in
    ``SnapshotIndex.dues_by_member``. The sets are shared through the index: read-only."""
    paid: dict[str, set[str]] = {}
    for member_id, month, due, amount in rows:
        months = paid.get(member_id)
        if months is None:
            months = paid[member_id] = set()
        if due == 0:
            pays = True  # an exempt month
        elif amount is None:
            pays = False
        else:
            pays = amount > 0 if due is None else amount + tolerance >= due
        if pays:
            months.add(month)
        else:
            months.discard(month)
    return paid


def unpaid_run(member: Member, idx: SnapshotIndex, tolerance: float) -> list[str]:
    """Consecutive unpaid owed months ending at the last month ended by ``as_of``, latest first.

    The run stops at a paid month, a month not owed, or a month before the period the export
    does not cover.
    """
    paid = paid_months(idx, idx.as_of, tolerance).get(member.id, _NONE_PAID)
    run: list[str] = []
    for key, start in idx.dues_lookback:
        if not _owes(member, start) or key in paid:
            break
        run.append(key)
    return run


def _long_runs(
    members: list[Member], idx: SnapshotIndex, tolerance: float, months: int
) -> list[tuple[Member, list[str]]]:
    """Each member (by id) whose :func:`unpaid_run` is ``months`` or longer, with the run (the
    same loop, inlined). No run is longer than the months looked back over: with fewer, none."""
    lookback = idx.dues_lookback
    if len(lookback) < months:
        return []
    paid_by_member = paid_months(idx, idx.as_of, tolerance)
    found = []
    for m in sorted(members, key=_MEMBER_ID):
        paid = paid_by_member.get(m.id, _NONE_PAID)
        joined, left = m.joined_on, m.left_on
        run: list[str] = []
        for key, start in lookback:
            if (joined is not None and joined > start) or (left is not None and left <= start):
                break  # not owed (_owes)
            if key in paid:
                break
            run.append(key)
        if len(run) >= months:
            found.append((m, run))
    return found


_MEMBER_ID = operator.attrgetter("id")


def _arrears_items(
    members: list[Member], idx: SnapshotIndex, months: int, tolerance: float, severity: Severity
) -> tuple[SubjectItem, ...]:
    return tuple(
        SubjectItem(
            subject=subject("member", m.id),
            message=IN_ARREARS(member=m.id, months=len(run), first=run[-1], last=run[0]),
            evidence=tuple(f"{m.id}:{k}" for k in reversed(run)),
            severity=severity,
        )
        for m, run in _long_runs(members, idx, tolerance, months)
    )


def _member_months(
    members: list[Member],
    months: list[tuple[str, date, date]],
    paid_by_member: Mapping[str, AbstractSet[str]],
    as_of: date,
) -> tuple[int, int, list[str]]:
    """Owed and paid member-months of ``months`` (``(YYYY-MM, first day, last day)``, begun by
    ``as_of``), and the unpaid ones (``MEMBER:YYYY-MM``), members in the given order.

    Shortcut: a member on the rolls on the first day of every month who paid them all owes and
    paid each of them; only the others are walked month by month.
    """
    owed = paid = 0
    unpaid: list[str] = []
    if not months:
        return owed, paid, unpaid
    keys = frozenset(key for key, _, _ in months)
    first, last = months[0][1], months[-1][1]
    for member in members:
        paid_in = paid_by_member.get(member.id, _NONE_PAID)
        joined, left = member.joined_on, member.left_on
        if (
            keys <= paid_in
            and (joined is None or joined <= first)
            and (left is None or left > last)
        ):
            owed += len(keys)
            paid += len(keys)
            continue
        for key, start, end in months:
            if (joined is not None and joined > start) or (left is not None and left <= start):
                continue  # not owed: not a member on the month's first day (_owes)
            if key in paid_in:
                owed += 1
                paid += 1
            elif end <= as_of:
                owed += 1
                unpaid.append(f"{member.id}:{key}")
    return owed, paid, unpaid


class MonthlyParams(Params):
    target: float = Field(
        default=1.0, gt=0, le=1, description="Share of owed member-months that must be paid."
    )
    tolerance: float = Field(
        default=0.005, ge=0, description="Amount a payment may fall short of `due` (rounding)."
    )
    arrears_months: int | None = Field(
        default=6,
        ge=1,
        description="Consecutive unpaid months that make a per-member finding; null: none.",
    )
    arrears_severity: Severity = Field(
        default=Severity.CRITICAL, description="Severity of the per-member arrears findings."
    )


class DuesMonthly(Checker[MonthlyParams]):
    """Dues paid every month: paid member-months / owed member-months of the period.

    Owed member-months follow the dues conventions (a member owes a month when they were a
    member on its first day; a member who left mid-period owes the months before). One miss per
    unpaid member-month, whose ``MEMBER:YYYY-MM`` is in the evidence. With ``arrears_months``,
    each member whose current run of consecutive unpaid months (looking back before the period as
    far as the export covers) reaches it is also a per-member finding at ``arrears_severity``.
    Fails with "missing data" when months are owed but the snapshot has no dues rows at all.
    Not applicable when no member-month is owed.

    Monotone: adding a paid row (or raising ``paid``) never lowers compliance, never adds a miss
    and never adds an arrears finding.

    Example::

        check: dues.monthly
        params: {target: 1.0, arrears_months: 6, arrears_severity: critical}
    """

    name = "dues.monthly"
    Params = MonthlyParams
    notes = (NOTHING_OWED, NO_ROWS, UNPAID)

    def check(self, snapshot: Snapshot, params: MonthlyParams, ctx: CheckContext) -> Outcome:
        idx = ctx.index
        as_of = ctx.as_of
        months = [b for b in idx.period_month_bounds if b[1] <= as_of]
        paid_by_member = paid_months(idx, as_of, params.tolerance)
        owed, paid, unpaid = _member_months(idx.members_sorted, months, paid_by_member, as_of)
        if owed == 0:
            return Outcome.not_applicable(NOTHING_OWED())
        if not snapshot.dues:
            return Outcome(
                Status.FAIL,
                compliance=0.0,
                misses=len(unpaid),
                actual=0,
                expected=owed,
                evidence=tuple(unpaid),
                note=NO_ROWS(),
            )
        items: tuple[SubjectItem, ...] = ()
        if params.arrears_months is not None:
            items = _arrears_items(
                idx.members_sorted,
                idx,
                params.arrears_months,
                params.tolerance,
                params.arrears_severity,
            )
        share = paid / owed
        ok = share >= params.target and not items
        return Outcome(
            Status.PASS if ok else Status.FAIL,
            compliance=min(1.0, share / params.target),
            misses=len(unpaid),
            actual=paid,
            expected=owed,
            evidence=tuple(unpaid),
            items=items,
            note=UNPAID(count=len(unpaid)) if unpaid else "",
        )


class ArrearsParams(Params):
    months: int = Field(default=6, ge=1, description="Consecutive unpaid months that count.")
    tolerance: float = Field(default=0.005, ge=0, description="Rounding tolerance on `due`.")
    severity: Severity = Field(
        default=Severity.CRITICAL, description="Severity of each per-member finding."
    )


class DuesArrears(Checker[ArrearsParams]):
    """Members with ``months`` or more consecutive unpaid months (a per-member finding each).

    The run of unpaid months ends at the last month ended by ``as_of`` and looks back before the
    period as far as the dues export covers (months with no row for anyone are unknown and stop
    the run). Compliance is the share of current members without such a run; one miss per member
    in arrears. Fails with "missing data" when the snapshot has no dues rows; not applicable
    without current members.

    Monotone: adding a paid row never lowers compliance and never adds a finding.

    Example::

        check: dues.arrears
        params: {months: 6, severity: critical}
    """

    name = "dues.arrears"
    Params = ArrearsParams
    notes = (NO_MEMBERS, NO_ROWS, IN_ARREARS)

    def check(self, snapshot: Snapshot, params: ArrearsParams, ctx: CheckContext) -> Outcome:
        members = ctx.index.current_members
        if not members:
            return Outcome.not_applicable(NO_MEMBERS())
        if not snapshot.dues:
            return Outcome(
                Status.FAIL,
                compliance=0.0,
                misses=len(members),
                actual=0,
                expected=len(members),
                note=NO_ROWS(),
            )
        items = _arrears_items(members, ctx.index, params.months, params.tolerance, params.severity)
        return Outcome.ratio(
            len(members) - len(items),
            len(members),
            evidence=tuple(e for it in items for e in it.evidence),
            items=items,
        )


class Bracket(Params):
    up_to: float | None = Field(
        default=None, ge=0, description="Upper bound of monthly income (inclusive); null: above."
    )
    rate: float = Field(ge=0, le=1, description="Share of monthly income paid.")


def _employed() -> list[Bracket]:
    return [
        Bracket(up_to=3000, rate=0.005),
        Bracket(up_to=5000, rate=0.01),
        Bracket(up_to=10000, rate=0.015),
        Bracket(up_to=None, rate=0.02),
    ]


def _retired() -> list[Bracket]:
    return [Bracket(up_to=5000, rate=0.005), Bracket(up_to=None, rate=0.01)]


def _flat() -> dict[DuesCategory, float]:
    return {DuesCategory.FARMER: 0.2, DuesCategory.STUDENT: 0.2, DuesCategory.UNEMPLOYED: 0.2}


class BracketParams(Params):
    employed: list[Bracket] = Field(
        default_factory=_employed,
        description="Rates for employed members by monthly income, in ascending order.",
    )
    retired: list[Bracket] = Field(
        default_factory=_retired, description="Rates for retired members by monthly income."
    )
    flat: dict[DuesCategory, float] = Field(
        default_factory=_flat,
        description="Minimum monthly amount for categories that pay a flat sum.",
    )
    tolerance: float = Field(default=0.01, ge=0, description="Rounding tolerance in yuan.")

    @cached_property
    def employed_table(self) -> tuple[tuple[float | None, float], ...]:
        """``employed`` as plain ``(up_to, rate)`` pairs, made once per criterion."""
        return tuple((b.up_to, b.rate) for b in self.employed)

    @cached_property
    def retired_table(self) -> tuple[tuple[float | None, float], ...]:
        """``retired`` as plain ``(up_to, rate)`` pairs, made once per criterion."""
        return tuple((b.up_to, b.rate) for b in self.retired)

    @cached_property
    def amounts(self) -> dict[tuple[bool, float], float | None]:
        """``(retired, monthly income)`` -> the amount its bracket asks (:func:`_amount`),
        kept per criterion: incomes repeat from member to member and organization to
        organization (at most ``_AMOUNTS_KEPT``, then started afresh)."""
        return {}


def _rate(brackets: Iterable[tuple[float | None, float]], income: float) -> float | None:
    for up_to, rate in brackets:
        if up_to is None or income <= up_to:
            return rate
    return None


_EMPLOYED, _RETIRED = DuesCategory.EMPLOYED, DuesCategory.RETIRED
_AMOUNTS_KEPT = 4096  # bracket amounts a dues.bracket criterion keeps by income


def _amount(params: BracketParams, retired: bool, income: float) -> float | None:
    """The monthly amount of ``income`` in the employed (or retired) brackets: its rate times
    the income; ``None`` when no bracket takes it."""
    rate = _rate(params.retired_table if retired else params.employed_table, income)
    return None if rate is None else rate * income


def _required(member: Member | None, params: BracketParams) -> float | bool | None:
    """The least ``member`` must pay a month; ``None`` when their category is not checked;
    ``False`` when the category (or, for rate brackets, the income) is unknown."""
    category = member.dues_category if member is not None else None
    if category is _EMPLOYED or category is _RETIRED:
        income = member.monthly_income if member is not None else None
        if income is None:
            return False
        key = (category is _RETIRED, income)
        amounts = params.amounts
        try:
            return amounts[key]
        except KeyError:  # not worked out yet for this income
            pass
        if len(amounts) >= _AMOUNTS_KEPT:
            amounts.clear()
        amount = amounts[key] = _amount(params, category is _RETIRED, income)
        return amount
    if category is None:
        return False
    return params.flat.get(category)


class DuesBracket(Checker[BracketParams]):
    """Dues paid at least the amount of the member's bracket (the regulation's table by default).

    For every dues row of the period that records a payment (rows with ``due: 0`` are exempt and
    skipped): employed and retired members must pay ``rate x monthly_income`` (the first bracket
    whose ``up_to`` is at least the income); categories in ``flat`` must pay at least that sum.
    Rows of members whose category (or, for rate brackets, income) is unknown cannot be judged:
    they are named in the note and left out; with none left the outcome is "missing data".
    Categories in neither table are not checked. Compliance is the share of judged rows paying
    enough; one miss per short row (``MEMBER:YYYY-MM`` in the evidence). Not applicable when no row
    of the period has a payment.

    Monotone: adding a row that pays at least the bracket amount, or paying more on a row, never
    lowers compliance.

    Example::

        check: dues.bracket
        params:
          employed: [{up_to: 3000, rate: 0.005}, {up_to: 5000, rate: 0.01},
                     {up_to: 10000, rate: 0.015}, {rate: 0.02}]
          retired: [{up_to: 5000, rate: 0.005}, {rate: 0.01}]
          flat: {farmer: 0.2, student: 0.2, unemployed: 0.2}
    """

    name = "dues.bracket"
    Params = BracketParams
    notes = (BELOW, UNKNOWN, PAYERS, NO_PAYMENT)

    def check(self, snapshot: Snapshot, params: BracketParams, ctx: CheckContext) -> Outcome:
        idx = ctx.index
        months = {key for key, start, _ in idx.period_month_bounds if start <= ctx.as_of}
        judged = 0
        as_of = ctx.as_of
        members = idx.members_by_id
        tolerance = params.tolerance
        required_of: dict[str, float | bool | None] = {}  # member id -> amount, or False
        short_rows: list[tuple[str, str]] = []
        unknown_rows: list[tuple[str, str]] = []
        for mid, month, due, paid in payments(idx, as_of):
            if paid is None or due == 0 or month not in months:
                continue  # no payment (by as_of), an exempt month (due: 0), or not of the period
            required = required_of.get(mid, True)
            if required is True:
                required = required_of[mid] = _required(members.get(mid), params)
            if required is False:
                unknown_rows.append((mid, month))
            elif required is not None:
                judged += 1
                if paid + tolerance < required:
                    short_rows.append((mid, month))
        # listed by member and month (the order of idx.dues_sorted)
        short = [f"{mid}:{month}" for mid, month in sorted(short_rows)]
        unknown = [f"{mid}:{month}" for mid, month in sorted(unknown_rows)]
        note = join_notes(
            (
                BELOW(rows=listing(short)) if short else "",
                UNKNOWN(rows=listing(unknown)) if unknown else "",
            )
        )
        if judged == 0:
            if unknown:
                return Outcome.missing_data(PAYERS())
            return Outcome.not_applicable(NO_PAYMENT())
        return Outcome.ratio(judged - len(short), judged, evidence=tuple(short), note=note)


CHECKERS = (DuesMonthly(), DuesBracket(), DuesArrears())
