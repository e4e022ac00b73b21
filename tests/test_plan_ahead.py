"""Big JSON Lines datasets are cut into chunks by a thread while pass 1 already runs
(:mod:`pbrules.engine.plan_ahead`): the same chunks, the same result, a total once known."""

from __future__ import annotations

import io
import threading
from pathlib import Path

import pytest

from pbrules.dataset import read_dataset
from pbrules.engine import chunks, plan_ahead
from pbrules.engine.evaluate import Engine
from pbrules.engine.plan_ahead import PlanAhead
from pbrules.packs.loader import load_pack
from test_scale import PACK, _streamed, mixed  # noqa: F401  (the fixture)


def _numbers(tmp_path: Path, n: int = 5000) -> Path:
    path = tmp_path / "lines.jsonl"
    path.write_bytes(b"".join(b"%d\n" % i for i in range(n)) + b"last")
    return path


def test_the_chunks_planned_ahead_are_those_planned_at_once(tmp_path: Path) -> None:
    path = _numbers(tmp_path)
    ahead = PlanAhead([path, path], size=1000)
    assert ahead.total is None  # nothing planned before the chunks are asked for
    found = list(ahead)
    assert found == list(chunks.plan_chunks([path, path], size=1000))
    assert ahead.total == 2 * 5001
    ahead.close()


def test_a_planning_error_is_raised_where_the_chunks_are_read(tmp_path: Path) -> None:
    ahead = PlanAhead([_numbers(tmp_path), tmp_path / "gone.jsonl"], size=1000)
    with pytest.raises(FileNotFoundError):
        list(ahead)
    assert ahead.total is None
    ahead.close()


def test_closing_stops_the_planner(tmp_path: Path) -> None:
    ahead = PlanAhead([_numbers(tmp_path, 200_000)], size=100)
    first = next(iter(ahead))
    assert first.line == 1
    ahead.close()
    assert not any(t.name == "pbrules-plan-chunks" for t in threading.enumerate())
    PlanAhead([tmp_path / "never-read"]).close()  # never started: nothing to stop


def test_only_big_datasets_are_planned_ahead(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = _numbers(tmp_path)
    assert not plan_ahead.worth_planning_ahead([path])
    assert not plan_ahead.worth_planning_ahead([tmp_path / "missing"])
    monkeypatch.setattr(plan_ahead, "PLAN_AHEAD_BYTES", 1000)
    assert plan_ahead.worth_planning_ahead([path])


class _Recorder:
    def __init__(self) -> None:
        self.name = ""
        self.seen: list[tuple[str, int, int | None]] = []

    def __call__(self, done: int, total: int | None) -> None:
        self.seen.append((self.name, done, total))

    def phase(self, name: str) -> None:
        self.name = name


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_run_planned_ahead_writes_the_same_bytes(
    mixed: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
    jobs: int,
) -> None:
    engine = Engine(load_pack(PACK))
    dataset = read_dataset(mixed)
    at_once = _streamed(engine, dataset, "json", jobs=jobs)
    monkeypatch.setattr(plan_ahead, "PLAN_AHEAD_BYTES", 0)
    progress = _Recorder()
    ahead = _streamed(engine, dataset, "json", jobs=jobs, progress=progress)
    assert ahead == at_once
    phases = list(dict.fromkeys(name for name, _, _ in progress.seen))
    assert phases[:2] == ["pass 1", "subordinates"]  # no phase of its own for the counting
    pass1 = [(done, total) for name, done, total in progress.seen if name == "pass 1"]
    lines = sum(c.lines for c in chunks.plan_chunks(list(dataset.files)))
    assert pass1[-1][1] == lines >= pass1[-1][0] > 0  # the total, once the planner is done
    assert all(total in (None, lines) for _, total in pass1)
    assert not any(t.name == "pbrules-plan-chunks" for t in threading.enumerate())


def test_a_run_planned_ahead_that_fails_stops_the_planner(
    mixed: Path,  # noqa: F811
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(plan_ahead, "PLAN_AHEAD_BYTES", 0)

    def broken(*args: object, **kwargs: object) -> list[object]:
        raise RuntimeError("scan failed")

    monkeypatch.setattr("pbrules.engine.evaluate.scan_chunk", broken)
    with pytest.raises(RuntimeError, match="scan failed"):
        Engine(load_pack(PACK)).run_to(read_dataset(mixed), io.BytesIO())
    assert not any(t.name == "pbrules-plan-chunks" for t in threading.enumerate())
