"""Party affairs disclosure (党务公开)."""

from __future__ import annotations

from pydantic import Field

from pbrules.builtin.checkers._common import WINDOW_NOTES, Per, window_frequency
from pbrules.checker import CheckContext, Checker, Note, Params
from pbrules.model.outcome import Outcome
from pbrules.model.snapshot import Channel, Snapshot

__all__ = ["CHECKERS", "DisclosureFrequency"]

NO_DISCLOSURE = Note("disclosure.none", "no disclosure", "未按期公开党务")


class DisclosureParams(Params):
    per: Per = Field(
        default="period",
        description="Window the requirement repeats in: month, quarter, half, year or period.",
    )
    min: int = Field(default=1, ge=1, description="Disclosures required in each window.")
    channels: list[Channel] | None = Field(
        default=None, description="Channels that count (board, online); null: any."
    )
    min_topics: int = Field(default=0, ge=0, description="Topics a disclosure must list.")


class DisclosureFrequency(Checker[DisclosureParams]):
    """Party affairs disclosed at least ``min`` times in every window.

    Counts disclosures published in each window (up to ``as_of``) through one of ``channels``
    with at least ``min_topics`` topics. One miss per required window without enough; windows
    follow the calendar-window rules (ended by ``as_of``, organization existing at the start).
    Evidence: the missed windows, or the disclosures that satisfied a pass. Not applicable when
    no window is due.

    Monotone: adding a qualifying disclosure never lowers compliance and never adds a miss.

    Example::

        check: disclosure.frequency
        params: {per: quarter, min: 1}
    """

    name = "disclosure.frequency"
    Params = DisclosureParams
    notes = (*WINDOW_NOTES, NO_DISCLOSURE)

    def check(self, snapshot: Snapshot, params: DisclosureParams, ctx: CheckContext) -> Outcome:
        channels = set(params.channels) if params.channels is not None else None
        found = [
            (d.id, d.published_on)
            for d in ctx.index.disclosures_sorted
            if (channels is None or d.channel in channels) and len(d.topics) >= params.min_topics
        ]
        return window_frequency(
            [("", found)],
            params.per,
            ctx.period,
            ctx.as_of,
            snapshot.organization.founded_on,
            params.min,
            NO_DISCLOSURE,
        )


CHECKERS = (DisclosureFrequency(),)
