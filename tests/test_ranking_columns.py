"""Ranking from columns (``rank_columns``: the streamed run, and ``rank_organizations`` over
columns made from its objects) gives exactly what the first, per-object implementation
(``tests/ranking_reference.py``) gives: the same ``RankInfo`` for every organization and the
same ``GroupRanking`` for every group, with ties, tie-break keys, override groups, unscored
organizations and a previous result."""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pbrules.engine.ranking import Columns, TieFacts, rank_columns, rank_organizations
from pbrules.model.previous import PreviousRank, PreviousRanks
from pbrules.model.result import PackRef
from pbrules.packs.schema import Pack
from ranking_reference import reference_rank

NAN = float("nan")
TIE_KEYS = ["fewer_critical", "fewer_findings", "base_total", "previous_rank"]


@dataclass(frozen=True)
class Org:
    org_id: str
    total: float | None
    group: str | None


@dataclass(frozen=True)
class Case:
    orgs: list[Org]
    facts: dict[str, TieFacts]
    previous: PreviousRanks | None
    pack: Pack


def make_pack(tie_break: list[str] | None, top: int, bottom: int, min_change: float | None) -> Pack:
    ranking: dict[str, Any] = {"top": top, "bottom": bottom}
    if tie_break is not None:
        ranking["tie_break"] = tie_break
    return Pack.model_validate(
        {
            "pack": "p",
            "version": "1",
            "areas": [{"id": "a", "weight": 1}],
            "groups": [
                {"id": "g", "where": {"kind": ["branch"]}},
                {"id": "empty", "where": {"kind": ["general_branch"]}},
                {"id": "h", "where": {"kind": ["township_committee"]}},
            ],
            "ranking": ranking,
            "movement": {
                "rapid_progress": {"rank_gain": 2, "min_total_change": min_change},
                "major_setback": {"rank_loss": 1},
            },
        }
    )


# Few distinct values, so that equal totals (also as shown, rounded to 2 decimals) and equal
# tie-break facts are common.
TOTALS = st.sampled_from([None, 0.0, 50.0, 50.001, 50.004, 50.006, 72.5, 99.995, 100.0])
GROUPS = st.sampled_from([None, "g", "g", "h", "zz-override", "aa-override"])


@st.composite
def cases(draw: st.DrawFn) -> Case:
    ids = draw(st.lists(st.from_regex(r"[A-E][0-9]{1,2}", fullmatch=True), unique=True))
    orgs = [Org(i, draw(TOTALS), draw(GROUPS)) for i in ids]
    facts = {
        i: TieFacts(
            critical=draw(st.integers(0, 2)),
            findings=draw(st.integers(0, 3)),
            base_total=draw(TOTALS),
        )
        for i in ids
        if draw(st.booleans())
    }
    previous = None
    if draw(st.booleans()):
        rows = {
            i: PreviousRank(draw(st.none() | st.integers(1, 8)), draw(TOTALS), draw(GROUPS))
            for i in [*ids, "GONE"]
            if draw(st.booleans())
        }
        previous = PreviousRanks(PackRef(id="p", version="1", digest="x"), "2026Q2", rows)
    keys = draw(st.none() | st.lists(st.sampled_from(TIE_KEYS), unique=True))
    top, bottom = draw(st.integers(1, 4)), draw(st.integers(1, 4))
    min_change = draw(st.none() | st.sampled_from([0.5, 10.0]))
    return Case(orgs, facts, previous, make_pack(keys, top, bottom, min_change))


def columns_of(case: Case) -> Columns:
    names: list[str] = []
    groups = array("i")
    for o in case.orgs:
        if o.group is None:
            groups.append(-1)
            continue
        if o.group not in names:
            names.append(o.group)
        groups.append(names.index(o.group))
    facts = [case.facts.get(o.org_id, TieFacts()) for o in case.orgs]
    return Columns(
        ids=[o.org_id for o in case.orgs],
        groups=groups,
        names=names,
        totals=array("d", [NAN if o.total is None else o.total for o in case.orgs]),
        critical=array("i", [f.critical for f in facts]),
        findings=array("i", [f.findings for f in facts]),
        base_totals=array("d", [NAN if f.base_total is None else f.base_total for f in facts]),
    )


@settings(max_examples=300, deadline=None)
@given(cases())
def test_columns_rank_as_the_reference(case: Case) -> None:
    info, rankings = reference_rank(case.orgs, case.pack, case.previous, case.facts)
    table, column_rankings = rank_columns(columns_of(case), case.pack, case.previous)
    assert column_rankings == rankings
    assert list(column_rankings) == list(rankings)  # the same group order
    for at, o in enumerate(case.orgs):
        assert table.info(at) == info[o.org_id], o
    # rank_organizations (Engine.run's path) answers the same from the objects
    assert rank_organizations(case.orgs, case.pack, case.previous, case.facts) == (info, rankings)


def test_columns_in_any_order_rank_the_same() -> None:
    """Positions need not be in org id order: display order still breaks ties by org id."""
    orgs = [Org("B3", 80.0, "g"), Org("B1", 80.0, "g"), Org("B2", 90.0, "g"), Org("B0", None, "g")]
    case = Case(orgs, {}, None, make_pack(None, 2, 2, None))
    table, rankings = rank_columns(columns_of(case), case.pack)
    assert rankings["g"].top == ["B2", "B1"]
    assert rankings["g"].bottom == ["B3", "B1"]
    assert [table.info(at).rank for at in range(4)] == [2, 2, 1, None]
    assert table.info(0).group_size == 3
    assert table.info(3).group_size is None
    assert rankings["empty"].top == []
