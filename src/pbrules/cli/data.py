"""`pbrules schema` and dataset commands."""

from __future__ import annotations

import json
from pathlib import Path

import click

from pbrules.cli._common import EXIT_INCOMPLETE, EXIT_OK, handle_errors
from pbrules.schemas import SCHEMA_KINDS, json_schema

__all__ = ["COMMANDS", "json_schema"]


@click.command("schema")
@click.argument("kind", type=click.Choice(SCHEMA_KINDS))
@handle_errors
def schema_command(kind: str) -> None:
    """Print the JSON Schema of a snapshot, a result document or a criteria pack."""
    click.echo(json.dumps(json_schema(kind), indent=2, ensure_ascii=False, sort_keys=True))


@click.group("dataset")
def dataset_group() -> None:
    """Inspect datasets of organization snapshots."""


def _counts(title: str, counts: dict[str, int]) -> list[str]:
    lines = [f"{title}:"]
    width = max((len(k) for k in counts), default=0)
    lines += [f"  {key.ljust(width)}  {value:>7}" for key, value in counts.items()]
    return lines


@dataset_group.command("summary")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@handle_errors
def summary_command(path: Path, as_json: bool) -> None:
    """Count the snapshots in PATH by period, kind and category, and list rejected records.

    PATH is a .jsonl/.json/.yaml file or a directory of them (see docs/data-preparation.md).
    Exit status 1 when any record is rejected.
    """
    from pbrules.dataset import read_dataset

    dataset = read_dataset(path)
    summary = dataset.summary()
    if as_json:
        click.echo(json.dumps(summary.as_dict(), indent=2, ensure_ascii=False))
    else:
        lines = [f"{path}: {summary.snapshots} snapshot(s), {len(summary.rejected)} rejected"]
        if len(summary.files) > 1 or summary.skipped:
            lines.append("files read:")
            lines += [f"  {f}" for f in summary.files]
        if summary.skipped:
            lines.append("not read:")
            lines += [f"  {s.path} ({s.reason})" for s in summary.skipped]
        for title, counts in (
            ("by period", summary.by_period),
            ("by kind", summary.by_kind),
            ("by category", summary.by_category),
        ):
            if counts:
                lines += _counts(title, dict(sorted(counts.items())))
        click.echo("\n".join(lines))
        if summary.rejected:
            click.echo("rejected:", err=True)
            for r in summary.rejected:
                org = f" [{r.org_id}]" if r.org_id else ""
                for error in r.errors:
                    click.echo(f"  {r.source}{org}: {error}", err=True)
    raise SystemExit(EXIT_INCOMPLETE if summary.rejected else EXIT_OK)


COMMANDS: list[click.Command] = [schema_command, dataset_group]
