"""Shared helpers of the built-in checkers: calendar windows, date limits, subjects.

Window rules (docs/checkers.md, "Calendar windows"):

- ``per: month`` gives one window per calendar month of the period; ``quarter`` / ``half`` /
  ``year`` give the calendar quarters / halves / years that overlap the period; ``period`` is the
  period itself.
- A window is *required* when it has ended by ``as_of`` and the organization existed on its first
  day (``founded_on`` empty or on/before the window start). A window that is not required still
  counts when it is already satisfied (a month in progress with its meeting held), so adding a
  qualifying record never lowers compliance.
- A record counts for a window when its date is within the window and not after ``as_of``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from typing import Literal

from pbrules.checker import Note, NoteText, listing, term
from pbrules.model.outcome import Outcome, Status, Subject
from pbrules.model.period import Month, Period, PeriodKind, add_months

__all__ = [
    "WINDOW_NOTES",
    "Per",
    "Window",
    "add_interval",
    "window_frequency",
    "window_spans",
    "windows",
]

Per = Literal["month", "quarter", "half", "year", "period"]

_KIND: dict[str, PeriodKind] = {
    "quarter": PeriodKind.QUARTER,
    "half": PeriodKind.HALF,
    "year": PeriodKind.YEAR,
}

#: the notes of :func:`window_frequency` (listed by the checkers that use it)
NOT_DUE = Note("window.not_due", "no {per} window due by {as_of}", "截至{as_of}无到期的考核{per}")
SHORT_IN = Note("window.short", "{short} in {windows}", "{windows}期间{short}")
WINDOW_NOTES = (NOT_DUE, SHORT_IN)


@dataclass(frozen=True, slots=True)
class Window:
    """A calendar window a requirement is counted in."""

    label: str
    start: date
    end: date


@lru_cache(maxsize=256)
def windows(per: Per, period: Period) -> tuple[Window, ...]:
    """The windows of kind ``per`` that make up (or overlap) ``period``, in order (cached)."""
    if per == "period":
        return (Window(str(period), period.start, period.end),)
    if per == "month":
        out = []
        first = period.first_month
        for i in range(period.n_months):
            m: Month = first.shift(i)
            out.append(Window(str(m), m.start, m.end))
        return tuple(out)
    kind = _KIND[per]
    found: list[Window] = []
    p = Period.containing(period.start, kind)
    while p.start <= period.end:
        found.append(Window(str(p), p.start, p.end))
        p = p.next()
    return tuple(found)


@lru_cache(maxsize=256)
def window_spans(per: Per, period: Period, as_of: date) -> tuple[tuple[str, date, date, bool], ...]:
    """``(label, first day, last day counted, ended by as_of)`` of each of :func:`windows`: the
    same for every organization of a run, so worked out once (cached), not per criterion."""
    return tuple(
        (w.label, w.start, min(w.end, as_of), w.end <= as_of) for w in windows(per, period)
    )


def window_frequency(
    units: Iterable[tuple[str, Sequence[tuple[str, date]]]],
    per: Per,
    period: Period,
    as_of: date,
    founded_on: date | None,
    minimum: int,
    short: Callable[[], NoteText],
) -> Outcome:
    """At least ``minimum`` records in every window, for each unit (a party group, or ``""``).

    ``units`` are (label prefix, [(record id, record date)]). One miss per required window that
    falls short (labelled ``window`` or ``prefix:window``); evidence is the missed windows, or
    the records that satisfied a pass. ``short()`` words the note, ``"<short> in <windows>"``
    (called on a failure only). Not applicable when no window is due.
    """
    satisfied = due = 0
    missed: list[str] = []
    used: list[str] = []
    spans = window_spans(per, period, as_of)
    for prefix, records in units:
        for label, start, last, ended in spans:
            inside = [rid for rid, d in records if start <= d <= last]
            if len(inside) >= minimum:
                satisfied += 1
                due += 1
                used.extend(inside)
            elif ended and (founded_on is None or founded_on <= start):  # due: ended, org existed
                due += 1
                missed.append(f"{prefix}:{label}" if prefix else label)
    if due == 0:
        return Outcome.not_applicable(NOT_DUE(per=term(per), as_of=as_of))
    return Outcome(
        Status.PASS if not missed else Status.FAIL,
        compliance=satisfied / due,
        misses=len(missed),
        actual=satisfied,
        expected=due,
        evidence=tuple(missed) if missed else tuple(used),
        note=SHORT_IN(short=short(), windows=listing(missed)) if missed else "",
    )


def add_interval(d: date, *, days: int | None = None, months: int | None = None) -> date:
    """``d`` plus a number of days or calendar months (month-end clamped: see ``add_months``)."""
    if months is not None:
        return add_months(d, months)
    return d + timedelta(days=days or 0)


def subject(kind: str, ident: str) -> Subject:
    return Subject(type=kind, id=ident)


def sorted_ids(ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(sorted(set(ids)))


def join_ids(ids: Sequence[str], limit: int = 8) -> str:
    """A short, human list of ids: ``M1, M2, M3 and 4 more``."""
    if len(ids) <= limit:
        return ", ".join(ids)
    return ", ".join(ids[:limit]) + f" and {len(ids) - limit} more"
