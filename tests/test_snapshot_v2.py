"""Snapshot v2 fields (DESIGN §12.1) and the derived values ``age`` / ``tenure_years``."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from pydantic import ValidationError

from pbrules.model.derived import age, tenure_years, whole_years
from pbrules.model.snapshot import Education, Snapshot

BASE: dict[str, Any] = {
    "period": "2026Q3",
    "organization": {"id": "V01", "name": "Village", "kind": "branch"},
}


def _snap(**lists: Any) -> Snapshot:
    return Snapshot.model_validate({**BASE, **lists})


def test_v1_snapshot_has_empty_v2_lists_and_null_person_fields() -> None:
    snap = _snap(
        members=[{"id": "M1"}], committee=[{"person_id": "M1", "appointed_on": "2021-01-01"}]
    )
    for name in ("village_committee", "reserve_cadres", "bodies", "documents", "facilities",
                 "feedback", "campaigns"):
        assert getattr(snap, name) == ()
    member = snap.members[0]
    assert (member.gender, member.birth_date, member.education, member.post) == (None,) * 4
    assert member.tags == () and snap.committee[0].tags == ()


def test_person_fields_on_every_person_record() -> None:
    person = {"gender": "female", "birth_date": "1990-01-01", "education": "bachelor",
              "occupation": "farmer", "tags": ["wealth_leader"]}
    snap = _snap(
        members=[{"id": "M1", "post": "mediator", **person}],
        committee=[{"person_id": "M1", "appointed_on": "2021-01-01", **person}],
        village_committee=[{"person_id": "M1", "appointed_on": "2021-01-01", "role": "director",
                            "party_member": True, **person}],
        development=[{"person_id": "A1", **person}],
        reserve_cadres=[{"person_id": "R1", "identified_on": "2025-01-01", **person}],
    )
    for record in (snap.members[0], snap.committee[0], snap.village_committee[0],
                   snap.development[0], snap.reserve_cadres[0]):
        assert record.education is Education.BACHELOR and record.tags == ("wealth_leader",)
    assert snap.members[0].post == "mediator"


@pytest.mark.parametrize(
    ("lists", "message"),
    [
        ({"documents": [{"id": "D1", "kind": "annual_plan"}]}, "issued_on or year"),
        ({"reserve_cadres": [{"person_id": "R1"}]}, "identified_on"),
        ({"feedback": [{"id": "K1"}]}, "found_on"),
        ({"campaigns": [{"id": "C1", "kind": "x"}]}, "started_on"),
        ({"bodies": [{"id": "B1"}]}, "kind"),
        ({"bodies": [{"id": "B1", "kind": "a"}, {"id": "B1", "kind": "b"}]}, "bodies: duplicate"),
        ({"feedback": [{"id": "K1", "found_on": "2026-07-01", "rectified_on": "2026-06-01"}]},
         "rectified_on"),
        ({"campaigns": [{"id": "C1", "kind": "x", "started_on": "2026-01-01",
                         "steps": [{"name": "plan"}, {"name": "plan"}]}]}, "duplicate name"),
        ({"members": [{"id": "M1", "gender": "woman"}]}, "gender"),
        ({"members": [{"id": "M1", "tags": ["x"], "psot": "a"}]}, "psot"),
        ({"village_committee": [{"person_id": "P1", "appointed_on": "2021-01-01",
                                 "role": "secretary"}]}, "role"),
    ],
)
def test_v2_records_are_checked(lists: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        _snap(**lists)


@pytest.mark.parametrize(
    ("born", "as_of", "expected"),
    [
        (date(1990, 7, 1), date(2025, 7, 1), 35),  # the birthday itself counts
        (date(1990, 7, 1), date(2025, 6, 30), 34),
        (date(2000, 2, 29), date(2025, 2, 28), 24),  # Feb 29 births: reached on 1 March
        (date(2000, 2, 29), date(2025, 3, 1), 25),
        (date(2000, 2, 29), date(2024, 2, 29), 24),
        (date(2026, 1, 2), date(2026, 1, 1), None),  # born after as_of: unknown, never negative
        (None, date(2026, 1, 1), None),
    ],
)
def test_age_in_whole_years(born: date | None, as_of: date, expected: int | None) -> None:
    assert age(born, as_of) == expected == whole_years(born, as_of)


def test_tenure_years_follows_the_anniversary() -> None:
    assert tenure_years(date(2021, 5, 10), date(2026, 5, 9)) == 4
    assert tenure_years(date(2021, 5, 10), date(2026, 5, 10)) == 5
