"""The review briefing (html, md, docx) of a big result, built from a bounded intake.

:func:`build_brief` reads the result document one finding, then one organization, at a time
(:mod:`pbrules.result_stream`) into a temporary SQLite file, keeps per peer group, per area
and per criterion only figures (counts, sums, lowest, highest, worst severity), and queries
back the lists the briefing shows, each cut at a documented limit (:class:`BriefLimits`):

- per group: the ranking's first and last ``rows`` organizations (ties marked over the whole
  group), top and bottom with ties, rapid progress and major setbacks, full marks;
- per criterion: the organizations concerned and the findings, worst first;
- the rectification tasks (one per problem, numbered in the list's order, overdue first),
  the work owed from before, the district's feedback and the township roll-ups.

A cut list is a :class:`Head`: it holds its first items and knows how many there are, so the
counts the review prints are the whole result's, and the renderers add a line saying how many
are listed (every item is in the xlsx review and the result). The appendix summarizes each
peer group. The rest of the :class:`~pbrules.report.model.Report` is the same as
:func:`~pbrules.report.model.build_report` gives for the same result (the tests compare them).

``pbrules report`` uses it for ``--format html|md|docx`` when the result document is larger
than :data:`BRIEF_BYTES`. What stays in memory: the aggregates above, a findings count per
organization that has findings, and with ``--previous`` the previous ranks.
"""

from __future__ import annotations

import io
import json
import sqlite3
import tempfile
from collections import defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import IO, Any, TypeVar

from pydantic import BaseModel, ConfigDict, Field

from pbrules.errors import UsageError
from pbrules.model.result import Finding, OrgResult, RunResult
from pbrules.report.i18n import Translator, check_lang, responsible_text, translations
from pbrules.report.model import (
    FEEDBACK_DUE,
    FULL_MARKS,
    ROLLUP_KINDS,
    SEVERITY_RANK,
    UNGROUPED,
    AppendixGroup,
    AreaProblems,
    CriterionProblems,
    FeedbackItem,
    GroupSection,
    OrgCount,
    OwedItem,
    Praise,
    RankRow,
    RectificationItem,
    Report,
    RollUp,
    Titles,
    area_titles_of,
    ledger_rectification,
    localized,
    ranking_row,
    record_subjects,
    review_heading,
)
from pbrules.report.stream import STREAM_BYTES, _OrgRow, _previous, _skeleton, write_tasks
from pbrules.report.tiers import GroupTiers, tier_distribution
from pbrules.result_stream import ResultStream, open_result

__all__ = [
    "BRIEF_BYTES",
    "BRIEF_FORMATS",
    "Brief",
    "BriefLimits",
    "Head",
    "build_brief",
    "write_brief",
]

#: result documents larger than this get the briefing from the bounded intake (the same switch
#: as the streamed workbook, :data:`pbrules.report.stream.STREAM_BYTES`: about 25,000
#: organizations)
BRIEF_BYTES = STREAM_BYTES
#: the formats built from the bounded intake (the xlsx review is streamed: report.stream)
BRIEF_FORMATS = ("md", "html", "docx")
_BATCH = 2_000
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class BriefLimits:
    """How long each list of the briefing may be."""

    #: organizations listed at each end of a group's ranking (and movers, full marks)
    rows: int = 500
    #: organizations and findings listed per criterion
    per_criterion: int = 50
    #: rectification tasks, work owed, feedback and township roll-ups listed
    items: int = 1000


class Head(list[T]):
    """The first items of a longer list: iteration, indexing and slicing give the items held
    (:attr:`shown`); ``len()`` is the whole list's length, so the counts a template prints
    (``|length``) are the result's."""

    __slots__ = ("_total",)

    def __init__(self, items: list[T], total: int) -> None:
        super().__init__(items)
        self._total = max(total, super().__len__())

    @property
    def shown(self) -> list[T]:
        return list(iter(self))

    def __len__(self) -> int:
        return self._total

    def __repr__(self) -> str:
        return f"Head({super().__len__()} of {self._total})"


@dataclass(frozen=True, slots=True)
class Brief(Report):
    """A :class:`Report` whose long lists are :class:`Head` s; ``overdue`` counted in full."""

    overdue_count: int = 0

    @property
    def overdue(self) -> int:
        return self.overdue_count


def shown_of(items: Sequence[Any]) -> tuple[int, int] | None:
    """(listed, total) of a cut list; None for a list shown in full."""
    if isinstance(items, Head) and list.__len__(items) < len(items):
        return list.__len__(items), len(items)
    return None


def cut_note(items: Sequence[Any], *, _: Translator) -> str:
    """The line under a cut list saying how many of its items are listed ("" for a full
    list, so a review of a small result is unchanged)."""
    cut = shown_of(items)
    if cut is None:
        return ""
    return _(
        "{shown} of {total} rows are listed here; every row is in the xlsx review and the "
        "result document."
    ).format(shown=f"{cut[0]:,}", total=f"{cut[1]:,}")


class _Criterion(BaseModel):
    model_config = ConfigDict(extra="ignore")

    id: str
    status: str
    earned: float = 0.0
    max: float = 0.0


class _BriefOrg(_OrgRow):
    kind: str = ""
    tier: str | None = None
    tier_scores: dict[str, Any] | None = None
    parent_id: str | None = None
    criteria: list[_Criterion] = Field(default_factory=list)


_SCHEMA = """
CREATE TABLE fd (area TEXT, criterion TEXT, sev INTEGER, org TEXT, name TEXT, fp TEXT,
                 finding TEXT);
CREATE TABLE rs (kind TEXT, org TEXT, name TEXT, criterion TEXT, fp TEXT, n INTEGER, item TEXT,
                 message TEXT, due TEXT, late INTEGER, responsible TEXT);
CREATE TABLE tk (late INTEGER, due TEXT, org TEXT, criterion TEXT, subject TEXT, fp TEXT,
                 finding TEXT);
CREATE TABLE og (grp INTEGER, k0 INTEGER, k1 REAL, org TEXT, rank INTEGER, total REAL,
                 movement TEXT, change INTEGER, kind TEXT, parent TEXT, row TEXT);
CREATE TABLE mv (org TEXT, kind TEXT, pos INTEGER);
"""


@dataclass
class _Intake:
    db: sqlite3.Connection
    lang: str
    as_of: date
    titles: Titles
    limits: BriefLimits
    findings: int = 0
    per_org: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    criteria: dict[tuple[str, str], list[Any]] = field(default_factory=dict)
    present: dict[str, None] = field(default_factory=dict)  # areas, organizations' first
    finding_areas: dict[str, None] = field(default_factory=dict)
    groups: dict[str, int] = field(default_factory=dict)
    scores: dict[str, list[Any]] = field(default_factory=dict)  # n, sum, low, high, incomplete
    applied: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    failed: set[str] = field(default_factory=set)
    moved: bool = False  # some organization carries a previous rank
    tiers: dict[tuple[str | None, str | None], int] = field(
        default_factory=lambda: defaultdict(int)
    )
    tier_ids: dict[str, None] = field(default_factory=dict)  # as the result names them


def build_brief(
    path: str | Path,
    *,
    previous: str | Path | None = None,
    ledger: Any = None,
    pack: Any = None,
    issuer: str | None = None,
    title: str | None = None,
    lang: str | None = "en",
    limits: BriefLimits | None = None,
) -> Brief:
    """The briefing model of the result document at ``path``, read streaming."""
    code = check_lang(lang)
    stream = open_result(path)
    tail = stream.tail()
    skeleton = _skeleton(stream, tail)
    pack_model = getattr(pack, "model", pack)
    with tempfile.TemporaryDirectory(prefix="pbrules-brief-") as tmp:
        db = sqlite3.connect(Path(tmp) / "brief.sqlite")
        try:
            db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
            intake = _Intake(
                db, code, skeleton.as_of or skeleton.period.end,
                Titles.of(skeleton, pack_model, code), limits or BriefLimits(),
            )  # fmt: skip
            _read_findings(intake, stream, skeleton)
            _read_organizations(intake, stream, list(tail.rankings), _previous(previous))
            return _assemble(intake, skeleton, pack_model, previous, ledger, issuer, title)
        finally:
            db.close()


def write_brief(
    path: str | Path,
    fmt: str,
    out: IO[bytes],
    *,
    lang: str | None = "en",
    limits: BriefLimits | None = None,
    **options: Any,
) -> Brief:
    """Build the briefing of the result document at ``path`` (:func:`build_brief`, with
    ``previous``, ``ledger``, ``pack``, ``issuer`` and ``title`` as there) and write it to
    ``out`` in ``fmt`` (md, html or docx)."""
    from pbrules.report.render import render_docx, render_html, render_markdown

    if fmt not in BRIEF_FORMATS:
        raise UsageError(f"the briefing is written as {', '.join(BRIEF_FORMATS)}, not {fmt!r}")
    code = check_lang(lang)
    brief = build_brief(path, lang=code, limits=limits, **options)
    if fmt == "docx":
        buf = io.BytesIO()  # python-docx needs a seekable stream; stdout is not one
        render_docx(brief, buf, lang=code)
        out.write(buf.getvalue())
    else:
        render = render_html if fmt == "html" else render_markdown
        out.write(render(brief, lang=code).encode("utf-8"))
    return brief


# -- intake -------------------------------------------------------------------------------------
def _read_findings(intake: _Intake, stream: ResultStream, skeleton: RunResult) -> None:
    batch: list[Finding] = []
    for f in stream.findings():
        batch.append(f)
        if len(batch) >= _BATCH:
            _add_findings(intake, localized(skeleton.model_copy(update={"findings": batch}),
                                            intake.lang, intake.titles.bases).findings)  # fmt: skip
            batch = []
    _add_findings(intake, localized(skeleton.model_copy(update={"findings": batch}),
                                    intake.lang, intake.titles.bases).findings)  # fmt: skip
    _tasks(intake)
    intake.db.execute("CREATE INDEX fd_key ON fd (area, criterion)")


def _add_findings(intake: _Intake, findings: list[Finding]) -> None:
    rows = []
    for f in findings:
        intake.findings += 1
        intake.finding_areas[f.area] = None
        intake.per_org[f.org_id] += 1
        sev = SEVERITY_RANK.get(str(f.severity), 0)
        agg = intake.criteria.setdefault((f.area, f.criterion), [0, 0, "minor", 0.0, None])
        agg[0] += 1
        if sev > agg[1]:
            agg[1], agg[2] = sev, str(f.severity)
        agg[3] += f.points_lost
        agg[4] = agg[4] or f.basis
        if f.title and f.criterion not in intake.titles.criteria:
            intake.titles.criteria[f.criterion] = f.title
        rows.append((f.area, f.criterion, sev, f.org_id, f.org_name, f.fingerprint,
                     f.model_dump_json()))  # fmt: skip
        _records(intake, f)
    intake.db.executemany("INSERT INTO fd VALUES (?,?,?,?,?,?,?)", rows)


def _records(intake: _Intake, f: Finding) -> None:
    """The feedback and rectification records a finding is about (its subject, or the
    subjects it stands for), one row each, with the due date a feedback message states."""
    rows = []
    for kind in ("feedback", "rectification"):
        for n, (item, message) in enumerate(record_subjects(f, kind)):
            found = FEEDBACK_DUE.search(message) if kind == "feedback" else None
            due = date.fromisoformat(found.group(1)) if found else None
            late = int(due is not None and due < intake.as_of)
            day = due.isoformat() if due else None
            rows.append((kind, f.org_id, f.org_name, f.criterion, f.fingerprint, n, item,
                         message, day, late, f.rectification.responsible))  # fmt: skip
    if rows:
        intake.db.executemany("INSERT INTO rs VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)


def _tasks(intake: _Intake) -> None:
    """One task per problem, per organization and criterion (:func:`one_task_per_problem`)."""
    intake.db.execute("CREATE INDEX fd_org ON fd (org, criterion)")
    write_tasks(intake.db, "fd", "tk", lambda tasks: _task_rows(intake, tasks))


def _task_rows(intake: _Intake, findings: list[Finding]) -> Iterator[tuple[Any, ...]]:
    for f in findings:
        due = f.rectification.due
        late = 0 if due is not None and due < intake.as_of else 1
        yield (late, (due or date.max).isoformat(), f.org_id, f.criterion,
               f.subject.id if f.subject else "", f.fingerprint, f.model_dump_json())  # fmt: skip


def _read_organizations(
    intake: _Intake,
    stream: ResultStream,
    ranking_order: list[str],
    previous: tuple[dict[str, int], dict[str, float]],
) -> None:
    intake.groups = {gid: i for i, gid in enumerate(ranking_order)}
    rows: list[tuple[Any, ...]] = []
    for o in stream.rows("organizations", _BriefOrg):
        _count(intake, o)
        gid = o.group or UNGROUPED
        pos = intake.groups.setdefault(gid, len(intake.groups))
        org = OrgResult.model_construct(**{k: getattr(o, k) for k in _OrgRow.model_fields})
        r = ranking_row(org, intake.per_org.get(o.org_id, 0), *previous, intake.titles.movement)
        k0, k1 = (r.rank, 0.0) if r.rank is not None else (
            1 << 30, -r.total if r.total is not None else 1.0)  # fmt: skip
        rows.append((pos, k0, k1, r.org_id, r.rank, r.total, r.movement, r.rank_change,
                     o.kind, o.parent_id, json.dumps(asdict(r))))  # fmt: skip
        if len(rows) >= _BATCH:
            intake.db.executemany("INSERT INTO og VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
            rows = []
    intake.db.executemany("INSERT INTO og VALUES (?,?,?,?,?,?,?,?,?,?,?)", rows)
    intake.db.executescript(
        "CREATE INDEX og_key ON og (grp, k0, k1, org); CREATE INDEX og_org ON og (org);"
        "CREATE INDEX og_parent ON og (parent);"
        "CREATE TABLE tie AS SELECT grp, rank FROM og WHERE rank IS NOT NULL "
        "GROUP BY grp, rank HAVING COUNT(*) > 1; CREATE INDEX tie_key ON tie (grp, rank);"
    )


def _count(intake: _Intake, o: _BriefOrg) -> None:
    """An organization's share of the figures: areas, group scores, criteria applied."""
    intake.present.update(dict.fromkeys(o.areas))
    intake.tiers[(o.group, o.tier)] += 1
    intake.tier_ids.update(dict.fromkeys(o.tier_scores or ()))
    intake.moved = intake.moved or o.previous_rank is not None
    if o.total is not None:  # nothing applicable: no score to summarize (DESIGN §12.2)
        s = intake.scores.setdefault(o.group or UNGROUPED, [0, 0.0, o.total, o.total, 0])
        s[0] += 1
        s[1] += o.total
        s[2], s[3] = min(s[2], o.total), max(s[3], o.total)
        s[4] += 0 if o.complete else 1
    for c in o.criteria:
        if c.status == "not_applicable":
            continue
        intake.applied[c.id] += 1
        if c.status != "pass" or c.earned < c.max:
            intake.failed.add(c.id)


# -- the model ----------------------------------------------------------------------------------
def _assemble(
    intake: _Intake,
    skeleton: RunResult,
    pack_model: Any,
    previous: str | Path | None,
    ledger: Any,
    issuer: str | None,
    title: str | None,
) -> Brief:
    areas = _area_titles(intake, pack_model)
    sections = (_group(intake, gid, pos, skeleton) for gid, pos in intake.groups.items())
    groups = [g for g in sections if g is not None]
    heading = review_heading(
        skeleton, pack_model, None, title=title, issuer=issuer, lang=intake.lang
    )
    if previous is not None:
        heading["previous_period"] = str(open_result(previous).header.period)
    elif intake.moved:
        heading["previous_period"] = str(skeleton.period.previous())
    feedback = _feedback(intake)
    if ledger is not None:
        rect, owed = _from_ledger(intake, skeleton, ledger)
        overdue = len(owed)
    else:
        rect, owed = _rectification(intake, str(skeleton.period)), _owed(intake, feedback)
        overdue = (
            len(owed) + intake.db.execute("SELECT COUNT(*) FROM tk WHERE late = 0").fetchone()[0]
        )
    return Brief(
        **heading,
        areas=areas,
        groups=groups,
        problems=_problems(intake, areas),
        rectification=rect,
        appendix=[],
        rectification_source="findings" if ledger is None else "ledger",
        evaluated=skeleton.summary.evaluated,
        findings=intake.findings,
        rejected=len(skeleton.rejected),
        incomplete=skeleton.summary.incomplete,
        warnings=[f"{w.org_id}: {w.message}" if w.org_id else w.message for w in skeleton.warnings],
        rejected_sources=[f"{r.source}: {'; '.join(r.errors)}" for r in skeleton.rejected],
        appendix_groups=_appendix_groups(intake),
        owed=owed,
        feedback=feedback,
        praise=_praise(intake, groups),
        rollups=_rollups(intake),
        tiers=_tiers(intake, pack_model),
        overdue_count=overdue,
    )


@dataclass(frozen=True, slots=True)
class _TierOrg:
    """What :func:`tier_distribution` reads of an organization."""

    group: str | None
    tier: str | None
    tier_scores: dict[str, None]


def _tiers(intake: _Intake, pack_model: Any) -> dict[str, GroupTiers]:
    """The tier distribution from the counts per group and tier (one shared stand-in object
    per count: a reference per organization, not an organization)."""
    stand_ins = [
        o for (g, t), n in intake.tiers.items() for o in [_TierOrg(g, t, intake.tier_ids)] * n
    ]
    return tier_distribution(
        stand_ins,  # type: ignore[arg-type]
        pack_model,
        ungrouped=UNGROUPED,
        lang=intake.lang,
    )


def _area_titles(intake: _Intake, pack_model: Any) -> dict[str, str]:
    return area_titles_of({**intake.present, **intake.finding_areas}, pack_model, intake.lang)


def _rank_rows(intake: _Intake, sql: str, args: Sequence[Any]) -> list[RankRow]:
    """Ranking rows from a query of ``og`` (its ``row`` then whether its rank is tied)."""
    out = []
    for row, tied in intake.db.execute(sql, args):
        values = json.loads(row)
        values["tied"] = bool(tied)
        out.append(RankRow(**values))
    return out


_ROWS = (
    "SELECT og.row, tie.rank IS NOT NULL FROM og LEFT JOIN tie "
    "ON tie.grp = og.grp AND tie.rank = og.rank WHERE og.grp = ? {where} ORDER BY {order} LIMIT ?"
)
_DISPLAY = "og.k0, og.k1, og.org"


def _group(intake: _Intake, gid: str, pos: int, skeleton: RunResult) -> GroupSection | None:
    """One peer group: its ranking's first and last organizations, edges and movers."""
    db, cap = intake.db, intake.limits.rows
    size = db.execute("SELECT COUNT(*) FROM og WHERE grp = ?", (pos,)).fetchone()[0]
    if not size:
        return None
    first = _rank_rows(intake, _ROWS.format(where="", order=_DISPLAY), (pos, cap))
    last: list[RankRow] = []
    if size > cap:
        back = "og.k0 DESC, og.k1 DESC, og.org DESC"
        last = _rank_rows(intake, _ROWS.format(where="", order=back), (pos, min(cap, size - cap)))
    rows = first + last[::-1]
    top, bottom = _edges(intake, pos) if gid != UNGROUPED else ([], [])
    rapid, setbacks = _movers(intake, gid, pos, skeleton)
    return GroupSection(
        id=gid,
        title=intake.titles.groups.get(gid, gid),
        rows=Head(rows, size),
        top=top,
        bottom=bottom,
        rapid_progress=rapid,
        major_setbacks=setbacks,
    )


def _edges(intake: _Intake, pos: int) -> tuple[list[RankRow], list[RankRow]]:
    """Top and bottom N, each with every organization tied with the N-th (as
    :func:`pbrules.report.model._edges`), at most ``limits.rows`` each."""
    db, cap = intake.db, intake.limits.rows
    ranked = "FROM og WHERE grp = ? AND rank IS NOT NULL"
    count = db.execute(f"SELECT COUNT(*) {ranked}", (pos,)).fetchone()[0]
    out: list[list[RankRow]] = []
    for n, order, compare in (
        (intake.titles.top, _DISPLAY, "<="),
        (intake.titles.bottom, "og.k0 DESC, og.k1 DESC, og.org DESC", ">="),
    ):
        n = min(n, count)
        if not n:
            out.append([])
            continue
        edge = db.execute(
            f"SELECT rank {ranked} ORDER BY {order.replace('og.', '')} LIMIT 1 OFFSET ?",
            (pos, n - 1),
        ).fetchone()[0]
        where = f"AND og.rank IS NOT NULL AND og.rank {compare} ?"
        rows = _rank_rows(intake, _ROWS.format(where=where, order=order), (pos, edge, cap))
        total = db.execute(f"SELECT COUNT(*) FROM og WHERE og.grp = ? {where}", (pos, edge))
        out.append(Head(rows, total.fetchone()[0]))
    return out[0], out[1]


def _movers(
    intake: _Intake, gid: str, pos: int, skeleton: RunResult
) -> tuple[Head[RankRow], Head[RankRow]]:
    """Rapid progress and major setbacks, biggest first: the result's ranking lists, or
    without them the organizations' movement labels."""
    db, cap = intake.db, intake.limits.rows
    ranking = skeleton.rankings.get(gid) if gid != UNGROUPED else None
    db.execute("DELETE FROM mv")
    if ranking is not None:
        db.executemany("INSERT INTO mv VALUES (?,?,?)", [
            *((i, "rapid_progress", n) for n, i in enumerate(ranking.rapid_progress)),
            *((i, "major_setback", n) for n, i in enumerate(ranking.major_setbacks))])  # fmt: skip
    listed = ranking is not None and bool(ranking.rapid_progress or ranking.major_setbacks)
    out: list[Head[RankRow]] = []
    for kind, sign in (("rapid_progress", "-"), ("major_setback", "")):
        if listed:
            where = "AND og.org IN (SELECT org FROM mv WHERE kind = ?)"
            order = f"{sign}COALESCE(og.change, 0), (SELECT MIN(pos) FROM mv WHERE mv.org = og.org)"
        elif gid != UNGROUPED:
            where, order = "AND og.movement = ?", f"{sign}COALESCE(og.change, 0), og.org"
        else:
            out.append(Head([], 0))
            continue
        sql = _ROWS.format(where=where, order=order)
        total = db.execute(f"SELECT COUNT(*) FROM og WHERE og.grp = ? {where}", (pos, kind))
        out.append(Head(_rank_rows(intake, sql, (pos, kind, cap)), total.fetchone()[0]))
    return out[0], out[1]


def _problems(intake: _Intake, areas: dict[str, str]) -> list[AreaProblems]:
    by_area: dict[str, list[CriterionProblems]] = defaultdict(list)
    for (area, criterion), (count, _worst, severity, points, basis) in intake.criteria.items():
        by_area[area].append(CriterionProblems(
            criterion=criterion, title=intake.titles.criteria.get(criterion, criterion),
            area=area, severity=severity, count=count, points_lost=points,
            organizations=_concerned(intake, area, criterion),
            findings=_listed(intake, area, criterion, count), basis=basis))  # fmt: skip
    out: list[AreaProblems] = []
    for area, crits in by_area.items():
        crits.sort(key=lambda c: (-SEVERITY_RANK.get(c.severity, 0), -c.count, c.criterion))
        out.append(AreaProblems(area, areas.get(area, area), sum(c.count for c in crits), crits))
    out.sort(key=lambda a: (-max(SEVERITY_RANK.get(c.severity, 0) for c in a.criteria),
                            -a.count, a.id))  # fmt: skip
    return out


def _concerned(intake: _Intake, area: str, criterion: str) -> Head[OrgCount]:
    where = "FROM fd WHERE area = ? AND criterion = ?"
    total = intake.db.execute(f"SELECT COUNT(DISTINCT org) {where}", (area, criterion))
    rows = intake.db.execute(
        f"SELECT org, MAX(name), COUNT(*) AS n {where} GROUP BY org ORDER BY n DESC, org LIMIT ?",
        (area, criterion, intake.limits.per_criterion),
    )
    return Head([OrgCount(*r) for r in rows], total.fetchone()[0])


def _listed(intake: _Intake, area: str, criterion: str, count: int) -> Head[Finding]:
    rows = intake.db.execute(
        "SELECT finding FROM fd WHERE area = ? AND criterion = ? ORDER BY -sev, org, fp LIMIT ?",
        (area, criterion, intake.limits.per_criterion),
    )
    return Head([Finding.model_validate_json(f) for (f,) in rows], count)


def _rectification(intake: _Intake, period: str) -> Head[RectificationItem]:
    total = intake.db.execute("SELECT COUNT(*) FROM tk").fetchone()[0]
    rows = intake.db.execute(
        "SELECT late, finding FROM tk ORDER BY late, due, org, criterion, subject, fp LIMIT ?",
        (intake.limits.items,),
    )
    _ = translations(intake.lang).gettext
    out = []
    for n, (late, finding) in enumerate(rows, start=1):
        f = Finding.model_validate_json(finding)
        responsible = f.rectification.responsible
        out.append(RectificationItem(
            number=f"{period}-{n:04d}", org_id=f.org_id, org_name=f.org_name,
            criterion=f.criterion, problem=f.message,
            responsible=responsible_text(responsible, _) if intake.lang == "zh" else responsible,
            due=f.rectification.due, status="open", overdue=late == 0, provisional=True,
            action=f.rectification.action))  # fmt: skip
    return Head(out, total)


def _from_ledger(
    intake: _Intake, skeleton: RunResult, ledger: Any
) -> tuple[Head[RectificationItem], Head[OwedItem]]:
    """The ledger's items (read whole: the ledger is not streamed) as the list shows them."""
    from pbrules.report import ledger_items

    items = ledger_rectification(ledger_items(ledger, skeleton), {}, intake.as_of)
    if intake.lang == "zh":
        _ = translations(intake.lang).gettext
        items = [replace(i, responsible=intake.titles.responsible(i.responsible, _)) for i in items]
    late = [i for i in items if i.overdue]
    cap = intake.limits.items
    owed = [OwedItem(i.org_id, i.org_name, i.number, i.criterion, i.problem, i.due, i.responsible)
            for i in late[:cap]]  # fmt: skip
    return Head(items[:cap], len(items)), Head(owed, len(late))


_RECORDS = "FROM rs WHERE kind = ? AND late >= ?"
_RECORD_ROWS = (
    "SELECT org, name, item, criterion, message, due, late, responsible "
    + _RECORDS
    + " ORDER BY org, criterion, fp, n LIMIT ?"
)


def _record_rows(intake: _Intake, kind: str, late: int, cap: int) -> tuple[list[Any], int]:
    """The first ``cap`` records of ``kind`` (late ones only with ``late=1``) in the order of
    the findings (organization, criterion, fingerprint), and how many there are."""
    total = intake.db.execute(f"SELECT COUNT(*) {_RECORDS}", (kind, late)).fetchone()[0]
    rows = intake.db.execute(_RECORD_ROWS, (kind, late, cap)).fetchall()
    return rows, total


def _day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _feedback(intake: _Intake) -> Head[FeedbackItem]:
    rows, total = _record_rows(intake, "feedback", 0, intake.limits.items)
    return Head(
        [FeedbackItem(org, name, item, crit, msg, _day(due), bool(late))
         for org, name, item, crit, msg, due, late, _r in rows],
        total,
    )  # fmt: skip


def _owed(intake: _Intake, feedback: Head[FeedbackItem]) -> Head[OwedItem]:
    """Late feedback, then the organizations' own rectification records found overdue."""
    cap = intake.limits.items
    late, late_n = _record_rows(intake, "feedback", 1, cap)
    rect, rect_n = _record_rows(intake, "rectification", 0, max(0, cap - len(late)))
    out = [OwedItem(org, name, item, crit, msg, _day(due), None)
           for org, name, item, crit, msg, due, _l, _r in late]  # fmt: skip
    out += [OwedItem(org, name, item, crit, msg, None, responsible)
            for org, name, item, crit, msg, _d, _l, responsible in rect]  # fmt: skip
    return Head(out, late_n + rect_n)


def _appendix_groups(intake: _Intake) -> list[AppendixGroup]:
    order = intake.groups
    return [
        AppendixGroup(group=gid, title=intake.titles.groups.get(gid, gid), organizations=n,
                      mean=round(total / n, 2), lowest=low, highest=high, incomplete=incomplete)
        for gid, (n, total, low, high, incomplete) in sorted(
            intake.scores.items(), key=lambda kv: (order.get(kv[0], 1 << 30), kv[0]))
    ]  # fmt: skip


def _praise(intake: _Intake, groups: list[GroupSection]) -> Praise:
    full = []
    for g in groups:
        if not g.ranked:
            continue
        pos = intake.groups[g.id]
        where = "AND og.total >= ?"
        total = intake.db.execute(
            f"SELECT COUNT(*) FROM og WHERE og.grp = ? {where}", (pos, FULL_MARKS)
        )
        rows = _rank_rows(
            intake, _ROWS.format(where=where, order=_DISPLAY), (pos, FULL_MARKS, intake.limits.rows)
        )
        if rows:
            full.append((g.title, Head(rows, total.fetchone()[0])))
    failed = intake.failed | {c for _a, c in intake.criteria}
    met = [(cid, intake.titles.criteria.get(cid, cid), n)
           for cid, n in sorted(intake.applied.items()) if cid not in failed and n > 1]  # fmt: skip
    return Praise(full_marks=full, criteria_met=met)  # type: ignore[arg-type]


def _rollups(intake: _Intake) -> Head[RollUp]:
    """Per township: its direct subordinates, and how many have a finding of each criterion."""
    kinds = ",".join("?" * len(ROLLUP_KINDS))
    db, cap = intake.db, intake.limits.items
    parents = (
        f"SELECT org, row FROM og WHERE kind IN ({kinds}) AND EXISTS (SELECT 1 FROM og c "
        "JOIN fd ON fd.org = c.org WHERE c.parent = og.org) ORDER BY org"
    )
    out: list[RollUp] = []
    total = 0
    for pid, row in db.execute(parents, sorted(ROLLUP_KINDS)):
        total += 1
        if len(out) >= cap:
            continue
        subordinates = db.execute("SELECT COUNT(*) FROM og WHERE parent = ?", (pid,)).fetchone()[0]
        hits = db.execute(
            "SELECT fd.criterion, COUNT(DISTINCT fd.org) AS n FROM og c JOIN fd ON fd.org = c.org "
            "WHERE c.parent = ? GROUP BY fd.criterion ORDER BY n DESC, fd.criterion",
            (pid,),
        )
        criteria = [(c, intake.titles.criteria.get(c, c), n) for c, n in hits]
        out.append(RollUp(pid, json.loads(row)["name"], subordinates, criteria))
    return Head(out, total)
