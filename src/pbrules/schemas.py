"""The JSON Schemas of pbrules' documents: a snapshot, a result document, a criteria pack.

``pbrules schema KIND`` prints them; ``python -m pbrules._docgen`` commits the snapshot's as
``docs/snapshot.schema.json``.
"""

from __future__ import annotations

from pydantic import BaseModel

__all__ = ["SCHEMA_KINDS", "json_schema"]

SCHEMA_KINDS = ("snapshot", "result", "pack")


def json_schema(kind: str) -> dict[str, object]:
    """The JSON Schema of a document kind: ``snapshot``, ``result`` or ``pack``.

    Raises :class:`ValueError` for another kind.
    """
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
        raise ValueError(f"unknown schema kind {kind!r} (one of {', '.join(SCHEMA_KINDS)})")
    schema = model.model_json_schema()
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    return schema
