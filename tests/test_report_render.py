"""The rendered review material, read back: HTML (html.parser), Markdown, Word (python-docx),
Excel (openpyxl), the exporters and the ``pbrules report`` command."""

from __future__ import annotations

import io
from collections import Counter
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pbrules.cli import cli
from pbrules.plugins import get_registry
from pbrules.report import build_report, write_report
from pbrules.report.render import md_cell, render_docx, render_html, render_markdown, render_xlsx
from report_fixtures import ledger_items, make_fixture

FX = make_fixture()
LEDGER = ledger_items(FX.result)
ISSUER = "中共某区委组织部"


@dataclass
class Row:
    attrs: dict[str, str]
    cells: list[str] = field(default_factory=list)


@dataclass
class Table:
    attrs: dict[str, str]
    header: list[str] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)


class ReportParser(HTMLParser):
    """Collects the tables, text, inline SVGs and any external resource of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Table] = []
        self.text: list[str] = []
        self.svgs = 0
        self.svg_paths = 0
        self.external: list[str] = []
        self.ids: list[str] = []
        self._stack: list[Table] = []
        self._cell: list[str] | None = None
        self._in_head_row = False
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if "id" in a:
            self.ids.append(a["id"])
        for key in ("src", "href"):
            if key in a and not a[key].startswith("#"):
                self.external.append(f"{tag} {key}={a[key]}")
        if tag == "link":
            self.external.append(f"link {a}")
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "svg":
            self.svgs += 1
        elif tag == "path" and self.svgs:
            self.svg_paths += 1
        elif tag == "table":
            self._stack.append(Table(a))
        elif tag == "thead":
            self._in_head_row = True
        elif tag == "tbody":
            self._in_head_row = False
        elif tag == "tr" and self._stack and not self._in_head_row:
            self._stack[-1].rows.append(Row(a))
        elif tag in ("td", "th") and self._stack:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style"):
            self._skip -= 1
        elif tag in ("td", "th") and self._stack and self._cell is not None:
            text = " ".join("".join(self._cell).split())
            table = self._stack[-1]
            if tag == "th" and self._in_head_row:
                table.header.append(text)
            elif table.rows:
                table.rows[-1].cells.append(text)
            self._cell = None
        elif tag == "table" and self._stack:
            self.tables.append(self._stack.pop())

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.text.append(data)
        if self._cell is not None:
            self._cell.append(data)

    def table(self, table_id: str) -> Table:
        return next(t for t in self.tables if t.attrs.get("id") == table_id)

    @property
    def all_text(self) -> str:
        return " ".join("".join(self.text).split())


def _parse(html: str) -> ReportParser:
    parser = ReportParser()
    parser.feed(html)
    parser.close()
    return parser


@pytest.fixture(scope="module")
def html_en() -> str:
    report = build_report(FX.result, previous=FX.previous, ledger_items=LEDGER, issuer=ISSUER)
    return render_html(report, lang="en")


@pytest.fixture(scope="module")
def html_zh() -> str:
    return render_html(build_report(FX.result, issuer=ISSUER), lang="zh", charts=False)


def _expected_ranking(group: str) -> list[tuple[str, int | None]]:
    members = [o for o in FX.result.organizations if o.group == group]
    return [(o.org_id, o.rank) for o in sorted(members, key=lambda o: (o.rank, o.org_id))]


def _rank_of(cell: str) -> int:
    """The rank in a rank cell: ``3``, ``3 (tied)`` or ``并列3``."""
    return int("".join(ch for ch in cell if ch.isdigit()))


# -- HTML --------------------------------------------------------------------------------------
def test_html_rankings_match_the_result(html_en: str) -> None:
    page = _parse(html_en)
    for group in FX.result.rankings:
        table = page.table(f"ranking-{group}")
        got = [
            (r.attrs["data-org"], int(r.cells[0].split()[0]) if r.cells[0] else None)
            for r in table.rows
        ]
        assert got == _expected_ranking(group)
        shared = Counter(rank for _o, rank in got if rank is not None)
        for row, (_org, rank) in zip(table.rows, got, strict=True):  # a shared rank says so
            assert row.cells[0].endswith("(tied)") == (rank is not None and shared[rank] > 1)
        totals = {r.attrs["data-org"]: r.cells[3] for r in table.rows}
        for org in FX.result.organizations:
            if org.group == group:
                assert float(totals[org.org_id]) == pytest.approx(round(org.total, 2))
        assert "Previous rank" in table.header and "Movement" in table.header


def test_html_shows_every_organization_finding_and_ledger_item(html_en: str) -> None:
    page = _parse(html_en)
    text = page.all_text
    for org in FX.result.organizations:
        assert f"org-{org.org_id}" in page.ids
        assert org.name in text
    finding_rows = [
        r.attrs["data-fingerprint"]
        for t in page.tables
        for r in t.rows
        if "data-fingerprint" in r.attrs
    ]
    assert sorted(finding_rows) == sorted(f.fingerprint for f in FX.result.findings)
    for f in FX.result.findings:
        assert f.message in text
    rect = page.table("rectification-table")
    assert [r.attrs["data-number"] for r in rect.rows] == [
        i.number for i in build_report(FX.result, ledger_items=LEDGER).rectification
    ]
    assert {r.attrs["data-number"] for r in rect.rows} == {i.number for i in LEDGER}
    overdue = [("overdue" in r.attrs.get("class", "")) for r in rect.rows]
    assert overdue == sorted(overdue, reverse=True) and any(overdue)


def test_html_is_self_contained_with_charts_and_print_css(html_en: str) -> None:
    page = _parse(html_en)
    assert page.external == [] or all(e.startswith("a href=#") for e in page.external)
    assert "http://" not in html_en.replace("http://www.w3.org/", "")
    assert "https://" not in html_en
    assert page.svgs == 3 and page.svg_paths > 100  # three matplotlib charts, text as paths
    for chart in ("chart-distribution", "chart-areas", "chart-movement"):
        assert chart in page.ids
    assert len(page.ids) == len(set(page.ids)), "ids must be unique across the inline SVGs"
    assert "@media print" in html_en and "break-before: page" in html_en
    assert "Issued by 中共某区委组织部" in page.all_text


def test_html_in_chinese_translates_fixed_text_only(html_zh: str) -> None:
    page = _parse(html_zh)
    text = page.all_text
    for heading in ("一、考核结果", "二、发现的问题", "三、整改任务清单", "前三名", "后三名"):
        assert heading in text
    assert "中共某区委组织部 印发" in text
    assert "Top three" not in text
    for f in FX.result.findings:  # pack-authored messages as written
        assert f.message in text
    assert page.svgs == 0  # charts=False
    assert "编号为临时编号" in text


# -- Markdown ----------------------------------------------------------------------------------
def test_markdown_lists_rankings_findings_and_items() -> None:
    report = build_report(FX.result, ledger_items=LEDGER, issuer=ISSUER)
    md = render_markdown(report, lang="en")
    assert md.startswith(f"# {FX.result.pack.id}\n")
    for f in FX.result.findings:
        assert md_cell(f.message) in md
    for item in LEDGER:
        assert f"| {item.number} |" in md
    names = {o.org_id: o.name for o in FX.result.organizations}
    for group in FX.result.rankings:
        for org_id, rank in _expected_ranking(group):
            name = md_cell(names[org_id])
            shown = next(
                ln
                for ln in md.splitlines()
                if ln.endswith(f"| {name} | {org_id} |") or f"| {name} | {org_id} |" in ln
            )
            assert shown.split("|")[1].strip() in {str(rank), f"{rank} (tied)"}
    assert md.count("\n### ") >= len(FX.result.organizations) + len(FX.result.rankings)
    assert md_cell("a|b\nc") == "a\\|b c"


# -- Word --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def docx_doc() -> Any:
    from docx import Document

    report = build_report(FX.result, previous=FX.previous, ledger_items=LEDGER, issuer=ISSUER)
    buf = io.BytesIO()
    render_docx(report, buf, lang="zh")
    buf.seek(0)
    return Document(buf)


def test_docx_has_cover_headings_and_every_item(docx_doc: Any) -> None:
    paragraphs = [p.text for p in docx_doc.paragraphs]
    styles = {p.text: p.style.name for p in docx_doc.paragraphs}
    assert styles[FX.result.pack.id] == "Title"
    assert any("2026Q3" in p and ISSUER in p and "2026Q2" in p for p in paragraphs)
    for heading in (
        "一、考核结果",
        "二、发现的问题",
        "三、整改任务清单",
        "附件\uff1a各组织得分明细",
    ):
        assert styles.get(heading) == "Heading 1"
    cells = [c.text for t in docx_doc.tables for row in t.rows for c in row.cells]
    text = "\n".join(paragraphs + cells)
    for org in FX.result.organizations:
        assert f"{org.name} ({org.org_id})" in text
        assert styles.get(f"{org.name} ({org.org_id})") == "Heading 2"
    for f in FX.result.findings:
        assert f.message in text
    for item in LEDGER:
        assert item.number in cells
    assert len(docx_doc.inline_shapes) == 3  # the charts, as PNG


def test_docx_ranking_tables_match_the_result(docx_doc: Any) -> None:
    ranking_tables = [t for t in docx_doc.tables if t.rows[0].cells[0].text == "名次"]
    assert len(ranking_tables) == len(FX.result.rankings)
    for table, group in zip(ranking_tables, FX.result.rankings, strict=True):
        got = [
            (r.cells[1].text.rsplit("(", 1)[1].rstrip(")"), _rank_of(r.cells[0].text))
            for r in table.rows[1:]
        ]
        assert got == _expected_ranking(group)


# -- Excel -------------------------------------------------------------------------------------
def test_xlsx_sheets_read_back() -> None:
    from openpyxl import load_workbook

    report = build_report(FX.result, previous=FX.previous, ledger_items=LEDGER)
    buf = io.BytesIO()
    render_xlsx(report, buf, lang="en")
    buf.seek(0)
    wb = load_workbook(buf)
    assert wb.sheetnames == ["Rankings", "Findings", "Rectification"]
    rankings = wb["Rankings"]
    header = [c.value for c in rankings[1]]
    assert header[:5] == ["Group", "Rank", "Tied", "ID", "Organization"]
    assert rankings.freeze_panes == "C2"
    assert all(c.font.bold for c in rankings[1])
    rows = list(rankings.iter_rows(min_row=2, values_only=True))
    assert len(rows) == len(FX.result.organizations)
    titles = {gid: g.title for gid, g in FX.result.rankings.items()}
    for group in FX.result.rankings:
        got = [(r[3], r[1]) for r in rows if r[0] == titles[group]]
        assert got == _expected_ranking(group)
        shared = Counter(rank for _o, rank in got)
        assert [r[2] for r in rows if r[0] == titles[group]] == [
            "tied" if shared[rank] > 1 else None for _o, rank in got
        ]
    totals = {r[3]: r[5] for r in rows}
    for org in FX.result.organizations:
        assert totals[org.org_id] == pytest.approx(round(org.total, 2))
    findings = wb["Findings"]
    fp_col = [c.value for c in findings[1]].index("Fingerprint")
    got_fps = [r[fp_col] for r in findings.iter_rows(min_row=2, values_only=True)]
    assert sorted(got_fps) == sorted(f.fingerprint for f in FX.result.findings)
    assert findings.column_dimensions["G"].width > 20  # the problem text column is widened
    rect = wb["Rectification"]
    numbers = [r[0] for r in rect.iter_rows(min_row=2, values_only=True)]
    assert sorted(numbers) == sorted(i.number for i in LEDGER)
    assert rect.freeze_panes == "C2"


def test_xlsx_in_chinese_names_the_sheets() -> None:
    from openpyxl import load_workbook

    buf = io.BytesIO()
    render_xlsx(build_report(FX.result), buf, lang="zh")
    buf.seek(0)
    assert load_workbook(buf).sheetnames == ["排名", "问题", "整改台账"]


# -- exporters and the command -----------------------------------------------------------------
def test_exporters_are_registered_and_take_options(tmp_path: Path) -> None:
    exporters = get_registry().exporters
    for name, suffix in (("md", ".md"), ("html", ".html"), ("docx", ".docx"), ("xlsx", ".xlsx")):
        assert exporters[name].suffix == suffix
        assert get_registry().origin("exporter", name) == "pbrules.report.plugin"
    previous = tmp_path / "prev.json"
    previous.write_text(FX.previous.model_dump_json(), encoding="utf-8")
    out = io.BytesIO()
    exporters["md"].export(FX.result, out, previous=previous, lang="zh", issuer=ISSUER, unknown=1)
    text = out.getvalue().decode("utf-8")
    assert "对比 2026Q2" in text and "中共某区委组织部 印发" in text


def test_write_report_rejects_unknown_format() -> None:
    from pbrules.errors import UsageError

    with pytest.raises(UsageError, match="unknown report format 'pdf'"):
        write_report(FX.result, "pdf", io.BytesIO())


@pytest.fixture()
def result_files(tmp_path: Path) -> tuple[Path, Path]:
    current, previous = tmp_path / "result-2026Q3.json", tmp_path / "result-2026Q2.json"
    current.write_text(FX.result.model_dump_json(), encoding="utf-8")
    previous.write_text(FX.previous.model_dump_json(), encoding="utf-8")
    return current, previous


def test_report_command_writes_each_format(result_files: tuple[Path, Path], tmp_path: Path) -> None:
    current, previous = result_files
    runner = CliRunner()
    out = tmp_path / "review.md"
    res = runner.invoke(
        cli,
        [
            "report",
            str(current),
            "--previous",
            str(previous),
            "-f",
            "md",
            "--lang",
            "zh",
            "--issuer",
            ISSUER,
            "-o",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    assert "一、考核结果" in text and "rank" not in text.split("##")[1]
    res = runner.invoke(cli, ["report", str(current), "-f", "xlsx"])  # binary to a pipe
    assert res.exit_code == 0 and res.stdout_bytes[:2] == b"PK"
    res = runner.invoke(cli, ["report", str(current), "-f", "csv"])  # an engine exporter
    assert res.exit_code == 0 and all(o.org_id in res.output for o in FX.result.organizations)


def test_report_command_errors_are_clean(result_files: tuple[Path, Path], tmp_path: Path) -> None:
    current, _previous = result_files
    runner = CliRunner()
    res = runner.invoke(cli, ["report", str(tmp_path / "missing.json")])
    assert res.exit_code == 2 and "no such result document" in res.output
    res = runner.invoke(cli, ["report", str(current), "-f", "pdf"])
    assert res.exit_code == 2 and "unknown format 'pdf'" in res.output and "docx" in res.output
    bad = tmp_path / "bad.json"
    bad.write_text('{"hello": 1}', encoding="utf-8")
    res = runner.invoke(cli, ["report", str(bad)])
    assert res.exit_code == 2 and "not a pbrules result document" in res.output
    res = runner.invoke(cli, ["report", str(current), "--ledger", str(tmp_path / "none.db")])
    assert res.exit_code == 2 and "no such ledger database" in res.output
    assert "Traceback" not in res.output


def test_report_from_a_real_ledger(result_files: tuple[Path, Path], tmp_path: Path) -> None:
    from pbrules.ledger import Ledger

    current, _previous = result_files
    db = tmp_path / "ledger.db"
    with Ledger(db) as ledger:
        ledger.sync(FX.previous)
        ledger.sync(FX.result)
        items = ledger_items_of(ledger)
    assert items, "the ledger holds the synced findings"
    out = tmp_path / "review.html"
    res = CliRunner().invoke(
        cli, ["report", str(current), "--ledger", str(db), "-f", "html", "-o", str(out)]
    )
    assert res.exit_code == 0, res.output
    page = _parse(out.read_text(encoding="utf-8"))
    shown = {r.attrs["data-number"] for r in page.table("rectification-table").rows}
    # every item still open or rectified this quarter is listed under its ledger number
    expected = {i.number for i in items if str(i.status) != "closed"}
    assert expected <= shown and shown <= {i.number for i in items}
    still_failing = {f.fingerprint for f in FX.result.findings}
    assert {i.fingerprint for i in items if i.number in shown} >= still_failing
    assert "Items from the rectification ledger" in page.all_text


def ledger_items_of(ledger: Any) -> list[Any]:
    assert FX.result.as_of is not None
    return list(ledger.items(as_of=FX.result.as_of, pack=FX.result.pack.id))


# -- the example district ----------------------------------------------------------------------
EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "district"
RULES = Path(__file__).resolve().parent.parent / "rules" / "district-quarterly.yaml"


@pytest.fixture(scope="module")
def district() -> tuple[Any, Any]:
    from pbrules.dataset import read_dataset
    from pbrules.engine.evaluate import Engine
    from pbrules.packs.loader import load_packs

    pack = load_packs([RULES])
    engine = Engine(pack)
    q2 = engine.run(read_dataset(EXAMPLES / "2026Q2.jsonl"))
    return engine.run(read_dataset(EXAMPLES / "2026Q3.jsonl"), previous=q2), pack


def test_example_district_report_shows_everything(district: tuple[Any, Any]) -> None:
    from openpyxl import load_workbook

    result, pack = district
    report = build_report(result, pack=pack)
    assert report.title == pack.model.title and report.issuer == pack.model.issuer
    assert report.previous_period == "2026Q2"
    page = _parse(render_html(report, lang="zh", charts=False))
    for org in result.organizations:
        assert f"org-{org.org_id}" in page.ids
    fingerprints = [
        r.attrs["data-fingerprint"]
        for t in page.tables
        for r in t.rows
        if "data-fingerprint" in r.attrs
    ]
    assert sorted(fingerprints) == sorted(f.fingerprint for f in result.findings)
    for gid in result.rankings:
        rows = page.table(f"ranking-{gid}").rows
        members = sorted(
            (o for o in result.organizations if o.group == gid), key=lambda o: (o.rank, o.org_id)
        )
        assert [r.attrs["data-org"] for r in rows] == [o.org_id for o in members]
        assert [_rank_of(r.cells[0]) for r in rows] == [o.rank for o in members]
    assert "Standardization" in page.all_text  # area titles from the pack (built in English)
    assert "规范化建设" not in page.all_text
    buf = io.BytesIO()
    render_xlsx(report, buf, lang="en")
    buf.seek(0)
    sheet = load_workbook(buf)["Rankings"]
    ids = [r[3] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert sorted(ids) == sorted(o.org_id for o in result.organizations)


def test_missing_report_extra_gives_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from pbrules.errors import UsageError

    monkeypatch.setitem(sys.modules, "openpyxl", None)  # as if not installed
    with pytest.raises(
        UsageError, match=r"needs the openpyxl package: pip install 'pbrules\[report\]'"
    ):
        write_report(FX.result, "xlsx", io.BytesIO())


def test_evaluate_writes_the_review_directly(tmp_path: Path) -> None:
    out = tmp_path / "review.md"
    res = CliRunner().invoke(
        cli,
        [
            "evaluate",
            str(EXAMPLES / "2026Q3.jsonl"),
            "--rules",
            str(RULES),
            "--format",
            "md",
            "--lang",
            "zh",
            "--output",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    text = out.read_text(encoding="utf-8")
    assert "一、考核结果" in text and "三、整改任务清单" in text and "T01" in text


def test_report_command_offers_every_catalog_language() -> None:
    from pbrules.cli.report import report
    from pbrules.report.i18n import LANGUAGES

    lang = next(p for p in report.params if p.name == "lang")
    assert tuple(lang.type.choices) == LANGUAGES  # type: ignore[attr-defined]


def test_long_highlight_lists_are_cut_in_the_text() -> None:
    from pbrules.report.model import HIGHLIGHT_LIMIT

    report = build_report(FX.result)
    group = report.groups[0]
    movers = [*group.rows] * 5  # more movers than the text names
    long = type(group)(
        id=group.id,
        title=group.title,
        rows=group.rows,
        top=group.top,
        bottom=group.bottom,
        rapid_progress=movers,
        major_setbacks=[],
    )
    report.groups[0] = long
    md = render_markdown(report, lang="en")
    line = next(x for x in md.splitlines() if x.startswith("- **Rapid progress**"))
    assert line.count("; ") == HIGHLIGHT_LIMIT  # ten names, then the note
    assert f"and {len(movers) - HIGHLIGHT_LIMIT} more (see the table)" in line
    assert "另有" in render_markdown(report, lang="zh")
