"""Result documents (DESIGN §7, schema_version "1"), and the ``Rejected`` entry of readers.

``RunResult.model_dump_json()`` is the document ``pbrules evaluate --format json`` writes.
Scores are kept at full precision and rounded to 2 decimals only when serialized.
Fields beyond DESIGN §7 are additions documented in docs/result-format.md.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    SerializerFunctionWrapHandler,
    model_serializer,
)

from pbrules.model.outcome import Severity, Status
from pbrules.model.period import Period

__all__ = [
    "CriterionResult",
    "Finding",
    "FindingSubject",
    "FindingWaiver",
    "GroupRanking",
    "Movement",
    "OrgResult",
    "PackRef",
    "Rectify",
    "Rejected",
    "RunResult",
    "RunWarning",
    "StoodForSubject",
    "Summary",
]


def round2(v: float) -> float:
    """A score as the result documents write it: 2 decimals, never ``-0.0``."""
    return round(v + 0.0, 2)


Score = Annotated[float, PlainSerializer(round2, return_type=float)]
OptScore = Annotated[
    float | None,
    PlainSerializer(lambda v: None if v is None else round2(v), return_type=float | None),
]
Movement = Literal["rapid_progress", "major_setback", "steady"]


def _is_none(value: object) -> bool:
    """``exclude_if`` of the v2 fields, left out while null so that v1 results keep their exact
    shape (a field test serializes far faster than a model-level wrap serializer)."""
    return value is None


class _Doc(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PackRef(_Doc):
    id: str
    version: str
    digest: str = Field(description="sha256 of the resolved pack")


class CriterionResult(_Doc):
    id: str
    status: Status
    earned: Score
    max: Score
    actual: Any = None
    expected: Any = None
    compliance: Score | None = None
    misses: int | None = None
    note: str | None = None
    note_zh: str | None = Field(
        default=None,
        exclude_if=_is_none,  # left out while null: a v1 pack's result keeps its exact shape
        description="The note in Chinese, from the checker's note catalog; only in the results "
        "of a pack that carries Chinese text (title_zh, message_zh or action_zh).",
    )


class OrgResult(_Doc):
    org_id: str
    name: str
    kind: str
    parent_id: str | None
    group: str | None
    total: OptScore = Field(description="null when no scored criterion applies (not ranked)")
    base_total: OptScore
    bonus: Score
    grade: str | None
    complete: bool
    areas: dict[str, Score]
    rank: int | None = Field(default=None, ge=1)
    group_size: int | None = Field(default=None, ge=1)
    previous_rank: int | None = Field(default=None, ge=1)
    rank_change: int | None = None
    movement: Movement | None = None
    previous_total: OptScore = None
    total_change: OptScore = None
    vetoed: bool = False
    category: str | None = None
    criteria: list[CriterionResult] = Field(default_factory=list)
    tier: str | None = Field(
        default=None, description="The tier (星级) held, for packs with tiers (v2)."
    )
    tier_scores: dict[str, OptScore] | None = Field(
        default=None, description="Tier id -> its score (null: no criterion of it applies)."
    )
    unscored_reason: str | None = Field(
        default=None,
        exclude_if=_is_none,
        description="Why total and grade are null (nothing applicable).",
    )

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """``tier`` and ``tier_scores`` are left out while ``tier_scores`` is null, so a v1
        pack's result keeps its exact shape."""
        data: dict[str, Any] = handler(self)
        if self.tier_scores is None:
            data.pop("tier", None)
            data.pop("tier_scores", None)
        return data


class FindingSubject(_Doc):
    type: str
    id: str


class StoodForSubject(_Doc):
    """A subject an organization-level finding stands for (one finding per problem, v2): what
    its own per-subject finding would have said."""

    type: str
    id: str
    message: str
    message_zh: str | None = None
    evidence: list[str] = Field(default_factory=list)


class Rectify(_Doc):
    responsible: str | None
    due: date | None
    action: str | None
    action_zh: str | None = Field(
        default=None, exclude_if=_is_none, description="The action in Chinese (v2)."
    )
    responsible_zh: str | None = Field(
        default=None,
        exclude_if=_is_none,
        description="A free-text responsible in Chinese, from the pack (v2).",
    )


class FindingWaiver(_Doc):
    """An active waiver (suppression) from the rectification ledger: the finding is ``waived``."""

    reason: str
    owner: str
    until: date


class Finding(_Doc):
    fingerprint: str
    criterion: str
    pack: str
    org_id: str
    org_name: str
    period: Period
    area: str
    severity: Severity
    status: Status
    message: str
    subject: FindingSubject | None = None
    evidence: list[str] = Field(default_factory=list)
    points_lost: Score = 0.0
    rectification: Rectify
    basis: str | None = None
    title: str | None = None
    waiver: FindingWaiver | None = Field(
        default=None, description="Set when an active ledger waiver covers this finding."
    )
    message_zh: str | None = Field(
        default=None,
        exclude_if=_is_none,
        description="The message in Chinese, from the pack's message_zh (v2).",
    )
    subjects: list[StoodForSubject] | None = Field(
        default=None,
        exclude_if=_is_none,
        description="One finding per problem (v2): the subjects an organization-level finding "
        "stands for, sorted; null otherwise.",
    )


class GroupRanking(_Doc):
    title: str | None = None
    title_zh: str | None = Field(
        default=None,
        exclude_if=_is_none,  # left out while null: a pack without it keeps its result's shape
        description="The group's title in Chinese, from the pack's groups[].title_zh (v2).",
    )
    top: list[str] = Field(default_factory=list)
    bottom: list[str] = Field(default_factory=list)
    rapid_progress: list[str] = Field(default_factory=list)
    major_setbacks: list[str] = Field(default_factory=list)
    tied: list[str] | None = Field(
        default=None,
        exclude_if=_is_none,
        description="Organizations of top/bottom that share their rank with another (并列); "
        "only for packs that declare ranking.tie_break.",
    )


class Rejected(_Doc):
    """An input record that could not be evaluated, and why. Nothing is dropped silently."""

    source: str = Field(description="path:line (or path for whole-file problems)")
    org_id: str | None = None
    errors: list[str]


class RunWarning(_Doc):
    org_id: str | None = None
    message: str


class Summary(_Doc):
    evaluated: int
    rejected: int
    findings: int
    incomplete: int
    waived: int = Field(default=0, description="Findings under an active waiver (in `findings`).")


class RunResult(_Doc):
    schema_version: Literal["1"] = "1"
    pack: PackRef
    period: Period
    as_of: date | None = None
    organizations: list[OrgResult] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    rankings: dict[str, GroupRanking] = Field(default_factory=dict)
    rejected: list[Rejected] = Field(default_factory=list)
    warnings: list[RunWarning] = Field(default_factory=list)
    summary: Summary
