"""The committee (班子): structure, secretary vacancy, turnover, term of office."""

from __future__ import annotations

import functools
from typing import Literal

from pydantic import Field

from pbrules.builtin.checkers._common import sorted_ids
from pbrules.checker import CheckContext, Checker, Note, NoteText, Params, join_notes
from pbrules.model.outcome import Outcome, Status
from pbrules.model.period import add_months
from pbrules.model.snapshot import Category, CommitteeRole, LeaveReason, Snapshot

__all__ = ["CHECKERS", "CommitteeStructure", "CommitteeTurnover", "CommitteeVacancy", "TermExpiry"]

NO_MEMBERS = Note("committee.no_members", "no members listed", "未录入党员名册")
#: the required structure (``expected``), as the messages show it
POSTS_WANTED = Note(
    "committee.posts_wanted", "{min}-{max} posts with a secretary", "委员{min}至{max}名并配备书记"
)
SECRETARY_WANTED = Note("committee.secretary_wanted", "a secretary", "配备书记")
NO_SECRETARY = Note("committee.no_secretary", "no current secretary", "书记空缺")
TOO_FEW = Note("committee.too_few", "{posts} posts, fewer than {min}", "委员{posts}名，少于{min}名")
TOO_MANY = Note(
    "committee.too_many",
    "{posts} posts, more than {max}",
    "委员{posts}名，多于{max}名",
)
NEW = Note(
    "committee.new_organization",
    "founded {founded}, within {days} days",
    "{founded}新成立，未满{days}天",
)
NO_POST = Note("committee.no_secretary_post", "no secretary post on record", "无书记任职记录")
NEVER_HELD = Note(
    "committee.post_never_held",
    "the post has never been held (optional)",
    "该职务未曾设置（按需设置）",
)
VACANT = Note(
    "committee.vacant", "vacant since {since}, {days} days", "自{since}起空缺，已{days}天"
)
NO_COMMITTEE = Note("committee.none", "no committee", "未设支部委员会")
LEFT = Note(
    "committee.turnover",
    "{left} left of {current} current posts",
    "现有委员{current}名，离任{left}名",
)
NO_TERM = Note("committee.no_term", "no term recorded", "无任期记录")
TERM_ENDED = Note("committee.term_ended", "term ended {end}", "任期已于{end}届满")


def _not_first_secretary() -> list[CommitteeRole]:
    return [r for r in CommitteeRole if r is not CommitteeRole.FIRST_SECRETARY]


class StructureParams(Params):
    committee_from: int = Field(
        default=7, ge=1, description="Full members from which a committee is required."
    )
    min_posts: int = Field(default=3, ge=1, description="Fewest current committee members.")
    max_posts: int = Field(default=7, ge=1, description="Most current committee members.")
    count_roles: list[CommitteeRole] = Field(
        default_factory=_not_first_secretary,
        description="Roles counted as committee posts (the first secretary sent to a village "
        "is not a committee member by default).",
    )
    secretary_roles: list[CommitteeRole] = Field(
        default_factory=lambda: [CommitteeRole.SECRETARY],
        description="Roles that fill the secretary post.",
    )

    @functools.cached_property
    def counted(self) -> frozenset[CommitteeRole]:
        """``count_roles`` as a set, made once per criterion."""
        return frozenset(self.count_roles)

    @functools.cached_property
    def secretaries(self) -> frozenset[CommitteeRole]:
        """``secretary_roles`` as a set, made once per criterion."""
        return frozenset(self.secretary_roles)


def _said(failed: str, posts: int, params: StructureParams) -> NoteText:
    """The words of one failed check of :class:`CommitteeStructure` (worded on failure only)."""
    if failed == "no-secretary":
        return NO_SECRETARY()
    if failed == "too-few-posts":
        return TOO_FEW(posts=posts, min=params.min_posts)
    return TOO_MANY(posts=posts, max=params.max_posts)


class CommitteeStructure(Checker[StructureParams]):
    """A committee of the right size where the membership requires one; always a secretary.

    With at least ``committee_from`` full members (as of ``as_of``), the organization needs
    between ``min_posts`` and ``max_posts`` current posts (distinct people in ``count_roles``)
    including a secretary; with fewer, a current secretary is enough. One miss per unmet condition
    (``no-secretary``, ``too-few-posts``, ``too-many-posts`` in the evidence). Compliance is the
    share of conditions met. Fails with "missing data" when no member is listed.

    Monotone: adding a current secretary post, or a post while below ``max_posts``, never lowers
    compliance. (Adding posts beyond ``max_posts``, or full members that cross
    ``committee_from``, can.)

    Example::

        check: committee.structure
        params: {committee_from: 7, min_posts: 3, max_posts: 7}
    """

    name = "committee.structure"
    Params = StructureParams
    notes = (NO_MEMBERS, NO_SECRETARY, TOO_FEW, TOO_MANY, POSTS_WANTED, SECRETARY_WANTED)

    def check(self, snapshot: Snapshot, params: StructureParams, ctx: CheckContext) -> Outcome:
        if not snapshot.members:
            return Outcome.missing_data(NO_MEMBERS())
        counted, secretary_roles = params.counted, params.secretaries
        posts = {p.person_id for p in ctx.index.current_committee if p.role in counted}
        has_secretary = any(p.role in secretary_roles for p in ctx.index.current_committee)
        needs_committee = len(ctx.index.full_members) >= params.committee_from
        failed: list[str] = []
        checks = 1
        if not has_secretary:
            failed.append("no-secretary")
        if needs_committee:
            checks += 2
            if len(posts) < params.min_posts:
                failed.append("too-few-posts")
            if len(posts) > params.max_posts:
                failed.append("too-many-posts")
        expected = (
            POSTS_WANTED(min=params.min_posts, max=params.max_posts)
            if needs_committee
            else SECRETARY_WANTED()
        )
        return Outcome(
            Status.PASS if not failed else Status.FAIL,
            compliance=(checks - len(failed)) / checks,
            misses=len(failed),
            actual=len(posts),
            expected=expected,
            evidence=tuple(failed),
            note=join_notes(_said(f, len(posts), params) for f in failed),
        )


class VacancyParams(Params):
    max_days: int = Field(default=90, ge=0, description="Days the secretary post may stay vacant.")
    roles: list[CommitteeRole] = Field(
        default_factory=lambda: [CommitteeRole.SECRETARY],
        description="Roles that fill the post.",
    )
    never_held: Literal["missing_data", "not_applicable"] = Field(
        default="missing_data",
        description="What a post of `roles` never held gives: `missing_data` (a fail: the post "
        "must exist, as the secretary's) or `not_applicable` (an optional post, such as a "
        "deputy secretary appointed only when needed).",
    )


class CommitteeVacancy(Checker[VacancyParams]):
    """The secretary post is not vacant for more than ``max_days``.

    Passes with a current post in ``roles``. Otherwise the vacancy runs from the latest
    ``left_on`` of such a post; more than ``max_days`` days to ``as_of`` fails (``actual`` is the
    days vacant). With no such post on record the vacancy cannot be dated: an organization founded
    no more than ``max_days`` before ``as_of`` is not applicable (still in its grace period),
    otherwise the outcome is "missing data" (a fail), or not applicable with ``never_held:
    not_applicable`` (an optional post). Evidence: the person who left last.

    Monotone: adding a current secretary post never lowers compliance.

    Example::

        check: committee.vacancy
        params: {max_days: 90}
    """

    name = "committee.vacancy"
    Params = VacancyParams
    notes = (NEW, NO_POST, NEVER_HELD, VACANT)

    def check(self, snapshot: Snapshot, params: VacancyParams, ctx: CheckContext) -> Outcome:
        roles = set(params.roles)
        posts = [p for p in snapshot.committee if p.role in roles and p.appointed_on <= ctx.as_of]
        current = [p for p in ctx.index.current_committee if p.role in roles]
        if current:
            return Outcome(
                Status.PASS,
                actual=0,
                expected=params.max_days,
                evidence=sorted_ids(p.person_id for p in current),
            )
        left = [p for p in posts if p.left_on is not None]
        if not left:
            founded = snapshot.organization.founded_on
            if founded is not None and (ctx.as_of - founded).days <= params.max_days:
                return Outcome.not_applicable(NEW(founded=founded, days=params.max_days))
            if params.never_held == "not_applicable":
                return Outcome.not_applicable(NEVER_HELD())
            return Outcome.missing_data(NO_POST())
        last = max(left, key=lambda p: (p.left_on, p.person_id))
        assert last.left_on is not None
        days = (ctx.as_of - last.left_on).days
        ok = days <= params.max_days
        return Outcome(
            Status.PASS if ok else Status.FAIL,
            compliance=1.0 if ok else 0.0,
            misses=0 if ok else 1,
            actual=days,
            expected=params.max_days,
            evidence=(last.person_id,),
            note=VACANT(since=last.left_on, days=days),
        )


class TurnoverParams(Params):
    reasons: list[LeaveReason] = Field(
        default_factory=lambda: [LeaveReason.RESIGNED, LeaveReason.DISMISSED],
        description="Leave reasons counted as turnover.",
    )
    max_share: float = Field(
        default=0.2, ge=0, description="Largest departures / current posts allowed."
    )


class CommitteeTurnover(Checker[TurnoverParams]):
    """Few committee members left in the period for the given reasons.

    Departures are posts whose ``left_on`` is in the period (up to ``as_of``) with a
    ``leave_reason`` in ``reasons``; the share is departures / current posts at ``as_of``.
    Passes when the share is at most ``max_share``; otherwise compliance is
    ``max_share / share`` and the misses are the departures (their person ids in the evidence).
    Not applicable with neither departures nor current posts.

    Monotone: adding a current post never lowers compliance; only a departure can.

    Example::

        check: committee.turnover
        params: {reasons: [resigned, dismissed], max_share: 0.2}
    """

    name = "committee.turnover"
    Params = TurnoverParams
    notes = (NO_COMMITTEE, LEFT)

    def check(self, snapshot: Snapshot, params: TurnoverParams, ctx: CheckContext) -> Outcome:
        reasons = set(params.reasons)
        gone = [p for p in ctx.index.committee_departures_in_period if p.leave_reason in reasons]
        current = len(ctx.index.current_committee)
        if not gone:
            if current == 0:
                return Outcome.not_applicable(NO_COMMITTEE())
            return Outcome(Status.PASS, actual=0, expected=params.max_share)
        share = len(gone) / current if current else float("inf")
        ok = share <= params.max_share
        compliance = 1.0 if ok else (params.max_share / share if current else 0.0)
        return Outcome(
            Status.PASS if ok else Status.FAIL,
            compliance=compliance,
            misses=0 if ok else len(gone),
            actual=round(share, 4) if current else None,
            expected=params.max_share,
            evidence=sorted_ids(p.person_id for p in gone),
            note=LEFT(left=len(gone), current=current),
        )


class TermParams(Params):
    default_years: int = Field(
        default=3, ge=1, description="Term in years when term_years is not given."
    )
    years_by_category: dict[Category, int] = Field(
        default_factory=lambda: {Category.VILLAGE: 5, Category.COMMUNITY: 5},
        description="Term in years by category when term_years is not given.",
    )
    grace_days: int = Field(default=0, ge=0, description="Days after the term end tolerated.")


class TermExpiry(Checker[TermParams]):
    """The committee's term has not expired: ``as_of <= term_started_on + term_years``.

    The term end is ``term_started_on`` plus ``term_years`` calendar years (month-end clamped:
    a term begun on 2020-02-29 ends on 2025-02-28), plus ``grace_days``. Without ``term_years``
    the category's term (or ``default_years``) is used. Not applicable when the organization has
    no ``term_started_on``. ``actual`` is the term end.

    Monotone: a later ``term_started_on`` (an election held) never lowers compliance.

    Example::

        check: term.expiry
        params: {default_years: 3, years_by_category: {village: 5, community: 5}}
    """

    name = "term.expiry"
    Params = TermParams
    notes = (NO_TERM, TERM_ENDED)

    def check(self, snapshot: Snapshot, params: TermParams, ctx: CheckContext) -> Outcome:
        org = snapshot.organization
        if org.term_started_on is None:
            return Outcome.not_applicable(NO_TERM())
        years = org.term_years
        if years is None:
            years = (
                params.years_by_category.get(org.category, params.default_years)
                if (org.category is not None)
                else params.default_years
            )
        end = add_months(org.term_started_on, 12 * years)
        ok = (ctx.as_of - end).days <= params.grace_days
        return Outcome(
            Status.PASS if ok else Status.FAIL,
            compliance=1.0 if ok else 0.0,
            misses=0 if ok else 1,
            actual=end.isoformat(),
            expected=ctx.as_of.isoformat(),
            note="" if ok else TERM_ENDED(end=end),
        )


CHECKERS = (CommitteeStructure(), CommitteeVacancy(), CommitteeTurnover(), TermExpiry())
