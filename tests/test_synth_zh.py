"""The example district in Chinese (``python -m pbrules.synth --lang zh``, examples/district-zh).

From one seed the Chinese district is the English one: same ids, records, dates and numbers;
only the names and texts differ, every one of them Chinese, one Chinese text per English one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import pbrules.synth as synth
from pbrules.dataset import read_dataset
from pbrules.testing.synth import zh

ROOT = Path(__file__).resolve().parent.parent
EN = ROOT / "examples" / "district"
ZH = ROOT / "examples" / "district-zh"
LATIN = re.compile("[A-Za-z]")


def _leaves(en: Any, cn: Any, path: str = "") -> Iterator[tuple[str, Any, Any]]:
    """(path, English value, Chinese value) of every leaf; the two trees must have one shape."""
    if isinstance(en, dict):
        assert isinstance(cn, dict) and en.keys() == cn.keys(), path
        for key in en:
            yield from _leaves(en[key], cn[key], f"{path}.{key}")
    elif isinstance(en, list):
        assert isinstance(cn, list) and len(en) == len(cn), path
        for a, b in zip(en, cn, strict=True):
            yield from _leaves(a, b, f"{path}[]")
    else:
        yield path, en, cn


def _translations(period: str) -> dict[str, set[str]]:
    """English text -> the Chinese texts it became, over the committed files of ``period``."""
    seen: dict[str, set[str]] = {}
    en_lines = (EN / f"{period}.jsonl").read_text(encoding="utf-8").splitlines()
    zh_lines = (ZH / f"{period}.jsonl").read_text(encoding="utf-8").splitlines()
    assert len(en_lines) == len(zh_lines)
    for en_line, zh_line in zip(en_lines, zh_lines, strict=True):
        for path, a, b in _leaves(json.loads(en_line), json.loads(zh_line)):
            if a != b:
                assert isinstance(a, str) and isinstance(b, str), path
                assert not LATIN.search(b), (path, a, b)
                seen.setdefault(a, set()).add(b)
    return seen


@pytest.mark.parametrize("period", ["2026Q2", "2026Q3"])
def test_same_district_only_the_texts_in_chinese(period: str) -> None:
    seen = _translations(period)
    assert all(len(b) == 1 for b in seen.values()), "one English text became two Chinese ones"
    chinese = [next(iter(b)) for b in seen.values()]
    assert len(set(chinese)) == len(chinese), "two English texts became one Chinese text"
    assert len(seen) > 1000  # people, organizations, topics... were all translated


def test_committed_zh_example_is_current(tmp_path: Path) -> None:
    synth.write_example(tmp_path, synth.DEFAULT_SEED, lang="zh")
    for name in ("2026Q2.jsonl", "2026Q3.jsonl", "planted.json", "bad/2026Q3-bad.jsonl"):
        assert (tmp_path / name).read_bytes() == (ZH / name).read_bytes(), name


def test_planted_names_are_chinese_and_the_rest_is_the_english_plan() -> None:
    en = json.loads((EN / "planted.json").read_text(encoding="utf-8"))
    cn = json.loads((ZH / "planted.json").read_text(encoding="utf-8"))
    assert en["names"]["B002"] == "Wushan Village Party Branch"
    assert cn["names"]["B002"] == "吴山村党支部"
    assert cn["names"]["T03"] == "东坝镇党委"
    assert not any(LATIN.search(n) for n in cn["names"].values())
    for situation in cn["situations"]:
        assert not LATIN.search(situation.pop("description_zh").replace("2026", ""))
    assert {k: v for k, v in cn.items() if k != "names"} == {
        k: v for k, v in en.items() if k != "names"
    }


def test_zh_bad_file_rejects_the_same_records() -> None:
    data = read_dataset(ZH / "bad" / "2026Q3-bad.jsonl")
    good = list(data.snapshots())
    info = json.loads((ZH / "planted.json").read_text(encoding="utf-8"))["bad_file"]
    assert len(good) == info["good"] == 3
    assert good[0].organization.name.endswith("第二党支部")


@pytest.mark.parametrize(
    ("english", "chinese"),
    [
        ("Xinhe District Party Committee", "新河区委"),
        ("Qingshui Town Party Committee", "清水镇党委"),
        ("Chengguan Street Party Working Committee", "城关街道党工委"),
        ("Lijia Village Party Branch", "李家村党支部"),
        ("Wangshan Village Party Branch", "王山村党支部"),
        ("Binhe West Community Party Branch", "滨河西社区党支部"),
        ("Baima Non-public Enterprises Joint Party Branch", "白马镇非公企业联合党支部"),
        ("Hengda Textile Co., Ltd. Party Branch", "恒达纺织有限公司党支部"),
        ("Hengda Textile Party Branch", "恒达纺织集团党支部"),
        ("Education System Party Sub-committee", "区教育系统党委"),
        ("No. 1 Middle School General Party Branch", "区第一中学党总支"),
        ("No. 1 Middle School Senior Section Party Branch", "区第一中学高中部党支部"),
        ("Finance Bureau Party Branch", "区财政局机关党支部"),
        ("Retired Teachers Second Party Branch", "区退休教师第二党支部"),
        ("Unit 143 Party Branch", "第143单位党支部"),
        ("Generated District Party Committee", "样例区委"),
        ("Lijia 17 Party Branch", "李家第17党支部"),
    ],
)
def test_organization_names(english: str, chinese: str) -> None:
    assert zh.org_name(english) == chinese


def test_texts_and_people() -> None:
    assert zh.person_name("Song Xia") == "宋霞"
    assert zh.text("2026 party building work plan") == "2026年党建工作计划"
    assert zh.text("meeting minutes incomplete") == "会议记录不完整"
    snap = {"organization": {"name": "Lijia Village Party Branch"}, "party_groups": [
        {"id": "PG1", "name": "Party Group 1"}]}  # fmt: skip
    out = zh.chinese_snapshot(snap)
    assert out["party_groups"][0] == {"id": "PG1", "name": "第一党小组"}
    assert snap["organization"]["name"] == "Lijia Village Party Branch"  # input untouched


@pytest.mark.parametrize(
    "call",
    [
        lambda: zh.org_name("Atlantis Village Party Branch"),
        lambda: zh.org_name("Some Club"),
        lambda: zh.person_name("John Smith"),
        lambda: zh.text("an unknown topic"),
    ],
)
def test_an_unknown_text_is_an_error_never_left_in_english(call: Any) -> None:
    with pytest.raises(ValueError, match="no Chinese for the"):
        call()


def test_generic_district_in_chinese_is_the_english_one() -> None:
    en = list(synth.generic_snapshots(5, "2026Q3", 120))
    cn = list(synth.generic_snapshots(5, "2026Q3", 120, lang="zh"))
    for a, b in zip(en, cn, strict=True):
        for path, x, y in _leaves(a, b):
            if x != y:
                assert isinstance(y, str) and not LATIN.search(y), (path, x, y)


def test_cli_lang(tmp_path: Path) -> None:
    out = tmp_path / "zh.jsonl"
    assert synth.main(["--lang", "zh", "--period", "2026Q3", "--out", str(out)]) == 0
    first = json.loads(out.read_text(encoding="utf-8").splitlines()[0])
    assert first["organization"]["name"] == "新河区委"
    with pytest.raises(SystemExit) as exc:
        synth.main(["--lang", "fr"])
    assert exc.value.code == 2
    with pytest.raises(ValueError, match="lang must be one of en, zh"):
        next(synth.example_snapshots(7, "2026Q3", lang="fr"))
