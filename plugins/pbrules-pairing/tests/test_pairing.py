"""The pairing plugin's own tests: its extension, its checker and its pattern criterion,
through its pack and the engine, with both pattern backends."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pbrules_pairing
import pytest
from pydantic import ValidationError

from pbrules import (
    Engine,
    PluginHost,
    Snapshot,
    Status,
    durable_available,
    load_pack,
    read_dataset,
)

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "pairing.jsonl"


@pytest.fixture(scope="module")
def registry() -> Any:
    host = PluginHost(load_entrypoints=False)  # built-ins only, then this plugin
    host.register(pbrules_pairing, "pairing")
    return host.registry()


@pytest.fixture(scope="module")
def engine(registry: Any) -> Engine:
    return Engine(load_pack("pairing", registry=registry), registry=registry)


def branch(pairing: dict[str, Any] | None, **extra: Any) -> Snapshot:
    data: dict[str, Any] = {
        "period": "2026Q3",
        "organization": {"id": "B01", "name": "First Branch", "kind": "branch"},
        "members": [{"id": f"M{i}", "status": "full"} for i in range(1, 4)],
        "meetings": [{"id": "E1", "type": "theme_day", "held_on": "2026-07-01"}],
        **extra,
    }
    if pairing is not None:
        data["extensions"] = {"pairing": pairing}
    return Snapshot.model_validate(data)


def pair(pid: str, member: str, paired_on: str = "2026-01-05", **extra: Any) -> dict[str, Any]:
    return {"id": pid, "member_id": member, "household_id": f"H{pid}", "paired_on": paired_on,
            **extra}  # fmt: skip


def criterion(engine: Engine, snapshot: Snapshot, cid: str) -> Any:
    return next(c for c in engine.evaluate(snapshot).result.criteria if c.id == cid)


def test_registered(registry: Any) -> None:
    assert registry.origin("checker", "pairing.visited_each_quarter") == "pairing"
    assert registry.extensions["pairing"] is pbrules_pairing.PairingData
    assert registry.packs["pairing"] == pbrules_pairing.PACK_FILE


def test_extension_rejects_a_visit_of_an_unknown_pair() -> None:
    with pytest.raises(ValidationError, match=r"visits\.0\.pair_id: 'P9' is not a listed pair"):
        pbrules_pairing.PairingData.model_validate(
            {"pairs": [pair("P1", "M1")], "visits": [{"id": "V", "pair_id": "P9",
                                                      "visited_on": "2026-07-02"}]}
        )  # fmt: skip


def test_visited_each_quarter(engine: Engine) -> None:
    visits = [{"id": "V1", "pair_id": "P1", "visited_on": "2026-09-30"}]
    data = {"pairs": [pair("P1", "M1"), pair("P2", "M2")], "visits": visits}
    pr01 = criterion(engine, branch(data), "PR01")
    assert pr01.status is Status.FAIL and pr01.misses == 1 and pr01.compliance == 0.5
    data["visits"] = [*visits, {"id": "V2", "pair_id": "P2", "visited_on": "2026-07-01"}]
    assert criterion(engine, branch(data), "PR01").status is Status.PASS


def test_a_pair_made_during_the_quarter_is_not_due(engine: Engine) -> None:
    data = {"pairs": [pair("P1", "M1", paired_on="2026-07-02")]}
    assert criterion(engine, branch(data), "PR01").status is Status.NOT_APPLICABLE
    data = {"pairs": [pair("P1", "M1", paired_on="2026-07-01")]}
    assert criterion(engine, branch(data), "PR01").status is Status.FAIL


def test_missing_extension_is_missing_data(engine: Engine) -> None:
    pr01 = criterion(engine, branch(None), "PR01")
    assert pr01.status is Status.FAIL and pr01.note.startswith("missing data")
    assert criterion(engine, branch(None), "PR02").status is Status.NOT_APPLICABLE


def test_never_visited_and_missed_the_theme_day(engine: Engine) -> None:
    data: dict[str, Any] = {
        "pairs": [pair("P1", "M1"), pair("P2", "M2"), pair("P3", "M3", ended_on="2026-06-30")],
        "visits": [{"id": "V1", "pair_id": "P2", "visited_on": "2026-03-01"}],
        "absences": [
            {"member_id": "M1", "meeting_id": "E1"},  # never visited, missed: a finding
            {"member_id": "M2", "meeting_id": "E1"},  # visited once (last quarter): none
            {"member_id": "M3", "meeting_id": "E1"},  # the pairing ended: none
        ],
    }
    evaluation = engine.evaluate(branch(data))
    pr02 = next(c for c in evaluation.result.criteria if c.id == "PR02")
    assert pr02.status is Status.FAIL and pr02.misses == 1
    # the pairing pack extends the district pack, a v2 pack: one finding per problem, which
    # lists the subjects it stands for
    found = [f for f in evaluation.findings if f.criterion == "PR02"]
    subjects = [s for f in found for s in (f.subjects or ())]
    assert len(found) == 1 and [(s.type, s.id) for s in subjects] == [("member", "M1")]
    data["absences"] = [{"member_id": "M1", "meeting_id": "E9"}]  # not a theme day held
    assert criterion(engine, branch(data), "PR02").status is Status.PASS


@pytest.mark.skipif(not durable_available(), reason="durable-rules not installed")
def test_both_pattern_backends_agree_on_the_example(registry: Any) -> None:
    pack = load_pack("pairing", registry=registry)
    data = read_dataset(EXAMPLE, registry=registry)  # the extension validated by the plugin
    results = [
        json.loads(
            Engine(pack, registry=registry, pattern_backend=backend).run(data).model_dump_json()
        )
        for backend in ("python", "durable")
    ]
    assert results[0]["summary"]["rejected"] == 0
    assert results[0] == results[1]
    pr02 = [f for f in results[0]["findings"] if f["criterion"] == "PR02"]
    stood_for = {(f["org_id"], s["id"]) for f in pr02 for s in f.get("subjects") or ()}
    assert stood_for == {("B01", "M4"), ("B02", "M4")}
