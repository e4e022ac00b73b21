"""The compact first-source table of the duplicate check (pbrules.engine.seen): the same
answers as a plain dict of (period, org id) -> source, for any sources and periods."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from pbrules.engine.seen import FirstSeen

FILES = st.sampled_from(["a.jsonl", "d/b.jsonl", "c:x"])
SOURCES = st.one_of(
    st.builds(lambda f, n: f"{f}:{n}", FILES, st.integers(0, 2**45)),
    st.sampled_from(["a.jsonl:007", "a.jsonl:", "noline", "a.jsonl:\u00b2", "records: record 3"]),
)
PERIODS = st.sampled_from(["2026Q1", "2026Q2", "2026Q3"])
KEYS = st.tuples(PERIODS, st.sampled_from(["B1", "B2", "T1"]))


@given(st.lists(st.tuples(KEYS, SOURCES)))
def test_first_seen_answers_as_a_dict(records: list[tuple[tuple[str, str], str]]) -> None:
    seen, plain = FirstSeen(), dict[tuple[str, str], str]()
    for (period, org_id), source in records:
        assert seen.first(period, org_id, source) == plain.setdefault((period, org_id), source)
    assert len(seen) == len(plain)


def test_many_periods_and_files_fall_back_to_exact_keys() -> None:
    seen = FirstSeen()
    for k in range(300):
        assert seen.first(f"P{k}", "B1", f"f{k}.jsonl:{k}") == f"f{k}.jsonl:{k}"
    for k in range(300):
        assert seen.first(f"P{k}", "B1", "later.jsonl:1") == f"f{k}.jsonl:{k}"
    many = FirstSeen()
    for k in range(70_000):
        many.first("2026Q3", f"B{k}", f"f{k}.jsonl:1")
    assert many.first("2026Q3", "B69999", "x:1") == "f69999.jsonl:1"
    assert many.first("2026Q3", "B0", "x:1") == "f0.jsonl:1"
