"""Hostile arguments to the public API: a wrong type is a TypeError naming the argument, a wrong
value a pbrules error naming it — never an AttributeError or a raw pydantic error from inside."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest

import pbrules
from pbrules import ChildRef, ChildScore, Engine, Snapshot

REPO = Path(__file__).resolve().parents[2]
PACK = REPO / "tests/engine_packs/small.yaml"
BASELINE_PREVIOUS = REPO / "examples/district/result-2026Q2.json"


def branch(org_id: str = "B1", period: str = "2026Q3") -> dict[str, Any]:
    return {
        "period": period,
        "organization": {"id": org_id, "name": f"Branch {org_id}", "kind": "branch"},
        "members": [{"id": "M1"}],
    }


@pytest.fixture(scope="module")
def engine() -> Engine:
    return Engine(pbrules.load_pack(PACK))


@pytest.fixture(scope="module")
def snap() -> Snapshot:
    return Snapshot.model_validate(branch())


def _raises(kind: type[BaseException], names: str, call: Callable[[], object]) -> str:
    with pytest.raises(kind) as info:
        call()
    message = str(info.value)
    assert re.search(names, message), message
    assert "pydantic.dev" not in message and "Traceback" not in message
    return message


# -- wrong types: TypeError naming the argument ----------------------------------------------
@pytest.mark.parametrize(
    ("call", "names"),
    [
        (lambda e, s: e.evaluate(None), r"^snapshot must be"),
        (lambda e, s: e.evaluate(42), r"^snapshot must be"),
        (lambda e, s: e.evaluate([branch()]), r"^snapshot must be"),
        (lambda e, s: e.evaluate(s, as_of="2026-09-30"), r"^as_of must be a datetime\.date"),
        (lambda e, s: e.evaluate(s, as_of=datetime(2026, 9, 1)), r"^as_of must be"),
        (lambda e, s: e.evaluate(s, period=2026), r"^period must be"),
        (lambda e, s: e.evaluate(s, waivers=[1]), r"^waivers must be a mapping"),
        (lambda e, s: e.evaluate(s, waivers={"f": 1}), r"^waivers\['f'\] must be a waiver"),
        (
            lambda e, s: e.evaluate(s, children=[1, 2]),
            r"^children\[0\] must be a pbrules\.ChildRef",
        ),
        (lambda e, s: e.evaluate(s, children="abc"), r"^children must be a sequence"),
        (lambda e, s: e.evaluate(s, children=None), r"^children must be a sequence"),
        (lambda e, s: e.evaluate(s, child_results=5), r"^child_results must be a mapping"),
        (lambda e, s: e.evaluate(s, child_results={"K": 1}), r"child_results\['K'\] must be"),
        (lambda e, s: e.run(42), r"^dataset must be a path or an iterable"),
        (lambda e, s: e.run(None), r"^dataset must be"),
        (lambda e, s: e.run(b"data.jsonl"), r"^dataset must be"),
        (lambda e, s: e.run({"a": 1}), r"^dataset must be"),
        (lambda e, s: e.run([s], jobs="2"), r"^jobs must be an int, not str"),
        (lambda e, s: e.run([s], jobs=2.0), r"^jobs must be an int, not float"),
        (lambda e, s: e.run([s], jobs=True), r"^jobs must be an int, not bool"),
        (lambda e, s: e.run([s], previous="q2.json"), r"^previous must be a pbrules\.RunResult"),
        (lambda e, s: e.run([s], previous={}), r"^previous must be a pbrules\.RunResult"),
        (lambda e, s: e.run([s], progress=3), r"^progress must be a callable"),
        (lambda e, s: e.run([s], waivers=[1]), r"^waivers must be a mapping"),
        (lambda e, s: e.run([s], period=["2026Q3"]), r"^period must be"),
    ],
)
def test_wrong_type_is_a_type_error_naming_the_argument(
    engine: Engine, snap: Snapshot, call: Callable[[Engine, Snapshot], object], names: str
) -> None:
    _raises(TypeError, names, lambda: call(engine, snap))


@pytest.mark.parametrize(
    ("call", "names"),
    [
        (lambda: Engine(None), r"^pack must be a pbrules\.LoadedPack or Pack, not NoneType"),
        (lambda: Engine("rules/baseline.yaml"), r"^pack must be"),
        (lambda: pbrules.load_pack(None), r"^source must be a path"),
        (lambda: pbrules.load_pack(3.5), r"^source must be a path"),
        (lambda: pbrules.load_packs("x.yaml" and [None]), r"^sources\[0\] must be a path"),
        (lambda: pbrules.load_packs(7), r"^sources must be a list of paths"),
        (lambda: pbrules.read_dataset(None), r"^path must be a path"),
        (lambda: pbrules.read_dataset(12), r"^path must be a path"),
        (lambda: pbrules.evaluate(PACK, 42), r"^dataset must be"),
        (lambda: pbrules.evaluate(PACK, [], jobs="2"), r"^jobs must be an int"),
        (lambda: pbrules.evaluate(None, []), r"^rules must be an Engine"),
        (lambda: pbrules.evaluate(PACK, [], ledger=5), r"^ledger must be a path"),
        (lambda: pbrules.evaluate(PACK, [], previous=5), r"^previous must be a path"),
    ],
)
def test_entry_points_refuse_wrong_types(call: Callable[[], object], names: str) -> None:
    _raises(TypeError, names, call)


# -- wrong values: a pbrules error naming the argument -----------------------------------------
def test_invalid_snapshot_dict_is_a_data_error_with_paths_and_suggestion(engine: Engine) -> None:
    bad = branch()
    bad["organization"]["kidn"] = "branch"
    bad["members"] = [{"id": "M1", "joined_on": "yesterday"}]
    message = _raises(
        pbrules.DataError, r"^snapshot: invalid snapshot", lambda: engine.evaluate(bad)
    )
    assert "organization.kidn: unknown field; did you mean 'kind'?" in message
    assert "members.0.joined_on: invalid date" in message


def test_valid_snapshot_dict_is_evaluated_like_a_snapshot(engine: Engine, snap: Snapshot) -> None:
    a = engine.evaluate(branch()).result
    b = engine.evaluate(snap).result
    assert a.model_dump_json() == b.model_dump_json()


@pytest.mark.parametrize(
    ("kwargs", "names"),
    [
        ({"period": "2025Q1"}, r"^period: 2025Q1 is not the snapshot's period 2026Q3"),
        ({"period": "2026Q9"}, r"^period: "),
        ({"period": "nonsense"}, r"^period: "),
        ({"as_of": date(2030, 1, 1)}, r"^as_of: 2030-01-01 is outside the period 2026Q3"),
        ({"as_of": date(2026, 6, 30)}, r"^as_of: 2026-06-30 is outside the period"),
        ({"children": [ChildRef("K1", "branch"), ChildRef("K1", "branch")]},
         r"^children\[1\]: duplicate child id 'K1'"),
        ({"child_results": {"K9": ChildScore("K9", 50, 50, "C", True)}},
         r"^child_results\['K9'\]: not one of the children"),
        ({"children": [ChildRef("K1", "branch")],
          "child_results": {"K1": ChildScore("K2", 50, 50, "C", True)}},
         r"^child_results\['K1'\]: the score is of 'K2'"),
    ],
)  # fmt: skip
def test_wrong_value_is_a_pbrules_error_naming_the_argument(
    engine: Engine, snap: Snapshot, kwargs: dict[str, Any], names: str
) -> None:
    _raises(pbrules.PbrulesError, names, lambda: engine.evaluate(snap, **kwargs))


def test_as_of_inside_the_period_is_accepted(engine: Engine, snap: Snapshot) -> None:
    out = engine.evaluate(snap, period="2026Q3", as_of=date(2026, 8, 31))
    assert out.result.org_id == "B1"


def test_jobs_below_one_is_a_usage_error(engine: Engine, snap: Snapshot) -> None:
    _raises(
        pbrules.UsageError, r"^jobs must be at least 1, not 0", lambda: engine.run([snap], jobs=0)
    )


def test_previous_of_another_pack_is_refused_like_the_cli(engine: Engine, snap: Snapshot) -> None:
    other = pbrules.load_result(BASELINE_PREVIOUS)  # a district-quarterly result
    _raises(
        pbrules.UsageError,
        r"^previous: produced by pack 'district-quarterly', not 'engine-small'",
        lambda: engine.run([snap], previous=other),
    )


def test_empty_paths_are_usage_errors() -> None:
    _raises(pbrules.UsageError, r"^source: an empty path", lambda: pbrules.load_pack("  "))
    _raises(pbrules.UsageError, r"^path: an empty path", lambda: pbrules.read_dataset(""))


def test_the_engine_still_works_after_refusals(engine: Engine, snap: Snapshot) -> None:
    with pytest.raises(TypeError):
        engine.run(42)  # type: ignore[arg-type]
    result = engine.run([snap])
    assert [o.org_id for o in result.organizations] == ["B1"]


def test_run_validates_mappings_and_rejects_bad_ones_with_paths(engine: Engine) -> None:
    bad = branch("B2")
    bad["organization"]["kidn"] = bad["organization"].pop("kind")
    result = engine.run([branch("B1"), bad, branch("B3")])
    assert [o.org_id for o in result.organizations] == ["B1", "B3"]
    (rejected,) = result.rejected
    assert rejected.source == "input: record 2" and rejected.org_id == "B2"
    assert "organization.kidn: unknown field; did you mean 'kind'?" in rejected.errors


def test_run_refuses_an_item_that_is_not_a_record(engine: Engine, snap: Snapshot) -> None:
    _raises(TypeError, r"^input\[1\] must be a pbrules\.Snapshot", lambda: engine.run([snap, 7]))
    _raises(TypeError, r"^input\[0\] must be", lambda: engine.run(iter([None])))
