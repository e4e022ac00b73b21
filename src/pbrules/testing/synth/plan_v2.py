"""Planted v2 situations of the example district (DESIGN §12.1 data, baseline G criteria).

Each situation is found by exactly its criterion in 2026Q3. Besides them, some organizations
get problems fed back by the district's unannounced visits (all rectified in time), two villages
are designated weak and lax and run their rectification campaign, and a few branches run a
five-transformation demonstration campaign.
"""

from __future__ import annotations

from pbrules.testing.synth.plan import EXAMPLE_PERIODS, Planner
from pbrules.testing.synth.util import rng_for

__all__ = ["V2_CRITERIA", "plant_v2", "v2_extras"]

#: the baseline criterion (rules/baseline.yaml) that finds each planted v2 situation
V2_CRITERIA = {
    "no_woman_on_two_committees": "G01",
    "no_young_cadre": "G02",
    "secretary_not_director": "G03",
    "finance_group_missing": "G04",
    "no_annual_plan": "G05",
    "no_activity_room": "G06",
    "feedback_not_rectified": "G07",
    "weak_lax_rectification_behind": "G08",
    "five_transformations_behind": "G09",
    "one_reserve_cadre": "G10",
    "few_members_with_posts": "G11",
}
#: situations whose criterion a pack must switch on: found only by the packs listed
_OPT_IN = {"secretary_not_director": ("district-quarterly",)}
_TEXT = {
    "no_woman_on_two_committees": "Villages whose two committees have no woman member.",
    "no_young_cadre": "A village whose two committees have no member under 35.",
    "secretary_not_director": (
        "A village whose party secretary is not also the villagers' committee director."
    ),
    "finance_group_missing": "A village without its democratic finance group.",
    "no_annual_plan": "A branch with no party-building work plan for 2026.",
    "no_activity_room": "A village branch without a party members' activity room.",
    "feedback_not_rectified": (
        "Problems fed back by the district's unannounced visits still open past their due date."
    ),
    "weak_lax_rectification_behind": (
        "A weak-and-lax village whose rectification step due in August is not done."
    ),
    "five_transformations_behind": (
        "A five-transformation demonstration branch whose standards were not met by their date."
    ),
    "one_reserve_cadre": "A village with a single reserve cadre (two at least).",
    "few_members_with_posts": "A village branch where fewer than half the members hold a post.",
}
_DEFECT = {
    "no_woman_on_two_committees": "v2_no_woman",
    "no_young_cadre": "v2_no_young",
    "secretary_not_director": "v2_not_one_shoulder",
    "finance_group_missing": "v2_missing_body",
    "no_annual_plan": "v2_no_annual_plan",
    "no_activity_room": "v2_no_activity_room",
    "feedback_not_rectified": "v2_feedback_overdue",
    "weak_lax_rectification_behind": "v2_weak_lax_behind",
    "five_transformations_behind": "v2_five_behind",
    "one_reserve_cadre": "v2_one_reserve",
    "few_members_with_posts": "v2_few_posts",
}


def _villages(p: Planner, *townships: str) -> list[str]:
    return [b for t in townships for b in p.kids(t, "village")]


def plant_v2(p: Planner) -> dict[str, list[str]]:
    """Plant the v2 situations; returns the organizations of the campaigns that are on schedule
    (``weak_lax`` and ``five``) for :func:`v2_extras`."""
    pick, q2, q3 = p.pick, *EXAMPLE_PERIODS
    towns = ("T01", "T02", "T03", "T04", "T06", "T07")
    orgs = {
        "no_woman_on_two_committees": pick(_villages(p, "T07")) + pick(_villages(p, "T01")),
        "no_young_cadre": pick(_villages(p, "T04", "T03")),
        "secretary_not_director": pick(_villages(p, "T06", "T07")),
        "finance_group_missing": pick(_villages(p, "T03", "T01")),
        "no_annual_plan": pick(p.kids("G01") + p.kids("SC01")) + pick(_villages(p, "T07")),
        "no_activity_room": pick(_villages(p, "T01", "T04")),
        "feedback_not_rectified": [
            "T07",
            *pick(_villages(p, "T06")),
            *pick(p.kids("T09", "community")),
        ],
        "weak_lax_rectification_behind": pick(_villages(p, "T03")),
        "five_transformations_behind": pick(p.kids("T08", "community")),
        "one_reserve_cadre": pick(_villages(p, "T06", "T04")),
        "few_members_with_posts": pick(_villages(p, "T07", "T03")),
    }
    p.reserved.add("T07")
    for sid, ids in orgs.items():
        p.plant(sid, V2_CRITERIA[sid], ids, _DEFECT[sid], _TEXT[sid])
        if sid in _OPT_IN:
            p.situations[-1]["packs"] = list(_OPT_IN[sid])
    for org in orgs["weak_lax_rectification_behind"]:
        p.add(org, q2, "v2_weak_lax")
        p.add(org, q3, "v2_weak_lax")
    for org in orgs["five_transformations_behind"]:
        p.add(org, q2, "v2_five")
        p.add(org, q3, "v2_five")
    on_schedule = {
        "weak_lax": pick(_villages(p, *towns)),
        "five": pick(_villages(p, "T02", "T06")) + pick(p.kids("T09", "community"))
        + pick(p.kids("SC02", "school") + p.kids("G03", "school")),
    }  # fmt: skip
    for org in on_schedule["weak_lax"]:
        p.add(org, q2, "v2_weak_lax")
        p.add(org, q3, "v2_weak_lax")
    for org in on_schedule["five"]:
        p.add(org, q2, "v2_five")
        p.add(org, q3, "v2_five")
    return on_schedule


def v2_extras(seed: int, org_id: str, kind: str, period: str, clean: bool) -> set[str]:
    """Unplanted v2 departures of an ordinary organization: rectified feedback."""
    if clean or kind == "district_committee":
        return set()
    share = 0.5 if kind in ("township_committee", "street_working_committee") else 0.3
    return {"v2_feedback"} if rng_for(seed, org_id, period, "v2plan").random() < share else set()
