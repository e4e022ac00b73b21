"""The compiled form of a pattern: plain, picklable data both backends read."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["MAX_MATCHES", "Atom", "Element", "Operand", "Plan"]

#: Matches of one pattern in one organization beyond which the outcome is an error (a pattern
#: without joins over long lists would otherwise grow as the product of their lengths). Both
#: backends stop collecting at ``MAX_MATCHES + 1``.
MAX_MATCHES = 10_000


@dataclass(frozen=True, slots=True)
class Operand:
    """``lit``: a literal (encoded); ``ref``: field of element ``element``; ``ctx``: a window
    bound (``ps``/``pe`` day numbers, ``pms``/``pme`` months, ``asof``); ``offset`` days added."""

    kind: Literal["lit", "ref", "ctx"]
    value: Any = None
    element: int = -1
    field: str = ""
    offset: int = 0


@dataclass(frozen=True, slots=True)
class Atom:
    """``field op operand``; ``op`` is one of eq ne lt le gt ge, or ``null`` / ``notnull``."""

    field: str
    op: str
    operand: Operand | None = None
    dates: bool = False  # an order between dates: both sides must be day numbers


@dataclass(frozen=True, slots=True)
class Element:
    index: int
    of: str
    negated: bool
    atoms: tuple[Atom, ...]
    anys: tuple[tuple[tuple[Atom, ...], ...], ...]


@dataclass(frozen=True, slots=True)
class Plan:
    elements: tuple[Element, ...]
    subject_type: str
    subject_element: int
    subject_field: str

    @property
    def lists(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.of for e in self.elements))
