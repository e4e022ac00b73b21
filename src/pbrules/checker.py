"""The checker API (DESIGN §4): everything a checker receives and may read, in one module.

A checker imports from here (and from :mod:`pbrules.model`) only: :class:`Checker` and
:class:`Params` to subclass, :class:`CheckContext` (with the read-only :class:`SnapshotIndex`
in ``ctx.index``, :class:`ChildRef` and :class:`ChildScore`), and :class:`Outcome` with its
:class:`Status`, :class:`Severity`, :class:`Subject` and :class:`SubjectItem` to answer.
Nothing here imports the engine, the pack loader or the plugins (docs/architecture.md).

A checker is a small, parameterized, stateless object registered under a dotted ``name``
(``meetings.frequency``). Its ``Params`` pydantic model validates the ``params`` of every
criterion that uses it, at pack load time. ``check`` reads the snapshot (through the shared
per-snapshot index in ``ctx.index``) and returns an :class:`~pbrules.model.outcome.Outcome`.

Phases:

- ``record`` (default): reads the organization's own records; pass 1.
- ``composite``: reads other criteria's outcomes of the same organization (``ctx.outcomes``);
  pass 1, after every ``record`` criterion.
- ``rollup``: reads the subordinates' pass-1 results (``ctx.child_results``); pass 2, children
  before parents, with no snapshot re-read.

Notes: a checker declares the notes it writes once, as :class:`Note` entries (an English and a
Chinese template with the same fields) in its ``notes``, and writes ``note=UNPAID(count=3)``;
the outcome's note is then the English text (a :class:`NoteText`, a ``str``) carrying the
Chinese in ``.zh``. :func:`listing` and :func:`join_notes` build lists and joined notes in both
languages. A plain string note stays valid (English only).

Every built-in checker states in its docstring the direction in which it is monotone (adding a
record that satisfies a requirement never lowers its compliance).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict

from pbrules.model.index import SnapshotIndex
from pbrules.model.note import Note, NoteText, join_notes, listing, note_catalog, term, terms
from pbrules.model.outcome import Outcome, Severity, Status, Subject, SubjectItem
from pbrules.model.period import Period
from pbrules.model.snapshot import Snapshot

__all__ = [
    "CheckContext",
    "Checker",
    "ChildRef",
    "ChildScore",
    "Note",
    "NoteText",
    "Outcome",
    "Params",
    "Period",
    "Phase",
    "Severity",
    "Snapshot",
    "SnapshotIndex",
    "Status",
    "Subject",
    "SubjectItem",
    "join_notes",
    "listing",
    "note_catalog",
    "term",
    "terms",
]

Phase = Literal["record", "composite", "rollup"]


class Params(BaseModel):
    """Base for checkers' ``Params`` models: frozen, unknown keys are errors."""

    model_config = ConfigDict(frozen=True, extra="forbid")


P = TypeVar("P", bound=Params)


@dataclass(frozen=True, slots=True)
class ChildRef:
    """A direct subordinate of the organization, as known from the dataset's tree."""

    id: str
    kind: str
    name: str = ""
    category: str | None = None


@dataclass(frozen=True, slots=True)
class ChildScore:
    """A subordinate's pass-1 result, as given to ``rollup`` checkers."""

    id: str
    base_total: float
    total: float
    grade: str
    complete: bool


@dataclass(slots=True)
class CheckContext:
    """Everything a checker may read besides the snapshot."""

    period: Period
    as_of: date
    index: SnapshotIndex
    children: tuple[ChildRef, ...] = ()
    outcomes: Mapping[str, Outcome] = field(default_factory=dict)
    child_results: Mapping[str, ChildScore] = field(default_factory=dict)
    criterion_id: str = ""


class Checker(Generic[P]):
    """Base class of checkers. Subclasses set ``name`` and ``Params`` and implement ``check``.

    The class docstring is the checker's reference text: a summary, the monotone direction and a
    YAML example (``docs/checkers.md`` is generated from it).
    """

    name: ClassVar[str]
    Params: ClassVar[type[Params]]
    phase: ClassVar[Phase] = "record"
    #: The notes ``check`` may write, each in English and Chinese (docs/plugins.md); listed in
    #: docs/checkers.md. A note not declared here is still shown, in English only.
    notes: ClassVar[tuple[Note, ...]] = ()

    def applies(self, snapshot: Snapshot, params: P) -> bool:
        """Whether the checker has anything to say for this snapshot (else ``not_applicable``)."""
        return True

    def check(self, snapshot: Snapshot, params: P, ctx: CheckContext) -> Outcome:
        raise NotImplementedError

    def references(self, params: P) -> tuple[str, ...]:
        """Criterion ids this checker's params refer to (validated at load time)."""
        return ()

    def parse_params(self, raw: Mapping[str, Any] | None) -> P:
        """Validate raw ``params`` from a pack (raises ``pydantic.ValidationError``)."""
        return self.Params.model_validate(dict(raw or {}))  # type: ignore[return-value]
