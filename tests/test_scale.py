"""Reading JSON Lines in chunks, in worker processes: the same result document for any --jobs.

The dataset mixes what the reader and the dataset layer treat specially (a BOM, blank lines,
broken JSON, invalid records, a duplicate organization, a record of another period, extensions)
with the example district, split over two files and cut into many small chunks.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from pbrules.builtin.exporters import JsonExporter
from pbrules.cli import cli
from pbrules.dataset import read_dataset
from pbrules.engine import chunks
from pbrules.engine.evaluate import Engine
from pbrules.model.result import RunResult
from pbrules.packs.loader import load_pack

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "district" / "2026Q3.jsonl"
PACK = ROOT / "rules" / "district-quarterly.yaml"


def _dump(result: RunResult) -> bytes:
    import io

    out = io.BytesIO()
    JsonExporter().export(result, out)
    return out.getvalue()


@pytest.fixture
def mixed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    lines = EXAMPLE.read_bytes().splitlines(keepends=True)
    first = json.loads(lines[0])
    other_period = {**first, "period": "2026Q2"}
    odd = [
        b"\n",
        b"{not json\n",
        b'{"period": "2026Q3", "organization": {"id": "X-1"}}\n',
        lines[3],  # a duplicate organization
        json.dumps(other_period).encode() + b"\n",
        json.dumps({**json.loads(lines[5]), "extensions": {"nope": {}}}).encode() + b"\n",
        b"[1, 2]\n",
        b"\xff\xfe\n",
    ]
    half = len(lines) // 2
    folder = tmp_path / "data"
    folder.mkdir()
    (folder / "a.jsonl").write_bytes(b"\xef\xbb\xbf" + b"".join(lines[:half]) + b"".join(odd))
    (folder / "b.jsonl").write_bytes(b"".join(lines[half:]) + b'{"truncated": ')
    monkeypatch.setattr(chunks, "CHUNK_BYTES", 96 * 1024)
    return folder


def test_chunked_reading_gives_the_dataset_result(
    mixed: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Chunks read from the bytes equal the dataset read record by record (the general path)."""
    from pbrules.engine import evaluate

    engine = Engine(load_pack(PACK))
    dataset = read_dataset(mixed)
    assert len(list(chunks.plan_chunks(list(dataset.files)))) > 10
    by_chunks = engine.run(dataset)
    monkeypatch.setattr(evaluate, "jsonl_files", lambda source: None)
    by_records = engine.run(dataset)
    assert _dump(by_chunks) == _dump(by_records)
    assert by_chunks.summary.rejected == 8
    sources = {r.source.rsplit("/", 1)[-1] for r in by_chunks.rejected}
    assert "b.jsonl:" + str(len(EXAMPLE.read_bytes().splitlines()) // 2 + 1) not in sources
    assert any(s.startswith("b.jsonl:") for s in sources)


@pytest.mark.slow
def test_jobs_give_byte_identical_output(mixed: Path, tmp_path: Path) -> None:
    outputs = []
    for jobs in (1, 2, 3):
        out = tmp_path / f"jobs{jobs}.json"
        run = CliRunner().invoke(
            cli,
            ["evaluate", str(mixed), "--rules", str(PACK), "--jobs", str(jobs), "-o", str(out)],
        )
        assert run.exit_code == 1, run.output  # rejected records
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1] == outputs[2]
    assert b'"evaluated": ' in outputs[0]


def test_chunks_cover_every_line_once(tmp_path: Path) -> None:
    path = tmp_path / "lines.jsonl"
    path.write_bytes(b"".join(b"%d\n" % i for i in range(5000)) + b"last")
    planned = list(chunks.plan_chunks([path], size=1000))
    assert planned[0].start == 0 and planned[-1].end == path.stat().st_size
    assert all(a.end == b.start for a, b in itertools.pairwise(planned))
    assert all(a.line + a.lines == b.line for a, b in itertools.pairwise(planned))
    assert sum(c.lines for c in planned) == 5001
    with path.open("rb") as f:
        for c in planned:
            f.seek(c.start)
            assert f.read(c.end - c.start).count(b"\n") in (c.lines, c.lines - 1)


@pytest.mark.slow
def test_dask_local_cluster_gives_byte_identical_output(mixed: Path) -> None:
    """Pass 1 on a LocalCluster of 2 worker processes: the same document as one process."""
    from distributed import Client, LocalCluster

    from pbrules.distributed import dask_runner

    engine = Engine(load_pack(PACK))
    dataset = read_dataset(mixed)
    local = _dump(engine.run(dataset, jobs=1))
    with (
        LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": ":0"},  # not 8787: it may be taken
        ) as cluster,
        Client(cluster) as client,
    ):
        on_dask = _dump(engine.run(dataset, runner=dask_runner(client)))
        streamed = _streamed(engine, dataset, "json", runner=dask_runner(client))
        lines = _streamed(engine, dataset, "jsonl", runner=dask_runner(client))
        assert sum(client.nthreads().values()) == 2
    assert on_dask == local
    assert streamed == local  # the workers finish and serialize each organization
    assert lines == _streamed(engine, dataset, "jsonl")  # as the export's lines, there


def test_cli_dask_options_are_exclusive(mixed: Path) -> None:
    run = CliRunner().invoke(
        cli,
        [
            "evaluate",
            str(mixed),
            "--rules",
            str(PACK),
            "--scheduler",
            "tcp://x:1",
            "--dask-local",
            "2",
        ],
    )
    assert run.exit_code == 2
    assert "not both" in run.output


def test_plain_progress_lines_are_periodic() -> None:
    import io

    from pbrules.cli.progress import plain_progress

    now = [0.0]
    out = io.StringIO()
    report = plain_progress("evaluating", out, every=10, clock=lambda: now[0])
    for step in range(1, 31):
        now[0] = float(step)
        report(step * 100, 3000)
    assert out.getvalue().splitlines() == [
        "evaluating: 1,000/3,000 (33%), 10 s",
        "evaluating: 2,000/3,000 (66%), 20 s",
        "evaluating: 3,000/3,000 (100%), 30 s",
    ]


def test_large_reviews_summarize_the_appendix_by_peer_group(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Above APPENDIX_LIMIT organizations the html, md and docx appendix is one row per group."""
    import io

    from pbrules.report import build_report, model
    from pbrules.report.render import render_docx, render_html, render_markdown
    from report_fixtures import make_fixture

    fx = make_fixture()
    assert build_report(fx.result).appendix  # under the limit: one section per organization
    monkeypatch.setattr(model, "APPENDIX_LIMIT", 1)
    report = build_report(fx.result)
    assert report.appendix == []
    assert sum(g.organizations for g in report.appendix_groups) == report.evaluated
    assert all(g.lowest <= g.mean <= g.highest for g in report.appendix_groups)
    for text in (render_html(report, lang="en"), render_markdown(report, lang="en")):
        assert "too many to list one by one" in text
        assert report.appendix_groups[0].title in text
    assert "按分类汇总" in render_html(report, lang="zh", charts=False)
    out = io.BytesIO()
    render_docx(report, out, lang="zh")
    assert out.getvalue()


@pytest.mark.parametrize("keep", [slice(None), slice(0, 0), slice(0, 1)])
def test_streamed_json_is_the_documents_dump(keep: slice) -> None:
    """The JSON exporter writes one organization at a time: the same bytes as one dump."""
    import io

    from pbrules.result_io import load_result, write_result_json

    full = load_result(ROOT / "examples" / "district" / "result-2026Q2.json")
    result = full.model_copy(
        update={"organizations": full.organizations[keep], "findings": full.findings[keep]}
    )
    out = io.BytesIO()
    write_result_json(result, out)
    assert out.getvalue() == result.model_dump_json(indent=2).encode("utf-8") + b"\n"


def test_progress_has_a_total_from_the_start_for_json_lines(mixed: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    Engine(load_pack(PACK)).run(read_dataset(mixed), progress=lambda d, t: seen.append((d, t)))
    lines = sum(c.lines for c in chunks.plan_chunks(list(read_dataset(mixed).files)))
    assert len(seen) > 10
    assert all(total == lines for _, total in seen[:-1])
    assert [d for d, _ in seen[:-1]] == sorted(d for d, _ in seen[:-1])
    assert seen[-1][0] == seen[-1][1]


def test_outcomes_pickle_to_equal_outcomes() -> None:
    import pickle

    from pbrules.model.outcome import Outcome, Severity, Status, Subject, SubjectItem

    item = SubjectItem(Subject("member", "M1"), "late", ("M1:2026-07",), Severity.CRITICAL)
    outcome = Outcome(Status.FAIL, 0.5, 2, 1, 2, ("a", "b"), (item,), "note")
    for value in (outcome, item, item.subject, Outcome.not_applicable("x")):
        assert pickle.loads(pickle.dumps(value)) == value


def test_every_example_line_takes_the_fast_path() -> None:
    """The duplicate-key screen sends no ordinary line to the slow, strict decoder."""
    from pbrules.engine.chunks import _fast

    example = Path(__file__).resolve().parent.parent / "examples" / "district" / "2026Q3.jsonl"
    lines = [raw for raw in example.read_bytes().splitlines() if raw.strip()]
    assert lines
    assert all(_fast(raw) is not None for raw in lines)


# -- the streamed run (Engine.run_to): the bytes of the whole result's exports -------------------
def _exports(result: RunResult) -> dict[str, bytes]:
    import io

    from pbrules.builtin.exporters import JsonlExporter

    jsonl = io.BytesIO()
    JsonlExporter().export(result, jsonl)
    return {"json": _dump(result), "jsonl": jsonl.getvalue()}


def _streamed(engine: Engine, dataset: object, fmt: str, **options: object) -> bytes:
    import io

    out = io.BytesIO()
    engine.run_to(dataset, out, format=fmt, **options)  # type: ignore[arg-type]
    return out.getvalue()


def _waivers(result: RunResult) -> dict[str, object]:
    """Active waivers for every third finding (picklable, as the workers need them)."""
    from datetime import date
    from types import SimpleNamespace

    until = date(2027, 1, 31)
    return {
        f.fingerprint: SimpleNamespace(reason="agreed", owner="office", until=until)
        for f in result.findings[::3]
    }


@pytest.mark.parametrize("jobs", [1, 2, 3])
def test_streamed_run_writes_the_whole_results_bytes(mixed: Path, jobs: int) -> None:
    """Rejected and duplicate records, townships with subordinates, a previous result and
    waivers: json and jsonl written while the run goes equal the exports of ``run``."""
    from pbrules.result_io import load_result

    engine = Engine(load_pack(PACK))
    dataset = read_dataset(mixed)
    previous = load_result(ROOT / "examples" / "district" / "result-2026Q2.json")
    waivers = _waivers(engine.run(dataset))
    expected = _exports(engine.run(dataset, previous=previous, waivers=waivers))  # type: ignore[arg-type]
    assert b'"waiver": {' in expected["json"] and b'"previous_rank": 1' in expected["json"]
    assert b'"kind": "township_committee"' in expected["json"]
    for fmt in ("json", "jsonl"):
        got = _streamed(engine, dataset, fmt, jobs=jobs, previous=previous, waivers=waivers)
        assert got == expected[fmt], fmt


def test_streamed_run_of_records_and_generated_data(tmp_path: Path) -> None:
    """Snapshots given one by one (not JSON Lines chunks), and a generated district."""
    from pbrules.model.snapshot import Snapshot
    from pbrules.testing import synth

    engine = Engine(load_pack(PACK))
    records = [Snapshot.model_validate_json(line) for line in EXAMPLE.read_bytes().splitlines()]
    expected = _exports(engine.run(records))
    assert _streamed(engine, records, "json") == expected["json"]
    generated = tmp_path / "generated.jsonl"
    with generated.open("w", encoding="utf-8") as fh:
        synth.write_jsonl(synth.generic_snapshots(7, "2026Q3", 120), fh)
    expected = _exports(engine.run(generated))
    for fmt in ("json", "jsonl"):
        assert _streamed(engine, generated, fmt, jobs=2) == expected[fmt]


def test_streamed_run_refuses_other_formats() -> None:
    import io

    from pbrules.errors import UsageError

    with pytest.raises(UsageError, match="json, jsonl"):
        Engine(load_pack(PACK)).run_to(EXAMPLE, io.BytesIO(), format="csv")


def test_cli_streamed_json_equals_the_exported_result(mixed: Path, tmp_path: Path) -> None:
    """``evaluate --format json`` (streamed) against the result exported as csv's source run,
    with --fail-on read from the run's counts."""
    from pbrules.evaluation import evaluate

    out = tmp_path / "r.json"
    args = ["evaluate", str(mixed), "--rules", str(PACK), "-o", str(out)]
    run = CliRunner().invoke(cli, args)
    assert run.exit_code == 1 and "rejected 8" in run.output  # rejected records
    assert out.read_bytes() == _dump(evaluate(str(PACK), mixed).result)
    clean = tmp_path / "clean.jsonl"
    clean.write_bytes(EXAMPLE.read_bytes())
    ok = CliRunner().invoke(cli, ["evaluate", str(clean), "--rules", str(PACK), "-f", "jsonl"])
    assert ok.exit_code == 0, ok.output
    failing = ["evaluate", str(clean), "--rules", str(PACK), "--fail-on", "critical"]
    assert CliRunner().invoke(cli, failing).exit_code == 1


def test_streamed_run_reports_every_phase(mixed: Path) -> None:
    import io

    from pbrules.cli.progress import plain_progress

    seen: list[tuple[str, int, int | None]] = []

    class Recorder:
        name = ""

        def __call__(self, done: int, total: int | None) -> None:
            seen.append((self.name, done, total))

        def phase(self, name: str) -> None:
            self.name = name

    Engine(load_pack(PACK)).run_to(read_dataset(mixed), io.BytesIO(), progress=Recorder())
    phases = [name for name, _, _ in seen]
    assert list(dict.fromkeys(phases)) == [
        "counting lines",
        "pass 1",
        "subordinates",
        "pass 2",
        "ranking",
        "writing",
    ]
    counted = [d for name, d, _ in seen if name == "counting lines"]
    assert counted[-1] == next(t for name, _, t in seen if name == "pass 1") > 0  # the lines
    subordinates = [(d, t) for name, d, t in seen if name == "subordinates"]
    assert subordinates[-1][0] == subordinates[-1][1] > 0  # the townships, read again
    assert seen[-1][1] == seen[-1][2] == 2 * 203
    out = io.StringIO()
    report = plain_progress("evaluating", out, every=0)
    report.phase("writing")  # type: ignore[attr-defined]
    report(5, 10)
    assert out.getvalue() == "evaluating (writing): 5/10 (50%), 0 s\n"


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full")
def test_streamed_write_to_a_full_device_is_a_clear_error() -> None:
    run = CliRunner().invoke(
        cli, ["evaluate", str(EXAMPLE), "--rules", str(PACK), "-o", "/dev/full"]
    )
    assert run.exit_code == 2
    assert "cannot write /dev/full" in run.output


def test_a_chunk_the_scheduler_cancels_is_submitted_again(mixed: Path) -> None:
    """A fake Dask client (in process) whose scheduler "forgets" the second chunk's first task:
    that chunk is submitted again with the payload scattered again, and the document is the
    same as one process's. A chunk cancelled every time fails the run with the scheduler's
    reason."""
    from distributed.client import FutureCancelledError

    from pbrules.distributed import ATTEMPTS, dask_runner
    from pbrules.engine.parallel import scan_in_worker

    class Future:
        def __init__(self, value: object, cancelled: bool) -> None:
            self.value, self.cancelled, self.released = value, cancelled, False

        def result(self) -> object:
            if self.cancelled:
                raise FutureCancelledError("scan-1", "already forgotten")
            return self.value

        def release(self) -> None:
            self.released = True

    class Client:
        def __init__(self, cancel: int, second: object) -> None:
            self.cancel, self.second, self.submitted, self.scattered = cancel, second, 0, 0

        def nthreads(self) -> dict[str, int]:
            return {"w": 1}

        def scatter(self, payload: bytes, **_: object) -> Future:
            self.scattered += 1
            return Future(payload, cancelled=False)

        def submit(self, func: object, shared: Future, chunk: object, pure: bool) -> Future:
            self.submitted += 1
            doomed = self.cancel > 0 and chunk == self.second
            self.cancel -= doomed
            return Future(scan_in_worker(shared.value, chunk), cancelled=doomed)  # type: ignore[arg-type]

    engine = Engine(load_pack(PACK))
    dataset = read_dataset(mixed)
    local = _dump(engine.run(dataset, jobs=1))
    planned = list(chunks.plan_chunks(list(dataset.files)))
    assert len(planned) > 2
    client = Client(cancel=1, second=planned[1])
    assert _dump(engine.run(dataset, runner=dask_runner(client))) == local
    assert client.scattered == 2 and client.submitted == len(planned) + 1

    always = Client(cancel=ATTEMPTS, second=planned[1])
    with pytest.raises(FutureCancelledError, match="already forgotten"):
        engine.run(dataset, runner=dask_runner(always))


@pytest.mark.parametrize("streamed", [False, True])
def test_organizations_with_subordinates_evaluated_again_in_workers(
    mixed: Path, monkeypatch: pytest.MonkeyPatch, streamed: bool
) -> None:
    """The second pass 1 of the organizations with subordinates runs in the pool once there are
    enough of them; the document is the same as from one process."""
    from pbrules.engine import evaluate

    engine = Engine(load_pack(PACK))
    dataset = read_dataset(mixed)
    one = _streamed(engine, dataset, "json") if streamed else _dump(engine.run(dataset))
    pools: list[int] = []
    real = evaluate.parallel_pass1

    def recorded(*args: object) -> object:
        pools.append(args[-1])  # type: ignore[arg-type]
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(evaluate, "parallel_pass1", recorded)
    monkeypatch.setattr(evaluate, "_POOLED_AGAIN", 1)
    two = (
        _streamed(engine, dataset, "json", jobs=2)
        if streamed
        else _dump(engine.run(dataset, jobs=2))
    )
    assert pools == [2]  # the subordinates' pass, in 2 processes
    assert two == one
