"""Shared CLI plumbing: error handling, exit codes, output streams.

Exit codes (DESIGN §8): 0 every input evaluated; 1 the run finished but some input was rejected
or some check errored; 2 usage or configuration error (nothing evaluated).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from pbrules.errors import PackError, PbrulesError

__all__ = ["EXIT_CONFIG", "EXIT_INCOMPLETE", "EXIT_OK", "fail", "handle_errors", "stderr"]

EXIT_OK = 0
EXIT_INCOMPLETE = 1
EXIT_CONFIG = 2

F = TypeVar("F", bound=Callable[..., Any])


def stderr(message: str) -> None:
    click.echo(message, err=True)


def fail(message: str, code: int = EXIT_CONFIG) -> None:
    """Print ``error: message`` on stderr and exit with ``code``."""
    stderr(f"error: {message}")
    sys.exit(code)


def _os_error(exc: OSError) -> str:
    reason = exc.strerror or str(exc) or type(exc).__name__
    return f"{reason}: {exc.filename}" if exc.filename else reason


def handle_errors(func: F) -> F:
    """Turn library errors into clean messages and exit 2; ``--debug`` re-raises them."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        ctx = click.get_current_context(silent=True)
        debug = bool(ctx and ctx.find_root().obj and ctx.find_root().obj.get("debug"))
        try:
            return func(*args, **kwargs)
        except PackError as exc:
            if debug:
                raise
            for problem in exc.problems:
                stderr(str(problem))
            sys.exit(EXIT_CONFIG)
        except (PbrulesError, OSError) as exc:
            if debug:
                raise
            fail(str(exc) if isinstance(exc, PbrulesError) else _os_error(exc))
        return None

    return wrapper  # type: ignore[return-value]
