"""Regenerate the report screenshots shown in docs/reports.md.

Evaluates the example district's 2026Q3 review against 2026Q2 into HTML (Chinese from the
Chinese example examples/district-zh, English from examples/district), opens each page in headless Chromium (/usr/bin/chromium) and saves a
1280-wide crop of each section here; then prints the HTML (Chromium), the Word document and the
workbook (LibreOffice) to PDF and keeps one page of each as a print preview (``pdftoppm``), in
Chinese and English. Run from anywhere: ``python docs/gallery/make_gallery.py``.
The DevTools-protocol helpers are those of tests/test_report_browser.py.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GALLERY = ROOT / "docs" / "gallery"
sys.path.insert(0, str(ROOT / "tests"))

from test_report_browser import Browser, launch_chromium, open_page  # noqa: E402

WIDTH = 1280
MARGIN = 12  # pixels kept above a section's top
# name, language, CSS selector the crop starts at (None: top of the page), crop height
SHOTS: list[tuple[str, str, str | None, int]] = [
    ("results", "zh", None, 1000),
    ("results", "en", None, 1000),
    ("charts", "zh", "#chart-distribution", 1150),
    ("problems", "en", "#problems", 1000),
    ("rectification", "zh", "#rectification", 800),
    ("appendix", "zh", "#appendix", 800),
]


def render(lang: str, out: Path, fmt: str = "html") -> None:
    """Write the example review as a report in ``lang`` and ``fmt`` (html, docx, xlsx): the
    Chinese review of the Chinese example district, the English one of the English district."""
    example = "examples/district-zh" if lang == "zh" else "examples/district"
    pbrules = Path(sys.executable).with_name("pbrules")
    command = str(pbrules) if pbrules.exists() else shutil.which("pbrules") or "pbrules"
    subprocess.run(
        [
            command,
            "evaluate",
            f"{example}/2026Q3.jsonl",
            "--rules",
            "rules/district-quarterly.yaml",
            "--previous",
            f"{example}/result-2026Q2.json",
            "--format",
            fmt,
            "--lang",
            lang,
            "--output",
            str(out),
        ],
        cwd=ROOT,
        check=True,
    )


def screenshot(browser: Browser, page: Path, selector: str | None, height: int) -> bytes:
    """PNG of the ``height`` pixels of ``page`` from the top of ``selector``."""
    session, problems = open_page(browser, page)
    if problems:
        raise RuntimeError(f"{page.name}: console errors: {problems}")
    top = 0.0
    if selector is not None:
        reply = browser.send(
            "Runtime.evaluate",
            {
                "expression": f"document.querySelector({selector!r})"
                ".getBoundingClientRect().top + window.scrollY",
                "returnByValue": True,
            },
            session=session,
        )
        top = max(0.0, float(reply["result"]["value"]) - MARGIN)
    clip = {"x": 0, "y": top, "width": WIDTH, "height": height, "scale": 1}
    shot = browser.send(
        "Page.captureScreenshot",
        {"format": "png", "clip": clip, "captureBeyondViewport": True},
        session=session,
    )
    return base64.b64decode(shot["data"])


#: (format, page of the printed PDF to show): the first page with a ranking table
PRINTS = [("html", 2), ("docx", 2), ("xlsx", 1)]


def print_previews(tmp: Path) -> None:
    """What the paper looks like: HTML printed by Chromium, Word and Excel by LibreOffice, one
    page of each as PNG (``pdftoppm``), in both languages."""
    office: list[Path] = []
    for lang in ("zh", "en"):
        html = tmp / f"print-{lang}-html.html"
        render(lang, html)
        subprocess.run(
            ["/usr/bin/chromium", "--headless=new", "--no-sandbox", "--disable-gpu",
             "--no-pdf-header-footer", f"--print-to-pdf={html.with_suffix('.pdf')}",
             html.as_uri()],
            check=True, capture_output=True,
        )  # fmt: skip
        for fmt in ("docx", "xlsx"):
            office.append(tmp / f"print-{lang}-{fmt}.{fmt}")
            render(lang, office[-1], fmt)
    subprocess.run(
        ["soffice", f"-env:UserInstallation={(tmp / 'lo').as_uri()}", "--headless",
         "--convert-to", "pdf", "--outdir", str(tmp), *map(str, office)],
        check=True, capture_output=True,
    )  # fmt: skip
    for lang in ("zh", "en"):
        for fmt, page in PRINTS:
            pdf = tmp / f"print-{lang}-{fmt}.pdf"
            stem = tmp / f"print-{lang}-{fmt}"
            subprocess.run(
                ["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page),
                 "-singlefile", str(pdf), str(stem)],
                check=True,
            )  # fmt: skip
            target = GALLERY / f"district-2026Q3-print-{fmt}-{lang}.png"
            shutil.copyfile(stem.with_suffix(".png"), target)
            print(target.relative_to(ROOT))


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="pbrules-gallery-") as tmp:
        pages = {lang: Path(tmp) / f"2026Q3-{lang}.html" for lang in ("zh", "en")}
        for lang, page in pages.items():
            render(lang, page)
        with launch_chromium(window=f"{WIDTH},1000") as browser:
            for name, lang, selector, height in SHOTS:
                target = GALLERY / f"district-2026Q3-{name}-{lang}.png"
                target.write_bytes(screenshot(browser, pages[lang], selector, height))
                print(target.relative_to(ROOT))
        print_previews(Path(tmp))


if __name__ == "__main__":
    main()
