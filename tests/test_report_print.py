"""The review material printed, read back as a person would read the paper.

The HTML is printed to PDF by headless Chromium; the Word and Excel files are converted to PDF by
LibreOffice, as a district office opening them would print them. ``pdftotext`` then gives the
text of each page, and the tests assert on it: every column header of the ranking table is on
its first page (nothing cut on the right), no header word or number is broken in the middle of a
table cell, ties are marked, and Chinese names are there. Skipped only when the programs are not
installed (``.ci/run`` installs them: chromium, libreoffice-writer-nogui,
libreoffice-calc-nogui, poppler-utils).
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from pbrules.report import build_report
from pbrules.report.i18n import translations
from pbrules.report.render import column_widths, render_docx, render_html, render_xlsx
from report_fixtures import make_fixture

FX = make_fixture()
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
SOFFICE = shutil.which("soffice")
PDFTOTEXT = shutil.which("pdftotext")

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(PDFTOTEXT is None, reason="pdftotext (poppler-utils) is not installed"),
]
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice is not installed")


def _report() -> object:
    return build_report(FX.result, previous=FX.previous)


def pages(pdf: Path, *, layout: bool = True) -> list[str]:
    """The text of each page. With ``layout`` a word broken across two lines shows broken;
    without it, a table cell's lines come one after the other (a wrapped header reads whole)."""
    out = subprocess.run(
        [str(PDFTOTEXT), *(["-layout"] if layout else []), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    return out.split("\f")


def ranking_header(lang: str, areas: list[str]) -> list[str]:
    _ = translations(lang).gettext
    base = [_("Rank"), _("Organization"), _("Total"), _("Grade")]
    moves = [_("Previous rank"), _("Rank change"), _("Score change")]
    return [*base, *moves, *areas, _("Findings")]


def _squeezed(text: str) -> str:
    return re.sub(r"\s+", "", text)


def assert_headers_on_one_page(page: str, header: list[str]) -> None:
    """Every header is on the page (a header wrapped inside its cell still counts)."""
    missing = [h for h in header if _squeezed(h) not in _squeezed(page)]
    assert not missing, f"column headers missing from the page: {missing}\n{page[:3000]}"


def assert_latin_words_whole(page: str, words: list[str]) -> None:
    """Each Latin word and number occurs whole: LibreOffice did not break it mid-word."""
    broken = [w for w in words if not re.search(rf"(?<![\w.]){re.escape(w)}(?![\w.])", page)]
    assert not broken, f"broken in a table cell: {broken}\n{page[:3000]}"


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Path]]:
    """Every format in both languages, printed to PDF once for the module."""
    work = tmp_path_factory.mktemp("print")
    report = _report()
    out: dict[str, Path] = {}
    office: list[Path] = []
    for lang in ("en", "zh"):
        if CHROMIUM is not None:
            html = work / f"review-{lang}-html.html"
            html.write_text(render_html(report, lang=lang), encoding="utf-8")  # type: ignore[arg-type]
            pdf = work / f"review-{lang}-html.pdf"
            subprocess.run(
                [CHROMIUM, "--headless=new", "--no-sandbox", "--disable-gpu",
                 "--no-pdf-header-footer", f"--print-to-pdf={pdf}", html.as_uri()],
                capture_output=True, timeout=120, check=True,
            )  # fmt: skip
            out[f"html-{lang}"] = pdf
        for fmt, render in (("docx", render_docx), ("xlsx", render_xlsx)):
            buf = io.BytesIO()
            render(report, buf, lang=lang)  # type: ignore[operator]
            path = work / f"review-{lang}-{fmt}.{fmt}"
            path.write_bytes(buf.getvalue())
            office.append(path)
    if SOFFICE is not None:
        profile = work / "lo-profile"
        subprocess.run(
            [SOFFICE, f"-env:UserInstallation={profile.as_uri()}", "--headless",
             "--convert-to", "pdf", "--outdir", str(work), *map(str, office)],
            capture_output=True, timeout=300, check=True,
        )  # fmt: skip
        for path in office:
            lang, fmt = path.stem.split("-")[1:]
            out[f"{fmt}-{lang}"] = path.with_suffix(".pdf")
    yield out


def _first_ranking_page(text_pages: list[str], lang: str) -> str:
    title = "乡镇(街道)"  # the first peer group's title (pack-authored, the same in both)
    first = next((p for p in text_pages if title in p), None)
    assert first is not None, f"no page shows the {lang} ranking of {title}"
    return first


@needs_chromium
@pytest.mark.browser
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_html_printed_keeps_every_column(printed: dict[str, Path], lang: str) -> None:
    report = _report()
    text = pages(printed[f"html-{lang}"])
    page = _first_ranking_page(text, lang)
    assert_headers_on_one_page(page, ranking_header(lang, list(report.areas.values())))  # type: ignore[attr-defined]
    assert "城关镇" in "".join(text)  # Chinese names print
    tie = "(tied)" if lang == "en" else "并列"
    assert tie in "".join(text)


@needs_soffice
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_word_printed_keeps_every_column_and_whole_words(
    printed: dict[str, Path], lang: str
) -> None:
    report = _report()
    text = pages(printed[f"docx-{lang}"])
    header = ranking_header(lang, list(report.areas.values()))  # type: ignore[attr-defined]
    assert_headers_on_one_page(
        _first_ranking_page(pages(printed[f"docx-{lang}"], layout=False), lang), header
    )
    words = [w for h in header for w in h.split() if w.isascii()]
    totals = [f"{o.total:.2f}".rstrip("0").rstrip(".") for o in FX.result.organizations if o.total]
    assert_latin_words_whole("\n".join(text), [*words, *totals])
    assert "城关镇" in "".join(text)
    assert ("(tied)" if lang == "en" else "并列") in "".join(text)


@needs_soffice
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_excel_printed_fits_the_page_width(printed: dict[str, Path], lang: str) -> None:
    _ = translations(lang).gettext
    report = _report()
    text = pages(printed[f"xlsx-{lang}"])
    header = [_("Group"), _("Rank"), _("Tied"), _("ID"), _("Organization"), _("Total"),
              _("Movement"), *report.areas.values(), _("Findings")]  # type: ignore[attr-defined]  # fmt: skip
    assert_headers_on_one_page(text[0], header)  # columns A to the last on page 1
    rows = len(FX.result.organizations) + len(FX.result.findings) * 2
    assert len([p for p in text if p.strip()]) <= max(3, rows // 20)  # fit to width, not 100 pages
    assert "城关镇" in "".join(text)


def test_column_widths_give_every_word_its_room() -> None:
    header = ["Rank", "Organization", "Previous rank", "Findings"]
    rows = [["1 (tied)", "Liulin Town Party Committee (T05)", "10", "0"]]
    widths = column_widths(header, rows, 16.0)
    assert sum(widths) == pytest.approx(16.0)
    assert widths[1] == max(widths)  # the long text gets the room
    assert widths[2] >= len("Previous") * 0.21  # its longest word fits
    narrow = column_widths(["编号", "组织"], [["1", "中共某某村党支部委员会"]], 4.0)
    assert sum(narrow) == pytest.approx(4.0)  # Chinese may wrap anywhere: it fits
