"""The criteria pack model v1 (DESIGN §3), after ``extends`` is resolved.

The loader (``loader.py``) reads YAML with positions, merges ``extends`` by criterion id, and
validates the merged document against :class:`Pack`; checker ``params`` are validated against
each checker's ``Params`` model there too. These models hold no checker objects: compiling a pack
for evaluation is the engine's job.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    FiniteFloat,
    SerializerFunctionWrapHandler,
    StringConstraints,
    field_validator,
    model_serializer,
    model_validator,
)

from pbrules.model.outcome import Severity
from pbrules.model.period import PeriodKind
from pbrules.model.snapshot import Category, OrgKind

__all__ = [
    "AppliesTo",
    "Area",
    "Band",
    "Criterion",
    "Group",
    "GroupWhere",
    "Movement",
    "MovementRule",
    "Pack",
    "Ranking",
    "Rectify",
    "Scoring",
    "ScoringMode",
    "Tier",
]

Ident = Annotated[str, StringConstraints(pattern=r"^[A-Za-z][A-Za-z0-9_.\-]*$", max_length=64)]
ScoringMode = Literal["all_or_nothing", "proportional", "deduct", "bonus", "veto"]


def _strict_number(value: Any) -> Any:
    """Numbers are numbers: ``points: yes`` (a YAML boolean) is refused, not read as 1.0."""
    if isinstance(value, bool):
        raise ValueError(
            "expected a number, got a boolean (YAML reads yes/no/on/off/true/false as booleans)"
        )
    return value


#: Every number of the pack model is finite: ``1e400`` (read as infinity), ``.inf`` and ``.nan``
#: are load-time errors, never a ``null`` total at evaluation; booleans are refused.
Number = Annotated[FiniteFloat, BeforeValidator(_strict_number)]


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


def _omit_defaults(data: dict[str, Any], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """Drop v2 keys still at their default, so a v1 pack dumps (and digests) exactly as before."""
    return {k: v for k, v in data.items() if k not in defaults or v != defaults[k]}


_TITLE_ZH = "The title in Chinese, for reports in --lang zh (v2); without it they show `title`."


class Area(_Model):
    id: Ident
    title: str | None = None
    title_zh: str | None = Field(default=None, description=_TITLE_ZH)
    weight: Number = Field(
        gt=0, description="Relative weight; only ratios matter (in a pool area: points)."
    )
    pool: bool = Field(
        default=False,
        description="扣完为止: criteria deduct from the weight until it is used up (v2).",
    )

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _omit_defaults(handler(self), {"pool": False, "title_zh": None})


class Band(_Model):
    min: Number = Field(ge=0, le=200)
    grade: Ident


class GroupWhere(_Model):
    """Organization fields a peer group selects on (all given must hold)."""

    kind: list[OrgKind] | None = None
    category: list[Category] | None = None
    parent_id: list[str] | None = None


class Group(_Model):
    id: Ident
    title: str | None = None
    title_zh: str | None = Field(default=None, description=_TITLE_ZH)
    where: GroupWhere = Field(default_factory=GroupWhere)

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _omit_defaults(handler(self), {"title_zh": None})


TieBreakKey = Literal["fewer_critical", "fewer_findings", "base_total", "previous_rank"]


class Ranking(_Model):
    top: int = Field(default=3, ge=0)
    bottom: int = Field(default=3, ge=0)
    tie_break: list[TieBreakKey] | None = Field(
        default=None,
        description="Keys applied in order to equal totals before a tie is declared: "
        "fewer_critical (fewer critical findings), fewer_findings, base_total (higher base "
        "total, before bonus), previous_rank (better rank in the previous result). Declaring "
        "it (an empty list keeps every tie) also makes top/bottom list everyone tied with the "
        "N-th and mark them in `tied`.",
    )

    @field_validator("tie_break")
    @classmethod
    def _no_repeats(cls, keys: list[str] | None) -> list[str] | None:
        if keys is not None:
            repeated = sorted({k for k in keys if keys.count(k) > 1})
            if repeated:
                raise ValueError(f"tie_break lists {', '.join(repeated)} more than once")
        return keys

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _omit_defaults(handler(self), {"tie_break": None})


class MovementRule(_Model):
    rank_gain: int | None = Field(default=None, ge=1)
    rank_loss: int | None = Field(default=None, ge=1)
    min_total_change: Number | None = Field(
        default=None,
        ge=0,
        description="Also require the total to rise (or fall) by at least this many points, so "
        "that organizations tied at the top do not swap labels on a fraction of a point.",
    )


class Movement(_Model):
    rapid_progress: MovementRule = Field(default_factory=lambda: MovementRule(rank_gain=3))
    major_setback: MovementRule = Field(default_factory=lambda: MovementRule(rank_loss=3))


class AppliesTo(_Model):
    """Selectors; all given must hold, else the criterion is ``not_applicable``."""

    kind: list[OrgKind] | None = None
    category: list[Category] | None = None
    has_committee: bool | None = Field(
        default=None, description="At least 3 current committee posts."
    )
    has_subordinates: bool | None = None
    has_party_groups: bool | None = None
    has_coverage_units: bool | None = None
    weak_lax: bool | None = None
    periods: list[str] | None = Field(
        default=None,
        description="Period tokens: Q1-Q4, H1, H2, year, year_end, M01-M12, month, quarter, half.",
    )


class Scoring(_Model):
    mode: ScoringMode = "all_or_nothing"
    per_miss: Number = Field(default=2.0, ge=0, description="Points per miss (deduct).")
    per_hit: Number | None = Field(
        default=None,
        gt=0,
        description="Counted bonus (v2): earns min(points, per_hit x actual); bonus mode only.",
    )

    @model_validator(mode="after")
    def _per_hit_is_a_bonus(self) -> Scoring:
        if self.per_hit is not None and self.mode != "bonus":
            raise ValueError(f"per_hit counts a bonus: it needs mode: bonus, not {self.mode}")
        return self

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _omit_defaults(handler(self), {"per_hit": None})


class Tier(_Model):
    """A tier (星级) won by the criteria carrying one of its ``tags`` (v2)."""

    id: Ident
    title: str | None = None
    title_zh: str | None = Field(default=None, description=_TITLE_ZH)
    tags: list[Ident] = Field(min_length=1, description="Criteria carrying one of these score it.")
    min: Number = Field(ge=0, le=100, description="The tier's score must reach this.")

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _omit_defaults(handler(self), {"title_zh": None})


class Rectify(_Model):
    responsible: str | None = Field(default=None, description="A role (secretary) or a name.")
    responsible_zh: str | None = Field(
        default=None,
        description="A free-text responsible in Chinese (--lang zh); a committee role is "
        "translated by the report without it.",
    )
    within_days: int = Field(default=30, ge=0, le=3660)
    action: str | None = None
    action_zh: str | None = Field(default=None, description="The action in Chinese (--lang zh).")

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _omit_defaults(handler(self), {"action_zh": None, "responsible_zh": None})


class Criterion(_Model):
    id: Ident
    title: str
    title_zh: str | None = None
    area: Ident
    applies_to: AppliesTo = Field(default_factory=AppliesTo)
    check: str
    params: dict[str, Any] = Field(default_factory=dict)
    points: Number = Field(default=0.0, ge=0)
    scoring: Scoring = Field(default_factory=Scoring)
    severity: Severity = Severity.MINOR
    message: str | None = Field(default=None, description="Template with named fields only.")
    message_zh: str | None = Field(
        default=None, description="The message in Chinese (--lang zh): the same template fields."
    )
    rectify: Rectify = Field(default_factory=Rectify)
    basis: str | None = None
    basis_zh: str | None = Field(
        default=None, description="The basis in Chinese (--lang zh): the regulation's name."
    )
    tags: list[str] = Field(default_factory=list)
    enabled: bool = True

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        return _omit_defaults(handler(self), {"message_zh": None, "basis_zh": None})


PERIOD_TOKENS = frozenset(
    {"month", "quarter", "half", "year", "year_end", "Q1", "Q2", "Q3", "Q4", "H1", "H2"}
    | {f"M{i:02d}" for i in range(1, 13)}
)


class Pack(_Model):
    pack: Ident
    version: str
    title: str | None = None
    title_zh: str | None = Field(
        default=None, description="The title in Chinese: the heading of reports in --lang zh."
    )
    issuer: str | None = Field(default=None, description="Issuing department, for reports.")
    issuer_zh: str | None = Field(
        default=None, description="The issuing department in Chinese, for reports in --lang zh."
    )
    extends: list[str] = Field(
        default_factory=list, description="Packs this one extends: ids or relative paths."
    )
    period: PeriodKind = PeriodKind.QUARTER
    areas: list[Area]
    bands: list[Band] = Field(
        default_factory=lambda: [
            Band(min=90, grade="excellent"),
            Band(min=75, grade="good"),
            Band(min=60, grade="fair"),
            Band(min=0, grade="weak"),
        ]
    )
    groups: list[Group] = Field(default_factory=list)
    ranking: Ranking = Field(default_factory=Ranking)
    movement: Movement = Field(default_factory=Movement)
    bonus_cap: Number = Field(default=5.0, ge=0)
    veto_grade: Ident = "weak"
    allow_waivers: bool = False
    tiers: list[Tier] = Field(
        default_factory=list, description="Tiers (星级), lowest first; each needs the ones before."
    )
    criteria: list[Criterion] = Field(default_factory=list)
    one_task_per_problem: bool | None = Field(
        default=None,
        description="A criterion gives an organization either its organization-level finding "
        "or per-subject findings, never both. Default (null): on for a v2 pack (tiers, a pool "
        "area or a counted bonus), off for a v1 pack, whose result stays as it was.",
    )

    @field_validator("extends", mode="before")
    @classmethod
    def _one_parent(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value

    @model_serializer(mode="wrap")
    def _dump(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        omitted: dict[str, Any] = {
            "tiers": [],
            "one_task_per_problem": None,
            "title_zh": None,
            "issuer_zh": None,
        }
        return _omit_defaults(handler(self), omitted)

    @property
    def uses_v2_scoring(self) -> bool:
        """Whether the pack uses a v2 scoring key: tiers, a pool area or a counted bonus."""
        return bool(
            self.tiers
            or any(a.pool for a in self.areas)
            or any(c.scoring.per_hit is not None for c in self.criteria)
        )

    @property
    def one_finding_per_problem(self) -> bool:
        """``one_task_per_problem`` as declared, else on for a v2 pack (DESIGN §12)."""
        if self.one_task_per_problem is not None:
            return self.one_task_per_problem
        return self.uses_v2_scoring

    def area(self, area_id: str) -> Area:
        for a in self.areas:
            if a.id == area_id:
                return a
        raise KeyError(area_id)

    @property
    def active_criteria(self) -> list[Criterion]:
        return [c for c in self.criteria if c.enabled]

    def grade_for(self, total: float) -> str:
        for band in sorted(self.bands, key=lambda b: b.min, reverse=True):
            if total >= band.min:
                return band.grade
        return sorted(self.bands, key=lambda b: b.min)[0].grade


class LoadedPack(_Model):
    """A resolved pack with where it came from and its content digest."""

    model: Pack
    digest: str
    sources: list[str] = Field(default_factory=list, description="Files merged, base first.")

    # Convenience for callers that only need the id
    @property
    def id(self) -> str:
        return self.model.pack


__all__ += ["PERIOD_TOKENS", "LoadedPack"]
