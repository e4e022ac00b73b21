"""Built-in exporters of the quarterly review material (md, html, docx, xlsx).

They make ``pbrules evaluate --format html`` (and any ``--format`` of ``pbrules report``) write
the review briefing. Options (keyword arguments of :meth:`export`, all optional):
``previous`` (a ``RunResult`` or a path), ``ledger`` (a ``Ledger``, a path or items), ``lang``
(``en`` or ``zh``), ``issuer`` (issuing department), ``pack`` (the ``LoadedPack``, for titles
and the issuer). The rendering libraries are imported only when an export runs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, BinaryIO

from pbrules.hookspecs import hookimpl
from pbrules.io import Exporter
from pbrules.model.result import RunResult

__all__ = ["ReportExporter", "register_exporters"]

_OPTIONS = ("previous", "ledger", "lang", "issuer", "pack", "title")


class ReportExporter:
    """Writes a result document as review material in one format."""

    def __init__(self, name: str, suffix: str, description: str) -> None:
        self.name = name
        self.suffix = suffix
        self.description = description

    def export(self, result: RunResult, out: BinaryIO, **options: Any) -> None:
        from pbrules.report import write_report

        kwargs = {k: options[k] for k in _OPTIONS if options.get(k) is not None}
        write_report(result, self.name, out, **kwargs)

    def __repr__(self) -> str:
        return f"ReportExporter({self.name!r})"


def _exporters() -> list[ReportExporter]:
    # FORMATS lives in pbrules.report, whose import is light (no matplotlib, docx, openpyxl).
    from pbrules.report import FORMATS

    return [ReportExporter(name, suffix, desc) for name, (suffix, desc) in FORMATS.items()]


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    for exporter in _exporters():
        register(exporter)
