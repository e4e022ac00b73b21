"""Packaging: the wheel ships the top-level rules/ as the bundled packs (one source, no copy);
the installed-wheel checks themselves run in CI (.ci/installed-wheel.sh)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from pbrules.builtin import packs

REPO = Path(__file__).resolve().parents[1]


def _pyproject() -> dict[str, object]:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def test_wheel_force_includes_the_top_level_rules_where_the_loader_looks() -> None:
    wheel = _pyproject()["tool"]["hatch"]["build"]["targets"]["wheel"]  # type: ignore[index]
    assert wheel["force-include"] == {"rules": f"pbrules/{packs.BUNDLED_DIR_NAME}"}
    sdist = _pyproject()["tool"]["hatch"]["build"]["targets"]["sdist"]  # type: ignore[index]
    for needed in ("/src", "/rules", "/LICENSE", "/README.md"):
        assert needed in sdist["include"]
    assert not (REPO / "src" / "pbrules" / packs.BUNDLED_DIR_NAME).exists(), "no second copy"


def test_the_shipped_folder_wins_over_the_checkout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = tmp_path / "pbrules" / packs.BUNDLED_DIR_NAME
    shipped.mkdir(parents=True)
    (shipped / "mine.yaml").write_text("pack: mine\nversion: '1'\n", encoding="utf-8")
    monkeypatch.setattr(packs.resources, "files", lambda _name: tmp_path / "pbrules")
    assert packs.bundled_rules_dir() == shipped
    assert [packs.pack_id_of(p) for p in packs.rule_files(shipped)] == ["mine"]


def test_a_checkout_uses_its_rules_folder() -> None:
    assert packs.bundled_rules_dir() == REPO / "rules"
    ids = {packs.pack_id_of(p) for p in packs.rule_files(packs.bundled_rules_dir())}
    assert {"baseline", "district-quarterly"} <= ids


def test_license_changelog_and_metadata() -> None:
    assert "MIT License" in (REPO / "LICENSE").read_text(encoding="utf-8")
    assert "pbrules contributors" in (REPO / "LICENSE").read_text(encoding="utf-8")
    assert "## [Unreleased]" in (REPO / "CHANGELOG.md").read_text(encoding="utf-8")
    project = _pyproject()["project"]
    assert isinstance(project, dict)
    assert {"Homepage", "Source", "Changelog", "Documentation"} <= set(project["urls"])
    assert "Typing :: Typed" in project["classifiers"]
    assert "docs" in project["optional-dependencies"]


def test_python_dash_m_pbrules_is_the_command() -> None:
    import subprocess
    import sys

    from pbrules._version import VERSION

    done = subprocess.run(
        [sys.executable, "-m", "pbrules", "--version"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"pbrules, version {VERSION}"
