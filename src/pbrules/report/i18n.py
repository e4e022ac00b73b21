"""Fixed report text in English and Chinese (gettext catalogs).

The report's own words ("Results", "Rectification items"...) are English msgids translated by
the catalog ``pbrules`` under :file:`pbrules/locale/<lang>/LC_MESSAGES/`. The compiled ``.mo``
files are shipped with the package; when one is missing (a checkout where only the ``.po``
exists), the ``.po`` is compiled in memory with Babel. Pack-authored text (titles, messages,
area names) is never translated: it is shown as written, in Chinese where the pack gives a
``*_zh`` text and the reader reads zh (:func:`pack_title` for areas, groups and tiers).
"""

from __future__ import annotations

import functools
import gettext
import io
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from pbrules.errors import UsageError

__all__ = [
    "DOMAIN",
    "LANGUAGES",
    "LOCALE_DIR",
    "Translator",
    "check_lang",
    "compile_catalogs",
    "compile_po",
    "extract_messages",
    "label",
    "pack_title",
    "reader_text",
    "responsible_text",
    "translations",
    "unnamed",
]

DOMAIN = "pbrules"
LANGUAGES: tuple[str, ...] = ("en", "zh")
LOCALE_DIR = Path(__file__).resolve().parent.parent / "locale"

Translator = Callable[[str], str]


def check_lang(lang: str | None) -> str:
    """Normalize a ``--lang`` value (``zh_CN`` -> ``zh``) or raise :class:`UsageError`."""
    value = (lang or "en").strip().replace("-", "_").split("_")[0].lower()
    if value not in LANGUAGES:
        raise UsageError(f"unknown report language {lang!r}; use one of: {', '.join(LANGUAGES)}")
    return value


@functools.cache
def translations(lang: str | None = "en") -> gettext.NullTranslations:
    """The gettext translations of the report text for ``lang`` (``en`` is the source text)."""
    code = check_lang(lang)
    if code == "en":
        return gettext.NullTranslations()
    mo = LOCALE_DIR / code / "LC_MESSAGES" / f"{DOMAIN}.mo"
    if mo.is_file():
        with mo.open("rb") as fh:
            return gettext.GNUTranslations(fh)
    po = mo.with_suffix(".po")
    if po.is_file():
        return gettext.GNUTranslations(io.BytesIO(compile_po(po)))
    raise UsageError(f"the report catalog for {code!r} is missing: {mo}")


def compile_po(po: Path) -> bytes:
    """Compile a ``.po`` catalog to ``.mo`` bytes with Babel."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        catalog = read_po(fh, locale=po.parent.parent.name)
    buf = io.BytesIO()
    write_mo(buf, catalog)
    return buf.getvalue()


def label(kind: str, value: str | None, _: Translator) -> str:
    """Translate a fixed vocabulary value (severity, grade, status, movement, kind).

    Values outside the vocabulary (a pack's own grade names) are shown as written.
    """
    if value is None:
        return ""
    table = _VOCAB.get(kind, {})
    source = table.get(value)
    return _(source) if source is not None else value


# The vocabularies; each English text is a msgid in the catalogs.
_VOCAB: dict[str, dict[str, str]] = {
    "severity": {"minor": "minor", "major": "major", "critical": "critical"},
    "grade": {"excellent": "excellent", "good": "good", "fair": "fair", "weak": "weak"},
    "status": {
        "open": "open",
        "overdue": "overdue",
        "rectified": "rectified",
        "closed": "closed",
        "waived": "waived",
        "reopened": "reopened",
        "pass": "pass",
        "fail": "fail",
        "error": "error",
        "not_applicable": "not applicable",
    },
    "movement": {
        "rapid_progress": "rapid progress",
        "major_setback": "major setback",
        "steady": "steady",
    },
    "subject": {
        "member": "member",
        "person": "person",
        "development_case": "development case",
        "rectification": "rectification item",
        "feedback": "problem fed back",
        "organization": "organization",
        "coverage_unit": "unit to cover",
        "campaign_step": "campaign step",
    },
    # the development pipeline's dates, as the development checks name them in messages
    "date": {
        "applied_on": "application",
        "talked_on": "talk with the applicant",
        "activist_on": "activist named",
        "dev_object_on": "development object named",
        "accepted_on": "admitted as probationary member",
        "approved_on": "admission approved",
        "oath_on": "oath",
        "converted_on": "full membership",
        "extended_until": "probation extended until",
        "cancelled_on": "qualification cancelled",
        "+ maximum": "+ the longest interval allowed",
    },
    "role": {
        "secretary": "secretary",
        "deputy_secretary": "deputy secretary",
        "organization": "organization committee member",
        "propaganda": "publicity committee member",
        "discipline": "discipline committee member",
        "member": "committee member",
        "first_secretary": "first secretary",
    },
    "kind": {
        "district_committee": "district committee",
        "township_committee": "township committee",
        "street_working_committee": "street working committee",
        "system_sub_committee": "system sub-committee",
        "base_committee": "base committee",
        "general_branch": "general branch",
        "branch": "branch",
        "joint_branch": "joint branch",
    },
}


def pack_title(item: Any, lang: str) -> str:
    """A pack area's, group's or tier's title as a reader of ``lang`` reads it: in ``zh`` its
    ``title_zh``, else its ``title``, else its id (English: its ``title``, else its id).

    No catalog names a pack's ids: an area without titles is shown by its id in both."""
    chinese = getattr(item, "title_zh", None) if lang == "zh" else None
    return str(chinese or getattr(item, "title", None) or item.id)


def responsible_text(responsible: str | None, _: Translator) -> str | None:
    """``organization (Song Xia)`` -> ``组织委员（宋霞）``: a committee role as a reader says it,
    its holder's name kept; anything else (a name, a department) as written."""
    if responsible is None:
        return None
    role, sep, rest = responsible.partition(" (")
    if role not in _VOCAB["role"] or (sep and not rest.endswith(")")):
        return responsible
    title = label("role", role, _)
    return _("{role} ({name})").format(role=title, name=rest[:-1]) if sep else title


_INTERNAL = re.compile(
    r"\b(applied_on|talked_on|activist_on|dev_object_on|accepted_on|approved_on|oath_on"
    r"|converted_on|extended_until|cancelled_on)\b|\+ maximum\b"
)


def reader_text(text: str, _: Translator) -> str:
    """A finding's text with the field names the checks write (``applied_on 2026-07-01 +
    maximum``) in words: ``application 2026-07-01 + the longest interval allowed``."""
    return _INTERNAL.sub(lambda m: label("date", m.group(0), _), text)


def unnamed(text: str, name: str | None) -> str:
    """``text`` without the organization's ``name`` it starts with, for a table whose row names
    the organization already: "Wuwan Village Party Branch held no general meeting ..." ->
    "held no general meeting ...", "柳林镇党委：..." -> "...". Unchanged when it does not start
    with the name, when the name only starts a longer word, or when nothing would be left."""
    if not name or not text.startswith(name):
        return text
    rest = text[len(name) :]
    if rest[:1].isascii() and rest[:1].isalnum() and name[-1:].isascii():
        return text  # "Town" of "Townships"
    rest = rest.lstrip(" :：,，、")
    return rest or text


def extract_messages() -> list[tuple[str | None, str]]:
    """Every ``(msgctxt, msgid)`` of the report text: the ``_()`` and ``pgettext()`` calls in
    the templates and renderers, and the fixed vocabularies.

    Used to check that the catalogs are complete. After editing a ``.po``, recompile the
    ``.mo`` files with ``python -c "from pbrules.report.i18n import compile_catalogs;
    compile_catalogs()"``.
    """
    from babel.messages.extract import extract_from_file

    here = Path(__file__).resolve().parent
    found: dict[tuple[str | None, str], None] = {}
    jinja_options = {
        "extensions": "jinja2.ext.i18n",
        "trim_blocks": "true",
        "lstrip_blocks": "true",
    }
    for template in sorted((here / "templates").glob("*.j2")):
        for _line, msg, _comments, ctx in extract_from_file(
            "jinja2", str(template), options=jinja_options
        ):
            if isinstance(msg, str):
                found[(ctx, msg)] = None
    for module in ("render.py", "charts.py"):
        for _line, msg, _comments, ctx in extract_from_file("python", str(here / module)):
            if isinstance(msg, str):
                found[(ctx, msg)] = None
    for table in _VOCAB.values():
        for source in table.values():
            found[(None, source)] = None
    return list(found)


def compile_catalogs() -> list[Path]:
    """Compile every ``.po`` under :data:`LOCALE_DIR` to its ``.mo``; returns the files written."""
    written: list[Path] = []
    for po in sorted(LOCALE_DIR.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        mo = po.with_suffix(".mo")
        mo.write_bytes(compile_po(po))
        written.append(mo)
    return written
