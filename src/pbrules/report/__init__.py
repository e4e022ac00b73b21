"""The quarterly review material: one report model, rendered to Markdown, HTML, Word and Excel.

::

    from pbrules.report import build_report, render_html

    report = build_report(result, previous=previous_result, issuer="X District Organization Dept.")
    html = render_html(report, lang="zh")

or in one call, as the exporters and ``pbrules report`` do::

    with open("review.docx", "wb") as out:
        write_report(result, "docx", out, previous=previous_result, ledger="ledger.db")

Reports work from result documents only (DESIGN §1): an integrator can produce them from any
stored result. See docs/reports.md.
"""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pbrules.errors import DataError, UsageError
from pbrules.model.result import RunResult
from pbrules.report.i18n import LANGUAGES, check_lang

if TYPE_CHECKING:
    from pbrules.report.model import LedgerItemLike, Report, build_report
    from pbrules.report.render import render_docx, render_html, render_markdown, render_xlsx

#: names imported on first use (:func:`__getattr__`): the report model and the renderers pull
#: in jinja2 and the briefing, which ``pbrules evaluate`` (it imports this package to register
#: the review exporters) never needs
_LAZY = {
    "LedgerItemLike": "model",
    "Report": "model",
    "build_report": "model",
    "render_docx": "render",
    "render_html": "render",
    "render_markdown": "render",
    "render_xlsx": "render",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value

__all__ = [
    "FORMATS",
    "LANGUAGES",
    "Report",
    "build_report",
    "ledger_items",
    "load_result_document",
    "render_docx",
    "render_html",
    "render_markdown",
    "render_xlsx",
    "write_report",
]

#: format name -> (file suffix, description)
FORMATS: dict[str, tuple[str, str]] = {
    "md": (".md", "Review briefing as Markdown"),
    "html": (".html", "Review briefing as one self-contained HTML page with charts"),
    "docx": (".docx", "Review briefing as a Word document"),
    "xlsx": (".xlsx", "Rankings, findings and rectification items as an Excel workbook"),
}


def load_result_document(source: str | Path | RunResult) -> RunResult:
    """A result document from a path (or passed through when already loaded)."""
    if isinstance(source, RunResult):
        return source
    from pbrules.result_io import load_result

    return load_result(source)


def ledger_items(ledger: Any, result: RunResult | None = None) -> list[LedgerItemLike]:
    """The rectification items of a ledger, as the report of ``result`` shows them.

    ``ledger`` is a :class:`pbrules.ledger.Ledger`, the path of a ledger database, or already a
    list of items. With ``result``, items are read as of the result's date (so ``overdue`` is
    judged on that day) for the result's pack, and the list keeps the items opened up to the
    result's period that are still open, rectified or waived, or were closed (销号) during it;
    items closed before the period began are history and left out.
    """
    if isinstance(ledger, str | Path):
        path = Path(ledger)
        if not path.is_file():
            raise DataError(f"{path}: no such ledger database")
        from pbrules.ledger import Ledger

        with Ledger(path, read_only=True) as db:
            return ledger_items(db, result)
    if hasattr(ledger, "items") and callable(ledger.items):
        if result is None:
            return list(ledger.items())
        as_of = result.as_of or result.period.end
        items = list(ledger.items(as_of=as_of, pack=result.pack.id))
    elif isinstance(ledger, Iterable):
        items = list(ledger)
        if result is None:
            return items
    else:
        raise UsageError(f"not a ledger: {ledger!r}")
    start, end = result.period.start, result.period.end
    kept = []
    for item in items:
        opened_in = getattr(item, "opened_period", None)
        if opened_in is not None and opened_in.start > end:
            continue
        closed_on = getattr(item, "closed_on", None)
        if str(item.status) == "closed" and closed_on is not None and closed_on < start:
            continue
        kept.append(item)
    return kept


def write_report(
    result: RunResult,
    fmt: str,
    out: IO[bytes],
    *,
    previous: RunResult | str | Path | None = None,
    ledger: Any = None,
    lang: str | None = "en",
    issuer: str | None = None,
    pack: Any = None,
    title: str | None = None,
) -> Report:
    """Build the report of ``result`` and write it to ``out`` in ``fmt`` (md, html, docx, xlsx)."""
    if fmt not in FORMATS:
        raise UsageError(f"unknown report format {fmt!r}; use one of: {', '.join(FORMATS)}")
    from pbrules.report.model import build_report
    from pbrules.report.render import render_docx, render_html, render_markdown, render_xlsx

    code = check_lang(lang)
    report = build_report(
        result,
        previous=load_result_document(previous) if previous is not None else None,
        ledger_items=ledger_items(ledger, result) if ledger is not None else None,
        pack=pack,
        issuer=issuer,
        title=title,
        lang=code,
    )
    try:
        if fmt == "md":
            data = render_markdown(report, lang=code).encode("utf-8")
        elif fmt == "html":
            data = render_html(report, lang=code).encode("utf-8")
        else:
            # python-docx and openpyxl need a seekable stream; stdout is not one.
            buf = io.BytesIO()
            if fmt == "docx":
                render_docx(report, buf, lang=code)
            else:
                render_xlsx(report, buf, lang=code)
            data = buf.getvalue()
    except ModuleNotFoundError as exc:
        package = _EXTRA_PACKAGES.get((exc.name or "").split(".")[0])
        if package is None:
            raise
        raise UsageError(
            f"--format {fmt} needs the {package} package: pip install 'pbrules[report]'"
        ) from None
    out.write(data)
    return report


#: import name -> distribution of the packages in the ``report`` extra
_EXTRA_PACKAGES = {
    "matplotlib": "matplotlib",
    "docx": "python-docx",
    "openpyxl": "openpyxl",
    "babel": "Babel",
}
