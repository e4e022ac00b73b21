"""The report model: rankings, problems, rectification items and appendix built from results."""

from __future__ import annotations

from collections import Counter
from datetime import date

import pytest

from pbrules.errors import UsageError
from pbrules.model.result import RunResult, Summary
from pbrules.packs.schema import Area, Group, GroupWhere, Pack
from pbrules.report.i18n import (
    LOCALE_DIR,
    check_lang,
    compile_po,
    extract_messages,
    label,
    translations,
)
from pbrules.report.model import build_report, severity_rank
from report_fixtures import PACK, FakeLedgerItem, build_result, ledger_items, make_fixture

FX = make_fixture()


def test_group_tables_follow_the_result_ranking() -> None:
    report = build_report(FX.result)
    assert [g.id for g in report.groups] == list(FX.result.rankings)
    for group in report.groups:
        members = [o for o in FX.result.organizations if o.group == group.id]
        expected = sorted(members, key=lambda o: (o.rank, o.org_id))
        assert [r.org_id for r in group.rows] == [o.org_id for o in expected]
        assert [r.rank for r in group.rows] == [o.rank for o in expected]
        ranking = FX.result.rankings[group.id]
        assert [r.org_id for r in group.top] == ranking.top
        assert [r.org_id for r in group.bottom] == ranking.bottom
        # the result's movers, biggest first (ties keep the result's order)
        change = {o.org_id: o.rank_change or 0 for o in members}
        assert [r.org_id for r in group.rapid_progress] == sorted(
            ranking.rapid_progress, key=lambda i: -change[i]
        )
        assert [r.org_id for r in group.major_setbacks] == sorted(
            ranking.major_setbacks, key=lambda i: change[i]
        )
        assert group.title == ranking.title
    counted = Counter(f.org_id for f in FX.result.findings)
    rows = {r.org_id: r for g in report.groups for r in g.rows}
    assert {k: v.findings for k, v in rows.items() if v.findings} == dict(counted)


def test_movement_is_computed_from_the_previous_result_when_missing() -> None:
    bare = build_result("2026Q3", seed=11)  # evaluated without --previous
    assert all(o.previous_rank is None for o in bare.organizations)
    report = build_report(bare, previous=FX.previous)
    prev = {o.org_id: o for o in FX.previous.organizations}
    setbacks = set()
    for group in report.groups:
        for row in group.rows:
            p = prev[row.org_id]
            assert row.previous_rank == p.rank
            assert row.rank_change == p.rank - row.rank
            assert row.total_change == pytest.approx(row.total - p.total)
            if row.rank_change <= -3:
                assert row.movement == "major_setback"
                setbacks.add(row.org_id)
        assert {r.org_id for r in group.major_setbacks} <= setbacks
    assert report.previous_period == "2026Q2"
    # the same orgs are flagged as when the result carries the movement itself
    carried = build_report(FX.result)
    assert {r.org_id for g in carried.groups for r in g.major_setbacks} == setbacks


def test_problems_hold_every_finding_once_worst_first() -> None:
    report = build_report(FX.result)
    seen = [f.fingerprint for a in report.problems for c in a.criteria for f in c.findings]
    assert sorted(seen) == sorted(f.fingerprint for f in FX.result.findings)
    for area in report.problems:
        keys = [(-severity_rank(c.severity), -c.count) for c in area.criteria]
        assert keys == sorted(keys)
        assert area.count == sum(c.count for c in area.criteria)
        for crit in area.criteria:
            assert crit.count == len(crit.findings)
            assert sum(o.count for o in crit.organizations) == crit.count
            assert crit.severity == max((str(f.severity) for f in crit.findings), key=severity_rank)
            assert crit.title != crit.criterion  # titles come from the findings
    worst = [max(severity_rank(c.severity) for c in a.criteria) for a in report.problems]
    assert worst == sorted(worst, reverse=True)


def test_rectification_from_findings_has_provisional_numbers_overdue_first() -> None:
    report = build_report(FX.result)
    items = report.rectification
    assert report.rectification_source == "findings"
    assert len(items) == len(FX.result.findings)
    assert len({i.number for i in items}) == len(items)
    assert all(i.provisional for i in items)
    assert [i.number for i in items] == [f"2026Q3-{n:04d}" for n in range(1, len(items) + 1)]
    flags = [i.overdue for i in items]
    assert flags == sorted(flags, reverse=True)
    assert any(flags) and not all(flags)
    as_of = FX.result.as_of
    assert as_of is not None
    for item in items:
        assert item.overdue == (item.due is not None and item.due < as_of)
    assert report.overdue == sum(flags)


def test_rectification_from_ledger_items() -> None:
    ledger = ledger_items(FX.result)
    report = build_report(FX.result, ledger_items=ledger)
    assert report.rectification_source == "ledger"
    assert sorted(i.number for i in report.rectification) == sorted(i.number for i in ledger)
    assert not any(i.provisional for i in report.rectification)
    flags = [i.overdue for i in report.rectification]
    assert flags == sorted(flags, reverse=True)
    # a ledger item carries no org name: it is looked up in the result
    carried = next(i for i in report.rectification if i.number == "2026Q2-0007")
    assert carried.org_name == "西山镇" and carried.status == "rectified"
    # closed or rectified items come after the open ones among those not overdue
    tail = [i for i in report.rectification if not i.overdue]
    assert tail[-1].number == "2026Q2-0007"


def test_appendix_lists_every_organization_and_its_lost_points() -> None:
    report = build_report(FX.result)
    assert sorted(o.org_id for o in report.appendix) == sorted(
        o.org_id for o in FX.result.organizations
    )
    by_id = {o.org_id: o for o in FX.result.organizations}
    for org in report.appendix:
        source = by_id[org.org_id]
        assert [a for a, _t, _s in org.areas] == list(source.areas)
        failing = {c.id for c in source.criteria if c.earned < c.max}
        assert {c.criterion for c in org.lost} == failing
        for c in org.lost:
            assert c.lost == pytest.approx(c.max - c.earned)
            own = [
                f
                for f in FX.result.findings
                if f.org_id == org.org_id and f.criterion == c.criterion
            ]
            assert c.messages == [f.message for f in own]
            assert set(c.evidence) == {e for f in own for e in f.evidence}
        assert [c.lost for c in org.lost] == sorted((c.lost for c in org.lost), reverse=True)


def test_pack_gives_titles_and_issuer_and_option_overrides_it() -> None:
    pack = Pack(
        pack=PACK.id,
        version=PACK.version,
        title="某区基层党建季度考评",
        issuer="中共某区委组织部",
        areas=[
            Area(id="standardization", title="规范化建设", weight=40),
            Area(id="supervision", title="督导力度", weight=30),
            Area(id="team_stability", title="队伍稳定", weight=30),
        ],
        groups=[Group(id="townships", title="乡镇(街道)党委", where=GroupWhere())],
    )
    report = build_report(FX.result, pack=pack)
    assert report.title == "某区基层党建季度考评"
    assert report.issuer == "中共某区委组织部"
    assert report.areas == {
        "standardization": "规范化建设",
        "supervision": "督导力度",
        "team_stability": "队伍稳定",
    }
    assert report.groups[0].title == "乡镇(街道)党委"
    assert {a.title for a in report.problems} == set(report.areas.values())
    assert (
        build_report(FX.result, pack=pack, issuer="区委组织部组织科").issuer == "区委组织部组织科"
    )
    assert build_report(FX.result).title == PACK.id


def test_empty_result_builds_an_empty_report() -> None:
    empty = RunResult(
        pack=PACK,
        period="2026Q3",
        summary=Summary(evaluated=0, rejected=0, findings=0, incomplete=0),
    )
    report = build_report(empty)
    assert report.groups == [] and report.problems == [] and report.rectification == []


def test_ungrouped_organizations_are_listed_without_top_and_bottom() -> None:
    result = FX.result.model_copy(
        update={
            "rankings": {},
            "organizations": [
                o.model_copy(update={"group": None, "rank": None})
                for o in FX.result.organizations[:3]
            ],
        }
    )
    report = build_report(result)
    assert len(report.groups) == 1
    assert len(report.groups[0].rows) == 3 and report.groups[0].top == []


# -- the catalogs ------------------------------------------------------------------------------
def test_every_report_message_is_translated_to_chinese() -> None:
    zh = translations("zh")
    messages = extract_messages()
    assert (None, "1. Results") in messages and ("sheet", "Findings") in messages
    missing = [
        (ctx, m) for ctx, m in messages if (zh.pgettext(ctx, m) if ctx else zh.gettext(m)) == m
    ]
    assert missing == []
    assert zh.pgettext("sheet", "Findings") != zh.gettext("Findings")


def test_committed_mo_matches_its_po() -> None:
    import gettext
    import io

    po = LOCALE_DIR / "zh" / "LC_MESSAGES" / "pbrules.po"
    committed = gettext.GNUTranslations(io.BytesIO(po.with_suffix(".mo").read_bytes()))
    fresh = gettext.GNUTranslations(io.BytesIO(compile_po(po)))
    for ctx, message in extract_messages():
        if ctx:
            assert committed.pgettext(ctx, message) == fresh.pgettext(ctx, message)
        else:
            assert committed.gettext(message) == fresh.gettext(message), message


def test_languages_and_labels() -> None:
    assert check_lang("zh_CN") == "zh" and check_lang(None) == "en"
    with pytest.raises(UsageError, match="unknown report language 'fr'"):
        check_lang("fr")
    zh = translations("zh").gettext
    assert label("severity", "critical", zh) == "严重"
    assert label("grade", "outstanding", zh) == "outstanding"  # a pack's own grade: as written
    assert label("grade", None, zh) == ""


def test_ledger_item_protocol_matches_fake() -> None:
    item = FakeLedgerItem("N1", "T01", "S01", "m", None, date(2026, 1, 1), "open", False)
    report = build_report(FX.result, ledger_items=[item])
    assert report.rectification[0].org_name == "城关镇"
