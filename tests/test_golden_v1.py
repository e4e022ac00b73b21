"""v1 compatibility: the frozen v1 example district and packs give the frozen result, byte for byte.

See tests/golden/v1/README.md. The files are part of the repository; a missing file is a failure,
not a skip.
"""

from __future__ import annotations

import gzip
import shutil
from pathlib import Path

from click.testing import CliRunner

from pbrules.cli import cli

GOLDEN = Path(__file__).resolve().parent / "golden" / "v1"


def _unpack(name: str, dest: Path) -> Path:
    target = dest / name.removesuffix(".gz")
    with gzip.open(GOLDEN / name, "rb") as src, target.open("wb") as out:
        shutil.copyfileobj(src, out)
    return target


def test_v1_example_district_result_is_byte_identical(tmp_path: Path) -> None:
    data = _unpack("2026Q3.jsonl.gz", tmp_path)
    previous = _unpack("result-2026Q2.json.gz", tmp_path)
    expected = gzip.decompress((GOLDEN / "expected-2026Q3.json.gz").read_bytes())
    out = tmp_path / "result.json"
    res = CliRunner().invoke(
        cli,
        [
            "evaluate", str(data),
            "--rules", str(GOLDEN / "district-quarterly.yaml"),
            "--previous", str(previous),
            "--format", "json", "--output", str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert out.read_bytes() == expected, (
        "the v1 example district no longer gives the frozen v1 result (tests/golden/v1/README.md)"
    )
