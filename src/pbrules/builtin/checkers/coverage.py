"""Two coverage (两个覆盖) of new economic and social organizations in the jurisdiction.

A unit counts as operating unless it is marked ``operating: false``. A unit whose ``mode`` is not
recorded is not shown to be covered: it counts against coverage and is named in the note.
"""

from __future__ import annotations

from pydantic import Field

from pbrules.builtin.checkers._common import subject
from pbrules.checker import CheckContext, Checker, Note, NoteText, Params, listing
from pbrules.model.outcome import Outcome, SubjectItem
from pbrules.model.snapshot import CoverageKind, CoverageMode, CoverageUnit, Snapshot

__all__ = ["CHECKERS", "OrganizationalCoverage", "RequiredOrganization", "WorkCoverage"]


def _operating(
    units: tuple[CoverageUnit, ...], kinds: list[CoverageKind] | None
) -> list[CoverageUnit]:
    wanted = set(kinds) if kinds is not None else None
    return sorted(
        (u for u in units if u.operating is not False and (wanted is None or u.kind in wanted)),
        key=lambda u: u.id,
    )


NO_ORGANIZATION = Note(
    "coverage.no_organization",
    "{unit} has {members} full members but no organization of its own",
    "{unit}有正式党员{members}名，未单独建立党组织",
)
MODE_UNKNOWN = Note(
    "coverage.mode_unknown",
    "missing data: coverage mode not recorded for {units}",
    "数据缺失：{units}未录入组织覆盖方式",
)


def _unknown_note(units: list[CoverageUnit]) -> NoteText | str:
    unknown = [u.id for u in units if u.mode is None]
    return MODE_UNKNOWN(units=listing(unknown)) if unknown else ""


class OrgCoverageParams(Params):
    covered_modes: list[CoverageMode] = Field(
        default_factory=lambda: [CoverageMode.STANDALONE, CoverageMode.JOINT],
        description="Modes that cover a unit with a party organization.",
    )
    kinds: list[CoverageKind] | None = Field(
        default=None, description="Unit kinds counted; null: all."
    )
    target: float = Field(default=1.0, gt=0, le=1, description="Share that must be covered.")


class OrganizationalCoverage(Checker[OrgCoverageParams]):
    """Operating units covered by a party organization (standalone or joint).

    Compliance is covered / operating units against ``target``; one miss per unit not covered
    (its id in the evidence). Not applicable without operating units.

    Monotone: adding a covered unit, or covering a unit, never lowers compliance.

    Example::

        check: coverage.organizational
        params: {covered_modes: [standalone, joint], target: 1.0}
    """

    name = "coverage.organizational"
    Params = OrgCoverageParams
    notes = (MODE_UNKNOWN,)

    def check(self, snapshot: Snapshot, params: OrgCoverageParams, ctx: CheckContext) -> Outcome:
        units = _operating(snapshot.coverage_units, params.kinds)
        modes = set(params.covered_modes)
        missed = [u.id for u in units if u.mode not in modes]
        return Outcome.ratio(
            len(units) - len(missed),
            len(units),
            target=params.target,
            evidence=tuple(missed),
            note=_unknown_note(units),
        )


class WorkCoverageParams(Params):
    kinds: list[CoverageKind] | None = Field(
        default=None, description="Unit kinds counted; null: all."
    )
    target: float = Field(default=1.0, gt=0, le=1, description="Share that must be reached.")


class WorkCoverage(Checker[WorkCoverageParams]):
    """Operating units without a party organization (mode ``none``) have an instructor.

    Compliance is units with ``instructor: true`` / operating units of mode ``none`` against
    ``target``; one miss per unit without (its id in the evidence). Not applicable when every
    operating unit has an organization.

    Monotone: adding a unit with an instructor, or sending an instructor, never lowers compliance.

    Example::

        check: coverage.work
        params: {target: 1.0}
    """

    name = "coverage.work"
    Params = WorkCoverageParams

    def check(self, snapshot: Snapshot, params: WorkCoverageParams, ctx: CheckContext) -> Outcome:
        units = [
            u
            for u in _operating(snapshot.coverage_units, params.kinds)
            if u.mode is CoverageMode.NONE
        ]
        missed = [u.id for u in units if u.instructor is not True]
        return Outcome.ratio(
            len(units) - len(missed), len(units), target=params.target, evidence=tuple(missed)
        )


class RequiredParams(Params):
    min_full_members: int = Field(
        default=3, ge=1, description="Full members from which a unit needs its own organization."
    )
    kinds: list[CoverageKind] | None = Field(
        default=None, description="Unit kinds counted; null: all."
    )
    per_unit_findings: bool = Field(
        default=True, description="Make each unit without its own organization a finding."
    )


class RequiredOrganization(Checker[RequiredParams]):
    """Units with at least ``min_full_members`` full members have their own (standalone) branch.

    The Party Constitution requires a primary organization where there are three or more full
    members. Each operating unit with ``full_members >= min_full_members`` and a mode other than
    ``standalone`` is a miss and (with ``per_unit_findings``) its own finding (subject
    ``coverage_unit``). Units whose ``full_members`` is unknown are not judged. Not applicable
    without such units.

    Monotone: setting up a standalone organization in a unit never lowers compliance.

    Example::

        check: coverage.required
        params: {min_full_members: 3}
    """

    name = "coverage.required"
    Params = RequiredParams
    notes = (NO_ORGANIZATION,)

    def check(self, snapshot: Snapshot, params: RequiredParams, ctx: CheckContext) -> Outcome:
        units = [
            u
            for u in _operating(snapshot.coverage_units, params.kinds)
            if u.full_members is not None and u.full_members >= params.min_full_members
        ]
        missed = [u for u in units if u.mode is not CoverageMode.STANDALONE]
        items: tuple[SubjectItem, ...] = ()
        if params.per_unit_findings:
            items = tuple(
                SubjectItem(
                    subject=subject("coverage_unit", u.id),
                    message=NO_ORGANIZATION(unit=u.id, members=u.full_members),
                    evidence=(u.id,),
                )
                for u in missed
            )
        return Outcome.ratio(
            len(units) - len(missed),
            len(units),
            evidence=tuple(u.id for u in missed),
            items=items,
        )


CHECKERS = (OrganizationalCoverage(), WorkCoverage(), RequiredOrganization())
