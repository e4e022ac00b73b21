"""Built-in exporters: json, jsonl, csv and table (registered through the plugin hooks).

- ``json``: the result document (DESIGN §7), indented, byte-identical for the same result.
- ``jsonl``: one line per organization, then one per finding, then one per rejected record and
  per warning; every line carries ``"type"`` (``organization``, ``finding``, ``rejected``,
  ``warning``).
- ``csv``: one row per organization with its scores, rank and movement, and one column per area.
- ``table``: the rankings per peer group, top and bottom, rapid progress and major setbacks, for
  a terminal (rich).
"""

from __future__ import annotations

import csv
import io
import json
from collections import Counter
from collections.abc import Callable
from typing import Any, BinaryIO

from pbrules.cells import csv_row
from pbrules.hookspecs import hookimpl
from pbrules.io import Exporter
from pbrules.model.result import GroupRanking, OrgResult, RunResult

__all__ = [
    "CsvExporter",
    "JsonExporter",
    "JsonlExporter",
    "TableExporter",
    "area_columns",
    "jsonl_line",
]


class JsonExporter:
    name = "json"
    suffix = ".json"
    description = "the result document (JSON, schema_version 1)"

    def export(self, result: RunResult, out: BinaryIO, **options: Any) -> None:
        from pbrules.result_io import write_result_json

        write_result_json(result, out)  # the same bytes, written one organization at a time


def jsonl_line(kind: str, data: dict[str, Any]) -> bytes:
    """The ``jsonl`` export's line of an item of ``kind`` (what a streamed run's lines are held
    to: :mod:`pbrules.engine.lines`)."""
    return (json.dumps({"type": kind, **data}, ensure_ascii=False) + "\n").encode("utf-8")


class JsonlExporter:
    name = "jsonl"
    suffix = ".jsonl"
    description = "one JSON line per organization, then per finding (tagged with a type)"

    def export(self, result: RunResult, out: BinaryIO, **options: Any) -> None:
        head = {"pack": result.pack.id, "period": str(result.period)}
        for org in result.organizations:
            out.write(jsonl_line("organization", {**head, **org.model_dump(mode="json")}))
        for finding in result.findings:
            out.write(jsonl_line("finding", finding.model_dump(mode="json")))
        for rejected in result.rejected:
            out.write(jsonl_line("rejected", rejected.model_dump(mode="json")))
        for warning in result.warnings:
            out.write(jsonl_line("warning", warning.model_dump(mode="json")))


#: The built-in exporters whose output ``pbrules evaluate`` writes while the run goes
#: (:meth:`pbrules.engine.evaluate.Engine.run_to`), with their ``export`` as shipped: a class
#: whose ``export`` was replaced (a test, a patch) is called with the whole result instead.
STREAMED_EXPORTS: dict[type[Any], Any] = {
    JsonExporter: JsonExporter.export,
    JsonlExporter: JsonlExporter.export,
}


def area_columns(result: RunResult) -> list[str]:
    """Area ids of a result, in order of first appearance."""
    seen: dict[str, None] = {}
    for org in result.organizations:
        for area in org.areas:
            seen.setdefault(area, None)
    return list(seen)


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


def _opt(value: object) -> str:
    return "" if value is None else str(value)


CSV_COLUMNS = (
    "org_id",
    "name",
    "kind",
    "group",
    "total",
    "base_total",
    "bonus",
    "grade",
    "rank",
    "previous_rank",
    "rank_change",
    "movement",
    "complete",
)


class CsvExporter:
    name = "csv"
    suffix = ".csv"
    description = "one row per organization: scores, rank, movement, one column per area"

    def export(self, result: RunResult, out: BinaryIO, **options: Any) -> None:
        areas = area_columns(result)
        text = io.StringIO(newline="")
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(csv_row([*CSV_COLUMNS, *areas]))
        for org in result.organizations:
            writer.writerow(
                csv_row(
                    [
                        org.org_id,
                        org.name,
                        org.kind,
                        _opt(org.group),
                        _num(org.total),
                        _num(org.base_total),
                        _num(org.bonus),
                        org.grade,
                        _opt(org.rank),
                        _opt(org.previous_rank),
                        _opt(org.rank_change),
                        _opt(org.movement),
                        "true" if org.complete else "false",
                        *(_num(org.areas.get(a)) for a in areas),
                    ]
                )
            )
        out.write(text.getvalue().encode("utf-8"))


_MOVEMENT_STYLE = {"rapid_progress": "green", "major_setback": "red", "steady": ""}


def _change(org: OrgResult) -> str:
    if org.rank_change is None:
        return "new" if org.movement is None and org.previous_rank is None else ""
    return f"{org.rank_change:+d}" if org.rank_change else "0"


def _shown_rows(
    orgs: list[OrgResult], ranking: GroupRanking, max_rows: int, movers: int
) -> list[int]:
    """Indexes of the rows to show: every row of a small group; else the top, the bottom and the
    largest movers each way, in display order."""
    if len(orgs) <= max_rows:
        return list(range(len(orgs)))
    wanted = {
        *ranking.top,
        *ranking.bottom,
        *ranking.rapid_progress[:movers],
        *ranking.major_setbacks[:movers],
    }
    return [i for i, org in enumerate(orgs) if org.org_id in wanted]


class TableExporter:
    name = "table"
    suffix = ".txt"
    description = "rankings per peer group with top, bottom and movement, for a terminal"

    # Options: ``color`` (ANSI colors), ``width`` (columns, default 110), ``max_rows`` (groups
    # larger than this show only their top, bottom and largest movers; default 30), ``movers``
    # (how many movers each way such a group shows; default 5).

    def export(self, result: RunResult, out: BinaryIO, **options: Any) -> None:
        from rich.console import Console

        color = bool(options.get("color", False))
        text = io.StringIO()
        console = Console(
            file=text,
            width=int(options.get("width") or 110),
            force_terminal=color,
            no_color=not color,
            color_system="standard" if color else None,
            highlight=False,
            emoji=False,
        )
        writer = _TableWriter(
            console,
            result,
            max_rows=int(options.get("max_rows") or 30),
            movers=int(options.get("movers") or 5),
        )
        writer.summary()
        for group_id, ranking in result.rankings.items():
            writer.group(group_id, ranking)
        writer.unranked()
        writer.rejected()
        writer.warnings()
        out.write(text.getvalue().encode("utf-8"))


class _TableWriter:
    """The terminal review, section by section, in the order :meth:`TableExporter.export` calls.

    A rank that organizations of a group share reads ``2 (tied)``."""

    def __init__(self, console: Any, result: RunResult, *, max_rows: int, movers: int) -> None:
        self.console = console
        self.result = result
        self.max_rows = max_rows
        self.movers = movers
        self.by_group: dict[str, list[OrgResult]] = {}
        for org in result.organizations:
            if org.group is not None and org.rank is not None:
                self.by_group.setdefault(org.group, []).append(org)
        self.names = {o.org_id: o.name for o in result.organizations}
        self.has_previous = any(o.previous_total is not None for o in result.organizations)
        self.shared: set[int | None] = set()  # ranks held by more than one organization

    def summary(self) -> None:
        result = self.result
        self.console.print(
            f"[bold]{result.pack.id}[/bold] {result.pack.version} - period {result.period}"
            f" - evaluated {result.summary.evaluated}, rejected {result.summary.rejected},"
            f" findings {result.summary.findings}, incomplete {result.summary.incomplete}"
        )

    def ids(self, values: list[str], limit: int | None = None) -> str:
        from rich.markup import escape

        listed = values if limit is None else values[:limit]
        text = ", ".join(f"{v} {self.names.get(v, '')}".strip() for v in listed) or "-"
        if len(listed) < len(values):
            text += f" and {len(values) - len(listed)} more"
        return escape(text)

    def group(self, group_id: str, ranking: Any) -> None:
        orgs = sorted(self.by_group.get(group_id, []), key=lambda o: (o.rank or 0, o.org_id))
        if not orgs:
            return
        table = self._table(f"{ranking.title or group_id} ({group_id}, {len(orgs)})")
        self.shared = {r for r, n in Counter(o.rank for o in orgs).items() if n > 1}
        shown = _shown_rows(orgs, ranking, self.max_rows, self.movers)
        previous_index = -1
        for index in shown:
            if index != previous_index + 1:
                self._gap(table, index - previous_index - 1)
            previous_index = index
            table.add_row(*self._row(orgs[index]))
        if shown and shown[-1] != len(orgs) - 1:
            self._gap(table, len(orgs) - 1 - shown[-1])
        console = self.console
        console.print()
        console.print(table)
        console.print(f"  top: {self.ids(ranking.top)}")
        console.print(f"  bottom: {self.ids(ranking.bottom)}")
        if self.has_previous:
            limit = None if len(orgs) <= self.max_rows else self.movers
            console.print(f"  rapid progress: {self.ids(ranking.rapid_progress, limit)}")
            console.print(f"  major setbacks: {self.ids(ranking.major_setbacks, limit)}")

    def _table(self, title: str) -> Any:
        from rich.markup import escape
        from rich.table import Table

        table = Table(title=escape(title), title_justify="left", show_lines=False)
        table.add_column("rank", justify="right")
        table.add_column("org")
        table.add_column("name", overflow="fold")
        table.add_column("total", justify="right")
        table.add_column("grade")
        if self.has_previous:
            table.add_column("prev", justify="right")
            table.add_column("change", justify="right")
            table.add_column("movement")
        return table

    @staticmethod
    def _gap(table: Any, gap: int) -> None:
        table.add_row("", "...", f"({gap} more)", *[""] * (len(table.columns) - 3))

    def _row(self, org: OrgResult) -> list[str]:
        from rich.markup import escape

        rank = f"{org.rank} (tied)" if org.rank in self.shared else str(org.rank)
        row = [rank, escape(org.org_id), escape(org.name), _num(org.total)]
        row.append((org.grade or "-") + (" (veto)" if org.vetoed else ""))
        if self.has_previous:
            style = _MOVEMENT_STYLE.get(org.movement or "", "")
            label = org.movement or ""
            row += [
                _opt(org.previous_rank),
                _change(org),
                f"[{style}]{label}[/{style}]" if style else label,
            ]
        return row

    def unranked(self) -> None:
        unranked = [o for o in self.result.organizations if o.rank is None]
        if not unranked:
            return
        self.console.print()
        self.console.print("Not ranked (no peer group, or no total):")
        for org in unranked:
            score = (
                f"{org.total:.2f} {org.grade}"
                if org.total is not None
                else f"no total ({org.unscored_reason})"
            )
            self.console.print(f"  {org.org_id} {org.name}: {score}", markup=False)

    def rejected(self) -> None:
        if not self.result.rejected:
            return
        self.console.print()
        self.console.print(f"Rejected records: {len(self.result.rejected)}")
        for rej in self.result.rejected:
            self.console.print(f"  {rej.source}: {'; '.join(rej.errors)}", markup=False)

    def warnings(self) -> None:
        if not self.result.warnings:
            return
        self.console.print()
        for warning in self.result.warnings:
            self.console.print(f"warning: {warning.message}", markup=False)


BUILTIN_EXPORTERS: tuple[Exporter, ...] = (
    JsonExporter(),
    JsonlExporter(),
    CsvExporter(),
    TableExporter(),
)


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    for exporter in BUILTIN_EXPORTERS:
        register(exporter)
