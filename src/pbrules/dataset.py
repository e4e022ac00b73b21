"""Datasets: read snapshot files, validate every record, never drop one silently.

:func:`read_dataset` opens a dataset (a file, or a directory of files) and returns a
:class:`Dataset`. Iterating it streams the files again each time and yields, in input order, a
:class:`~pbrules.model.snapshot.Snapshot` for every valid record and a
:class:`~pbrules.model.result.Rejected` for every record that is not::

    from pbrules import read_dataset

    for item in read_dataset("examples/district/2026Q3.jsonl"):
        if isinstance(item, Rejected):
            print(item.source, item.errors)

Rules (see docs/data-preparation.md):

- a file is read by the registered reader for its suffix (``.jsonl``, ``.json``, ``.yaml``...);
- a directory is the readers' files directly inside it, in name order. Subdirectories are never
  read (a ``bad/`` folder of quarantined records stays out), nor are hidden files, files starting
  with ``_``, files with no reader, and files matched by a pattern in the directory's
  ``.pbrulesignore`` (one shell pattern per line, ``#`` comments);
- a record is rejected with ``field.path: message`` lines when it does not fit the snapshot
  model, when an ``extensions.<name>`` entry does not fit the model its plugin registered (or no
  plugin registered it), or when its organization already appeared in the dataset for the same
  period (the later record is rejected and both sources are named).
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ValidationError

from pbrules import _args
from pbrules.errors import DataError, suggest
from pbrules.io import RawRecord, Reader
from pbrules.model.fields import models_in
from pbrules.model.result import Rejected
from pbrules.model.snapshot import Snapshot

if TYPE_CHECKING:
    from pbrules.plugins import Registry

__all__ = [
    "IGNORE_FILE",
    "Dataset",
    "DatasetSummary",
    "format_validation_error",
    "read_dataset",
    "validate_record",
]

#: file in a dataset directory listing shell patterns of files that are not part of the dataset
IGNORE_FILE = ".pbrulesignore"
#: the most error lines kept for one record (the rest are counted)
MAX_ERRORS_PER_RECORD = 20


# ---------------------------------------------------------------------------------------------
# Readable validation errors
# ---------------------------------------------------------------------------------------------
def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _unwrap_model(annotation: Any) -> type[BaseModel] | None:
    """The pydantic model inside ``X | None``, ``tuple[X, ...]``, ``Annotated[X, ...]``."""
    models = models_in(annotation)
    return models[0] if models else None


def _model_at(root: type[BaseModel], loc: Sequence[int | str]) -> type[BaseModel] | None:
    """The model whose fields hold the last element of ``loc`` (for "did you mean")."""
    model: type[BaseModel] | None = root
    for part in loc[:-1]:
        if isinstance(part, int):
            continue
        if model is None:
            return None
        info = model.model_fields.get(part)
        if info is None:
            return None
        model = _unwrap_model(info.annotation)
    return model


def _suggest(word: str, choices: Iterable[str]) -> str:
    match = suggest(word, choices)
    return f"; did you mean {match!r}?" if match is not None else ""


_QUOTED = re.compile(r"'([^']*)'")


def _error_line(err: Any, root: type[BaseModel]) -> list[str]:
    loc: tuple[int | str, ...] = tuple(err.get("loc", ()))
    path = ".".join(str(p) for p in loc)
    kind: str = err.get("type", "")
    value = err.get("input")
    msg: str = err.get("msg", "invalid value")
    ctx = err.get("ctx") or {}
    if kind == "extra_forbidden":
        model = _model_at(root, loc)
        hint = _suggest(str(loc[-1]), model.model_fields) if model is not None and loc else ""
        text = "unknown field" + hint
    elif kind == "missing":
        text = "required field missing"
    elif kind.startswith("date_") or kind.startswith("datetime_"):
        text = f"invalid date {_short(value)} (expected YYYY-MM-DD)"
    elif kind == "string_pattern_mismatch" and path.endswith("month"):
        text = f"invalid month {_short(value)} (expected YYYY-MM)"
    elif kind == "enum":
        allowed = _QUOTED.findall(str(ctx.get("expected", "")))
        hint = _suggest(str(value), allowed) if isinstance(value, str) else ""
        text = f"invalid value {_short(value)} (expected one of: {', '.join(allowed)}){hint}"
    elif kind == "value_error":
        text = msg.removeprefix("Value error, ")
        if not loc:
            # cross-record checks of the snapshot carry their own paths, joined by "; "
            return [part.strip() for part in text.split("; ") if part.strip()]
    elif kind in ("string_type", "int_type", "float_type", "bool_type", "model_type"):
        expected = {
            "string_type": "a string",
            "int_type": "an integer",
            "float_type": "a number",
            "bool_type": "true or false",
            "model_type": "an object",
        }[kind]
        text = f"expected {expected}, got {_short(value)}"
    elif kind in ("tuple_type", "list_type"):
        text = f"expected a list, got {_short(value)}"
    elif kind in ("dict_type", "mapping_type"):
        text = f"expected an object, got {_short(value)}"
    else:
        text = msg[:1].lower() + msg[1:]
        if value is not None and kind not in ("too_short", "too_long"):
            text += f" (got {_short(value)})"
    return [f"{path}: {text}" if path else text]


def format_validation_error(
    exc: ValidationError, *, model: type[BaseModel] = Snapshot, prefix: str = ""
) -> list[str]:
    """Pydantic errors as short ``field.path: message`` lines (``members.3.joined_on: ...``)."""
    lines: list[str] = []
    for err in exc.errors(include_url=False):
        for line in _error_line(err, model):
            lines.append(prefix + line)
    return _cap(lines)


def _cap(lines: list[str]) -> list[str]:
    if len(lines) > MAX_ERRORS_PER_RECORD:
        extra = len(lines) - MAX_ERRORS_PER_RECORD
        return [*lines[:MAX_ERRORS_PER_RECORD], f"... and {extra} more error(s)"]
    return lines


def _raw_org_id(data: Any) -> str | None:
    if not isinstance(data, dict):
        return None
    org = data.get("organization")
    if isinstance(org, dict):
        org_id = org.get("id")
        if isinstance(org_id, str) and org_id.strip():
            return org_id.strip()[:128]
        if isinstance(org_id, int) and not isinstance(org_id, bool):
            return str(org_id)
    return None


def _type_name(data: Any) -> str:
    if isinstance(data, list):
        return "a list"
    if isinstance(data, str):
        return "a string"
    if isinstance(data, bool):
        return "a boolean"
    if isinstance(data, int | float):
        return "a number"
    if data is None:
        return "null"
    return type(data).__name__


def _check_extensions(data: dict[str, Any], registry: Registry | None) -> list[str]:
    ext = data.get("extensions")
    if not isinstance(ext, dict):
        return []  # the model reports a wrong type
    errors: list[str] = []
    known = registry.extensions if registry is not None else {}
    for name, value in ext.items():
        model = known.get(name)
        if model is None:
            hint = _suggest(str(name), known)
            listed = ", ".join(sorted(known)) or "none"
            errors.append(
                f"extensions.{name}: no plugin registers the extension {name!r} "
                f"(registered: {listed}){hint}"
            )
            continue
        try:
            model.model_validate(value)
        except ValidationError as exc:
            errors.extend(format_validation_error(exc, model=model, prefix=f"extensions.{name}."))
    return errors


def validate_record(raw: RawRecord, *, registry: Registry | None = None) -> Snapshot | Rejected:
    """Validate one raw record into a snapshot, or say why it is rejected.

    Duplicate organizations are not detected here (that needs the whole dataset): see
    :class:`Dataset`.
    """
    if raw.error is not None:
        return Rejected(source=raw.source, org_id=None, errors=[raw.error])
    data = raw.data
    if not isinstance(data, dict):
        return Rejected(
            source=raw.source,
            org_id=None,
            errors=[f"expected an object (one snapshot), got {_type_name(data)}"],
        )
    org_id = _raw_org_id(data)
    errors: list[str] = []
    snapshot: Snapshot | None = None
    try:
        snapshot = Snapshot.model_validate(data)
    except ValidationError as exc:
        errors.extend(format_validation_error(exc))
    except (RecursionError, OverflowError, ValueError, TypeError) as exc:  # pathological input
        errors.append(f"cannot validate the record: {type(exc).__name__}: {exc}")
    errors.extend(_check_extensions(data, registry))
    if snapshot is not None and snapshot.as_of is not None and snapshot.as_of > snapshot.period.end:
        errors.append(f"as_of: {snapshot.as_of} is after the period {snapshot.period} ends")
    if errors or snapshot is None:
        return Rejected(source=raw.source, org_id=org_id, errors=_cap(errors))
    return snapshot


# ---------------------------------------------------------------------------------------------
# Datasets
# ---------------------------------------------------------------------------------------------
def _ignore_patterns(directory: Path) -> list[str]:
    path = directory / IGNORE_FILE
    if not path.is_file():
        return []
    patterns = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            patterns.append(line)
    return patterns


@dataclass(frozen=True, slots=True)
class SkippedFile:
    """A file in a dataset directory that is not part of the dataset, and why."""

    path: Path
    reason: str


def _plan(root: Path, registry: Registry) -> tuple[list[tuple[Path, Reader]], list[SkippedFile]]:
    if not root.exists():
        raise DataError(f"dataset not found: {root}")
    if root.is_file():
        reader = registry.reader_for(root)
        if reader is None:
            raise DataError(
                f"{root}: no reader for {root.suffix or 'files without a suffix'!r} "
                f"files (readers: {_suffix_list(registry)})"
            )
        return [(root, reader)], []
    if not root.is_dir():
        raise DataError(f"{root}: not a file or a directory")
    patterns = _ignore_patterns(root)
    files: list[tuple[Path, Reader]] = []
    skipped: list[SkippedFile] = []
    for child in sorted(root.iterdir(), key=lambda p: p.name):
        name = child.name
        if child.is_dir():
            skipped.append(SkippedFile(child, "subdirectories are not read"))
        elif not child.is_file():  # a FIFO or a device would block or never end
            skipped.append(SkippedFile(child, "not a regular file"))
        elif name.startswith((".", "_")):
            if name != IGNORE_FILE:
                skipped.append(SkippedFile(child, "hidden or private file"))
        elif any(fnmatch.fnmatch(name, p) for p in patterns):
            skipped.append(SkippedFile(child, f"listed in {IGNORE_FILE}"))
        else:
            reader = registry.reader_for(child)
            if reader is None:
                skipped.append(SkippedFile(child, "no reader for this suffix"))
            else:
                files.append((child, reader))
    if not files:
        raise DataError(
            f"{root}: no dataset files in this directory (readers: {_suffix_list(registry)})"
        )
    return files, skipped


def _suffix_list(registry: Registry) -> str:
    return ", ".join(sorted({s for r in registry.readers.values() for s in r.suffixes}))


class Dataset:
    """A re-iterable, streaming dataset: each iteration reads the files again.

    Iterating yields ``Snapshot | Rejected`` in input order. Organizations are unique per
    period: a second record for the same organization and period is rejected, naming both
    sources. Only the seen ``(period, org id)`` keys are kept in memory, never the snapshots.
    """

    def __init__(
        self,
        files: Sequence[tuple[Path, Reader]],
        *,
        registry: Registry,
        root: Path | None = None,
        skipped: Sequence[SkippedFile] = (),
    ) -> None:
        self._files = tuple(files)
        self._registry = registry
        self.root = root
        self.skipped: tuple[SkippedFile, ...] = tuple(skipped)

    @property
    def files(self) -> tuple[Path, ...]:
        """The files read, in reading order."""
        return tuple(path for path, _ in self._files)

    def __repr__(self) -> str:
        return f"Dataset(root={str(self.root)!r}, files={len(self._files)})"

    def raw_records(self) -> Iterator[RawRecord]:
        """The files' records before validation (a reader failure becomes an error record)."""
        for path, reader in self._files:
            last = str(path)
            try:
                for raw in reader.read(path):
                    last = raw.source
                    yield raw
            except OSError as exc:
                yield RawRecord(source=str(path), error=f"cannot read file: {exc.strerror or exc}")
            except Exception as exc:  # a faulty reader plugin must not end the run
                yield RawRecord(
                    source=last,
                    error=f"reader {reader.name!r} failed after this point: "
                    f"{type(exc).__name__}: {exc}",
                )

    def __iter__(self) -> Iterator[Snapshot | Rejected]:
        first_seen: dict[str, str] = {}
        for raw in self.raw_records():
            item = validate_record(raw, registry=self._registry)
            if isinstance(item, Snapshot):
                key = f"{item.period}\x00{item.organization.id}"
                earlier = first_seen.get(key)
                if earlier is not None:
                    yield Rejected(
                        source=raw.source,
                        org_id=item.organization.id,
                        errors=[
                            f"organization.id: duplicate organization {item.organization.id!r} "
                            f"for period {item.period} (first at {earlier}; this later "
                            f"record at {raw.source} is rejected)"
                        ],
                    )
                    continue
                first_seen[key] = raw.source
            yield item

    def snapshots(self) -> Iterator[Snapshot]:
        """Only the valid snapshots (use :meth:`__iter__` to see the rejected records too)."""
        for item in self:
            if isinstance(item, Snapshot):
                yield item

    def count_records(self) -> int:
        """Number of records (valid or rejected), counted by reading the dataset once."""
        return sum(1 for _ in self.raw_records())

    def summary(self) -> DatasetSummary:
        """Counts by period, kind and category, and every rejected record (one pass)."""
        s = DatasetSummary(files=self.files, skipped=self.skipped)
        for item in self:
            if isinstance(item, Rejected):
                s.rejected.append(item)
                continue
            s.snapshots += 1
            s.by_period[str(item.period)] += 1
            s.by_kind[item.organization.kind.value] += 1
            category = item.organization.category
            s.by_category[category.value if category is not None else "(none)"] += 1
        return s


@dataclass(slots=True)
class DatasetSummary:
    """What a dataset holds: see :meth:`Dataset.summary`."""

    files: tuple[Path, ...] = ()
    skipped: tuple[SkippedFile, ...] = ()
    snapshots: int = 0
    by_period: Counter[str] = field(default_factory=Counter)
    by_kind: Counter[str] = field(default_factory=Counter)
    by_category: Counter[str] = field(default_factory=Counter)
    rejected: list[Rejected] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "files": [str(p) for p in self.files],
            "skipped": [{"path": str(s.path), "reason": s.reason} for s in self.skipped],
            "snapshots": self.snapshots,
            "by_period": dict(sorted(self.by_period.items())),
            "by_kind": dict(sorted(self.by_kind.items())),
            "by_category": dict(sorted(self.by_category.items())),
            "rejected": [r.model_dump(mode="json") for r in self.rejected],
        }


def read_dataset(path: str | Path, *, registry: Registry | None = None) -> Dataset:
    """Open the dataset at ``path`` (a file or a directory; see the module docs).

    Raises :class:`~pbrules.errors.DataError` when the path does not exist, a file has no
    reader, or a directory holds no dataset file. Bad *records* never raise: they are yielded
    as ``Rejected`` entries when the dataset is iterated.
    """
    _args.check_path(path, "path")
    if registry is None:
        from pbrules.plugins import get_registry

        registry = get_registry()
    root = Path(path)
    files, skipped = _plan(root, registry)
    return Dataset(files, registry=registry, root=root, skipped=skipped)
