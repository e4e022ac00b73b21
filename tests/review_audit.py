"""What a Chinese reader of the review must never see: internal field names, raw enum values and
English words in the report's own text (used by tests/test_report_zh_audit.py).

:func:`reader_texts` renders the zh review of a result in every format and returns its text;
:func:`foreign_spans` lists the text the report shows as written by someone else (the pack's
author, the data, the checks), which is stripped before :func:`offenders` looks for words.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterable
from html.parser import HTMLParser
from typing import Any

from pbrules.model.result import RunResult
from pbrules.report import build_report
from pbrules.report.model import localized
from pbrules.report.render import render_docx, render_html, render_markdown, render_xlsx

#: enum values of the result and the ledger that must reach a reader translated
RAW_ENUMS = frozenset(
    {
        "pass", "fail", "not_applicable", "error", "critical", "major", "minor",
        "excellent", "good", "fair", "weak", "rapid_progress", "major_setback", "steady",
        "open", "rectified", "waived", "closed", "overdue", "merged", "reopened",
    }
)  # fmt: skip
#: a snake_case identifier: applied_on, org_id, base_total...
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
#: a token made of Latin letters (digits, '-', ':', '.' inside): ids carry a digit and pass
TOKEN = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:[-:.][A-Za-z0-9_]+)*")


class _Text(HTMLParser):
    """The text nodes of an HTML page, without its script, style and SVG metadata."""

    SKIP = frozenset({"script", "style", "metadata"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self.SKIP:
            self._skipping += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in self.SKIP and self._skipping:
            self._skipping -= 1

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_text(page: str) -> str:
    parser = _Text()
    parser.feed(page)
    return "\n".join(parser.parts)


def md_text(page: str) -> str:
    """Markdown as read: escapes and emphasis markers dropped."""
    return html.unescape(re.sub(r"\\([\\`*_{}\[\]()#+\-.!|<>])", r"\1", page))


def docx_text(data: bytes) -> str:
    from docx import Document

    doc = Document(io.BytesIO(data))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts += [cell.text for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def xlsx_text(data: bytes) -> str:
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(data))
    parts: list[str] = list(wb.sheetnames)
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            parts += [str(v) for v in row if isinstance(v, str)]
    return "\n".join(parts)


def reader_texts(result: RunResult, pack: Any, previous: RunResult | None) -> dict[str, str]:
    """Format -> the text a reader of the zh review sees in it."""
    report = build_report(result, previous=previous, pack=pack, lang="zh")
    docx, xlsx = io.BytesIO(), io.BytesIO()
    render_docx(report, docx, lang="zh", charts=False)
    render_xlsx(report, xlsx, lang="zh")
    return {
        "md": md_text(render_markdown(report, lang="zh")),
        "html": html_text(render_html(report, lang="zh")),
        "docx": docx_text(docx.getvalue()),
        "xlsx": xlsx_text(xlsx.getvalue()),
    }


def foreign_spans(result: RunResult, pack: Any) -> dict[str, set[str]]:
    """Text shown as someone else wrote it, by source. ``pack``: what the criteria author wrote
    without a Chinese version (docs/reports.md, "Languages"); ``data``: names in the snapshots;
    ``checks``: what the checks wrote (their notes and per-subject details; catalogued by the
    checker note work)."""
    model = getattr(pack, "model", pack)
    shown = localized(result, "zh")
    authored: set[str] = {model.title or "", model.issuer or ""}
    # the pack's own Chinese heading (the seeds' placeholder district "X区" stays as written)
    authored |= {model.title_zh or "", model.issuer_zh or ""}
    authored |= {a.title or "" for a in model.areas} | {g.title or "" for g in model.groups}
    for c in model.criteria:
        authored |= {c.basis or "" if not c.basis_zh else "", c.title if not c.title_zh else ""}
        authored |= {c.rectify.action or "" if not c.rectify.action_zh else ""}
        authored |= {c.rectify.responsible or "" if not c.rectify.responsible_zh else ""}
    checks: set[str] = set()
    messages = [(f.message, f.message_zh) for f in shown.findings]
    # and the subjects an organization-level finding stands for
    messages += [(s.message, s.message_zh) for f in shown.findings for s in f.subjects or ()]
    for message, chinese in messages:
        if not chinese:
            authored.add(message)
            continue
        # the template's Chinese, then after a colon the check's own detail of the subject
        parts = message.split("：")
        checks |= {"：".join(parts[i:]) for i in range(1, len(parts))}
    for o in result.organizations:
        checks |= {c.note for c in o.criteria if c.note}
    data = {o.name for o in result.organizations}
    ids = {result.pack.id, result.pack.version}
    for f in result.findings:
        ids.update(f.evidence)
        holder = re.search(r"\(([^()]+)\)$", f.rectification.responsible or "")
        if holder:  # the committee member's name, as the snapshot spells it
            data.add(holder.group(1))
    return {
        "pack": _nonempty(authored),
        # the checks' own words are Chinese (the note catalog, tests/test_notes.py): only the
        # Latin runs inside them (record ids, the data's own text) are set apart
        "checks": _nonempty(_latin_runs(checks)),
        "data": _nonempty(data),
        "ids": _nonempty(ids),
    }


def _latin_runs(texts: Iterable[str]) -> set[str]:
    """The runs of Latin letters, digits and id punctuation within ``texts``."""
    return {m.strip() for t in texts for m in re.findall(r"[A-Za-z0-9][A-Za-z0-9 _./:-]*", t)}


def _nonempty(texts: Iterable[str]) -> set[str]:
    """The texts with a Latin letter (Chinese needs no setting apart)."""
    return {t for t in texts if t and re.search("[A-Za-z]", t)}


#: a chart label cut to fit (an organization's name): Latin words ending in an ellipsis
_CUT_NAME = re.compile(r"[A-Za-z][A-Za-z' -]*…")


def strip(text: str, spans: Iterable[str]) -> str:
    """``text`` without every occurrence of the spans (longest first) and of the chart labels
    cut to fit; whitespace runs count as one space (chart labels wrap long names)."""
    text = re.sub(r"\s+", " ", text)
    for span in sorted({re.sub(r"\s+", " ", s) for s in spans}, key=len, reverse=True):
        text = text.replace(span, " ")
    return _CUT_NAME.sub(" ", text)


def offenders(text: str) -> list[tuple[str, str, str]]:
    """(kind, word, context) for each internal field name, raw enum value or English word
    left in ``text``, once per word; a token with a digit is an id, a number or a date."""
    found: list[tuple[str, str, str]] = []
    seen: set[str] = set()
    for pattern in (SNAKE, TOKEN):
        for m in pattern.finditer(text):
            word = m.group()
            if word in seen or (pattern is TOKEN and any(ch.isdigit() for ch in word)):
                continue
            seen.add(word)
            kind = (
                "field name" if SNAKE.fullmatch(word)
                else "raw value" if word in RAW_ENUMS
                else "English"
            )  # fmt: skip
            found.append((kind, word, text[max(0, m.start() - 40) : m.end() + 40]))
    return found
