"""Values derived from snapshot records, never stored (DESIGN §12.1).

- ``age``: whole years from ``birth_date`` to ``as_of``. On the birthday itself the new age
  counts. A 29 February birthday is reached on 1 March in a common year (the day after 28
  February), so a person born 2000-02-29 is 25 on 2025-03-01 and still 24 on 2025-02-28.
- ``tenure_years``: whole years from ``appointed_on`` to ``as_of`` by the same anniversary rule.

Both are ``None`` when the start date is unknown or after ``as_of`` (no negative ages).
"""

from __future__ import annotations

from datetime import date

__all__ = ["age", "tenure_years", "whole_years"]


def whole_years(start: date | None, as_of: date) -> int | None:
    """Whole years from ``start`` to ``as_of``; the anniversary itself counts.

    ``None`` when ``start`` is unknown or later than ``as_of``.
    """
    if start is None or start > as_of:
        return None
    years = as_of.year - start.year
    if (as_of.month, as_of.day) < (start.month, start.day):
        years -= 1
    return years


def age(birth_date: date | None, as_of: date) -> int | None:
    """A person's age in whole years at ``as_of`` (the birthday counts)."""
    return whole_years(birth_date, as_of)


def tenure_years(appointed_on: date | None, as_of: date) -> int | None:
    """Whole years a post has been held at ``as_of`` (the anniversary counts)."""
    return whole_years(appointed_on, as_of)
