"""One library path for `evaluate`: the CLI and `pbrules.evaluate` give the same document."""

from __future__ import annotations

import io
import shutil
from datetime import date, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import pbrules
from pbrules.cli import cli
from pbrules.evaluation import evaluate
from pbrules.ledger import Ledger
from pbrules.plugins import get_registry

REPO = Path(__file__).resolve().parents[1]
DATASET = REPO / "examples/district/2026Q3.jsonl"
PACK = REPO / "rules/district-quarterly.yaml"
PREVIOUS = REPO / "examples/district/result-2026Q2.json"
AUG = datetime(2026, 8, 1, 9, 0)


@pytest.fixture(scope="module")
def waived_ledger(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A ledger synced with 2026Q2, with one 2026Q3 finding waived until the period's end."""
    db = tmp_path_factory.mktemp("ledger") / "seed.db"
    first = evaluate(PACK, DATASET, ledger=db).result
    target = next(f for f in first.findings if f.subject is None)
    with Ledger(db) as book:
        item = next(i for i in book.items() if i.fingerprint == target.fingerprint)
        book.waive(item.number, reason="re-election", owner="Org dept",
                   until=date(2026, 9, 30), now=AUG)  # fmt: skip
    return db


def _items(book: Ledger) -> list[tuple[object, ...]]:
    return [(i.number, i.fingerprint, i.status, i.severity, i.due) for i in book.items()]


def _json_bytes(result: pbrules.RunResult) -> bytes:
    buffer = io.BytesIO()
    get_registry().exporters["json"].export(result, buffer)
    return buffer.getvalue()


def test_cli_and_api_write_the_same_document(waived_ledger: Path, tmp_path: Path) -> None:
    cli_db, api_db = tmp_path / "cli.db", tmp_path / "api.db"
    shutil.copyfile(waived_ledger, cli_db)
    shutil.copyfile(waived_ledger, api_db)
    out = tmp_path / "cli.json"
    args = ["evaluate", str(DATASET), "--rules", str(PACK), "--previous", str(PREVIOUS),
            "--ledger", str(cli_db), "--format", "json", "--output", str(out)]  # fmt: skip
    res = CliRunner().invoke(cli, args)
    assert res.exit_code == 0, res.output

    done = pbrules.evaluate(PACK, DATASET, previous=PREVIOUS, ledger=api_db)
    assert done.result.summary.waived == 1  # the ledger's waiver applied through the API too
    assert any(o.previous_rank is not None for o in done.result.organizations)
    assert _json_bytes(done.result) == out.read_bytes()
    # both ledgers were synced alike
    assert done.ledger_sync is not None and done.ledger_sync.counts()
    with Ledger(cli_db, create=False) as a, Ledger(api_db, create=False) as b:
        assert _items(a) == _items(b)


def test_previous_of_another_version_is_a_warning_not_an_error(tmp_path: Path) -> None:
    previous = pbrules.result_io.load_result(PREVIOUS)
    older = previous.model_copy(
        update={"pack": previous.pack.model_copy(update={"version": "0.0.1"})}
    )
    done = evaluate(PACK, DATASET, previous=older)
    assert any("version 0.0.1" in w for w in done.warnings)


def test_previous_of_another_pack_is_refused_by_api_and_engine() -> None:
    previous = pbrules.result_io.load_result(PREVIOUS)
    other = previous.model_copy(update={"pack": previous.pack.model_copy(update={"id": "x"})})
    with pytest.raises(pbrules.UsageError, match="produced by pack 'x'"):
        evaluate(PACK, DATASET, previous=other)
    engine = pbrules.Engine(pbrules.load_pack(PACK))
    with pytest.raises(pbrules.UsageError, match="movement compares results of one pack"):
        engine.run(DATASET, previous=other)
