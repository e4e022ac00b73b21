"""The exceptions pbrules raises.

Every error the library raises on purpose derives from :class:`PbrulesError`, so an integrator
can catch one type. Errors caused by bad configuration also derive from :class:`ValueError`
(as hypothesis' ``InvalidArgument`` does), so generic handlers keep working::

    PbrulesError
    ├── ConfigError (ValueError)          bad configuration; the CLI exits 2
    │   ├── PackError                     a criteria pack is invalid (carries located problems)
    │   ├── PluginError                   a plugin clashes or is misconfigured
    │   └── UsageError                    bad arguments to an API call or a command
    ├── DataError (ValueError)            a dataset or document cannot be read at all
    │   └── ResultDocumentError           a file is not a pbrules result document
    ├── CheckError                        a checker failed on one organization (becomes `error`)
    └── LedgerError                       the rectification ledger refused an operation

Bad *records* inside a readable dataset never raise: they become ``Rejected`` entries.

Messages about an unknown name suggest the closest known one with :func:`suggest` (one policy
for every "did you mean").
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = [
    "CheckError",
    "ConfigError",
    "DataError",
    "LedgerError",
    "PackError",
    "PbrulesError",
    "PluginError",
    "Problem",
    "ResultDocumentError",
    "UsageError",
    "did_you_mean",
    "suggest",
]

#: How alike (difflib's ratio) a known name must be to an unknown one to be suggested.
SUGGEST_CUTOFF = 0.6


def suggest(word: object, choices: Iterable[object]) -> str | None:
    """The known name closest to a misspelled ``word``, or ``None``.

    ``word`` written backwards is suggested first (``ab`` for ``ba``); then the closest of
    ``choices`` whose similarity ratio is at least :data:`SUGGEST_CUTOFF`.
    """
    options = [str(c) for c in choices]
    if isinstance(word, str) and len(word) > 1 and word[::-1] in options:
        return word[::-1]
    close = difflib.get_close_matches(str(word), options, n=1, cutoff=SUGGEST_CUTOFF)
    return close[0] if close else None


def did_you_mean(word: object, choices: Iterable[object]) -> str:
    """``; did you mean 'x'?`` for a misspelled ``word`` (see :func:`suggest`), else ``''``."""
    close = suggest(word, choices)
    return f"; did you mean '{close}'?" if close is not None else ""


class PbrulesError(Exception):
    """Root of every exception pbrules raises on purpose."""


class ConfigError(PbrulesError, ValueError):
    """Configuration is wrong; nothing was evaluated."""


@dataclass(frozen=True, slots=True)
class Problem:
    """One located problem in a file: ``PATH:LINE:COL: error: MESSAGE``.

    ``line`` and ``col`` are 1-based; 0 means unknown.
    """

    path: str
    line: int
    col: int
    message: str
    severity: str = "error"

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"


class PackError(ConfigError):
    """A criteria pack is invalid. ``problems`` lists every problem found, in file order."""

    def __init__(self, problems: list[Problem] | tuple[Problem, ...]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid pack")


class PluginError(ConfigError):
    """A plugin could not be registered (duplicate name, bad registration...)."""


class UsageError(ConfigError):
    """An API call or command was given arguments it cannot use."""


class DataError(PbrulesError, ValueError):
    """A dataset or document cannot be read at all (missing file, unknown format)."""


class ResultDocumentError(DataError):
    """A file given as a result document (e.g. ``--previous``) is not one."""


class CheckError(PbrulesError):
    """A checker could not evaluate one organization; the criterion becomes ``error``."""


class LedgerError(PbrulesError):
    """The rectification ledger refused an operation (illegal transition, older period...)."""
