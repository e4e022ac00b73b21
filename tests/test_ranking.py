"""Peer groups, competition ranking, top/bottom and movement (pbrules.engine.ranking)."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from pbrules.engine.ranking import (
    assign_group,
    competition_ranks,
    display_order,
    movement_label,
    rank_organizations,
)
from pbrules.model.result import OrgResult, PackRef, RunResult, Summary
from pbrules.packs.schema import Pack

PACK = Pack.model_validate(
    {
        "pack": "p",
        "version": "1",
        "areas": [{"id": "a", "weight": 1}],
        "groups": [
            {"id": "towns", "title": "Towns", "where": {"kind": ["township_committee"]}},
            {"id": "villages", "where": {"kind": ["branch"], "category": ["village"]}},
            {"id": "branches", "where": {"kind": ["branch", "general_branch"]}},
            {"id": "under_t01", "where": {"parent_id": ["T01"]}},
        ],
        "ranking": {"top": 2, "bottom": 2},
        "movement": {"rapid_progress": {"rank_gain": 2}, "major_setback": {"rank_loss": 2}},
    }
)


def org(org_id: str, total: float, group: str | None = "branches", **kw: Any) -> OrgResult:
    return OrgResult(
        org_id=org_id,
        name=f"name {org_id}",
        kind=kw.pop("kind", "branch"),
        parent_id=kw.pop("parent_id", None),
        group=group,
        total=total,
        base_total=total,
        bonus=0.0,
        grade="weak",
        complete=True,
        areas={},
        **kw,
    )


def run_result(orgs: list[OrgResult]) -> RunResult:
    return RunResult(
        pack=PackRef(id="p", version="1", digest="x"),
        period="2026Q2",
        organizations=orgs,
        summary=Summary(evaluated=len(orgs), rejected=0, findings=0, incomplete=0),
    )


def test_ties_share_a_rank_and_the_next_skips() -> None:
    ranks = competition_ranks([("A", 90), ("B", 80), ("C", 80), ("D", 70)])
    assert ranks == {"A": 1, "B": 2, "C": 2, "D": 4}


def test_totals_are_compared_as_shown() -> None:
    ranks = competition_ranks([("A", 80.004), ("B", 79.996), ("C", 79.9)])
    assert ranks == {"A": 1, "B": 1, "C": 3}


def test_display_order_breaks_ties_by_org_id() -> None:
    order = display_order([("B9", 80), ("A1", 80), ("C0", 95), ("A0", 10)])
    assert [o for o, _t in order] == ["C0", "A1", "B9", "A0"]


@given(
    st.dictionaries(
        st.text("ABCDEFG0123", min_size=1, max_size=4),
        st.sampled_from([50.0, 60.0, 60.0, 70.0, 85.5, 100.0]),
        max_size=25,
    )
)
def test_competition_ranking_properties(totals: dict[str, float]) -> None:
    ranks = competition_ranks(totals.items())
    assert set(ranks) == set(totals)
    for a, ta in totals.items():
        # rank = 1 + number of strictly better totals
        assert ranks[a] == 1 + sum(1 for tb in totals.values() if tb > ta)
        for b, tb in totals.items():
            if ta == tb:
                assert ranks[a] == ranks[b]


@given(
    st.lists(st.tuples(st.text("ABC123", min_size=1, max_size=3), st.floats(0, 105)), max_size=20)
)
def test_ranking_ignores_input_order(entries: list[tuple[str, float]]) -> None:
    unique = dict(entries)
    items = list(unique.items())
    assert competition_ranks(items) == competition_ranks(list(reversed(items)))
    assert display_order(items) == display_order(list(reversed(items)))


def test_group_assignment_first_match_and_override() -> None:
    groups = PACK.groups
    assert (
        assign_group(groups, kind="township_committee", category=None, parent_id="D00") == "towns"
    )
    assert assign_group(groups, kind="branch", category="village", parent_id="T01") == "villages"
    assert assign_group(groups, kind="branch", category="school", parent_id="T01") == "branches"
    assert assign_group(groups, kind="branch", category=None, parent_id=None) == "branches"
    assert assign_group(groups, kind="joint_branch", category=None, parent_id="T01") == "under_t01"
    assert assign_group(groups, kind="joint_branch", category=None, parent_id="T02") is None
    assert (
        assign_group(groups, kind="branch", category=None, parent_id=None, override="special")
        == "special"
    )


def test_movement_labels_follow_the_pack_thresholds() -> None:
    assert movement_label(None, PACK) is None
    assert movement_label(2, PACK) == "rapid_progress"
    assert movement_label(5, PACK) == "rapid_progress"
    assert movement_label(1, PACK) == "steady"
    assert movement_label(0, PACK) == "steady"
    assert movement_label(-1, PACK) == "steady"
    assert movement_label(-2, PACK) == "major_setback"


def test_top_bottom_and_group_size() -> None:
    orgs = [org("B1", 90), org("B2", 80), org("B3", 80), org("B4", 70), org("B5", 60)]
    info, rankings = rank_organizations(orgs, PACK)
    assert [info[o].rank for o in ("B1", "B2", "B3", "B4", "B5")] == [1, 2, 2, 4, 5]
    assert all(info[o.org_id].group_size == 5 for o in orgs)
    assert rankings["branches"].top == ["B1", "B2"]
    assert rankings["branches"].bottom == ["B5", "B4"]  # lowest first
    assert set(rankings) == {"towns", "villages", "branches", "under_t01"}
    assert rankings["towns"].title == "Towns"
    assert rankings["towns"].top == []
    # Without a previous result there is no movement.
    assert all(info[o.org_id].movement is None for o in orgs)


def test_small_groups_list_everyone() -> None:
    info, rankings = rank_organizations([org("B1", 50)], PACK)
    assert rankings["branches"].top == ["B1"] and rankings["branches"].bottom == ["B1"]
    assert info["B1"].rank == 1


def test_unranked_organizations_and_override_groups() -> None:
    orgs = [org("D00", 50, group=None, kind="district_committee"), org("X1", 70, group="special")]
    info, rankings = rank_organizations(orgs, PACK)
    assert info["D00"].rank is None and info["D00"].group_size is None
    assert info["X1"].rank == 1
    assert list(rankings)[-1] == "special"
    assert rankings["special"].title is None


def test_movement_is_previous_rank_minus_rank() -> None:
    before = run_result(
        [
            org("B1", 60, rank=4),
            org("B2", 90, rank=1),
            org("B3", 80, rank=2),
            org("B4", 70, rank=3),
            org("B9", 70, rank=3),
            org("T1", 70, group="towns", rank=1),
        ]
    )
    now = [
        org("B1", 95),  # 4 -> 2: +2 rapid progress
        org("B2", 60),  # 1 -> 5: -4 major setback
        org("B3", 85),  # 2 -> 3: steady
        org("B4", 70),  # 3 -> 4: steady
        org("B5", 99.5),  # new
        org("T1", 80, group="villages"),  # ranked in another group before: no previous rank
    ]
    info, rankings = rank_organizations(now, PACK, before)
    assert info["B5"].rank == 1 and info["B1"].rank == 2  # B5 99.5 > B1 95
    assert info["B1"].previous_rank == 4 and info["B1"].rank_change == 2
    assert info["B1"].movement == "rapid_progress"
    assert info["B2"].rank == 5 and info["B2"].rank_change == -4
    assert info["B2"].movement == "major_setback"
    assert info["B3"].rank_change == -1 and info["B3"].movement == "steady"
    assert info["B5"].previous_rank is None and info["B5"].movement is None
    assert info["B5"].previous_total is None and info["B5"].total_change is None
    assert info["B2"].previous_total == 90 and info["B2"].total_change == -30
    assert info["T1"].group_size == 1 and info["T1"].previous_rank is None
    assert rankings["branches"].rapid_progress == ["B1"]
    assert rankings["branches"].major_setbacks == ["B2"]
    for org_id, i in info.items():
        if i.previous_rank is not None and i.rank is not None:
            assert i.rank_change == i.previous_rank - i.rank, org_id


def test_previous_rank_requires_the_same_group() -> None:
    before = run_result([org("B1", 60, group="villages", rank=3)])
    info, _ = rank_organizations([org("B1", 70)], PACK, before)
    assert info["B1"].previous_rank is None and info["B1"].movement is None
    assert info["B1"].previous_total == 60


@given(
    st.dictionaries(
        st.sampled_from([f"B{i}" for i in range(12)]),
        st.tuples(
            st.one_of(st.none(), st.integers(0, 20).map(lambda x: x * 5.0)),
            st.integers(0, 20).map(lambda x: x * 5.0),
        ),
        min_size=1,
    )
)
def test_movement_property(totals: dict[str, tuple[float | None, float]]) -> None:
    """rank_change = previous rank - rank, labelled by the thresholds, for any two periods."""
    before_orgs = [org(k, t0) for k, (t0, _t1) in totals.items() if t0 is not None]
    prev_info, _ = rank_organizations(before_orgs, PACK)
    before = run_result(
        [o.model_copy(update={"rank": prev_info[o.org_id].rank}) for o in before_orgs]
    )
    now = [org(k, t1) for k, (_t0, t1) in totals.items()]
    info, rankings = rank_organizations(now, PACK, before)
    for org_id, (t0, t1) in totals.items():
        i = info[org_id]
        if t0 is None:
            assert i.previous_rank is None and i.rank_change is None and i.movement is None
            continue
        assert i.previous_rank == prev_info[org_id].rank
        assert i.rank_change == prev_info[org_id].rank - i.rank  # type: ignore[operator]
        assert i.total_change == t1 - t0
        expected = movement_label(i.rank_change, PACK)
        assert i.movement == expected
        assert (org_id in rankings["branches"].rapid_progress) == (expected == "rapid_progress")
        assert (org_id in rankings["branches"].major_setbacks) == (expected == "major_setback")


def test_min_total_change_needs_the_score_to_move_too() -> None:
    from pbrules.engine.ranking import movement_label
    from pbrules.packs.schema import Pack

    pack = Pack.model_validate(
        {
            "pack": "p",
            "version": "1",
            "areas": [{"id": "a", "weight": 1}],
            "movement": {
                "rapid_progress": {"rank_gain": 3, "min_total_change": 5},
                "major_setback": {"rank_loss": 3, "min_total_change": 5},
            },
        }
    )
    assert movement_label(4, pack, 5.0) == "rapid_progress"
    assert movement_label(4, pack, 4.99) == "steady"
    assert movement_label(2, pack, 30.0) == "steady"
    assert movement_label(-3, pack, -5.0) == "major_setback"
    assert movement_label(-3, pack, -0.5) == "steady"
    assert movement_label(-3, pack, None) == "steady"
    assert movement_label(None, pack, 10.0) is None
