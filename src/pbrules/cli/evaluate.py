"""`pbrules evaluate`: evaluate a jurisdiction for a period (DESIGN §8).

Exit codes: 0 every record evaluated; 1 some record was rejected, some check errored, or (with
``--fail-on``) a finding reached the given severity; 2 usage or configuration error (bad pack,
unreadable dataset, bad ``--previous``), nothing evaluated.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from pbrules.cli._common import EXIT_INCOMPLETE, EXIT_OK, handle_errors, stderr
from pbrules.cli._output import BINARY_FORMATS, check_output, is_regular_output, write_output
from pbrules.cli.progress import progress_on_stderr
from pbrules.errors import UsageError
from pbrules.model.outcome import Severity
from pbrules.model.period import Period
from pbrules.model.result import RunResult

if TYPE_CHECKING:
    from pbrules.dataset import Dataset
    from pbrules.engine.stream import RunSummary
    from pbrules.evaluation import StreamedEvaluation
    from pbrules.ledger import SyncReport
    from pbrules.plugins import Registry

__all__ = ["COMMANDS", "exit_code", "write_result"]

SEVERITIES = tuple(s.value for s in Severity)


def exit_code(result: RunResult, fail_on: str | None = None) -> int:
    """1 when a record was rejected, a check errored, or an unwaived finding is at/above
    ``fail_on``."""
    if result.rejected or any(not o.complete for o in result.organizations):
        return EXIT_INCOMPLETE
    if fail_on is not None:
        threshold = Severity(fail_on).rank
        if any(f.severity.rank >= threshold and f.waiver is None for f in result.findings):
            return EXIT_INCOMPLETE
    return EXIT_OK


def write_result(
    result: RunResult, fmt: str, output: Path | None, registry: Registry, **options: Any
) -> None:
    """Export ``result`` with the exporter named ``fmt`` to ``output`` (stdout when None)."""
    exporter = registry.exporters[fmt]
    write_output(
        output,
        lambda fh: exporter.export(result, fh, **options),
        binary=fmt in BINARY_FORMATS,
    )


@contextmanager
def _dataset_arg(dataset: Path, registry: Registry) -> Iterator[Path | Dataset]:
    """DATASET as given, or the dataset on standard input when it is ``-``."""
    from pbrules.evaluation import STDIN, stdin_dataset

    if str(dataset) != STDIN:
        yield dataset
        return
    with stdin_dataset(sys.stdin.buffer, registry=registry) as data:
        yield data


def _stdout_is_tty() -> bool:
    try:
        return sys.stdout.isatty()
    except (AttributeError, ValueError):
        return False


@click.command("evaluate")
@click.argument("dataset", type=click.Path(path_type=Path))
@click.option(
    "--rules",
    "rules",
    multiple=True,
    required=True,
    metavar="PACK",
    help="Criteria pack: a YAML file or a registered pack id. Repeat to layer packs.",
)
@click.option("--period", metavar="P", help="Period to evaluate (default: the dataset's).")
@click.option(
    "--previous",
    type=click.Path(path_type=Path),
    metavar="RESULT.json",
    help="Last period's result document, for rank movement.",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    default="json",
    show_default=True,
    metavar="NAME",
    help="Output format: json, jsonl, csv, table, sarif, junit, github, gitlab, or any "
    "registered exporter (md, html...).",
)
@click.option("--output", "-o", type=click.Path(path_type=Path), help="Write here, not stdout.")
@click.option(
    "--jobs", "-j", type=click.IntRange(min=1), default=None,
    help="Worker processes (default: the number of cores). Same result for any number.",
)  # fmt: skip
@click.option(
    "--scheduler", metavar="ADDRESS",
    help="Run on the Dask cluster at this scheduler address (docs/distributed.md).",
)  # fmt: skip
@click.option(
    "--dask-local", type=click.IntRange(min=1), metavar="N",
    help="Run on a local Dask cluster of N worker processes.",
)  # fmt: skip
@click.option(
    "--ledger",
    type=click.Path(path_type=Path),
    metavar="DB",
    help="Sync the findings into this rectification ledger.",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITIES),
    help="Exit 1 when a finding has this severity or higher.",
)
@click.option("--lang", metavar="LANG", help="Language of report formats (en, zh).")
@click.option("--issuer", metavar="TEXT", help="Issuing department on report formats.")
@click.option(
    "--pattern-backend",
    type=click.Choice(["python", "durable"]),
    default="python",
    show_default=True,
    help="Matcher of pattern criteria; durable needs pip install 'pbrules[durable]'.",
)
@handle_errors
def evaluate_command(
    dataset: Path,
    rules: tuple[str, ...],
    period: str | None,
    previous: Path | None,
    fmt: str,
    output: Path | None,
    jobs: int | None,
    scheduler: str | None,
    dask_local: int | None,
    ledger: Path | None,
    fail_on: str | None,
    lang: str | None,
    issuer: str | None,
    pattern_backend: str = "python",
) -> None:
    """Evaluate every organization in DATASET against the criteria packs.

    DATASET is a file, a directory of them, or - for JSON Lines (or a JSON array) on stdin.
    """
    from pbrules.plugins import get_registry

    registry = get_registry()
    if fmt not in registry.exporters:
        known = ", ".join(sorted(registry.exporters)) or "none"
        raise UsageError(f"unknown --format {fmt!r} (available: {known})")
    the_period: Period | None = None
    if period is not None:
        try:
            the_period = Period.parse(period)
        except ValueError as exc:
            raise UsageError(f"--period: {exc}") from None
    check_output(output, _inputs(dataset, rules, previous, ledger))
    if output is None and fmt in BINARY_FORMATS and _stdout_is_tty():
        raise UsageError(f"--format {fmt} writes a binary file: give --output PATH")
    run = partial(
        _run_and_write
        if _streamed(fmt, registry) and (ledger is None or is_regular_output(output))
        else _run_then_export,
        dataset=dataset,
        rules=list(rules),
        period=the_period,
        previous=previous,
        ledger=ledger,
        jobs=jobs,
        registry=registry,
        pattern_backend=pattern_backend,
        scheduler=scheduler,
        dask_local=dask_local,
    )
    counts = run(fmt, output, lang=lang, issuer=issuer)
    if counts.rejected or counts.incomplete:
        stderr(
            f"evaluated {counts.evaluated}, rejected {counts.rejected}, incomplete "
            f"{counts.incomplete} (listed in the output)"
        )
    sys.exit(_exit_code(counts, fail_on))


def _streamed(fmt: str, registry: Registry) -> bool:
    """Whether ``fmt`` is written by the engine as the run goes (the built-in json and jsonl:
    :data:`pbrules.engine.stream.FORMATS`), not exported from a whole result."""
    from pbrules.builtin.exporters import STREAMED_EXPORTS

    exporter = registry.exporters[fmt]
    kind = type(exporter)
    shipped = STREAMED_EXPORTS.get(kind)
    return shipped is not None and kind.export is shipped and exporter.name == fmt


def _exit_code(counts: RunSummary, fail_on: str | None) -> int:
    """:func:`exit_code` from a run's counts."""
    if counts.rejected or counts.incomplete:
        return EXIT_INCOMPLETE
    if fail_on is not None and counts.worst_unwaived >= Severity(fail_on).rank:
        return EXIT_INCOMPLETE
    return EXIT_OK


def _run_and_write(
    fmt: str, output: Path | None, *, dataset: Path, registry: Registry, **args: Any
) -> RunSummary:
    """json and jsonl: the result written while it is made (never held); with ``--ledger``
    (and an output file) its waivers apply and the written file is synced, read streaming,
    before it takes the output's name (a failed sync leaves no output)."""
    from pbrules.evaluation import evaluate_to, sync_summary

    ledger = args.pop("ledger")
    del args["lang"], args["issuer"]
    rules = args.pop("rules")
    done: list[StreamedEvaluation] = []
    synced: list[SyncReport] = []

    def sync(written: Path) -> None:
        if ledger is not None:
            from pbrules.ledger import sync_result_file  # its import costs ~0.3 s

            synced.append(sync_result_file(ledger, written))

    with progress_on_stderr("evaluating") as progress, _dataset_arg(dataset, registry) as data:
        write_output(
            output,
            lambda fh: done.append(
                evaluate_to(
                    rules,
                    data,
                    fh,
                    format=fmt,
                    progress=progress,
                    registry=registry,
                    waivers_from=ledger,
                    **args,
                )
            ),
            then=sync,
        )
    for warning in done[0].warnings:
        stderr(f"warning: {warning}")
    for report in synced:
        stderr(f"ledger {ledger}: synced {done[0].summary.period}: {sync_summary(report)}")
    return done[0].summary


def _run_then_export(
    fmt: str,
    output: Path | None,
    *,
    dataset: Path,
    registry: Registry,
    lang: str | None,
    issuer: str | None,
    **args: Any,
) -> RunSummary:
    """Other formats (and a ledger sync): the whole result made, synced, then exported."""
    from pbrules.engine.stream import RunSummary
    from pbrules.evaluation import evaluate, sync_summary

    with progress_on_stderr("evaluating") as progress, _dataset_arg(dataset, registry) as data:
        done = evaluate(args.pop("rules"), data, progress=progress, registry=registry, **args)
    for warning in done.warnings:
        stderr(f"warning: {warning}")
    result, ledger = done.result, args["ledger"]
    if done.ledger_sync is not None:
        stderr(f"ledger {ledger}: synced {result.period}: {sync_summary(done.ledger_sync)}")
    options: dict[str, Any] = {
        "color": output is None and _stdout_is_tty(),
        "pack": done.pack,
        "previous": args["previous"],  # report formats read the file (the run kept its ranks)
        "ledger": ledger,
        "lang": lang,
        "issuer": issuer,
        "dataset": dataset,
    }
    write_result(result, fmt, output, registry, **options)
    s = result.summary
    worst = max((f.severity.rank for f in result.findings if f.waiver is None), default=0)
    return RunSummary(
        result.period, s.evaluated, s.rejected, s.findings, s.incomplete, s.waived, worst
    )


def _inputs(
    dataset: Path, rules: tuple[str, ...], previous: Path | None, ledger: Path | None
) -> list[tuple[str, Path | None]]:
    packs = [("a pack", Path(r)) for r in rules if Path(r).exists()]
    return [("the dataset", dataset), *packs, ("--previous", previous), ("--ledger", ledger)]


COMMANDS: list[click.Command] = [evaluate_command]
