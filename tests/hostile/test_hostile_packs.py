"""Hostile criteria packs: refused at load time with a located error (exit 2), never a hang,
a traceback, a memory bomb, or the content of a file that is not a pack."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from hostile_support import PACK, fingerprint, line, record, run_cli

from pbrules.engine.evaluate import Engine
from pbrules.errors import PackError
from pbrules.model.outcome import Status
from pbrules.model.snapshot import Snapshot
from pbrules.packs.loader import load_pack


def _pack(params: str = '{fact: members.count, op: ">=", value: 0}', **extra: str) -> str:
    text = PACK.replace('{fact: members.count, op: ">=", value: 0}', params)
    for key, value in extra.items():
        text += f"    {key}: {value}\n"
    return text


def _expr(expr: str) -> str:
    return _pack("{expr: " + json.dumps(expr) + "}")


NESTED = "organization_id =~ "
LOAD_CASES = [
    ("width-2e9", _pack(message="'{compliance:>2000000000}'"), "format width 2,000,000,000"),
    ("precision-1e9", _pack(message="'{compliance:.999999999f}'"), "format precision"),
    ("name-width-1e8", _pack(message="'{org.name:>100000000}'"), "format width 100,000,000"),
    ("zero-padded-width", _pack(message="'{points:0999999}'"), "format width"),
    ("fill-width", _pack(message="'{points:*^5000}'"), "format width 5,000"),
    ("nested-field", _pack(message="'{points:{points}}'"), "nested fields"),
    ("conversion", _pack(message="'{org.name!r}'"), "conversion"),
    ("attribute", _pack(message="'{org.__class__}'"), "unknown field"),
    ("index", _pack(message="'{org[0]}'"), "unknown field"),
    ("redos-nested-plus", _expr(NESTED + '"(a+)+$"'), "repeated group"),
    ("redos-star-star", _expr(NESTED + '"(a*)*b"'), "repeated group"),
    ("redos-alternation", _expr(NESTED + '"(a|aa)+$"'), "alternation inside"),
    ("redos-nested-braces", _expr(NESTED + '"(a{1,9}){1,9}$"'), "repeated group"),
    ("backreference", _expr(NESTED + '"(a)\\\\1"'), "backreferences"),
    ("regex-from-data", _expr("organization_id =~ organization_kind"), "text literal"),
    ("regex-too-long", _expr(NESTED + json.dumps("a" * 300)), "more than the 200"),
    ("regex-invalid", _expr(NESTED + '"(a"'), "invalid regular expression"),
    ("and-500", _expr(" and ".join(["members_count > 1"] * 500)), "more than the 2,000"),
    ("and-150-short", _expr(" and ".join(["true"] * 150)), "149 and/or/not operators"),
    ("not-600", _expr("not " * 600 + "true"), "more than the 2,000"),
    ("not-150", _expr("not " * 150 + "true"), "150 and/or/not operators"),
    ("brackets-30", _expr("(" * 30 + "true" + ")" * 30), "brackets 30 deep"),
    ("now", _expr("$now > $now"), "$now is not allowed"),
    ("today", _expr("$today == $today"), "$today is not allowed"),
    ("weight-1e308", PACK.replace("weight: 1", "weight: 1e308"), "larger than the 1e+09"),
    ("points-1e300", PACK.replace("points: 10", "points: 1e300"), "larger than the 1e+09"),
    ("value-1e11", _pack('{fact: members.count, op: ">=", value: 100000000000}'), "larger than"),
]


@pytest.mark.parametrize(("text", "message"), [c[1:] for c in LOAD_CASES],
                         ids=[c[0] for c in LOAD_CASES])  # fmt: skip
def test_pack_is_refused_with_a_located_error(tmp_path: Path, text: str, message: str) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text(text, encoding="utf-8")
    before = fingerprint([pack])
    started = time.monotonic()
    res = run_cli("validate", pack)
    assert time.monotonic() - started < 20
    assert res.code == 2 and res.clean(), res.stderr
    assert message in res.stderr, res.stderr
    assert f"{pack}:" in res.stderr  # located
    assert fingerprint([pack]) == before


def test_evaluate_refuses_the_pack_too(tmp_path: Path, dataset: Path) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text(_expr(" and ".join(["members_count > 1"] * 500)), encoding="utf-8")
    res = run_cli("evaluate", dataset, "--rules", pack)
    assert res.code == 2 and res.clean() and "characters" in res.stderr and res.stdout == ""


@pytest.mark.parametrize(
    "expr",
    [
        "members_count / 0 > 1",
        "members_count % 0 > 1",
        "(members_count + 2) ** 99999999 > 1",
        "members_count / (members_count - members_count) > 1",
    ],
)
def test_runtime_arithmetic_errors_are_criterion_errors(tmp_path: Path, expr: str) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text(_expr(expr), encoding="utf-8")
    engine = Engine(load_pack(pack))
    snap = Snapshot.model_validate(record("B1", members=[]))
    (criterion,) = engine.evaluate(snap).result.criteria
    assert criterion.status is Status.ERROR
    assert "missing data" not in criterion.note and "expression" in criterion.note


def test_catastrophic_regex_is_never_reached_at_runtime(tmp_path: Path) -> None:
    # a safe pattern over a hostile id: linear, quick
    pack = tmp_path / "pack.yaml"
    pack.write_text(_expr('organization_id =~ "^a+$"'), encoding="utf-8")
    engine = Engine(load_pack(pack))
    snap = Snapshot.model_validate(record("a" * 60 + "!"))
    started = time.monotonic()
    (criterion,) = engine.evaluate(snap).result.criteria
    assert time.monotonic() - started < 5
    assert criterion.status is Status.FAIL


def test_expressions_at_the_bounds_still_work(tmp_path: Path) -> None:
    pack = tmp_path / "pack.yaml"
    expr = " and ".join(["members_count >= 0"] * 50) + " and " + "not " * 49 + "false"
    pack.write_text(_expr(expr), encoding="utf-8")
    snap = Snapshot.model_validate(record("B1"))
    (criterion,) = Engine(load_pack(pack)).evaluate(snap).result.criteria
    assert criterion.status is Status.PASS


# -- extends and files that are not packs -------------------------------------------------------
SECRET = "root:*:19000:0:99999:7:::\ndaemon:*:19000:0:99999:7:::\n"


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("shadow", "not a pack file"),
        ("passwd.txt", "not a pack file"),
        ("secret.yaml", "not a criteria pack"),
        ("secret.yml", "not a criteria pack"),
        ("secret.json", "not a pack file"),
    ],
)
def test_extends_never_echoes_a_file_that_is_not_a_pack(
    tmp_path: Path, name: str, message: str
) -> None:
    secret = tmp_path / name
    secret.write_text(SECRET, encoding="utf-8")
    pack = tmp_path / "pack.yaml"
    pack.write_text(PACK.replace('version: "1"', f'version: "1"\nextends: [{secret}]'))
    res = run_cli("validate", pack)
    assert res.code == 2 and res.clean()
    assert message in res.stderr
    assert "19000" not in res.stderr and "daemon" not in res.stderr


def test_extends_relative_escape(tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "shadow").write_text(SECRET)
    sub = tmp_path / "a" / "b"
    sub.mkdir(parents=True)
    pack = sub / "pack.yaml"
    pack.write_text(PACK.replace('version: "1"', 'version: "1"\nextends: [../../etc/shadow]'))
    res = run_cli("validate", pack)
    assert res.code == 2 and "not a pack file" in res.stderr and "19000" not in res.stderr


def test_top_level_file_that_is_no_pack_is_not_echoed(tmp_path: Path) -> None:
    secret = tmp_path / "secret.yaml"
    secret.write_text(SECRET)
    res = run_cli("validate", secret)
    assert res.code == 2 and "not a criteria pack" in res.stderr and "19000" not in res.stderr


def test_deep_extends_chain_gives_the_true_reason(tmp_path: Path) -> None:
    for i in range(40):
        parent = f"extends: [p{i + 1}.yaml]\n" if i < 39 else ""
        (tmp_path / f"p{i}.yaml").write_text(
            f"pack: p{i}\nversion: '1'\n{parent}areas: [{{id: a{i}, weight: 1}}]\ncriteria: []\n"
        )
    res = run_cli("validate", tmp_path / "p0.yaml")
    assert res.code == 2 and res.clean()
    assert "more than 16 packs deep" in res.stderr
    assert "nested too deeply" not in res.stderr


def test_large_pack_without_aliases_is_not_called_an_alias_bomb(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # as a pack of 50,000 criteria: more values than a pack may hold, and no alias at all
    from pbrules.packs import _yaml

    monkeypatch.setattr(_yaml, "MAX_NODES", 20_000)  # the same path, ten times faster
    pack = tmp_path / "big.yaml"
    pack.write_text(PACK + "notes: [" + "1," * 21_000 + "1]\n")
    res = run_cli("validate", pack)
    assert res.code == 2 and res.clean()
    assert "alias bomb" not in res.stderr
    assert "more than the 20,000 values a pack may hold" in res.stderr
    assert f"{pack}:11:" in res.stderr  # where the budget ran out


def test_alias_bomb_is_still_named(tmp_path: Path) -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        levels.append(f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]")
    pack = tmp_path / "bomb.yaml"
    pack.write_text(PACK + "\n".join(levels) + "\n")
    res = run_cli("validate", pack)
    assert res.code == 2 and "alias bomb" in res.stderr


def test_weights_1e308_do_not_give_null_totals(tmp_path: Path, dataset: Path) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_text(PACK.replace("weight: 1", "weight: 1e308"))
    res = run_cli("evaluate", dataset, "--rules", pack)
    assert res.code == 2 and res.stdout == "" and "weight" in res.stderr


@pytest.mark.parametrize("data", [b"\x00\x01\x02", b"\xff\xfe", b"pack: [", b"- a\n- b\n"])
def test_binary_or_broken_pack_files(tmp_path: Path, data: bytes) -> None:
    pack = tmp_path / "pack.yaml"
    pack.write_bytes(data)
    with pytest.raises(PackError):
        load_pack(pack)
    res = run_cli("validate", pack)
    assert res.code == 2 and res.clean()


def test_template_render_never_builds_a_huge_string() -> None:
    from pbrules.packs.templates import render_message

    text = render_message("{compliance:>2000000000}", {"compliance": 0.5})
    assert len(text) < 100


def test_hostile_dataset_line_with_a_valid_pack(tmp_path: Path, pack_file: Path) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text(line("a" * 60 + "!") + "\n")
    res = run_cli("evaluate", data, "--rules", pack_file)
    assert res.code == 0 and res.clean()


def _nested_not(depth: int) -> str:
    return "{not: " * depth + '{fact: members.count, op: ">=", value: 0}' + "}" * depth


@pytest.mark.parametrize("depth", [40, 300, 900])
def test_deeply_nested_conditions_are_refused(tmp_path: Path, depth: int) -> None:
    pack = tmp_path / "deep.yaml"
    pack.write_text(_pack(_nested_not(depth)), encoding="utf-8")
    res = run_cli("validate", pack)
    assert res.code == 2 and res.clean()
    assert "nest" in res.stderr and "Recursion" not in res.stderr
    assert len(res.stderr) < 500  # no path of hundreds of "not."


def test_nested_conditions_within_the_bound_work(tmp_path: Path) -> None:
    pack = tmp_path / "deep.yaml"
    pack.write_text(_pack(_nested_not(30)), encoding="utf-8")
    (criterion,) = (
        Engine(load_pack(pack)).evaluate(Snapshot.model_validate(record())).result.criteria
    )
    assert criterion.status is Status.PASS
