"""Generated documentation stays current: docs/snapshot.md and the snapshot JSON Schema."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner

from pbrules._docgen import snapshot_reference, snapshot_schema_text
from pbrules.cli import cli
from pbrules.model.snapshot import Snapshot

REGENERATE = "run `python -m pbrules._docgen` to regenerate it"


def test_snapshot_reference_is_current(repo_root: Path) -> None:
    text = (repo_root / "docs" / "snapshot.md").read_text(encoding="utf-8")
    assert text == snapshot_reference(), f"docs/snapshot.md is out of date; {REGENERATE}"


def test_snapshot_schema_is_current(repo_root: Path) -> None:
    text = (repo_root / "docs" / "schema" / "snapshot.schema.json").read_text(encoding="utf-8")
    assert text == snapshot_schema_text(), (
        f"docs/schema/snapshot.schema.json is stale; {REGENERATE}"
    )
    printed = CliRunner().invoke(cli, ["schema", "snapshot"])
    assert printed.exit_code == 0
    assert json.loads(printed.output) == json.loads(text)


def test_reference_documents_every_field_and_enum_value() -> None:
    text = snapshot_reference()
    for name, info in Snapshot.model_fields.items():
        assert f"| `{name}` |" in text
        del info
    schema = json.loads(snapshot_schema_text())
    for definition in schema["$defs"].values():
        for prop in definition.get("properties", {}):
            assert f"| `{prop}` |" in text, prop
        for value in definition.get("enum", []):
            assert f"`{value}`" in text, value


def test_schema_forbids_unknown_keys_everywhere() -> None:
    schema = json.loads(snapshot_schema_text())
    assert schema["additionalProperties"] is False
    for name, definition in schema["$defs"].items():
        if "properties" in definition:
            assert definition.get("additionalProperties") is False, name


def test_index_links_the_planned_pages(repo_root: Path) -> None:
    text = (repo_root / "docs" / "index.md").read_text(encoding="utf-8")
    links = set(re.findall(r"\]\(([^)#]+)", text))
    planned = {
        "pack-authoring.md", "pack-format.md", "checkers.md", "plugins.md", "cli.md",
        "scoring.md", "result-format.md", "ledger.md", "reports.md", "performance.md",
        "snapshot.md", "data-preparation.md",
    }  # fmt: skip
    assert planned <= links, planned - links
