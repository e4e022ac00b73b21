"""A hypothesis strategy of an organization's ranking fields, shared by the streamed writers'
tests (tests/test_plain_json.py, tests/test_jsonl_lines.py)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from pbrules.engine.ranking import RankInfo


def rank_infos(floats: st.SearchStrategy[Any]) -> st.SearchStrategy[RankInfo]:
    """Ranking fields, each possibly unset; ``floats`` gives the previous total and its change."""
    return st.builds(
        RankInfo,
        st.none() | st.integers(1, 10**6),
        st.none() | st.integers(1, 10**6),
        st.none() | st.integers(1, 10**6),
        st.none() | st.integers(-(10**6), 10**6),
        st.none() | st.sampled_from(["rapid_progress", "major_setback", "steady"]),
        st.none() | floats,
        st.none() | floats,
    )
