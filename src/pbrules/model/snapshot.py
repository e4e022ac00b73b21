"""Snapshot model: one organization's records for one period (DESIGN §2, v2 fields §12.1).

The v2 fields (person fields, member ``post``, ``village_committee``, ``reserve_cadres``,
``bodies``, ``documents``, ``facilities``, ``feedback``, ``campaigns``) are all optional: every v1
snapshot is a valid v2 snapshot. Derived values (``age``, ``tenure_years``) live in
:mod:`pbrules.model.derived` and are never stored.

Every model is frozen and forbids unknown keys, so a typo in an export is an error rather than a
silently ignored field. Every record list defaults to empty and every field that is not required
defaults to ``None`` (unknown): criteria whose facts are missing say so, they never guess.
"""

from __future__ import annotations

import operator
from collections import Counter
from collections.abc import Callable, Collection, Iterable
from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from pbrules.model.period import MONTH_PATTERN, Period

__all__ = [
    "Appraisal",
    "Body",
    "Campaign",
    "CampaignStep",
    "Category",
    "Channel",
    "CommitteePost",
    "CommitteeRole",
    "CoverageKind",
    "CoverageMode",
    "CoverageUnit",
    "DevelopmentCase",
    "Disclosure",
    "Document",
    "DuesCategory",
    "DuesRow",
    "Education",
    "Facility",
    "Feedback",
    "FeedbackMode",
    "Gender",
    "LeaveReason",
    "Meeting",
    "MeetingType",
    "Member",
    "MemberStatus",
    "Occupation",
    "OrgKind",
    "Organization",
    "PartyGroup",
    "Rectification",
    "RectificationStatus",
    "ReserveCadre",
    "Snapshot",
    "Training",
    "TrainingKind",
    "TrainingLevel",
    "VillageCommitteePost",
    "VillageRole",
    "Visit",
    "VisitMode",
]

Id = Annotated[str, StringConstraints(min_length=1, max_length=128, strip_whitespace=True)]
Text = Annotated[str, StringConstraints(max_length=2000)]
MonthStr = Annotated[str, StringConstraints(pattern=MONTH_PATTERN)]
NonNeg = Annotated[float, Field(ge=0)]
NonNegInt = Annotated[int, Field(ge=0)]


class OrgKind(StrEnum):
    DISTRICT_COMMITTEE = "district_committee"
    TOWNSHIP_COMMITTEE = "township_committee"
    STREET_WORKING_COMMITTEE = "street_working_committee"
    SYSTEM_SUB_COMMITTEE = "system_sub_committee"
    BASE_COMMITTEE = "base_committee"
    GENERAL_BRANCH = "general_branch"
    BRANCH = "branch"
    JOINT_BRANCH = "joint_branch"


class Category(StrEnum):
    VILLAGE = "village"
    COMMUNITY = "community"
    AGENCY = "agency"
    INSTITUTION = "institution"
    SCHOOL = "school"
    STATE_ENTERPRISE = "state_enterprise"
    NONPUBLIC_ENTERPRISE = "nonpublic_enterprise"
    SOCIAL_ORG = "social_org"
    OTHER = "other"


class MemberStatus(StrEnum):
    FULL = "full"
    PROBATIONARY = "probationary"


class DuesCategory(StrEnum):
    EMPLOYED = "employed"
    RETIRED = "retired"
    FARMER = "farmer"
    STUDENT = "student"
    UNEMPLOYED = "unemployed"
    OTHER = "other"


class Appraisal(StrEnum):
    EXCELLENT = "excellent"
    QUALIFIED = "qualified"
    BASICALLY_QUALIFIED = "basically_qualified"
    UNQUALIFIED = "unqualified"


class CommitteeRole(StrEnum):
    SECRETARY = "secretary"
    DEPUTY_SECRETARY = "deputy_secretary"
    ORGANIZATION = "organization"
    PROPAGANDA = "propaganda"
    DISCIPLINE = "discipline"
    MEMBER = "member"
    FIRST_SECRETARY = "first_secretary"


class LeaveReason(StrEnum):
    RESIGNED = "resigned"
    TRANSFERRED = "transferred"
    DISMISSED = "dismissed"
    TERM_END = "term_end"
    RETIRED = "retired"
    DECEASED = "deceased"
    OTHER = "other"


class MeetingType(StrEnum):
    GENERAL_MEETING = "general_meeting"
    COMMITTEE_MEETING = "committee_meeting"
    GROUP_MEETING = "group_meeting"
    PARTY_LECTURE = "party_lecture"
    THEME_DAY = "theme_day"
    ORG_LIFE_MEETING = "org_life_meeting"
    DEMOCRATIC_APPRAISAL = "democratic_appraisal"
    HEART_TALK = "heart_talk"


class Channel(StrEnum):
    BOARD = "board"
    ONLINE = "online"


class TrainingKind(StrEnum):
    ROTATION = "rotation"
    NEW_SECRETARY = "new_secretary"
    DEV_OBJECT = "dev_object"
    OTHER = "other"


class TrainingLevel(StrEnum):
    COUNTY = "county"
    TOWNSHIP = "township"
    BRANCH = "branch"


class VisitMode(StrEnum):
    UNANNOUNCED = "unannounced"
    SCHEDULED = "scheduled"
    SPOT_CHECK = "spot_check"
    WEEKLY_TIP = "weekly_tip"
    GUIDANCE = "guidance"


class RectificationStatus(StrEnum):
    OPEN = "open"
    RECTIFIED = "rectified"
    CLOSED = "closed"


class CoverageKind(StrEnum):
    ENTERPRISE = "enterprise"
    SOCIAL_ORG = "social_org"


class CoverageMode(StrEnum):
    STANDALONE = "standalone"
    JOINT = "joint"
    NONE = "none"


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"


class Education(StrEnum):
    """Highest education, lowest first (the order is the scale ``>=`` compares on)."""

    PRIMARY = "primary"
    JUNIOR_HIGH = "junior_high"
    SENIOR_HIGH = "senior_high"
    VOCATIONAL = "vocational"
    ASSOCIATE = "associate"
    BACHELOR = "bachelor"
    POSTGRADUATE = "postgraduate"


class Occupation(StrEnum):
    FARMER = "farmer"
    WORKER = "worker"
    MIGRANT_WORKER = "migrant_worker"
    ENTERPRISE_STAFF = "enterprise_staff"
    CIVIL_SERVANT = "civil_servant"
    TEACHER = "teacher"
    MEDICAL = "medical"
    STUDENT = "student"
    RETIRED = "retired"
    SELF_EMPLOYED = "self_employed"
    MILITARY = "military"
    OTHER = "other"


class VillageRole(StrEnum):
    DIRECTOR = "director"
    DEPUTY_DIRECTOR = "deputy_director"
    MEMBER = "member"


class FeedbackMode(StrEnum):
    UNANNOUNCED = "unannounced"
    SCHEDULED = "scheduled"
    SPOT_CHECK = "spot_check"
    WEEKLY_TIP = "weekly_tip"
    INSPECTION = "inspection"
    AUDIT = "audit"
    OTHER = "other"


#: Free local labels on a person (致富带头人, 退役军人 ...): ids.
Tags = tuple[Id, ...]
_TAGS_DOC = "Free local labels (wealth_leader, veteran ...)."
_PERSON_DOC = "`age` is derived at as_of."


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", use_enum_values=False)


def _not_before(
    later: date | None, earlier: date | None, later_name: str, earlier_name: str
) -> None:
    if later is not None and earlier is not None and later < earlier:
        raise ValueError(f"{later_name} ({later}) is before {earlier_name} ({earlier})")


class Organization(_Record):
    """The organization the snapshot describes."""

    id: Id
    name: Annotated[str, StringConstraints(min_length=1, max_length=300)]
    kind: OrgKind
    category: Category | None = None
    parent_id: Id | None = None
    group: Id | None = Field(
        default=None, description="Peer group override; normally from the pack."
    )
    founded_on: date | None = None
    term_started_on: date | None = None
    term_years: Annotated[int, Field(ge=1, le=10)] | None = Field(
        default=None, description="Village/community 5, others 3."
    )
    weak_lax: bool | None = Field(default=None, description='Designated "weak and lax" (软弱涣散).')

    @model_validator(mode="after")
    def _check(self) -> Organization:
        if self.parent_id is not None and self.parent_id == self.id:
            raise ValueError("parent_id is the organization's own id")
        _not_before(self.term_started_on, self.founded_on, "term_started_on", "founded_on")
        return self


class Member(_Record):
    """A party member (党员)."""

    id: Id
    name: Text | None = None
    status: MemberStatus | None = None
    joined_on: date | None = None
    converted_on: date | None = None
    party_group_id: Id | None = None
    mobile: bool | None = None
    dues_category: DuesCategory | None = None
    monthly_income: NonNeg | None = None
    points: NonNeg | None = None
    appraisal: Appraisal | None = None
    study_hours: NonNeg | None = None
    left_on: date | None = None
    gender: Gender | None = None
    birth_date: date | None = Field(default=None, description=_PERSON_DOC)
    education: Education | None = None
    occupation: Occupation | None = None
    tags: Tags = Field(default=(), description=_TAGS_DOC)
    post: Id | None = Field(
        default=None, description="设岗定责: the member's assigned post (free id); null if none."
    )

    @model_validator(mode="after")
    def _check(self) -> Member:
        _not_before(self.converted_on, self.joined_on, "converted_on", "joined_on")
        _not_before(self.left_on, self.joined_on, "left_on", "joined_on")
        return self


class PartyGroup(_Record):
    """A party group (党小组)."""

    id: Id
    name: Text | None = None
    leader_id: Id | None = None


class CommitteePost(_Record):
    """A committee post (班子成员); the person may come from outside the member list."""

    person_id: Id
    name: Text | None = None
    role: CommitteeRole | None = None
    appointed_on: date
    left_on: date | None = None
    leave_reason: LeaveReason | None = None
    trained_on: date | None = None
    gender: Gender | None = None
    birth_date: date | None = Field(default=None, description=_PERSON_DOC)
    education: Education | None = None
    occupation: Occupation | None = None
    tags: Tags = Field(default=(), description=_TAGS_DOC)

    @model_validator(mode="after")
    def _check(self) -> CommitteePost:
        _not_before(self.left_on, self.appointed_on, "left_on", "appointed_on")
        return self


class Meeting(_Record):
    """A meeting or activity: three sessions and one lesson, theme day, life meeting..."""

    id: Id
    type: MeetingType | None = None
    held_on: date
    party_group_id: Id | None = None
    expected: NonNegInt | None = Field(default=None, description="Members entitled to attend.")
    attended: NonNegInt | None = None
    minutes: bool | None = None
    topics: tuple[Text, ...] = ()
    lecturer_role: CommitteeRole | None = None


class DuesRow(_Record):
    """One member-month of party dues (党费)."""

    member_id: Id
    month: MonthStr
    due: NonNeg | None = None
    paid: NonNeg | None = None
    paid_on: date | None = None


class Disclosure(_Record):
    """A party affairs disclosure (党务公开)."""

    id: Id
    published_on: date
    channel: Channel | None = None
    topics: tuple[Text, ...] = ()


class DevelopmentCase(_Record):
    """One person in the member-development pipeline (发展党员)."""

    person_id: Id
    name: Text | None = None
    applied_on: date | None = None
    talked_on: date | None = None
    activist_on: date | None = None
    dev_object_on: date | None = None
    training_hours: NonNeg | None = None
    introducers: tuple[Id, ...] = ()
    accepted_on: date | None = None
    approved_on: date | None = None
    oath_on: date | None = None
    converted_on: date | None = None
    extended_until: date | None = None
    cancelled_on: date | None = None
    gender: Gender | None = None
    birth_date: date | None = Field(default=None, description=_PERSON_DOC)
    education: Education | None = None
    occupation: Occupation | None = None
    tags: Tags = Field(default=(), description=_TAGS_DOC)

    @model_validator(mode="after")
    def _check(self) -> DevelopmentCase:
        _not_before(self.talked_on, self.applied_on, "talked_on", "applied_on")
        _not_before(self.converted_on, self.accepted_on, "converted_on", "accepted_on")
        _not_before(self.approved_on, self.accepted_on, "approved_on", "accepted_on")
        return self


class Training(_Record):
    """A training attended (培训)."""

    person_id: Id
    kind: TrainingKind | None = None
    start_on: date
    end_on: date | None = None
    hours: NonNeg | None = None
    level: TrainingLevel | None = None

    @model_validator(mode="after")
    def _check(self) -> Training:
        _not_before(self.end_on, self.start_on, "end_on", "start_on")
        return self


class Visit(_Record):
    """A supervision visit this organization made to a subordinate (督查/暗访)."""

    id: Id
    target_org_id: Id
    visited_on: date
    mode: VisitMode | None = None
    problems: tuple[Text, ...] = ()


class Rectification(_Record):
    """One of the organization's own problem items (问题台账)."""

    id: Id
    criterion: Id | None = None
    description: Text | None = None
    responsible: Text | None = None
    opened_on: date
    due_on: date | None = None
    status: RectificationStatus | None = None
    closed_on: date | None = None

    @model_validator(mode="after")
    def _check(self) -> Rectification:
        _not_before(self.due_on, self.opened_on, "due_on", "opened_on")
        _not_before(self.closed_on, self.opened_on, "closed_on", "opened_on")
        return self

    def is_done(
        self, as_of: date, done: Collection[RectificationStatus] = (RectificationStatus.CLOSED,)
    ) -> bool:
        """Closed by ``as_of``: a ``closed_on`` on or before it, or a ``done`` status without a
        later ``closed_on``."""
        if self.closed_on is not None:
            return self.closed_on <= as_of
        return self.status in done

    def is_overdue(
        self, as_of: date, done: Collection[RectificationStatus] = (RectificationStatus.CLOSED,)
    ) -> bool:
        """Past ``due_on`` at ``as_of`` and not done."""
        return self.due_on is not None and self.due_on < as_of and not self.is_done(as_of, done)


class CoverageUnit(_Record):
    """A new economic or social organization in the jurisdiction (两新组织)."""

    id: Id
    name: Text | None = None
    kind: CoverageKind | None = None
    operating: bool | None = None
    employees: NonNegInt | None = None
    full_members: NonNegInt | None = None
    covered_by: Id | None = None
    mode: CoverageMode | None = None
    instructor: bool | None = None


class VillageCommitteePost(_Record):
    """A villagers' (residents') committee post (村(居)民委员会), the other half of the two
    committees (两委)."""

    person_id: Id
    name: Text | None = None
    role: VillageRole | None = None
    appointed_on: date
    left_on: date | None = None
    leave_reason: LeaveReason | None = None
    party_member: bool | None = None
    gender: Gender | None = None
    birth_date: date | None = Field(default=None, description=_PERSON_DOC)
    education: Education | None = None
    occupation: Occupation | None = None
    tags: Tags = Field(default=(), description=_TAGS_DOC)

    @model_validator(mode="after")
    def _check(self) -> VillageCommitteePost:
        _not_before(self.left_on, self.appointed_on, "left_on", "appointed_on")
        return self


class ReserveCadre(_Record):
    """A reserve cadre (后备干部)."""

    person_id: Id
    name: Text | None = None
    identified_on: date
    gender: Gender | None = None
    birth_date: date | None = Field(default=None, description=_PERSON_DOC)
    education: Education | None = None
    occupation: Occupation | None = None
    tags: Tags = Field(default=(), description=_TAGS_DOC)


class Body(_Record):
    """A working body that must exist (党员议事会, 理财小组, 党建工作领导小组 ...)."""

    id: Id
    kind: Id = Field(description="Free id named by the district (finance_group ...).")
    name: Text | None = None
    established_on: date | None = None
    adjusted_on: date | None = None
    dissolved_on: date | None = None

    @model_validator(mode="after")
    def _check(self) -> Body:
        _not_before(self.adjusted_on, self.established_on, "adjusted_on", "established_on")
        _not_before(self.dissolved_on, self.established_on, "dissolved_on", "established_on")
        return self


class Document(_Record):
    """A plan, rule or ledger that must exist (年度计划, 制度, 台账 ...)."""

    id: Id
    kind: Id = Field(description="Free id named by the district (annual_plan ...).")
    title: Text | None = None
    issued_on: date | None = None
    year: Annotated[int, Field(ge=1900, le=2999)] | None = None

    @model_validator(mode="after")
    def _check(self) -> Document:
        if self.issued_on is None and self.year is None:
            raise ValueError("a document needs issued_on or year")
        return self


class Facility(_Record):
    """A position (阵地): activity room, disclosure board, service station ..."""

    id: Id
    kind: Id = Field(description="Free id named by the district (activity_room ...).")
    name: Text | None = None
    area_m2: NonNeg | None = None
    opened_on: date | None = None
    closed_on: date | None = None
    signage: bool | None = None

    @model_validator(mode="after")
    def _check(self) -> Facility:
        _not_before(self.closed_on, self.opened_on, "closed_on", "opened_on")
        return self


class Feedback(_Record):
    """A problem fed back TO this organization by a superior's supervision (暗访, 督查 ...)."""

    id: Id
    found_on: date
    by: Id | None = Field(default=None, description="The organization that found it.")
    mode: FeedbackMode | None = None
    problem: Text | None = None
    criterion: Id | None = None
    responsible: Text | None = None
    due_on: date | None = None
    rectified_on: date | None = None

    @model_validator(mode="after")
    def _check(self) -> Feedback:
        _not_before(self.due_on, self.found_on, "due_on", "found_on")
        _not_before(self.rectified_on, self.found_on, "rectified_on", "found_on")
        return self


class CampaignStep(_Record):
    """One step of a campaign (plan, county leader assigned, acceptance ...)."""

    name: Id
    due_on: date | None = None
    done_on: date | None = None


class Campaign(_Record):
    """A time-bound task with steps: weak-and-lax rectification (软弱涣散整顿), five
    transformations (五化) demonstration ..."""

    id: Id
    kind: Id = Field(description="Free id (weak_lax_rectification, five_transformations ...).")
    started_on: date
    target_on: date | None = None
    accepted_on: date | None = None
    steps: tuple[CampaignStep, ...] = ()

    @model_validator(mode="after")
    def _check(self) -> Campaign:
        _not_before(self.target_on, self.started_on, "target_on", "started_on")
        _not_before(self.accepted_on, self.started_on, "accepted_on", "started_on")
        dups = _duplicates(step.name for step in self.steps)
        if dups:
            raise ValueError(f"steps: duplicate name(s) {', '.join(map(str, dups))}")
        return self


_ID = operator.attrgetter("id")
_PERSON_ID = operator.attrgetter("person_id")
_MEMBER_MONTH = operator.attrgetter("member_id", "month")
_MEMBER_ID = operator.attrgetter("member_id")
_GROUP_ID = operator.attrgetter("party_group_id")
_LEADER_ID = operator.attrgetter("leader_id")
#: the lists whose ids :meth:`Snapshot._cross_clean` checks for duplicates besides members and
#: party groups (development cases and reserve cadres by person)
_CROSS_ID_LISTS: tuple[tuple[str, Callable[[Any], Any]], ...] = (
    ("meetings", _ID),
    ("disclosures", _ID),
    ("development", _PERSON_ID),
    ("visits", _ID),
    ("rectifications", _ID),
    ("coverage_units", _ID),
    ("reserve_cadres", _PERSON_ID),
    ("bodies", _ID),
    ("documents", _ID),
    ("facilities", _ID),
    ("feedback", _ID),
    ("campaigns", _ID),
)


def _duplicates(values: Iterable[Any]) -> list[Any]:
    found = list(values)
    if len(set(found)) == len(found):  # the usual case, without counting
        return []
    return sorted((v for v, n in Counter(found).items() if n > 1), key=str)


class Snapshot(_Record):
    """One organization, one period: the unit pbrules evaluates."""

    period: Period
    as_of: date | None = Field(default=None, description="Evaluation date; defaults to period end.")
    organization: Organization
    members: tuple[Member, ...] = ()
    party_groups: tuple[PartyGroup, ...] = ()
    committee: tuple[CommitteePost, ...] = ()
    meetings: tuple[Meeting, ...] = ()
    dues: tuple[DuesRow, ...] = ()
    disclosures: tuple[Disclosure, ...] = ()
    development: tuple[DevelopmentCase, ...] = ()
    trainings: tuple[Training, ...] = ()
    visits: tuple[Visit, ...] = ()
    rectifications: tuple[Rectification, ...] = ()
    coverage_units: tuple[CoverageUnit, ...] = ()
    village_committee: tuple[VillageCommitteePost, ...] = ()
    reserve_cadres: tuple[ReserveCadre, ...] = ()
    bodies: tuple[Body, ...] = ()
    documents: tuple[Document, ...] = ()
    facilities: tuple[Facility, ...] = ()
    feedback: tuple[Feedback, ...] = ()
    campaigns: tuple[Campaign, ...] = ()
    extensions: dict[str, dict[str, Any]] = Field(
        default_factory=dict, description="Plugin data, validated by the plugin's registered model."
    )

    @property
    def effective_as_of(self) -> date:
        """``as_of`` when given, else the period's last day."""
        return self.as_of if self.as_of is not None else self.period.end

    @model_validator(mode="after")
    def _cross_checks(self) -> Snapshot:
        if self._cross_clean():
            return self
        problems = self._cross_problems()
        if problems:
            raise ValueError("; ".join(problems))
        return self

    def _cross_clean(self) -> bool:
        """Whether :meth:`_cross_problems` would find nothing (the usual case), with one set
        per list instead of a list and a set, and no per-record loop."""
        members, groups, dues = self.members, self.party_groups, self.dues
        # the sets are built by map with attrgetters (in C, not a Python loop per record)
        member_ids = set(map(_ID, members))
        group_ids = set(map(_ID, groups))
        if len(member_ids) != len(members) or len(group_ids) != len(groups):
            return False
        if len(set(map(_MEMBER_MONTH, dues))) != len(dues):
            return False
        if not set(map(_MEMBER_ID, dues)) <= member_ids:
            return False
        group_refs = set(map(_GROUP_ID, members))
        group_refs.update(map(_GROUP_ID, self.meetings))
        group_refs.discard(None)
        leaders = set(map(_LEADER_ID, groups))
        leaders.discard(None)
        if not group_refs <= group_ids or not leaders <= member_ids:
            return False
        for records, key in _CROSS_ID_LISTS:
            found = getattr(self, records)
            if len(found) > 1 and len(set(map(key, found))) != len(found):
                return False
        org = self.organization.id
        if any(v.target_org_id == org for v in self.visits):
            return False
        return self.as_of is None or self.as_of >= self.period.start

    def _cross_problems(self) -> list[str]:
        """Every cross-record problem: duplicate ids, dangling references, self-visits."""
        problems: list[str] = []
        for name, ids in (
            ("members", [m.id for m in self.members]),
            ("party_groups", [g.id for g in self.party_groups]),
            ("meetings", [m.id for m in self.meetings]),
            ("disclosures", [d.id for d in self.disclosures]),
            ("development", [d.person_id for d in self.development]),
            ("visits", [v.id for v in self.visits]),
            ("rectifications", [r.id for r in self.rectifications]),
            ("coverage_units", [u.id for u in self.coverage_units]),
            ("reserve_cadres", [r.person_id for r in self.reserve_cadres]),
            ("bodies", [b.id for b in self.bodies]),
            ("documents", [d.id for d in self.documents]),
            ("facilities", [f.id for f in self.facilities]),
            ("feedback", [k.id for k in self.feedback]),
            ("campaigns", [c.id for c in self.campaigns]),
        ):
            dups = _duplicates(ids)
            if dups:
                problems.append(f"{name}: duplicate id(s) {', '.join(map(str, dups))}")
        dup_dues = _duplicates((d.member_id, d.month) for d in self.dues)
        if dup_dues:
            problems.append(
                "dues: duplicate member-month row(s) "
                + ", ".join(f"{m}/{mo}" for m, mo in dup_dues)
            )
        member_ids = {m.id for m in self.members}
        group_ids = {g.id for g in self.party_groups}
        for i, row in enumerate(self.dues):
            if row.member_id not in member_ids:
                problems.append(f"dues.{i}.member_id: {row.member_id!r} is not a listed member")
        for i, m in enumerate(self.members):
            if m.party_group_id is not None and m.party_group_id not in group_ids:
                problems.append(
                    f"members.{i}.party_group_id: {m.party_group_id!r} is not a listed party group"
                )
        for i, mt in enumerate(self.meetings):
            if mt.party_group_id is not None and mt.party_group_id not in group_ids:
                problems.append(
                    f"meetings.{i}.party_group_id: {mt.party_group_id!r} is not a listed group"
                )
        for i, g in enumerate(self.party_groups):
            if g.leader_id is not None and g.leader_id not in member_ids:
                problems.append(
                    f"party_groups.{i}.leader_id: {g.leader_id!r} is not a listed member"
                )
        for i, v in enumerate(self.visits):
            if v.target_org_id == self.organization.id:
                problems.append(f"visits.{i}.target_org_id: an organization cannot visit itself")
        if self.as_of is not None and self.as_of < self.period.start:
            problems.append(f"as_of: {self.as_of} is before the period {self.period} starts")
        return problems
