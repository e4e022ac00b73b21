"""The report model: everything the review material shows, built once from a result document.

:func:`build_report` turns a :class:`~pbrules.model.result.RunResult` (plus, optionally, the
previous period's result, the rectification ledger's items and the criteria pack) into a
:class:`Report`. Every renderer (Markdown, HTML, Word, Excel) draws from this one model, so the
formats never disagree. The model holds data only; the fixed report text is translated by the
renderers (see :mod:`pbrules.report.i18n`).

Sections (see docs/reports.md):

1. results — per peer group: the ranking table, top and bottom, rapid progress and major
   setbacks with rank and score change;
2. problems — findings grouped by area and criterion, worst first (severity, then count);
3. rectification — numbered items, overdue first (from the ledger when given);
4. appendix — per organization: area scores and points lost per criterion, with evidence.

The tier distribution of each group (packs with tiers) is :mod:`pbrules.report.tiers`.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any, Protocol

from pbrules.engine.findings import one_task_per_problem
from pbrules.model.outcome import Severity
from pbrules.model.result import CriterionResult, Finding, OrgResult, RunResult
from pbrules.report.i18n import (
    Translator,
    pack_title,
    reader_text,
    responsible_text,
    translations,
)
from pbrules.report.tiers import GroupTiers, tier_distribution

__all__ = [
    "APPENDIX_LIMIT",
    "HIGHLIGHT_LIMIT",
    "AppendixCriterion",
    "AppendixGroup",
    "AreaProblems",
    "CriterionProblems",
    "FeedbackItem",
    "GroupSection",
    "LedgerItemLike",
    "OrgAppendix",
    "OrgCount",
    "OwedItem",
    "Praise",
    "RankRow",
    "RectificationItem",
    "Report",
    "RollUp",
    "build_report",
]

UNGROUPED = "_ungrouped"
#: the most organizations the html, md and docx review lists one by one in its appendix; above
#: it the appendix summarizes each peer group (:class:`AppendixGroup`) so the review stays a
#: briefing at any size. Every organization's detail stays in the xlsx review and the result.
APPENDIX_LIMIT = 300
#: highlights (rapid progress, major setbacks) named in the text; the table shows them all
HIGHLIGHT_LIMIT = 10
SEVERITY_RANK = {"minor": 1, "major": 2, "critical": 3}


class LedgerItemLike(Protocol):
    """What the report reads from a rectification ledger item (``pbrules.ledger``)."""

    @property
    def number(self) -> str: ...
    @property
    def org_id(self) -> str: ...
    @property
    def criterion(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def responsible(self) -> str | None: ...
    @property
    def due(self) -> date | None: ...
    @property
    def status(self) -> str: ...
    @property
    def overdue(self) -> bool: ...


@dataclass(frozen=True, slots=True)
class RankRow:
    """One organization in its group's ranking table."""

    org_id: str
    name: str
    rank: int | None
    total: float | None  # None: nothing applicable (DESIGN §12.2)
    grade: str | None
    complete: bool
    vetoed: bool
    previous_rank: int | None
    rank_change: int | None
    previous_total: float | None
    total_change: float | None
    movement: str | None
    areas: dict[str, float]
    findings: int
    tied: bool = False  # shares its rank with another organization of its group (并列)


@dataclass(frozen=True, slots=True)
class GroupSection:
    """One peer group: the full ranking and its highlights."""

    id: str
    title: str
    rows: list[RankRow]
    top: list[RankRow]
    bottom: list[RankRow]
    rapid_progress: list[RankRow]
    major_setbacks: list[RankRow]

    @property
    def ranked(self) -> bool:
        """False for the organizations that belong to no peer group (e.g. the district)."""
        return self.id != UNGROUPED

    @property
    def has_previous(self) -> bool:
        return any(r.previous_rank is not None for r in self.rows)


@dataclass(frozen=True, slots=True)
class OrgCount:
    org_id: str
    name: str
    count: int


@dataclass(frozen=True, slots=True)
class CriterionProblems:
    """Every finding of one criterion, with the organizations concerned."""

    criterion: str
    title: str
    area: str
    severity: str
    count: int
    points_lost: float
    organizations: list[OrgCount]
    findings: list[Finding]
    basis: str | None


@dataclass(frozen=True, slots=True)
class AreaProblems:
    id: str
    title: str
    count: int
    criteria: list[CriterionProblems]


@dataclass(frozen=True, slots=True)
class RectificationItem:
    """One row of the rectification list."""

    number: str
    org_id: str
    org_name: str
    criterion: str
    problem: str
    responsible: str | None
    due: date | None
    status: str
    overdue: bool
    provisional: bool
    action: str | None = None


@dataclass(frozen=True, slots=True)
class OwedItem:
    """Rectification work owed from before this period and still not done (上季度未完成整改)."""

    org_id: str
    org_name: str
    item: str  # the item's number (ledger) or its id in the organization's own records
    criterion: str
    problem: str
    due: date | None
    responsible: str | None


@dataclass(frozen=True, slots=True)
class FeedbackItem:
    """A problem the district fed back (暗访, 督查) and not rectified, with its state."""

    org_id: str
    org_name: str
    item: str  # the feedback record's id
    criterion: str
    problem: str
    due: date | None  # the feedback's own due date, when the finding states it
    overdue: bool


@dataclass(frozen=True, slots=True)
class Praise:
    """What deserves recognition: full marks per group, criteria met by every organization to
    which they applied (rapid progress is in the results)."""

    full_marks: list[tuple[str, list[RankRow]]]  # (group title, organizations at full marks)
    criteria_met: list[tuple[str, str, int]]  # (criterion id, title, organizations it applied to)


@dataclass(frozen=True, slots=True)
class RollUp:
    """A township's (or other parent's) subordinates' findings, by criterion."""

    org_id: str
    name: str
    subordinates: int
    criteria: list[tuple[str, str, int]]  # (criterion id, title, subordinates with a finding)


@dataclass(frozen=True, slots=True)
class AppendixCriterion:
    """A criterion on which an organization lost points (or could not be evaluated)."""

    criterion: str
    title: str
    area: str
    status: str
    earned: float
    max: float
    lost: float
    messages: list[str]
    evidence: list[str]


@dataclass(frozen=True, slots=True)
class OrgAppendix:
    org_id: str
    name: str
    kind: str
    group: str
    group_title: str
    rank: int | None
    group_size: int | None
    total: float | None  # None: nothing applicable (DESIGN §12.2)
    base_total: float | None
    bonus: float
    grade: str | None
    complete: bool
    vetoed: bool
    areas: list[tuple[str, str, float]]  # (area id, title, score)
    lost: list[AppendixCriterion]

    @property
    def ranked(self) -> bool:
        return self.group != UNGROUPED


@dataclass(frozen=True, slots=True)
class AppendixGroup:
    """A peer group's scores in the appendix of a review over :data:`APPENDIX_LIMIT`."""

    group: str
    title: str
    organizations: int
    mean: float
    lowest: float
    highest: float
    incomplete: int


@dataclass(frozen=True, slots=True)
class Report:
    """The quarterly review material of one result document."""

    title: str
    pack_id: str
    pack_version: str
    period: str
    as_of: date | None
    issuer: str | None
    previous_period: str | None
    areas: dict[str, str]  # area id -> title, in display order
    groups: list[GroupSection]
    problems: list[AreaProblems]
    rectification: list[RectificationItem]
    appendix: list[OrgAppendix]
    rectification_source: str  # "ledger" | "findings"
    evaluated: int
    findings: int
    rejected: int
    incomplete: int
    warnings: list[str] = field(default_factory=list)
    rejected_sources: list[str] = field(default_factory=list)
    #: set instead of ``appendix`` when the result has more than APPENDIX_LIMIT organizations
    appendix_groups: list[AppendixGroup] = field(default_factory=list)
    owed: list[OwedItem] = field(default_factory=list)
    praise: Praise | None = None
    feedback: list[FeedbackItem] = field(default_factory=list)
    rollups: list[RollUp] = field(default_factory=list)
    tiers: dict[str, GroupTiers] = field(default_factory=dict)  # group id -> (pbrules.report.tiers)

    @property
    def overdue_source(self) -> str:
        """Where the overdue count comes from: ``ledger``, or without a ledger ``records``
        (the organizations' own rectification and feedback records, as the checks read them)."""
        return "ledger" if self.rectification_source == "ledger" else "records"

    @property
    def overdue(self) -> int:
        """Overdue rectification: the ledger's overdue items, or without a ledger the overdue
        items of the organizations' own records (see :attr:`owed`)."""
        if self.rectification_source == "ledger":
            return sum(1 for item in self.rectification if item.overdue)
        return len(self.owed) + sum(1 for item in self.rectification if item.overdue)


def build_report(
    result: RunResult,
    *,
    previous: RunResult | None = None,
    ledger_items: Iterable[LedgerItemLike] | None = None,
    pack: Any = None,
    issuer: str | None = None,
    title: str | None = None,
    lang: str = "en",
) -> Report:
    """Build the report model of ``result``.

    :param previous: the previous period's result; used for rank and score movement when
        ``result`` was not evaluated against it (its organizations carry no previous rank).
    :param ledger_items: the rectification ledger's items; without them the rectification list
        is built from the findings with provisional numbers.
    :param pack: the criteria pack (a ``Pack`` or ``LoadedPack``) for area, group and criterion
        titles and the issuing department; optional.
    :param issuer: the issuing department; overrides the pack's ``issuer``.
    :param lang: ``zh`` reads the pack's ``title_zh``, the findings' ``message_zh`` and
        ``action_zh``, and names committee roles in Chinese (English where none is given).
    """
    pack_model = getattr(pack, "model", pack)
    titles = Titles.of(result, pack_model, lang)
    result = localized(result, lang, titles.bases)
    area_titles = _area_titles(result, pack_model, lang)
    group_titles, criterion_titles = titles.groups, titles.criteria
    movement_rules, top_n, bottom_n = titles.movement, titles.top, titles.bottom

    orgs = {o.org_id: o for o in result.organizations}
    findings_by_org: dict[str, list[Finding]] = defaultdict(list)
    for f in result.findings:
        findings_by_org[f.org_id].append(f)

    prev_rank, prev_total = _previous_positions(previous)
    groups = _group_sections(
        result,
        orgs,
        findings_by_org,
        group_titles,
        prev_rank,
        prev_total,
        movement_rules,
        (top_n, bottom_n),
    )
    problems = _problems(result.findings, area_titles, criterion_titles)
    as_of = result.as_of or result.period.end
    rect, source = _rectification_list(result, ledger_items, orgs, as_of, (lang, titles))
    appendix: list[OrgAppendix] = []
    appendix_groups: list[AppendixGroup] = []
    if len(result.organizations) > APPENDIX_LIMIT:
        appendix_groups = _appendix_groups(result, group_titles)
    else:
        appendix = _appendix(
            result, findings_by_org, area_titles, criterion_titles, group_titles, lang == "zh"
        )
    feedback = _feedback(result, as_of)
    owed = _owed(result, rect, source, feedback)

    return Report(
        **review_heading(result, pack_model, previous, title=title, issuer=issuer, lang=lang),
        areas=area_titles,
        groups=groups,
        problems=problems,
        rectification=rect,
        appendix=appendix,
        rectification_source=source,
        evaluated=result.summary.evaluated,
        findings=len(result.findings),
        rejected=len(result.rejected),
        incomplete=result.summary.incomplete,
        warnings=[f"{w.org_id}: {w.message}" if w.org_id else w.message for w in result.warnings],
        rejected_sources=[f"{r.source}: {'; '.join(r.errors)}" for r in result.rejected],
        owed=owed,
        feedback=feedback,
        praise=_praise(result, groups, criterion_titles),
        rollups=_rollups(result, criterion_titles),
        appendix_groups=appendix_groups,
        tiers=tier_distribution(result.organizations, pack_model, ungrouped=UNGROUPED, lang=lang),
    )


def review_heading(
    result: RunResult,
    pack_model: Any,
    previous: RunResult | None,
    *,
    title: str | None,
    issuer: str | None,
    lang: str = "en",
) -> dict[str, Any]:
    """The report's title, pack, period, date and issuing department (the pack's ``title_zh``
    and ``issuer_zh`` in ``zh``, where it gives them)."""
    if lang == "zh" and pack_model is not None:
        title = title or getattr(pack_model, "title_zh", None)
        issuer = issuer or getattr(pack_model, "issuer_zh", None)
    return {
        "title": title
        or (pack_model.title if pack_model is not None and pack_model.title else "")
        or result.pack.id,
        "pack_id": result.pack.id,
        "pack_version": result.pack.version,
        "period": str(result.period),
        "as_of": result.as_of,
        "issuer": issuer
        or (getattr(pack_model, "issuer", None) if pack_model is not None else None),
        "previous_period": _previous_period(result, previous),
    }


def _rectification_list(
    result: RunResult,
    ledger_items: Iterable[LedgerItemLike] | None,
    orgs: dict[str, OrgResult],
    as_of: date,
    reader: tuple[str, Titles],
) -> tuple[list[RectificationItem], str]:
    """The rectification list and where it comes from: the ledger's items, or the findings.
    ``reader``: the language and the titles (their Chinese responsibles)."""
    lang, titles = reader
    if ledger_items is not None:
        rect, source = ledger_rectification(ledger_items, orgs, as_of), "ledger"
    else:
        rect, source = _items_from_findings(result, as_of), "findings"
    if lang == "zh":  # ledger items carry the responsible as the ledger stored it
        _ = translations(lang).gettext
        rect = [replace(i, responsible=titles.responsible(i.responsible, _)) for i in rect]
    return rect, source


# -- helpers ---------------------------------------------------------------------------------
@dataclass(slots=True)
class Titles:
    """Group and criterion titles, and the pack's highlight rules (defaults without a pack)."""

    groups: dict[str, str] = field(default_factory=dict)
    criteria: dict[str, str] = field(default_factory=dict)
    bases: dict[str, str] = field(default_factory=dict)  # the criteria's basis_zh in zh
    #: in zh, a free-text responsible -> its responsible_zh (for the ledger's items)
    responsibles: dict[str, str] = field(default_factory=dict)
    movement: tuple[int, int] = (3, 3)
    top: int = 3
    bottom: int = 3

    @classmethod
    def of(cls, result: RunResult, pack_model: Any, lang: str = "en") -> Titles:
        titles = cls()
        if pack_model is not None:
            for g in getattr(pack_model, "groups", ()):
                titles.groups[g.id] = pack_title(g, lang)
            for c in getattr(pack_model, "criteria", ()):
                chinese = getattr(c, "title_zh", None) if lang == "zh" else None
                titles.criteria[c.id] = chinese or c.title
                basis_zh = getattr(c, "basis_zh", None) if lang == "zh" else None
                if basis_zh:
                    titles.bases[c.id] = basis_zh
                titles.add_responsible(getattr(c, "rectify", None), lang)
            mv = pack_model.movement
            titles.movement = (mv.rapid_progress.rank_gain or 0, mv.major_setback.rank_loss or 0)
            titles.top, titles.bottom = pack_model.ranking.top, pack_model.ranking.bottom
        for f in result.findings:
            if f.title and f.criterion not in titles.criteria:
                titles.criteria[f.criterion] = f.title
            titles.add_responsible(f.rectification, lang)
        for gid, ranking in result.rankings.items():
            chinese = ranking.title_zh if lang == "zh" else None
            if (chinese or ranking.title) and gid not in titles.groups:
                titles.groups[gid] = chinese or ranking.title or gid
        return titles

    def add_responsible(self, rectify: Any, lang: str) -> None:
        """Note a pack's or a finding's ``responsible_zh`` for its English responsible."""
        chinese = getattr(rectify, "responsible_zh", None) if lang == "zh" else None
        if chinese and rectify.responsible:
            self.responsibles.setdefault(rectify.responsible, chinese)

    def responsible(self, text: str | None, _: Translator) -> str | None:
        """A responsible as a zh reader reads it: the pack's Chinese for a free text, a
        committee role translated (:func:`~pbrules.report.i18n.responsible_text`)."""
        if text is not None and text in self.responsibles:
            return self.responsibles[text]
        return responsible_text(text, _)


def localized(result: RunResult, lang: str, bases: Mapping[str, str] | None = None) -> RunResult:
    """The result as a reader of ``lang`` reads it: the field names the checks write in a
    message in words (:func:`~pbrules.report.i18n.reader_text`); with ``zh``, each finding's
    ``message_zh``, ``action_zh`` and ``responsible_zh`` in place of the English ones (where
    the pack gives them), committee roles named in Chinese, and the basis from ``bases``
    (criterion id -> the pack's ``basis_zh``)."""
    _ = translations(lang).gettext
    findings = []
    for f in result.findings:
        rect = f.rectification
        subjects = [
            s.model_copy(
                update={"message": (lang == "zh" and s.message_zh) or reader_text(s.message, _)}
            )
            for s in f.subjects or ()
        ]
        if f.subjects is not None:
            f = f.model_copy(update={"subjects": subjects})
        if lang != "zh":
            findings.append(f.model_copy(update={"message": reader_text(f.message, _)}))
            continue
        findings.append(
            f.model_copy(
                update={
                    "message": f.message_zh or reader_text(f.message, _),
                    "basis": (bases or {}).get(f.criterion, f.basis),
                    "rectification": rect.model_copy(
                        update={
                            "action": rect.action_zh or rect.action,
                            "responsible": rect.responsible_zh
                            or responsible_text(rect.responsible, _),
                        }
                    ),
                }
            )
        )
    return result.model_copy(update={"findings": findings})


def _previous_period(result: RunResult, previous: RunResult | None) -> str | None:
    if previous is not None:
        return str(previous.period)
    if any(o.previous_rank is not None for o in result.organizations):
        return str(result.period.previous())  # evaluated with --previous: the period before
    return None


def _area_titles(result: RunResult, pack_model: Any, lang: str) -> dict[str, str]:
    """Titles of the areas that occur in the result, in the pack's order when given."""
    present: dict[str, None] = {}
    for o in result.organizations:
        present.update(dict.fromkeys(o.areas))
    for f in result.findings:
        present[f.area] = None
    return area_titles_of(present, pack_model, lang)


def area_titles_of(present: Iterable[str], pack_model: Any, lang: str = "en") -> dict[str, str]:
    """Each area of ``present`` with its title in ``lang`` (:func:`pack_title`): the pack's
    areas first, in the pack's order (when a pack is given), then the others in their order,
    titled by their id."""
    present = dict.fromkeys(present)
    titles: dict[str, str] = {}
    if pack_model is not None:
        for a in pack_model.areas:
            if a.id in present:
                titles[a.id] = pack_title(a, lang)
    for area in present:
        titles.setdefault(area, area)
    return titles


def _previous_positions(
    previous: RunResult | None,
) -> tuple[dict[str, int], dict[str, float]]:
    if previous is None:
        return {}, {}
    ranks = {o.org_id: o.rank for o in previous.organizations if o.rank is not None}
    totals = {o.org_id: o.total for o in previous.organizations if o.total is not None}
    return ranks, totals


def ranking_row(
    o: OrgResult,
    findings: int,
    prev_rank: Mapping[str, int],
    prev_total: Mapping[str, float],
    movement_rules: tuple[int, int],
) -> RankRow:
    previous_rank, rank_change, movement = o.previous_rank, o.rank_change, o.movement
    previous_total, total_change = o.previous_total, o.total_change
    if previous_rank is None and o.org_id in prev_rank:
        previous_rank = prev_rank[o.org_id]
        if o.rank is not None:
            rank_change = previous_rank - o.rank
            gain, loss = movement_rules
            if gain and rank_change >= gain:
                movement = "rapid_progress"
            elif loss and -rank_change >= loss:
                movement = "major_setback"
            else:
                movement = "steady"
    if previous_total is None and o.org_id in prev_total and o.total is not None:
        previous_total = prev_total[o.org_id]
        total_change = o.total - previous_total
    return RankRow(
        org_id=o.org_id,
        name=o.name,
        rank=o.rank,
        total=o.total,
        grade=o.grade,
        complete=o.complete,
        vetoed=o.vetoed,
        previous_rank=previous_rank,
        rank_change=rank_change,
        previous_total=previous_total,
        total_change=total_change,
        movement=movement,
        areas=dict(o.areas),
        findings=findings,
    )


def _display_key(row: RankRow) -> tuple[int, float, str]:
    """Rank, ties by org id (DESIGN §5); unranked organizations last, by total."""
    if row.rank is not None:
        return (row.rank, 0.0, row.org_id)
    return (1 << 30, -row.total if row.total is not None else 1.0, row.org_id)


def _mark_ties(rows: list[RankRow]) -> list[RankRow]:
    """``tied`` set on every row that shares its rank with another row of the group."""
    counts: dict[int, int] = defaultdict(int)
    for r in rows:
        if r.rank is not None:
            counts[r.rank] += 1
    return [replace(r, tied=True) if r.rank is not None and counts[r.rank] > 1 else r for r in rows]


def _edges(rows: list[RankRow], top_bottom: tuple[int, int]) -> tuple[list[RankRow], list[RankRow]]:
    """Top and bottom N, each with every organization tied with the N-th ("top three" may list
    five), whatever the pack's ``ranking.tie_break`` says: the reader sees every tie."""
    ranked = [r for r in rows if r.rank is not None]
    top_n, bottom_n = (min(n, len(ranked)) for n in top_bottom)
    top = [r for r in ranked if top_n and r.rank <= ranked[top_n - 1].rank]  # type: ignore[operator]
    cut = ranked[len(ranked) - bottom_n].rank if bottom_n else None
    bottom = [r for r in reversed(ranked) if cut is not None and r.rank >= cut]  # type: ignore[operator]
    return top, bottom


def _group_sections(
    result: RunResult,
    orgs: Mapping[str, OrgResult],
    findings_by_org: Mapping[str, list[Finding]],
    group_titles: Mapping[str, str],
    prev_rank: Mapping[str, int],
    prev_total: Mapping[str, float],
    movement_rules: tuple[int, int],
    top_bottom: tuple[int, int],
) -> list[GroupSection]:
    members: dict[str, list[RankRow]] = defaultdict(list)
    order: list[str] = list(result.rankings)
    for o in result.organizations:
        gid = o.group or UNGROUPED
        if gid not in order:
            order.append(gid)
        members[gid].append(
            ranking_row(
                o, len(findings_by_org.get(o.org_id, ())), prev_rank, prev_total, movement_rules
            )
        )
    sections: list[GroupSection] = []
    for gid in order:
        rows = _mark_ties(sorted(members.get(gid, []), key=_display_key))
        if not rows:
            continue
        by_id = {r.org_id: r for r in rows}
        ranking = result.rankings.get(gid)
        top, bottom = _edges(rows, top_bottom) if gid != UNGROUPED else ([], [])
        if ranking is not None and gid != UNGROUPED:
            # biggest movers first (stable: the result's order among equals)
            rapid = sorted(
                (by_id[i] for i in ranking.rapid_progress if i in by_id),
                key=lambda r: -(r.rank_change or 0),
            )
            setbacks = sorted(
                (by_id[i] for i in ranking.major_setbacks if i in by_id),
                key=lambda r: r.rank_change or 0,
            )
        else:
            rapid, setbacks = [], []
        if not rapid and not setbacks:
            rapid = sorted(
                (r for r in rows if r.movement == "rapid_progress"),
                key=lambda r: (-(r.rank_change or 0), r.org_id),
            )
            setbacks = sorted(
                (r for r in rows if r.movement == "major_setback"),
                key=lambda r: (r.rank_change or 0, r.org_id),
            )
        sections.append(
            GroupSection(
                id=gid,
                title=group_titles.get(gid, gid),
                rows=rows,
                top=top,
                bottom=bottom,
                rapid_progress=rapid,
                major_setbacks=setbacks,
            )
        )
    return sections


def _problems(
    findings: Iterable[Finding], area_titles: Mapping[str, str], criterion_titles: Mapping[str, str]
) -> list[AreaProblems]:
    by_criterion: dict[tuple[str, str], list[Finding]] = defaultdict(list)
    for f in findings:
        by_criterion[(f.area, f.criterion)].append(f)
    areas: dict[str, list[CriterionProblems]] = defaultdict(list)
    for (area, criterion), items in by_criterion.items():
        counts: dict[str, int] = defaultdict(int)
        names: dict[str, str] = {}
        for f in items:
            counts[f.org_id] += 1
            names[f.org_id] = f.org_name
        worst = max((SEVERITY_RANK.get(str(f.severity), 0), str(f.severity)) for f in items)[1]
        items_sorted = sorted(
            items,
            key=lambda f: (-SEVERITY_RANK.get(str(f.severity), 0), f.org_id, f.fingerprint),
        )
        areas[area].append(
            CriterionProblems(
                criterion=criterion,
                title=criterion_titles.get(criterion, criterion),
                area=area,
                severity=worst,
                count=len(items),
                points_lost=sum(f.points_lost for f in items),
                organizations=sorted(
                    (OrgCount(i, names[i], n) for i, n in counts.items()),
                    key=lambda c: (-c.count, c.org_id),
                ),
                findings=items_sorted,
                basis=next((f.basis for f in items if f.basis), None),
            )
        )
    out: list[AreaProblems] = []
    for area, crits in areas.items():
        crits.sort(key=lambda c: (-SEVERITY_RANK.get(c.severity, 0), -c.count, c.criterion))
        out.append(
            AreaProblems(
                id=area,
                title=area_titles.get(area, area),
                count=sum(c.count for c in crits),
                criteria=crits,
            )
        )
    out.sort(
        key=lambda a: (
            -max(SEVERITY_RANK.get(c.severity, 0) for c in a.criteria),
            -a.count,
            a.id,
        )
    )
    return out


def _rect_key(item: RectificationItem) -> tuple[int, int, date, str]:
    closed = item.status in {"closed", "rectified", "waived"}
    return (0 if item.overdue else 1, 1 if closed else 0, item.due or date.max, item.number)


def ledger_rectification(
    items: Iterable[LedgerItemLike], orgs: Mapping[str, OrgResult], as_of: date
) -> list[RectificationItem]:
    out: list[RectificationItem] = []
    for item in items:
        status = str(getattr(item, "status", "open"))
        org = orgs.get(item.org_id)
        name = getattr(item, "org_name", None) or (org.name if org else item.org_id)
        out.append(
            RectificationItem(
                number=str(item.number),
                org_id=item.org_id,
                org_name=str(name),
                criterion=item.criterion,
                problem=item.message,
                responsible=item.responsible,
                due=item.due,
                status=status,
                overdue=bool(getattr(item, "overdue", False)),
                provisional=False,
                action=getattr(item, "action", None),
            )
        )
    out.sort(key=_rect_key)
    return out


#: full marks: a total this close to 100 prints as 100
FULL_MARKS = 99.995
#: organization kinds whose subordinates' findings are rolled up (townships and streets)
ROLLUP_KINDS = frozenset({"township_committee", "street_working_committee"})


def _praise(
    result: RunResult, groups: list[GroupSection], criterion_titles: Mapping[str, str]
) -> Praise:
    full = [
        (g.title, [r for r in g.rows if r.total is not None and r.total >= FULL_MARKS])
        for g in groups
        if g.ranked
    ]
    applied: dict[str, int] = defaultdict(int)
    failed: set[str] = set()
    for o in result.organizations:
        for c in o.criteria:
            status = str(c.status)
            if status == "not_applicable":
                continue
            applied[c.id] += 1
            if status != "pass" or c.earned < c.max:
                failed.add(c.id)
    failed |= {f.criterion for f in result.findings}
    met = [
        (cid, criterion_titles.get(cid, cid), n)
        for cid, n in sorted(applied.items())
        if cid not in failed and n > 1
    ]
    return Praise(full_marks=[(t, rows) for t, rows in full if rows], criteria_met=met)


def _rollups(result: RunResult, criterion_titles: Mapping[str, str]) -> list[RollUp]:
    """Per township: how many of its direct subordinates have a finding of each criterion."""
    parents = {o.org_id: o for o in result.organizations if o.kind in ROLLUP_KINDS}
    subordinates: dict[str, int] = defaultdict(int)
    for o in result.organizations:
        if o.parent_id in parents:
            subordinates[o.parent_id] += 1
    parent_of = {o.org_id: o.parent_id for o in result.organizations}
    hit: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for f in result.findings:
        parent = parent_of.get(f.org_id)
        if parent in parents:
            hit[parent][f.criterion].add(f.org_id)
    out = []
    for pid in sorted(parents):
        by_criterion = sorted(
            ((c, criterion_titles.get(c, c), len(orgs)) for c, orgs in hit[pid].items()),
            key=lambda t: (-t[2], t[0]),
        )
        if by_criterion:
            out.append(RollUp(pid, parents[pid].name, subordinates[pid], by_criterion))
    return out


#: the due date the ``feedback.problems`` check states in a finding's message, in English
#: ("due 2026-08-01") or in Chinese ("应于2026-08-01前整改")
FEEDBACK_DUE = re.compile(r"(?:\bdue |应于)(\d{4}-\d{2}-\d{2})(?!\d)")


def _feedback(result: RunResult, as_of: date) -> list[FeedbackItem]:
    """Problems fed back by the district (findings whose subject is a ``feedback`` record) and
    their state: overdue when the due date the check states is past on ``as_of``."""
    out = []
    for f in sorted(result.findings, key=lambda f: (f.org_id, f.criterion, f.fingerprint)):
        for subject, message in record_subjects(f, "feedback"):
            found = FEEDBACK_DUE.search(message)
            due = date.fromisoformat(found.group(1)) if found else None
            overdue = due is not None and due < as_of
            out.append(
                FeedbackItem(f.org_id, f.org_name, subject, f.criterion, message, due, overdue)
            )
    return out


def _owed(
    result: RunResult,
    rect: list[RectificationItem],
    source: str,
    feedback: list[FeedbackItem],
) -> list[OwedItem]:
    """Work owed from before: with a ledger, its overdue items; without one, the overdue items
    the checks found in the organizations' own rectification records (a finding whose subject
    is a ``rectification`` record) and the district's feedback past its due date."""
    if source == "ledger":
        return [
            OwedItem(i.org_id, i.org_name, i.number, i.criterion, i.problem, i.due, i.responsible)
            for i in rect
            if i.overdue
        ]
    late = [
        OwedItem(k.org_id, k.org_name, k.item, k.criterion, k.problem, k.due, None)
        for k in feedback
        if k.overdue
    ]
    return late + [
        OwedItem(
            f.org_id, f.org_name, subject, f.criterion, message, None,
            f.rectification.responsible,
        )
        for f in sorted(result.findings, key=lambda f: (f.org_id, f.criterion, f.fingerprint))
        for subject, message in record_subjects(f, "rectification")
    ]  # fmt: skip


def record_subjects(f: Finding, kind: str) -> list[tuple[str, str]]:
    """(id, message) of the ``kind`` records a finding is about: its subject, or the subjects
    an organization-level finding stands for (one finding per problem)."""
    if f.subject is not None:
        return [(f.subject.id, f.message)] if f.subject.type == kind else []
    return [(s.id, s.message) for s in f.subjects or () if s.type == kind]


def _items_from_findings(result: RunResult, as_of: date) -> list[RectificationItem]:
    """Items built from the findings, one per problem (:func:`one_task_per_problem`), numbered
    0001... in the order the list shows them (overdue first, then by due date, organization,
    criterion and subject)."""

    def key(f: Finding) -> tuple[bool, date, str, str, str, str]:
        due = f.rectification.due
        overdue = due is not None and due < as_of
        subject = f.subject.id if f.subject else ""
        return (not overdue, due or date.max, f.org_id, f.criterion, subject, f.fingerprint)

    out: list[RectificationItem] = []
    for n, f in enumerate(sorted(one_task_per_problem(result.findings), key=key), start=1):
        due = f.rectification.due
        out.append(
            RectificationItem(
                number=f"{result.period}-{n:04d}",
                org_id=f.org_id,
                org_name=f.org_name,
                criterion=f.criterion,
                problem=f.message,
                responsible=f.rectification.responsible,
                due=due,
                status="open",
                overdue=due is not None and due < as_of,
                provisional=True,
                action=f.rectification.action,
            )
        )
    return out


def _appendix_groups(result: RunResult, group_titles: Mapping[str, str]) -> list[AppendixGroup]:
    """Each peer group's count and score range, in the rankings' order (ungrouped last)."""
    totals: dict[str, list[float]] = defaultdict(list)
    incomplete: dict[str, int] = defaultdict(int)
    for o in result.organizations:
        if o.total is None:  # nothing applicable: no score to summarize (DESIGN §12.2)
            continue
        gid = o.group or UNGROUPED
        if o.total is not None:  # an unscored organization has no score to range over
            totals[gid].append(o.total)
        incomplete[gid] += 0 if o.complete else 1
    order = {gid: i for i, gid in enumerate(result.rankings)}
    return [
        AppendixGroup(
            group=gid,
            title=group_titles.get(gid, gid),
            organizations=len(values),
            mean=round(sum(values) / len(values), 2),
            lowest=min(values),
            highest=max(values),
            incomplete=incomplete[gid],
        )
        for gid, values in sorted(totals.items(), key=lambda kv: (order.get(kv[0], 1 << 30), kv[0]))
    ]


def _appendix(
    result: RunResult,
    findings_by_org: Mapping[str, list[Finding]],
    area_titles: Mapping[str, str],
    criterion_titles: Mapping[str, str],
    group_titles: Mapping[str, str],
    zh: bool = False,
) -> list[OrgAppendix]:
    out: list[OrgAppendix] = []
    group_order = {gid: i for i, gid in enumerate(result.rankings)}
    orgs = sorted(
        result.organizations,
        key=lambda o: (
            group_order.get(o.group or UNGROUPED, len(group_order)),
            o.rank if o.rank is not None else 1 << 30,
            o.org_id,
        ),
    )
    for o in orgs:
        found = findings_by_org.get(o.org_id, ())
        lost = _lost_points(o, found, area_titles, criterion_titles, zh)
        lost.sort(key=lambda a: (-a.lost, a.criterion))
        gid = o.group or UNGROUPED
        out.append(
            OrgAppendix(
                org_id=o.org_id,
                name=o.name,
                kind=o.kind,
                group=gid,
                group_title=group_titles.get(gid, gid),
                rank=o.rank,
                group_size=o.group_size,
                total=o.total,
                base_total=o.base_total,
                bonus=o.bonus,
                grade=o.grade,
                complete=o.complete,
                vetoed=o.vetoed,
                areas=[(a, area_titles.get(a, a), s) for a, s in o.areas.items()],
                lost=lost,
            )
        )
    return out


def _lost_points(
    o: OrgResult,
    findings: Iterable[Finding],
    area_titles: Mapping[str, str],
    criterion_titles: Mapping[str, str],
    zh: bool = False,
) -> list[AppendixCriterion]:
    """The organization's criteria that lost points, have findings or errored; a criterion
    without findings shows its note (``note_zh`` with ``zh``, where the result has it)."""
    by_criterion: dict[str, list[Finding]] = defaultdict(list)
    for f in findings:
        by_criterion[f.criterion].append(f)
    lost: list[AppendixCriterion] = []
    seen: set[str] = set()
    for c in o.criteria:
        fs = by_criterion.get(c.id, [])
        if c.earned >= c.max and not fs and str(c.status) != "error":
            continue
        seen.add(c.id)
        area = fs[0].area if fs else ""
        lost.append(
            AppendixCriterion(
                criterion=c.id,
                title=criterion_titles.get(c.id, c.id),
                area=area_titles.get(area, area),
                status=str(c.status),
                earned=c.earned,
                max=c.max,
                lost=max(0.0, c.max - c.earned),
                messages=[f.message for f in fs] or _note_of(c, zh),
                evidence=sorted({e for f in fs for e in f.evidence}),
            )
        )
    for cid, fs in by_criterion.items():  # findings of criteria not listed (defensive)
        if cid in seen:
            continue
        lost.append(
            AppendixCriterion(
                criterion=cid,
                title=criterion_titles.get(cid, cid),
                area=area_titles.get(fs[0].area, fs[0].area),
                status=str(fs[0].status),
                earned=0.0,
                max=0.0,
                lost=sum(f.points_lost for f in fs),
                messages=[f.message for f in fs],
                evidence=sorted({e for f in fs for e in f.evidence}),
            )
        )
    return lost


def _note_of(c: CriterionResult, zh: bool) -> list[str]:
    """A criterion's note as the reader reads it (none when it has none)."""
    note = (c.note_zh if zh else None) or c.note
    return [note] if note else []


def severity_rank(severity: str | Severity) -> int:
    """1 minor, 2 major, 3 critical (0 unknown)."""
    return SEVERITY_RANK.get(str(severity), 0)
