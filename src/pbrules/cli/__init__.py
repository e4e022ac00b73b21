"""The ``pbrules`` command line (click + rich). Commands only; the logic lives in the library.

Each command group lives in its own module here; plugins add commands through the
``register_commands`` hook.
"""

from __future__ import annotations

import click

from pbrules._version import VERSION

__all__ = ["cli", "main"]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(VERSION, prog_name="pbrules")
@click.option("--debug", is_flag=True, help="Show Python tracebacks for errors.")
@click.pass_context
def cli(ctx: click.Context, debug: bool) -> None:
    """Evaluate grass-roots party organizations against YAML criteria packs."""
    ctx.ensure_object(dict)
    ctx.obj["debug"] = debug


def _attach() -> None:
    from pbrules.cli import data, evaluate, ledger, packs, report

    for module in (data, packs, evaluate, ledger, report):
        for command in getattr(module, "COMMANDS", ()):
            cli.add_command(command)


_attach()


def main() -> None:
    from pbrules.plugins import get_host

    try:
        failures = get_host().add_commands(cli)
    except Exception as exc:  # a broken plugin must not take the CLI down
        click.echo(f"warning: plugins could not add commands: {exc}", err=True)
    else:
        for failure in failures:
            click.echo(f"warning: plugin {failure.name}: {failure.error}", err=True)
    cli(prog_name="pbrules")
