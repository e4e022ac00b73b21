"""Chinese notes in results (docs/result-format.md, "Notes in Chinese").

A checker's note reaches the result as ``note`` (English, as in v1) and, in the results of a v2
pack (one that uses any key of DESIGN §12: a pool area, tiers, ``per_hit``,
``ranking.tie_break``, ``message_zh``, ``rectify.action_zh``, ``rectify.responsible_zh`` or
``basis_zh``), as ``note_zh`` too; a finding's
``message_zh`` then names the Chinese note, and a criterion without ``message_zh`` gets a Chinese
default message. Like every v2 addition this is inert for a v1 pack, whose result keeps its exact
v1 bytes (tests/golden/v1).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pbrules.model.note import note_zh
from pbrules.model.outcome import Outcome
from pbrules.packs.schema import Criterion, Pack

__all__ = ["default_message_zh", "result_note_zh", "uses_v2", "values_zh"]


def uses_v2(pack: Pack) -> bool:
    """Whether the pack uses a v2 key (DESIGN §12): its results then carry Chinese notes."""
    if pack.tiers or pack.ranking.tie_break is not None or any(a.pool for a in pack.areas):
        return True
    return any(
        c.scoring.per_hit is not None
        or c.message_zh is not None
        or c.rectify.action_zh is not None
        or c.rectify.responsible_zh is not None
        or c.basis_zh is not None
        for c in pack.criteria
    )


def result_note_zh(outcome: Outcome, zh: bool) -> str | None:
    """The ``note_zh`` of a criterion result: the note's Chinese, for a v2 pack (``zh``)."""
    return note_zh(outcome.note) if zh and outcome.note else None


def values_zh(values: Mapping[str, Any], outcome: Outcome) -> Mapping[str, Any]:
    """A message template's values with ``note`` in Chinese (as written when it has none)."""
    chinese = note_zh(outcome.note)
    return values if chinese is None else {**values, "note": chinese}


def default_message_zh(criterion: Criterion, outcome: Outcome) -> str:
    """The Chinese message of a criterion that has no ``message_zh``, as
    :func:`~pbrules.engine.findings.default_message` words the English one."""
    title = criterion.title_zh or criterion.title
    text = f"{title}：未达到要求"
    if outcome.actual is not None and outcome.expected is not None:
        expected = note_zh(outcome.expected) or outcome.expected
        text = f"{title}：实有{outcome.actual}，应为{expected}"
    if outcome.note:
        text += f"（{note_zh(outcome.note) or outcome.note}）"
    return text
