"""The tier distribution (星级分布) per peer group in every report format and both languages,
beside the group's ranking; nothing when the pack declares no tiers."""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path

import pytest

import pbrules
from pbrules.model.result import RunResult
from pbrules.packs.loader import load_pack
from pbrules.report import build_report
from pbrules.report.render import render_docx, render_html, render_markdown, render_xlsx
from pbrules.report.tiers import tier_distribution

ROOT = Path(__file__).resolve().parent.parent
STARS = ROOT / "rules" / "examples" / "county-village-stars.yaml"
DATA = ROOT / "examples" / "district" / "2026Q3.jsonl"


@pytest.fixture(scope="module")
def stars() -> RunResult:
    return pbrules.evaluate(str(STARS), str(DATA)).result


def _held(result: RunResult) -> Counter[str | None]:
    return Counter(o.tier for o in result.organizations if o.group == "villages")


def test_the_distribution_counts_every_organization_of_the_group(stars: RunResult) -> None:
    pack = load_pack(STARS)
    dist = tier_distribution(stars.organizations, pack.model)["villages"]
    held = _held(stars)
    assert [t.id for t in dist.tiers] == ["star2", "star1"]  # highest first
    assert {t.id: t.count for t in dist.tiers} == {"star1": held["star1"], "star2": held["star2"]}
    assert dist.none == held[None]
    assert dist.organizations == sum(held.values())
    assert dist.tiers[0].title == "Two stars (democratic management)"
    zh = tier_distribution(stars.organizations, pack.model, lang="zh")["villages"]
    assert [t.title for t in zh.tiers] == ["二星（民主管理星）", "一星（班子坚强星）"]
    # without the pack the ids stand for the titles
    bare = tier_distribution(stars.organizations)["villages"]
    assert [(t.id, t.title, t.count) for t in bare.tiers] == [
        (t.id, t.id, t.count) for t in dist.tiers
    ]


@pytest.mark.parametrize(("lang", "heading", "none"), [("en", "Tier distribution", "No tier"),
                                                       ("zh", "星级分布", "未达星级")])
def test_every_format_shows_it_beside_the_ranking(
    stars: RunResult, lang: str, heading: str, none: str
) -> None:
    from docx import Document
    from openpyxl import load_workbook

    pack = load_pack(STARS)
    report = build_report(stars, pack=pack, lang=lang)
    held = _held(stars)
    star2 = "二星（民主管理星）" if lang == "zh" else "Two stars (democratic management)"
    expected = {
        "en": f"{star2}: {held['star2']}",
        "zh": f"{star2}{held['star2']}个",
    }[lang]
    md = render_markdown(report, lang=lang)
    html = render_html(report, lang=lang, charts=False)
    for text in (md, html):
        assert heading in text and expected in text and none in text
        # beside the group's ranking: after its heading, before its table
        assert text.index(heading) < text.index("T01" if "T01" in text else "B0")
    out = io.BytesIO()
    render_docx(report, out, lang=lang, charts=False)
    paragraphs = [p.text for p in Document(io.BytesIO(out.getvalue())).paragraphs]
    assert any(p.startswith(heading) and expected in p for p in paragraphs)
    out = io.BytesIO()
    render_xlsx(report, out, lang=lang)
    sheet = load_workbook(io.BytesIO(out.getvalue())).worksheets[-1]
    rows = [tuple(r) for r in sheet.iter_rows(values_only=True)]
    assert sheet.title == heading if lang == "zh" else sheet.title == "Tiers"
    assert (report.groups[0].title, star2, held["star2"]) in rows
    assert (report.groups[0].title, none, held[None]) in rows


def test_nothing_when_the_pack_declares_no_tiers() -> None:
    pack = load_pack(ROOT / "rules" / "district-quarterly.yaml")
    result = RunResult.model_validate_json(
        (ROOT / "examples" / "district" / "result-2026Q2.json").read_text(encoding="utf-8")
    )
    report = build_report(result, pack=pack, lang="zh")
    assert report.tiers == {}
    assert "星级分布" not in render_markdown(report, lang="zh")
    out = io.BytesIO()
    render_xlsx(report, out, lang="zh")
    from openpyxl import load_workbook

    assert "星级分布" not in load_workbook(io.BytesIO(out.getvalue())).sheetnames
