"""The baseline and district packs: every catalog criterion present, with its area, severity
and scoring mode; the district's overrides, groups and ranking rules."""

from __future__ import annotations

from pathlib import Path

import pytest

from pbrules.builtin.checkers import builtin_checkers
from pbrules.model.outcome import Severity
from pbrules.model.snapshot import OrgKind
from pbrules.packs.loader import load_pack
from pbrules.packs.schema import Criterion, Pack
from pbrules.packs.templates import template_errors

RULES = Path(__file__).resolve().parent.parent / "rules"

# The criteria catalog (docs/criteria.md): id -> (area, severity, scoring mode).
CATALOG: dict[str, tuple[str, str, str]] = {
    "S01": ("standardization", "major", "all_or_nothing"),
    "S02": ("standardization", "major", "deduct"),
    "S03": ("standardization", "minor", "deduct"),
    "S04": ("standardization", "minor", "all_or_nothing"),
    "S05": ("standardization", "major", "deduct"),
    "S06": ("standardization", "minor", "all_or_nothing"),
    "S07": ("standardization", "minor", "all_or_nothing"),
    "S09": ("standardization", "minor", "deduct"),
    "S10": ("standardization", "minor", "proportional"),
    "S11": ("standardization", "major", "proportional"),
    "S12": ("standardization", "minor", "proportional"),
    "S13": ("standardization", "minor", "all_or_nothing"),
    "S15": ("standardization", "minor", "proportional"),
    "D01": ("development", "minor", "proportional"),
    "D02": ("development", "minor", "proportional"),
    "D04": ("development", "minor", "proportional"),
    "D05": ("development", "minor", "proportional"),
    "D06": ("development", "minor", "proportional"),
    "D07": ("development", "minor", "all_or_nothing"),
    "T01": ("team_stability", "major", "all_or_nothing"),
    "T02": ("team_stability", "critical", "all_or_nothing"),
    "T03": ("team_stability", "minor", "proportional"),
    "T04": ("team_stability", "minor", "all_or_nothing"),
    "T05": ("team_stability", "minor", "proportional"),
    "T06": ("team_stability", "minor", "proportional"),
    "V01": ("supervision", "major", "proportional"),
    "V02": ("supervision", "minor", "all_or_nothing"),
    "V03": ("supervision", "major", "deduct"),
    "V04": ("supervision", "minor", "proportional"),
    "V05": ("supervision", "minor", "proportional"),
    "C01": ("coverage", "minor", "proportional"),
    "C02": ("coverage", "minor", "proportional"),
    "C03": ("coverage", "minor", "deduct"),
    "G01": ("organization_building", "minor", "all_or_nothing"),
    "G02": ("organization_building", "minor", "all_or_nothing"),
    "G03": ("organization_building", "minor", "all_or_nothing"),
    "G04": ("organization_building", "minor", "deduct"),
    "G05": ("organization_building", "minor", "all_or_nothing"),
    "G06": ("organization_building", "minor", "all_or_nothing"),
    "G07": ("organization_building", "major", "deduct"),
    "G08": ("organization_building", "major", "deduct"),
    "G09": ("organization_building", "minor", "proportional"),
    "G10": ("organization_building", "minor", "proportional"),
    "G11": ("organization_building", "minor", "proportional"),
    "P01": ("political_function", "critical", "veto"),
}
#: the district's own criteria on v2 data: two-committee structure, district feedback, bonuses
DISTRICT_OWN = {"Q01", "Q02", "Q03", "Q11", "Q12", "Q13"}
#: opt-in criteria: off in the baseline, switched on by a district that asks for them
OPT_IN = {"G03"}
ANNUAL = {"S06", "S07", "T06"}
FOLDED = {
    "D01": "standardization",
    "D02": "standardization",
    "D04": "standardization",
    "D05": "standardization",
    "D06": "standardization",
    "D07": "standardization",
    "C01": "supervision",
    "C02": "supervision",
    "C03": "supervision",
}


@pytest.fixture(scope="module")
def baseline() -> Pack:
    return load_pack(RULES / "baseline.yaml").model


@pytest.fixture(scope="module")
def district() -> Pack:
    return load_pack(RULES / "district-quarterly.yaml").model


def by_id(pack: Pack) -> dict[str, Criterion]:
    return {c.id: c for c in pack.criteria}


def test_baseline_has_exactly_the_catalog(baseline: Pack) -> None:
    assert baseline.pack == "baseline"
    assert baseline.period.value == "quarter"
    assert [c.id for c in baseline.criteria] == list(CATALOG)
    assert {a.id for a in baseline.areas} == {area for area, _, _ in CATALOG.values()}


@pytest.mark.parametrize("cid", list(CATALOG))
def test_baseline_criterion(baseline: Pack, cid: str) -> None:
    c = by_id(baseline)[cid]
    area, severity, mode = CATALOG[cid]
    assert (c.area, c.severity, c.scoring.mode) == (area, Severity(severity), mode)
    assert c.title and c.title_zh and c.basis and c.message
    assert template_errors(c.message) == []
    assert c.rectify.responsible and c.rectify.action and c.rectify.within_days > 0
    if mode == "deduct":
        assert c.scoring.per_miss == 2
    if mode == "veto":
        assert c.points == 0
    else:
        assert c.points > 0
    if cid in ANNUAL:
        assert c.applies_to.periods == ["year_end"]
    assert c.enabled is (cid not in OPT_IN)


def test_every_builtin_checker_but_condition_and_arrears_is_used(baseline: Pack) -> None:
    used = {c.check for c in baseline.criteria}
    names = {c.name for c in builtin_checkers()}
    # condition is for local packs; dues.arrears is S11's arrears rule as its own checker;
    # pattern criteria live in rules/patterns.yaml
    assert names - used == {"condition", "dues.arrears", "pattern"}


def test_six_month_dues_case_is_critical(baseline: Pack) -> None:
    s11 = by_id(baseline)["S11"]
    assert s11.params["arrears_months"] == 6
    assert s11.params["arrears_severity"] == "critical"


def test_p01_refers_to_t02_and_d07(baseline: Pack) -> None:
    p01 = by_id(baseline)["P01"]
    assert p01.params["any_failed"] == ["T02", "D07"]
    assert p01.params["no_meetings"] and p01.params["weak_lax_with_overdue"]


def test_district_areas_and_folded_criteria(district: Pack) -> None:
    weights = {a.id: a.weight for a in district.areas}
    assert {k: weights[k] for k in ("standardization", "supervision", "team_stability")} == {
        "standardization": 40,
        "supervision": 30,
        "team_stability": 30,
    }
    crit = by_id(district)
    assert set(crit) == set(CATALOG) | DISTRICT_OWN
    assert crit["G03"].enabled  # the district asks for 一肩挑
    for cid, (area, severity, mode) in CATALOG.items():
        assert crit[cid].area == FOLDED.get(cid, area)
        assert crit[cid].severity == Severity(severity)
        assert crit[cid].scoring.mode == mode
    scored = {c.area for c in district.criteria if c.scoring.mode != "veto"}
    # organization building (G..) reads v2 data; the district may fold it or keep it
    three = {"standardization", "supervision", "team_stability"}
    assert scored - {"organization_building", "team_structure"} == three
    assert district.area("team_structure").pool


def test_district_quarterly_lecture_and_disclosure_for_everyone(district: Pack) -> None:
    crit = by_id(district)
    for cid in ("S04", "S13"):
        assert crit[cid].applies_to.kind is None and crit[cid].applies_to.category is None
        assert crit[cid].params["per"] == "quarter" and crit[cid].params["min"] == 1
    assert crit["S04"].params["type"] == "party_lecture"


def test_district_groups_ranking_movement(district: Pack) -> None:
    assert district.issuer
    groups = {g.id: set(g.where.kind or ()) for g in district.groups}
    assert groups == {
        "townships": {OrgKind.TOWNSHIP_COMMITTEE, OrgKind.STREET_WORKING_COMMITTEE},
        "system_committees": {
            OrgKind.SYSTEM_SUB_COMMITTEE,
            OrgKind.BASE_COMMITTEE,
            OrgKind.GENERAL_BRANCH,
        },
        "branches": {OrgKind.BRANCH, OrgKind.JOINT_BRANCH},
    }
    kinds = [k for ks in groups.values() for k in ks]
    assert len(kinds) == len(set(kinds))  # no overlap
    assert (district.ranking.top, district.ranking.bottom) == (3, 3)
    assert district.movement.rapid_progress.rank_gain == 3
    assert district.movement.major_setback.rank_loss == 3


def test_every_criterion_of_both_packs_has_pass_fail_and_not_applicable_cases() -> None:
    import yaml

    v1_ids = [cid for cid in CATALOG if not cid.startswith("G")]
    # the G criteria read v2 data; the baseline's cases cover them (G03 is off: see
    # test_g03_one_person_as_secretary_and_director_when_switched_on)
    for name, ids in (
        ("baseline", [cid for cid in CATALOG if cid not in OPT_IN]),
        ("district-quarterly", v1_ids),
    ):
        doc = yaml.safe_load((RULES / f"{name}.test.yaml").read_text(encoding="utf-8"))
        seen: dict[str, set[str]] = {cid: set() for cid in ids}
        for case in doc["cases"]:
            for cid, exp in case["expect"].items():
                seen.setdefault(cid, set()).add(exp if isinstance(exp, str) else exp["status"])
        missing = {cid: {"pass", "fail", "not_applicable"} - s for cid, s in seen.items()}
        assert {k: v for k, v in missing.items() if v} == {}, name


def test_docs_criteria_page_maps_every_criterion(baseline: Pack) -> None:
    text = (RULES.parent / "docs" / "criteria.md").read_text(encoding="utf-8")
    rows = {line.split("|")[1].strip(): line for line in text.splitlines() if line.startswith("| ")}
    for c in baseline.criteria:
        row = rows.get(c.id)
        assert row is not None, f"docs/criteria.md has no row for {c.id}"
        assert f"`{c.check}`" in row and f"| {c.severity.value} |" in row, c.id
        assert c.basis is not None and c.basis in row, c.id
        for key in c.params:
            assert f"{key}:" in row, (c.id, key)


def test_g03_one_person_as_secretary_and_director_when_switched_on(tmp_path: Path) -> None:
    from pbrules.engine.evaluate import Engine
    from pbrules.model.snapshot import Snapshot

    pack = tmp_path / "asks.yaml"
    pack.write_text(
        f"pack: asks\nversion: '1'\nextends: [{RULES / 'baseline.yaml'}]\n"
        "areas: []\ncriteria: [{id: G03, enabled: true}]\n",
        encoding="utf-8",
    )
    engine = Engine(load_pack(pack))

    def g03(village: list[dict[str, str]]) -> str:
        snap = Snapshot.model_validate(
            {
                "period": "2026Q3",
                "organization": {"id": "B1", "name": "V", "kind": "branch", "category": "village"},
                "committee": [
                    {"person_id": "M1", "role": "secretary", "appointed_on": "2021-05-01"}
                ],
                "village_committee": village,
            }
        )
        result = engine.evaluate(snap)
        return next(c.status.value for c in result.result.criteria if c.id == "G03")

    director = {"role": "director", "appointed_on": "2021-06-01"}
    assert g03([{"person_id": "M1", **director}]) == "pass"
    assert g03([{"person_id": "P2", **director}]) == "fail"
    assert g03([]) == "not_applicable"  # an export without the villagers' committee


def test_g_criteria_never_fail_a_v1_export(tmp_path: Path) -> None:
    """The frozen v1 example district carries none of the v2 data: with the live baseline,
    every G criterion is not applicable for every organization (old exports are not punished)."""
    import gzip
    import shutil

    from pbrules.engine.evaluate import Engine

    data = tmp_path / "2026Q3.jsonl"
    golden = Path(__file__).resolve().parent / "golden" / "v1" / "2026Q3.jsonl.gz"
    with gzip.open(golden, "rb") as src, data.open("wb") as out:
        shutil.copyfileobj(src, out)
    result = Engine(load_pack(RULES / "baseline.yaml")).run(data)
    statuses = {
        c.status.value
        for o in result.organizations
        for c in o.criteria
        if c.id.startswith("G")
    }
    assert statuses == {"not_applicable"}
    assert all("organization_building" not in o.areas for o in result.organizations)
    assert all(o.total is not None for o in result.organizations)
