"""`pbrules ledger` commands: the rectification ledger (问题台账). See docs/ledger.md."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from pbrules.cli._common import handle_errors
from pbrules.cli._output import check_output, write_output

if TYPE_CHECKING:
    from pbrules.ledger import Ledger, LedgerItem

__all__ = ["COMMANDS", "ledger_group"]

DEFAULT_DB = "pbrules-ledger.db"
F = TypeVar("F", bound=Callable[..., Any])


def _db_option(func: F) -> F:
    return click.option(
        "--db",
        "db",
        type=click.Path(dir_okay=False, path_type=Path),
        envvar="PBRULES_LEDGER",
        default=DEFAULT_DB,
        show_default=True,
        help="The ledger file (SQLite). Environment: PBRULES_LEDGER.",
    )(func)


def _open(db: Path, *, create: bool = False, read_only: bool = False) -> Ledger:
    from pbrules.ledger import Ledger

    return Ledger(db, create=create, read_only=read_only)


def _date(_ctx: click.Context, _param: click.Parameter, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)") from None


def _item_dict(item: LedgerItem) -> dict[str, Any]:
    return item.model_dump(mode="json")


@click.group("ledger")
def ledger_group() -> None:
    """The rectification ledger (问题台账): track every finding until it is closed (销号)."""


@ledger_group.command("sync")
@click.argument("result_path", metavar="RESULT.json", type=click.Path(path_type=Path))
@_db_option
@click.option("--by", default="pbrules", show_default=True, help="Who syncs (recorded).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@handle_errors
def sync_cmd(result_path: Path, db: Path, by: str, fmt: str) -> None:
    """Merge a period's findings into the ledger (one transaction; idempotent)."""
    from pbrules.result_stream import open_result

    open_result(result_path)  # not a result document: refused before the ledger is created
    with _open(db, create=True) as ledger:
        report = ledger.sync_file(result_path, by=by)  # read streaming, one item at a time
    if fmt == "json":
        click.echo(report.model_dump_json(indent=2))
        return
    if report.already_synced:
        click.echo(f"{result_path}: already synced ({report.pack} {report.period}); no change")
        return
    counts = report.counts()
    click.echo(
        f"synced {report.pack} {report.period} (as of {report.as_of}): "
        f"{counts['new']} new, {counts['persisting']} persisting, "
        f"{counts['rectified']} rectified, {counts['overdue']} overdue "
        f"({counts['newly_overdue']} newly), {counts['repeats']} repeat, "
        f"{counts['failing_again']} failing again, {counts['waived']} waived, "
        f"{counts['waivers_expired']} waiver(s) expired"
    )


@ledger_group.command("close")
@click.argument("number")
@click.option("--by", required=True, help="Who closes the item (销号).")
@click.option("--note", default=None, help="How it was verified (required for open items).")
@_db_option
@handle_errors
def close_cmd(number: str, by: str, note: str | None, db: Path) -> None:
    """Close (销号) a rectified item, or an open one with a --note on its verification."""
    with _open(db) as ledger:
        item = ledger.close(number, by, note)
    click.echo(f"{item.number}: closed by {item.closed_by} on {item.closed_on}")


@ledger_group.command("reopen")
@click.argument("number")
@click.option("--by", required=True, help="Who reopens the item.")
@click.option("--note", required=True, help="Why.")
@_db_option
@handle_errors
def reopen_cmd(number: str, by: str, note: str, db: Path) -> None:
    """Reopen a closed item (a repeat) or a rectified one (verification failed)."""
    with _open(db) as ledger:
        item = ledger.reopen(number, by, note)
    repeat = f" (repeat {item.repeat_count})" if item.repeat_count else ""
    click.echo(f"{item.number}: reopened{repeat}")


@ledger_group.command("waive")
@click.argument("number")
@click.option("--reason", required=True, help="Why the finding is waived.")
@click.option("--owner", required=True, help="Who answers for the waiver.")
@click.option("--until", required=True, callback=_date, help="Expiry date (YYYY-MM-DD).")
@_db_option
@handle_errors
def waive_cmd(number: str, reason: str, owner: str, until: date, db: Path) -> None:
    """Waive an open item until a date (reason, owner and expiry are all required)."""
    with _open(db) as ledger:
        item = ledger.waive(number, reason, owner, until)
    click.echo(f"{item.number}: waived until {until.isoformat()} (owner {owner})")


def _render_table(items: list[LedgerItem]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(show_lines=False)
    for column in ("number", "status", "org", "criterion", "severity", "due", "message"):
        table.add_column(column, overflow="fold")
    for item in items:
        flags = []
        if item.overdue:
            flags.append("overdue")
        if item.repeat_count:
            flags.append(f"repeat {item.repeat_count}")
        status = item.status.value + (f" ({', '.join(flags)})" if flags else "")
        table.add_row(
            item.number,
            status,
            item.org_id,
            item.criterion,
            item.severity.value,
            "" if item.due is None else item.due.isoformat(),
            item.message,
        )
    Console(width=160 if not sys.stdout.isatty() else None).print(table)


@ledger_group.command("list")
@click.option(
    "--status", type=click.Choice(["open", "rectified", "closed", "waived"]), default=None
)
@click.option("--org", default=None, help="Only this organization id.")
@click.option("--overdue", "overdue_only", is_flag=True, help="Only overdue items.")
@click.option("--not-overdue", "not_overdue", is_flag=True, help="Only items not overdue.")
@click.option("--period", default=None, help="Only items first opened in this period.")
@click.option("--as-of", "as_of", callback=_date, default=None, help="View date (default today).")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@_db_option
@handle_errors
def list_cmd(
    status: str | None,
    org: str | None,
    overdue_only: bool,
    not_overdue: bool,
    period: str | None,
    as_of: date | None,
    fmt: str,
    db: Path,
) -> None:
    """List ledger items."""
    from pbrules.errors import UsageError
    from pbrules.model.period import Period

    if overdue_only and not_overdue:
        raise UsageError("--overdue and --not-overdue exclude each other; give one")
    overdue = True if overdue_only else False if not_overdue else None
    if period is not None:
        try:
            Period.parse(period)
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    with _open(db, read_only=True) as ledger:
        items = ledger.items(status, org, overdue, period, as_of=as_of)
    if fmt == "json":
        click.echo(json.dumps([_item_dict(i) for i in items], ensure_ascii=False, indent=2))
    else:
        _render_table(items)


@ledger_group.command("show")
@click.argument("number")
@click.option("--as-of", "as_of", callback=_date, default=None, help="View date (default today).")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text")
@_db_option
@handle_errors
def show_cmd(number: str, as_of: date | None, fmt: str, db: Path) -> None:
    """Show one item and its whole history."""
    with _open(db, read_only=True) as ledger:
        item = ledger.item(number, as_of=as_of)
        history = ledger.history(number)
    if fmt == "json":
        doc = {"item": _item_dict(item), "history": [e.model_dump(mode="json") for e in history]}
        click.echo(json.dumps(doc, ensure_ascii=False, indent=2))
        return
    flags = [f for f, on in (("overdue", item.overdue), ("repeat", item.repeat_count > 0)) if on]
    click.echo(f"{item.number}  {item.status.value}" + (f" ({', '.join(flags)})" if flags else ""))
    for label, value in (
        ("organization", f"{item.org_id} {item.org_name}"),
        ("criterion", f"{item.criterion}" + (f" {item.title}" if item.title else "")),
        ("subject", f"{item.subject_type}:{item.subject_id}" if item.subject_type else None),
        ("severity", item.severity.value),
        ("message", item.message),
        ("responsible", item.responsible),
        ("due", item.due),
        ("action", item.action),
        ("opened", f"{item.opened_period} ({item.opened_on})"),
        ("last failing", str(item.last_seen_period)),
        ("repeats", item.repeat_count or None),
        ("closed", f"{item.closed_on} by {item.closed_by}" if item.closed_on else None),
        (
            "waiver",
            None
            if item.waiver is None
            else f"until {item.waiver.until} (owner {item.waiver.owner}): {item.waiver.reason}"
            + (" [expired]" if item.waiver_expired else ""),
        ),
    ):
        if value is not None:
            click.echo(f"  {label + ':':<14}{value}")
    click.echo("history:")
    for e in history:
        src = e.from_status.value if e.from_status else "-"
        period = f" [{e.period}]" if e.period else ""
        note = f": {e.note}" if e.note else ""
        click.echo(
            f"  {e.at.isoformat(timespec='seconds')}  {e.kind.value:<15}{src} -> "
            f"{e.to_status.value}  by {e.by}{period}{note}"
        )


@ledger_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx", "json"]), required=True)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Output file (default stdout; xlsx needs a file unless stdout is redirected).",
)
@click.option(
    "--status", type=click.Choice(["open", "rectified", "closed", "waived"]), default=None
)
@click.option("--org", default=None)
@click.option("--as-of", "as_of", callback=_date, default=None, help="View date (default today).")
@_db_option
@handle_errors
def export_cmd(
    fmt: str, output: Path | None, status: str | None, org: str | None, as_of: date | None, db: Path
) -> None:
    """Export the ledger for spreadsheets (csv, xlsx) or other systems (json)."""
    from pbrules.errors import UsageError

    if output is None and fmt == "xlsx" and sys.stdout.isatty():
        raise UsageError("xlsx output is binary: give --output FILE.xlsx or redirect stdout")
    check_output(output, [("the ledger", db)])
    counts: list[int] = []
    with _open(db, read_only=True) as ledger:
        write_output(
            output,
            lambda out: counts.append(
                ledger.export(fmt, out, as_of=as_of, status=status, org=org)
            ),
            binary=fmt == "xlsx",
        )
    if output is not None:
        click.echo(f"exported {counts[0]} item(s) to {output}", err=True)


COMMANDS: list[click.Command] = [ledger_group]
