"""The example plugin's own tests: its checker through a pack and the engine."""

from __future__ import annotations

from typing import Any

import pbrules_example
import pytest

from pbrules import Engine, PackError, PluginHost, Snapshot, Status, load_pack


@pytest.fixture
def registry() -> Any:
    host = PluginHost(load_entrypoints=False)  # built-ins only, then this plugin
    host.register(pbrules_example, "example")
    return host.registry()


def branch(entries: list[dict[str, Any]] | None) -> Snapshot:
    data: dict[str, Any] = {
        "period": "2026Q3",
        "organization": {"id": "B01", "name": "First Branch", "kind": "branch"},
        "members": [{"id": f"M{i}", "status": "full"} for i in range(1, 6)],
    }
    if entries is not None:
        data["extensions"] = {"volunteer": {"entries": entries}}
    return Snapshot.model_validate(data)


def test_registered(registry: Any) -> None:
    assert registry.origin("checker", "volunteer.hours") == "example"
    assert registry.extensions["volunteer"] is pbrules_example.VolunteerData
    assert registry.packs["volunteer"] == pbrules_example.PACK_FILE


def test_pack_by_id_and_evaluation(registry: Any) -> None:
    loaded = load_pack("volunteer", registry=registry)
    engine = Engine(loaded, registry=registry)
    served = [{"member_id": f"M{i}", "served_on": "2026-08-01", "hours": 4} for i in range(1, 5)]
    result = engine.evaluate(branch(served)).result
    vol = next(c for c in result.criteria if c.id == "VOL1")
    assert vol.status is Status.PASS  # 4 of 5 members >= 0.8
    result = engine.evaluate(branch(served[:2])).result
    vol = next(c for c in result.criteria if c.id == "VOL1")
    assert vol.status is Status.FAIL
    assert vol.earned == pytest.approx(5 * (2 / 5) / 0.8)


def test_missing_extension_is_missing_data(registry: Any) -> None:
    engine = Engine(load_pack("volunteer", registry=registry), registry=registry)
    vol = next(c for c in engine.evaluate(branch(None)).result.criteria if c.id == "VOL1")
    assert vol.status is Status.FAIL
    assert vol.note and vol.note.startswith("missing data")


def test_params_are_validated_at_load_time(tmp_path: Any, registry: Any) -> None:
    pack = tmp_path / "p.yaml"
    pack.write_text(
        "pack: p\nversion: '1'\nextends: [volunteer]\n"
        "criteria:\n  - {id: VOL1, params: {min_hours: 0}}\n",
        encoding="utf-8",
    )
    with pytest.raises(PackError, match="must be greater than 0"):
        load_pack(pack, registry=registry)
