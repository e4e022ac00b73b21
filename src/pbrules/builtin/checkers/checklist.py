"""``checklist``: every listed kind of body, document, facility or campaign is present."""

from __future__ import annotations

from functools import cached_property
from typing import Any, Literal

from pydantic import Field, model_validator

from pbrules.builtin.checkers._records import Where, index_rows, parse_where
from pbrules.checker import CheckContext, Checker, Note, Params, term, terms
from pbrules.model.outcome import Outcome, Status
from pbrules.model.snapshot import Snapshot

__all__ = ["CHECKERS", "Checklist", "ChecklistParams"]

NONE_LISTED = Note("checklist.none_listed", "no {of} listed", "未录入{of}")
MISSING = Note("checklist.missing", "missing data: {what}", "数据缺失：{what}")
ABSENT = Note("checklist.absent", "absent: {kinds}", "缺少：{kinds}")

KindList = Literal["bodies", "documents", "facilities", "campaigns"]


class ChecklistParams(Params):
    of: KindList = Field(description="bodies, documents, facilities or campaigns.")
    require: list[str] = Field(min_length=1, description="The kinds that must all be present.")
    where: dict[str, Any] = Field(
        default_factory=dict, description="Only records matching this count (as in measure)."
    )
    this_year: bool = Field(
        default=False,
        description="documents only: the document's year (else the year it was issued) is the "
        "period's year.",
    )
    when_empty: Literal["missing_data", "not_applicable"] = Field(
        default="missing_data",
        description="With no record in the list at all: fail (missing data) or not_applicable.",
    )

    @model_validator(mode="after")
    def _check(self) -> ChecklistParams:
        parse_where(self.where, self.of)  # raises with a did-you-mean
        if self.this_year and self.of != "documents":
            raise ValueError("this_year applies to documents only")
        if len(set(self.require)) != len(self.require):
            raise ValueError("require lists a kind twice")
        return self

    @cached_property
    def parsed_where(self) -> Where:
        """The parsed ``where`` (parsed on first use, then kept: a cached property reads as a
        plain attribute, where a pydantic private attribute is a slow lookup)."""
        return parse_where(self.where, self.of)

    @cached_property
    def empty_outcome(self) -> Outcome:
        """The outcome when the list is empty: it depends on the params only, so it is made
        once per criterion."""
        what = NONE_LISTED(of=term(self.of))
        if self.when_empty == "not_applicable":
            return Outcome.not_applicable(what)
        return Outcome(
            Status.FAIL,
            compliance=0.0,
            misses=len(self.require),
            actual=0,
            expected=len(self.require),
            evidence=tuple(f"absent:{k}" for k in self.require),
            note=MISSING(what=what),
        )


def _year_of(row: dict[str, Any]) -> int | None:
    if row.get("year") is not None:
        return int(row["year"])
    issued = row.get("issued_on")
    return issued.year if issued is not None else None


class Checklist(Checker[ChecklistParams]):
    """Every kind in ``require`` is present in ``of`` at ``as_of``.

    A record counts when it exists at ``as_of`` (bodies: established by then and not dissolved;
    facilities: opened and not closed; documents: issued, or of a year, by then; campaigns:
    started) and matches ``where``; with ``this_year`` a document must be of the period's year
    (its ``year``, else the year of ``issued_on``). One miss per required kind absent; compliance
    is the share present; evidence names the absent kinds on a failure (``absent:KIND``) and
    the records found on a pass. An empty list is a "missing data" failure counting every kind
    as absent (or ``not_applicable`` with ``when_empty: not_applicable``, for exports that
    predate the list).

    Monotone: adding a record (of any kind) never lowers compliance; adding a record of a
    required kind that exists at ``as_of`` and matches ``where`` never adds a miss.

    Example::

        check: checklist          # 缺一项扣1分: with scoring {mode: deduct, per_miss: 1}
        params: {of: bodies, require: [party_member_council, villager_representatives,
                                       finance_group]}
    """

    name = "checklist"
    Params = ChecklistParams
    notes = (NONE_LISTED, MISSING, ABSENT)

    def check(self, snapshot: Snapshot, params: ChecklistParams, ctx: CheckContext) -> Outcome:
        if not getattr(snapshot, params.of):
            return params.empty_outcome
        required = params.require
        where = params.parsed_where
        year = ctx.period.start.year
        found: dict[str, str] = {}
        for row in index_rows(ctx.index, snapshot, params.of, ctx.as_of, current=True):
            if not where.matches(row):
                continue
            if params.this_year and _year_of(row) != year:
                continue
            kind = str(row["kind"])
            found[kind] = min(found.get(kind, row["_id"]), row["_id"])
        absent = [k for k in required if k not in found]
        present = len(required) - len(absent)
        if not absent:
            return Outcome(
                Status.PASS,
                actual=present,
                expected=len(required),
                evidence=tuple(found[k] for k in required),
            )
        return Outcome(
            Status.FAIL,
            compliance=present / len(required),
            misses=len(absent),
            actual=present,
            expected=len(required),
            evidence=tuple(f"absent:{k}" for k in absent),
            note=ABSENT(kinds=terms(absent)),
        )


CHECKERS = (Checklist(),)
