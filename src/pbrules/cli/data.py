"""`pbrules schema` and dataset commands."""

from __future__ import annotations

import json

import click

from pbrules.cli._common import handle_errors

__all__ = ["COMMANDS", "json_schema"]

SCHEMA_KINDS = ("snapshot", "result", "pack")


def json_schema(kind: str) -> dict[str, object]:
    """The JSON Schema of a document kind: ``snapshot``, ``result`` or ``pack``."""
    from pydantic import BaseModel

    model: type[BaseModel]
    if kind == "snapshot":
        from pbrules.model.snapshot import Snapshot

        model = Snapshot
    elif kind == "result":
        from pbrules.model.result import RunResult

        model = RunResult
    elif kind == "pack":
        from pbrules.packs.schema import Pack

        model = Pack
    else:
        raise click.BadParameter(f"unknown schema kind {kind!r}")
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema


@click.command("schema")
@click.argument("kind", type=click.Choice(SCHEMA_KINDS))
@handle_errors
def schema_command(kind: str) -> None:
    """Print the JSON Schema of a snapshot, a result document or a criteria pack."""
    click.echo(json.dumps(json_schema(kind), indent=2, ensure_ascii=False, sort_keys=True))


COMMANDS: list[click.Command] = [schema_command]
