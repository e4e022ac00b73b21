"""Hypothesis strategies for snapshots and datasets (pydantic v2 ships none for our models).

Every snapshot these strategies build validates against :class:`~pbrules.model.snapshot.Snapshot`
and survives a JSON round trip unchanged, so property tests can focus on behaviour::

    from hypothesis import given
    from pbrules.testing.strategies import datasets, snapshots

    @given(snapshots(kinds=["branch"], max_members=10))
    def test_my_checker_never_errors(snapshot):
        ...

    @given(datasets(max_size=12))
    def test_every_parent_is_listed(snaps):
        ...

Building blocks (``organizations``, ``members``, ``meetings``, ``dues_rows``...) build single
records; most take the ids they may refer to, so a snapshot's references stay consistent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta
from typing import Any

from hypothesis import strategies as st

from pbrules.model.period import Month, Period, PeriodKind
from pbrules.model.snapshot import (
    Appraisal,
    Body,
    Campaign,
    CampaignStep,
    Category,
    Channel,
    CommitteePost,
    CommitteeRole,
    CoverageKind,
    CoverageMode,
    CoverageUnit,
    DevelopmentCase,
    Disclosure,
    Document,
    DuesCategory,
    DuesRow,
    Education,
    Facility,
    Feedback,
    FeedbackMode,
    Gender,
    LeaveReason,
    Meeting,
    MeetingType,
    Member,
    MemberStatus,
    Occupation,
    Organization,
    OrgKind,
    PartyGroup,
    Rectification,
    RectificationStatus,
    ReserveCadre,
    Snapshot,
    Training,
    TrainingKind,
    TrainingLevel,
    VillageCommitteePost,
    VillageRole,
    Visit,
    VisitMode,
)

__all__ = [
    "BODY_KINDS",
    "CAMPAIGN_KINDS",
    "DOCUMENT_KINDS",
    "FACILITY_KINDS",
    "TAGS",
    "bodies",
    "campaigns",
    "committee_posts",
    "coverage_units",
    "datasets",
    "development_cases",
    "disclosures",
    "documents",
    "dues_rows",
    "facilities",
    "feedback_items",
    "ids",
    "meetings",
    "members",
    "organizations",
    "party_groups",
    "periods",
    "person_fields",
    "rectifications",
    "reserve_cadres",
    "snapshots",
    "texts",
    "trainings",
    "village_committee_posts",
    "visits",
]

DEFAULT_MIN_DATE = date(2015, 1, 1)
DEFAULT_MAX_DATE = date(2027, 12, 31)

#: small vocabularies of free ids, so that generated records meet the criteria that name them
BODY_KINDS = ("party_member_council", "villager_representatives", "finance_group", "leading_group")
DOCUMENT_KINDS = ("annual_plan", "rules", "ledger")
FACILITY_KINDS = ("activity_room", "disclosure_board", "service_station")
CAMPAIGN_KINDS = ("weak_lax_rectification", "five_transformations")
TAGS = ("wealth_leader", "veteran", "returnee")


# ---------------------------------------------------------------------------------------------
# Scalars
# ---------------------------------------------------------------------------------------------
def ids(prefix: str = "", *, max_size: int = 8) -> st.SearchStrategy[str]:
    """Record ids: ``prefix`` plus letters, digits and ``-``/``_`` (never blank)."""
    body = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ0123456789-_", min_size=1, max_size=max_size)
    return body.map(lambda s: prefix + s)


def texts(*, max_size: int = 30) -> st.SearchStrategy[str]:
    """Free text (names, topics): any printable characters, including CJK."""
    return st.text(
        alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=max_size
    )


def _amounts(max_value: float = 20000.0) -> st.SearchStrategy[float]:
    return st.floats(min_value=0, max_value=max_value, allow_nan=False, allow_infinity=False)


def periods(
    kinds: Sequence[PeriodKind | str] | None = None,
    *,
    min_year: int = 2015,
    max_year: int = 2030,
) -> st.SearchStrategy[Period]:
    """Periods of the given kinds (default: every kind) between two years."""
    chosen = [PeriodKind(k) for k in kinds] if kinds else list(PeriodKind)

    def build(kind: PeriodKind, year: int, index: int) -> Period:
        count = {"month": 12, "quarter": 4, "half": 2, "year": 1}[kind.value]
        return Period(kind, year, index % count + 1)

    return st.builds(
        build, st.sampled_from(chosen), st.integers(min_year, max_year), st.integers(0, 11)
    )


def _dates(lo: date, hi: date) -> st.SearchStrategy[date]:
    return st.dates(min_value=lo, max_value=max(lo, hi))


@st.composite
def _ordered(draw: st.DrawFn, lo: date, hi: date, n: int) -> list[date | None]:
    """``n`` optional dates, each not before the previous one given."""
    out: list[date | None] = []
    floor = lo
    for _ in range(n):
        if draw(st.booleans()):
            d = draw(_dates(floor, hi))
            out.append(d)
            floor = d
        else:
            out.append(None)
    return out


# ---------------------------------------------------------------------------------------------
# Records
# ---------------------------------------------------------------------------------------------
@st.composite
def organizations(
    draw: st.DrawFn,
    *,
    org_id: str | st.SearchStrategy[str] | None = None,
    kinds: Sequence[OrgKind | str] | None = None,
    parent_id: str | st.SearchStrategy[str | None] | None = None,
    min_date: date = DEFAULT_MIN_DATE,
    max_date: date = DEFAULT_MAX_DATE,
) -> Organization:
    """An organization; ``org_id``/``parent_id`` may be fixed values or strategies."""
    oid = org_id if isinstance(org_id, str) else draw(org_id or ids("O"))
    parent = draw(parent_id) if isinstance(parent_id, st.SearchStrategy) else parent_id
    if parent == oid:
        parent = None
    kind = draw(st.sampled_from([OrgKind(k) for k in kinds] if kinds else list(OrgKind)))
    founded, term_start = draw(_ordered(min_date, max_date, 2))
    return Organization(
        id=oid,
        name=draw(texts(max_size=40)),
        kind=kind,
        category=draw(st.none() | st.sampled_from(list(Category))),
        parent_id=parent,
        founded_on=founded,
        term_started_on=term_start,
        term_years=draw(st.none() | st.integers(1, 10)),
        weak_lax=draw(st.none() | st.booleans()),
    )


@st.composite
def members(
    draw: st.DrawFn,
    member_id: str,
    *,
    group_ids: Sequence[str] = (),
    min_date: date = DEFAULT_MIN_DATE,
    max_date: date = DEFAULT_MAX_DATE,
) -> Member:
    """A party member with id ``member_id``, maybe in one of ``group_ids``."""
    joined, converted = draw(_ordered(min_date, max_date, 2))
    left = draw(st.none() | _dates(joined or min_date, max_date))
    return Member(
        id=member_id,
        name=draw(st.none() | texts()),
        status=draw(st.none() | st.sampled_from(list(MemberStatus))),
        joined_on=joined,
        converted_on=converted if joined is not None else None,
        party_group_id=draw(st.none() | st.sampled_from(list(group_ids))) if group_ids else None,
        mobile=draw(st.none() | st.booleans()),
        dues_category=draw(st.none() | st.sampled_from(list(DuesCategory))),
        monthly_income=draw(st.none() | _amounts()),
        points=draw(st.none() | _amounts(100)),
        appraisal=draw(st.none() | st.sampled_from(list(Appraisal))),
        study_hours=draw(st.none() | _amounts(200)),
        left_on=left if joined is not None else None,
        post=draw(st.none() | st.sampled_from(["service_volunteer", "mediator", "publicity"])),
        **draw(person_fields()),
    )


def party_groups(group_id: str, *, member_ids: Sequence[str] = ()) -> st.SearchStrategy[PartyGroup]:
    """A party group led (maybe) by one of ``member_ids``."""
    leader = st.none() | st.sampled_from(list(member_ids)) if member_ids else st.none()
    return st.builds(PartyGroup, id=st.just(group_id), name=st.none() | texts(), leader_id=leader)


@st.composite
def committee_posts(
    draw: st.DrawFn,
    *,
    person_ids: Sequence[str] = (),
    min_date: date = DEFAULT_MIN_DATE,
    max_date: date = DEFAULT_MAX_DATE,
) -> CommitteePost:
    """A committee post held by one of ``person_ids`` or by someone from outside."""
    person = draw(st.sampled_from(list(person_ids)) if person_ids else ids("X"))
    appointed = draw(_dates(min_date, max_date))
    left = draw(st.none() | _dates(appointed, max_date))
    return CommitteePost(
        person_id=person,
        name=draw(st.none() | texts()),
        role=draw(st.none() | st.sampled_from(list(CommitteeRole))),
        appointed_on=appointed,
        left_on=left,
        leave_reason=draw(st.sampled_from(list(LeaveReason))) if left is not None else None,
        trained_on=draw(st.none() | _dates(min_date, max_date)),
        **draw(person_fields()),
    )


@st.composite
def meetings(
    draw: st.DrawFn,
    meeting_id: str,
    *,
    group_ids: Sequence[str] = (),
    min_date: date = DEFAULT_MIN_DATE,
    max_date: date = DEFAULT_MAX_DATE,
) -> Meeting:
    """A meeting held between the two dates (``attended`` never above ``expected``)."""
    expected = draw(st.none() | st.integers(0, 200))
    attended = draw(st.none() | st.integers(0, expected if expected is not None else 200))
    kind = draw(st.none() | st.sampled_from(list(MeetingType)))
    group = None
    if kind is MeetingType.GROUP_MEETING and group_ids:
        group = draw(st.none() | st.sampled_from(list(group_ids)))
    return Meeting(
        id=meeting_id,
        type=kind,
        held_on=draw(_dates(min_date, max_date)),
        party_group_id=group,
        expected=expected,
        attended=attended,
        minutes=draw(st.none() | st.booleans()),
        topics=tuple(draw(st.lists(texts(), max_size=3))),
        lecturer_role=draw(st.none() | st.sampled_from(list(CommitteeRole))),
    )


@st.composite
def dues_rows(
    draw: st.DrawFn,
    member_id: str,
    month: str,
) -> DuesRow:
    """The dues row of ``member_id`` for ``month`` (``YYYY-MM``)."""
    m = Month.parse(month)
    paid = draw(st.none() | _amounts(500))
    return DuesRow(
        member_id=member_id,
        month=month,
        due=draw(st.none() | _amounts(500)),
        paid=paid,
        paid_on=draw(st.none() | _dates(m.start, m.end + timedelta(days=90))) if paid else None,
    )


def disclosures(
    disclosure_id: str, *, min_date: date = DEFAULT_MIN_DATE, max_date: date = DEFAULT_MAX_DATE
) -> st.SearchStrategy[Disclosure]:
    return st.builds(
        Disclosure,
        id=st.just(disclosure_id),
        published_on=_dates(min_date, max_date),
        channel=st.none() | st.sampled_from(list(Channel)),
        topics=st.lists(texts(), max_size=3).map(tuple),
    )


@st.composite
def development_cases(
    draw: st.DrawFn,
    person_id: str,
    *,
    introducer_ids: Sequence[str] = (),
    min_date: date = DEFAULT_MIN_DATE,
    max_date: date = DEFAULT_MAX_DATE,
) -> DevelopmentCase:
    """A person in the development pipeline; the steps' dates are in order when given."""
    applied, talked, activist, dev_object, accepted, approved, converted = draw(
        _ordered(min_date, max_date, 7)
    )
    return DevelopmentCase(
        person_id=person_id,
        name=draw(st.none() | texts()),
        applied_on=applied,
        talked_on=talked,
        activist_on=activist,
        dev_object_on=dev_object,
        training_hours=draw(st.none() | _amounts(200)),
        introducers=tuple(
            draw(st.lists(st.sampled_from(list(introducer_ids)), max_size=2, unique=True))
            if introducer_ids
            else ()
        ),
        accepted_on=accepted,
        approved_on=approved,
        oath_on=draw(st.none() | _dates(min_date, max_date)),
        converted_on=converted,
        extended_until=draw(st.none() | _dates(min_date, max_date)),
        cancelled_on=draw(st.none() | _dates(min_date, max_date)),
        **draw(person_fields()),
    )


@st.composite
def trainings(
    draw: st.DrawFn,
    *,
    person_ids: Sequence[str] = (),
    min_date: date = DEFAULT_MIN_DATE,
    max_date: date = DEFAULT_MAX_DATE,
) -> Training:
    start = draw(_dates(min_date, max_date))
    return Training(
        person_id=draw(st.sampled_from(list(person_ids)) if person_ids else ids("X")),
        kind=draw(st.none() | st.sampled_from(list(TrainingKind))),
        start_on=start,
        end_on=draw(st.none() | _dates(start, max_date)),
        hours=draw(st.none() | _amounts(200)),
        level=draw(st.none() | st.sampled_from(list(TrainingLevel))),
    )


def visits(
    visit_id: str,
    *,
    target_ids: Sequence[str],
    min_date: date = DEFAULT_MIN_DATE,
    max_date: date = DEFAULT_MAX_DATE,
) -> st.SearchStrategy[Visit]:
    """A visit to one of ``target_ids`` (never the visiting organization itself)."""
    return st.builds(
        Visit,
        id=st.just(visit_id),
        target_org_id=st.sampled_from(list(target_ids)),
        visited_on=_dates(min_date, max_date),
        mode=st.none() | st.sampled_from(list(VisitMode)),
        problems=st.lists(texts(), max_size=3).map(tuple),
    )


@st.composite
def rectifications(
    draw: st.DrawFn,
    item_id: str,
    *,
    min_date: date = DEFAULT_MIN_DATE,
    max_date: date = DEFAULT_MAX_DATE,
) -> Rectification:
    opened = draw(_dates(min_date, max_date))
    return Rectification(
        id=item_id,
        criterion=draw(st.none() | st.sampled_from(["S02", "S05", "V01", "T03"])),
        description=draw(st.none() | texts()),
        responsible=draw(st.none() | texts()),
        opened_on=opened,
        due_on=draw(st.none() | _dates(opened, max_date)),
        status=draw(st.none() | st.sampled_from(list(RectificationStatus))),
        closed_on=draw(st.none() | _dates(opened, max_date)),
    )


def coverage_units(
    unit_id: str, *, branch_ids: Sequence[str] = ()
) -> st.SearchStrategy[CoverageUnit]:
    covered = st.none() | st.sampled_from(list(branch_ids)) if branch_ids else st.none()
    return st.builds(
        CoverageUnit,
        id=st.just(unit_id),
        name=st.none() | texts(),
        kind=st.none() | st.sampled_from(list(CoverageKind)),
        operating=st.none() | st.booleans(),
        employees=st.none() | st.integers(0, 5000),
        full_members=st.none() | st.integers(0, 50),
        covered_by=covered,
        mode=st.none() | st.sampled_from(list(CoverageMode)),
        instructor=st.none() | st.booleans(),
    )


# ---------------------------------------------------------------------------------------------
# v2 records (DESIGN §12.1)
# ---------------------------------------------------------------------------------------------
@st.composite
def person_fields(draw: st.DrawFn) -> dict[str, Any]:
    """The person fields of any person record: gender, birth date (1940-2008), education,
    occupation and tags (from :data:`TAGS`)."""
    return {
        "gender": draw(st.none() | st.sampled_from(list(Gender))),
        "birth_date": draw(st.none() | _dates(date(1940, 1, 1), date(2008, 12, 31))),
        "education": draw(st.none() | st.sampled_from(list(Education))),
        "occupation": draw(st.none() | st.sampled_from(list(Occupation))),
        "tags": tuple(draw(st.lists(st.sampled_from(TAGS), max_size=2, unique=True))),
    }


@st.composite
def village_committee_posts(
    draw: st.DrawFn,
    *,
    person_ids: Sequence[str] = (),
    min_date: date = DEFAULT_MIN_DATE,
    max_date: date = DEFAULT_MAX_DATE,
) -> VillageCommitteePost:
    """A villagers' committee post held by one of ``person_ids`` or by a non-member."""
    person = draw(st.sampled_from([*person_ids, "VC1", "VC2"]))
    appointed = draw(_dates(min_date, max_date))
    left = draw(st.none() | _dates(appointed, max_date))
    return VillageCommitteePost(
        person_id=person,
        name=draw(st.none() | texts()),
        role=draw(st.none() | st.sampled_from(list(VillageRole))),
        appointed_on=appointed,
        left_on=left,
        leave_reason=draw(st.sampled_from(list(LeaveReason))) if left is not None else None,
        party_member=person in person_ids if draw(st.booleans()) else None,
        **draw(person_fields()),
    )


@st.composite
def reserve_cadres(
    draw: st.DrawFn,
    person_id: str,
    *,
    min_date: date = DEFAULT_MIN_DATE,
    max_date: date = DEFAULT_MAX_DATE,
) -> ReserveCadre:
    return ReserveCadre(
        person_id=person_id,
        name=draw(st.none() | texts()),
        identified_on=draw(_dates(min_date, max_date)),
        **draw(person_fields()),
    )


@st.composite
def bodies(
    draw: st.DrawFn,
    body_id: str,
    *,
    min_date: date = DEFAULT_MIN_DATE,
    max_date: date = DEFAULT_MAX_DATE,
) -> Body:
    """A working body of one of :data:`BODY_KINDS`, maybe adjusted or dissolved later."""
    established, adjusted, dissolved = draw(_ordered(min_date, max_date, 3))
    return Body(
        id=body_id,
        kind=draw(st.sampled_from(BODY_KINDS)),
        name=draw(st.none() | texts()),
        established_on=established,
        adjusted_on=adjusted if established is not None else None,
        dissolved_on=dissolved if established is not None else None,
    )


@st.composite
def documents(
    draw: st.DrawFn,
    doc_id: str,
    *,
    min_date: date = DEFAULT_MIN_DATE,
    max_date: date = DEFAULT_MAX_DATE,
) -> Document:
    """A document of one of :data:`DOCUMENT_KINDS` with an issue date, a year, or both."""
    issued = draw(st.none() | _dates(min_date, max_date))
    year = draw(st.none() | st.integers(min_date.year, max_date.year))
    if issued is None and year is None:
        year = max_date.year
    return Document(
        id=doc_id,
        kind=draw(st.sampled_from(DOCUMENT_KINDS)),
        title=draw(st.none() | texts()),
        issued_on=issued,
        year=year,
    )


@st.composite
def facilities(
    draw: st.DrawFn,
    facility_id: str,
    *,
    min_date: date = DEFAULT_MIN_DATE,
    max_date: date = DEFAULT_MAX_DATE,
) -> Facility:
    opened = draw(st.none() | _dates(min_date, max_date))
    closed = draw(st.none() | _dates(opened or min_date, max_date)) if opened else None
    return Facility(
        id=facility_id,
        kind=draw(st.sampled_from(FACILITY_KINDS)),
        name=draw(st.none() | texts()),
        area_m2=draw(st.none() | _amounts(500)),
        opened_on=opened,
        closed_on=closed,
        signage=draw(st.none() | st.booleans()),
    )


@st.composite
def feedback_items(
    draw: st.DrawFn,
    item_id: str,
    *,
    min_date: date = DEFAULT_MIN_DATE,
    max_date: date = DEFAULT_MAX_DATE,
) -> Feedback:
    """A problem fed back to the organization, maybe due, maybe rectified."""
    found = draw(_dates(min_date, max_date))
    return Feedback(
        id=item_id,
        found_on=found,
        by=draw(st.none() | st.just("D00")),
        mode=draw(st.none() | st.sampled_from(list(FeedbackMode))),
        problem=draw(st.none() | texts()),
        criterion=draw(st.none() | st.sampled_from(["S02", "S05", "V01"])),
        responsible=draw(st.none() | texts()),
        due_on=draw(st.none() | _dates(found, max_date)),
        rectified_on=draw(st.none() | _dates(found, max_date)),
    )


@st.composite
def campaigns(
    draw: st.DrawFn,
    campaign_id: str,
    *,
    min_date: date = DEFAULT_MIN_DATE,
    max_date: date = DEFAULT_MAX_DATE,
) -> Campaign:
    """A campaign of one of :data:`CAMPAIGN_KINDS` with up to three steps."""
    started = draw(_dates(min_date, max_date))
    names = draw(st.lists(st.sampled_from(["plan", "contacts", "acceptance"]), max_size=3,
                          unique=True))
    steps = tuple(
        CampaignStep(
            name=name,
            due_on=draw(st.none() | _dates(started, max_date)),
            done_on=draw(st.none() | _dates(started, max_date)),
        )
        for name in names
    )
    return Campaign(
        id=campaign_id,
        kind=draw(st.sampled_from(CAMPAIGN_KINDS)),
        started_on=started,
        target_on=draw(st.none() | _dates(started, max_date)),
        accepted_on=draw(st.none() | _dates(started, max_date)),
        steps=steps,
    )


def _v2_lists(
    draw: st.DrawFn, member_ids: list[str], max_records: int, lo: date, hi: date
) -> dict[str, Any]:
    count = st.integers(0, max_records)
    return {
        "village_committee": tuple(
            draw(village_committee_posts(person_ids=member_ids, min_date=lo, max_date=hi))
            for _ in range(draw(count))
        ),
        "reserve_cadres": tuple(
            draw(reserve_cadres(pid, min_date=lo, max_date=hi))
            for pid in _numbered("RC", draw(count))
        ),
        "bodies": tuple(
            draw(bodies(bid, min_date=lo, max_date=hi)) for bid in _numbered("B", draw(count))
        ),
        "documents": tuple(
            draw(documents(did, min_date=lo, max_date=hi)) for did in _numbered("D", draw(count))
        ),
        "facilities": tuple(
            draw(facilities(fid, min_date=lo, max_date=hi)) for fid in _numbered("F", draw(count))
        ),
        "feedback": tuple(
            draw(feedback_items(kid, min_date=lo, max_date=hi))
            for kid in _numbered("K", draw(count))
        ),
        "campaigns": tuple(
            draw(campaigns(cid, min_date=lo, max_date=hi))
            for cid in _numbered("C", draw(st.integers(0, min(2, max_records))))
        ),
    }


# ---------------------------------------------------------------------------------------------
# Snapshots and datasets
# ---------------------------------------------------------------------------------------------
def _numbered(prefix: str, n: int) -> list[str]:
    return [f"{prefix}{i + 1}" for i in range(n)]


@st.composite
def snapshots(
    draw: st.DrawFn,
    *,
    period: Period | str | st.SearchStrategy[Period] | None = None,
    kinds: Sequence[OrgKind | str] | None = None,
    org_id: str | st.SearchStrategy[str] | None = None,
    parent_id: str | st.SearchStrategy[str | None] | None = None,
    min_members: int = 0,
    max_members: int = 8,
    max_records: int = 4,
    subordinate_ids: Sequence[str] = (),
    min_date: date | None = None,
    max_date: date | None = None,
    v2: bool = True,
) -> Snapshot:
    """A valid snapshot.

    :param period: a fixed period or a strategy (default: any quarter 2020-2028).
    :param kinds: organization kinds to choose from (default: every kind).
    :param org_id: a fixed id or a strategy of ids; ``parent_id`` likewise (default: none).
    :param min_members: / ``max_members`` bound the member list.
    :param max_records: bounds every other record list (meetings, dues per member...).
    :param subordinate_ids: organizations that visits may target.
    :param min_date: / ``max_date`` bound every date (default: four years before the period
        start to the period end).
    :param v2: also fill the v2 lists (village committee, reserve cadres, bodies, documents,
        facilities, feedback, campaigns); ``False`` gives v1-shaped snapshots (person fields may
        still be set).
    """
    if isinstance(period, st.SearchStrategy):
        p = draw(period)
    elif period is None:
        p = draw(periods(["quarter"], min_year=2020, max_year=2028))
    else:
        p = Period.parse(period)
    lo = min_date or date(p.start.year - 4, 1, 1)
    hi = max_date or p.end
    org = draw(
        organizations(org_id=org_id, kinds=kinds, parent_id=parent_id, min_date=lo, max_date=hi)
    )
    n_groups = draw(st.integers(0, min(3, max_records)))
    group_ids = _numbered("PG", n_groups)
    n_members = draw(st.integers(min_members, max(min_members, max_members)))
    member_ids = _numbered("M", n_members)
    member_list = [
        draw(members(mid, group_ids=group_ids, min_date=lo, max_date=hi)) for mid in member_ids
    ]
    groups = [draw(party_groups(g, member_ids=member_ids)) for g in group_ids]
    count = st.integers(0, max_records)
    outsiders = ["FS1"]
    committee = [
        draw(committee_posts(person_ids=member_ids + outsiders, min_date=lo, max_date=hi))
        for _ in range(draw(count))
    ]
    meeting_list = [
        draw(meetings(mid, group_ids=group_ids, min_date=lo, max_date=hi))
        for mid in _numbered("E", draw(count))
    ]
    dues: list[DuesRow] = []
    for mid in member_ids:
        months = draw(
            st.lists(st.sampled_from(p.months), max_size=min(3, max_records), unique=True)
        )
        dues.extend(draw(dues_rows(mid, month)) for month in months)
    targets = [t for t in subordinate_ids if t != org.id]
    visit_list = (
        [
            draw(visits(vid, target_ids=targets, min_date=lo, max_date=hi))
            for vid in _numbered("V", draw(count))
        ]
        if targets
        else []
    )
    as_of = draw(st.none() | _dates(p.start, max(p.start, hi)))
    extra = _v2_lists(draw, member_ids, max_records, lo, hi) if v2 else {}
    return Snapshot(
        period=p,
        as_of=as_of,
        organization=org,
        members=tuple(member_list),
        party_groups=tuple(groups),
        committee=tuple(committee),
        meetings=tuple(meeting_list),
        dues=tuple(dues),
        disclosures=tuple(
            draw(disclosures(did, min_date=lo, max_date=hi)) for did in _numbered("P", draw(count))
        ),
        development=tuple(
            draw(development_cases(pid, introducer_ids=member_ids, min_date=lo, max_date=hi))
            for pid in _numbered("A", draw(count))
        ),
        trainings=tuple(
            draw(trainings(person_ids=member_ids + outsiders, min_date=lo, max_date=hi))
            for _ in range(draw(count))
        ),
        visits=tuple(visit_list),
        rectifications=tuple(
            draw(rectifications(rid, min_date=lo, max_date=hi))
            for rid in _numbered("R", draw(count))
        ),
        coverage_units=tuple(
            draw(coverage_units(uid, branch_ids=list(subordinate_ids)))
            for uid in _numbered("U", draw(st.integers(0, min(2, max_records))))
        ),
        **extra,
    )


_CHILD_KINDS: dict[OrgKind, tuple[OrgKind, ...]] = {
    OrgKind.DISTRICT_COMMITTEE: (
        OrgKind.TOWNSHIP_COMMITTEE,
        OrgKind.STREET_WORKING_COMMITTEE,
        OrgKind.SYSTEM_SUB_COMMITTEE,
    ),
    OrgKind.TOWNSHIP_COMMITTEE: (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH, OrgKind.JOINT_BRANCH),
    OrgKind.STREET_WORKING_COMMITTEE: (OrgKind.BRANCH, OrgKind.JOINT_BRANCH),
    OrgKind.SYSTEM_SUB_COMMITTEE: (OrgKind.BASE_COMMITTEE, OrgKind.GENERAL_BRANCH, OrgKind.BRANCH),
    OrgKind.BASE_COMMITTEE: (OrgKind.BRANCH, OrgKind.GENERAL_BRANCH),
    OrgKind.GENERAL_BRANCH: (OrgKind.BRANCH,),
    OrgKind.BRANCH: (),
    OrgKind.JOINT_BRANCH: (),
}


@st.composite
def datasets(
    draw: st.DrawFn,
    *,
    min_size: int = 1,
    max_size: int = 10,
    period: Period | str | st.SearchStrategy[Period] | None = None,
    max_members: int = 4,
    max_records: int = 2,
) -> list[Snapshot]:
    """A list of snapshots for one period forming one organization tree.

    Ids are unique; the first snapshot is the root (a district committee) and every other
    organization's ``parent_id`` names an earlier one whose kind may hold it. Parents' visits
    target their own subordinates.
    """
    if isinstance(period, st.SearchStrategy):
        p = draw(period)
    elif period is None:
        p = draw(periods(["quarter"], min_year=2020, max_year=2028))
    else:
        p = Period.parse(period)
    size = draw(st.integers(max(1, min_size), max(1, min_size, max_size)))
    # the tree first: (id, kind, parent)
    nodes: list[tuple[str, OrgKind, str | None]] = [("D00", OrgKind.DISTRICT_COMMITTEE, None)]
    for i in range(1, size):
        parents = [n for n in nodes if _CHILD_KINDS[n[1]]]
        parent = draw(st.sampled_from(parents))
        kind = draw(st.sampled_from(_CHILD_KINDS[parent[1]]))
        nodes.append((f"O{i:03d}", kind, parent[0]))
    children: dict[str, list[str]] = {}
    for oid, _, parent_id in nodes:
        if parent_id is not None:
            children.setdefault(parent_id, []).append(oid)
    out: list[Snapshot] = []
    for oid, kind, parent_id in nodes:
        out.append(
            draw(
                snapshots(
                    period=p,
                    kinds=[kind],
                    org_id=oid,
                    parent_id=parent_id,
                    max_members=max_members,
                    max_records=max_records,
                    subordinate_ids=children.get(oid, []),
                )
            )
        )
    return out


def snapshot_dicts(**kwargs: Any) -> st.SearchStrategy[dict[str, Any]]:
    """Snapshots as JSON-ready dicts (what a reader yields), from :func:`snapshots`."""
    return snapshots(**kwargs).map(lambda s: s.model_dump(mode="json", exclude_none=True))


__all__ += ["snapshot_dicts"]
