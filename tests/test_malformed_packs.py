"""The malformed-pack corpus: each file gives exit 2 at the right LINE:COL, never a traceback."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from pbrules.cli import cli
from pbrules.errors import PackError
from pbrules.packs import _yaml
from pbrules.packs.loader import load_pack

CORPUS = Path(__file__).parent / "packs" / "malformed"
EXPECTED: dict[str, dict[str, object]] = yaml.safe_load(
    (CORPUS / "expected.yaml").read_text(encoding="utf-8")
)


def test_corpus_is_large_and_fully_described() -> None:
    files = {p.name for p in CORPUS.glob("*.yaml")} - {"expected.yaml"}
    assert len(files) >= 25
    assert files == set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_validate_reports_position(name: str) -> None:
    expected = EXPECTED[name]
    path = CORPUS / name
    started = time.perf_counter()
    result = CliRunner().invoke(cli, ["validate", str(path)])
    elapsed = time.perf_counter() - started
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output + result.stderr
    lines = result.stderr.strip().splitlines()
    assert lines, "no problem printed"
    shown = CORPUS / str(expected.get("path", name))
    want = f"{shown}:{expected['line']}:{expected['col']}: error: "
    first = next((ln for ln in lines if ln.startswith(want)), None)
    assert first is not None, f"expected a problem at {want!r}; got:\n{result.stderr}"
    assert str(expected["message"]) in first
    if "count" in expected:
        assert len(lines) == expected["count"], result.stderr
    # Measured, not asserted tightly (timings are not reliable on shared machines).
    assert elapsed < 30


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_library_raises_pack_error_only(name: str) -> None:
    with pytest.raises(PackError) as info:
        load_pack(CORPUS / name)
    assert info.value.problems
    for problem in info.value.problems:
        assert problem.message and "Traceback" not in problem.message
    # sorted by position
    keys = [(p.path, p.line, p.col) for p in info.value.problems]
    assert keys == sorted(keys)


def test_huge_file_is_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    huge = tmp_path / "huge.yaml"
    with huge.open("wb") as fh:
        fh.write(b"pack: huge\nversion: '1'\n# ")
        fh.truncate(50 * 1024 * 1024)  # a 50 MB file, written sparsely

    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("the huge file was parsed")

    monkeypatch.setattr(_yaml, "load_yaml_text", never)
    monkeypatch.setattr(yaml, "SafeLoader", never)
    result = CliRunner().invoke(cli, ["validate", str(huge)])
    assert result.exit_code == 2
    assert f"{huge}:1:1: error: file is 50.0 MB, larger than the 5.0 MB limit" in result.stderr


def test_size_limit_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    pack = tmp_path / "p.yaml"
    pack.write_text("pack: p\nversion: '1'\nareas: [{id: a, weight: 1}]\n" + "#" * 2000)
    monkeypatch.setenv("PBRULES_MAX_PACK_BYTES", "1000")
    with pytest.raises(PackError, match="larger than"):
        load_pack(pack)


def test_missing_file_and_unknown_id() -> None:
    result = CliRunner().invoke(cli, ["validate", "no/such/pack.yaml", "nosuchpackid"])
    assert result.exit_code == 2
    assert "no/such/pack.yaml:0:0: error: file not found" in result.stderr
    assert "no pack file or registered pack named 'nosuchpackid'" in result.stderr


def test_all_problems_of_a_file_at_once(tmp_path: Path) -> None:
    pack = tmp_path / "many.yaml"
    pack.write_text(
        """pack: many
version: "1"
areas:
  - {id: standardization, weight: 1}
criteria:
  - id: A1
    title: one
    area: standardisation
    check: conditon
  - id: A2
    title: two
    area: standardization
    check: condition
    params: {fact: members.cont, op: ">=", value: 1}
    severty: major
""",
        encoding="utf-8",
    )
    with pytest.raises(PackError) as info:
        load_pack(pack)
    got = [(p.line, p.col) for p in info.value.problems]
    assert got == [(8, 11), (9, 12), (14, 20), (15, 5)]
