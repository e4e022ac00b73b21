"""Ties in rankings: ``ranking.tie_break``, top/bottom listing everyone tied with the N-th, and
movement that ignores rank jumps inside a tie (pbrules.engine.ranking, DESIGN §12)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pbrules.engine.ranking import TieFacts, place_change, rank_organizations
from pbrules.model.result import GroupRanking, OrgResult, PackRef, RunResult, Summary
from pbrules.packs.schema import Pack


def pack(tie_break: list[str] | None, top: int = 3, bottom: int = 3) -> Pack:
    ranking: dict[str, Any] = {"top": top, "bottom": bottom}
    if tie_break is not None:
        ranking["tie_break"] = tie_break
    return Pack.model_validate(
        {
            "pack": "p",
            "version": "1",
            "areas": [{"id": "a", "weight": 1}],
            "groups": [{"id": "g", "where": {"kind": ["branch"]}}],
            "ranking": ranking,
            "movement": {"rapid_progress": {"rank_gain": 3}, "major_setback": {"rank_loss": 3}},
        }
    )


def org(org_id: str, total: float, **kw: Any) -> OrgResult:
    return OrgResult(
        org_id=org_id,
        name=org_id,
        kind="branch",
        parent_id=None,
        group="g",
        total=total,
        base_total=kw.pop("base_total", total),
        bonus=0.0,
        grade="good",
        complete=True,
        areas={},
        **kw,
    )


def result(orgs: list[OrgResult]) -> RunResult:
    return RunResult(
        pack=PackRef(id="p", version="1", digest="x"),
        period="2026Q2",
        organizations=orgs,
        summary=Summary(evaluated=len(orgs), rejected=0, findings=0, incomplete=0),
    )


FIVE_AT_TOP = [
    org("B1", 100),
    org("B2", 100),
    org("B3", 99),
    org("B4", 99),
    org("B5", 99),
    org("B6", 90),
    org("B7", 80),
    org("B8", 70),
    org("B9", 70),
]


def test_without_tie_break_the_v1_lists_stay_exactly_n() -> None:
    info, rankings = rank_organizations(FIVE_AT_TOP, pack(None))
    assert rankings["g"].top == ["B1", "B2", "B3"]
    assert rankings["g"].tied is None
    assert "tied" not in rankings["g"].model_dump(mode="json")
    assert [info[o.org_id].rank for o in FIVE_AT_TOP] == [1, 1, 3, 3, 3, 6, 7, 8, 8]


def test_top_three_lists_everyone_tied_with_the_third() -> None:
    _, rankings = rank_organizations(FIVE_AT_TOP, pack([]))
    g = rankings["g"]
    assert g.top == ["B1", "B2", "B3", "B4", "B5"]  # "top three" lists five
    assert g.bottom == ["B9", "B8", "B7"]  # lowest first: B8 and B9 tie at the bottom
    assert g.tied == ["B1", "B2", "B3", "B4", "B5", "B8", "B9"]
    assert GroupRanking.model_validate(g.model_dump(mode="json")) == g


def test_tie_break_keys_apply_in_order_before_a_tie_is_declared() -> None:
    facts = {
        "B1": TieFacts(critical=1, findings=1, base_total=100),
        "B2": TieFacts(critical=0, findings=4, base_total=95),
        "B3": TieFacts(critical=0, findings=2, base_total=99),
        "B4": TieFacts(critical=0, findings=2, base_total=97),
        "B5": TieFacts(critical=0, findings=2, base_total=97),
    }
    info, rankings = rank_organizations(FIVE_AT_TOP, pack(["fewer_critical"]), facts=facts)
    assert info["B2"].rank == 1 and info["B1"].rank == 2  # B1 has a critical finding
    assert [info[k].rank for k in ("B3", "B4", "B5")] == [3, 3, 3]
    info, rankings = rank_organizations(
        FIVE_AT_TOP, pack(["fewer_findings", "base_total"]), facts=facts
    )
    assert info["B1"].rank == 1 and info["B2"].rank == 2  # fewer findings first
    assert info["B3"].rank == 3 and info["B4"].rank == info["B5"].rank == 4  # base total
    assert rankings["g"].top == ["B1", "B2", "B3"]
    assert rankings["g"].tied == ["B8", "B9"]


def test_previous_rank_breaks_a_tie_and_an_unranked_one_comes_last() -> None:
    before = result([org("B1", 90, rank=2), org("B2", 95, rank=1)])
    now = [org("B1", 100), org("B2", 100), org("B3", 100)]
    info, _ = rank_organizations(now, pack(["previous_rank"]), before)
    assert [info[k].rank for k in ("B2", "B1", "B3")] == [1, 2, 3]


def test_a_fall_inside_a_tie_is_no_setback() -> None:
    # 2026Q2: ten branches tied first. 2026Q3: B1 alone at rank 5, still inside that block.
    before = result([org(f"B{i}", 100, rank=1) for i in range(1, 11)] + [org("BX", 50, rank=11)])
    now = (
        [org(f"B{i}", 100) for i in range(2, 6)]
        + [org("B1", 99.5)]
        + [org(f"B{i}", 99) for i in range(6, 11)]
        + [org("BX", 99.9)]
    )
    info, rankings = rank_organizations(now, pack([]), before)
    assert info["B1"].rank == 6 and info["B1"].rank_change == -5
    assert info["B1"].movement == "steady"  # places 1..10 before, 6 now
    assert info["BX"].movement == "rapid_progress"  # place 11 -> 5: six places up
    assert rankings["g"].major_setbacks == []
    # the v1 rule reads the ranks alone
    info1, _ = rank_organizations(now, pack(None), before)
    assert info1["B1"].movement == "major_setback"


def test_place_change_between_blocks() -> None:
    assert place_change(1, 71, 165, 1) == -94
    assert place_change(1, 71, 5, 1) == 0
    assert place_change(20, 1, 3, 5) == 13
    assert place_change(4, 1, 4, 1) == 0


totals = st.dictionaries(
    st.sampled_from([f"B{i:02d}" for i in range(16)]),
    st.tuples(
        st.integers(0, 4).map(lambda x: 80.0 + x * 5), st.integers(0, 4).map(lambda x: 80.0 + x * 5)
    ),
    min_size=2,
)


@given(totals)
def test_movement_ignores_rank_jumps_inside_a_tie(data: dict[str, tuple[float, float]]) -> None:
    """Organizations tied before and tied now get the same label; a block that overlaps the
    previous one is steady; labels do not depend on the ids that order a tie for display."""
    p = pack([])
    before_orgs = [org(k, t0) for k, (t0, _t1) in data.items()]
    prev_info, _ = rank_organizations(before_orgs, p)
    before = result([o.model_copy(update={"rank": prev_info[o.org_id].rank}) for o in before_orgs])
    now = [org(k, t1) for k, (_t0, t1) in data.items()]
    info, rankings = rank_organizations(now, p, before)
    by_pair: dict[tuple[float, float], set[str | None]] = {}
    for k, pair in data.items():
        by_pair.setdefault(pair, set()).add(info[k].movement)
        t0, t1 = pair
        if all((a > t0) - (a < t0) == (b > t1) - (b < t1) for a, b in data.values()):
            assert info[k].movement == "steady"  # nobody moved relative to it
    assert all(len(labels) == 1 for labels in by_pair.values())
    renamed = {f"Z{k}": v for k, v in data.items()}
    before_z = result(
        [o.model_copy(update={"org_id": f"Z{o.org_id}"}) for o in before.organizations]
    )
    info_z, _ = rank_organizations([org(k, t1) for k, (_t0, t1) in renamed.items()], p, before_z)
    assert {k: info[k].movement for k in data} == {k[1:]: info_z[k].movement for k in renamed}
    for k in data:
        expected = info[k].movement
        assert (k in rankings["g"].rapid_progress) == (expected == "rapid_progress")
        assert (k in rankings["g"].major_setbacks) == (expected == "major_setback")
