"""Reading pydantic models' fields, in one place: for the generated references (snapshot fields,
checker params), ``pbrules checkers``, the dataset and spreadsheet readers, and pack errors."""

from __future__ import annotations

import typing
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

__all__ = ["FieldSpec", "field_specs", "leaves", "models_in", "unwrap"]


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One field of a pydantic model, as documentation and readers need it."""

    name: str
    key: str  # the alias when there is one: what a document writes
    annotation: Any
    metadata: tuple[Any, ...]
    required: bool
    #: the default value (a ``default_factory`` called); ``None`` for a required field
    default: Any
    has_factory: bool
    description: str


def field_specs(model: type[BaseModel]) -> list[FieldSpec]:
    """The fields of ``model`` in declaration order."""
    specs = []
    for name, info in model.model_fields.items():
        default: Any = None
        if info.default_factory is not None:
            default = info.default_factory()  # type: ignore[call-arg]
        elif info.default is not PydanticUndefined:
            default = info.default
        specs.append(
            FieldSpec(
                name=name,
                key=info.alias or name,
                annotation=info.annotation,
                metadata=tuple(info.metadata),
                required=info.is_required(),
                default=default,
                has_factory=info.default_factory is not None,
                description=info.description or "",
            )
        )
    return specs


def unwrap(annotation: Any) -> tuple[Any, tuple[Any, ...]]:
    """``Annotated[X, m...]`` as ``(X, (m, ...))``; any other annotation as ``(it, ())``."""
    if typing.get_origin(annotation) is typing.Annotated:
        inner, *metadata = typing.get_args(annotation)
        return inner, tuple(metadata)
    return annotation, ()


def leaves(annotation: Any) -> Iterator[Any]:
    """The types (and ``Literal`` values) inside an annotation, depth first, left to right:
    ``list[A | None]`` gives ``A`` and ``NoneType``. ``Annotated`` metadata is skipped."""
    annotation, _ = unwrap(annotation)
    args = typing.get_args(annotation)
    if not args:
        yield annotation
        return
    for arg in args:
        yield from leaves(arg)


def models_in(annotation: Any) -> list[type[BaseModel]]:
    """The pydantic models an annotation holds (``X | None``, ``tuple[X, ...]``...)."""
    return [t for t in leaves(annotation) if isinstance(t, type) and issubclass(t, BaseModel)]
