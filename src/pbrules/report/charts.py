"""Charts of the review material, drawn with matplotlib (Agg backend).

Three charts, each available as inline SVG (for the HTML report) and PNG (for Word):

- score distribution per peer group (box plot with every organization as a dot);
- area scores of the top and bottom organizations of each group (grouped bars);
- quarter-over-quarter rank movement (a slope chart per group of the organizations labelled
  rapid progress or major setback only; only with a previous period).

SVG text is kept as text (``svg.fonttype: none``): the reader's browser draws it with its own
fonts, so Chinese names read in the HTML even when the machine that made the report has no CJK
font. The PNG for Word is drawn with a CJK-capable font found on the machine (Noto Sans CJK,
WenQuanYi, Source Han Sans...), DejaVu Sans for Latin text; without one, Chinese names show as
boxes there and one warning is logged (install ``fonts-noto-cjk`` on Debian/Ubuntu).
"""

from __future__ import annotations

import functools
import io
import logging
import re
import textwrap
import unicodedata
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from pbrules.report.i18n import Translator
from pbrules.report.model import GroupSection, Report

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["Chart", "build_charts", "cjk_font"]

log = logging.getLogger(__name__)

_CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "Hiragino Sans GB",
    "AR PL UMing CN",
    "Noto Serif CJK SC",
)
_CJK_FILE_HINTS = (
    "notosanscjk",
    "notoserifcjk",
    "wqy",
    "wenquanyi",
    "sourcehan",
    "simhei",
    "msyh",
    "droidsansfallback",
    "uming",
    "ukai",
)
_MAX_NAMED = 4
_Drawn = tuple["Figure", str, str]  # figure, chart id, caption
_PALETTE = ("#b71c1c", "#1565c0", "#2e7d32", "#ef6c00", "#6a1b9a", "#00838f", "#5d4037")


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart: a stable id, its caption, and the figure as SVG markup and PNG bytes."""

    id: str
    caption: str
    svg: str
    png: bytes


@functools.cache
def cjk_font() -> str | None:
    """The family name of a CJK-capable font matplotlib can use, or ``None``."""
    from matplotlib import font_manager

    names = {f.name for f in font_manager.fontManager.ttflist}
    for family in _CJK_FAMILIES:
        if family in names:
            return family
    # The font cache may predate the fonts' installation: look at the files directly.
    for path in font_manager.findSystemFonts():
        if any(h in path.lower().replace("-", "").replace("_", "") for h in _CJK_FILE_HINTS):
            try:
                font_manager.fontManager.addfont(path)
            except (OSError, RuntimeError, ValueError):  # an unreadable font file: skip it
                continue
    names = {f.name for f in font_manager.fontManager.ttflist}
    for family in _CJK_FAMILIES:
        if family in names:
            return family
    log.warning("no CJK font found; Chinese text in charts will not render (fonts-noto-cjk)")
    return None


@contextmanager
def _style() -> Iterator[None]:
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    # An explicit family list (not the generic "sans-serif") lets matplotlib fall back glyph by
    # glyph: Latin from DejaVu Sans, Chinese from the CJK font.
    families = ["DejaVu Sans"]
    cjk = cjk_font()
    if cjk:
        families.append(cjk)
    rc: Any = {  # typed loosely: matplotlib types the keys as a Literal union
        "font.family": families,
        "axes.unicode_minus": False,
        # SVG text stays text: the reader's browser draws it with its own fonts, so Chinese
        # names read on a machine where matplotlib found no CJK font (the PNG for Word needs one)
        "svg.fonttype": "none",
        "svg.hashsalt": "pbrules",
        "axes.spines.top": False,
        "axes.spines.right": False,
        "axes.grid": True,
        "grid.alpha": 0.3,
        "font.size": 9,
        "figure.dpi": 100,
    }
    with plt.rc_context(rc), warnings.catch_warnings():
        # without a CJK font each Chinese glyph would warn; cjk_font() has warned once already
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .*missing from", category=UserWarning)
        yield


def _export(fig: Figure, chart_id: str, caption: str, *, svg: bool, png: bool) -> Chart:
    import matplotlib.pyplot as plt

    svg_text, png_data = "", b""
    if svg:
        buf = io.StringIO()
        fig.savefig(buf, format="svg", bbox_inches="tight", metadata={"Date": None})
        svg_text = _inline_svg(buf.getvalue(), chart_id, caption)
    if png:
        raw = io.BytesIO()
        fig.savefig(raw, format="png", dpi=150, bbox_inches="tight", metadata={"Software": None})
        png_data = raw.getvalue()
    plt.close(fig)
    return Chart(id=chart_id, caption=caption, svg=svg_text, png=png_data)


def _inline_svg(svg: str, chart_id: str, caption: str) -> str:
    svg = svg[svg.index("<svg") :]
    # Drop the RDF metadata block: it only names the generator and links external vocabularies.
    svg = re.sub(r"<metadata>.*?</metadata>\s*", "", svg, count=1, flags=re.S)
    # Give every id a per-chart prefix so several inline SVGs never share an id.
    svg = re.sub(r'id="([^"]+)"', rf'id="{chart_id}-\1"', svg)
    svg = re.sub(r"url\(#([^)]+)\)", rf"url(#{chart_id}-\1)", svg)
    svg = re.sub(r'xlink:href="#([^"]+)"', rf'xlink:href="#{chart_id}-\1"', svg)
    return svg.replace("<svg ", f'<svg role="img" aria-label="{_attr(caption)}" ', 1)


def _attr(text: str) -> str:
    return text.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _short(name: str, limit: int = 24) -> str:
    """Fit ``name`` in ``limit`` columns (a CJK character is two), cutting with an ellipsis."""
    if _width(name) <= limit:
        return name
    out = ""
    for ch in name:
        if _width(out + ch) > limit - 1:
            break
        out += ch
    return out + "…"


def _label(name: str, limit: int = 16) -> str:
    """A tick label: Latin names wrap on two lines; CJK names are cut to fit."""
    if _width(name) <= limit:
        return name
    if _width(name) == len(name):  # no wide characters: wrap at spaces
        lines = textwrap.wrap(name, limit)
        if len(lines) <= 2:
            return "\n".join(lines)
        return lines[0] + "\n" + _short(" ".join(lines[1:]), limit)
    return _short(name, limit)


def build_charts(
    report: Report, _: Translator, *, svg: bool = True, png: bool = True
) -> list[Chart]:
    """Draw the report's charts (an empty list when there is nothing to draw).

    ``svg`` and ``png`` choose the outputs drawn (HTML needs SVG, Word needs PNG).
    """
    groups = [g for g in report.groups if g.rows and g.ranked]
    if not groups:
        return []
    charts: list[Chart] = []
    with _style():
        drawn = [_distribution(groups, _), _areas(groups, report, _)]
        moved = [g for g in groups if g.has_previous]
        if moved:
            drawn.append(_movement(moved, report, _))
        for fig, chart_id, caption in drawn:
            charts.append(_export(fig, chart_id, caption, svg=svg, png=png))
    return charts


def _horizontal() -> dict[str, Any]:
    import matplotlib

    major, minor = (int(x) for x in matplotlib.__version__.split(".")[:2])
    return {"orientation": "horizontal"} if (major, minor) >= (3, 10) else {"vert": False}


def _distribution(groups: list[GroupSection], _: Translator) -> _Drawn:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(7.5, 0.9 + 0.75 * len(groups)))
    data = [[r.total for r in g.rows if r.total is not None] for g in groups]
    ax.boxplot(
        data,
        **_horizontal(),
        widths=0.5,
        showfliers=False,
        medianprops={"color": _PALETTE[0]},
        boxprops={"color": "#555"},
    )
    for i, values in enumerate(data, start=1):
        n = len(values)
        ys = [i + (k - (n - 1) / 2) * (0.3 / max(n, 1)) for k in range(n)]
        ax.scatter(values, ys, s=18, color=_PALETTE[1], alpha=0.8, zorder=3)
    ax.set_yticks(range(1, len(groups) + 1), [_label(g.title, 20) for g in groups])
    ax.set_xlabel(_("Total score"))
    ax.invert_yaxis()
    caption = _("Score distribution per peer group")
    ax.set_title(caption)
    return fig, "chart-distribution", caption


#: organizations shown at each end of a group in the area chart
_EDGE = 5


def _areas(groups: list[GroupSection], report: Report, _: Translator) -> _Drawn:
    import matplotlib.pyplot as plt

    areas = list(report.areas)
    fig, axes = plt.subplots(len(groups), 1, figsize=(8.5, 2.8 * len(groups)), squeeze=False)
    for ax, g in zip((row[0] for row in axes), groups, strict=True):
        picked: list[Any] = []
        # a tie may put dozens in "top three": the chart shows at most _EDGE of each end
        for r in [*g.top[:_EDGE], *reversed(g.bottom[:_EDGE])]:
            if r not in picked:
                picked.append(r)
        if not picked:
            picked = g.rows[:6]
        width = 0.8 / max(len(areas), 1)
        for k, area in enumerate(areas):
            xs = [i + (k - (len(areas) - 1) / 2) * width for i in range(len(picked))]
            ax.bar(
                xs,
                [r.areas.get(area, 0.0) for r in picked],
                width=width,
                color=_PALETTE[k % len(_PALETTE)],
                label=_short(report.areas[area], 24),
            )
        ax.set_xticks(range(len(picked)), [_label(r.name, 18) for r in picked], fontsize=8)
        ax.set_title(_("{group}: top and bottom organizations").format(group=g.title), fontsize=9)
        ax.set_ylabel(_("Area score"))
        ax.legend(fontsize=7, ncols=min(len(areas), 4), loc="upper right", frameon=False)
        ax.margins(y=0.25)
    caption = _("Area scores of the top and bottom organizations")
    fig.tight_layout()
    return fig, "chart-areas", caption


def _movement(groups: list[GroupSection], report: Report, _: Translator) -> _Drawn:
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, len(groups), figsize=(3.2 * len(groups) + 1, 4.2), squeeze=False)
    colors = {"rapid_progress": _PALETTE[2], "major_setback": _PALETTE[0]}
    for ax, g in zip(axes[0], groups, strict=True):
        size = max((max(r.rank or 0, r.previous_rank or 0) for r in g.rows), default=1)
        # name the largest moves only (labels of a long group would pile up)
        named = {
            r.org_id
            for rows in (g.rapid_progress, g.major_setbacks)
            for r in sorted(rows, key=lambda r: -abs(r.rank_change or 0))[:_MAX_NAMED]
        }
        # movers only: 170 steady lines would hide the few that matter
        movers = [r for r in g.rows if r.movement in colors and r.previous_rank is not None]
        for r in movers:
            color = colors[r.movement or ""]
            ax.plot(
                [0, 1],
                [r.previous_rank, r.rank],
                marker="o",
                markersize=3,
                color=color,
                linewidth=1.6,
            )
            if r.org_id in named:
                ax.annotate(
                    _short(r.name, 18),
                    (1, r.rank),
                    xytext=(4, 0),
                    textcoords="offset points",
                    fontsize=7,
                    va="center",
                    color=color,
                )
        ax.set_xlim(-0.2, 1.6)
        ax.set_ylim(size + 0.5, 0.5)
        ax.set_xticks([0, 1], [report.previous_period or _("previous"), report.period])
        ax.set_title(_short(g.title, 30), fontsize=9)
        steady = sum(1 for r in g.rows if r.movement == "steady")
        ax.text(0.5, -0.14, _("{n} steady, not drawn").format(n=steady), fontsize=7,
                ha="center", transform=ax.transAxes, color="#757575")  # fmt: skip
        ax.grid(False)
    axes[0][0].set_ylabel(_("Rank"))
    caption = _("Rank movement since the previous period")
    fig.suptitle(caption, fontsize=10)
    fig.tight_layout()
    return fig, "chart-movement", caption
