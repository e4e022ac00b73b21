"""README's quick start runs: every `pbrules ...` step of its first command works as written."""

from __future__ import annotations

import os
import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner

from pbrules.cli import cli

REPO = Path(__file__).resolve().parents[1]


def _quick_start_steps() -> list[list[str]]:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    first = re.search(r"## Quick start.*?```bash\n(.*?)\n```", text, re.S)
    assert first, "README has no quick start command"
    steps = [shlex.split(part) for part in first.group(1).split("&&")]
    assert steps[0][:2] == ["pip", "install"], "the first step installs pbrules"
    return [s[1:] for s in steps[1:] if s and s[0] == "pbrules"]


_OUTPUT_OPTIONS = ("--output", "-o")


def _inputs_from_the_checkout(step: list[str]) -> list[str]:
    """The step's input paths made absolute (they are the checkout's); outputs stay relative,
    so they land in the test's directory whatever files the working tree holds."""
    args: list[str] = []
    for i, arg in enumerate(step):
        is_output = i > 0 and step[i - 1] in _OUTPUT_OPTIONS
        args.append(str(REPO / arg) if not is_output and (REPO / arg).exists() else arg)
    return args


def test_quick_start_evaluates_the_example_and_writes_the_review(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    steps = _quick_start_steps()
    assert steps and all(step[0] == "evaluate" for step in steps)
    monkeypatch.chdir(tmp_path)
    for step in steps:
        args = _inputs_from_the_checkout(step)
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.output
        if "table" in step:
            assert "T05" in result.output and "rapid progress" in result.output
    written = [p for p in os.listdir(tmp_path) if p.endswith(".html")]
    assert written, "the quick start writes the review"
    outputs = [s[s.index(o) + 1] for s in steps for o in _OUTPUT_OPTIONS if o in s]
    assert sorted(written) == sorted(outputs)
    html = (tmp_path / written[0]).read_text(encoding="utf-8")
    assert "<svg" in html and "T05" in html
