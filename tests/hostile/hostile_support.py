"""Helpers of the hostile-input suite: valid records, CLI runs, file fingerprints."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from pbrules.cli import cli


def record(org_id: str = "B1", **fields: Any) -> dict[str, Any]:
    """A small valid snapshot record of a branch for 2026Q3."""
    rec: dict[str, Any] = {
        "period": "2026Q3",
        "organization": {"id": org_id, "name": f"Branch {org_id}", "kind": "branch"},
    }
    rec.update(fields)
    return rec


def line(org_id: str = "B1", **fields: Any) -> str:
    return json.dumps(record(org_id, **fields), ensure_ascii=False)


def fingerprint(paths: Iterable[Path]) -> dict[str, str]:
    """Path -> sha256 of every file (a directory: its files), to prove nothing changed."""
    out: dict[str, str] = {}
    for path in paths:
        files = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for f in files:
            out[str(f)] = hashlib.sha256(f.read_bytes()).hexdigest()
    return out


@dataclass
class Run:
    code: int
    stdout: str
    stderr: str
    output: bytes

    def clean(self) -> bool:
        """No traceback anywhere in the output."""
        return "Traceback" not in self.stderr and "Traceback" not in self.stdout


def run_cli(*args: str | Path, stdin: bytes | None = None) -> Run:
    result = CliRunner().invoke(cli, [str(a) for a in args], input=stdin, catch_exceptions=True)
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr, result.stdout_bytes)


PACK = """pack: hostile
version: "1"
areas: [{id: org, weight: 1}]
criteria:
  - id: A1
    title: Has members
    area: org
    check: condition
    params: {fact: members.count, op: ">=", value: 0}
    points: 10
"""
