"""Argument checks of the public API: a wrong type is a ``TypeError`` naming the argument, a wrong
value a pbrules error (:class:`~pbrules.errors.UsageError`, :class:`~pbrules.errors.DataError`)
with a message that names it too — never an ``AttributeError`` from deep inside.

Used at the entry of :class:`~pbrules.Engine` (with :mod:`pbrules.engine.arguments`, which
validates snapshots given as mappings), :func:`~pbrules.load_pack`, :func:`~pbrules.read_dataset`
and :func:`pbrules.evaluation.evaluate`. This module sits low in the import graph, beside the
checker API: it imports only the errors, the model and :mod:`pbrules.checker`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from os import PathLike
from typing import TYPE_CHECKING, Any

from pbrules.checker import ChildRef, ChildScore
from pbrules.errors import UsageError
from pbrules.model.period import Period

if TYPE_CHECKING:
    from pbrules.model.previous import PreviousRanks
    from pbrules.model.result import PackRef, RunResult

__all__ = [
    "check_as_of",
    "check_child_results",
    "check_children",
    "check_jobs",
    "check_path",
    "check_paths",
    "check_period",
    "check_previous",
    "check_run_dataset",
    "check_waivers",
    "kind_of",
    "previous_warnings",
]


def kind_of(value: Any) -> str:
    """The type name shown in messages (``None`` for None)."""
    return _kind(value)


def _kind(value: Any) -> str:
    return "None" if value is None else type(value).__name__


def check_path(value: Any, name: str) -> None:
    """``value`` must be a ``str`` or an ``os.PathLike`` (not empty)."""
    if not isinstance(value, str | PathLike):
        raise TypeError(f"{name} must be a path (str or os.PathLike), not {_kind(value)}")
    if isinstance(value, str) and not value.strip():
        raise UsageError(f"{name}: an empty path")


def check_period(value: Any, name: str = "period") -> Period | None:
    """``None``, a :class:`~pbrules.Period` or its text (``2026Q3``); a bad text is a UsageError."""
    if value is None or isinstance(value, Period):
        return value
    if not isinstance(value, str):
        raise TypeError(
            f"{name} must be a pbrules.Period or a str like '2026Q3', not {_kind(value)}"
        )
    try:
        return Period.parse(value)
    except ValueError as exc:
        raise UsageError(f"{name}: {exc}") from None


def check_as_of(value: Any, period: Period, name: str = "as_of") -> date | None:
    """``None`` or a ``datetime.date`` inside ``period`` (a review is dated within its period)."""
    if value is None:
        return None
    if isinstance(value, datetime) or not isinstance(value, date):
        raise TypeError(f"{name} must be a datetime.date, not {_kind(value)}")
    if not period.start <= value <= period.end:
        raise UsageError(
            f"{name}: {value.isoformat()} is outside the period {period} "
            f"({period.start.isoformat()} to {period.end.isoformat()})"
        )
    return value


def check_children(value: Any, name: str = "children") -> tuple[ChildRef, ...]:
    """A sequence of :class:`~pbrules.ChildRef` (not a string), each id once."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | Iterable):
        raise TypeError(f"{name} must be a sequence of pbrules.ChildRef, not {_kind(value)}")
    kids = tuple(value)
    seen: set[str] = set()
    for i, kid in enumerate(kids):
        if not isinstance(kid, ChildRef):
            raise TypeError(f"{name}[{i}] must be a pbrules.ChildRef, not {_kind(kid)}")
        if kid.id in seen:
            raise UsageError(f"{name}[{i}]: duplicate child id {kid.id!r}")
        seen.add(kid.id)
    return kids


def check_child_results(
    value: Any, children: Sequence[ChildRef], name: str = "child_results"
) -> dict[str, ChildScore] | None:
    """``None`` or a mapping child id -> :class:`~pbrules.ChildScore` of the given children."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{name} must be a mapping of child id to pbrules.ChildScore, not {_kind(value)}"
        )
    ids = {kid.id for kid in children}
    out: dict[str, ChildScore] = {}
    for key, score in value.items():
        if not isinstance(key, str):
            raise TypeError(f"{name}: keys must be child ids (str), not {_kind(key)}")
        if not isinstance(score, ChildScore):
            raise TypeError(f"{name}[{key!r}] must be a pbrules.ChildScore, not {_kind(score)}")
        if score.id != key:
            raise UsageError(f"{name}[{key!r}]: the score is of {score.id!r}")
        if key not in ids:
            known = ", ".join(sorted(ids)) or "none given"
            raise UsageError(f"{name}[{key!r}]: not one of the children ({known})")
        out[key] = score
    return out


def check_waivers(value: Any, name: str = "waivers") -> Mapping[str, Any] | None:
    """``None`` or a mapping fingerprint -> waiver (an object with reason, owner, until)."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise TypeError(
            f"{name} must be a mapping of finding fingerprint to waiver, not {_kind(value)}"
        )
    for key, waiver in value.items():
        if not isinstance(key, str):
            raise TypeError(f"{name}: keys must be finding fingerprints (str), not {_kind(key)}")
        missing = [a for a in ("reason", "owner", "until") if not hasattr(waiver, a)]
        if missing:
            raise TypeError(
                f"{name}[{key!r}] must be a waiver (with reason, owner, until), not {_kind(waiver)}"
            )
        if not isinstance(waiver.until, date):
            raise TypeError(f"{name}[{key!r}].until must be a datetime.date")
    return value


def check_jobs(value: Any, name: str = "jobs") -> int:
    """A positive ``int`` (not a bool, not a string)."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, not {_kind(value)}")
    if value < 1:
        raise UsageError(f"{name} must be at least 1, not {value}")
    return value


def check_run_dataset(value: Any, name: str = "dataset") -> None:
    """A dataset path, or an iterable of snapshots and rejected records (not a plain string)."""
    if isinstance(value, str | PathLike):
        check_path(value, name)
        return
    if isinstance(value, bytes | Mapping) or not isinstance(value, Iterable):
        raise TypeError(
            f"{name} must be a path or an iterable of pbrules.Snapshot / pbrules.Rejected, "
            f"not {_kind(value)}"
        )


def check_previous(value: Any, pack: PackRef, name: str = "previous") -> list[str]:
    """``None``, a :class:`~pbrules.RunResult` or its ranks
    (:class:`~pbrules.model.previous.PreviousRanks`) of the same pack (movement compares
    results of one pack). Returns warnings (another version of the pack)."""
    from pbrules.model.previous import PreviousRanks
    from pbrules.model.result import RunResult

    if value is None:
        return []
    if not isinstance(value, RunResult | PreviousRanks):
        raise TypeError(f"{name} must be a pbrules.RunResult, not {_kind(value)}")
    return previous_warnings(value, pack, name)


def previous_warnings(previous: RunResult | PreviousRanks, pack: PackRef, name: str) -> list[str]:
    """UsageError when ``previous`` is a result of another pack; a warning for another version
    (none when the previous result does not say its version: a JSON Lines result without its
    header line)."""
    if previous.pack.id != pack.id:
        raise UsageError(
            f"{name}: produced by pack {previous.pack.id!r}, not {pack.id!r}; "
            "movement compares results of one pack"
        )
    if previous.pack.version and previous.pack.version != pack.version:
        return [
            f"{name} was produced by {previous.pack.id} version {previous.pack.version}; "
            f"evaluating with version {pack.version}"
        ]
    return []


def check_paths(value: Any, name: str) -> None:
    """A sequence of paths (``str`` or ``os.PathLike``), not a bare string."""
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | Iterable):
        raise TypeError(f"{name} must be a list of paths, not {_kind(value)}")
    for i, item in enumerate(value):
        check_path(item, f"{name}[{i}]")


