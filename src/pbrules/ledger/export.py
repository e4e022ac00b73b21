"""Ledger items written out: csv (UTF-8 with a byte-order mark), xlsx or json."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from pathlib import Path
from typing import IO, Any, Literal

from pbrules.cells import csv_cell, text_cells
from pbrules.errors import LedgerError
from pbrules.ledger.models import LedgerItem

__all__ = ["EXPORT_COLUMNS", "ExportFormat", "export_items"]

ExportFormat = Literal["csv", "xlsx", "json"]
EXPORT_COLUMNS: tuple[str, ...] = (
    "number",
    "status",
    "overdue",
    "repeat_count",
    "org_id",
    "org_name",
    "criterion",
    "title",
    "severity",
    "subject",
    "message",
    "responsible",
    "due",
    "action",
    "opened_period",
    "opened_on",
    "last_seen_period",
    "closed_on",
    "closed_by",
    "waiver_reason",
    "waiver_owner",
    "waiver_until",
    "pack",
    "fingerprint",
)
_COLUMN_WIDTHS = {
    "number": 14,
    "status": 11,
    "org_name": 28,
    "title": 30,
    "message": 60,
    "action": 40,
    "fingerprint": 20,
    "waiver_reason": 30,
}


def _export_row(item: LedgerItem) -> dict[str, Any]:
    w = item.waiver
    return {
        "number": item.number,
        "status": item.status.value,
        "overdue": item.overdue,
        "repeat_count": item.repeat_count,
        "org_id": item.org_id,
        "org_name": item.org_name,
        "criterion": item.criterion,
        "title": item.title,
        "severity": item.severity.value,
        "subject": f"{item.subject_type}:{item.subject_id}" if item.subject_type else None,
        "message": item.message,
        "responsible": item.responsible,
        "due": item.due,
        "action": item.action,
        "opened_period": str(item.opened_period),
        "opened_on": item.opened_on,
        "last_seen_period": str(item.last_seen_period),
        "closed_on": item.closed_on,
        "closed_by": item.closed_by,
        "waiver_reason": None if w is None or item.waiver_expired else w.reason,
        "waiver_owner": None if w is None or item.waiver_expired else w.owner,
        "waiver_until": None if w is None or item.waiver_expired else w.until,
        "pack": item.pack,
        "fingerprint": item.fingerprint,
    }


def export_items(
    format: ExportFormat | str, items: list[LedgerItem], as_of: date, out: str | Path | IO[bytes]
) -> int:
    """Write ``items`` as ``format`` to ``out`` (a path or a binary stream); returns the count."""
    if format not in ("csv", "xlsx", "json"):
        raise LedgerError(f"unknown export format {format!r}: use csv, xlsx or json")
    if format == "json":
        payload = _json_bytes(items, as_of)
    elif format == "csv":
        payload = _csv_bytes([_export_row(i) for i in items])
    else:
        payload = _xlsx_bytes([_export_row(i) for i in items], as_of)
    if isinstance(out, str | Path):
        Path(out).write_bytes(payload)
    else:
        out.write(payload)
    return len(items)


def _json_bytes(items: list[LedgerItem], as_of: date) -> bytes:
    doc = {"as_of": as_of.isoformat(), "items": [i.model_dump(mode="json") for i in items]}
    return json.dumps(doc, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"


def _csv_bytes(rows: list[dict[str, Any]]) -> bytes:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=list(EXPORT_COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow(
            {
                k: csv_cell("" if v is None else v.isoformat() if isinstance(v, date) else v)
                for k, v in row.items()
            }
        )
    return buf.getvalue().encode("utf-8-sig")


def _xlsx_bytes(rows: list[dict[str, Any]], as_of: date) -> bytes:
    try:
        from openpyxl import Workbook
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise LedgerError("xlsx export needs openpyxl: pip install 'pbrules[report]'") from exc
    wb = Workbook()
    ws = wb.active
    ws.title = "ledger"
    ws.append(list(EXPORT_COLUMNS))
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in rows:
        ws.append([row[c] for c in EXPORT_COLUMNS])
    for idx, name in enumerate(EXPORT_COLUMNS, start=1):
        letter = get_column_letter(idx)
        ws.column_dimensions[letter].width = _COLUMN_WIDTHS.get(name, max(12, len(name) + 2))
        if name in ("due", "opened_on", "closed_on", "waiver_until"):
            for (cell,) in ws.iter_rows(min_row=2, min_col=idx, max_col=idx):
                cell.number_format = "yyyy-mm-dd"
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = ws.dimensions
    wb.properties.title = f"pbrules ledger as of {as_of.isoformat()}"
    text_cells(wb)  # names and messages are text, never formulas
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
