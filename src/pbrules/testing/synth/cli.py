"""The generator's command line: ``python -m pbrules.synth`` (or ``pbrules.testing.synth``)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from pbrules.model.period import Period
from pbrules.testing.synth.example import DEFAULT_SEED, V2_DEFAULT, example_snapshots
from pbrules.testing.synth.generic import generic_snapshots
from pbrules.testing.synth.output import write_example, write_jsonl
from pbrules.testing.synth.plan import EXAMPLE_PERIODS
from pbrules.testing.synth.zh import LANGUAGES

__all__ = ["command", "main"]


def _period(ctx: click.Context, param: click.Parameter, value: str) -> Period:
    try:
        return Period.parse(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from exc


@click.command(
    name="python -m pbrules.synth",
    help="Write a synthetic, seeded dataset of organization snapshots (JSON Lines).",
)
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True, help="Random seed.")
@click.option(
    "--period",
    default=EXAMPLE_PERIODS[1],
    show_default=True,
    callback=_period,
    help="Period, e.g. 2026Q3.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Output file (default: stdout).",
)
@click.option(
    "--orgs",
    type=click.IntRange(min=1),
    help="Write a generic district of exactly N organizations.",
)
@click.option(
    "--example-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write the whole example district (both quarters, bad file, planted.json) here.",
)
@click.option(
    "--v2/--v1",
    "v2",
    default=V2_DEFAULT,
    show_default=True,
    help="Example district: add the snapshot v2 records (--v1: the v1 records only).",
)
@click.option(
    "--lang",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="Language of the names and texts (zh: the same district in Chinese).",
)
def command(
    seed: int,
    period: Period,
    out: Path | None,
    orgs: int | None,
    example_dir: Path | None,
    v2: bool,
    lang: str,
) -> None:
    if example_dir is not None:
        write_example(example_dir, seed, v2=v2, lang=lang)
        click.echo(f"wrote the example district to {example_dir}", err=True)
        return
    snaps = (
        generic_snapshots(seed, period, orgs, lang=lang)
        if orgs is not None
        else example_snapshots(seed, period, v2=v2, lang=lang)
    )
    if out is None:
        n = write_jsonl(snaps, sys.stdout)
    else:
        with out.open("w", encoding="utf-8", newline="\n") as f:
            n = write_jsonl(snaps, f)
    click.echo(f"wrote {n} snapshots for {period}", err=True)


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns 0, or raises ``SystemExit`` (2 on a usage error)."""
    try:
        command.main(args=argv, prog_name="python -m pbrules.synth", standalone_mode=False)
    except click.ClickException as exc:
        exc.show()
        raise SystemExit(exc.exit_code) from exc
    except click.Abort as exc:
        raise SystemExit(1) from exc
    return 0
