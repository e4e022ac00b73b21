"""Rule-pack tests: the runner, its report, the `pbrules test` command and the pytest plugin."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pbrules.cli import cli
from pbrules.errors import PackError
from pbrules.packtest import discover, format_report, prepare_file, run_tests

PACKS = Path(__file__).parent / "packs"

CASE = """
  - name: {name}
    snapshot:
      period: 2026Q3
      organization: {{id: B09, name: Ninth Branch, kind: branch}}
      members: [{{id: M1, status: full}}, {{id: M2, status: full}}, {{id: M3, status: full}}]
      meetings:
        - {{id: E1, type: committee_meeting, held_on: 2026-07-03}}
    expect:
      M01: {m01}
      M02: {{status: {m02}, earned: {earned}}}
"""


@pytest.fixture
def workdir(tmp_path: Path) -> Path:
    shutil.copy(PACKS / "minimal.yaml", tmp_path / "minimal.yaml")
    return tmp_path


def write_tests(workdir: Path, *cases: str) -> Path:
    path = workdir / "minimal.test.yaml"
    path.write_text("cases:" + "".join(cases), encoding="utf-8")
    return path


def test_repository_test_pack_passes() -> None:
    report = run_tests([PACKS])
    assert report.exit_code == 0, format_report(report)
    assert len(report.cases) == 3
    assert report.untested == {}


def test_failures_are_reported_as_a_diff(workdir: Path) -> None:
    write_tests(
        workdir,
        CASE.format(name="right", m01="pass", m02="fail", earned=0),
        CASE.format(name="wrong", m01="fail", m02="pass", earned=10),
    )
    report = run_tests([workdir])
    assert report.exit_code == 1
    assert [c.ok for c in report.cases] == [True, False]
    text = format_report(report)
    assert "FAIL " in text and "::wrong" in text
    assert "M01 status: expected fail, got pass" in text
    assert "M02 status: expected pass, got fail" in text
    assert "M02 earned: expected 10, got 0" in text
    assert "2 case(s): 1 passed, 1 failed" in text
    # M03 and M04 appear in no case
    assert report.untested == {str(workdir / "minimal.yaml"): ["M03", "M04"]}
    assert f"untested criteria in {workdir / 'minimal.yaml'}: M03, M04" in text


def test_findings_and_misses_are_compared(workdir: Path) -> None:
    write_tests(
        workdir,
        CASE.format(name="x", m01="{status: pass, findings: 1}", m02="fail", earned=0),
    )
    (case,) = run_tests([workdir]).cases
    assert [str(m) for m in case.mismatches] == ["M01 findings: expected 1, got 0"]


def test_invalid_test_file_is_a_config_error_with_positions(workdir: Path) -> None:
    path = workdir / "minimal.test.yaml"
    path.write_text(
        """cases:
  - name: bad
    snapshot:
      period: 2026Q3
      organization: {id: B1, name: B, kind: brnach}
    expect:
      M1: pass
      M02: passed
""",
        encoding="utf-8",
    )
    with pytest.raises(PackError) as info:
        prepare_file(path)
    assert [str(p) for p in info.value.problems] == [
        f"{path}:8:12: error: cases[0].expect.M02: invalid value 'passed'; did you mean 'pass'?"
    ]
    report = run_tests([path])
    assert report.exit_code == 2


def test_unknown_criterion_and_bad_snapshot(workdir: Path) -> None:
    path = workdir / "minimal.test.yaml"
    path.write_text(
        """cases:
  - name: bad
    snapshot:
      period: 2026Q3
      organization: {id: B1, name: B, kind: brnach}
    expect:
      M1: pass
""",
        encoding="utf-8",
    )
    with pytest.raises(PackError) as info:
        prepare_file(path)
    text = [str(p) for p in info.value.problems]
    assert text == [
        f"{path}:5:45: error: case 'bad': organization.kind: invalid value 'brnach'; "
        "did you mean 'branch'?",
        f"{path}:7:7: error: case 'bad': criterion 'M1' is not in pack minimal; "
        "did you mean 'M01'?",
    ]


def test_dataset_case_needs_org(workdir: Path) -> None:
    path = workdir / "minimal.test.yaml"
    path.write_text(
        """cases:
  - name: two orgs
    dataset:
      - {period: 2026Q3, organization: {id: A, name: A, kind: branch}}
      - {period: 2026Q3, organization: {id: B, name: B, kind: branch}}
    expect: {M01: fail}
""",
        encoding="utf-8",
    )
    with pytest.raises(PackError, match="a dataset case needs org"):
        prepare_file(path)


def test_invalid_pack_is_reported_through_the_test_file(workdir: Path) -> None:
    (workdir / "minimal.yaml").write_text("pack: minimal\nversion: 1\nareas: []\n")
    path = write_tests(workdir, CASE.format(name="x", m01="pass", m02="fail", earned=0))
    with pytest.raises(PackError) as info:
        prepare_file(path)
    assert "the pack" in info.value.problems[0].message
    assert any(p.path.endswith("minimal.yaml") and p.line == 2 for p in info.value.problems)


def test_discover(workdir: Path) -> None:
    path = write_tests(workdir, CASE.format(name="x", m01="pass", m02="fail", earned=0))
    assert discover([workdir]) == ([path], [])
    # a pack given instead of its tests finds the test file beside it
    assert discover([workdir / "minimal.yaml"]) == ([path], [])
    files, problems = discover([workdir / "nothing"])
    assert files == [] and "no such file" in problems[0].message


def test_cli_exit_codes(workdir: Path) -> None:
    runner = CliRunner()
    write_tests(workdir, CASE.format(name="ok", m01="pass", m02="fail", earned=0))
    result = runner.invoke(cli, ["test", str(workdir)])
    assert result.exit_code == 0, result.output
    assert "1 case(s): 1 passed, 0 failed" in result.output
    assert "untested criteria" in result.output
    write_tests(workdir, CASE.format(name="bad", m01="fail", m02="fail", earned=0))
    result = runner.invoke(cli, ["test", str(workdir)])
    assert result.exit_code == 1
    assert "M01 status: expected fail, got pass" in result.output
    (workdir / "minimal.test.yaml").write_text("cases: []\n")
    result = runner.invoke(cli, ["test", str(workdir)])
    assert result.exit_code == 2
    assert ":1:8: error: cases: must not be empty" in result.stderr
    assert "Traceback" not in result.output


def test_validate_checks_test_files(workdir: Path) -> None:
    path = write_tests(workdir, CASE.format(name="ok", m01="pass", m02="fail", earned=0))
    result = CliRunner().invoke(cli, ["validate", str(path)])
    assert result.exit_code == 0
    assert "rule-pack tests, 1 case(s), pack minimal" in result.output


@pytest.mark.slow
def test_pytest_plugin_collects_cases(workdir: Path) -> None:
    write_tests(
        workdir,
        CASE.format(name="right", m01="pass", m02="fail", earned=0),
        CASE.format(name="wrong", m01="fail", m02="fail", earned=0),
    )
    # another tool's *.test.yaml (no top-level cases:) is left alone
    (workdir / "deploy.test.yaml").write_text("apiVersion: v1\nkind: Pod\n", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", str(workdir)],
        capture_output=True,
        text=True,
        cwd=workdir,
        timeout=120,
    )
    out = proc.stdout + proc.stderr
    assert proc.returncode == 1, out
    assert "1 failed, 1 passed" in out
    assert "M01 status: expected fail, got pass" in out
    assert "minimal.test.yaml::wrong" in out


def test_validate_a_directory(workdir: Path) -> None:
    write_tests(workdir, CASE.format(name="ok", m01="pass", m02="fail", earned=0))
    result = CliRunner().invoke(cli, ["validate", str(workdir)])
    assert result.exit_code == 0, result.output
    assert result.output.count(": ok (") == 2
    (workdir / "broken.yaml").write_text("pack: [\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", "-q", str(workdir)])
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"{workdir / 'broken.yaml'}:2:1: error: invalid YAML" in result.stderr


def _problems(path: Path, text: str) -> list[str]:
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PackError) as info:
        prepare_file(path)
    return [str(p) for p in info.value.problems]


def test_an_unquoted_year_says_to_write_it_as_text(workdir: Path) -> None:
    path = workdir / "minimal.test.yaml"
    text = CASE.format(name="year", m01="pass", m02="pass", earned=1)
    problems = _problems(path, "cases:" + text.replace("period: 2026Q3", "period: 2026"))
    assert problems == [
        f"{path}:4:15: error: case 'year': period: invalid period 2026: a number; "
        'write it as text, "2026"'
    ]


def test_a_snapshot_key_gets_a_snapshot_hint_not_a_pack_one(workdir: Path) -> None:
    """A record's unknown key is named with the keys that record takes (or the close one), never
    with a pack key that happens to look alike ('title' is not 'tiers')."""
    path = workdir / "minimal.test.yaml"
    base = CASE.format(name="room", m01="pass", m02="pass", earned=1)
    room = "      facilities: [{{id: F1, kind: activity_room, {key}: Room}}]\n    expect:"
    unknown = _problems(path, "cases:" + base.replace("    expect:", room.format(key="title")))
    assert unknown == [
        f"{path}:9:50: error: case 'room': facilities[0]: unknown key 'title'; expected one of "
        "id, kind, name, area_m2, opened_on, closed_on, signage"
    ]
    misspelt = _problems(path, "cases:" + base.replace("    expect:", room.format(key="nmae")))
    assert misspelt == [
        f"{path}:9:50: error: case 'room': facilities[0]: unknown key 'nmae'; did you mean 'name'?"
    ]


def test_a_bad_value_under_an_anchor_is_reported_once(workdir: Path) -> None:
    """An alias repeats the anchored value: its error is the anchor's, said once (PyYAML would
    add "found unconstructable recursive node" for the alias)."""
    path = workdir / "minimal.test.yaml"
    first = CASE.format(name="a", m01="pass", m02="pass", earned=1)
    first = first.replace("    snapshot:", "    snapshot: &s").replace("2026-07-03", "2026-13-03")
    again = "\n  - name: b\n    snapshot: {<<: *s}\n    expect: {M01: pass}\n"
    problems = _problems(path, "cases:" + first + again)
    assert problems == [
        f"{path}:8:54: error: invalid timestamp value '2026-13-03': month must be in 1..12"
    ]


def test_an_unknown_selector_lists_the_selectors(workdir: Path) -> None:
    pack = workdir / "minimal.yaml"
    text = pack.read_text(encoding="utf-8")
    assert "check:" in text
    bad = text.replace("    check:", "    applies_to: {full_members: 7}\n    check:", 1)
    pack.write_text(bad, encoding="utf-8")
    result = CliRunner().invoke(cli, ["validate", str(pack)])
    assert result.exit_code == 2, result.output
    assert "applies_to: unknown key 'full_members'; expected one of kind, category," in (
        result.output
    )
