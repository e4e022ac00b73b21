"""A criteria author's path: strict numbers, plain YAML errors, every problem of a test file,
untested criteria of the pack's own file only, plain-text checker help, schemas with $id."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pbrules.cli import cli
from pbrules.cli.packs import plain_text

REPO = Path(__file__).resolve().parents[1]
OWN = """pack: township
version: "1"
extends: [baseline]
criteria:
  - id: TW1
    title: At least one full member
    area: standardization
    check: condition
    params: {fact: members.full_count, op: ">=", value: 1}
    points: 1
"""
SNAPSHOT = """    snapshot:
      period: 2026Q3
      organization: {id: B1, name: A Branch, kind: %s}
      members: [{id: M1, status: full}]
"""


def run(*args: str) -> tuple[int, str, str]:
    res = CliRunner().invoke(cli, list(args))
    return res.exit_code, res.stdout, res.stderr


@pytest.mark.parametrize(
    ("value", "said"),
    [("yes", "got a boolean"), ("true", "got a boolean"), ("off", "got a boolean")],
)
def test_points_must_be_a_number(tmp_path: Path, value: str, said: str) -> None:
    pack = tmp_path / "p.yaml"
    pack.write_text(OWN.replace("points: 1", f"points: {value}"), encoding="utf-8")
    code, _, err = run("validate", str(pack))
    assert code == 2
    assert f"{pack}:10:13: error: criterion TW1: points: expected a number, {said}" in err


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        ("pack: b\nversion: '1'\nareas:\n  - id: a\n    weight: 1\n   - id: b\n", "6:4",
         "bad indentation: this line is indented more or less than the entries before it"),
        ("pack: b\nversion: '1'\n  areas: []\n", "3:3", "bad indentation"),
        ("pack: b\nversion: '1'\nareas:\n  - id: a\n     weight: 1\n", "5:12",
         "a key indented deeper than the keys before it"),
        ("pack: b\ntitle: 'not closed\n", "3:1", "a quoted text is not closed"),
    ],
)  # fmt: skip
def test_bad_yaml_is_explained_in_plain_words(
    tmp_path: Path, text: str, where: str, words: str
) -> None:
    pack = tmp_path / "p.yaml"
    pack.write_text(text, encoding="utf-8")
    code, _, err = run("validate", str(pack))
    assert code == 2
    assert f"{pack}:{where}: error: " in err and words in err
    assert "<block" not in err and "expected <" not in err and "but found" not in err


def test_a_test_file_reports_all_its_problems(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(OWN, encoding="utf-8")
    test = tmp_path / "p.test.yaml"
    test.write_text(
        "pack: p.yaml\ncases:\n"
        + "  - name: one\n" + SNAPSHOT % "brunch" + "    expect: {TW1: pass}\n"
        + "  - name: two\n" + SNAPSHOT % "branch" + "    expect: {TW9: pass, TW1: passs}\n"
        + "  - name: three\n" + SNAPSHOT % "branch" + "    expect: {TW8: fail}\n",
        encoding="utf-8",
    )  # fmt: skip
    code, out, err = run("test", str(test))
    assert code == 2
    problems = [line for line in (out + err).splitlines() if ": error: " in line]
    assert len(problems) == 4, problems
    text = "\n".join(problems)
    assert "case 'one': organization.kind: invalid value 'brunch'; did you mean 'branch'?" in text
    assert "case 'two': criterion 'TW9' is not in pack township" in text
    assert "invalid value 'passs'; did you mean 'pass'?" in text
    assert "case 'three': criterion 'TW8' is not in pack township" in text


def test_untested_lists_only_the_packs_own_criteria(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(OWN, encoding="utf-8")
    test = tmp_path / "p.test.yaml"
    test.write_text(
        "pack: p.yaml\ncases:\n  - name: one\n" + SNAPSHOT % "branch" + "    expect: {S01: fail}\n",
        encoding="utf-8",
    )
    code, out, _ = run("test", str(test))
    assert code == 0, out
    assert "untested criteria in" in out and out.rstrip().endswith(": TW1")
    test.write_text(test.read_text(encoding="utf-8").replace("S01: fail", "TW1: pass"))
    code, out, _ = run("test", str(test))
    assert code == 0 and "untested" not in out


def test_checkers_help_is_plain_text() -> None:
    code, out, _ = run("checkers")
    assert code == 0
    for markup in ("``", ":class:", ":func:", ":attr:", "**"):
        assert markup not in out
    assert "at least min times" in out


def test_plain_text_of_rst() -> None:
    rst = "Reads ``snapshot.members`` with :class:`~pbrules.engine.index.SnapshotIndex`, **once**::"
    assert plain_text(rst) == "Reads snapshot.members with SnapshotIndex, once:"


@pytest.mark.parametrize("kind", ["snapshot", "result", "pack"])
def test_schemas_have_an_id_and_the_committed_copy_is_current(kind: str) -> None:
    code, out, _ = run("schema", kind)
    assert code == 0
    schema = json.loads(out)
    assert schema["$id"].endswith(f"/docs/schema/{kind}.schema.json")
    committed = REPO / "docs" / "schema" / f"{kind}.schema.json"
    assert json.loads(committed.read_text(encoding="utf-8")) == schema, (
        f"regenerate with: pbrules schema {kind} > docs/schema/{kind}.schema.json"
    )


def test_editor_integration_and_completion_are_documented() -> None:
    text = (REPO / "docs" / "integrations.md").read_text(encoding="utf-8")
    assert "# yaml-language-server: $schema=" in text and "pbrules schema pack" in text
    assert "_PBRULES_COMPLETE=bash_source pbrules" in text
    assert "_PBRULES_COMPLETE=zsh_source pbrules" in text
