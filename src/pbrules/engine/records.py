"""Criterion records, each distinct one made once and shared by the organizations that have it.

An organization's result carries one record per criterion (51 in the district pack), and most
organizations share most of their records: the same ``not_applicable`` note, the same full pass
of the same count (about 1,800 distinct records among 103,000 in a 2,000-organization district).
:class:`Records` keeps each distinct record once, found again by its values, and the record keeps
what is made from it, so that is made once too:

- its validated :class:`~pbrules.model.result.CriterionResult` (:meth:`CriterionRecord.model`),
  which :func:`org_model` puts in an organization's ``OrgResult`` instead of validating the
  record again;
- its JSON as the streamed document writes it (``CriterionRecord.texts``, filled by
  :class:`pbrules.engine.plain_json.CriteriaJSON`).

A record is shared only when equal values are the same values, so that sharing changes no
value of a result: ``actual`` and ``expected`` of type ``None``, ``int`` or ``str`` (not
``bool``: ``True == 1``; not ``float``: ``0.0 == -0.0``; not a container, which could be
changed, and ``(1,) == (1.0,)``; not a ``NoteText``, which carries its Chinese), ``misses`` an
``int`` or ``None``, and no score ``-0.0``. The scores (``earned``, ``max``, ``compliance``)
become ``float`` in the model whatever number they are given as, and the ``note`` a ``str``.
Any other record is made for its organization alone, as a plain dict.

Sharing is safe because nothing changes a record once made (the engine reads them; the result
models are frozen and their values here immutable). An ``OrgResult`` still gets its own
``criteria`` list, so changing one organization's list never changes another's.
"""

from __future__ import annotations

from math import copysign
from typing import TYPE_CHECKING, Any

from pbrules.engine.compile import outcome_points
from pbrules.engine.scoring import NOT_COUNTED, CriterionPoints
from pbrules.model.note import note_zh
from pbrules.model.outcome import Outcome
from pbrules.model.result import CriterionResult, OrgResult

if TYPE_CHECKING:
    from pbrules.engine.compile import Compiled

__all__ = ["CriterionRecord", "Records", "org_model"]

#: a record's keys: ``CriterionResult``'s fields, in order
KEYS = tuple(CriterionResult.model_fields)
#: the exact types of ``actual`` / ``expected`` (and ``misses``) whose equal values are the same
_PLAIN = frozenset({type(None), int, str})
_COUNT = frozenset({type(None), int})


class CriterionRecord(dict[str, Any]):
    """A criterion record shared by every organization that has it (never changed once made),
    with what is made from it: its model (:meth:`model`) and its JSON texts by indentation
    (``texts``, :class:`pbrules.engine.plain_json.CriteriaJSON`)."""

    __slots__ = ("_model", "texts")

    def __init__(self, values: tuple[Any, ...]) -> None:
        super().__init__(zip(KEYS, values, strict=True))
        self._model: CriterionResult | None = None
        self.texts: dict[int, bytes] = {}

    def model(self) -> CriterionResult:
        """The record validated, once (a frozen model of immutable values: shared as well)."""
        model = self._model
        if model is None:
            model = self._model = CriterionResult.model_validate(self)
        return model


class Records:
    """The criterion records of one engine, each distinct one made once (at most ``limit``
    kept, then started afresh)."""

    def __init__(self, zh: bool, limit: int = 4096) -> None:
        self._zh = zh  # records carry note_zh (a pack with Chinese text)
        self._limit = limit
        self._known: dict[tuple[Any, ...], CriterionRecord] = {}
        # criterion id and id() of a not-applicable outcome -> that outcome and its record
        self._by_outcome: dict[tuple[str, int], tuple[Outcome, CriterionRecord]] = {}
        # criterion id -> its last not-applicable outcome found there and its record
        self._last: dict[str, tuple[Outcome, CriterionRecord]] = {}
        # criterion id and an outcome's values -> its points and shared record (:meth:`scored`)
        self._scored: dict[tuple[Any, ...], tuple[CriterionPoints, CriterionRecord]] = {}

    def record(self, criterion_id: str, outcome: Outcome, pts: CriterionPoints) -> dict[str, Any]:
        """The record of a criterion's ``outcome`` and points, shared when it can be."""
        note = outcome.note
        actual, expected, misses = outcome.actual, outcome.expected, outcome.misses
        earned, most, compliance = pts.earned, pts.max, outcome.compliance
        values = (
            criterion_id,
            outcome.status,
            earned,
            most,
            actual,
            expected,
            compliance,
            misses,
            note or None,
            note_zh(note) if self._zh and note else None,  # result_note_zh, without its call
        )
        if not (
            type(actual) in _PLAIN
            and type(expected) in _PLAIN
            and type(misses) in _COUNT
            # no score -0.0: a zero (false) must be +0.0
            and (earned or copysign(1.0, earned) > 0.0)
            and (most or copysign(1.0, most) > 0.0)
            and (compliance or copysign(1.0, compliance) > 0.0)
        ):
            return dict(zip(KEYS, values, strict=True))  # this organization's alone
        record = self._known.get(values)
        if record is None:
            if len(self._known) >= self._limit:
                self._known.clear()
                self._by_outcome.clear()
                self._scored.clear()
                self._last.clear()
            record = self._known[values] = CriterionRecord(values)
        return record

    def scored(self, c: Compiled, outcome: Outcome) -> tuple[CriterionPoints, dict[str, Any]]:
        """A scored outcome's points (:func:`~pbrules.engine.compile.outcome_points`, no
        waivers) and record (:meth:`record`), found again by the outcome's values.

        Outcomes of one criterion repeat (a full pass of the same count, a miss of the same
        month), so both are worked out once per criterion and distinct outcome. Only outcomes
        whose equal values are the same values are looked up (as for a shared record, and a
        ``float`` compliance other than ``-0.0``); any other is worked out the plain way."""
        note = outcome.note
        compliance, misses = outcome.compliance, outcome.misses
        actual, expected = outcome.actual, outcome.expected
        if not (
            type(actual) in _PLAIN
            and type(expected) in _PLAIN
            and type(misses) is int
            and type(compliance) is float
            and (compliance or copysign(1.0, compliance) > 0.0)
        ):
            pts = outcome_points(c, outcome)
            return pts, self.record(c.id, outcome, pts)
        zh = note_zh(note) if self._zh and note else None  # as the record has it
        key = (c.id, outcome.status, compliance, misses, actual, expected, note, zh)
        kept = self._scored.get(key)
        if kept is not None:
            return kept
        pts = outcome_points(c, outcome)
        record = self.record(c.id, outcome, pts)
        if type(record) is CriterionRecord:
            if len(self._scored) >= self._limit:
                self._scored.clear()
            self._scored[key] = (pts, record)
        return pts, record

    def not_applicable(self, criterion_id: str, outcome: Outcome) -> dict[str, Any]:
        """The record of a ``not_applicable`` outcome (no points: ``NOT_COUNTED``).

        Those outcomes are mostly shared objects (one per note and ``applies_to`` exclusion,
        ``Outcome.not_applicable``), so the record is first found by the outcome itself, kept
        with it (an ``id()`` never names another object while the outcome is kept), then by its
        values as :meth:`record` does. A criterion mostly gives the same shared outcome from
        one organization to the next: its last one is looked at first."""
        kept = self._last.get(criterion_id)
        if kept is not None and kept[0] is outcome:
            return kept[1]
        key = (criterion_id, id(outcome))
        kept = self._by_outcome.get(key)
        if kept is not None and kept[0] is outcome:
            self._last[criterion_id] = kept
            return kept[1]
        record = self.record(criterion_id, outcome, NOT_COUNTED)
        if type(record) is CriterionRecord:
            if len(self._by_outcome) >= self._limit:
                self._by_outcome.clear()
            self._by_outcome[key] = self._last[criterion_id] = (outcome, record)
        return record


def org_model(result: dict[str, Any]) -> OrgResult:
    """An organization's result dict (``Engine._finish``'s) validated into its ``OrgResult``,
    shared criterion records as their kept models (their own list: a new one per result)."""
    criteria = [
        (c._model or c.model()) if type(c) is CriterionRecord else c  # made once: mostly kept
        for c in result["criteria"]
    ]
    return OrgResult.model_validate({**result, "criteria": criteria})
