"""Writing generated snapshots: JSON Lines, the quarantined bad file, the example directory."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any, TextIO

from pbrules.testing.synth.example import DEFAULT_SEED, V2_DEFAULT, example_snapshots, planted
from pbrules.testing.synth.plan import EXAMPLE_PERIODS

__all__ = ["dumps", "write_example", "write_jsonl"]


def dumps(snapshot: dict[str, Any]) -> str:
    """One snapshot as a compact JSON line (no newline)."""
    return json.dumps(snapshot, ensure_ascii=False, separators=(",", ":"))


def write_jsonl(snapshots: Iterable[dict[str, Any]], out: TextIO) -> int:
    """Write snapshots as JSON Lines; returns the number written."""
    n = 0
    for snapshot in snapshots:
        out.write(dumps(snapshot))
        out.write("\n")
        n += 1
    return n


class _BadFile:
    """The quarantined bad file under construction: lines, and what each broken one breaks."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.expect: list[dict[str, Any]] = []
        self.good = 0

    def emit(self, text: str, org_id: str | None, error: str | None) -> None:
        self.lines.append(text)
        self.good += error is None and bool(text)
        if error is not None:
            self.expect.append({"line": len(self.lines), "org_id": org_id, "error": error})


def _variant(base: dict[str, Any], new_id: str) -> dict[str, Any]:
    copy: dict[str, Any] = json.loads(dumps(base))
    copy["organization"]["id"] = new_id
    name = base["organization"]["name"]
    copy["organization"]["name"] = (
        name.replace("Party Branch", "Second Party Branch")
        if name.isascii()
        else name.replace("党支部", "第二党支部")
    )
    copy.pop("visits", None)
    return copy


def bad_lines(
    seed: int, *, v2: bool = V2_DEFAULT, lang: str = "en"
) -> tuple[list[str], list[dict[str, Any]], int]:
    """The quarantined bad file: good records mixed with broken ones, and what each breaks."""
    snaps = list(example_snapshots(seed, EXAMPLE_PERIODS[1], v2=v2, lang=lang))
    branches = [s for s in snaps if s["organization"]["kind"] == "branch" and s.get("members")]
    out = _BadFile()
    emit = out.emit
    emit(dumps(_variant(branches[0], "B901")), None, None)
    s = _variant(branches[1], "B902")
    s["members"][3]["joined_on"] = "2019-02-30"
    emit(dumps(s), "B902", "members.3.joined_on: invalid date")
    s = _variant(branches[2], "B903")
    s["memebers"] = s.pop("members")
    s["organization"]["secretary"] = s["committee"][0]["name"]
    emit(dumps(s), "B903", "memebers: unknown field; did you mean 'members'?")
    emit("", None, None)
    s = _variant(branches[3], "B904")
    s["organization"]["kind"] = "brnach"
    emit(dumps(s), "B904", "organization.kind: invalid value 'brnach'")
    emit(dumps(_variant(branches[4], "B905")), None, None)
    s = _variant(branches[5], "B906")
    s["dues"].append({"member_id": "M999", "month": "2026-09", "due": 0.2, "paid": 0.2})
    emit(dumps(s), "B906", "dues.")
    text = dumps(_variant(branches[6], "B907"))
    emit(text[: len(text) // 3], None, "invalid JSON")
    s = _variant(branches[7], "B908")
    s["meetings"][0]["held_on"] = "2026/07/05"
    s["dues"][0]["month"] = "2026-7"
    emit(dumps(s), "B908", "meetings.0.held_on: invalid date")
    emit(dumps(_variant(branches[8], "B901")), "B901", "duplicate organization 'B901'")
    emit('["not", "a", "snapshot"]', None, "expected an object")
    s = _variant(branches[9], "B909")
    s["members"][0]["status"] = "full member"
    emit(dumps(s), "B909", "members.0.status: invalid value")
    emit(dumps(_variant(branches[10], "B910")), None, None)
    return out.lines, out.expect, out.good


def _write_text(path: Path, text: str) -> None:
    path.write_text(text, encoding="utf-8", newline="\n")


def write_example(
    directory: Path, seed: int = DEFAULT_SEED, *, v2: bool = V2_DEFAULT, lang: str = "en"
) -> None:
    """Write the example district: both quarters, the bad file, planted.json, .pbrulesignore.

    Without ``v2`` the snapshots carry the v1 records only (and planted.json the v1 situations);
    ``lang="zh"`` writes the same district with Chinese names and texts.
    """
    directory.mkdir(parents=True, exist_ok=True)
    for period in EXAMPLE_PERIODS:
        with (directory / f"{period}.jsonl").open("w", encoding="utf-8", newline="\n") as f:
            write_jsonl(example_snapshots(seed, period, v2=v2, lang=lang), f)
    bad_dir = directory / "bad"
    bad_dir.mkdir(exist_ok=True)
    lines, expect, good = bad_lines(seed, v2=v2, lang=lang)
    _write_text(bad_dir / f"{EXAMPLE_PERIODS[1]}-bad.jsonl", "\n".join(lines) + "\n")
    info = planted(seed, v2=v2, lang=lang)
    info["bad_file"] = {
        "path": f"bad/{EXAMPLE_PERIODS[1]}-bad.jsonl",
        "good": good,
        "rejected": expect,
    }
    _write_text(directory / "planted.json", json.dumps(info, ensure_ascii=False, indent=2) + "\n")
    _write_text(
        directory / ".pbrulesignore",
        "# not snapshots: the description of the planted situations, and result documents\n"
        "planted.json\nresult-*.json\n",
    )
