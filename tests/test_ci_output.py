"""CI formats of `evaluate` and `validate`: SARIF 2.1.0 (checked against the official schema,
vendored in tests/schemas/), JUnit XML, GitHub annotations, GitLab Code Quality; stdin `-`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from click.testing import CliRunner

from pbrules.cli import cli

jsonschema = pytest.importorskip("jsonschema")

REPO = Path(__file__).resolve().parents[1]
SCHEMA = Path(__file__).parent / "schemas" / "sarif-schema-2.1.0.json"
DATASET = "examples/district/2026Q3.jsonl"
PACK = "rules/district-quarterly.yaml"
BROKEN = """pack: broken
version: "1"
areas: [{id: standardization, weight: 1}]
criteria:
  - id: X1
    title: Members
    area: standardization
    check: condition
    params: {fact: members.full_count, op: ">=", value: 1}
    points: 1
  - id: X2
    title: Missing area
    area: nowhere
    check: condition
    params: {fact: members.full_count, op: ">=", value: 1}
    points: 1
"""


def _sarif_errors(log: Any) -> list[str]:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft4Validator(schema)
    return [f"{'/'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(log)]


@pytest.fixture(scope="module")
def district_sarif(tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp("sarif") / "district.sarif"
    args = ["evaluate", DATASET, "--rules", PACK, "--previous",
            "examples/district/result-2026Q2.json", "-f", "sarif", "-o", str(out)]  # fmt: skip
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(REPO)
        res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output
    return json.loads(out.read_text(encoding="utf-8"))


def test_example_district_sarif_is_valid_sarif_2_1_0(district_sarif: Any) -> None:
    assert _sarif_errors(district_sarif) == []
    (run,) = district_sarif["runs"]
    assert district_sarif["version"] == "2.1.0"
    rules = run["tool"]["driver"]["rules"]
    results = run["results"]
    assert len(results) > 100
    for r in results:
        assert rules[r["ruleIndex"]]["id"] == r["ruleId"]
        location = r["locations"][0]
        assert location["physicalLocation"]["artifactLocation"]["uri"] == DATASET
        assert location["logicalLocations"][0]["fullyQualifiedName"].startswith(
            r["properties"]["org_id"]
        )
        assert len(r["partialFingerprints"]["pbrules/v1"]) == 64
    assert {r["level"] for r in results} <= {"error", "warning"}


def _validate(tmp_path: Path, fmt: str) -> tuple[int, str]:
    bad = tmp_path / "broken.yaml"
    bad.write_text(BROKEN, encoding="utf-8")
    good = REPO / "tests/packs/minimal.yaml"
    res = CliRunner().invoke(cli, ["validate", "-f", fmt, str(bad), str(good)])
    return res.exit_code, res.stdout


def test_validate_errors_as_sarif(tmp_path: Path) -> None:
    code, out = _validate(tmp_path, "sarif")
    assert code == 2
    log = json.loads(out)
    assert _sarif_errors(log) == []
    (result,) = log["runs"][0]["results"]
    assert "nowhere" in result["message"]["text"]
    where = result["locations"][0]["physicalLocation"]
    assert where["artifactLocation"]["uri"] == (tmp_path / "broken.yaml").as_uri()
    assert where["region"]["startLine"] == 13


def test_validate_as_junit_has_a_case_per_file(tmp_path: Path) -> None:
    code, out = _validate(tmp_path, "junit")
    assert code == 2
    suite = ET.fromstring(out).find("testsuite")
    assert suite is not None and suite.get("tests") == "2" and suite.get("failures") == "1"
    failed = [c for c in suite.iter("testcase") if c.find("failure") is not None]
    assert [c.get("name") for c in failed] == [str(tmp_path / "broken.yaml")]


def test_validate_as_github_and_gitlab(tmp_path: Path) -> None:
    code, out = _validate(tmp_path, "github")
    assert code == 2
    (line,) = out.splitlines()
    assert line.startswith(f"::error file={tmp_path / 'broken.yaml'},line=13,col=")
    assert "nowhere" in line
    code, out = _validate(tmp_path, "gitlab")
    (issue,) = json.loads(out)
    assert issue["location"]["lines"]["begin"] == 13 and issue["severity"] == "major"


def test_valid_pack_gives_an_empty_report(tmp_path: Path) -> None:
    res = CliRunner().invoke(
        cli, ["validate", "-f", "sarif", str(REPO / "tests/packs/minimal.yaml")]
    )
    assert res.exit_code == 0
    log = json.loads(res.stdout)
    assert log["runs"][0]["results"] == [] and _sarif_errors(log) == []


def _evaluate(fmt: str, *, stdin: str | None = None) -> tuple[int, str]:
    dataset = "-" if stdin is not None else str(REPO / DATASET)
    args = ["evaluate", dataset, "--rules", str(REPO / PACK), "-f", fmt]
    res = CliRunner().invoke(cli, args, input=stdin)
    return res.exit_code, res.stdout


def test_evaluate_as_junit_github_gitlab() -> None:
    code, out = _evaluate("junit")
    assert code == 0
    root = ET.fromstring(out)
    assert root.get("tests") == "203"
    failures = sum(1 for _ in root.iter("failure"))
    code, out = _evaluate("github")
    lines = out.splitlines()
    assert len(lines) == failures  # no waiver and no rejected record in the example
    assert all(line.startswith(("::error file=", "::warning file=")) for line in lines)
    assert all("\n" not in line and "title=" in line for line in lines)
    code, out = _evaluate("gitlab")
    issues = json.loads(out)
    assert len(issues) == failures
    assert len({i["fingerprint"] for i in issues}) == len(issues)


def test_stdin_dataset_locates_rejected_records_on_dash() -> None:
    lines = (REPO / DATASET).read_text(encoding="utf-8").splitlines()
    text = "\n".join([*lines[:3], '{"period": "2026Q3"}']) + "\n"
    code, out = _evaluate("json", stdin=text)
    assert code == 1
    doc = json.loads(out)
    assert doc["summary"]["evaluated"] == 3
    assert [r["source"] for r in doc["rejected"]] == ["-:4"]
    code, sarif = _evaluate("sarif", stdin=text)
    log = json.loads(sarif)
    assert _sarif_errors(log) == []
    rejected = [r for r in log["runs"][0]["results"] if r["ruleId"] == "pbrules.rejected"]
    assert rejected[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == 4


def test_stdin_dataset_as_json_array() -> None:
    lines = (REPO / DATASET).read_text(encoding="utf-8").splitlines()[:2]
    code, out = _evaluate("json", stdin="[" + ",".join(lines) + "]")
    assert code == 0 and json.loads(out)["summary"]["evaluated"] == 2


def test_paths_below_the_working_directory_are_reported_relative(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pbrules.ci_output import artifact_uri, repo_path

    monkeypatch.chdir(tmp_path)
    assert repo_path(tmp_path / "rules" / "a b.yaml") == "rules/a b.yaml"
    assert artifact_uri(tmp_path / "rules" / "a b.yaml") == "rules/a%20b.yaml"
    assert artifact_uri("/elsewhere/x.yaml") == "file:///elsewhere/x.yaml"
    code, out = _validate(tmp_path, "github")
    assert code == 2 and out.startswith("::error file=broken.yaml,line=13,")
