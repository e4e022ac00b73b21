"""`pbrules evaluate`: formats, exit codes 0/1/2, --previous checks, --fail-on."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pbrules.cli import cli
from pbrules.result_io import load_result

PACKS = Path(__file__).parent / "engine_packs"
SMALL = str(PACKS / "small.yaml")


def branch(org_id: str, months: int, members: int, period: str = "2026Q3") -> dict[str, Any]:
    year, q = int(period[:4]), int(period[-1])
    first = (q - 1) * 3 + 1
    return {
        "period": period,
        "organization": {"id": org_id, "name": f"Branch {org_id}", "kind": "branch",
                         "parent_id": "T1"},
        "committee": [{"person_id": "P1", "name": "Zhang Wei", "role": "secretary",
                       "appointed_on": "2020-01-01"}],
        "members": [{"id": f"M{i}"} for i in range(members)],
        "meetings": [{"id": f"E{i}", "type": "committee_meeting",
                      "held_on": f"{year}-{first + i:02d}-10"} for i in range(months)],
    }  # fmt: skip


def write(path: Path, records: list[Any]) -> Path:
    lines = [r if isinstance(r, str) else json.dumps(r) for r in records]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def q3(tmp_path: Path) -> Path:
    return write(
        tmp_path / "q3.jsonl",
        [branch("B1", 3, 5), branch("B2", 1, 5), branch("B3", 3, 1), branch("B4", 2, 4)],
    )


@pytest.fixture
def q2_result(tmp_path: Path) -> Path:
    data = write(
        tmp_path / "q2.jsonl",
        [branch(b, m, 5, "2026Q2") for b, m in (("B1", 0, ), ("B2", 3), ("B3", 3), ("B4", 1))],
    )  # fmt: skip
    out = tmp_path / "q2.json"
    res = invoke(str(data), "--rules", SMALL, "--output", str(out))
    assert res.exit_code == 0, res.output
    return out


def invoke(*args: str) -> Any:
    return CliRunner().invoke(cli, ["evaluate", *args], catch_exceptions=False)


def test_json_is_the_result_document_and_deterministic(q3: Path) -> None:
    one = invoke(str(q3), "--rules", SMALL)
    two = invoke(str(q3), "--rules", SMALL, "--format", "json")
    assert one.exit_code == 0, one.output
    assert one.stdout_bytes == two.stdout_bytes
    doc = json.loads(one.stdout)
    assert doc["schema_version"] == "1" and doc["period"] == "2026Q3"
    assert doc["pack"]["id"] == "engine-small" and doc["pack"]["version"] == "1.0"
    assert doc["pack"]["digest"]
    totals = {o["org_id"]: o["total"] for o in doc["organizations"]}
    # B1: all met. B2: 2 months missed: 60 x (10 - 2 x 3) / 10 + 40 = 64.
    # B3: 1 member: 60 + 0. B4: 1 month missed: 60 x 7 / 10 + 40 = 82.
    assert totals == {"B1": 100.0, "B2": 64.0, "B3": 60.0, "B4": 82.0}
    assert doc["rankings"]["branches"]["top"] == ["B1", "B4"]
    assert doc["rankings"]["branches"]["bottom"] == ["B3", "B2"]
    s02 = next(f for f in doc["findings"] if f["org_id"] == "B2")
    assert s02["message"] == "Branch B2 held committee meetings in 1 of 3 months"
    assert s02["rectification"]["responsible"] == "secretary (Zhang Wei)"
    assert s02["rectification"]["due"] == "2026-10-30"


def test_output_file(q3: Path, tmp_path: Path) -> None:
    out = tmp_path / "deep" / "r.json"
    res = invoke(str(q3), "--rules", SMALL, "--output", str(out))
    assert res.exit_code == 0 and res.stdout == ""
    assert load_result(out).summary.evaluated == 4


def test_jsonl_lines_are_typed(q3: Path) -> None:
    res = invoke(str(q3), "--rules", SMALL, "--format", "jsonl")
    lines = [json.loads(line) for line in res.stdout.splitlines()]
    types = [line["type"] for line in lines]
    assert types[:4] == ["organization"] * 4
    # Then findings, then the warnings (T1, the branches' parent, is not in the dataset).
    assert types[4:] == sorted(types[4:]) and set(types[4:]) == {"finding", "warning"}
    assert types.count("warning") == 4
    assert [line["org_id"] for line in lines[:4]] == ["B1", "B2", "B3", "B4"]


def test_csv_has_one_row_per_organization(q3: Path) -> None:
    res = invoke(str(q3), "--rules", SMALL, "--format", "csv")
    rows = list(csv.DictReader(io.StringIO(res.stdout)))
    assert [r["org_id"] for r in rows] == ["B1", "B2", "B3", "B4"]
    assert rows[1]["total"] == "64.00" and rows[1]["std"] == "24.00" and rows[1]["team"] == "40.00"
    assert rows[0]["rank"] == "1" and rows[0]["complete"] == "true"
    assert rows[0]["previous_rank"] == "" and rows[0]["movement"] == ""


def test_table_shows_rankings(q3: Path, q2_result: Path) -> None:
    res = invoke(str(q3), "--rules", SMALL, "--previous", str(q2_result), "--format", "table")
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert "Branches" in out and "B1" in out and "Branch B3" in out
    assert "rapid progress: B1 Branch B1" in out
    assert "major setbacks: B3 Branch B3, B2 Branch B2" in out


def test_previous_gives_movement(q3: Path, q2_result: Path) -> None:
    res = invoke(str(q3), "--rules", SMALL, "--previous", str(q2_result))
    doc = json.loads(res.stdout)
    orgs = {o["org_id"]: o for o in doc["organizations"]}
    # 2026Q2 ranks: B2 = B3 = 1 (100), B4 3 (64), B1 4 (46: 3 misses x 3 of 10 points).
    # 2026Q3 ranks: B1 1 (100), B4 2 (82), B2 3 (64), B3 4 (60).
    assert orgs["B1"]["previous_rank"] == 4 and orgs["B1"]["rank"] == 1
    assert orgs["B1"]["rank_change"] == 3 and orgs["B1"]["movement"] == "rapid_progress"
    assert orgs["B2"]["rank_change"] == -2 and orgs["B2"]["movement"] == "major_setback"
    assert orgs["B1"]["previous_total"] == 46.0 and orgs["B1"]["total_change"] == 54.0
    assert orgs["B3"]["rank_change"] == -3 and orgs["B4"]["movement"] == "steady"
    assert doc["rankings"]["branches"]["rapid_progress"] == ["B1"]
    assert doc["rankings"]["branches"]["major_setbacks"] == ["B3", "B2"]


def test_previous_of_another_version_warns(q3: Path, q2_result: Path) -> None:
    res = invoke(str(q3), "--rules", str(PACKS / "small-v2.yaml"), "--previous", str(q2_result))
    assert res.exit_code == 0
    assert "version 1.0" in res.stderr and "2.0" in res.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json at all", "not a JSON result document"),
        ('{"a": 1}', "not a pbrules result document"),
        ("[1, 2]", "not a pbrules result document"),
        (
            '{"schema_version": "9", "pack": {}, "organizations": []}',
            "schema_version '9' is not supported",
        ),
        (
            '{"schema_version": "1", "pack": {"id": "x"}, "organizations": []}',
            "invalid result document",
        ),
    ],
)
def test_previous_that_is_not_a_result_exits_2(
    q3: Path, tmp_path: Path, content: str, message: str
) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(content, encoding="utf-8")
    res = invoke(str(q3), "--rules", SMALL, "--previous", str(bad))
    assert res.exit_code == 2
    assert message in res.stderr and "Traceback" not in res.output
    assert res.stdout == ""


def test_previous_of_another_pack_exits_2(q3: Path, q2_result: Path) -> None:
    res = invoke(str(q3), "--rules", str(PACKS / "other.yaml"), "--previous", str(q2_result))
    assert res.exit_code == 2
    assert "produced by pack 'engine-small', not 'engine-other'" in res.stderr


def test_missing_previous_exits_2(q3: Path, tmp_path: Path) -> None:
    res = invoke(str(q3), "--rules", SMALL, "--previous", str(tmp_path / "nope.json"))
    assert res.exit_code == 2 and "no such result document" in res.stderr


def test_rejected_records_exit_1_and_are_listed(tmp_path: Path) -> None:
    data = write(
        tmp_path / "d.jsonl",
        [branch("B1", 3, 5), "{broken", {"period": "2026Q3"}, branch("B9", 3, 5, "2026Q2")],
    )
    res = invoke(str(data), "--rules", SMALL)
    assert res.exit_code == 1
    doc = json.loads(res.stdout)
    assert doc["summary"]["evaluated"] + doc["summary"]["rejected"] == 4
    sources = [r["source"] for r in doc["rejected"]]
    assert sources == [f"{data}:2", f"{data}:3", f"{data}:4"]
    assert "not the evaluated period" in doc["rejected"][2]["errors"][0]
    assert "rejected 3" in res.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "pdf"], "unknown --format 'pdf'"),
        (["--period", "2026Q5"], "--period"),
    ],
)
def test_usage_errors_exit_2(q3: Path, args: list[str], message: str) -> None:
    res = invoke(str(q3), "--rules", SMALL, *args)
    assert res.exit_code == 2 and message in res.stderr


def test_bad_pack_exits_2(q3: Path, tmp_path: Path) -> None:
    pack = tmp_path / "bad.yaml"
    pack.write_text("pack: x\nversion: '1'\nareas: []\ncriteria:\n  - {id: A}\n", "utf-8")
    res = invoke(str(q3), "--rules", str(pack))
    assert res.exit_code == 2
    assert f"{pack}:" in res.stderr and "Traceback" not in res.output


def test_unreadable_dataset_exits_2(tmp_path: Path) -> None:
    res = invoke(str(tmp_path / "missing.jsonl"), "--rules", SMALL)
    assert res.exit_code == 2 and "error:" in res.stderr


def test_empty_dataset_exits_2(tmp_path: Path) -> None:
    res = invoke(str(write(tmp_path / "e.jsonl", [])), "--rules", SMALL)
    assert res.exit_code == 2 and "no snapshot" in res.stderr


@pytest.mark.parametrize(
    ("severity", "code"), [("minor", 1), ("major", 1), ("critical", 1)]
)  # fmt: skip
def test_fail_on_any_reached_severity(q3: Path, severity: str, code: int) -> None:
    # q3 has major (S02) and critical (T01) findings.
    assert invoke(str(q3), "--rules", SMALL, "--fail-on", severity).exit_code == code


def test_fail_on_unreached_severity(tmp_path: Path) -> None:
    data = write(tmp_path / "d.jsonl", [branch("B1", 2, 5)])  # one major finding only
    assert invoke(str(data), "--rules", SMALL).exit_code == 0
    assert invoke(str(data), "--rules", SMALL, "--fail-on", "major").exit_code == 1
    assert invoke(str(data), "--rules", SMALL, "--fail-on", "critical").exit_code == 0


def test_period_option_selects_snapshots(tmp_path: Path) -> None:
    data = write(tmp_path / "d.jsonl", [branch("B1", 3, 5), branch("B2", 3, 5, "2026Q2")])
    res = invoke(str(data), "--rules", SMALL, "--period", "2026Q2")
    doc = json.loads(res.stdout)
    assert doc["period"] == "2026Q2" and [o["org_id"] for o in doc["organizations"]] == ["B2"]
    assert res.exit_code == 1  # B1 is rejected for its period


def test_jobs_gives_the_same_bytes(q3: Path) -> None:
    one = invoke(str(q3), "--rules", SMALL)
    two = invoke(str(q3), "--rules", SMALL, "--jobs", "2")
    assert one.stdout_bytes == two.stdout_bytes


def test_ledger_sync_summary(q3: Path, tmp_path: Path) -> None:
    pytest.importorskip("pbrules.ledger")
    db = tmp_path / "ledger.db"
    res = invoke(str(q3), "--rules", SMALL, "--ledger", str(db), "--output", str(tmp_path / "r"))
    assert res.exit_code == 0, res.stderr
    assert db.exists() and f"ledger {db}: synced 2026Q3" in res.stderr


def test_a_streamed_ledger_sync_equals_the_whole_results(q3: Path, tmp_path: Path) -> None:
    """``evaluate --ledger -o FILE`` writes the result streaming and syncs the file read
    streaming: the ledger holds what a sync of the whole result (the library path) gives."""
    pytest.importorskip("pbrules.ledger")
    import pbrules
    from pbrules.ledger import Ledger

    streamed = tmp_path / "streamed.db"
    res = invoke(str(q3), "--rules", SMALL, "--ledger", str(streamed), "-o", str(tmp_path / "r"))
    assert res.exit_code == 0, res.stderr
    whole = tmp_path / "whole.db"
    pbrules.evaluate(SMALL, q3, ledger=whole)

    def items(db: Path) -> list[dict[str, Any]]:
        with Ledger(db) as book:
            return [
                i.model_dump(mode="json", exclude={"history", "opened_at", "updated_at"})
                for i in book.items()
            ]

    assert items(streamed) and items(streamed) == items(whole)


def test_committed_result_schema_matches_the_model() -> None:
    from pbrules.cli.data import json_schema

    committed = Path(__file__).parent.parent / "docs" / "schema" / "result.schema.json"
    assert json.loads(committed.read_text(encoding="utf-8")) == json_schema("result"), (
        "regenerate with: pbrules schema result > docs/schema/result.schema.json"
    )


def test_result_documents_round_trip(q3: Path, tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    invoke(str(q3), "--rules", SMALL, "--output", str(out))
    result = load_result(out)
    assert result.model_dump_json(indent=2) + "\n" == out.read_text(encoding="utf-8")


def test_jsonl_and_csv_carry_rejections_and_odd_names(tmp_path: Path) -> None:
    odd = branch("B1", 3, 5)
    odd["organization"]["name"] = 'Branch "One", [North]'
    data = write(tmp_path / "d.jsonl", [odd, "{broken"])
    lines = [
        json.loads(x)
        for x in invoke(str(data), "--rules", SMALL, "-f", "jsonl").stdout.splitlines()
    ]
    assert [x["type"] for x in lines] == ["organization", "rejected", "warning"]
    assert lines[1]["source"] == f"{data}:2"
    rows = list(
        csv.DictReader(io.StringIO(invoke(str(data), "--rules", SMALL, "--format", "csv").stdout))
    )
    assert rows[0]["name"] == 'Branch "One", [North]'
    table = invoke(str(data), "--rules", SMALL, "--format", "table").stdout
    assert 'Branch "One", [North]' in table and "Rejected records: 1" in table


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d["organizations"].append(d["organizations"][0]), "appears twice"),
        (lambda d: d["organizations"][0].update(rank=0), "organizations.0.rank"),
    ],
)
def test_previous_with_impossible_ranks_exits_2(
    q3: Path, q2_result: Path, tmp_path: Path, edit: Any, message: str
) -> None:
    doc = json.loads(q2_result.read_text(encoding="utf-8"))
    edit(doc)
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(doc), encoding="utf-8")
    res = invoke(str(q3), "--rules", SMALL, "--previous", str(bad))
    assert res.exit_code == 2 and message in res.stderr


def test_table_marks_shared_ranks_as_tied() -> None:
    """A rank that two organizations of a group share reads "N (tied)"; a rank held alone
    does not."""
    import re
    from collections import Counter

    from pbrules.builtin.exporters import TableExporter
    from pbrules.result_io import load_result

    root = Path(__file__).resolve().parents[1]
    result = load_result(root / "examples" / "district" / "result-2026Q2.json")
    shared = {
        (o.group, o.rank)
        for (g, r), n in Counter((o.group, o.rank) for o in result.organizations).items()
        if n > 1
        for o in result.organizations
        if (o.group, o.rank) == (g, r) and r is not None
    }
    out = io.BytesIO()
    TableExporter().export(result, out, max_rows=1000)
    ranks = {o.org_id: (o.group, o.rank) for o in result.organizations}
    rows = re.findall(r"│\s+(\d+)( \(tied\))? │ (\S+)\s+│", out.getvalue().decode("utf-8"))
    assert rows
    assert any(tied for _, tied, _ in rows), "the example has shared ranks"
    for rank, tied, org_id in rows:
        assert ranks[org_id][1] == int(rank)
        assert bool(tied) == (ranks[org_id] in shared), org_id
