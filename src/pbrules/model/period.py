"""Evaluation periods: ``2026Q3``, ``2026-07``, ``2026H2``, ``2026``; and calendar months.

A :class:`Period` knows its first and last day, its months, its neighbours and the selector
tokens it matches (``Q4``, ``H2``, ``year``...) used by ``applies_to.periods``.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import lru_cache
from typing import Any

from pydantic import GetCoreSchemaHandler, GetJsonSchemaHandler
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import core_schema

__all__ = ["Month", "Period", "PeriodKind", "add_months", "month_end", "month_of"]


class PeriodKind(StrEnum):
    MONTH = "month"
    QUARTER = "quarter"
    HALF = "half"
    YEAR = "year"


_MONTHS_IN = {PeriodKind.MONTH: 1, PeriodKind.QUARTER: 3, PeriodKind.HALF: 6, PeriodKind.YEAR: 12}
_PERIOD_RE = re.compile(r"^(?P<y>\d{4})(?:(?P<q>Q[1-4])|(?P<h>H[12])|-(?P<m>0[1-9]|1[0-2]))?$")
_MONTH_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
PERIOD_PATTERN = r"^\d{4}(Q[1-4]|H[12]|-(0[1-9]|1[0-2]))?$"
MONTH_PATTERN = r"^\d{4}-(0[1-9]|1[0-2])$"


@lru_cache(maxsize=4096)
def _days_in(year: int, month: int) -> int:
    return calendar.monthrange(year, month)[1]


def month_end(year: int, month: int) -> date:
    """Last day of a calendar month."""
    return date(year, month, _days_in(year, month))


def add_months(d: date, months: int) -> date:
    """``d`` moved by ``months`` calendar months, clamped to month end (Jan 31 + 1: Feb 28/29)."""
    total = d.year * 12 + (d.month - 1) + months
    year, month0 = divmod(total, 12)
    return date(year, month0 + 1, min(d.day, _days_in(year, month0 + 1)))


#: the first and last years a period may be in (dates computed from a period stay in range)
MIN_YEAR = 1900
MAX_YEAR = 2999


@dataclass(frozen=True, order=True, slots=True)
class Month:
    """A calendar month, written ``YYYY-MM``."""

    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        m = _MONTH_RE.match(text)
        if not m:
            raise ValueError(f"invalid month {text!r}: expected YYYY-MM")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, d: date) -> Month:
        return cls(d.year, d.month)

    @property
    def start(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def end(self) -> date:
        return month_end(self.year, self.month)

    def shift(self, months: int) -> Month:
        total = self.year * 12 + self.month - 1 + months
        return Month(total // 12, total % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def month_of(d: date) -> str:
    """``YYYY-MM`` of a date (the form dues rows use)."""
    return f"{d.year:04d}-{d.month:02d}"


@dataclass(frozen=True, slots=True)
class Period:
    """An evaluation period. Parse with :meth:`parse`; ``str()`` gives the canonical text.

    ``index`` is the month (1-12), quarter (1-4) or half (1-2); 1 for a year.
    """

    kind: PeriodKind
    year: int
    index: int = 1

    # -- construction ---------------------------------------------------------------------
    @classmethod
    def parse(cls, text: str | Period) -> Period:
        if isinstance(text, Period):
            return text
        if isinstance(text, int) and not isinstance(text, bool):
            # YAML and JSON read an unquoted 2026 as a number
            raise ValueError(f'invalid period {text!r}: a number; write it as text, "{text}"')
        if not isinstance(text, str):
            raise ValueError(
                f"invalid period {text!r}: expected e.g. 2026Q3, 2026-07, 2026H2 or 2026"
            )
        m = _PERIOD_RE.match(text.strip())
        if not m:
            raise ValueError(
                f"invalid period {text!r}: expected e.g. 2026Q3, 2026-07, 2026H2 or 2026"
            )
        year = int(m.group("y"))
        if year < MIN_YEAR:
            raise ValueError(f"invalid period {text!r}: year before {MIN_YEAR}")
        if year > MAX_YEAR:
            # due dates and overdue checks add months and days to the period's end
            raise ValueError(f"invalid period {text!r}: year after {MAX_YEAR}")
        if m.group("q"):
            return cls(PeriodKind.QUARTER, year, int(m.group("q")[1]))
        if m.group("h"):
            return cls(PeriodKind.HALF, year, int(m.group("h")[1]))
        if m.group("m"):
            return cls(PeriodKind.MONTH, year, int(m.group("m")))
        return cls(PeriodKind.YEAR, year, 1)

    @classmethod
    def containing(cls, d: date, kind: PeriodKind | str) -> Period:
        """The period of ``kind`` that contains ``d``."""
        kind = PeriodKind(kind)
        size = _MONTHS_IN[kind]
        return cls(kind, d.year, (d.month - 1) // size + 1)

    # -- calendar ---------------------------------------------------------------------------
    @property
    def n_months(self) -> int:
        return _MONTHS_IN[self.kind]

    @property
    def first_month(self) -> Month:
        return Month(self.year, (self.index - 1) * self.n_months + 1)

    @property
    def start(self) -> date:
        return self.first_month.start

    @property
    def end(self) -> date:
        return self.first_month.shift(self.n_months - 1).end

    @property
    def months(self) -> tuple[str, ...]:
        """The period's months as ``YYYY-MM`` strings, in order."""
        first = self.first_month
        return tuple(str(first.shift(i)) for i in range(self.n_months))

    def contains(self, d: date) -> bool:
        return self.start <= d <= self.end

    def previous(self) -> Period:
        return self.shift(-1)

    def next(self) -> Period:
        return self.shift(1)

    def shift(self, steps: int) -> Period:
        per_year = 12 // self.n_months
        total = self.year * per_year + (self.index - 1) + steps
        return Period(self.kind, total // per_year, total % per_year + 1)

    @property
    def tokens(self) -> frozenset[str]:
        """Selector tokens this period matches in ``applies_to.periods``.

        A quarter matches ``quarter`` and ``Q1``..``Q4``; a half ``half``, ``H1``/``H2``; a year
        ``year``; a month ``month`` and ``M01``..``M12``. The period that closes a year (Q4, H2,
        the year itself, December) also matches ``year_end``.
        """
        own = {
            PeriodKind.MONTH: f"M{self.index:02d}",
            PeriodKind.QUARTER: f"Q{self.index}",
            PeriodKind.HALF: f"H{self.index}",
            PeriodKind.YEAR: "year",
        }[self.kind]
        tokens = {self.kind.value, own}
        if self.end.month == 12:
            tokens.add("year_end")
        return frozenset(tokens)

    def __str__(self) -> str:
        if self.kind is PeriodKind.QUARTER:
            return f"{self.year:04d}Q{self.index}"
        if self.kind is PeriodKind.HALF:
            return f"{self.year:04d}H{self.index}"
        if self.kind is PeriodKind.MONTH:
            return f"{self.year:04d}-{self.index:02d}"
        return f"{self.year:04d}"

    def __repr__(self) -> str:
        return f"Period({str(self)!r})"

    def __lt__(self, other: Period) -> bool:
        return (self.start, self.end) < (other.start, other.end)

    # -- pydantic integration ------------------------------------------------------------------
    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_plain_validator_function(
            _validate_period,
            serialization=core_schema.plain_serializer_function_ser_schema(str),
        )

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: core_schema.CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "type": "string",
            "pattern": PERIOD_PATTERN,
            "examples": ["2026Q3", "2026-07", "2026H2", "2026"],
        }


def _validate_period(value: Any) -> Period:
    """:meth:`Period.parse` as a field validator, cached for text: every snapshot of a run names
    the same period (a failure is not cached: it raises again, with the same message)."""
    return _parse_text(value) if type(value) is str else Period.parse(value)


@lru_cache(maxsize=256)
def _parse_text(text: str) -> Period:
    return Period.parse(text)
