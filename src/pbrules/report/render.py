"""Renderers of the report model: Markdown and HTML (Jinja2), Word (python-docx), Excel
(openpyxl). All four draw from one :class:`~pbrules.report.model.Report`.

The fixed text is translated with :func:`pbrules.report.i18n.translations`; pack-authored text
(titles, messages, area and group names) is shown as written.
"""

from __future__ import annotations

import functools
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import IO, TYPE_CHECKING, Any

import jinja2

from pbrules.cells import md_text
from pbrules.report.brief import cut_note
from pbrules.report.i18n import Translator, check_lang, label, translations, unnamed
from pbrules.report.model import HIGHLIGHT_LIMIT, AppendixGroup, RectificationItem, Report
from pbrules.report.tiers import GroupTiers, tier_parts, tier_rows

if TYPE_CHECKING:
    from pbrules.report.charts import Chart

__all__ = ["render_docx", "render_html", "render_markdown", "render_xlsx"]

_TEMPLATES = "pbrules.report"


# -- formatting helpers (shared by every renderer) ----------------------------------------------
def fmt_num(value: float | None, digits: int = 2) -> str:
    if value is None:
        return ""
    text = f"{round(value + 0.0, digits):.{digits}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def fmt_signed(value: float | int | None, digits: int = 2) -> str:
    """``+3``, ``-2.5``, ``0``; empty for ``None``."""
    if value is None:
        return ""
    rounded = round(value + 0.0, digits)
    if rounded == 0:
        return "0"
    return ("+" if rounded > 0 else "-") + fmt_num(abs(rounded), digits)


def fmt_date(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def md_cell(value: Any) -> str:
    """Text safe inside a Markdown table cell (pipes escaped, one line)."""
    text = "" if value is None else str(value)
    return " ".join(text.replace("\\", "\\\\").replace("|", "\\|").split())


def rank_text(row: Any, _: Translator) -> str:
    """A rank as a reader sees it: ``2 (tied)`` / ``并列2`` when another shares it."""
    if row.rank is None:
        return ""
    return _("{rank} (tied)").format(rank=row.rank) if row.tied else str(row.rank)


def mention(row: Any, with_change: bool, _: Translator) -> str:
    """An organization named in a highlight: name, total, tie and, for movers, the move."""
    if row.tied:
        text = _("{name} ({total}, tied)").format(name=row.name, total=fmt_num(row.total))
    else:
        text = f"{row.name} ({fmt_num(row.total)})"
    if with_change and row.rank_change is not None:
        text += " " + _("rank {previous} → {rank} ({change}), score {score}").format(
            previous=row.previous_rank,
            rank=row.rank,
            change=fmt_signed(row.rank_change),
            score=fmt_signed(row.total_change),
        )
    return text


def _one_line(value: Any) -> str:
    # the ``md`` filter of the Markdown template: its finalize hook escapes what is printed
    return " ".join(("" if value is None else str(value)).split())


def status_of(item: RectificationItem) -> str:
    return (
        "overdue"
        if item.overdue and item.status in {"open", "overdue", "reopened"}
        else (item.status)
    )


@functools.cache
def _environment(autoescape: bool) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(_TEMPLATES, "templates"),
        autoescape=autoescape,
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        # Markdown has no autoescape: every printed value is escaped (pbrules.cells.md_text)
        finalize=None if autoescape else md_text,
    )
    env.filters.update(
        num=fmt_num,
        signed=fmt_signed,
        isodate=fmt_date,
        md=md_cell if autoescape else _one_line,
        rect_status=status_of,
        unnamed=unnamed,
    )
    return env


def _render(template: str, report: Report, lang: str, **extra: Any) -> str:
    code = check_lang(lang)
    env = _environment(template.endswith(".html.j2"))
    trans = translations(code)
    _ = trans.gettext
    tpl = env.get_template(template)
    return tpl.render(
        report=report,
        lang=code,
        gettext=trans.gettext,
        ngettext=trans.ngettext,
        pgettext=trans.pgettext,
        highlight_limit=HIGHLIGHT_LIMIT,
        _=_,
        label=functools.partial(_label, _=_),
        rank_text=functools.partial(rank_text, _=_),
        mention=functools.partial(mention, _=_),
        overdue_note=functools.partial(overdue_note, _=_),
        tier_parts=functools.partial(tier_parts, _=_),
        cut=functools.partial(cut_note, _=_),  # a list cut by report.brief
        **extra,
    )


def _label(kind: str, value: str | None, *, _: Translator) -> str:
    return label(kind, value, _)


def render_markdown(report: Report, *, lang: str = "en") -> str:
    """The report as Markdown (GitHub-flavoured tables)."""
    return _render("report.md.j2", report, lang)


def render_html(report: Report, *, lang: str = "en", charts: bool = True) -> str:
    """The report as one self-contained HTML page (inline CSS, script and SVG charts)."""
    drawn: list[Chart] = []
    if charts:
        from pbrules.report.charts import build_charts

        drawn = build_charts(report, translations(check_lang(lang)).gettext, png=False)
    return _render("report.html.j2", report, lang, charts=drawn)


# -- Word --------------------------------------------------------------------------------------
_EAST_ASIA_BODY = "SimSun"
_EAST_ASIA_HEADING = "SimHei"


@dataclass(frozen=True, slots=True)
class _Docx:
    """A Word document being written, with the language's translator and punctuation."""

    doc: Any
    _: Translator
    colon: str
    sep: str


def render_docx(report: Report, out: IO[bytes], *, lang: str = "en", charts: bool = True) -> None:
    """Write the report as a Word document (the briefing a department circulates)."""
    w = _docx_document(check_lang(lang))
    _docx_cover(w, report)
    _docx_results(w, report, charts)
    _docx_problems(w, report)
    _docx_rectification(w, report)
    _docx_appendix(w, report)
    w.doc.save(out)


def _docx_document(code: str) -> _Docx:
    """An empty A4 portrait document with the report's fonts."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    trans = translations(code)
    doc: Any = Document()
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.orientation = WD_ORIENT.PORTRAIT
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(2))
    _docx_fonts(doc)
    return _Docx(
        doc,
        trans.gettext,
        trans.pgettext("punctuation", ": "),
        trans.pgettext("punctuation", "; "),
    )


def _docx_cover(w: _Docx, report: Report) -> None:
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Pt

    title = w.doc.add_heading(report.title, level=0)
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cover = w.doc.add_paragraph()
    cover.alignment = WD_ALIGN_PARAGRAPH.CENTER
    cover.add_run(_cover_line(report, w._)).bold = True
    stats = w.doc.add_paragraph()
    stats.alignment = WD_ALIGN_PARAGRAPH.CENTER
    stats.add_run(_summary_line(report, w._)).font.size = Pt(9)


def _docx_results(w: _Docx, report: Report, charts: bool) -> None:
    """1. Results: per peer group, the highlights and the ranking table; then the charts."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Cm

    _ = w._
    drawn: dict[str, Chart] = {}
    if charts:
        from pbrules.report.charts import build_charts

        drawn = {c.id: c for c in build_charts(report, _, svg=False)}
    _docx_orientation(w.doc, landscape=True)
    w.doc.add_heading(_("1. Results"), level=1)
    for group in report.groups:
        w.doc.add_heading(_group_title(group.title, group.ranked, _), level=2)
        _docx_highlights(w, group)
        _docx_tiers(w, report.tiers.get(group.id) if group.ranked else None)
        _docx_ranking(w, report, group)
    _docx_praise(w, report)
    for chart in drawn.values():
        w.doc.add_picture(io.BytesIO(chart.png), width=Cm(16))
        cap = w.doc.add_paragraph(chart.caption)
        cap.alignment = WD_ALIGN_PARAGRAPH.CENTER


def _docx_highlights(w: _Docx, group: Any) -> None:
    _ = w._
    for heading, rows, with_change in (
        (_("Top three"), group.top, False),
        (_("Bottom three"), group.bottom, False),
        (_("Rapid progress"), group.rapid_progress, True),
        (_("Major setbacks"), group.major_setbacks, True),
    ):
        if not rows:
            continue
        p = w.doc.add_paragraph()
        p.add_run(heading + w.colon).bold = True
        named = [mention(r, with_change, _) for r in rows[:HIGHLIGHT_LIMIT]]
        if len(rows) > HIGHLIGHT_LIMIT:
            more = len(rows) - HIGHLIGHT_LIMIT
            named.append(_("and {n} more (see the table)").format(n=more))
        p.add_run(w.sep.join(named))


def _docx_tiers(w: _Docx, dist: GroupTiers | None) -> None:
    """The group's tier distribution (packs with tiers), beside its ranking."""
    if dist is None:
        return
    p = w.doc.add_paragraph()
    p.add_run(w._("Tier distribution") + w.colon).bold = True
    p.add_run(w.sep.join(tier_parts(dist, w._)))


def _docx_ranking(w: _Docx, report: Report, group: Any) -> None:
    _ = w._
    header = [_("Rank"), _("Organization"), _("Total"), _("Grade")]
    has_previous = group.has_previous  # a property that looks at every row
    if has_previous:
        header += [_("Previous rank"), _("Rank change"), _("Score change")]
    header += [report.areas[a] for a in report.areas] + [_("Findings")]
    body = []
    for r in group.rows:
        row = [
            rank_text(r, _),
            f"{r.name} ({r.org_id})",
            fmt_num(r.total),
            label("grade", r.grade, _),
        ]
        if has_previous:
            row += [
                str(r.previous_rank or ""),
                fmt_signed(r.rank_change),
                fmt_signed(r.total_change),
            ]
        row += [fmt_num(r.areas.get(a)) for a in report.areas] + [str(r.findings)]
        body.append(row)
    _docx_long_table(w, header, body, ranking=True, of=group.rows)


def _docx_problems(w: _Docx, report: Report) -> None:
    """2. Problems found: per area, per criterion, the organizations and their findings."""
    _ = w._
    _docx_orientation(w.doc, landscape=False)
    w.doc.add_heading(_("2. Problems found"), level=1)
    if not report.problems:
        w.doc.add_paragraph(_("No problems were found."))
    n = 0
    for area in report.problems:
        w.doc.add_heading(f"{area.title} ({area.count})", level=2)
        for crit in area.criteria:
            n += 1
            _docx_criterion(w, n, crit)
    _docx_rollups(w, report)


def _docx_praise(w: _Docx, report: Report) -> None:
    """Worth praising: full marks per group, criteria met everywhere they applied."""
    _ = w._
    praise = report.praise
    if praise is None or not (praise.full_marks or praise.criteria_met):
        return
    w.doc.add_heading(_("Worth praising"), level=2)
    for title, rows in praise.full_marks:
        p = w.doc.add_paragraph()
        p.add_run(f"{_('Full marks')} · {title} ({len(rows)}){w.colon}").bold = True
        named = [r.name for r in rows[:20]]
        if len(rows) > 20:
            named.append(_("and {n} more (see the table)").format(n=len(rows) - 20))
        p.add_run(w.sep.join(named))
    if praise.criteria_met:
        p = w.doc.add_paragraph()
        p.add_run(_("Met by every organization they applied to") + w.colon).bold = True
        p.add_run(w.sep.join(f"{c} {t} ({n})" for c, t, n in praise.criteria_met))


def _docx_rollups(w: _Docx, report: Report) -> None:
    """Per township, its subordinates' problems by criterion."""
    _ = w._
    if not report.rollups:
        return
    w.doc.add_heading(_("By township: problems of their subordinate organizations"), level=2)
    _docx_long_table(
        w,
        [_("Township"), _("Subordinates"), _("Problems (subordinates concerned)")],
        [
            [f"{ru.name} ({ru.org_id})", str(ru.subordinates),
             w.sep.join(f"{c} {t} ({n})" for c, t, n in ru.criteria)]
            for ru in report.rollups
        ],
        of=report.rollups,
    )  # fmt: skip


def _docx_criterion(w: _Docx, n: int, crit: Any) -> None:
    _ = w._
    w.doc.add_heading(f"({n}) {crit.criterion} {crit.title}", level=3)
    p = w.doc.add_paragraph()
    p.add_run(
        f"{label('severity', crit.severity, _)} · "
        + _("{count} findings in {orgs} organizations").format(
            count=crit.count, orgs=len(crit.organizations)
        )
        + w.colon
    ).bold = True
    p.add_run(w.sep.join(f"{o.name} ({o.count})" for o in crit.organizations))
    _docx_long_table(
        w,
        [_("Organization"), _("Problem"), _("Severity"), _("Points lost")],
        [
            [
                f"{f.org_name} ({f.org_id})",
                unnamed(f.message, f.org_name),
                label("severity", str(f.severity), _),
                fmt_num(f.points_lost),
            ]
            for f in crit.findings
        ],
        of=crit.findings,
    )
    if crit.basis:
        w.doc.add_paragraph(f"{_('Basis')}{w.colon}{crit.basis}").runs[0].italic = True


def _docx_rectification(w: _Docx, report: Report) -> None:
    """3. Rectification items."""
    _ = w._
    w.doc.add_page_break()
    w.doc.add_heading(_("3. Rectification items"), level=1)
    w.doc.add_paragraph(overdue_note(report, _))
    if report.owed:
        w.doc.add_heading(f"{_('Work owed from before')} ({len(report.owed)})", level=2)
        _docx_long_table(
            w,
            [_("Organization"), _("Item"), _("Problem"), _("Responsible")],
            [
                [f"{o.org_name} ({o.org_id})", o.item,
                 f"{o.criterion} {unnamed(o.problem, o.org_name)}", o.responsible or ""]
                for o in report.owed
            ],
            of=report.owed,
        )  # fmt: skip
    if report.feedback:
        w.doc.add_heading(
            f"{_('Problems fed back by the district')} ({len(report.feedback)})", level=2
        )
        _docx_long_table(
            w,
            [_("Organization"), _("Item"), _("Problem"), _("Due"), _("Status")],
            [
                [f"{k.org_name} ({k.org_id})", k.item, unnamed(k.problem, k.org_name),
                 fmt_date(k.due), label("status", "overdue" if k.overdue else "open", _)]
                for k in report.feedback
            ],
            of=report.feedback,
        )  # fmt: skip
    w.doc.add_paragraph(_rect_note(report, _))
    _docx_long_table(
        w,
        [_("No."), _("Organization"), _("Problem"), _("Responsible"), _("Due"), _("Status")],
        [
            [
                i.number,
                f"{i.org_name} ({i.org_id})",
                f"{i.criterion} {unnamed(i.problem, i.org_name)}",
                i.responsible or "",
                fmt_date(i.due),
                label("status", status_of(i), _),
            ]
            for i in report.rectification
        ],
        of=report.rectification,
    )


#: the appendix's note when it summarizes peer groups instead of listing organizations
APPENDIX_GROUPED = (
    "{count} organizations are too many to list one by one: each peer group's scores are "
    "summarized here. Every organization's detail is in the xlsx review and the result document."
)


def _docx_appendix(w: _Docx, report: Report) -> None:
    """Appendix: each organization's areas and lost points; then the data notes."""
    _ = w._
    w.doc.add_page_break()
    w.doc.add_heading(_("Appendix: organizations"), level=1)
    if report.appendix_groups:
        _docx_appendix_groups(w, report)
    for org in report.appendix:
        w.doc.add_heading(f"{org.name} ({org.org_id})", level=2)
        w.doc.add_paragraph(_org_line(org, _))
        _docx_table(
            w.doc,
            [_("Area"), _("Score")],
            [[title, fmt_num(score)] for _a, title, score in org.areas],
        )
        if org.lost:
            _docx_table(
                w.doc,
                [_("Criterion"), _("Earned"), _("Points lost"), _("Problem"), _("Evidence")],
                [
                    [
                        f"{c.criterion} {c.title}",
                        f"{fmt_num(c.earned)}/{fmt_num(c.max)}",
                        fmt_num(c.lost),
                        "\n".join(c.messages),
                        ", ".join(c.evidence),
                    ]
                    for c in org.lost
                ],
            )
        else:
            w.doc.add_paragraph(_("No points lost."))
    if report.warnings or report.rejected_sources:
        w.doc.add_heading(_("Data notes"), level=2)
        for line in [*report.rejected_sources, *report.warnings]:
            w.doc.add_paragraph(line, style="List Bullet")


def _docx_fonts(doc: Any) -> None:
    from docx.oxml.ns import qn
    from docx.shared import Pt

    for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3"):
        style = doc.styles[name]
        east = _EAST_ASIA_BODY if name == "Normal" else _EAST_ASIA_HEADING
        rpr = style.element.get_or_add_rPr()
        fonts = rpr.find(qn("w:rFonts"))
        if fonts is None:
            fonts = rpr.makeelement(qn("w:rFonts"), {})
            rpr.append(fonts)
        fonts.set(qn("w:eastAsia"), east)
        if name == "Normal":
            style.font.size = Pt(10.5)


def _docx_orientation(doc: Any, *, landscape: bool) -> None:
    """Start a new page in a section of the given orientation (A4; wide tables go landscape)."""
    from docx.enum.section import WD_ORIENT, WD_SECTION
    from docx.shared import Cm

    section = doc.add_section(WD_SECTION.NEW_PAGE)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    long_side, short_side = Cm(29.7), Cm(21)
    section.page_width = long_side if landscape else short_side
    section.page_height = short_side if landscape else long_side
    for side in ("left_margin", "right_margin"):
        setattr(section, side, Cm(1.5) if landscape else Cm(2))


#: centimetres per character at 9 pt (a CJK character counts two)
_CM_PER_CHAR = 0.21
#: a piece of text that cannot break across lines: anything but spaces and CJK characters
_UNBROKEN = re.compile(r"[^\s\u2e80-\u9fff\uf900-\ufaff\uff00-\uffef]+")
#: a column never asks for more than this many characters' width
_LONGEST_COLUMN = 40
#: a table's text size (pt): 9, or 7 when its longest words do not fit the page at 9
#: (an English ranking with every area heading: Standardization, Organization building...)
TABLE_PT, SMALL_TABLE_PT = 9.0, 7.0


def _unbroken(text: str) -> int:
    """The widest piece of ``text`` that cannot break: a run of Latin letters or digits
    (Chinese breaks between any two characters, so a CJK character alone counts)."""
    runs = [_width(w) for w in _UNBROKEN.findall(text)]
    return max([*runs, 2 if any(_width(ch) == 2 for ch in text) else 0])


def _measure(header: list[str], rows: list[list[str]]) -> tuple[list[int], list[int]]:
    """Per column, in characters: its widest piece that cannot break, and its longest line
    (at most :data:`_LONGEST_COLUMN`). The one pass over a table's text its layout needs."""
    columns = [(h,) for h in header] if not rows else list(zip(header, *rows, strict=True))
    unbroken = [max(_unbroken(v) for v in col) for col in columns]
    longest = [
        min(max(_width(line) for v in col for line in (v.split("\n") or [""])), _LONGEST_COLUMN)
        for col in columns
    ]
    return unbroken, longest


def _least_widths(unbroken: list[int], pt: float) -> list[float]:
    """Each column's longest unbroken piece (cm) at ``pt``, with its cell's margins."""
    return [n * _CM_PER_CHAR * pt / TABLE_PT + 0.5 for n in unbroken]


def table_layout(
    header: list[str], rows: list[list[str]], available: float
) -> tuple[float, list[float]]:
    """The text size and column widths (cm) of a table ``available`` cm wide: at
    :data:`TABLE_PT`, or :data:`SMALL_TABLE_PT` when only the smaller size keeps every word
    whole (:func:`column_widths`)."""
    unbroken, longest = _measure(header, rows)
    fits = sum(_least_widths(unbroken, TABLE_PT)) <= available
    pt = TABLE_PT if fits else SMALL_TABLE_PT
    return pt, _widths(unbroken, longest, available, pt)


def column_widths(
    header: list[str], rows: list[list[str]], available: float, pt: float = TABLE_PT
) -> list[float]:
    """Column widths (cm) from the content at ``pt``: every column gets at least its longest
    word (and its header's), so no word breaks in the middle; what is left goes to the columns
    with longer text, in proportion to how much more they need."""
    return _widths(*_measure(header, rows), available, pt)


def _widths(unbroken: list[int], longest: list[int], available: float, pt: float) -> list[float]:
    per_char = _CM_PER_CHAR * pt / TABLE_PT
    least = _least_widths(unbroken, pt)
    wish = [max(n * per_char + 0.5, low) for n, low in zip(longest, least, strict=True)]
    if sum(wish) <= available:
        return [w * available / sum(wish) for w in wish]
    if sum(least) >= available:
        return [w * available / sum(least) for w in least]
    spare = available - sum(least)
    extra = [w - low for w, low in zip(wish, least, strict=True)]
    return [low + spare * e / sum(extra) for low, e in zip(least, extra, strict=True)]


def _docx_appendix_groups(w: _Docx, report: Report) -> None:
    """The appendix of a large review: each peer group's score range (model.APPENDIX_LIMIT)."""
    _ = w._
    w.doc.add_paragraph(_(APPENDIX_GROUPED).format(count=report.evaluated))
    _docx_table(
        w.doc,
        [
            *(_("Group"), _("organizations evaluated"), _("Mean"), _("Lowest"), _("Highest")),
            _("incomplete: some checks errored"),
        ],
        [_group_row(g) for g in report.appendix_groups],
    )


def _group_row(g: AppendixGroup) -> list[str]:
    scores = (fmt_num(g.mean), fmt_num(g.lowest), fmt_num(g.highest))
    return [g.title, str(g.organizations), *scores, str(g.incomplete)]


def _docx_table(doc: Any, header: list[str], rows: list[list[str]]) -> None:
    """A table sized to its text, written in bulk (report.docx_table), then an empty line."""
    from docx.shared import Cm

    from pbrules.report.docx_table import add_table

    section = doc.sections[-1]
    available = (section.page_width - section.left_margin - section.right_margin) / 360000
    pt, widths = table_layout(header, rows, available)
    add_table(doc, header, rows, [Cm(w) for w in widths], pt=pt)
    doc.add_paragraph()


def _docx_long_table(
    w: _Docx,
    header: list[str],
    rows: list[list[str]],
    *,
    ranking: bool = False,
    of: Sequence[Any] = (),
) -> None:
    """A table of at most TABLE_LIMIT rows (a ranking keeps its top and bottom), and a line
    above it saying how many rows it shows when it was cut (here, or by report.brief in
    ``of``, the list the rows come from)."""
    from pbrules.report.docx_table import capped, capped_ranking

    shown, left_out = (capped_ranking if ranking else capped)(rows)
    total = max(len(rows), len(of))
    if left_out or total > len(shown):
        note = w._(
            "{shown} of {total} rows are listed here; every row is in the xlsx review and the "
            "result document."
        ).format(shown=len(shown), total=total)
        w.doc.add_paragraph(note).runs[0].italic = True
    _docx_table(w.doc, header, shown)


def _group_title(title: str, ranked: bool, _: Translator) -> str:
    return title if ranked else _("Not in a peer group")


def _cover_line(report: Report, _: Translator) -> str:
    parts = [_("Period {period}").format(period=report.period)]
    if report.previous_period:
        parts.append(_("compared with {period}").format(period=report.previous_period))
    if report.issuer:
        parts.append(_("Issued by {issuer}").format(issuer=report.issuer))
    return " · ".join(parts)


def _summary_line(report: Report, _: Translator) -> str:
    return _(
        "{evaluated} organizations evaluated · {findings} findings · {overdue} overdue items"
        " · {rejected} records rejected"
    ).format(
        evaluated=report.evaluated,
        findings=report.findings,
        overdue=report.overdue,
        rejected=report.rejected,
    )


def overdue_note(report: Report, _: Translator) -> str:
    """Says where the overdue count comes from (the ledger, or the organizations' records)."""
    if report.overdue_source == "ledger":
        return _("Overdue items are counted from the rectification ledger.")
    return _(
        "Overdue items are counted from the organizations' own rectification and feedback"
        " records (no ledger given)."
    )


def _rect_note(report: Report, _: Translator) -> str:
    if report.rectification_source == "ledger":
        return _("Items from the rectification ledger; overdue items first.")
    return _(
        "Numbers are provisional (no ledger given): sync the result into a ledger for "
        "permanent numbers. Overdue items first."
    )


def _org_line(org: Any, _: Translator) -> str:
    rank = f"{org.rank}/{org.group_size}" if org.rank is not None else "-"
    line = _("{group}, rank {rank}, total {total} (base {base}, bonus {bonus}), grade {grade}")
    text = line.format(
        group=_group_title(org.group_title, org.ranked, _),
        rank=rank,
        total=fmt_num(org.total),
        base=fmt_num(org.base_total),
        bonus=fmt_num(org.bonus),
        grade=label("grade", org.grade, _),
    )
    if org.vetoed:
        text += " · " + _("veto applied")
    if not org.complete:
        text += " · " + _("incomplete: some checks errored")
    return text


# -- Excel -------------------------------------------------------------------------------------
def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def render_xlsx(report: Report, out: IO[bytes], *, lang: str = "en") -> None:
    """Write the report as a workbook: rankings, findings, rectification items (written one
    row at a time: report.xlsx_stream)."""
    from pbrules.report.xlsx_stream import write_workbook

    trans = translations(check_lang(lang))
    _ = trans.gettext
    sheets = [
        (trans.pgettext("sheet", "Rankings"), *_ranking_sheet(report, _)),
        (trans.pgettext("sheet", "Findings"), *_findings_sheet(report, _)),
        (trans.pgettext("sheet", "Rectification"), *_rectification_sheet(report, _)),
    ]
    if report.tiers:
        groups = [(g.id, _group_title(g.title, g.ranked, _)) for g in report.groups if g.ranked]
        header = [_("Group"), _("Tier"), _("Organizations")]
        sheets.append(
            (trans.pgettext("sheet", "Tiers"), header, tier_rows(report.tiers, groups, _))
        )
    write_workbook(
        out,
        sheets,
        title=f"{report.title} {report.period}",
        creator=report.issuer,
        continued=_("Continued from the sheet {sheet}: a sheet holds at most 1,048,576 rows."),
    )


_Sheet = tuple[list[str], list[list[Any]]]


def _ranking_header(areas: Mapping[str, str], _: Translator) -> list[str]:
    return [
        _("Group"),
        _("Rank"),
        _("Tied"),
        _("ID"),
        _("Organization"),
        _("Total"),
        _("Grade"),
        _("Previous rank"),
        _("Rank change"),
        _("Score change"),
        _("Movement"),
        *areas.values(),
        _("Findings"),
    ]


def _ranking_sheet(report: Report, _: Translator) -> _Sheet:
    areas = list(report.areas)
    header = _ranking_header(report.areas, _)
    rows = [
        [
            _group_title(g.title, g.ranked, _),
            r.rank,
            _("tied") if r.tied else None,
            r.org_id,
            r.name,
            None if r.total is None else round(r.total, 2),
            label("grade", r.grade, _),
            r.previous_rank,
            r.rank_change,
            None if r.total_change is None else round(r.total_change, 2),
            label("movement", r.movement, _),
            *(None if a not in r.areas else round(r.areas[a], 2) for a in areas),
            r.findings,
        ]
        for g in report.groups
        for r in g.rows
    ]
    return header, rows


def _findings_header(_: Translator) -> list[str]:
    return [
        _("Area"),
        _("Criterion"),
        _("Title"),
        _("ID"),
        _("Organization"),
        _("Severity"),
        _("Problem"),
        _("Subject"),
        _("Points lost"),
        _("Evidence"),
        _("Responsible"),
        _("Due"),
        _("Fingerprint"),
    ]


def _findings_sheet(report: Report, _: Translator) -> _Sheet:
    header = _findings_header(_)
    rows = [
        [
            area.title,
            f.criterion,
            crit.title,
            f.org_id,
            f.org_name,
            label("severity", str(f.severity), _),
            f.message,
            f"{label('subject', f.subject.type, _)} {f.subject.id}" if f.subject else None,
            round(f.points_lost, 2),
            ", ".join(f.evidence),
            f.rectification.responsible,
            f.rectification.due,
            f.fingerprint,
        ]
        for area in report.problems
        for crit in area.criteria
        for f in crit.findings
    ]
    return header, rows


def _rectification_header(_: Translator) -> list[str]:
    return [
        _("No."),
        _("ID"),
        _("Organization"),
        _("Criterion"),
        _("Problem"),
        _("Responsible"),
        _("Due"),
        _("Status"),
        _("Overdue"),
    ]


def _rectification_sheet(report: Report, _: Translator) -> _Sheet:
    header = _rectification_header(_)
    rows = [
        [
            i.number,
            i.org_id,
            i.org_name,
            i.criterion,
            i.problem,
            i.responsible,
            i.due,
            label("status", status_of(i), _),
            _("yes") if i.overdue else _("no"),
        ]
        for i in report.rectification
    ]
    return header, rows
