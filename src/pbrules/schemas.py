"""The JSON Schemas of pbrules' documents: a snapshot, a result document, a criteria pack.

``pbrules schema KIND`` prints them; ``python -m pbrules._docgen`` commits the snapshot's as
``docs/snapshot.schema.json``.
"""

from __future__ import annotations

from pydantic import BaseModel

__all__ = ["SCHEMA_BASE_URI", "SCHEMA_KINDS", "json_schema"]

SCHEMA_KINDS = ("snapshot", "result", "pack")

#: Where the published schemas live (the committed docs/schema/ files); each schema's ``$id``.
SCHEMA_BASE_URI = "https://raw.githubusercontent.com/pbrules/pbrules/main/docs/schema"


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
    schema["$id"] = f"{SCHEMA_BASE_URI}/{kind}.schema.json"
    return schema
