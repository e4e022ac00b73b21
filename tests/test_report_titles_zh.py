"""Area, group and tier titles in the reader's language.

A pack titles its areas, groups and tiers in English (``title``) and in Chinese (``title_zh``),
as criteria do: an English review shows ``title``, a zh review ``title_zh`` (else ``title``, else
the id). A pack that writes its Chinese in ``title`` and gives no ``title_zh`` (packs written
before the key) shows that title in both languages, and dumps and digests exactly as before.
"""

from __future__ import annotations

import gzip
import io
import json
import re
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pbrules.cli import cli
from pbrules.packs.loader import canonical_digest, load_pack
from pbrules.packs.schema import Area, Group, GroupWhere, Pack, Tier
from pbrules.report import build_report
from pbrules.report.brief import build_brief
from pbrules.report.i18n import pack_title
from pbrules.report.render import render_docx, render_html, render_markdown, render_xlsx
from pbrules.result_io import load_result

ROOT = Path(__file__).resolve().parent.parent
PACK = ROOT / "rules" / "district-quarterly.yaml"
PREVIOUS = ROOT / "examples" / "district" / "result-2026Q2.json"
GOLDEN = ROOT / "tests" / "golden" / "v1"
CJK = re.compile(r"[\u3000-\u9fff\uff00-\uffef]")

ENGLISH = {
    "areas": ["Standardization", "Supervision", "Team stability"],
    "groups": ["Townships and streets", "System committees", "Branches"],
}
CHINESE = {
    "areas": ["规范化建设", "督导力度", "队伍稳定"],
    "groups": ["乡镇(街道)", "系统分工委", "党支部"],
}
TITLES = {"en": ENGLISH, "zh": CHINESE}


@pytest.fixture(scope="module")
def pack() -> Any:
    return load_pack(PACK)


@pytest.fixture(scope="module")
def reports(pack: Any) -> dict[str, Any]:
    result = load_result(PREVIOUS)
    return {lang: build_report(result, pack=pack, lang=lang) for lang in ("en", "zh")}


def _headings(md: str, level: str) -> list[str]:
    return [line[len(level) + 1 :] for line in md.splitlines() if line.startswith(level + " ")]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_markdown_and_html_headings_speak_the_language(reports: dict[str, Any], lang: str) -> None:
    report = reports[lang]
    assert [g.title for g in report.groups if g.ranked] == TITLES[lang]["groups"]
    assert [report.areas[a] for a in ("standardization", "supervision", "team_stability")] == (
        TITLES[lang]["areas"]
    )
    md = render_markdown(report, lang=lang)
    groups = _headings(md, "###")
    for title in TITLES[lang]["groups"]:
        assert title in groups
    areas = [re.sub(r" \(\d+\)$", "", h) for h in groups]
    for title in TITLES[lang]["areas"]:
        assert title in areas  # the problems' area headings
    html = render_html(report, lang=lang, charts=False)
    h3 = re.findall(r"<h3[^>]*>([^<]*)", html)
    for title in TITLES[lang]["groups"] + TITLES[lang]["areas"]:
        assert any(h.strip().startswith(title) for h in h3), title
    if lang == "en":  # no Chinese in a group or area heading, nor in a ranking's column heads
        assert not [h for h in groups + h3 if CJK.search(h)]
        heads = re.findall(r"<th[^>]*>([^<]*)</th>", html)
        assert "Team structure" in heads and not [h for h in heads if CJK.search(h)]
    else:
        assert not [t for t in ENGLISH["groups"] + ENGLISH["areas"] if t in groups + h3]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_word_and_excel_read_back_in_the_language(reports: dict[str, Any], lang: str) -> None:
    from docx import Document
    from openpyxl import load_workbook

    report, other = reports[lang], TITLES["zh" if lang == "en" else "en"]
    out = io.BytesIO()
    render_docx(report, out, lang=lang, charts=False)
    document = Document(io.BytesIO(out.getvalue()))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    cells = {c.text for t in document.tables for row in t.rows[:1] for c in row.cells}
    for title in TITLES[lang]["groups"]:
        assert any(h.startswith(title) for h in headings), title
    assert set(TITLES[lang]["areas"]) <= cells
    assert not [h for h in headings for t in other["groups"] + other["areas"] if h.startswith(t)]
    out = io.BytesIO()
    render_xlsx(report, out, lang=lang)
    sheet = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert set(TITLES[lang]["areas"]) <= set(rows[0])
    assert set(TITLES[lang]["groups"]) <= {r[0] for r in rows[1:]}
    assert not set(other["groups"]) & {r[0] for r in rows[1:]}
    if lang == "en":
        assert not [v for v in rows[0] if isinstance(v, str) and CJK.search(v)]


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_briefing_of_a_large_result_reads_the_same_titles(pack: Any, lang: str) -> None:
    brief = build_brief(PREVIOUS, pack=pack, lang=lang)
    assert [g.title for g in brief.groups if g.ranked] == TITLES[lang]["groups"]
    assert [brief.areas[a] for a in ("standardization", "supervision", "team_stability")] == (
        TITLES[lang]["areas"]
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_the_streamed_workbook_of_a_large_result_reads_the_same_titles(
    pack: Any, lang: str
) -> None:
    from openpyxl import load_workbook

    from pbrules.report.stream import write_xlsx_streamed

    out = io.BytesIO()
    write_xlsx_streamed(PREVIOUS, out, pack=pack, lang=lang)
    rows = list(load_workbook(io.BytesIO(out.getvalue())).worksheets[0].iter_rows(values_only=True))
    assert set(TITLES[lang]["areas"]) <= set(rows[0])
    assert set(TITLES[lang]["groups"]) <= {r[0] for r in rows[1:]}


def test_the_result_carries_a_group_title_zh_for_a_review_without_the_pack(
    tmp_path: Path,
) -> None:
    rankings = json.loads(PREVIOUS.read_text(encoding="utf-8"))["rankings"]
    assert {g: (r["title"], r["title_zh"]) for g, r in rankings.items()} == dict(
        zip(rankings, zip(ENGLISH["groups"], CHINESE["groups"], strict=True), strict=True)
    )
    for lang in ("en", "zh"):
        out = tmp_path / f"review-{lang}.md"
        args = ["report", str(PREVIOUS), "-f", "md", "--lang", lang, "-o", str(out)]
        res = CliRunner().invoke(cli, args)
        assert res.exit_code == 0, res.output
        groups = _headings(out.read_text(encoding="utf-8"), "###")
        assert all(t in groups for t in TITLES[lang]["groups"])


def _old_style_pack() -> Pack:
    return Pack(
        pack="old",
        version="1",
        areas=[Area(id="standardization", title="规范化建设", weight=1), Area(id="x", weight=1)],
        groups=[Group(id="townships", title="乡镇(街道)", where=GroupWhere())],
        tiers=[Tier(id="star1", title="一星", tags=["a"], min=80)],
    )


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_pack_without_title_zh_shows_its_title_in_both_languages(lang: str) -> None:
    old = _old_style_pack()
    assert [pack_title(a, lang) for a in old.areas] == ["规范化建设", "x"]  # else the id
    assert pack_title(old.groups[0], lang) == "乡镇(街道)"
    assert pack_title(old.tiers[0], lang) == "一星"
    report = build_report(load_result(PREVIOUS), pack=old, lang=lang)
    assert report.areas["standardization"] == "规范化建设"
    # a group the pack does not name keeps the result's title, in the reader's language
    assert [g.title for g in report.groups if g.id == "branches"] == [TITLES[lang]["groups"][2]]


def test_title_zh_reads_only_in_chinese() -> None:
    area = Area(id="standardization", title="Standardization", title_zh="规范化建设", weight=1)
    assert (pack_title(area, "en"), pack_title(area, "zh")) == ("Standardization", "规范化建设")
    chinese_only = Group(id="g", title_zh="乡镇")
    assert (pack_title(chinese_only, "en"), pack_title(chinese_only, "zh")) == ("g", "乡镇")


def test_a_v1_pack_dumps_and_digests_as_before() -> None:
    loaded = load_pack(GOLDEN / "district-quarterly.yaml")
    dump = loaded.model.model_dump(mode="json")
    for key in ("areas", "groups", "tiers"):
        assert all("title_zh" not in item for item in dump.get(key, []))
    expected = json.loads(gzip.decompress((GOLDEN / "expected-2026Q3.json.gz").read_bytes()))
    assert canonical_digest(loaded.model) == loaded.digest == expected["pack"]["digest"]
    assert all("title_zh" not in r for r in expected["rankings"].values())
    given = Area(id="a", title="A", title_zh="甲", weight=1).model_dump()
    assert given["title_zh"] == "甲"


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_a_child_that_retitles_an_area_drops_the_inherited_title_zh(tmp_path: Path) -> None:
    base = _write(
        tmp_path / "base.yaml",
        "pack: base\nversion: '1'\n"
        "areas:\n  - {id: a, title: Standards, title_zh: 规范, weight: 1}\n"
        "  - {id: b, title: Other, title_zh: 其他, weight: 1}\n"
        "groups:\n  - {id: g, title: Towns, title_zh: 乡镇}\n",
    )
    child = _write(
        tmp_path / "child.yaml",
        f"pack: child\nversion: '1'\nextends: [{base.name}]\n"
        "areas:\n  - {id: a, title: 基础规范, weight: 2}\n  - {id: b, title: Other, weight: 3}\n"
        "groups:\n  - {id: g, title: Towns and streets, title_zh: 乡镇街道}\n",
    )
    model = load_pack(child).model
    assert [(a.title, a.title_zh, a.weight) for a in model.areas] == [
        ("基础规范", None, 2.0),  # renamed (Chinese in title): shown as written in both
        ("Other", "其他", 3.0),  # the same title restated: its Chinese kept
    ]
    assert (model.groups[0].title, model.groups[0].title_zh) == ("Towns and streets", "乡镇街道")


@pytest.mark.parametrize(
    "path",
    sorted(p for p in (ROOT / "rules").rglob("*.yaml") if not p.name.endswith(".test.yaml")),
    ids=lambda p: p.stem,
)
def test_bundled_packs_title_themselves_areas_groups_and_tiers_in_english_and_chinese(
    path: Path,
) -> None:
    model = load_pack(path).model
    assert model.title and not CJK.search(model.title), f"{path.name}: {model.title}"
    for item in [*model.areas, *model.groups, *model.tiers]:
        assert item.title and not CJK.search(item.title), f"{path.name}: {item.id}: {item.title}"
        assert item.title_zh and CJK.search(item.title_zh), f"{path.name}: {item.id}"


@pytest.mark.parametrize(("lang", "pt"), [("en", 7.0), ("zh", 9.0)])
def test_a_word_ranking_whose_words_do_not_fit_at_9_pt_is_set_at_7(
    pack: Any, lang: str, pt: float
) -> None:
    """The English area headings (Standardization, Organization building...) need more room
    than the landscape page has at 9 pt; at 7 pt every word stays whole. The Chinese fit."""
    from docx import Document

    result = load_result(PREVIOUS)  # compared with itself: the ranking's three change columns
    report = build_report(result, previous=result, pack=pack, lang=lang)
    out = io.BytesIO()
    render_docx(report, out, lang=lang, charts=False)
    tables = Document(io.BytesIO(out.getvalue())).tables
    first_area = TITLES[lang]["areas"][0]
    ranking = next(t for t in tables if first_area in {c.text for c in t.rows[0].cells})
    sizes = {
        r.font.size.pt for row in ranking.rows for c in row.cells for r in c.paragraphs[0].runs
    }
    assert sizes == {pt}
