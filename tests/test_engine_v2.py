"""Pack v2 scoring end to end through the engine: a pool area, a counted bonus, tiers, and an
organization to which nothing applies (DESIGN §12.2)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from pbrules.engine.evaluate import Engine
from pbrules.model.snapshot import Snapshot
from pbrules.packs.schema import Pack
from pbrules.plugins import PluginHost

PACK = Pack.model_validate(
    {
        "pack": "stars",
        "version": "1",
        "areas": [
            {"id": "team", "weight": 20, "pool": True},
            {"id": "work", "weight": 80},
        ],
        "groups": [{"id": "villages", "where": {"kind": ["branch"]}}],
        "tiers": [
            {"id": "star1", "title": "一星", "tags": ["star1"], "min": 80},
            {"id": "star2", "title": "二星", "tags": ["star2"], "min": 80},
        ],
        "criteria": [
            {  # 每超过1岁扣3分, 扣完为止 (pool: points 0, deductions uncapped)
                "id": "A1", "title": "Average age", "area": "team", "tags": ["star1"],
                "applies_to": {"category": ["village"]},
                "check": "measure",
                "params": {"of": "two_committees", "agg": "avg", "field": "age", "op": "<=",
                           "value": 45, "unit": 1},
                "points": 0, "scoring": {"mode": "deduct", "per_miss": 3},
            },
            {  # 缺一项扣1分
                "id": "A2", "title": "Bodies", "area": "work", "tags": ["star1"],
                "applies_to": {"category": ["village"]},
                "check": "checklist",
                "params": {"of": "bodies", "require": ["finance_group", "party_member_council"]},
                "points": 10, "scoring": {"mode": "deduct", "per_miss": 5},
            },
            {
                "id": "A3", "title": "Reserve cadres", "area": "work", "tags": ["star2"],
                "applies_to": {"category": ["village"]},
                "check": "measure",
                "params": {"of": "reserve_cadres", "agg": "count", "value": 2},
                "points": 10, "scoring": {"mode": "all_or_nothing"},
            },
            {  # 每有1项加1分，最多加3分
                "id": "B1", "title": "Wealth leaders", "area": "work",
                "applies_to": {"category": ["village"]},
                "check": "measure",
                "params": {"of": "members", "where": {"tags": "wealth_leader"}, "value": 99,
                           "when_empty": "zero"},
                "points": 3, "scoring": {"mode": "bonus", "per_hit": 1},
            },
        ],
    }
)


def _village(org_id: str, born: str, n_leaders: int, cadres: int) -> dict[str, Any]:
    return {
        "period": "2026Q3",
        "organization": {"id": org_id, "name": org_id, "kind": "branch", "category": "village"},
        "members": [
            {"id": f"M{i}", "tags": ["wealth_leader"] if i < n_leaders else []} for i in range(5)
        ],
        "committee": [{"person_id": "M0", "role": "secretary", "appointed_on": "2021-05-01",
                       "birth_date": born}],
        "bodies": [{"id": "B1", "kind": "finance_group"}],
        "reserve_cadres": [{"person_id": f"R{i}", "identified_on": "2025-01-01"}
                           for i in range(cadres)],
    }


@pytest.fixture(scope="module")
def result() -> Any:
    snaps = [
        Snapshot.model_validate(_village("V1", "1976-09-30", 5, 2)),  # 50: 5 years over
        Snapshot.model_validate(_village("V2", "1990-01-01", 2, 0)),  # 36: under 45
        Snapshot.model_validate(
            {"period": "2026Q3",
             "organization": {"id": "X1", "name": "X1", "kind": "branch", "category": "school"}}
        ),
    ]
    return Engine(PACK, registry=PluginHost().registry()).run(snaps)


def test_pool_area_per_unit_shortfall_and_per_hit(result: Any) -> None:
    v1, v2 = (next(o for o in result.organizations if o.org_id == i) for i in ("V1", "V2"))
    assert v1.areas["team"] == pytest.approx(20 - 15)  # 5 years over x 3, out of 20
    assert v2.areas["team"] == pytest.approx(20)
    assert v1.bonus == 3 and v2.bonus == 2  # min(3, 1 x 5) and 1 x 2
    assert v1.areas["work"] == pytest.approx(80 * (5 + 10) / 20)
    assert v1.base_total == pytest.approx(100 * (5 + 60) / 100)


def test_tiers_need_every_lower_tier(result: Any) -> None:
    v1, v2 = (next(o for o in result.organizations if o.org_id == i) for i in ("V1", "V2"))
    # V1: star1 over A1 + A2 = 100 x (5 + 40) / 100 = 45 -> no star, although star2 is 100
    assert v1.tier_scores == {"star1": pytest.approx(45.0), "star2": pytest.approx(100.0)}
    assert v1.tier is None
    # V2: star1 = 100 x (20 + 40) / 100 = 60; star2 (no reserve cadres) 0
    assert v2.tier is None and v2.tier_scores["star2"] == 0.0


def test_an_organization_to_which_nothing_applies_has_no_total_and_no_rank(result: Any) -> None:
    x1 = next(o for o in result.organizations if o.org_id == "X1")
    assert x1.total is None and x1.grade is None and x1.base_total is None
    assert x1.rank is None and x1.unscored_reason
    assert x1.tier is None and x1.tier_scores == {"star1": None, "star2": None}
    ranking = result.rankings["villages"]
    assert "X1" not in ranking.top + ranking.bottom
    assert {o.group_size for o in result.organizations if o.rank is not None} == {2}
    doc = json.loads(result.model_dump_json())
    x1_doc = next(o for o in doc["organizations"] if o["org_id"] == "X1")
    assert x1_doc["total"] is None and "unscored_reason" in x1_doc


def test_json_export_of_a_v1_pack_has_no_v2_keys() -> None:
    pack = PACK.model_copy(update={"tiers": []})
    snap = Snapshot.model_validate(_village("V1", "1976-09-30", 5, 2))
    result = Engine(pack, registry=PluginHost().registry()).run([snap])
    doc = json.loads(result.model_dump_json())
    org = doc["organizations"][0]
    assert not {"tier", "tier_scores", "unscored_reason"} & set(org)
