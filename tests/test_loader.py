"""The pack loader: extends, overrides by id, digest, load_packs, registered ids, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pbrules.errors import PackError, UsageError
from pbrules.packs._yaml import YMap, load_yaml_text
from pbrules.packs.loader import canonical_digest, load_pack, load_packs
from pbrules.plugins import Registry, get_registry

PACKS = Path(__file__).parent / "packs"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_pack_loads() -> None:
    loaded = load_pack(PACKS / "minimal.yaml")
    pack = loaded.model
    assert loaded.id == "minimal"
    assert [c.id for c in pack.criteria] == ["M01", "M02", "M03", "M04"]
    m02 = pack.criteria[1]
    assert m02.params == {"expr": "meetings_months_with_committee_meeting >= period_months"}
    assert type(m02.params) is dict  # plain data, not the YAML position-carrying mapping
    assert len(loaded.digest) == 64
    assert loaded.sources == [str(PACKS / "minimal.yaml")]


def test_extends_by_path_overrides_by_id() -> None:
    loaded = load_pack(PACKS / "child.yaml")
    pack = loaded.model
    by_id = {c.id: c for c in pack.criteria}
    assert [c.id for c in pack.criteria] == ["M01", "M02", "M03", "M04", "M05"]
    m01 = by_id["M01"]
    assert m01.points == 8
    assert m01.severity.value == "critical"
    # params merged key by key: the override changed only the value
    assert m01.params == {"fact": "members.full_count", "op": ">=", "value": 5}
    assert m01.title == "At least three full members"
    assert by_id["M03"].enabled is False
    assert [c.id for c in pack.active_criteria] == ["M01", "M02", "M04", "M05"]
    assert pack.area("team_stability").weight == 60
    assert pack.area("team_stability").title == "队伍稳定"
    assert pack.pack == "minimal-child" and pack.version == "1.1"
    assert [Path(s).name for s in loaded.sources] == ["minimal.yaml", "child.yaml"]


def test_digest_is_content_based(tmp_path: Path) -> None:
    a = load_pack(PACKS / "minimal.yaml")
    text = (PACKS / "minimal.yaml").read_text(encoding="utf-8")
    # comments and layout do not change the digest; content does
    copy = write(
        tmp_path, "copy.yaml", "# a comment\n" + text.replace("  - {id: team", "  -   {id: team")
    )
    assert load_pack(copy).digest == a.digest
    changed = write(tmp_path, "changed.yaml", text.replace("points: 10", "points: 11", 1))
    assert load_pack(changed).digest != a.digest
    assert canonical_digest(a.model) == a.digest


def test_load_packs_merges_in_order(tmp_path: Path) -> None:
    local = write(
        tmp_path,
        "local.yaml",
        "pack: local\nversion: '2'\ncriteria:\n  - {id: M02, points: 4}\n",
    )
    loaded = load_packs([PACKS / "minimal.yaml", local])
    assert loaded.id == "local"
    assert {c.id: c.points for c in loaded.model.criteria}["M02"] == 4
    with pytest.raises(UsageError):
        load_packs([])


def test_extends_registered_id(tmp_path: Path) -> None:
    registry = get_registry()
    reg = Registry(checkers=dict(registry.checkers), packs={"minimal": PACKS / "minimal.yaml"})
    child = write(
        tmp_path,
        "c.yaml",
        "pack: c\nversion: '1'\nextends: minimal\ncriteria:\n  - {id: M04, enabled: false}\n",
    )
    loaded = load_pack(child, registry=reg)
    assert [c.id for c in loaded.model.active_criteria] == ["M01", "M02", "M03"]
    assert load_pack("minimal", registry=reg).id == "minimal"


def test_condition_params_are_replaced_whole(tmp_path: Path) -> None:
    child = write(
        tmp_path,
        "c.yaml",
        f"pack: c\nversion: '1'\nextends: [{PACKS / 'minimal.yaml'}]\n"
        "criteria:\n  - id: M02\n    check: condition\n"
        "    params: {fact: members.count, op: '>', value: 0}\n",
    )
    m02 = next(c for c in load_pack(child).model.criteria if c.id == "M02")
    assert m02.params == {"fact": "members.count", "op": ">", "value": 0}


def test_null_in_override_restores_default(tmp_path: Path) -> None:
    child = write(
        tmp_path,
        "c.yaml",
        f"pack: c\nversion: '1'\nextends: [{PACKS / 'minimal.yaml'}]\n"
        "criteria:\n  - id: M02\n    applies_to: {kind: null}\n",
    )
    m02 = next(c for c in load_pack(child).model.criteria if c.id == "M02")
    assert m02.applies_to.kind is None


def test_errors_in_merged_pack_point_at_the_file_that_caused_them(tmp_path: Path) -> None:
    child = write(
        tmp_path,
        "c.yaml",
        f"pack: c\nversion: '1'\nextends: [{PACKS / 'minimal.yaml'}]\n"
        "criteria:\n  - id: M01\n    params: {fact: members.count, op: '>=', value: many}\n"
        "  - id: M02\n    area: nowhere\n",
    )
    with pytest.raises(PackError) as info:
        load_pack(child)
    assert [str(p) for p in info.value.problems] == [
        f"{child}:6:52: error: criterion M01: params.value: value 'many' must be a number "
        "for fact members.count (int)",
        f"{child}:8:11: error: criterion M02: unknown area 'nowhere' "
        "(areas: standardization, team_stability)",
    ]


def test_missing_keys_reported_once_per_position(tmp_path: Path) -> None:
    pack = write(
        tmp_path,
        "p.yaml",
        "pack: p\nversion: '1'\nareas: [{id: a, weight: 1}]\n"
        "criteria:\n  - id: N1\n    title: new\n",
    )
    with pytest.raises(PackError) as info:
        load_pack(pack)
    assert [(p.line, p.col) for p in info.value.problems] == [(5, 5)]
    assert info.value.problems[0].message == ("criterion N1: missing required keys 'area', 'check'")


def test_digest_is_stable_json(tmp_path: Path) -> None:
    loaded = load_pack(PACKS / "minimal.yaml")
    dumped = json.dumps(loaded.model.model_dump(mode="json"), sort_keys=True)
    assert "M04" in dumped


def test_positions_are_recorded() -> None:
    doc = load_yaml_text("a: 1\nb:\n  - x\n  - {c: 2}\n", "t.yaml")
    assert isinstance(doc, YMap)
    assert (doc.key_pos["b"].line, doc.key_pos["b"].col) == (2, 1)
    seq = doc["b"]
    assert [(p.line, p.col) for p in seq.item_pos] == [(3, 5), (4, 5)]
    assert (seq[1].value_pos["c"].line, seq[1].value_pos["c"].col) == (4, 9)


def test_merge_keys_work_and_explicit_keys_win() -> None:
    doc = load_yaml_text("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n", "t.yaml")
    assert doc["other"] == {"x": 1, "y": 3}


def test_alias_bomb_is_stopped_quickly() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 12)]
    with pytest.raises(PackError, match="alias bomb"):
        load_yaml_text("\n".join(lines), "bomb.yaml")


def test_extends_cycle_through_three_files(tmp_path: Path) -> None:
    for name, parent in (("a", "b"), ("b", "c"), ("c", "a")):
        write(tmp_path, f"{name}.yaml", f"pack: {name}\nversion: '1'\nextends: [{parent}.yaml]\n")
    with pytest.raises(PackError) as info:
        load_pack(tmp_path / "a.yaml")
    assert any("a.yaml -> b.yaml -> c.yaml -> a.yaml" in p.message for p in info.value.problems)


def test_duplicate_area_and_group_ids(tmp_path: Path) -> None:
    pack = write(
        tmp_path,
        "p.yaml",
        "pack: p\nversion: '1'\nareas:\n  - {id: a, weight: 1}\n  - {id: a, weight: 2}\n"
        "groups:\n  - {id: g, where: {kind: [branch]}}\n"
        "  - {id: g, where: {kind: [joint_branch]}}\n",
    )
    with pytest.raises(PackError) as info:
        load_pack(pack)
    messages = [p.message for p in info.value.problems]
    assert "duplicate area id 'a' (first defined at line 4)" in messages
    assert "duplicate peer group id 'g' (first defined at line 7)" in messages


def test_disjoint_groups_by_category_are_fine(tmp_path: Path) -> None:
    pack = write(
        tmp_path,
        "p.yaml",
        "pack: p\nversion: '1'\nareas: [{id: a, weight: 1}]\ngroups:\n"
        "  - {id: v, where: {kind: [branch], category: [village]}}\n"
        "  - {id: c, where: {kind: [branch], category: [community]}}\n",
    )
    assert [g.id for g in load_pack(pack).model.groups] == ["v", "c"]


def test_unknown_checker_uses_given_registry(tmp_path: Path) -> None:
    pack = write(
        tmp_path,
        "p.yaml",
        "pack: p\nversion: '1'\nareas: [{id: a, weight: 1}]\ncriteria:\n"
        "  - {id: X, title: t, area: a, check: condition, params: {expr: 'members_count > 1'}}\n",
    )
    with pytest.raises(PackError, match="unknown checker 'condition'"):
        load_pack(pack, registry=Registry())


def test_overlapping_groups_across_files_name_both_files(tmp_path: Path) -> None:
    other = write(
        tmp_path,
        "other.yaml",
        "pack: other\nversion: '1'\nareas: [{id: standardization, weight: 1}]\n"
        "groups:\n  - {id: all_branches, where: {kind: [branch]}}\n",
    )
    with pytest.raises(PackError) as info:
        load_packs([other, PACKS / "minimal.yaml"])
    (problem,) = info.value.problems
    assert problem.path == str(PACKS / "minimal.yaml") and problem.line == 10
    assert f"overlaps group 'all_branches' ({other}:5)" in problem.message


_FINITE_HEAD = "pack: p\nversion: '1'\n"
_FINITE_CRIT = "  - {id: X, title: t, area: a, check: condition, params: {expr: 'true'}"


@pytest.mark.parametrize(
    ("body", "line", "col", "where", "got"),
    [
        ("areas: [{id: a, weight: 1e400}]\n", 3, 25, "area a: weight", "1e400"),
        ("areas: [{id: a, weight: .inf}]\n", 3, 25, "area a: weight", ".inf"),
        ("areas: [{id: a, weight: .nan}]\n", 3, 25, "area a: weight", ".nan"),
        ("bonus_cap: .inf\nareas: [{id: a, weight: 1}]\n", 3, 12, "bonus_cap", ".inf"),
        (
            "bands: [{min: .nan, grade: weak}]\nareas: [{id: a, weight: 1}]\n",
            3,
            15,
            "bands[0].min",
            ".nan",
        ),
        (
            "movement: {rapid_progress: {rank_gain: 3, min_total_change: .inf}}\n"
            "areas: [{id: a, weight: 1}]\n",
            3,
            61,
            "movement.rapid_progress.min_total_change",
            ".inf",
        ),
        (
            f"areas: [{{id: a, weight: 1}}]\ncriteria:\n{_FINITE_CRIT}, points: 1e400}}\n",
            5,
            82,
            "criterion X: points",
            "1e400",
        ),
        (
            "areas: [{id: a, weight: 1}]\ncriteria:\n"
            f"{_FINITE_CRIT}, points: 4, scoring: {{mode: deduct, per_miss: .inf}}}}\n",
            5,
            119,
            "criterion X: scoring.per_miss",
            ".inf",
        ),
    ],
)
def test_numbers_of_the_pack_must_be_finite(
    tmp_path: Path, body: str, line: int, col: int, where: str, got: str
) -> None:
    """1e400 (read as infinity), .inf and .nan are load-time errors, never a null total."""
    pack = write(tmp_path, "p.yaml", _FINITE_HEAD + body)
    with pytest.raises(PackError) as info:
        load_pack(pack)
    (problem,) = info.value.problems
    assert (problem.line, problem.col) == (line, col), str(problem)
    assert problem.message == f"{where}: must be a finite number (got {got})"


_VETO_PACK = (
    "pack: p\nversion: '1'\nareas: [{id: a, weight: 1}]\n"
    "bands: [{min: 90, grade: A}, {min: 60, grade: B}, {min: 0, grade: C}]\n"
    "criteria:\n"
    "  - {id: X1, title: t, area: a, check: condition, params: {expr: 'true'}, points: 4}\n"
    "  - {id: X2, title: t, area: a, check: condition, params: {expr: 'true'},"
    " scoring: {mode: veto}}\n"
)


def test_default_veto_grade_must_be_a_band_grade_when_a_criterion_can_veto(
    tmp_path: Path,
) -> None:
    pack = write(tmp_path, "p.yaml", _VETO_PACK)
    with pytest.raises(PackError) as info:
        load_pack(pack)
    assert [str(p) for p in info.value.problems] == [
        f"{pack}:4:8: error: bands have no grade 'weak', the default veto_grade a failed veto "
        "criterion caps the grade at (grades: A, B, C); did you mean to set 'veto_grade: C'?"
    ]
    # a close grade is the suggestion
    close = write(tmp_path, "close.yaml", _VETO_PACK.replace("grade: C", "grade: weak_"))
    with pytest.raises(PackError, match=r"did you mean to set 'veto_grade: weak_'\?"):
        load_pack(close)
    # written explicitly: reported at veto_grade
    wrong = write(tmp_path, "wrong.yaml", _VETO_PACK + "veto_grade: c\n")
    with pytest.raises(PackError) as info:
        load_pack(wrong)
    (problem,) = info.value.problems
    assert (problem.line, problem.col) == (8, 13)
    assert problem.message == (
        "veto_grade 'c' is not a grade of bands (grades: A, B, C); did you mean 'C'?"
    )
    # fine with a valid veto_grade, without a veto criterion, or with it switched off
    assert load_pack(write(tmp_path, "ok.yaml", _VETO_PACK + "veto_grade: C\n")).model
    no_veto = _VETO_PACK.replace(" scoring: {mode: veto}", " points: 1")
    assert load_pack(write(tmp_path, "nv.yaml", no_veto)).model
    off = _VETO_PACK.replace("scoring: {mode: veto}", "scoring: {mode: veto}, enabled: false")
    assert load_pack(write(tmp_path, "off.yaml", off)).model


def test_default_veto_grade_is_checked_on_the_merged_pack(tmp_path: Path) -> None:
    """A child that only changes the bands of a parent with a veto criterion is reported."""
    parent = write(
        tmp_path,
        "parent.yaml",
        "pack: parent\nversion: '1'\nareas: [{id: a, weight: 1}]\ncriteria:\n"
        "  - {id: X2, title: t, area: a, check: condition, params: {expr: 'true'},"
        " scoring: {mode: veto}}\n",
    )
    assert load_pack(parent).model.veto_grade == "weak"  # the default bands have weak
    child = write(
        tmp_path,
        "child.yaml",
        "pack: child\nversion: '1'\nextends: [parent.yaml]\n"
        "bands: [{min: 60, grade: pass}, {min: 0, grade: fail}]\n",
    )
    with pytest.raises(PackError) as info:
        load_pack(child)
    (problem,) = info.value.problems
    assert (problem.path, problem.line, problem.col) == (str(child), 4, 8)
    assert "did you mean to set 'veto_grade: fail'?" in problem.message
