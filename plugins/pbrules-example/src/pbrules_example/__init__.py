"""pbrules-example: volunteer service hours (志愿服务时长) as a pbrules checker.

This package is a complete, small pbrules plugin. It shows each part a plugin usually has:

- a **snapshot extension**: snapshots may carry ``extensions.volunteer`` with the hours each
  member served; :class:`VolunteerData` validates it (``register_snapshot_extensions``);
- a **checker**, ``volunteer.hours``, with its ``Params`` model and a YAML example in its
  docstring (``register_checkers``);
- a **pack** other packs can extend by id, ``volunteer`` (``register_packs``).

pbrules finds the plugin through the ``pbrules`` entry point declared in ``pyproject.toml``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pbrules import (
    CheckContext,
    Checker,
    Outcome,
    Params,
    Snapshot,
    Subject,
    SubjectItem,
    hookimpl,
)

__all__ = [
    "VolunteerData",
    "VolunteerEntry",
    "VolunteerHours",
    "VolunteerParams",
    "register_checkers",
    "register_packs",
    "register_snapshot_extensions",
]

__version__ = "0.1.0"

EXTENSION = "volunteer"
PACK_FILE = Path(__file__).with_name("volunteer.yaml")


class VolunteerEntry(BaseModel):
    """One stint of volunteer service by a member."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    member_id: str = Field(min_length=1)
    served_on: date
    hours: float = Field(ge=0, le=24)
    activity: str | None = None


class VolunteerData(BaseModel):
    """``extensions.volunteer`` of a snapshot."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    entries: tuple[VolunteerEntry, ...] = ()


class VolunteerParams(Params):
    min_hours: float = Field(
        default=4.0, gt=0, description="Hours each current member serves in the period."
    )
    share: float = Field(
        default=1.0,
        gt=0,
        le=1,
        description="Share of current members who must reach min_hours (1.0: everyone).",
    )


class VolunteerHours(Checker[VolunteerParams]):
    """Members serve at least ``min_hours`` of volunteer service in the period.

    Reads ``extensions.volunteer.entries`` (served_on within the period, up to ``as_of``) and
    counts, per current member, the hours served. Passes when the share of members reaching
    ``min_hours`` is at least ``share``; each member below it is a finding of their own.
    Not applicable without current members; a fail with "missing data" when the snapshot has no
    ``extensions.volunteer`` at all.

    Monotone: adding an entry never lowers compliance.

    Example::

        - id: VOL1
          title: Volunteer service
          area: standardization
          check: volunteer.hours
          params: {min_hours: 4, share: 0.8}
          points: 5
          scoring: {mode: proportional}
    """

    name = "volunteer.hours"
    Params = VolunteerParams

    def check(self, snapshot: Snapshot, params: VolunteerParams, ctx: CheckContext) -> Outcome:
        raw = snapshot.extensions.get(EXTENSION)
        if raw is None:
            return Outcome.missing_data("no extensions.volunteer in the snapshot")
        data = VolunteerData.model_validate(raw)
        members = ctx.index.current_members
        if not members:
            return Outcome.not_applicable("no current members")
        start, end = ctx.period.start, min(ctx.period.end, ctx.as_of)
        hours: dict[str, float] = {}
        for entry in data.entries:
            if start <= entry.served_on <= end:
                hours[entry.member_id] = hours.get(entry.member_id, 0.0) + entry.hours
        short = [m for m in members if hours.get(m.id, 0.0) < params.min_hours]
        items = tuple(
            SubjectItem(
                subject=Subject("member", m.id),
                message=f"{hours.get(m.id, 0.0):g} of {params.min_hours:g} hours",
            )
            for m in short
        )
        return Outcome.ratio(
            len(members) - len(short),
            len(members),
            target=params.share,
            evidence=tuple(m.id for m in short),
            items=items,
        )


@hookimpl
def register_checkers(register: Callable[[Checker[Any]], None]) -> None:
    register(VolunteerHours())


@hookimpl
def register_snapshot_extensions(register: Callable[[str, type[BaseModel]], None]) -> None:
    register(EXTENSION, VolunteerData)


@hookimpl
def register_packs(register: Callable[[str, Path], None]) -> None:
    register("volunteer", PACK_FILE)
