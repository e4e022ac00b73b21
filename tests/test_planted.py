"""The example district's planted situations are found by the criteria meant to find them,
and the organizations built to be clean have no finding (examples/district/planted.json)."""

from __future__ import annotations

import json
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pbrules.engine.evaluate")

from pbrules.engine.evaluate import Engine
from pbrules.model.result import RunResult
from pbrules.packs.loader import load_pack

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "district"
PACKS = ("baseline", "district-quarterly")


def planted() -> dict[str, Any]:
    return json.loads((EXAMPLE / "planted.json").read_text(encoding="utf-8"))


@cache
def result(pack: str) -> RunResult:
    return Engine(load_pack(ROOT / "rules" / f"{pack}.yaml")).run(EXAMPLE / "2026Q3.jsonl")


def failing(res: RunResult) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for org in res.organizations:
        for c in org.criteria:
            if c.status.value == "fail":
                out[c.id].add(org.org_id)
    return out


SITUATIONS = [s for s in planted()["situations"] if s.get("period", "2026Q3") == "2026Q3"]


@pytest.mark.parametrize("pack", PACKS)
@pytest.mark.parametrize("situation", SITUATIONS, ids=[s["id"] for s in SITUATIONS])
def test_planted_situation_is_found(pack: str, situation: dict[str, Any]) -> None:
    res = result(pack)
    crit = situation["criterion"]
    if pack not in situation.get("packs", PACKS):
        # an opt-in criterion (G03): the pack leaves it off, so nothing fails it
        assert crit not in failing(res)
        return
    fails = failing(res)[crit]
    planted_ids = set(situation["org_ids"])
    assert planted_ids <= fails, f"{crit} missed {sorted(planted_ids - fails)}"
    # planted.json states the situation's organizations are exactly those failing it
    assert fails == planted_ids, f"{crit} also fails for {sorted(fails - planted_ids)}"
    findings = {(f.criterion, f.org_id) for f in res.findings}
    assert all((crit, org) in findings for org in planted_ids)


def test_arrears_member_is_a_critical_subject_finding() -> None:
    situation = next(s for s in SITUATIONS if s["criterion"] == "S11")
    res = result("baseline")
    subjects = [
        f
        for f in res.findings
        if f.criterion == "S11" and f.org_id in situation["org_ids"] and f.subject is not None
    ]
    assert subjects and all(f.subject is not None and f.subject.type == "member" for f in subjects)
    assert {f.severity.value for f in subjects} == {"critical"}


@pytest.mark.parametrize("pack", PACKS)
def test_clean_organizations_have_no_findings(pack: str) -> None:
    clean = set(planted()["clean"]["org_ids"])
    res = result(pack)
    found = sorted({(f.org_id, f.criterion) for f in res.findings if f.org_id in clean})
    assert found == []
    assert {o.org_id for o in res.organizations} >= clean
