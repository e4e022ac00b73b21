"""A message template is cut into its parts once (``templates._parsed``): rendering gives what
parsing the template on every call gave, for any values and format specs."""

from __future__ import annotations

import string
from collections.abc import Mapping
from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from pbrules.packs.limits import format_spec_problem
from pbrules.packs.templates import FIELDS, render_message


def _plain_render(template: str, values: Mapping[str, Any]) -> str:
    """``render_message`` as it was: the template parsed on every call."""
    parts: list[str] = []
    for literal, name, spec, _conv in string.Formatter().parse(template):
        parts.append(literal)
        if name is None:
            continue
        value = values.get(name)
        if value is None:
            parts.append("?")
            continue
        if spec and format_spec_problem(spec) is not None:
            spec = ""
        try:
            parts.append(format(value, spec or ""))
        except (ValueError, TypeError):
            parts.append(str(value))
    return "".join(parts)


_SPECS = st.sampled_from(["", ">6", ".0%", ".2f", "d", "x<3", ">999999", ".99999f", "zz"])
_FIELD = st.tuples(st.sampled_from(sorted(FIELDS)), _SPECS).map(
    lambda f: "{" + f[0] + (":" + f[1] if f[1] else "") + "}"
)
_TEMPLATES = st.lists(
    st.one_of(_FIELD, st.sampled_from(["", "a ", "：", " of ", "{{x}}", "党费"])), max_size=6
).map("".join)
_VALUES = st.one_of(
    st.none(),
    st.integers(-5, 5000),
    st.floats(allow_nan=True),
    st.text(max_size=4),
    st.just(date(2026, 9, 30)),
)


@settings(max_examples=200, deadline=None)
@given(_TEMPLATES, st.dictionaries(st.sampled_from(sorted(FIELDS)), _VALUES))
def test_parts_kept_render_as_parsing_each_time(template: str, values: dict[str, Any]) -> None:
    assert render_message(template, values) == _plain_render(template, values)
    assert render_message(template, values) == _plain_render(template, values)  # kept parts
