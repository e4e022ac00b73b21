"""Person fields of snapshot v2 (DESIGN §12.1): gender, birth date, education, occupation, tags.

The fields are drawn from generators of their own, so adding them leaves every v1 field as it
was. A member's birth date fits the date the member joined (at 18 or older); education follows
the birth year (older villagers went to school less); occupation follows the organization's
category.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

__all__ = ["EDUCATION", "birth_for_age", "education_for", "occupation_for", "person_fields"]

#: the education scale, lowest first (the order the snapshot model compares on)
EDUCATION = (
    "primary",
    "junior_high",
    "senior_high",
    "vocational",
    "associate",
    "bachelor",
    "postgraduate",
)
_AS_OF = date(2026, 9, 30)

#: share of women among members, by organization category
_WOMEN = {
    "village": 0.22,
    "community": 0.55,
    "school": 0.55,
    "institution": 0.5,
    "agency": 0.35,
    "state_enterprise": 0.3,
    "nonpublic_enterprise": 0.35,
    "other": 0.3,
}
_OCCUPATIONS = {
    "village": ("farmer", "farmer", "farmer", "migrant_worker", "self_employed", "worker"),
    "community": ("retired", "enterprise_staff", "self_employed", "worker", "retired", "other"),
    "school": ("teacher",),
    "institution": ("medical", "medical", "other", "teacher"),
    "agency": ("civil_servant",),
    "state_enterprise": ("enterprise_staff", "worker"),
    "nonpublic_enterprise": ("enterprise_staff", "worker", "enterprise_staff"),
    "other": ("retired",),
}
#: (born before, weights over EDUCATION) for villages and communities
_RURAL_EDUCATION = (
    (1955, (50, 35, 12, 3, 0, 0, 0)),
    (1965, (25, 45, 22, 6, 2, 0, 0)),
    (1975, (8, 40, 32, 12, 6, 2, 0)),
    (1985, (2, 22, 34, 20, 15, 7, 0)),
    (9999, (0, 8, 22, 22, 28, 19, 1)),
)
_URBAN_EDUCATION = (
    (1960, (2, 10, 30, 18, 25, 15, 0)),
    (1975, (0, 3, 12, 10, 30, 40, 5)),
    (9999, (0, 0, 3, 5, 17, 55, 20)),
)


def birth_for_age(rng: random.Random, lo: int, hi: int, as_of: date = _AS_OF) -> date:
    """A birth date of someone aged between ``lo`` and ``hi`` at ``as_of``."""
    age = rng.randint(lo, hi)
    return date(as_of.year - age, 1, 1) - timedelta(days=rng.randint(0, 364))


def education_for(rng: random.Random, birth: date, category: str | None) -> str:
    table = _RURAL_EDUCATION if category in ("village", "community", None) else _URBAN_EDUCATION
    weights = next(w for top, w in table if birth.year < top)
    return rng.choices(EDUCATION, weights=weights)[0]


def occupation_for(rng: random.Random, category: str | None, birth: date) -> str:
    if _AS_OF.year - birth.year >= 63 and category != "other":
        return (
            "retired"
            if rng.random() < 0.7
            else rng.choice(_OCCUPATIONS.get(category or "", ("other",)))
        )
    return rng.choice(_OCCUPATIONS.get(category or "", ("other",)))


def person_fields(
    rng: random.Random,
    category: str | None,
    birth: date,
    *,
    female: bool | None = None,
    wealth_leader: bool = False,
) -> dict[str, Any]:
    """Gender, birth date, education, occupation and tags of one person."""
    if female is None:
        female = rng.random() < _WOMEN.get(category or "", 0.35)
    tags: list[str] = []
    if wealth_leader:
        tags.append("wealth_leader")
    if not female and rng.random() < 0.08:
        tags.append("veteran")
    return {
        "gender": "female" if female else "male",
        "birth_date": birth,
        "education": education_for(rng, birth, category),
        "occupation": occupation_for(rng, category, birth),
        "tags": tags,
    }
