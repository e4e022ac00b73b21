"""The ``pbrules`` command line (click + rich). Commands only; the logic lives in the library.

Each command group lives in its own module here; plugins add commands through the
``register_commands`` hook.
"""

from __future__ import annotations

import os
import signal
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

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


class _Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP, raised where the command is: it unwinds as Ctrl-C does."""


#: the signals that stop a command as Ctrl-C does: ``kill``, ``timeout`` or a job scheduler's
#: stop, and a closed terminal (or dropped ssh session)
STOPPING = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


@contextmanager
def terminated_as_interrupted() -> Iterator[list[int]]:
    """While inside, SIGTERM and SIGHUP stop the command as Ctrl-C does: the stack unwinds, so a
    half-written output never takes the output's name, its temporary file and the spool are
    removed, and a ledger transaction is rolled back. (Python's default for them ends the
    process on the spot and leaves those behind.) Yields the list of the signals that came.
    Outside the main thread it does nothing; a process forked meanwhile (a ``--jobs`` worker)
    ends of the signal as by default, as its pool expects."""
    came: list[int] = []
    here = os.getpid()

    def stop(signum: int, frame: FrameType | None) -> None:
        if os.getpid() != here:  # a forked worker: die of the signal, as without this handler
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
            return
        came.append(signum)
        raise _Terminated

    try:
        before = [
            (signum, signal.signal(signum, stop))
            for signum in STOPPING
            # an ignored signal stays ignored (``nohup`` ignores SIGHUP), a handler stays set
            if signal.getsignal(signum) is signal.SIG_DFL
        ]
    except ValueError:  # not the main thread: leave the signals alone
        yield came
        return
    try:
        yield came
    finally:
        for signum, handler in before:
            signal.signal(signum, handler)


def main() -> None:
    from pbrules.plugins import get_host

    try:
        failures = get_host().add_commands(cli)
    except Exception as exc:  # a broken plugin must not take the CLI down
        click.echo(f"warning: plugins could not add commands: {exc}", err=True)
    else:
        for failure in failures:
            click.echo(f"warning: plugin {failure.name}: {failure.error}", err=True)
    with terminated_as_interrupted() as came:
        try:
            cli(prog_name="pbrules")
        except SystemExit:
            if came:  # click said "Aborted!"; exit as a process ended by the signal would
                sys.exit(128 + came[0])
            raise
