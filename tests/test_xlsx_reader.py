"""The XLSX reader: a workbook of organizations and record sheets, read into snapshots."""

from __future__ import annotations

import itertools
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

from pbrules.builtin import xlsx_reader
from pbrules.builtin.xlsx_reader import RECORD_SHEETS, STEPS_SHEET, XlsxReader, write_workbook
from pbrules.dataset import read_dataset
from pbrules.io import Reader
from pbrules.model.result import Rejected
from pbrules.model.snapshot import Snapshot
from pbrules.plugins import DEFAULT_PLUGINS, PluginHost, Registry

openpyxl = pytest.importorskip("openpyxl")

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "district" / "2026Q3.jsonl"


@pytest.fixture(scope="module")
def registry() -> Registry:
    host = PluginHost(load_entrypoints=False)
    if xlsx_reader.__name__ not in DEFAULT_PLUGINS:  # not yet a built-in plugin
        host.register(xlsx_reader, "xlsx")
    return host.registry()


def _workbook(path: Path, sheets: dict[str, list[list[Any]]]) -> Path:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for title, rows in sheets.items():
        ws = wb.create_sheet(title)
        for row in rows:
            ws.append(row)
    wb.save(path)
    return path


ORG_HEADER = ["period", "as_of", "id", "name", "kind", "category", "parent_id"]


def _items(path: Path, registry: Registry) -> list[Snapshot | Rejected]:
    return list(read_dataset(path, registry=registry))


def _rejected(items: list[Snapshot | Rejected]) -> dict[str, list[str]]:
    return {r.source.split(":", 1)[1]: r.errors for r in items if isinstance(r, Rejected)}


def test_registered_through_the_hook(registry: Registry) -> None:
    reader = registry.reader_for(Path("district.XLSX"))
    assert reader is not None and reader.name == "xlsx"
    assert isinstance(XlsxReader(), Reader)
    assert set(RECORD_SHEETS) == {
        name for name in Snapshot.model_fields if name not in ("period", "as_of", "organization")
    } - {"extensions"}


def test_round_trip_of_example_snapshots(tmp_path: Path, registry: Registry) -> None:
    snapshots = list(read_dataset(EXAMPLE, registry=registry).snapshots())
    # organizations with the most varied records: committees, branches with dues, visits...
    picks = [
        [s for s in snapshots if s.organization.kind.value == "township_committee"][:1],
        [s for s in snapshots if s.dues and s.development][:2],
        [s for s in snapshots if s.coverage_units or s.rectifications][:1],
        [s for s in snapshots if s.visits or s.trainings or s.disclosures],
    ]
    chosen = list({s.organization.id: s for s in itertools.chain(*picks)}.values())[:5]
    assert len(chosen) == 5
    assert all(any(getattr(s, k) for s in chosen) for k in RECORD_SHEETS if k in V1_LISTS)
    assert all(any(getattr(s, k) for s in chosen) for k in ("members", "dues", "meetings"))
    path = tmp_path / "district.xlsx"
    write_workbook(chosen, path)
    back = _items(path, registry)
    assert all(isinstance(b, Snapshot) for b in back), _rejected(back)
    assert [b.model_dump() for b in back] == [s.model_dump() for s in chosen]
    assert [b.source for b in read_dataset(path, registry=registry).raw_records()] == [
        f"{path}:organizations!{n}" for n in range(2, 7)
    ]


V1_LISTS = frozenset(
    {"members", "party_groups", "committee", "meetings", "dues", "disclosures", "development",
     "trainings", "visits", "rectifications", "coverage_units"}
)
V2_SNAPSHOT: dict[str, Any] = {
    "period": "2026Q3",
    "organization": {"id": "V01", "name": "Village", "kind": "branch", "category": "village"},
    "members": [
        {"id": "M1", "gender": "female", "birth_date": "1990-02-28", "education": "bachelor",
         "occupation": "farmer", "tags": ["wealth_leader", "veteran"], "post": "mediator"},
    ],
    "committee": [{"person_id": "M1", "role": "secretary", "appointed_on": "2021-05-01",
                   "gender": "female", "birth_date": "1990-02-28"}],
    "village_committee": [
        {"person_id": "M1", "role": "director", "appointed_on": "2021-06-01", "party_member": True},
        {"person_id": "P2", "role": "member", "appointed_on": "2021-06-01", "left_on": "2026-08-01",
         "leave_reason": "resigned", "gender": "male", "tags": ["young"]},
    ],
    "reserve_cadres": [
        {"person_id": "P9", "identified_on": "2025-03-01", "education": "associate"}
    ],
    "bodies": [{"id": "B1", "kind": "finance_group", "established_on": "2020-01-01"}],
    "documents": [{"id": "D1", "kind": "annual_plan", "year": 2026},
                  {"id": "D2", "kind": "rules", "issued_on": "2026-02-01", "title": "制度"}],
    "facilities": [{"id": "F1", "kind": "activity_room", "area_m2": 120, "signage": True}],
    "feedback": [{"id": "K1", "found_on": "2026-07-02", "by": "D00", "mode": "unannounced",
                  "problem": "minutes missing", "criterion": "S02", "due_on": "2026-08-01"}],
    "campaigns": [
        {"id": "W1", "kind": "weak_lax_rectification", "started_on": "2026-03-01",
         "steps": [{"name": "plan", "due_on": "2026-03-31", "done_on": "2026-03-20"},
                   {"name": "acceptance", "due_on": "2026-12-31"}]},
        {"id": "W2", "kind": "five_transformations", "started_on": "2026-01-01"},
    ],
}


def test_round_trip_of_v2_lists_and_campaign_steps(tmp_path: Path, registry: Registry) -> None:
    snap = Snapshot.model_validate(V2_SNAPSHOT)
    assert all(getattr(snap, k) for k in RECORD_SHEETS if k not in V1_LISTS - {"members"})
    path = tmp_path / "v2.xlsx"
    write_workbook([snap], path)
    wb = openpyxl.load_workbook(path)
    assert [c.value for c in wb[STEPS_SHEET][1]] == [
        "org_id", "campaign_id", "name", "due_on", "done_on"
    ]
    assert "steps" not in [c.value for c in wb["campaigns"][1]]
    (back,) = _items(path, registry)
    assert isinstance(back, Snapshot) and back.model_dump() == snap.model_dump()


def test_a_step_naming_no_campaign_is_rejected_with_its_row(
    tmp_path: Path, registry: Registry
) -> None:
    path = _workbook(
        tmp_path / "d.xlsx",
        {
            "organizations": [ORG_HEADER, ["2026Q3", None, "B1", "Branch", "branch"]],
            "campaigns": [["org_id", "id", "kind", "started_on"],
                          ["B1", "W1", "weak_lax_rectification", "2026-03-01"]],
            STEPS_SHEET: [["org_id", "campaign_id", "name", "done_on"],
                          ["B1", "W1", "plan", "2026-03-02"],
                          ["B1", "W2", "plan", "2026-03-02"]],
        },
    )
    items = _items(path, registry)
    assert _rejected(items) == {
        f"{STEPS_SHEET}!3": [
            "campaign_steps: campaign_id 'W2' names no campaign of organization 'B1': the row "
            "is not read"
        ]
    }
    (snap,) = [i for i in items if isinstance(i, Snapshot)]
    assert [s.name for s in snap.campaigns[0].steps] == ["plan"]


def test_template_and_text_safety(tmp_path: Path, registry: Registry) -> None:
    path = tmp_path / "template.xlsx"
    write_workbook([], path)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["organizations", *RECORD_SHEETS, STEPS_SHEET]
    assert [c.value for c in wb["members"][1]][:3] == ["org_id", "id", "name"]
    snap = Snapshot.model_validate(
        {
            "period": "2026",
            "organization": {"id": "007", "name": "=1+1", "kind": "branch"},
            "meetings": [{"id": "E1", "held_on": "2026-03-01", "topics": ["a", "b c"]}],
        }
    )
    write_workbook([snap], path)
    wb = openpyxl.load_workbook(path)
    assert wb["organizations"]["D2"].value == "=1+1"
    assert wb["organizations"]["D2"].data_type == "s"  # text, never a formula
    assert wb["meetings"]["I1"].value == "topics" and wb["meetings"]["I2"].value == "a; b c"
    (back,) = _items(path, registry)
    assert isinstance(back, Snapshot) and back.model_dump() == snap.model_dump()
    semicolon = snap.model_copy(
        update={"meetings": (snap.meetings[0].model_copy(update={"topics": ("x; y",)}),)}
    )
    with pytest.raises(ValueError, match="contains ';'"):
        write_workbook([semicolon], path)
    with pytest.raises(ValueError, match="extensions"):
        write_workbook([snap.model_copy(update={"extensions": {"grid": {}}})], path)
    with pytest.raises(ValueError, match="twice"):
        write_workbook([snap, snap], path)


def test_cells_excel_dates_numbers_and_lists(tmp_path: Path, registry: Registry) -> None:
    path = _workbook(
        tmp_path / "d.xlsx",
        {
            "organizations": [
                ["Period", " ID ", "name", "kind", "founded_on", "term_years", "AS_OF"],
                [2026, 12, "Branch 12", "branch", datetime(2001, 7, 1), 3.0, None],
                [datetime(2026, 7, 1), "B2", "Branch 2", "branch", "2001-07-01", None, None],
                [None, None, None, None, None, None, None],  # an empty row is skipped
                ["2026Q3", "B3", "Branch 3 ", " branch ", "  ", None, datetime(2026, 9, 1)],
            ],
            "members": [
                ["org_id", "id", "joined_on", "mobile", "points"],
                [12, 1, datetime(2010, 5, 6), True, 90],
                ["B2", "M1", "2011-01-02", None, 88.5],
            ],
            "dues": [
                ["org_id", "member_id", "month", "due", "paid"],
                [12, "1", datetime(2026, 7, 1), 10, 10.0],
                ["B2", "M1", "2026-07", 5, None],
            ],
            "development": [
                ["org_id", "person_id", "introducers", "applied_on"],
                [12, "A1", " M1 ;M2;; ", date(2025, 1, 2)],
            ],
            "_notes": [["anything", "goes"], [1, 2]],
        },
    )
    items = _items(path, registry)
    assert all(isinstance(i, Snapshot) for i in items), _rejected(items)
    s12, s2, s3 = (i for i in items if isinstance(i, Snapshot))
    assert str(s12.period) == "2026" and s12.organization.id == "12"
    assert s12.organization.founded_on == date(2001, 7, 1) and s12.organization.term_years == 3
    assert s12.members[0].id == "1" and s12.members[0].joined_on == date(2010, 5, 6)
    assert s12.dues[0].month == "2026-07"
    assert s12.development[0].introducers == ("M1", "M2")
    assert s12.development[0].applied_on == date(2025, 1, 2)
    assert str(s2.period) == "2026-07" and s2.members[0].points == 88.5
    assert s2.dues[0].paid is None
    assert s3.organization.founded_on is None and s3.members == ()
    assert s3.as_of == date(2026, 9, 1) and s12.as_of is None
    assert s3.organization.name == "Branch 3" and s3.organization.kind.value == "branch"


def test_missing_organizations_sheet(tmp_path: Path, registry: Registry) -> None:
    path = _workbook(
        tmp_path / "d.xlsx",
        {"organisations": [ORG_HEADER], "members": [["org_id", "id"], ["B1", "M1"]]},
    )
    items = _items(path, registry)
    assert len(items) == 1 and isinstance(items[0], Rejected)
    assert items[0].source == str(path)
    (error,) = items[0].errors
    assert "no sheet named 'organizations'" in error
    assert error.endswith("the workbook is not read; did you mean 'organisations'?")


def test_unknown_sheet_and_column(tmp_path: Path, registry: Registry) -> None:
    path = _workbook(
        tmp_path / "d.xlsx",
        {
            "organizations": [
                [*ORG_HEADER, "weak_lx"],
                ["2026Q3", None, "B1", "Branch 1", "branch", None, None, None],
                ["2026Q3", None, "B2", "Branch 2", "branch", None, None, True],
            ],
            "meeting": [["org_id", "id", "held_on"], ["B1", "E1", "2026-07-01"]],
            "members": [
                ["org_id", "id", "stauts"],
                ["B1", "M1", None],
                ["B2", "M2", "full"],
            ],
        },
    )
    items = _items(path, registry)
    rejected = _rejected(items)
    assert rejected["meeting!1"] == [
        "unknown sheet 'meeting': its rows are not read (a sheet whose name starts with '_' "
        "is skipped); did you mean 'meetings'?"
    ]
    assert rejected["members!1"] == [
        "members: unknown column 'stauts' (column C): records with a value in it are rejected; "
        "did you mean 'status'?"
    ]
    assert rejected["organizations!1"] == [
        "organizations: unknown column 'weak_lx' (column H): records with a value in it are "
        "rejected; did you mean 'weak_lax'?"
    ]
    # B1 has no value in the unknown columns: it is read; B2 is rejected, readably
    (good,) = [i for i in items if isinstance(i, Snapshot)]
    assert good.organization.id == "B1" and good.members[0].id == "M1"
    assert rejected["organizations!3"] == [
        "organization.weak_lx: unknown field; did you mean 'weak_lax'?",
        "members.0.stauts: unknown field; did you mean 'status'?",
    ]


def test_orphan_record_rows_and_duplicate_organizations(tmp_path: Path, registry: Registry) -> None:
    path = _workbook(
        tmp_path / "d.xlsx",
        {
            "organizations": [
                ORG_HEADER,
                ["2026Q3", None, "B1", "Branch 1", "branch", None, None],
                ["2026Q3", None, "B1", "Branch 1 again", "branch", None, None],
                ["2026Q3", None, None, "No id", "branch", None, None],
            ],
            "Members": [
                ["org_id", "id", "name", None, "status"],
                ["B1", "M1", "A", None, "full"],
                ["B11", "M2", "B", None, None],
                [None, "M3", "C", "stray", None],
                ["B1 ", "M4", "D", None, "probationary"],
            ],
            "visits": [["id", "target_org_id", "visited_on"], ["V1", "B2", "2026-07-01"]],
        },
    )
    items = _items(path, registry)
    rejected = _rejected(items)
    assert rejected["Members!1"] == [
        "Members: column D has no name in row 1: its 1 value(s) are not read"
    ]
    assert rejected["visits!1"] == [
        "visits: no 'org_id' column naming each row's organization: its 1 row(s) are not read"
    ]
    assert rejected["organizations!3"][0].startswith("organization 'B1' already has row 2")
    assert rejected["organizations!4"] == ["organization.id: required field missing"]
    assert rejected["Members!3"] == [
        "Members: org_id 'B11' names no organization row in 'organizations': the row is not "
        "read; did you mean 'B1'?"
    ]
    assert rejected["Members!4"] == ["Members: org_id is empty; the row is not read"]
    (good,) = [i for i in items if isinstance(i, Snapshot)]
    assert [m.id for m in good.members] == ["M1", "M4"]


def test_bad_files_never_raise(tmp_path: Path, registry: Registry) -> None:
    not_xlsx = tmp_path / "old.xlsx"
    not_xlsx.write_bytes(b"\xd0\xcf\x11\xe0 an old .xls or an encrypted workbook")
    (item,) = _items(not_xlsx, registry)
    assert isinstance(item, Rejected) and item.source == str(not_xlsx)
    assert "cannot read the workbook" in item.errors[0] and "not .xls" in item.errors[0]

    empty = _workbook(tmp_path / "empty.xlsx", {"organizations": [ORG_HEADER]})
    (item,) = _items(empty, registry)
    assert isinstance(item, Rejected)
    assert item.errors == ["the 'organizations' sheet has no organization rows"]


def test_size_limit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, registry: Registry) -> None:
    path = _workbook(
        tmp_path / "d.xlsx",
        {"organizations": [ORG_HEADER, ["2026Q3", None, "B1", "x", "branch", None, None]]},
    )
    monkeypatch.setattr(xlsx_reader, "MAX_XLSX_BYTES", 100)
    (item,) = _items(path, registry)
    assert isinstance(item, Rejected) and "workbook too large" in item.errors[0]
    assert "JSON Lines" in item.errors[0]


def test_records_keep_sheet_row_order(tmp_path: Path, registry: Registry) -> None:
    rows = [["B1", f"M{n}"] for n in range(30)]
    path = _workbook(
        tmp_path / "d.xlsx",
        {
            "organizations": [ORG_HEADER, ["2026Q3", None, "B1", "x", "branch", None, None]],
            "members": [["org_id", "id"], *rows],
        },
    )
    (snap,) = _items(path, registry)
    assert isinstance(snap, Snapshot)
    assert [m.id for m in snap.members] == [r[1] for r in rows]


@pytest.mark.slow
def test_xlsx_is_a_builtin_reader_and_evaluates_like_jsonl(tmp_path: Path) -> None:
    from pbrules.builtin.xlsx_reader import write_workbook
    from pbrules.engine.evaluate import Engine
    from pbrules.packs.loader import load_pack
    from pbrules.plugins import get_registry

    assert "xlsx" in get_registry().readers
    source = Path(__file__).resolve().parents[1] / "examples" / "district" / "2026Q3.jsonl"
    snapshots = [s for s in read_dataset(source) if isinstance(s, Snapshot)]
    book = tmp_path / "district.xlsx"
    write_workbook(snapshots, book)
    engine = Engine(load_pack("district-quarterly"))
    from_xlsx = engine.run(read_dataset(book))
    from_jsonl = engine.run(read_dataset(source))
    assert from_xlsx.summary == from_jsonl.summary
    assert from_xlsx.organizations == from_jsonl.organizations
    assert from_xlsx.findings == from_jsonl.findings
