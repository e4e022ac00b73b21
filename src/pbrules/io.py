"""The reader and exporter interfaces plugins implement.

A :class:`Reader` turns a file into raw records (parsed but not validated); the dataset layer
(:mod:`pbrules.dataset`) validates them into snapshots or ``Rejected`` entries, so every reader
gets the same validation, duplicate detection and error messages.

An :class:`Exporter` writes a :class:`~pbrules.model.result.RunResult` to a binary stream.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO, Protocol, runtime_checkable

from pbrules.model.result import RunResult

__all__ = ["Exporter", "RawRecord", "Reader"]


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One record as read from a file.

    ``source`` is ``path:line`` (or ``path`` for a whole-file document). ``data`` is the parsed
    object, or ``None`` when ``error`` says why it could not be parsed.
    """

    source: str
    data: Any = None
    error: str | None = None


@runtime_checkable
class Reader(Protocol):
    """Reads one file of a dataset."""

    name: str
    #: lower-case file suffixes this reader handles, e.g. ``(".jsonl",)``
    suffixes: tuple[str, ...]

    def read(self, path: Path) -> Iterator[RawRecord]:
        """Yield the file's records one at a time (streaming: never load the whole file)."""
        ...


@runtime_checkable
class Exporter(Protocol):
    """Writes a result document in one format."""

    name: str
    #: default file suffix, e.g. ``.csv``
    suffix: str
    #: short description for ``--help``
    description: str

    def export(self, result: RunResult, out: BinaryIO, **options: Any) -> None:
        """Write ``result`` to ``out``. Unknown ``options`` are ignored."""
        ...
