"""Examples for development.interval, development.training and development.pipeline."""

from __future__ import annotations

from typing import Any

from checkers_support import run, snap
from pbrules.model.outcome import Severity, Status

D02 = {
    "from_field": "activist_on",
    "to_field": "dev_object_on",
    "min_months": 12,
    "missing_from": "miss",
    "window_on": "latest",
    "lookback_months": 12,
}
D05 = {
    "from_field": "accepted_on",
    "to_field": "approved_on",
    "max_months": 3,
    "escalate_after_months": 6,
    "lookback_months": 12,
}
D01 = {
    "from_field": "applied_on",
    "to_field": "talked_on",
    "max_days": 30,
    "window_on": "from",
    "lookback_months": 12,
}
D06 = {
    "from_field": "accepted_on",
    "to_field": "converted_on",
    "max_months": 15,
    "exempt_if": ["extended_until"],
    "lookback_months": 12,
}


def dev(*cases: dict[str, Any], period: str = "2026Q3") -> Any:
    return snap(period, development=list(cases))


def test_one_year_as_activist_one_day_short_fails() -> None:
    ok = run(
        "development.interval",
        dev({"person_id": "A1", "activist_on": "2025-03-01", "dev_object_on": "2026-03-01"}),
        D02,
    )
    assert ok.status is Status.PASS
    short = run(
        "development.interval",
        dev({"person_id": "A1", "activist_on": "2025-03-01", "dev_object_on": "2026-02-28"}),
        D02,
    )
    assert short.status is Status.FAIL
    [item] = short.items
    assert (item.subject.type, item.subject.id) == ("development_case", "A1")


def test_leap_day_year_ends_on_february_28() -> None:
    s = dev(
        {"person_id": "A1", "activist_on": "2024-02-29", "dev_object_on": "2025-02-28"},
        period="2025Q1",
    )
    assert run("development.interval", s, D02).status is Status.PASS
    s = dev(
        {"person_id": "A1", "activist_on": "2024-02-29", "dev_object_on": "2025-02-27"},
        period="2025Q1",
    )
    assert run("development.interval", s, D02).status is Status.FAIL


def test_skipped_activist_period_and_window_on_latest() -> None:
    no_activist = dev({"person_id": "A1", "dev_object_on": "2026-01-10"})
    assert run("development.interval", no_activist, D02).status is Status.FAIL
    assert (
        run("development.interval", no_activist, {**D02, "missing_from": "ignore"}).status
        is Status.NOT_APPLICABLE
    )
    # designated long ago but converted this quarter: still reviewed with window_on latest
    moving = dev(
        {
            "person_id": "A1",
            "activist_on": "2024-11-08",
            "dev_object_on": "2025-04-06",
            "accepted_on": "2025-08-07",
            "converted_on": "2026-08-28",
        }
    )
    assert run("development.interval", moving, D02).status is Status.FAIL
    assert (
        run("development.interval", moving, {**D02, "window_on": "to"}).status
        is Status.NOT_APPLICABLE
    )


def test_three_month_limit_at_the_boundary_and_escalation() -> None:
    at = dev(
        {"person_id": "A1", "accepted_on": "2026-03-31", "approved_on": "2026-06-30"},
        {"person_id": "A2", "accepted_on": "2025-11-30", "approved_on": "2026-02-28"},
    )
    assert run("development.interval", at, D05).status is Status.PASS
    late = dev(
        {"person_id": "A1", "accepted_on": "2026-03-31", "approved_on": "2026-07-01"},
        {"person_id": "A2", "accepted_on": "2025-12-31", "approved_on": "2026-07-01"},
    )
    out = run("development.interval", late, D05)
    assert out.misses == 2
    severities = {i.subject.id: i.severity for i in out.items}
    assert severities == {"A1": None, "A2": Severity.MAJOR}


def test_pending_cases_are_not_yet_due_until_the_limit_passes() -> None:
    pending = dev({"person_id": "A1", "applied_on": "2026-08-31"})  # +30 days = 2026-09-30
    assert run("development.interval", pending, D01).status is Status.NOT_APPLICABLE
    overdue = dev({"person_id": "A1", "applied_on": "2026-08-30"})
    out = run("development.interval", overdue, D01)
    assert out.status is Status.FAIL and "no talked_on" in out.items[0].message


def test_conversion_overdue_extended_and_cancelled() -> None:
    base = {"person_id": "A1", "accepted_on": "2025-06-29"}
    assert run("development.interval", dev(base), D06).status is Status.FAIL
    extended = {**base, "extended_until": "2026-10-31"}  # still running at as_of
    assert run("development.interval", dev(extended), D06).status is Status.NOT_APPLICABLE
    cancelled = {**base, "cancelled_on": "2026-01-10"}
    assert run("development.interval", dev(cancelled), D06).status is Status.NOT_APPLICABLE
    at_limit = {"person_id": "A1", "accepted_on": "2025-06-30"}
    assert run("development.interval", dev(at_limit), D06).status is Status.NOT_APPLICABLE


def test_conversion_extension_exempts_until_it_ends_then_three_months() -> None:
    accepted = {"person_id": "A1", "accepted_on": "2025-01-10"}  # normally due 2026-04-10
    # as_of is 2026-09-30: an extension running to as_of or later exempts the case
    for until in ("2026-12-31", "2026-09-30"):
        case = {**accepted, "extended_until": until}
        assert run("development.interval", dev(case), D06).status is Status.NOT_APPLICABLE
    # ended 2026-06-30: conversion due by 2026-09-30, exactly as_of, so not yet late
    ended = {**accepted, "extended_until": "2026-06-30"}
    assert run("development.interval", dev(ended), D06).status is Status.NOT_APPLICABLE
    # ended 2026-06-29: due 2026-09-29, late on as_of
    late = {**accepted, "extended_until": "2026-06-29"}
    out = run("development.interval", dev(late), D06)
    assert out.status is Status.FAIL and out.misses == 1
    [item] = out.items
    assert item.subject.id == "A1" and "2026-09-29" in item.message
    assert "extended_until 2026-06-29 + 3 months" in item.message
    # converted within three months of the extension's end (month-end clamping): on time
    on_time = {**accepted, "extended_until": "2026-05-31", "converted_on": "2026-08-31"}
    assert run("development.interval", dev(on_time), D06).status is Status.PASS
    one_day_late = {**on_time, "converted_on": "2026-09-01"}
    assert run("development.interval", dev(one_day_late), D06).status is Status.FAIL
    # an early extension end never makes the limit earlier than accepted_on + 15 months
    short = {"person_id": "A1", "accepted_on": "2025-07-10", "extended_until": "2026-01-10"}
    assert run("development.interval", dev(short), D06).status is Status.NOT_APPLICABLE
    custom = run("development.interval", dev(late), {**D06, "exempt_grace_months": 6})
    assert custom.status is Status.NOT_APPLICABLE


def test_interval_params_need_a_bound() -> None:
    import pydantic
    import pytest

    from checkers_support import CHECKERS

    with pytest.raises(pydantic.ValidationError, match="give a bound"):
        CHECKERS["development.interval"].parse_params(
            {"from_field": "applied_on", "to_field": "talked_on"}
        )
    with pytest.raises(pydantic.ValidationError, match="not both"):
        CHECKERS["development.interval"].parse_params(
            {"from_field": "applied_on", "to_field": "talked_on", "max_days": 3, "max_months": 1}
        )


def test_training_hours_from_case_or_records() -> None:
    case = {"person_id": "A1", "dev_object_on": "2025-10-01", "accepted_on": "2026-01-10"}
    assert run("development.training", dev({**case, "training_hours": 24})).status is Status.PASS
    out = run("development.training", dev({**case, "training_hours": 16}))
    assert out.status is Status.FAIL and out.items[0].subject.id == "A1"
    none = run("development.training", dev(case))
    assert "no training recorded" in none.items[0].message
    with_record = snap(
        development=[case],
        trainings=[
            {"person_id": "A1", "kind": "dev_object", "start_on": "2025-11-01", "hours": 24}
        ],
    )
    assert run("development.training", with_record).status is Status.PASS
    old = dev({**case, "accepted_on": "2024-01-10"})
    assert run("development.training", old).status is Status.NOT_APPLICABLE


def test_pipeline_24_months() -> None:
    inside = dev({"person_id": "A1", "dev_object_on": "2024-10-01"})
    assert run("development.pipeline", inside).status is Status.PASS
    edge = dev({"person_id": "A1", "dev_object_on": "2024-09-30"})
    out = run("development.pipeline", edge)
    assert out.status is Status.FAIL and out.compliance == 0
    assert run("development.pipeline", inside, {"min": 2}).compliance == 0.5
