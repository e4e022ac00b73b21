"""The example district's scores spread like a real district's (examples/district/README.md).

For each peer group of rules/district-quarterly.yaml no more than 10% of the group share one
total in 2026Q3, and the README's spread table is what benchmarks/spread.py prints today.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner

from pbrules.cli import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "district"
MAX_TIE = 0.10


def _spread_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "pbrules_bench_spread", ROOT / "benchmarks" / "spread.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


spread = _spread_module()


@pytest.fixture(scope="module")
def q3() -> dict[str, Any]:
    res = CliRunner().invoke(
        cli,
        [
            "evaluate", str(EXAMPLES / "2026Q3.jsonl"),
            "--rules", str(ROOT / "rules" / "district-quarterly.yaml"),
            "--format", "json",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    doc: dict[str, Any] = json.loads(res.stdout)
    return doc


def test_no_group_has_more_than_a_tenth_tied_at_one_total(q3: dict[str, Any]) -> None:
    spreads = spread.spread(q3["organizations"])
    assert {s.group for s in spreads} == {"townships", "system_committees", "branches"}
    for s in spreads:
        assert s.tie_share <= MAX_TIE, (s.group, s.mode_total, s.tie_share)
        assert s.minimum < s.q1 <= s.median <= s.q3 < s.maximum, s


def test_readme_states_the_spread(q3: dict[str, Any]) -> None:
    table = spread.render(spread.spread(q3["organizations"]), markdown=True)
    readme = (EXAMPLES / "README.md").read_text(encoding="utf-8")
    assert table in readme, "update the spread table in examples/district/README.md"
    assert "python benchmarks/spread.py" in readme


def test_spread_of_a_small_result(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    orgs = [{"group": "g", "total": t} for t in (50.0, 60.0, 60.004, 70.0, 80.0)] + [
        {"group": "g", "total": None},
        {"group": None, "total": 99.0},
    ]
    (s,) = spread.spread(orgs)
    assert (s.n, s.minimum, s.median, s.maximum) == (5, 50.0, 60.0, 80.0)
    # totals are compared as printed (two decimals): 60.0 and 60.004 are one total
    assert (s.mode_total, s.tie_share) == (60.0, 0.4)
    doc = tmp_path / "result.json"
    doc.write_text(json.dumps({"organizations": orgs}), encoding="utf-8")
    assert spread.main([str(doc), "--max-tie", "0.5"]) == 0
    assert spread.main([str(doc), "--max-tie", "0.1"]) == 1
    out, err = capsys.readouterr()
    assert "40.0% at 60.00" in out and "tie share above 10% in: g" in err
