"""Reading result documents back: ``--previous``, the ledger and reports start from them.

:func:`load_result` reads a file written by ``pbrules evaluate --format json`` and raises
:class:`~pbrules.errors.ResultDocumentError` with a clear message when the file is not one: not
JSON, not a result document, another ``schema_version``, or fields that do not validate.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, BinaryIO

from pydantic import BaseModel, ValidationError

from pbrules.errors import ResultDocumentError
from pbrules.model.result import RunResult

__all__ = ["SCHEMA_VERSION", "load_result", "parse_result", "write_result_json"]

SCHEMA_VERSION = "1"
_MAX_ERRORS = 5


def _describe(exc: ValidationError) -> str:
    """The first errors as ``field.path: message`` (with did-you-mean for unknown keys)."""
    from pbrules.dataset import format_validation_error

    lines = format_validation_error(exc, model=RunResult)
    shown = lines[:_MAX_ERRORS]
    more = exc.error_count() - len(shown)
    if more > 0:
        shown.append(f"... and {more} more")
    return "; ".join(shown)


def parse_result(data: Any, *, where: str = "result") -> RunResult:
    """Validate an already parsed JSON object as a result document."""
    if not isinstance(data, dict):
        raise ResultDocumentError(
            f"{where}: not a pbrules result document (expected a JSON object, "
            f"found {type(data).__name__})"
        )
    if "schema_version" not in data or "organizations" not in data or "pack" not in data:
        raise ResultDocumentError(
            f"{where}: not a pbrules result document (no schema_version, pack and "
            "organizations; write one with `pbrules evaluate --format json`)"
        )
    version = data.get("schema_version")
    if version != SCHEMA_VERSION:
        raise ResultDocumentError(
            f"{where}: result schema_version {version!r} is not supported "
            f"(this pbrules reads schema_version {SCHEMA_VERSION!r})"
        )
    try:
        result = RunResult.model_validate(data)
    except ValidationError as exc:
        raise ResultDocumentError(f"{where}: invalid result document: {_describe(exc)}") from None
    seen: set[str] = set()
    for i, org in enumerate(result.organizations):
        if org.org_id in seen:
            raise ResultDocumentError(
                f"{where}: invalid result document: organizations.{i}.org_id: "
                f"{org.org_id!r} appears twice"
            )
        seen.add(org.org_id)
    return result


def load_result(path: str | Path) -> RunResult:
    """Read the result document at ``path``."""
    p = Path(path)
    if p.exists() and not p.is_file() and not p.is_dir():  # a FIFO or a device would block
        raise ResultDocumentError(f"{p}: not a regular file, not a result document")
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ResultDocumentError(f"{p}: no such result document") from None
    except IsADirectoryError:
        raise ResultDocumentError(f"{p}: is a directory, not a result document") from None
    except OSError as exc:
        raise ResultDocumentError(f"{p}: cannot read: {exc.strerror or exc}") from None
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        line = getattr(exc, "lineno", None)
        col = getattr(exc, "colno", None)
        at = f":{line}:{col}" if line is not None else ""
        reason = exc.msg if isinstance(exc, json.JSONDecodeError) else "not UTF-8 text"
        raise ResultDocumentError(f"{p}{at}: not a JSON result document: {reason}") from None
    except (ValueError, RecursionError) as exc:  # a 5,000-digit integer, nesting too deep
        reason = "nested too deeply" if isinstance(exc, RecursionError) else str(exc)[:100]
        raise ResultDocumentError(f"{p}: not a JSON result document: {reason}") from None
    return parse_result(data, where=str(p))


#: the result's long lists, written one item at a time
_STREAMED = ("organizations", "findings")


def write_result_json(result: RunResult, out: BinaryIO) -> None:
    """Write ``result`` as ``pbrules evaluate --format json`` does, incrementally.

    The bytes are those of ``result.model_dump_json(indent=2)`` plus a newline, but the
    organizations and findings are serialized one at a time (each one's indented JSON shifted by
    the list's depth), so the whole document is never held as one string.
    """
    shell = result.model_copy(update={name: [] for name in _STREAMED})
    text = shell.model_dump_json(indent=2)
    pos = 0
    for name in _STREAMED:
        marker = f'\n  "{name}": []'
        at = text.index(marker, pos) + len(marker) - 2
        out.write(text[pos:at].encode("utf-8"))
        _write_items(getattr(result, name), out)
        pos = at + 2
    out.write(text[pos:].encode("utf-8"))
    out.write(b"\n")


def _write_items(items: Sequence[BaseModel], out: BinaryIO) -> None:
    if not items:
        out.write(b"[]")
        return
    separator = b"[\n    "
    for item in items:
        body = item.__pydantic_serializer__.to_json(item, indent=2)
        out.write(separator)
        out.write(body.replace(b"\n", b"\n    "))
        separator = b",\n    "
    out.write(b"\n  ]")
