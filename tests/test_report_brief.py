"""The briefing of a big result from a bounded intake (report.brief): the same figures and
lists as the built report, its long lists cut with a line saying so, and a bounded footprint."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from pbrules.cli import cli
from pbrules.report import build_report, render_html, render_markdown
from pbrules.report.brief import BriefLimits, Head, build_brief, write_brief
from pbrules.result_io import load_result
from pbrules.testing.synth.cli import main as synth

ROOT = Path(__file__).resolve().parents[1]
RULES = ROOT / "rules" / "district-quarterly.yaml"
ORGS = 2000
#: large enough that nothing is cut: the briefing must then equal the built report
WHOLE = BriefLimits(rows=10**9, per_criterion=10**9, items=10**9)


def _evaluate(tmp: Path, period: str, *extra: str) -> Path:
    data, out = tmp / f"{period}.jsonl", tmp / f"result-{period}.json"
    assert synth(["--orgs", str(ORGS), "--period", period, "--out", str(data)]) == 0
    args = ["evaluate", str(data), "--rules", str(RULES), "-j", "1", "-o", str(out), *extra]
    done = CliRunner().invoke(cli, args)
    assert done.exit_code in (0, 1), done.output
    return out


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A generated district of a few thousand organizations, 2026Q3 evaluated with --previous."""
    tmp = tmp_path_factory.mktemp("brief")
    before = _evaluate(tmp, "2026Q2")
    return _evaluate(tmp, "2026Q3", "--previous", str(before)), before


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_brief_has_the_figures_and_lists_of_the_built_report(
    results: tuple[Path, Path], lang: str
) -> None:
    path, _before = results
    built = build_report(load_result(path), lang=lang)
    brief = build_brief(path, lang=lang, limits=WHOLE)
    assert built.evaluated == ORGS and built.appendix_groups  # over APPENDIX_LIMIT: grouped
    assert any(g.rapid_progress for g in built.groups) and built.rollups and built.problems
    for f in fields(built):
        assert getattr(brief, f.name) == getattr(built, f.name), f.name
    assert brief.overdue == built.overdue
    assert render_markdown(brief, lang=lang) == render_markdown(built, lang=lang)
    assert render_html(brief, lang=lang, charts=False) == render_html(
        built, lang=lang, charts=False
    )


def test_cut_lists_keep_the_heads_and_the_counts(results: tuple[Path, Path]) -> None:
    path, _before = results
    built = build_report(load_result(path))
    limits = BriefLimits(rows=7, per_criterion=3, items=11)
    brief = build_brief(path, limits=limits)
    assert (brief.findings, brief.overdue) == (built.findings, built.overdue)
    assert len(brief.rectification) == len(built.rectification) > 11
    assert list(brief.rectification) == built.rectification[:11]
    for cut, whole in zip(brief.groups, built.groups, strict=True):
        assert (cut.id, len(cut.rows), len(cut.top), len(cut.bottom)) == (
            whole.id, len(whole.rows), len(whole.top), len(whole.bottom))  # fmt: skip
        assert (list(cut.top), list(cut.bottom)) == (whole.top[:7], whole.bottom[:7])
        assert isinstance(cut.rows, Head)
        kept = cut.rows.shown
        assert kept == (whole.rows if len(whole.rows) <= 14 else whole.rows[:7] + whole.rows[-7:])
        assert cut.rapid_progress.shown == whole.rapid_progress[:7]
        assert len(cut.major_setbacks) == len(whole.major_setbacks)
    for cut_area, area in zip(brief.problems, built.problems, strict=True):
        for c, w in zip(cut_area.criteria, area.criteria, strict=True):
            assert (c.criterion, c.count, len(c.organizations)) == (
                w.criterion, w.count, len(w.organizations))  # fmt: skip
            assert list(c.findings) == w.findings[:3]
            assert list(c.organizations) == w.organizations[:3]
    html = render_html(brief, charts=False)
    total = f"{len(built.rectification):,}"
    assert f"11 of {total} rows are listed here" in html
    assert html.count('class="note cut"') >= len(brief.groups) + 1


def test_cut_docx_says_how_many_rows_it_lists(results: tuple[Path, Path]) -> None:
    path, _before = results
    buf = io.BytesIO()
    write_brief(path, "docx", buf, lang="zh", limits=BriefLimits(rows=5, per_criterion=2, items=9))
    xml = zipfile.ZipFile(buf).read("word/document.xml").decode()
    assert "此处列出" in xml and "中的 9 行" in xml


def test_report_command_briefs_a_big_result(
    results: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from pbrules.cli import report as command
    from pbrules.report import brief

    path, before = results
    called: list[str] = []
    real = brief.write_brief

    def spy(source: Path, fmt: str, out: Any, **options: Any) -> Any:
        called.append(fmt)
        assert options["previous"] == before
        return real(source, fmt, out, **options)

    monkeypatch.setattr(brief, "write_brief", spy)
    monkeypatch.setattr(brief, "BRIEF_BYTES", 1)
    for fmt in ("md", "html", "docx"):
        out = tmp_path / f"review.{fmt}"
        args = ["report", str(path), "-f", fmt, "--previous", str(before), "-o", str(out)]
        done = CliRunner().invoke(cli, args)
        assert done.exit_code == 0, done.output
        assert out.stat().st_size > 0
    assert called == ["md", "html", "docx"]
    assert not command._briefed(path, "md", None, (), threshold=path.stat().st_size)


# VmHWM, not ru_maxrss: the latter keeps the forking test process's peak across exec
_PEAK = """
import sys
from pbrules.report.brief import BriefLimits, write_brief
with open(sys.argv[2], "wb") as out:
    write_brief(sys.argv[1], "html", out, limits=BriefLimits(rows=20, per_criterion=5, items=50))
with open("/proc/self/status") as status:
    print(next(line.split()[1] for line in status if line.startswith("VmHWM:")))
"""


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads /proc/self/status")
def test_the_brief_footprint_is_bounded(results: tuple[Path, Path], tmp_path: Path) -> None:
    """Peak memory of the bounded briefing stays near the interpreter's own, well under the
    whole result loaded; the html lists what the limits allow (measured, not timed)."""
    path, _before = results
    out = tmp_path / "brief.html"
    done = subprocess.run(
        [sys.executable, "-c", _PEAK, str(path), str(out)], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    peak_kb = int(done.stdout.split()[-1])
    size_kb = path.stat().st_size // 1024
    # the whole result loaded takes several times its size; the brief, the interpreter with
    # matplotlib (~100 MB here) and a small share of it
    assert peak_kb < 150 * 1024 + size_kb, (peak_kb, size_kb)
    assert out.stat().st_size < 1_000_000
