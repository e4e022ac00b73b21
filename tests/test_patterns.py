"""Pattern criteria: params validated at load with located errors, the rule-pack edge cases,
both backends on the example district, and the containment of durable-rules (a killed worker,
a hung worker, durable-rules missing)."""

from __future__ import annotations

import functools
import json
import os
import signal
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from pbrules.dataset import read_dataset
from pbrules.engine.evaluate import Engine
from pbrules.errors import PackError, UsageError
from pbrules.model.outcome import Status
from pbrules.model.snapshot import Snapshot
from pbrules.packs.loader import load_pack
from pbrules.packtest import run_tests
from pbrules.patterns import PatternParams, WorkerOptions, durable_available, evaluate_patterns
from pbrules.patterns.plan import Plan

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
EXAMPLE = ROOT / "examples" / "district" / "2026Q3.jsonl"

needs_durable = pytest.mark.skipif(not durable_available(), reason="durable-rules not installed")


@pytest.fixture(scope="module")
def plans() -> dict[str, Plan]:
    pack = load_pack(RULES / "patterns.yaml")
    return {
        c.id: PatternParams.model_validate(c.params).plan
        for c in pack.model.active_criteria
        if c.check == "pattern"
    }


@pytest.fixture(scope="module")
def example() -> list[tuple[Snapshot, Any, date]]:
    snaps = [s for s in read_dataset(EXAMPLE) if isinstance(s, Snapshot)]
    return [(s, s.period, s.as_of or s.period.end) for s in snaps]


def test_pack_holds_pt01_to_pt04(plans: dict[str, Plan]) -> None:
    assert sorted(plans) == ["PT01", "PT02", "PT03", "PT04"]
    subjects = {k: (p.subject_type, p.subject_field) for k, p in plans.items()}
    assert subjects == {
        "PT01": ("person", "person_id"),
        "PT02": ("feedback", "id"),
        "PT03": ("person", "person_id"),
        "PT04": ("meeting", "id"),
    }


def test_rule_pack_edge_cases_pass() -> None:
    report = run_tests([RULES / "patterns.test.yaml"])
    assert report.exit_code == 0, report


@needs_durable
@pytest.mark.slow
def test_rule_pack_edge_cases_pass_with_durable(monkeypatch: pytest.MonkeyPatch) -> None:
    import pbrules.engine.evaluate as evaluate

    durable = functools.partial(evaluate.Engine, pattern_backend="durable")
    monkeypatch.setattr(evaluate, "Engine", durable)  # the rule-pack runner's engine
    report = run_tests([RULES / "patterns.test.yaml"])
    crashed = [r.case.name for r in report.cases if _crashed(r)]
    failed = [
        (r.case.name, r.mismatches, r.error)
        for r in report.cases
        if (r.mismatches or r.error) and not _crashed(r)
    ]
    assert not failed and not report.problems, (failed, report.problems)
    # the crash is rare and layout-dependent: a backend that crashes on many cases is broken
    assert len(crashed) <= len(report.cases) // 4, crashed
    if crashed:
        # durable-rules' C engine died (SIGSEGV in assert_fact) on these cases in every worker,
        # reruns included (docs/patterns.md); the backend gave `error` outcomes for them, as it
        # must, and every other case passed. The Python backend passes them all (test above).
        pytest.xfail(f"durable-rules crashed (SIGSEGV) in every worker on {crashed}")


#: the note of a pattern criterion whose durable-rules workers all died of SIGSEGV
_CRASH = "the durable-rules worker died (exit code -11)"


def _crashed(result: Any) -> bool:
    """A rule-pack case whose only mismatches are on criteria the durable workers crashed on."""
    crashed = {m.criterion for m in result.mismatches if _CRASH in m.note}
    return (
        bool(crashed)
        and result.error is None
        and all(m.criterion in crashed for m in result.mismatches)
    )


@needs_durable
def test_the_durable_worker_runs_every_action_before_it_reads_a_result(
    example: list[Any], plans: dict[str, Plan], monkeypatch: pytest.MonkeyPatch
) -> None:
    """In process, with no thread allowed to start: durable-rules' own host starts dispatch
    timers that could take an action after its organization's result was read (a match lost,
    rarely, under load). The worker's host runs every action in the asserting call."""
    import threading

    from pbrules.patterns.batch import outcome_of
    from pbrules.patterns.durable_worker import run_chunk
    from pbrules.patterns.facts import org_facts, plan_fields

    def no_threads(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the durable worker started a background thread")

    keyed = sorted(plans.items())
    lists = [of for _, p in keyed for of in p.lists]
    fields = plan_fields(p for _, p in keyed)
    facts = [org_facts(s, period, as_of, lists, fields) for s, period, as_of in example[:60]]
    monkeypatch.setattr(threading.Timer, "start", no_threads)
    monkeypatch.setattr(threading.Thread, "start", no_threads)
    answers = run_chunk(keyed, [(f.key, f.ctx, f.lists) for f in facts])
    monkeypatch.undo()
    python = evaluate_patterns(example[:60], plans, "python")
    assert any(any(matches for matches in a.values()) for a in answers if isinstance(a, dict))
    for f, answer, expected in zip(facts, answers, python, strict=True):
        assert isinstance(answer, dict), answer
        got = {k: outcome_of(p, f, set(map(tuple, answer[k]))) for k, p in keyed}
        assert got == expected


# -- params validated at load time, with the place named ------------------------------------
BAD = [
    ("match: []", "params.match: must not be empty"),
    ("match: [{not: {of: meetings}}]", "the first element must bind records"),
    ("match: [{as: a, of: meeting}]", "unknown record list 'meeting' (did you mean 'meetings'?)"),
    ("match: [{as: a, of: meetings, where: {held: {eq: 1}}}]", "no field 'held'"),
    ("match: [{as: a, of: meetings, where: {type: {eq: general}}}]", "is not one of"),
    ("match: [{as: a, of: meetings, where: {held_on: {eq: 3}}}]", "is not a date"),
    ("match: [{as: a, of: dues, where: {month: {eq: '2026-13'}}}]", "is not a month"),
    ("match: [{as: a, of: meetings, join: {id: b.id}}]", "'b' is not an earlier binding"),
    (
        "match: [{as: a, of: meetings}, {as: b, of: dues, join: {due: a.id}}]",
        "due (number) cannot be compared with a.id (text)",
    ),
    ("match: [{as: a, of: meetings, where: {id: {before: a.held_on}}}]", "compare dates"),
    ("match: [{as: a, of: meetings, current: true}]", "current: true needs a list of posts"),
    ("match: [{as: a, of: meetings}, {as: a, of: dues}]", "bound twice"),
    ("match: [{as: a, of: meetings, where: {id: {}}}]", "at least one condition"),
]


@pytest.mark.parametrize(("params", "message"), BAD)
def test_invalid_params_are_located(tmp_path: Path, params: str, message: str) -> None:
    pack = tmp_path / "p.yaml"
    subject = "" if "subject" in params else ", subject: {type: x, id: a.id}"
    pack.write_text(
        "pack: p\nversion: '1'\nextends: [district-quarterly]\ncriteria:\n"
        "  - id: X1\n    title: x\n    area: standardization\n    check: pattern\n"
        f"    params: {{{params}{subject}}}\n    points: 1\n",
        encoding="utf-8",
    )
    with pytest.raises(PackError) as info:
        load_pack(pack)
    text = str(info.value)
    assert message in text
    assert "p.yaml:9:" in text  # the line of the params


def test_subject_must_be_bound() -> None:
    with pytest.raises(ValueError, match="'z' is not an earlier binding"):
        PatternParams.model_validate(
            {"match": [{"as": "a", "of": "meetings"}], "subject": {"type": "x", "id": "z.id"}}
        )


def test_not_element_binds_nothing_for_later_elements() -> None:
    with pytest.raises(ValueError, match="'n' is not an earlier binding"):
        PatternParams.model_validate(
            {
                "match": [
                    {"as": "a", "of": "meetings"},
                    {"not": {"as": "n", "of": "meetings", "where": {"id": {"null": True}}}},
                    {"as": "b", "of": "dues", "join": {"member_id": "n.id"}},
                ],
                "subject": {"type": "x", "id": "a.id"},
            }
        )


# -- the python backend ----------------------------------------------------------------------
def test_findings_name_their_subjects(example: list[Any], plans: dict[str, Plan]) -> None:
    found = evaluate_patterns(example, plans, "python")
    pt04 = [o["PT04"] for o in found if o["PT04"].status is Status.FAIL]
    assert pt04, "the example district has a general meeting no committee meeting prepared"
    for outcome in pt04:
        assert outcome.misses == len(outcome.items)
        assert all(item.subject.type == "meeting" for item in outcome.items)
        assert [i.subject.id for i in outcome.items] == sorted(i.subject.id for i in outcome.items)


def test_unknown_backend_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown pattern backend 'rete'"):
        Engine(load_pack(RULES / "patterns.yaml"), pattern_backend="rete")


def test_durable_missing_is_a_usage_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import pbrules.patterns.engine_support as support

    monkeypatch.setattr(support, "durable_available", lambda: False)
    with pytest.raises(UsageError, match=r"pip install 'pbrules\[durable\]'"):
        Engine(load_pack(RULES / "patterns.yaml"), pattern_backend="durable")
    # the default backend needs nothing
    Engine(load_pack(RULES / "patterns.yaml"))


def test_worker_options_are_bounded() -> None:
    with pytest.raises(ValueError, match="between 1 and 1000"):
        WorkerOptions(chunk=1001)
    with pytest.raises(ValueError):
        WorkerOptions(workers=0)
    with pytest.raises(ValueError, match="retries must be between 0 and 5"):
        WorkerOptions(retries=-1)


# -- the durable backend ---------------------------------------------------------------------
@needs_durable
@pytest.mark.slow
def test_both_backends_give_the_same_result_on_the_example(tmp_path: Path) -> None:
    pack = load_pack(RULES / "patterns.yaml")
    results = []
    for backend in ("python", "durable"):
        result = Engine(pack, pattern_backend=backend).run(EXAMPLE)
        results.append(json.loads(result.model_dump_json()))
    assert results[0] == results[1]
    assert any(f["criterion"].startswith("PT") for f in results[0]["findings"])


@needs_durable
@pytest.mark.slow
def test_a_killed_worker_fails_its_chunk_only(example: list[Any], plans: dict[str, Plan]) -> None:
    """Kill the second chunk's worker as it starts: that chunk's organizations get `error`
    outcomes for every pattern criterion, every other organization its normal outcome."""
    killed: list[int] = []

    def kill_second(pid: int, chunk: int) -> None:
        if chunk == 1:
            os.kill(pid, signal.SIGKILL)
            killed.append(pid)

    options = WorkerOptions(chunk=40, workers=2, retries=1, on_start=kill_second)
    durable = evaluate_patterns(example, plans, "durable", options)
    python = evaluate_patterns(example, plans, "python")
    assert len(killed) == 2  # the chunk's worker, and the one that ran it again
    assert len(durable) == len(example) == len(python)
    for i, (d, p) in enumerate(zip(durable, python, strict=True)):
        if 40 <= i < 80:
            assert {o.status for o in d.values()} == {Status.ERROR}
            assert all("worker died (exit code -9), 2 times" in o.note for o in d.values())
        else:
            assert d == p


@needs_durable
@pytest.mark.slow
def test_a_chunk_whose_worker_died_runs_again(example: list[Any], plans: dict[str, Plan]) -> None:
    """durable-rules' engine can crash on an input it handles every other time: the first
    worker of the second chunk is killed as it starts, the chunk runs again in a new worker,
    and every organization has the Python backend's outcomes."""
    starts: list[int] = []

    def kill_first_of_second(pid: int, chunk: int) -> None:
        if chunk == 1:
            starts.append(pid)
            if len(starts) == 1:
                os.kill(pid, signal.SIGKILL)

    options = WorkerOptions(chunk=40, on_start=kill_first_of_second)
    durable = evaluate_patterns(example[:100], plans, "durable", options)
    assert len(starts) == 2
    assert durable == evaluate_patterns(example[:100], plans, "python")


@needs_durable
def test_each_rerun_starts_with_an_environment_of_another_size(
    example: list[Any], plans: dict[str, Plan], monkeypatch: pytest.MonkeyPatch
) -> None:
    """durable-rules' crash depends on where its memory lies, which the environment's size
    moves: each rerun of a chunk whose worker died is started with RERUN_VARIABLE of a length
    of its own (the first worker without it), and the parent's environment is left as it was."""
    import multiprocessing.context

    from pbrules.patterns.workers import RERUN_VARIABLE

    lengths: list[int | None] = []
    start = multiprocessing.context.SpawnProcess.start

    def recorded(process: Any) -> None:
        value = os.environ.get(RERUN_VARIABLE)
        lengths.append(None if value is None else len(value))
        start(process)

    def kill(pid: int, chunk: int) -> None:
        os.kill(pid, signal.SIGKILL)

    monkeypatch.setattr(multiprocessing.context.SpawnProcess, "start", recorded)
    options = WorkerOptions(chunk=40, retries=4, on_start=kill)
    died = evaluate_patterns(example[:5], plans, "durable", options)
    assert lengths[0] is None
    assert len(lengths) == 5 and len(set(lengths)) == 5 and all(lengths[1:])
    assert all("died (exit code -9), 5 times" in o.note for d in died for o in d.values())
    assert RERUN_VARIABLE not in os.environ


@needs_durable
def test_a_hung_worker_times_out(example: list[Any], plans: dict[str, Plan]) -> None:
    options = WorkerOptions(chunk=5, timeout=0.01, per_org=0.0)
    found = evaluate_patterns(example[:5], plans, "durable", options)
    assert len(found) == 5
    for per in found:
        assert all(o.status is Status.ERROR and "gave no answer" in o.note for o in per.values())


@needs_durable
@pytest.mark.slow
def test_a_worker_killed_in_an_engine_run_fails_its_chunk_only() -> None:
    """An engine run in chunks of 40 organizations; the second worker to start is killed as it
    starts. Every organization is in the result; those of that chunk have `error` pattern
    criteria (and are incomplete), every other organization has the pattern outcomes of the
    Python backend (roll-ups over a failed subordinate differ, as after any checker error)."""
    started: list[int] = []

    def kill_second(pid: int, chunk: int) -> None:
        started.append(pid)
        if len(started) == 2:
            os.kill(pid, signal.SIGKILL)

    pack = load_pack(RULES / "patterns.yaml")
    options = WorkerOptions(chunk=40, retries=0, on_start=kill_second)
    durable = Engine(pack, pattern_backend="durable", pattern_options=options).run(EXAMPLE)
    python = Engine(pack).run(EXAMPLE)
    snapshots = [s for s in read_dataset(EXAMPLE) if isinstance(s, Snapshot)]
    second = {s.organization.id for s in snapshots[40:80]}
    assert durable.summary.evaluated == python.summary.evaluated == len(snapshots)
    expected = {o.org_id: o for o in python.organizations}
    failed = set()
    for org in durable.organizations:
        status = {c.id: c.status for c in org.criteria}
        assert all(s is not Status.ERROR for c, s in status.items() if not c.startswith("PT"))
        if status["PT01"] is Status.ERROR:
            failed.add(org.org_id)
            assert not org.complete
        else:
            mine = [c for c in org.criteria if c.id.startswith("PT")]
            assert mine == [c for c in expected[org.org_id].criteria if c.id.startswith("PT")]
    # the chunk's organizations with subordinates are evaluated again later, in a new worker
    assert failed <= second and len(failed) >= 30


@pytest.mark.parametrize("backend", ["python", pytest.param("durable", marks=needs_durable)])
def test_a_pattern_too_broad_is_an_error_not_a_hang(backend: str) -> None:
    """Two unjoined lists of 150 records: 22,500 combinations, over the limit of 10,000."""
    snap = Snapshot.model_validate(
        {
            "period": "2026Q3",
            "organization": {"id": "B01", "name": "B", "kind": "branch"},
            "meetings": [
                {"id": f"E{i}", "type": "theme_day", "held_on": "2026-07-01"} for i in range(150)
            ],
        }
    )
    params = PatternParams.model_validate(
        {
            "match": [{"as": "a", "of": "meetings"}, {"as": "b", "of": "meetings"}],
            "subject": {"type": "meeting", "id": "a.id"},
        }
    )
    (found,) = evaluate_patterns([(snap, snap.period, snap.effective_as_of)], {"X": params.plan},
                                 backend)  # fmt: skip
    assert found["X"].status is Status.ERROR
    assert "more than 10,000" in found["X"].note


@needs_durable
@pytest.mark.slow
def test_cli_pattern_backend_option(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from pbrules.cli import cli

    outputs = []
    for backend in ("python", "durable"):
        out = tmp_path / f"{backend}.json"
        args = ["evaluate", str(EXAMPLE), "--rules", str(RULES / "patterns.yaml"), "-o", str(out)]
        done = CliRunner().invoke(cli, [*args, "--pattern-backend", backend])
        assert done.exit_code == 0, done.output
        outputs.append(out.read_text(encoding="utf-8"))
    assert outputs[0] == outputs[1]
    bad = CliRunner().invoke(cli, ["evaluate", str(EXAMPLE), "--pattern-backend", "rete"])
    assert bad.exit_code == 2 and "rete" in bad.output
