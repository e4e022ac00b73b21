"""Every ```python block of docs/*.md and README.md runs, as written, from the repository root.

A block is skipped deliberately by an HTML comment on the line just above it:
``<!-- docs-test: skip (why) -->``. Blocks of one page run in order in one namespace (a later
block may use what an earlier one defined). Each page runs in a fresh temporary directory that
links the checkout's ``examples/``, ``rules/`` and ``tests/`` folders, so snippets read the
paths the docs use and whatever they write stays out of the working tree.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PAGES = sorted([*REPO.joinpath("docs").glob("*.md"), REPO / "README.md"])
SKIP = "<!-- docs-test: skip"
_BLOCK = re.compile(r"^```python\n(?P<code>.*?)^```", re.M | re.S)


def python_blocks(text: str) -> list[tuple[int, str, bool]]:
    """(line, code, skipped) of each ```python block."""
    blocks = []
    for m in _BLOCK.finditer(text):
        before = text[: m.start()].rstrip("\n").rsplit("\n", 1)[-1]
        line = text.count("\n", 0, m.start()) + 2
        blocks.append((line, m.group("code"), before.strip().startswith(SKIP)))
    return blocks


PAGES_WITH_CODE = [p for p in PAGES if python_blocks(p.read_text(encoding="utf-8"))]


def test_the_extractor_sees_blocks_and_skip_markers() -> None:
    text = "a\n```python\nx = 1\n```\n<!-- docs-test: skip (a server) -->\n```python\ny\n```\n"
    assert python_blocks(text) == [(3, "x = 1\n", False), (7, "y\n", True)]
    assert PAGES_WITH_CODE, "no python block found in the docs"


@pytest.mark.parametrize("page", PAGES_WITH_CODE, ids=lambda p: p.name)
def test_python_blocks_run(
    page: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    for folder in ("examples", "rules", "tests"):
        (tmp_path / folder).symlink_to(REPO / folder, target_is_directory=True)
    monkeypatch.chdir(tmp_path)
    namespace: dict[str, object] = {"__name__": f"docs_{page.stem.replace('-', '_')}"}
    ran = 0
    for line, code, skipped in python_blocks(page.read_text(encoding="utf-8")):
        if skipped:
            continue
        try:
            exec(compile(code, f"{page.relative_to(REPO)}:{line}", "exec"), namespace)
        except Exception as exc:
            pytest.fail(f"{page.relative_to(REPO)}:{line}: {type(exc).__name__}: {exc}")
        ran += 1
    capsys.readouterr()
    assert ran or all(s for _, _, s in python_blocks(page.read_text(encoding="utf-8")))


def _nav_pages(nav: object) -> list[str]:
    if isinstance(nav, str):
        return [nav]
    if isinstance(nav, list):
        return [page for entry in nav for page in _nav_pages(entry)]
    if isinstance(nav, dict):
        return [page for value in nav.values() for page in _nav_pages(value)]
    return []


def test_every_doc_is_in_the_site_nav_and_the_index_links_the_api() -> None:
    import yaml

    config = yaml.safe_load((REPO / "mkdocs.yml").read_text(encoding="utf-8"))
    pages = _nav_pages(config["nav"])
    docs = sorted(p.name for p in (REPO / "docs").glob("*.md"))
    assert sorted(pages) == docs
    assert "(api.md)" in (REPO / "docs/index.md").read_text(encoding="utf-8")
