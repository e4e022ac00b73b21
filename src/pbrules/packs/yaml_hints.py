"""PyYAML's parser messages in plain words, for pack authors.

``expected <block end>, but found '<block mapping start>'`` says, to someone writing a pack, that
a line is indented differently from the lines around it. :func:`plain_yaml_message` turns the
common parser and scanner errors into such sentences (the location, ``PATH:LINE:COL``, is given
by the caller); it returns ``None`` for a message it does not know, which is then shown as is.
"""

from __future__ import annotations

import yaml

__all__ = ["plain_yaml_message"]


def _where(mark: yaml.Mark | None) -> str:
    if mark is None:
        return ""
    return f" (the block starts at line {mark.line + 1}, column {mark.column + 1})"


def plain_yaml_message(exc: yaml.MarkedYAMLError) -> str | None:
    """A plain-words explanation of a YAML syntax error, or ``None``."""
    problem = exc.problem or ""
    context = exc.context or ""
    start = _where(exc.context_mark)
    if problem.startswith("expected <block end>"):
        return (
            "bad indentation: this line is indented more or less than the entries before it; "
            f"entries of one list or mapping must start in the same column{start}"
        )
    if problem.startswith("did not find expected '-' indicator"):
        return f"bad indentation: this list item is not aligned with the items above it{start}"
    if problem.startswith("did not find expected key"):
        return (
            "bad indentation or a stray line: this line does not fit the mapping it is in; "
            f"check that it is indented like the keys above it{start}"
        )
    if problem.startswith("mapping values are not allowed here"):
        return (
            "unexpected ':' here: a key indented deeper than the keys before it (align it with "
            "them), or a text value that contains ': ' (quote it)"
        )
    if problem.startswith("could not find expected ':'"):
        return (
            "a line that is neither 'key: value' nor a list item '- ...': add the ':' after the "
            f"key, or indent a continued text under its key{start}"
        )
    if "while scanning a quoted scalar" in context:
        return f"a quoted text is not closed: add the closing quote{start}"
    if problem.startswith("expected ',' or ']'") or problem.startswith("expected ',' or '}'"):
        return f"an inline list or mapping ([...] or {{...}}) is not closed or lacks a comma{start}"
    return None
