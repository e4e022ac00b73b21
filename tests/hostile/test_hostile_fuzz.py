"""Fuzzing the dataset readers and the pack loader with hostile bytes.

JSON Lines: whatever the bytes, reading never raises, and every non-blank line is either a
snapshot or a rejection that names that very line (nothing is lost, nothing is invented).
Packs: mutations of a valid pack only ever raise PackError (tests/test_yaml_fuzz.py covers
random documents; this adds byte-level mutations of a real pack and hostile expressions).
Example counts are bounded for CI (``PBRULES_FUZZ_EXAMPLES`` raises them).
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from hostile_support import PACK, record
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pbrules.dataset import read_dataset
from pbrules.errors import PackError
from pbrules.model.result import Rejected
from pbrules.model.snapshot import Snapshot
from pbrules.packs.loader import load_pack

FUZZ = settings(
    # bounded for CI; PBRULES_FUZZ_EXAMPLES=5000 for a deeper local run
    max_examples=int(os.environ.get("PBRULES_FUZZ_EXAMPLES", "120")),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

VALID = [json.dumps(record(f"B{i}", as_of="2026-09-30")).encode() for i in range(3)]
HOSTILE_TOKENS = [
    b"1" * 5000,
    b"1e999",
    b"-1e999",
    b"NaN",
    b"Infinity",
    b'"period": "2026Q2", "period"',
    b"[" * 3000,
    b"\xff\xfe",
    b"\x00",
    b"\r",
    b'"\\ud800"',
    b"null",
    b"9999Q4",
    b'"as_of": "2030-01-01"',
]


def _check_lines(path: Path, data: bytes) -> None:
    items = list(read_dataset(path))
    expected_lines = {
        i + 1
        for i, raw in enumerate(data.split(b"\n"))
        if (raw[3:] if i == 0 and raw.startswith(b"\xef\xbb\xbf") else raw).strip()
    }
    seen: list[int] = []
    for item in items:
        if isinstance(item, Rejected):
            assert item.errors and all(isinstance(e, str) and e for e in item.errors)
            seen.append(int(item.source.rsplit(":", 1)[1]))
        else:
            assert isinstance(item, Snapshot)
            seen.append(-1)
    # one item per non-blank line, rejections at their own line
    assert len(items) == len(expected_lines)
    assert {n for n in seen if n > 0} <= expected_lines


@FUZZ
@given(data=st.binary(max_size=600))
def test_jsonl_random_bytes(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes(data)
    _check_lines(path, data)


@FUZZ
@given(
    picks=st.lists(st.integers(0, len(VALID) - 1), min_size=1, max_size=5),
    cuts=st.lists(
        st.tuples(st.integers(0, 400), st.integers(0, 20), st.sampled_from(HOSTILE_TOKENS)),
        max_size=4,
    ),
)
def test_jsonl_mutated_valid_records(
    tmp_path: Path, picks: list[int], cuts: list[tuple[int, int, bytes]]
) -> None:
    lines = [bytearray(VALID[i]) for i in picks]
    for n, (at, drop, token) in enumerate(cuts):
        target = lines[n % len(lines)]
        at = min(at, len(target))
        target[at : at + drop] = token
    data = b"\n".join(bytes(x) for x in lines) + b"\n"
    path = tmp_path / "mutated.jsonl"
    path.write_bytes(data)
    _check_lines(path, data)


@FUZZ
@given(
    cuts=st.lists(
        st.tuples(
            st.integers(0, len(PACK)),
            st.integers(0, 10),
            st.sampled_from(
                [
                    "{compliance:>999999999}",
                    '"(a+)+$"',
                    " and " * 60,
                    "not " * 60,
                    "$now",
                    "1e308",
                    "&a",
                    "*a",
                    "!!binary",
                    "extends: [/etc/passwd]\n",
                    "\x00",
                    "{",
                    "]",
                    "\n  - ",
                    ": ",
                ]
            ),
        ),
        min_size=1,
        max_size=4,
    )
)
def test_pack_mutations_raise_only_pack_errors(
    tmp_path: Path, cuts: list[tuple[int, int, str]]
) -> None:
    text = PACK
    for at, drop, token in cuts:
        text = text[:at] + token + text[at + drop :]
    path = tmp_path / "mutated.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        load_pack(path)
    except PackError as exc:
        assert exc.problems
        for problem in exc.problems:
            assert "root:" not in problem.message
