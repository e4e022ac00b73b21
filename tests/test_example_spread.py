"""The example district's scores spread like a real district's (examples/district/README.md).

For each peer group of rules/district-quarterly.yaml no more than 10% of the group share one
total in 2026Q3, and the README's spread table is what benchmarks/spread.py prints today. The
Chinese example (examples/district-zh, the same district from the same seed) scores and ranks
exactly as the English one, states the same spread in its README, and its review reads Chinese
from the heading on.
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
from pbrules.packs.loader import load_pack
from pbrules.report import build_report, render_markdown
from pbrules.result_io import load_result

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "district"
EXAMPLES_ZH = ROOT / "examples" / "district-zh"
PACK = ROOT / "rules" / "district-quarterly.yaml"
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


def _evaluate(examples: Path) -> dict[str, Any]:
    res = CliRunner().invoke(
        cli,
        [
            "evaluate", str(examples / "2026Q3.jsonl"), "--rules", str(PACK),
            "--previous", str(examples / "result-2026Q2.json"), "--format", "json",
        ],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    doc: dict[str, Any] = json.loads(res.stdout)
    return doc


@pytest.fixture(scope="module")
def q3() -> dict[str, Any]:
    return _evaluate(EXAMPLES)


@pytest.fixture(scope="module")
def q3_zh() -> dict[str, Any]:
    return _evaluate(EXAMPLES_ZH)


def _ranked(doc: dict[str, Any]) -> dict[str, tuple[Any, ...]]:
    keys = ("group", "total", "rank", "previous_rank", "movement", "grade")
    return {o["org_id"]: tuple(o.get(k) for k in keys) for o in doc["organizations"]}


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


def test_no_group_has_more_than_a_tenth_sharing_a_rank(q3: dict[str, Any]) -> None:
    """After the pack's tie_break, fewer still share a rank than share a total."""
    ranks: dict[tuple[str, int], int] = {}
    sizes: dict[str, int] = {}
    for o in q3["organizations"]:
        if o.get("group") and o.get("rank") is not None:
            ranks[(o["group"], o["rank"])] = ranks.get((o["group"], o["rank"]), 0) + 1
            sizes[o["group"]] = sizes.get(o["group"], 0) + 1
    for (group, rank), n in ranks.items():
        assert n <= MAX_TIE * sizes[group], (group, rank, n)


def test_zh_example_scores_and_ranks_as_the_english_one(
    q3: dict[str, Any], q3_zh: dict[str, Any]
) -> None:
    assert _ranked(q3_zh) == _ranked(q3)
    assert q3_zh["rankings"] == q3["rankings"]
    assert len(q3_zh["findings"]) == len(q3["findings"])
    table = spread.render(spread.spread(q3_zh["organizations"]), markdown=True)
    readme = (EXAMPLES_ZH / "README.md").read_text(encoding="utf-8")
    assert table in readme, "update the spread table in examples/district-zh/README.md"


def test_zh_review_reads_chinese_from_the_heading(q3_zh: dict[str, Any]) -> None:
    result = load_result(EXAMPLES_ZH / "result-2026Q2.json")
    report = build_report(result, pack=load_pack(PACK), lang="zh")
    assert report.title == "X区基层党建工作季度考评"
    assert report.issuer == "中共X区委组织部"
    text = render_markdown(report, lang="zh")
    assert text.lstrip("# ").startswith("X区基层党建工作季度考评")
    assert "吴山村党支部" in text and "Wushan" not in text
    english = build_report(result, pack=load_pack(PACK), lang="en")
    assert english.title == "X District quarterly grass-roots party building review"
