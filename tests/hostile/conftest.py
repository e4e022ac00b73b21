"""Fixtures of the hostile-input suite."""

from __future__ import annotations

from pathlib import Path

import pytest
from hostile_support import PACK, line


@pytest.fixture
def pack_file(tmp_path: Path) -> Path:
    path = tmp_path / "pack.yaml"
    path.write_text(PACK, encoding="utf-8")
    return path


@pytest.fixture
def dataset(tmp_path: Path) -> Path:
    path = tmp_path / "data.jsonl"
    path.write_text("\n".join(line(f"B{i}") for i in range(1, 4)) + "\n", encoding="utf-8")
    return path
