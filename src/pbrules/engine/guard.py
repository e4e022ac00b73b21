"""Running checkers safely: one misbehaving checker marks one criterion ``error``, never the run.

:class:`CheckerGuard` calls checkers for one organization and turns whatever goes wrong into an
``error`` outcome of that criterion:

- an exception, including ``SystemExit`` (``KeyboardInterrupt`` still stops the run);
- a return value that is not an :class:`~pbrules.model.outcome.Outcome`, or one whose
  ``compliance`` is not a number in [0, 1] (``NaN``) or whose ``misses`` is not a count;
- time: every organization has a budget (:data:`DEFAULT_BUDGET` seconds for all its checkers,
  ``PBRULES_CHECK_BUDGET`` overrides it, ``0`` turns it off). A checker still running when the
  budget is used up is interrupted and becomes ``error``; the organization's remaining checkers
  are not run and are ``error`` too.

The interruption uses ``SIGALRM`` (``setitimer``), which interrupts Python code and the regex
engine alike; it works in the main thread of a process, which is where the CLI and the worker
processes of ``--jobs`` run checkers. A thread cannot be stopped from outside in Python, so when
checkers run in another thread (a library caller's thread pool) or on a system without
``SIGALRM``, the budget is not enforced: the load-time bounds of :mod:`pbrules.packs.limits`
remain the only guard there.
"""

from __future__ import annotations

import importlib
import math
import os
import signal
import threading
import time
from collections.abc import Callable
from types import FrameType
from typing import Any

from pbrules.checker import CheckContext
from pbrules.engine.compile import NA_CHECKER, Compiled, check_error, not_an_outcome
from pbrules.model.outcome import Outcome
from pbrules.model.snapshot import Snapshot

__all__ = [
    "BUDGET_ENV",
    "DEFAULT_BUDGET",
    "CheckerGuard",
    "budget_seconds",
    "checked",
]

#: seconds all checkers of one organization may take together
DEFAULT_BUDGET = 30.0
#: environment variable overriding :data:`DEFAULT_BUDGET` (seconds; 0 disables the budget)
BUDGET_ENV = "PBRULES_CHECK_BUDGET"


def _handler_setter() -> Callable[[int, Any], Any]:
    """``signal.signal`` without its Python wrapper, which converts the handlers to and from
    enums by raising and catching an exception for a function handler: about 3 us a call, and
    a guard sets and restores the handler once per organization. The same C function with the
    same arguments (``signal.signal`` itself where that module is missing)."""
    try:
        setter: Callable[[int, Any], Any] = importlib.import_module("_signal").signal
    except (ImportError, AttributeError):
        return signal.signal
    return setter


_set_handler = _handler_setter()


class _OutOfTime(BaseException):
    """Raised inside a checker when the organization's budget is used up (a BaseException so
    that a checker's own ``except Exception`` cannot swallow it)."""


def budget_seconds() -> float:
    raw = os.environ.get(BUDGET_ENV, "").strip()
    if not raw:
        return DEFAULT_BUDGET
    try:
        value = float(raw)
    except ValueError:
        return DEFAULT_BUDGET
    return value if math.isfinite(value) and value > 0 else 0.0


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0][:300] if text else ""


def _raised(exc: BaseException) -> Outcome:
    if isinstance(exc, SystemExit):
        return Outcome.error(f"checker raised SystemExit({exc.code!r})")
    text = _first_line(exc)
    return Outcome.error(f"checker raised {type(exc).__name__}" + (f": {text}" if text else ""))


def checked(outcome: Any, check: str) -> Outcome:
    """``outcome`` when it is a well-formed Outcome, else an ``error`` outcome saying why."""
    if not isinstance(outcome, Outcome):
        return Outcome.error(f"checker {check!r} returned {type(outcome).__name__}, not an Outcome")
    compliance = outcome.compliance
    if (
        isinstance(compliance, bool)
        or not isinstance(compliance, int | float)
        or not 0.0 <= compliance <= 1.0  # also false for NaN
    ):
        return Outcome.error(
            f"checker {check!r} returned compliance {compliance!r}, not a number in [0, 1]"
        )
    misses = outcome.misses
    if isinstance(misses, bool) or not isinstance(misses, int) or misses < 0:
        return Outcome.error(f"checker {check!r} returned misses {misses!r}, not a count")
    return outcome


class CheckerGuard:
    """Calls checkers for one organization within its time budget (a context manager)."""

    def __init__(self, seconds: float | None = None) -> None:
        self.seconds = budget_seconds() if seconds is None else seconds
        self.expired = False
        self._inside = False
        self._armed = False
        self._previous: Any = None
        self._outer: tuple[float, float] = (0.0, 0.0)
        self._started = 0.0

    def __enter__(self) -> CheckerGuard:
        if (
            self.seconds > 0
            and hasattr(signal, "setitimer")
            and threading.current_thread() is threading.main_thread()
        ):
            delay, _interval = signal.getitimer(signal.ITIMER_REAL)
            if delay and delay <= self.seconds:
                return self  # the caller's own alarm comes first: leave it alone
            self._previous = _set_handler(signal.SIGALRM, self._alarm)
            self._outer = signal.setitimer(signal.ITIMER_REAL, self.seconds)
            self._started = time.monotonic()
            self._armed = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._armed:
            signal.setitimer(signal.ITIMER_REAL, 0)
            _set_handler(signal.SIGALRM, self._previous)
            self._armed = False
            delay, interval = self._outer
            if delay:  # re-arm the caller's longer alarm for the time it has left
                left = max(delay - (time.monotonic() - self._started), 1e-3)
                signal.setitimer(signal.ITIMER_REAL, left, interval)

    def _alarm(self, _signum: int, _frame: FrameType | None) -> None:
        self.expired = True
        if self._inside:
            raise _OutOfTime

    def call(self, check: str, func: Callable[..., Any], *args: Any) -> Outcome:
        """``func(*args)`` as a well-formed outcome of the checker named ``check``."""
        return checked(self.attempt(check, func, *args), check)

    def evaluate(self, c: Compiled, snapshot: Snapshot, ctx: CheckContext) -> Outcome:
        """The criterion's checker asked whether it applies, then for its outcome, within the
        budget, in one frame: what :meth:`call` (``attempt`` for a trusted, built-in checker)
        of :func:`~pbrules.engine.compile.applicability` then
        :func:`~pbrules.engine.compile.run_check` gives. Pass 1 makes this call for every
        selected criterion of every organization, and nested frames per call cost more than the
        loop around it."""
        if self.expired:
            return self._out_of_time(c.check, ran=False)
        checker = c.checker
        try:
            try:
                self._inside = True
                if c.asks_applies and not checker.applies(snapshot, c.params):
                    return NA_CHECKER
                ctx.criterion_id = c.id
                outcome = checker.check(snapshot, c.params, ctx)
            finally:
                self._inside = False
        except _OutOfTime:
            return self._out_of_time(c.check, ran=True)
        except Exception as exc:  # a failing checker marks one criterion (as run_check)
            return check_error(exc)
        except SystemExit as exc:
            return _raised(exc)
        if not c.trusted:  # a plugin's outcome: its shape is checked every time
            return checked(outcome, c.check)
        return outcome if isinstance(outcome, Outcome) else not_an_outcome(c, outcome)

    def attempt(self, check: str, func: Callable[..., Any], *args: Any) -> Any:
        """``func(*args)``, or an ``error`` outcome when it raises or runs out of time."""
        if self.expired:
            return self._out_of_time(check, ran=False)
        try:
            try:
                self._inside = True
                return func(*args)
            finally:
                self._inside = False
        except _OutOfTime:
            return self._out_of_time(check, ran=True)
        except (Exception, SystemExit) as exc:  # a failing checker marks one criterion
            return _raised(exc)

    def _out_of_time(self, check: str, *, ran: bool) -> Outcome:
        budget = f"the organization's time budget of {self.seconds:g} s ({BUDGET_ENV})"
        if ran:
            return Outcome.error(f"checker {check!r} was stopped: it exceeded {budget}")
        return Outcome.error(f"checker {check!r} was not run: {budget} was used up")
