"""The Excel review of a big result, read streaming: nothing holds the whole result.

:func:`write_xlsx_streamed` reads the result document one finding, then one organization, at
a time (:mod:`pbrules.result_stream`), validating only the fields the workbook shows, and
writes the rows it derives to a temporary SQLite database; the three sheets are then read back
from it in the order the review gives them and written one row at a time
(:mod:`pbrules.report.xlsx_stream`). What stays in memory is per criterion, per area and per
peer group, plus a findings count per organization that has findings (and, with
``--previous``, the previous ranks).

The rows are the ones :func:`pbrules.report.build_report` and
:func:`pbrules.report.render.render_xlsx` give for the same result (the tests compare them):
the same ranking rows and ties, movement against a previous result, findings grouped by area
and criterion worst first, one rectification task per problem, numbered in the list's order.

``pbrules report`` uses it for ``--format xlsx`` when the result document is larger than
:data:`STREAM_BYTES`.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import IO, Any

from pydantic import BaseModel, ConfigDict

from pbrules.engine.findings import one_task_per_problem
from pbrules.model.result import Finding, OrgResult, RunResult, Summary
from pbrules.report.i18n import Translator, check_lang, label, responsible_text, translations
from pbrules.report.model import (
    SEVERITY_RANK,
    UNGROUPED,
    Titles,
    area_titles_of,
    localized,
    ranking_row,
)
from pbrules.result_stream import ResultStream, open_result, previous_ranks

__all__ = ["STREAM_BYTES", "write_xlsx_streamed"]

#: result documents larger than this (about 25,000 organizations) are reported streaming
STREAM_BYTES = 256 << 20
_BATCH = 2_000


class _OrgRow(BaseModel):
    """The fields of an organization the ranking sheet shows (the rest is not validated)."""

    model_config = ConfigDict(extra="ignore")

    org_id: str
    name: str
    group: str | None = None
    total: float | None = None
    grade: str | None = None
    complete: bool = True
    vetoed: bool = False
    areas: dict[str, float] = {}
    rank: int | None = None
    previous_rank: int | None = None
    rank_change: int | None = None
    movement: str | None = None
    previous_total: float | None = None
    total_change: float | None = None


@dataclass
class _Intake:
    """What the streamed passes keep: small aggregates and a spill database."""

    db: sqlite3.Connection
    _: Translator
    lang: str
    as_of: date
    period: str
    titles: Titles
    areas_seen: dict[str, None] = field(default_factory=dict)  # organizations' areas
    finding_areas: dict[str, None] = field(default_factory=dict)
    per_org: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    criteria: dict[tuple[str, str], list[int]] = field(default_factory=dict)  # count, worst
    groups: dict[str, int] = field(default_factory=dict)


_SCHEMA = """
CREATE TABLE f (area TEXT, criterion TEXT, sev INTEGER, org TEXT, fp TEXT, row TEXT);
CREATE TABLE t (org TEXT, criterion TEXT, finding TEXT);
CREATE TABLE r (late INTEGER, due TEXT, org TEXT, criterion TEXT, subject TEXT, fp TEXT,
                row TEXT);
CREATE TABLE k (grp INTEGER, k0 INTEGER, k1 REAL, org TEXT, rank INTEGER, row TEXT);
"""


def _spill(directory: str) -> sqlite3.Connection:
    db = sqlite3.connect(Path(directory) / "review.sqlite")
    db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF; PRAGMA cache_size=-16000;")
    db.executescript(_SCHEMA)
    return db


def write_xlsx_streamed(
    path: str | Path,
    out: IO[bytes],
    *,
    previous: str | Path | None = None,
    lang: str | None = "en",
    issuer: str | None = None,
    pack: Any = None,
    title: str | None = None,
) -> None:
    """Write the Excel review of the result document at ``path`` to ``out``, streaming."""
    from pbrules.report.render import _findings_header, _ranking_header, _rectification_header
    from pbrules.report.xlsx_stream import write_workbook

    code = check_lang(lang)
    trans = translations(code)
    stream = open_result(path)
    tail = stream.tail()
    pack_model = getattr(pack, "model", pack)
    skeleton = _skeleton(stream, tail)
    heading = _heading(skeleton, pack_model, title, issuer, code)
    with tempfile.TemporaryDirectory(prefix="pbrules-review-") as tmp:
        intake = _Intake(
            _spill(tmp), trans.gettext, code, skeleton.as_of or skeleton.period.end,
            str(skeleton.period), Titles.of(skeleton, pack_model, code),
        )  # fmt: skip
        _read_findings(intake, stream, skeleton)
        _tasks(intake)
        _read_organizations(intake, stream, list(tail.rankings), _previous(previous))
        areas = _area_titles(intake, pack_model)
        _ = intake._
        write_workbook(
            out,
            [
                (trans.pgettext("sheet", "Rankings"), _ranking_header(areas, _),
                 _ranking_rows(intake, list(areas))),
                (trans.pgettext("sheet", "Findings"), _findings_header(_),
                 _finding_rows(intake, areas)),
                (trans.pgettext("sheet", "Rectification"), _rectification_header(_),
                 _rect_rows(intake)),
            ],
            title=f"{heading['title']} {heading['period']}",
            creator=heading["issuer"],
            continued=_("Continued from the sheet {sheet}: a sheet holds at most 1,048,576 rows."),
        )  # fmt: skip
        intake.db.close()


def _skeleton(stream: ResultStream, tail: Any) -> RunResult:
    """The result without its organizations and findings (what titles and headings read)."""
    h = stream.header
    return RunResult.model_construct(
        pack=h.pack, period=h.period, as_of=h.as_of, organizations=[], findings=[],
        rankings=tail.rankings, rejected=tail.rejected, warnings=tail.warnings,
        summary=tail.summary or Summary(evaluated=0, rejected=0, findings=0, incomplete=0),
    )  # fmt: skip


def _heading(
    result: RunResult, pack_model: Any, title: str | None, issuer: str | None, lang: str
) -> Any:
    from pbrules.report.model import review_heading

    return review_heading(result, pack_model, None, title=title, issuer=issuer, lang=lang)


def _previous(previous: str | Path | None) -> tuple[dict[str, int], dict[str, float]]:
    if previous is None:
        return {}, {}
    ranks = previous_ranks(previous)
    return (
        {k: p.rank for k, p in ranks.items() if p.rank is not None},
        {k: p.total for k, p in ranks.items() if p.total is not None},
    )


def _area_titles(intake: _Intake, pack_model: Any) -> dict[str, str]:
    """The areas of the organizations, then of the findings; in the pack's order when given."""
    return area_titles_of({**intake.areas_seen, **intake.finding_areas}, pack_model, intake.lang)


# -- findings -----------------------------------------------------------------------------------
def _read_findings(intake: _Intake, stream: ResultStream, skeleton: RunResult) -> None:
    """Each finding, localized, into the findings and tasks tables; counts per org, per
    criterion."""
    batch: list[Finding] = []
    for f in stream.findings():
        batch.append(f)
        if len(batch) >= _BATCH:
            _add_findings(intake, localized(skeleton.model_copy(update={"findings": batch}),
                                            intake.lang, intake.titles.bases).findings)  # fmt: skip
            batch = []
    if batch:
        _add_findings(intake, localized(skeleton.model_copy(update={"findings": batch}),
                                        intake.lang, intake.titles.bases).findings)  # fmt: skip


def _add_findings(intake: _Intake, findings: list[Finding]) -> None:
    _ = intake._
    f_rows, t_rows = [], []
    for f in findings:
        intake.finding_areas[f.area] = None
        intake.per_org[f.org_id] += 1
        sev = SEVERITY_RANK.get(str(f.severity), 0)
        agg = intake.criteria.setdefault((f.area, f.criterion), [0, 0])
        agg[0] += 1
        agg[1] = max(agg[1], sev)
        if f.title and f.criterion not in intake.titles.criteria:
            intake.titles.criteria[f.criterion] = f.title
        subject = f"{label('subject', f.subject.type, _)} {f.subject.id}" if f.subject else None
        due = f.rectification.due
        row = [
            f.criterion,
            f.org_id,
            f.org_name,
            label("severity", str(f.severity), _),
            f.message,
            subject,
            round(f.points_lost, 2),
            ", ".join(f.evidence),
            f.rectification.responsible,
            due.isoformat() if due else None,
            f.fingerprint,
        ]
        f_rows.append((f.area, f.criterion, sev, f.org_id, f.fingerprint, json.dumps(row)))
        t_rows.append((f.org_id, f.criterion, f.model_dump_json()))
    intake.db.executemany("INSERT INTO f VALUES (?,?,?,?,?,?)", f_rows)
    intake.db.executemany("INSERT INTO t VALUES (?,?,?)", t_rows)


def _finding_rows(intake: _Intake, areas: Mapping[str, str]) -> Iterator[list[Any]]:
    """The findings sheet: areas worst first, then criteria worst first, then findings."""
    crit_rank = {key: (-worst, -count, key[1]) for key, (count, worst) in intake.criteria.items()}
    area_rank: dict[str, tuple[int, int, str]] = {}
    for (area, _c), (count, worst) in intake.criteria.items():
        w, n, _a = area_rank.get(area, (0, 0, area))
        area_rank[area] = (max(w, worst), n + count, area)
    order = sorted(intake.criteria, key=lambda k: (
        (-area_rank[k[0]][0], -area_rank[k[0]][1], k[0]), crit_rank[k]))  # fmt: skip
    titles = intake.titles.criteria
    for area, criterion in order:
        for (row,) in intake.db.execute(
            "SELECT row FROM f WHERE area = ? AND criterion = ? ORDER BY -sev, org, fp",
            (area, criterion),
        ):
            values = json.loads(row)
            due = date.fromisoformat(values[9]) if values[9] else None
            yield [areas.get(area, area), values[0], titles.get(criterion, criterion),
                   *values[1:9], due, values[10]]  # fmt: skip


# -- rectification ------------------------------------------------------------------------------
def _tasks(intake: _Intake) -> None:
    """One task per problem, per organization and criterion, into the rectification table."""
    intake.db.execute("CREATE INDEX t_key ON t (org, criterion)")
    write_tasks(intake.db, "t", "r", lambda tasks: _task_rows(intake, tasks))


def write_tasks(
    db: sqlite3.Connection,
    source: str,
    target: str,
    task_rows: Callable[[list[Finding]], Iterable[tuple[Any, ...]]],
) -> None:
    """Read the findings of table ``source`` (org, criterion, finding JSON) grouped by
    organization and criterion, and insert the rows of each group's tasks (one per problem,
    :func:`one_task_per_problem`) into ``target``, a batch at a time."""
    cursor = db.execute(
        f"SELECT org, criterion, finding FROM {source} ORDER BY org, criterion, rowid"
    )
    insert = f"INSERT INTO {target} VALUES (?,?,?,?,?,?,?)"
    group: list[Finding] = []
    key: tuple[str, str] | None = None
    rows: list[tuple[Any, ...]] = []
    for org, criterion, finding in cursor:
        if (org, criterion) != key and group:
            rows.extend(task_rows(one_task_per_problem(group)))
            group = []
        key = (org, criterion)
        group.append(Finding.model_validate_json(finding))
        if len(rows) >= _BATCH:
            db.executemany(insert, rows)
            rows = []
    if group:
        rows.extend(task_rows(one_task_per_problem(group)))
    db.executemany(insert, rows)


def _task_rows(intake: _Intake, findings: list[Finding]) -> Iterator[tuple[Any, ...]]:
    _ = intake._
    for f in findings:
        due = f.rectification.due
        overdue = due is not None and due < intake.as_of
        responsible = f.rectification.responsible
        if intake.lang == "zh":
            responsible = responsible_text(responsible, _)
        row = [f.org_id, f.org_name, f.criterion, f.message, responsible,
               due.isoformat() if due else None,
               label("status", "overdue" if overdue else "open", _),
               _("yes") if overdue else _("no")]  # fmt: skip
        subject = f.subject.id if f.subject else ""
        yield (0 if overdue else 1, (due or date.max).isoformat(), f.org_id, f.criterion,
               subject, f.fingerprint, json.dumps(row))  # fmt: skip


def _rect_rows(intake: _Intake) -> Iterator[list[Any]]:
    for n, (row,) in enumerate(
        intake.db.execute("SELECT row FROM r ORDER BY late, due, org, criterion, subject, fp"),
        start=1,
    ):
        values = json.loads(row)
        due = date.fromisoformat(values[5]) if values[5] else None
        yield [f"{intake.period}-{n:04d}", *values[:5], due, *values[6:]]


# -- organizations ------------------------------------------------------------------------------
def _read_organizations(
    intake: _Intake,
    stream: ResultStream,
    ranking_order: list[str],
    previous: tuple[dict[str, int], dict[str, float]],
) -> None:
    """Each organization's ranking row (as build_report makes it) into the rankings table."""
    _ = intake._
    intake.groups = {gid: i for i, gid in enumerate(ranking_order)}
    prev_rank, prev_total = previous
    rows: list[tuple[Any, ...]] = []
    for o in stream.rows("organizations", _OrgRow):
        intake.areas_seen.update(dict.fromkeys(o.areas))
        gid = o.group or UNGROUPED
        pos = intake.groups.setdefault(gid, len(intake.groups))
        org = OrgResult.model_construct(**dict(o), criteria=[])  # no default_factory call
        r = ranking_row(org, intake.per_org.get(o.org_id, 0), prev_rank, prev_total,
                 intake.titles.movement)  # fmt: skip
        k0, k1 = (
            (r.rank, 0.0)
            if r.rank is not None
            else (1 << 30, -r.total if r.total is not None else 1.0)
        )
        row = [r.rank, r.org_id, r.name, None if r.total is None else round(r.total, 2),
               label("grade", r.grade, _), r.previous_rank, r.rank_change,
               None if r.total_change is None else round(r.total_change, 2),
               label("movement", r.movement, _), r.areas, r.findings]  # fmt: skip
        rows.append((pos, k0, k1, r.org_id, r.rank, json.dumps(row)))
        if len(rows) >= _BATCH:
            intake.db.executemany("INSERT INTO k VALUES (?,?,?,?,?,?)", rows)
            rows = []
    intake.db.executemany("INSERT INTO k VALUES (?,?,?,?,?,?)", rows)
    intake.db.executescript(
        "CREATE TABLE tie AS SELECT grp, rank FROM k WHERE rank IS NOT NULL "
        "GROUP BY grp, rank HAVING COUNT(*) > 1; CREATE INDEX tie_key ON tie (grp, rank);"
    )


def _ranking_rows(intake: _Intake, areas: list[str]) -> Iterator[list[Any]]:
    """The rankings sheet: groups in the rankings' order, each by rank (ties by org id)."""
    from pbrules.report.render import _group_title

    _ = intake._
    names = {pos: gid for gid, pos in intake.groups.items()}
    cursor = intake.db.execute(
        "SELECT k.grp, k.row, tie.rank IS NOT NULL FROM k LEFT JOIN tie "
        "ON tie.grp = k.grp AND tie.rank = k.rank ORDER BY k.grp, k.k0, k.k1, k.org"
    )
    titles: dict[int, str] = {}
    for pos, row, tied in cursor:
        if pos not in titles:
            gid = names[pos]
            titles[pos] = _group_title(intake.titles.groups.get(gid, gid), gid != UNGROUPED, _)
        v = json.loads(row)
        scores = v[9]
        yield [
            titles[pos],
            v[0],
            _("tied") if tied else None,
            *v[1:9],
            *(None if a not in scores else round(scores[a], 2) for a in areas),
            v[10],
        ]
