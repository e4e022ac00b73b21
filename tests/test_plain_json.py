"""The spool writes an organization's result and findings from the engine's plain dicts
(:mod:`pbrules.engine.plain_json`) with the bytes the result models write: compared here with
validating the same dicts into ``OrgResult`` / ``Finding`` and dumping the models, on generated
results with odd numbers and text, and on records that are equal but written differently."""

from __future__ import annotations

import io
import json
import math
import typing
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbrules.builtin.exporters import jsonl_line
from pbrules.engine import plain_json, stream
from pbrules.engine.plain_json import CriteriaJSON
from pbrules.engine.ranking import RankInfo
from pbrules.engine.stream import Done, Row, Spool, as_lines, spooled, write_jsonl
from pbrules.model.note import NoteText
from pbrules.model.outcome import Severity, Status
from pbrules.model.period import Period
from pbrules.model.result import (
    CriterionResult,
    Finding,
    FindingSubject,
    FindingWaiver,
    OrgResult,
    Rectify,
    RunResult,
    StoodForSubject,
)
from pbrules.model.snapshot import Organization, OrgKind
from rank_strategies import rank_infos

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
ORG = Organization(id="O1", name="第一支部", kind=OrgKind.BRANCH)
AS_OF = date(2026, 9, 30)

# -- the old path: validate into the models, dump them ------------------------------------------


def _shifted(text: str) -> bytes:
    return text.encode("utf-8").replace(b"\n", b"\n    ")


def _by_the_models(
    result: dict[str, Any], findings: list[dict[str, Any]]
) -> tuple[bytes, int, bytes]:
    """The organization's bytes without the ranking fields, where they go, and the findings'
    bytes, as the models write them."""
    text = _shifted(OrgResult.model_validate(result).model_dump_json(indent=2))
    cut = text.index(b'\n      "rank": null,\n')
    body = text[:cut] + text[text.index(b'\n      "vetoed":', cut) :]
    found = b",\n    ".join(
        _shifted(Finding.model_validate(f).model_dump_json(indent=2)) for f in findings
    )
    return body, cut, found


def _same_as_the_models(result: dict[str, Any], findings: list[dict[str, Any]]) -> Done:
    done = spooled(ORG, AS_OF, result, findings)
    assert (done.body, done.cut, done.found) == _by_the_models(result, findings)
    assert (done.row.size, done.row.cut, done.row.found) == (
        len(done.body),
        done.cut,
        len(done.found),
    )
    return done


# -- generated results ----------------------------------------------------------------------------

ODD_FLOATS = [1 / 3, 2 / 3, 1e-7, 0.005, 0.015, 2.675, -0.0, 0.0, -0.004, 1e300, 1e-300, 123.456]
HUGE_INTS = [2**53 + 1, 10**30, -(10**20)]
TEXT = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        ["", "第一党支部", "未按期换届：应于 2026-07 前完成", 'a\nb\t"c"\\', "💡 \u2028"]
    ),
)
SCORE = st.one_of(
    st.floats(),
    st.sampled_from(ODD_FLOATS),
    st.integers(-1000, 1000),
    st.sampled_from(HUGE_INTS),
)
NOTE = st.one_of(
    st.none(),
    TEXT,
    st.builds(NoteText, TEXT, TEXT, st.sampled_from(["", "k"])),
)
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**25), 10**25),
    st.floats(),
    st.sampled_from(ODD_FLOATS),
    TEXT,
    st.builds(NoteText, TEXT, TEXT),
    st.dates(),
)
ANY = st.recursive(
    SCALAR,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(TEXT, inner, max_size=3),
    ),
    max_leaves=6,
)


@st.composite
def criterion(draw: st.DrawFn) -> dict[str, Any]:
    record = {
        "id": draw(st.sampled_from(["S01", "D02", "会议03"])),
        "status": draw(st.sampled_from([*Status, *(s.value for s in Status)])),
        "earned": draw(SCORE),
        "max": draw(SCORE),
        "actual": draw(ANY),
        "expected": draw(ANY),
        "compliance": draw(st.none() | SCORE),
        "misses": draw(st.none() | st.integers(0, 10**20)),
        "note": draw(NOTE),
        "note_zh": draw(st.none() | TEXT),
    }
    if draw(st.booleans()):  # as a record made elsewhere may come: keys shuffled, some left out
        keys = draw(st.permutations(list(record)))
        left = set(draw(st.lists(st.sampled_from(["note_zh", "actual", "misses"]), max_size=2)))
        record = {k: record[k] for k in keys if k not in left}
    return record


@st.composite
def org_result(draw: st.DrawFn, pool: list[dict[str, Any]]) -> dict[str, Any]:
    tiers = draw(st.booleans())
    result: dict[str, Any] = {
        "org_id": draw(TEXT),
        "name": draw(TEXT),
        "kind": draw(st.sampled_from(["branch", "general_branch"])),
        "parent_id": draw(st.none() | TEXT),
        "group": draw(st.none() | TEXT),
        "total": draw(st.none() | SCORE),
        "base_total": draw(st.none() | SCORE),
        "bonus": draw(SCORE),
        "grade": draw(st.none() | TEXT),
        "complete": draw(st.booleans()),
        "areas": draw(st.dictionaries(TEXT, SCORE, max_size=4)),
        "vetoed": draw(st.booleans()),
        "category": draw(st.none() | TEXT),
        "criteria": draw(st.lists(st.sampled_from(pool), max_size=12)),
        "unscored_reason": draw(st.none() | TEXT),
    }
    if tiers:
        result["tier"] = draw(st.none() | TEXT)
        result["tier_scores"] = draw(
            st.none() | st.dictionaries(TEXT, st.none() | SCORE, max_size=3)
        )
    return result


@st.composite
def finding(draw: st.DrawFn) -> dict[str, Any]:
    evidence = st.lists(TEXT, max_size=3)
    record: dict[str, Any] = {
        "fingerprint": draw(TEXT),
        "severity": draw(st.sampled_from(list(Severity))),
        "message": draw(TEXT),
        "message_zh": draw(st.none() | TEXT),
        "subject": draw(st.none() | st.fixed_dictionaries({"type": TEXT, "id": TEXT})),
        "evidence": draw(evidence),
        "points_lost": draw(SCORE),
        "criterion": draw(TEXT),
        "pack": draw(TEXT),
        "org_id": draw(TEXT),
        "org_name": draw(TEXT),
        "period": Period.parse(draw(st.sampled_from(["2026Q3", "2026-07", "2026H2", "2026"]))),
        "area": draw(TEXT),
        "status": draw(st.sampled_from([Status.FAIL, Status.PASS])),
        "rectification": {
            "responsible": draw(st.none() | TEXT),
            "due": draw(st.none() | st.dates()),
            "action": draw(st.none() | TEXT),
            "action_zh": draw(st.none() | TEXT),
            "responsible_zh": draw(st.none() | TEXT),
        },
        "basis": draw(st.none() | TEXT),
        "title": draw(st.none() | TEXT),
    }
    if draw(st.booleans()):
        record["waiver"] = {"reason": draw(TEXT), "owner": draw(TEXT), "until": draw(st.dates())}
    if draw(st.booleans()):
        stood_for = st.fixed_dictionaries(
            {"type": TEXT, "id": TEXT, "message": TEXT, "message_zh": st.none() | TEXT},
            optional={"evidence": evidence},
        )
        record["subjects"] = draw(st.lists(stood_for, max_size=2))
    return record


@SETTINGS
@given(st.data())
def test_spooled_bytes_are_the_models_bytes(data: st.DataObject) -> None:
    pool = data.draw(st.lists(criterion(), min_size=1, max_size=6))  # records repeat
    for _ in range(3):
        result = data.draw(org_result(pool))
        findings = data.draw(st.lists(finding(), max_size=3))
        done = _same_as_the_models(result, findings)
        row = done.row
        assert (row.org_id, row.group, row.grade, row.complete) == (
            result["org_id"],
            result["group"],
            result["grade"],
            result["complete"],
        )
        assert row.findings == len(findings)
        assert row.waived == sum(f.get("waiver") is not None for f in findings)
        assert row.critical == sum(f["severity"] is Severity.CRITICAL for f in findings)


# -- records equal under == but written differently ---------------------------------------------


def _record(**fields: Any) -> dict[str, Any]:
    base = {
        "id": "S01",
        "status": Status.PASS,
        "earned": 4.0,
        "max": 4.0,
        "actual": None,
        "expected": None,
        "compliance": 1.0,
        "misses": 0,
        "note": None,
        "note_zh": None,
    }
    return {**base, **fields}


def _swapped(**fields: Any) -> dict[str, Any]:
    """A record with ``expected`` before ``actual``: its values in order are those of a record
    in the models' order with the two swapped."""
    keys = list(_record())
    i, j = keys.index("actual"), keys.index("expected")
    keys[i], keys[j] = keys[j], keys[i]
    return {k: _record(**fields)[k] for k in keys}


EQUAL_BUT_WRITTEN_APART = [
    _record(actual=1),
    _record(actual=1.0),
    _record(actual=True),
    _record(actual=0.0),
    _record(actual=-0.0),
    _record(actual=0),
    _record(actual=False),
    _record(actual=(1,)),
    _record(actual=(1.0,)),
    _record(actual=[True]),
    _record(actual={"a": 1}),
    _record(actual={"a": 1.0}),
    _record(actual=math.nan),
    _record(expected=3),
    _record(expected=3.0),
    _record(expected=NoteText("three", "三")),
    _record(expected="three"),
    _record(misses=1),  # a count, always an int (the checker guard makes sure)
    _record(earned=4),
    _record(earned=-0.0, max=0.0, compliance=-0.0),
    _record(earned=2 / 3, compliance=1 / 3),
    _record(status="pass"),
    _record(note=NoteText("late", "迟")),
    _record(note="late"),
    _record(note_zh="迟"),
    _record(actual=1, expected=None),
    _swapped(actual=None, expected=1),
    dict(reversed(_record(actual=2).items())),
    {k: v for k, v in _record().items() if k != "note_zh"},
]


def _org(criteria: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "org_id": "O1",
        "name": "第一支部",
        "kind": "branch",
        "parent_id": None,
        "group": "branches",
        "total": 80.0,
        "base_total": 80.0,
        "bonus": 0.0,
        "grade": "good",
        "complete": True,
        "areas": {"organization": 80.0},
        "vetoed": False,
        "category": None,
        "criteria": criteria,
        "unscored_reason": None,
    }


def test_records_equal_under_eq_are_written_as_the_models_write_each() -> None:
    for _ in range(2):  # the second time from the kept records
        for record in EQUAL_BUT_WRITTEN_APART:
            _same_as_the_models(_org([record]), [])
        _same_as_the_models(_org(EQUAL_BUT_WRITTEN_APART), [])
        _same_as_the_models(_org(list(reversed(EQUAL_BUT_WRITTEN_APART))), [])


def test_kept_records_are_bounded() -> None:
    write = CriteriaJSON(indent=6, limit=3)
    for record in EQUAL_BUT_WRITTEN_APART * 2:
        expected = CriterionResult.model_validate(record).model_dump_json(indent=2)
        text = expected.encode().replace(b"\n", b"\n        ")
        assert write([record]) == b"[\n        " + text + b"\n      ]"
        assert len(write._known) <= 3
    assert write([]) == b"[]"


def test_spooled_leaves_the_engines_dicts_as_they_were() -> None:
    criteria = [dict(r) for r in EQUAL_BUT_WRITTEN_APART]
    result = _org(criteria)
    before = repr(result)
    spooled(ORG, AS_OF, result, [])
    assert repr(result) == before


# -- the mirrors have the models' fields, in order ----------------------------------------------


def test_the_mirrors_have_the_models_fields_in_order() -> None:
    pairs = [
        (plain_json._Criterion, CriterionResult, set()),
        (
            plain_json._Org,
            OrgResult,
            set(OrgResult.model_fields) - set(plain_json._Org.__annotations__),
        ),
        (plain_json._Finding, Finding, set()),
        (plain_json._Subject, FindingSubject, set()),
        (plain_json._StoodFor, StoodForSubject, set()),
        (plain_json._Rectify, Rectify, set()),
        (plain_json._Waiver, FindingWaiver, set()),
    ]
    for mirror, model, left in pairs:
        fields = list(typing.get_type_hints(mirror))
        assert fields == [f for f in model.model_fields if f not in left], mirror
    ranking = ["rank", "group_size", "previous_rank", "rank_change", "movement"]
    assert sorted(pairs[1][2]) == sorted([*ranking, "previous_total", "total_change"])


# -- the jsonl lines: the spool's items with their line breaks dropped ---------------------------
# A ``jsonl`` run spools each item as its line (``stream.as_lines``); ``_old_jsonl`` reads a
# ``json`` spool of the same organizations and writes every item again with ``json.dumps``.


def _old_jsonl(shell: RunResult, rows: list[Row], ranks: list[RankInfo], spool: Spool) -> bytes:
    """``write_jsonl`` as it was: every item decoded and written again with ``json.dumps``."""
    head = {"pack": shell.pack.id, "period": str(shell.period)}
    lines = []
    for row, rank in zip(rows, ranks, strict=True):
        org = json.loads(stream._ranked(spool.body(row), row.cut, rank))
        lines.append(jsonl_line("organization", {**head, **org}))
    for row in rows:
        if row.found:
            for finding in json.loads(b"[" + spool.found(row) + b"]"):
                lines.append(jsonl_line("finding", finding))
    return b"".join(lines)


RANKS = rank_infos(SCORE)
SHELL = RunResult.model_validate(
    {
        "pack": {"id": "第一 pack", "version": "1", "digest": "0" * 64},
        "period": "2026Q3",
        "summary": {"evaluated": 0, "rejected": 0, "findings": 0, "incomplete": 0},
    }
)


def _jsonl_as_before(dones: list[Done], ranks: list[RankInfo]) -> bytes:
    """``write_jsonl`` of ``dones`` from a ``jsonl`` spool (half of them made lines before they
    are added, as a worker does, the others by the spool), compared with ``_old_jsonl``."""
    with Spool() as before, Spool("jsonl") as spool:
        old_rows = [before.add(done) for done in dones]
        rows = [spool.add(as_lines(d) if n % 2 else d) for n, d in enumerate(dones)]
        before.ready()
        spool.ready()
        out = io.BytesIO()
        write_jsonl(out, SHELL, rows, ranks, spool)
        assert out.getvalue() == _old_jsonl(SHELL, old_rows, ranks, before)
        return out.getvalue()


@SETTINGS
@given(st.data())
def test_jsonl_lines_are_the_decoded_items_written_again(data: st.DataObject) -> None:
    pool = data.draw(st.lists(criterion(), min_size=1, max_size=4))
    dones = []
    for _ in range(data.draw(st.integers(1, 3))):
        result = data.draw(org_result(pool))
        findings = data.draw(st.lists(finding(), max_size=3))
        dones.append(spooled(ORG, AS_OF, result, findings))
    _jsonl_as_before(dones, [data.draw(RANKS) for _ in dones])


def _jsonl_of(result: dict[str, Any], rank: RankInfo) -> bytes:
    return _jsonl_as_before([spooled(ORG, AS_OF, result, [])], [rank])


NO_RANK = RankInfo(None, None, None, None, None, None, None)


def test_floats_spelled_apart_are_decoded_and_written_again() -> None:
    # pydantic-core writes 9.99e-05 as 0.0000999 and 1e-09 as 1e-9; json.dumps as Python does
    for value in [9.99e-5, 1e-5, 1.5e-5, 1e-9, -3e-7, 1e-10, 1e-4, 1e16, 5e-324, 0.5]:
        line = _jsonl_of(_org([_record(actual=value)]), NO_RANK)
        assert f'"actual": {value!r}'.encode() in line
    for total_change in (1e-5, -1e-9):  # rounded: 0.0 and -0.0 + 0.0
        _jsonl_of(_org([_record()]), RankInfo(1, 1, None, None, None, 1e-6, total_change))


def test_text_that_looks_like_a_float_costs_only_the_slower_way() -> None:
    for note in ("v2e-1", "0.00001", "第2e-3条"):
        _jsonl_of(_org([_record(note=note)]), NO_RANK)


@SETTINGS
@given(RANKS)
def test_ranking_fields_are_patched_in_as_the_model_writes_them(rank: RankInfo) -> None:
    result = _org([_record()])
    done = spooled(ORG, AS_OF, result, [])
    fields = {name: getattr(rank, name) for name in RankInfo.__dataclass_fields__}
    whole = OrgResult.model_validate({**result, **fields}).model_dump_json(indent=2)
    assert stream._ranked(done.body, done.cut, rank) == _shifted(whole)
