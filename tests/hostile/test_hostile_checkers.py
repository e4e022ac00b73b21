"""Plugin checkers that misbehave: each becomes an ``error`` outcome of its criterion, the other
criteria and organizations are evaluated, the run finishes."""

from __future__ import annotations

import contextlib
import json
import math
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hostile_support import line, record, run_cli

from pbrules import hookimpl
from pbrules.checker import CheckContext, Checker, Params
from pbrules.engine.evaluate import Engine
from pbrules.engine.guard import BUDGET_ENV, CheckerGuard, budget_seconds, checked
from pbrules.model.outcome import Outcome, Status
from pbrules.model.snapshot import Snapshot
from pbrules.packs.loader import load_pack


class _Params(Params):
    pass


def _checker(name: str, behaviour: Callable[[], Any]) -> Checker[_Params]:
    class Hostile(Checker[_Params]):
        """A hostile test checker."""

        Params = _Params

        def check(self, snapshot: Snapshot, params: _Params, ctx: CheckContext) -> Outcome:
            result: Outcome = behaviour()
            return result

    Hostile.name = name
    return Hostile()


def _sleep_forever() -> Outcome:
    while True:
        time.sleep(0.05)


def _busy_forever() -> Outcome:
    n = 0
    while True:
        n += 1


def _redos() -> Outcome:
    import re

    re.match(r"(a+)+$", "a" * 60 + "!")  # catastrophic backtracking in the C regex engine
    return Outcome(Status.PASS)


def _swallowing_sleeper() -> Outcome:
    while True:
        # a checker that swallows every exception cannot swallow the budget
        with contextlib.suppress(Exception):
            time.sleep(0.05)


def _raise(exc: BaseException) -> Callable[[], Outcome]:
    def behaviour() -> Outcome:
        raise exc

    return behaviour


BEHAVIOURS: list[tuple[str, Callable[[], Any], str]] = [
    ("nan-ratio", lambda: Outcome.ratio(float("nan"), 1), "misses nan"),  # type: ignore[arg-type]
    ("nan-compliance", lambda: Outcome(Status.FAIL, math.nan), "compliance nan"),
    ("inf-compliance", lambda: Outcome(Status.PASS, math.inf), "compliance inf"),
    ("compliance-2", lambda: Outcome(Status.PASS, 2.0), "compliance 2.0"),
    ("compliance-text", lambda: Outcome(Status.PASS, "1"), "TypeError"),  # type: ignore[arg-type]
    ("negative-misses", lambda: Outcome(Status.FAIL, 0.0, -1), "misses -1"),
    ("float-misses", lambda: Outcome(Status.FAIL, 0.0, 1.5), "misses 1.5"),  # type: ignore[arg-type]
    ("returns-none", lambda: None, "returned NoneType"),
    ("returns-dict", lambda: {"status": "pass"}, "returned dict"),
    ("system-exit", _raise(SystemExit(3)), "SystemExit(3)"),
    ("value-error", _raise(ValueError("bad")), "ValueError: bad"),
    ("recursion", _raise(RecursionError("deep")), "RecursionError"),
    ("memory", _raise(MemoryError()), "MemoryError"),
]


@pytest.fixture
def hostile_pack(tmp_path: Path) -> Callable[[str], Path]:
    def make(check: str) -> Path:
        pack = tmp_path / "pack.yaml"
        pack.write_text(
            f"""pack: hostile
version: "1"
areas: [{{id: org, weight: 1}}]
criteria:
  - {{id: H1, title: Hostile, area: org, check: {check}, points: 5}}
  - id: A1
    title: Has members
    area: org
    check: condition
    params: {{fact: members.count, op: ">=", value: 0}}
    points: 10
""",
            encoding="utf-8",
        )
        return pack

    return make


def _register(pbrules_plugin: Callable[..., str], checker: Checker[Any]) -> None:
    class Plugin:
        @hookimpl
        def register_checkers(self, register: Callable[[Checker[Any]], None]) -> None:
            register(checker)

    pbrules_plugin(Plugin(), f"hostile-{checker.name}")


@pytest.mark.parametrize(("name", "behaviour", "message"), BEHAVIOURS,
                         ids=[b[0] for b in BEHAVIOURS])  # fmt: skip
def test_misbehaving_checker_is_an_error_outcome(
    pbrules_plugin: Callable[..., str],
    hostile_pack: Callable[[str], Path],
    dataset: Path,
    name: str,
    behaviour: Callable[[], Any],
    message: str,
) -> None:
    check = f"hostile.{name.replace('-', '_')}"
    _register(pbrules_plugin, _checker(check, behaviour))
    res = run_cli("evaluate", dataset, "--rules", hostile_pack(check))
    assert res.code == 1 and res.clean(), res.stderr
    doc = json.loads(res.stdout)
    assert [o["org_id"] for o in doc["organizations"]] == ["B1", "B2", "B3"]
    for org in doc["organizations"]:
        by_id = {c["id"]: c for c in org["criteria"]}
        assert by_id["H1"]["status"] == "error"
        assert message in by_id["H1"]["note"], by_id["H1"]["note"]
        assert by_id["A1"]["status"] == "pass"  # the other criterion is evaluated


@pytest.mark.parametrize("behaviour", [_sleep_forever, _busy_forever, _swallowing_sleeper, _redos])
def test_checker_that_never_returns_uses_up_the_budget(
    pbrules_plugin: Callable[..., str],
    hostile_pack: Callable[[str], Path],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    behaviour: Callable[[], Outcome],
) -> None:
    monkeypatch.setenv(BUDGET_ENV, "0.3")
    check = f"hostile.{behaviour.__name__.strip('_')}"
    _register(pbrules_plugin, _checker(check, behaviour))
    data = tmp_path / "two.jsonl"
    data.write_text(line("B1") + "\n" + line("B2") + "\n")
    started = time.monotonic()
    res = run_cli("evaluate", data, "--rules", hostile_pack(check))
    assert time.monotonic() - started < 20
    assert res.code == 1 and res.clean(), res.stderr
    for org in json.loads(res.stdout)["organizations"]:
        by_id = {c["id"]: c for c in org["criteria"]}
        assert by_id["H1"]["status"] == "error"
        assert "time budget of 0.3 s" in by_id["H1"]["note"]
        assert by_id["A1"]["status"] == "error"  # not run: the budget was used up
        assert "was not run" in by_id["A1"]["note"]


def test_budget_off_in_a_thread_is_documented_behaviour() -> None:
    outcomes: list[Outcome] = []

    def work() -> None:
        with CheckerGuard(0.1) as guard:
            outcomes.append(guard.call("x", lambda: Outcome(Status.PASS)))

    thread = threading.Thread(target=work)
    thread.start()
    thread.join()
    assert outcomes[0].status is Status.PASS


def test_guard_restores_the_previous_alarm_handler() -> None:
    import signal

    def mine(*_: Any) -> None:
        return None

    old = signal.signal(signal.SIGALRM, mine)
    try:
        with CheckerGuard(5) as guard:
            guard.call("x", lambda: Outcome(Status.PASS))
        assert signal.getsignal(signal.SIGALRM) is mine
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        signal.signal(signal.SIGALRM, old)


BUDGETS = [("", 30.0), ("2.5", 2.5), ("0", 0.0), ("nan", 0.0), ("abc", 30.0), ("-1", 0.0)]


@pytest.mark.parametrize(("raw", "expected"), BUDGETS)
def test_budget_setting(monkeypatch: pytest.MonkeyPatch, raw: str, expected: float) -> None:
    monkeypatch.setenv(BUDGET_ENV, raw)
    assert budget_seconds() == expected


def test_checked_accepts_good_outcomes() -> None:
    for outcome in (Outcome(Status.PASS), Outcome(Status.FAIL, 0.0, 3), Outcome(Status.FAIL, 0, 0)):
        assert checked(outcome, "x") is outcome


def test_library_engine_with_a_nan_checker(
    pbrules_plugin: Callable[..., str], hostile_pack: Callable[[str], Path]
) -> None:
    _register(pbrules_plugin, _checker("hostile.lib_nan", lambda: Outcome(Status.FAIL, math.nan)))
    engine = Engine(load_pack(hostile_pack("hostile.lib_nan")))
    result = engine.evaluate(Snapshot.model_validate(record("B1"))).result
    statuses = {c.id: c.status for c in result.criteria}
    assert statuses == {"H1": Status.ERROR, "A1": Status.PASS}
    assert result.complete is False


def test_guard_leaves_a_shorter_caller_alarm_alone() -> None:
    import signal

    fired: list[int] = []
    old = signal.signal(signal.SIGALRM, lambda *_: fired.append(1))
    try:
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        with CheckerGuard(5) as guard:
            guard.call("x", lambda: Outcome(Status.PASS))
            time.sleep(0.4)
        assert fired == [1]  # the caller's handler ran, not the guard's
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def test_guard_rearms_a_longer_caller_alarm() -> None:
    import signal

    old = signal.signal(signal.SIGALRM, lambda *_: None)
    try:
        signal.setitimer(signal.ITIMER_REAL, 60)
        with CheckerGuard(5) as guard:
            guard.call("x", lambda: Outcome(Status.PASS))
        delay, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 50 < delay <= 60
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
