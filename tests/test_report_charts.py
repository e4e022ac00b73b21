"""Charts readable for a real district: the movement chart draws movers only, and SVG text stays
text so Chinese names render in the reader's browser whatever fonts the report machine had."""

from __future__ import annotations

import re
import warnings

from pbrules.report import build_report
from pbrules.report import charts as charts_module
from pbrules.report.charts import build_charts
from pbrules.report.i18n import translations
from report_fixtures import make_fixture

FX = make_fixture()


def _movement_svg(lang: str = "zh") -> str:
    report = build_report(FX.result, previous=FX.previous)
    drawn = build_charts(report, translations(lang).gettext, png=False)
    return next(c.svg for c in drawn if c.id == "chart-movement")


def test_movement_chart_draws_movers_only() -> None:
    report = build_report(FX.result, previous=FX.previous)
    movers = sum(len(g.rapid_progress) + len(g.major_setbacks) for g in report.groups)
    steady = sum(1 for g in report.groups for r in g.rows if r.movement == "steady")
    assert movers and steady
    svg = _movement_svg("en")
    # a mover's line is 1.6 wide; axes and ticks are thinner
    assert len(re.findall(r"stroke-width: 1\.6", svg)) == movers
    assert "steady, not drawn" in svg


def test_chinese_chart_text_stays_text() -> None:
    svg = _movement_svg("zh")
    texts = "".join(re.findall(r"<text[^>]*>([^<]*)</text>", svg))
    assert "城关镇" in texts  # a mover's name, as text the browser draws
    assert "未画出" in texts


def test_no_glyph_warnings_without_a_cjk_font(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(charts_module, "cjk_font", lambda: None)
    report = build_report(FX.result, previous=FX.previous)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        build_charts(report, translations("zh").gettext, png=True)
    assert not [w for w in caught if "Glyph" in str(w.message)]


def test_area_chart_stays_readable_when_dozens_tie_at_the_top() -> None:
    import dataclasses

    report = build_report(FX.result, previous=FX.previous)
    group = report.groups[-1]
    tied = [dataclasses.replace(group.rows[0], org_id=f"X{i}", tied=True) for i in range(80)]
    crowded = dataclasses.replace(group, top=tied)  # as if 80 tied at the top
    report = dataclasses.replace(report, groups=[*report.groups[:-1], crowded])
    drawn = build_charts(report, translations("en").gettext, png=False)
    svg = next(c.svg for c in drawn if c.id == "chart-areas")
    # every bar is a patch: at most five organizations at each end, one bar per area each
    bars = len(re.findall(r'<g id="chart-areas-patch_\d+">', svg))
    bound = len(report.groups) * (2 * 5 * len(report.areas) + len(report.areas) + 2)
    assert bars <= bound
