"""Small helpers shared by the generator's steps: seeded generators, dates, dues, ids."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from pbrules.model.period import Month
from pbrules.testing.synth.names import GIVEN, SURNAMES

BRANCH_KINDS = ("branch", "general_branch", "joint_branch")
SUPERVISORS = ("township_committee", "street_working_committee", "system_sub_committee")


def rng_for(seed: int, *parts: object) -> random.Random:
    """A generator seeded by ``seed`` and ``parts``: each record draws from its own stream."""
    return random.Random("/".join(str(p) for p in (seed, *parts)))


def person_name(rng: random.Random) -> str:
    return f"{rng.choice(SURNAMES)} {rng.choice(GIVEN)}"


def day_between(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    return start + timedelta(days=rng.randint(0, (end - start).days))


def day_in(rng: random.Random, month: str, lo: int = 1, hi: int = 28) -> date:
    m = Month.parse(month)
    return date(m.year, m.month, rng.randint(lo, hi))


def iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


def clean(d: dict[str, Any]) -> dict[str, Any]:
    """``d`` without its empty values (None, [] and {})."""
    return {k: v for k, v in d.items() if v is not None and v != [] and v != {}}


def isoformat_dates(d: dict[str, Any]) -> dict[str, Any]:
    """``d`` cleaned, with its dates written as ISO strings."""
    return clean({k: iso(v) if isinstance(v, date) else v for k, v in d.items()})


_EMPLOYED_RATES = ((3000, "0.005"), (5000, "0.01"), (10000, "0.015"))
_RETIRED_RATES = ((5000, "0.005"),)


def dues_rate(category: str, income: float | None) -> Decimal | None:
    """The monthly dues for a member (Dues Regulation 2008 brackets); ``None`` if unknown."""
    if category in ("farmer", "student", "unemployed"):
        return Decimal("0.2")
    if income is None:
        return None
    inc = Decimal(str(income))
    if category == "employed":
        rate = next((Decimal(r) for top, r in _EMPLOYED_RATES if inc <= top), Decimal("0.02"))
    elif category == "retired":
        rate = next((Decimal(r) for top, r in _RETIRED_RATES if inc <= top), Decimal("0.01"))
    else:
        return None
    amount = (inc * rate).quantize(Decimal("0.01"), rounding=ROUND_CEILING)
    # a checker computing rate * income in binary floating point must still see it paid
    while float(amount) < float(rate) * float(inc):
        amount += Decimal("0.01")
    return amount


class EventIds:
    """Meeting ids ``E<yyyymmdd>-<n>``, numbered within each day."""

    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def __call__(self, d: date) -> str:
        key = d.strftime("%Y%m%d")
        self.counts[key] = self.counts.get(key, 0) + 1
        return f"E{key}-{self.counts[key]}"
