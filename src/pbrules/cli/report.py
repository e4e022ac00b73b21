"""`pbrules` commands: report."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import IO, Any

import click

from pbrules.cli._common import fail, handle_errors
from pbrules.cli._output import BINARY_FORMATS, check_output, write_output

__all__ = ["COMMANDS", "report"]

_REPORT_FORMATS = ("html", "md", "docx", "xlsx")
_BINARY = BINARY_FORMATS


@click.command("report")
@click.argument("result_path", metavar="RESULT.json", type=click.Path(path_type=Path))
@click.option(
    "--format",
    "-f",
    "fmt",
    default="html",
    show_default=True,
    metavar="FORMAT",
    help="html, md, docx or xlsx (review material), or any exporter such as csv or json.",
)
@click.option(
    "--previous",
    type=click.Path(path_type=Path),
    help="The previous period's result, for rank and score movement.",
)
@click.option(
    "--ledger",
    type=click.Path(path_type=Path),
    help="Rectification ledger database: its items (with their numbers) fill the list.",
)
@click.option(
    "--lang",
    type=click.Choice(["en", "zh"]),  # pbrules.report.i18n.LANGUAGES (not imported: startup)
    default="en",
    show_default=True,
    help="Language of the report's fixed text; pack-authored text is shown as written.",
)
@click.option("--issuer", help="Issuing department printed on the cover (default: the pack's).")
@click.option(
    "--rules",
    "rules",
    multiple=True,
    help="The criteria pack(s) of the result, for area and group titles and the issuer.",
)
@click.option("--title", help="Report title (default: the pack's title, or its id).")
@click.option(
    "--output",
    "-o",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write here instead of standard output.",
)
@handle_errors
def report(
    result_path: Path,
    fmt: str,
    previous: Path | None,
    ledger: Path | None,
    lang: str,
    issuer: str | None,
    rules: tuple[str, ...],
    title: str | None,
    output: Path | None,
) -> None:
    """Produce the review material of a result document (RESULT.json).

    \b
    Results per peer group (top and bottom three, rapid progress, major setbacks), problems by
    area and criterion, the rectification list and a per-organization appendix:
      pbrules report result-2026Q3.json --previous result-2026Q2.json -f html -o review.html
      pbrules report result-2026Q3.json --ledger ledger.db --lang zh -f docx -o 通报.docx
    """
    from pbrules.plugins import get_registry
    from pbrules.result_io import load_result

    exporters = get_registry().exporters
    if fmt not in exporters:
        known = sorted({*_REPORT_FORMATS, *exporters})
        fail(f"unknown format {fmt!r}; use one of: {', '.join(known)}")
    if output is None and fmt in _BINARY and sys.stdout.isatty():
        fail(f"--format {fmt} writes a binary file: give --output PATH (or redirect stdout)")
    check_output(
        output,
        [("the result", result_path), ("--previous", previous), ("--ledger", ledger)]
        + [("a pack", Path(r)) for r in rules if Path(r).exists()],
    )
    streamable = fmt == "xlsx" and ledger is None  # the ledger's items are not streamed yet
    if streamable and _streamed(result_path, output, previous, lang, issuer, rules, title):
        return
    given: dict[str, Any] = {"previous": previous, "ledger": ledger, "lang": lang, "title": title}
    if _briefed(result_path, fmt, output, rules, issuer=issuer, **given):
        return
    result = load_result(result_path)
    options: dict[str, Any] = {"lang": lang, "issuer": issuer, "title": title}
    if previous is not None:
        options["previous"] = load_result(previous)
    if ledger is not None:
        options["ledger"] = ledger
    if rules:
        from pbrules.packs.loader import load_packs

        options["pack"] = load_packs(list(rules))
    exporter = exporters[fmt]
    write_output(output, lambda out: exporter.export(result, out, **options), binary=fmt in _BINARY)


def _streamed(
    result_path: Path,
    output: Path | None,
    previous: Path | None,
    lang: str,
    issuer: str | None,
    rules: tuple[str, ...],
    title: str | None,
) -> bool:
    """The workbook of a result over report.stream.STREAM_BYTES, written streaming (the whole
    result is never loaded); False for a smaller one."""
    from pbrules.report import stream

    if result_path.stat().st_size <= stream.STREAM_BYTES:
        return False
    pack = None
    if rules:
        from pbrules.packs.loader import load_packs

        pack = load_packs(list(rules))

    def write(out: IO[bytes]) -> None:
        stream.write_xlsx_streamed(
            result_path, out, previous=previous, lang=lang, issuer=issuer, pack=pack, title=title
        )

    write_output(output, write, binary=True)
    return True


def _briefed(
    result_path: Path,
    fmt: str,
    output: Path | None,
    rules: tuple[str, ...],
    *,
    threshold: int | None = None,
    **options: Any,
) -> bool:
    """The html, md or docx briefing of a result over report.brief.BRIEF_BYTES (or
    ``threshold``), built from a bounded intake; False for a smaller one or another format."""
    from pbrules.report import brief

    limit = brief.BRIEF_BYTES if threshold is None else threshold
    if fmt not in brief.BRIEF_FORMATS or not result_path.is_file():
        return False  # a missing result is reported by load_result, located
    if result_path.stat().st_size <= limit:
        return False
    if rules:
        from pbrules.packs.loader import load_packs

        options["pack"] = load_packs(list(rules))
    write_output(
        output,
        lambda out: brief.write_brief(result_path, fmt, out, **options),
        binary=fmt in _BINARY,
    )
    return True


COMMANDS: list[click.Command] = [report]
