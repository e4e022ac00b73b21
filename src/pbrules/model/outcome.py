"""What a checker returns for one organization and one criterion (DESIGN §4).

Outcomes are created tens of millions of times in a large run, so they are slotted dataclasses,
not pydantic models. Result documents (``result.py``) are pydantic.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pbrules.model.note import Note, NoteText

__all__ = ["Outcome", "Severity", "Status", "Subject", "SubjectItem"]


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    NOT_APPLICABLE = "not_applicable"
    ERROR = "error"


class Severity(StrEnum):
    MINOR = "minor"
    MAJOR = "major"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return _SEVERITY_RANK[self]


_SEVERITY_RANK = {Severity.MINOR: 1, Severity.MAJOR: 2, Severity.CRITICAL: 3}

MISSING_DATA = Note("outcome.missing_data", "missing data: {what}", "数据缺失：{what}")
NOTHING_TO_COUNT = Note("outcome.nothing_to_count", "nothing to count", "无可计数事项")

#: the shared ``not_applicable`` outcomes by note (:meth:`Outcome.not_applicable`), at most
#: this many (then started afresh)
_NOT_APPLICABLE: dict[tuple[str, str | None, str], Outcome] = {}
_NOT_APPLICABLE_KEPT = 4096


@dataclass(frozen=True, slots=True)
class Subject:
    """What a per-subject finding is about: ``{type: member, id: M12}``."""

    type: str
    id: str

    def __reduce__(self) -> tuple[Any, ...]:  # a plain call: pickles far faster (--jobs)
        return (Subject, (self.type, self.id))


@dataclass(frozen=True, slots=True)
class SubjectItem:
    """One failing subject inside an outcome (a member in arrears, a development case...).

    Each becomes its own finding. ``severity`` overrides the criterion's severity when set
    (e.g. six months of unpaid dues is critical). ``message`` is appended to the criterion's
    rendered message.
    """

    subject: Subject
    message: str = ""
    evidence: tuple[str, ...] = ()
    severity: Severity | None = None

    def __reduce__(self) -> tuple[Any, ...]:
        return (SubjectItem, (self.subject, self.message, self.evidence, self.severity))


#: sets a field of a frozen instance (what a frozen dataclass's own ``__init__`` calls)
_set = object.__setattr__


def _refuse(compliance: float, misses: int) -> None:
    """Raise the ``ValueError`` of an outcome's compliance outside [0, 1] or negative misses."""
    if not 0.0 <= compliance <= 1.0:
        raise ValueError(f"compliance {compliance} is outside [0, 1]")
    if misses < 0:
        raise ValueError(f"misses {misses} is negative")


@dataclass(frozen=True, slots=True, init=False)
class Outcome:
    """The result of one checker on one organization.

    - ``status``: pass | fail | not_applicable | error.
    - ``compliance``: in [0, 1]; 1.0 for a pass. Used by ``proportional`` scoring.
    - ``misses``: count of missed requirements; used by ``deduct`` scoring.
    - ``actual`` / ``expected``: what was found and what was required (shown in messages).
    - ``evidence``: record ids behind the outcome (the misses, or what satisfied it).
    - ``items``: per-subject failures, each its own finding.
    - ``note``: a short explanation, e.g. ``missing data: no dues rows``; a
      :class:`~pbrules.model.note.NoteText` from a declared :class:`~pbrules.model.note.Note`
      also carries it in Chinese (a plain string has English only).
    """

    status: Status
    compliance: float = 1.0
    misses: int = 0
    actual: Any = None
    expected: Any = None
    evidence: tuple[str, ...] = ()
    items: tuple[SubjectItem, ...] = field(default=())
    note: str = ""

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled as a constructor call (worker processes send millions of outcomes back)."""
        fields = (self.compliance, self.misses, self.actual, self.expected, self.evidence)
        return (Outcome, (self.status, *fields, self.items, self.note))

    def __init__(
        self,
        status: Status,
        compliance: float = 1.0,
        misses: int = 0,
        actual: Any = None,
        expected: Any = None,
        evidence: tuple[str, ...] = (),
        items: tuple[SubjectItem, ...] = (),
        note: str = "",
    ) -> None:
        """The dataclass's own ``__init__`` written out, with its checks first: the generated
        one looks ``object.__setattr__`` up for each field, then calls ``__post_init__`` (a
        large run makes tens of millions of outcomes, about 35 an organization)."""
        if not 0.0 <= compliance <= 1.0 or misses < 0:
            _refuse(compliance, misses)
        _set(self, "status", status)
        _set(self, "compliance", compliance)
        _set(self, "misses", misses)
        _set(self, "actual", actual)
        _set(self, "expected", expected)
        _set(self, "evidence", evidence)
        _set(self, "items", items)
        _set(self, "note", note)

    def __post_init__(self) -> None:
        """The same checks for a subclass made a dataclass (its generated ``__init__`` calls
        this, not the one above)."""
        if not 0.0 <= self.compliance <= 1.0 or self.misses < 0:
            _refuse(self.compliance, self.misses)

    # Convenience constructors keep checkers short and uniform.
    @classmethod
    def not_applicable(cls, note: str = "") -> Outcome:
        """A ``not_applicable`` outcome; one shared outcome per note (outcomes are immutable,
        and checkers give the same few notes again and again)."""
        key: tuple[str, str | None, str]
        if type(note) is NoteText:  # equal English may come with other Chinese
            key = (note, note.zh, note.key)
        elif type(note) is str:
            key = (note, None, "")
        else:
            return cls(Status.NOT_APPLICABLE, compliance=1.0, note=note)
        if cls is not Outcome:
            return cls(Status.NOT_APPLICABLE, compliance=1.0, note=note)
        outcome = _NOT_APPLICABLE.get(key)
        if outcome is None:
            if len(_NOT_APPLICABLE) >= _NOT_APPLICABLE_KEPT:
                _NOT_APPLICABLE.clear()
            outcome = _NOT_APPLICABLE[key] = cls(Status.NOT_APPLICABLE, compliance=1.0, note=note)
        return outcome

    @classmethod
    def error(cls, note: str) -> Outcome:
        return cls(Status.ERROR, compliance=0.0, note=note)

    @classmethod
    def missing_data(cls, what: str) -> Outcome:
        """A failure because the facts needed are missing; never a guess."""
        return cls(Status.FAIL, compliance=0.0, misses=1, note=MISSING_DATA(what=what))

    @classmethod
    def at_least(cls, found: tuple[str, ...], minimum: int, *, short_note: str = "") -> Outcome:
        """Pass when at least ``minimum`` qualifying records were ``found`` (their ids).

        Compliance is ``found / minimum`` capped at 1; misses are the records still missing.
        ``short_note`` explains a failure.
        """
        n = len(found)
        ok = n >= minimum
        return cls(
            Status.PASS if ok else Status.FAIL,
            compliance=1.0 if minimum <= 0 else min(1.0, n / minimum),
            misses=max(0, minimum - n),
            actual=n,
            expected=minimum,
            evidence=found,
            note="" if ok else short_note,
        )

    @classmethod
    def ratio(
        cls,
        satisfied: int,
        total: int,
        *,
        target: float = 1.0,
        evidence: tuple[str, ...] = (),
        items: tuple[SubjectItem, ...] = (),
        note: str = "",
    ) -> Outcome:
        """Pass when ``satisfied / total >= target``; compliance is the ratio over the target.

        ``misses`` is the number of unsatisfied units. ``total == 0`` is not applicable.
        """
        if total <= 0:
            return cls.not_applicable(note or NOTHING_TO_COUNT())
        share = satisfied / total
        compliance = 1.0 if target <= 0 else min(1.0, share / target)
        return cls(
            Status.PASS if share >= target else Status.FAIL,
            compliance=compliance,
            misses=total - satisfied,
            actual=satisfied,
            expected=total,
            evidence=evidence,
            items=items,
            note=note,
        )
