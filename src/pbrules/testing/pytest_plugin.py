"""pytest plugin (entry point ``pytest11``): rule-pack tests and fixtures for pbrules users.

- Every ``*.test.yaml`` file with a top-level ``cases:`` key that pytest meets while collecting
  becomes a test file with one item per case (``minimal.test.yaml::committee skipped August``);
  a failing case shows the expected and actual values per criterion. An invalid test file or
  pack is a collection error listing every ``PATH:LINE:COL`` problem. Disable the collection
  with ``-p no:pbrules`` or the ini option ``pbrules_collect_yaml = false``.
- ``pbrules_plugin``: register plugin objects with the process-wide plugin host for one test::

      def test_my_checker(pbrules_plugin):
          pbrules_plugin(MyPlugin())          # unregistered after the test
          pack = pbrules.load_pack("pack.yaml")

- ``pbrules_fresh_host``: a fresh process-wide host (environment variables such as
  ``PBRULES_LOAD_PLUGINS`` read again) for the test, and again after it.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from pbrules.errors import PackError

__all__ = [
    "PackTestFailure",
    "PackTestFile",
    "PackTestItem",
    "pbrules_fresh_host",
    "pbrules_plugin",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(
        "pbrules_collect_yaml",
        "collect *.test.yaml rule-pack tests (default: true)",
        type="bool",
        default=True,
    )


def pytest_collect_file(file_path: Path, parent: pytest.Collector) -> pytest.Collector | None:
    from pbrules.packtest import is_test_file

    if (
        is_test_file(file_path)
        and parent.config.getini("pbrules_collect_yaml")
        and _looks_like_pack_tests(file_path)
    ):
        return PackTestFile.from_parent(parent, path=file_path)
    return None


_CASES = re.compile(r"^cases[ \t]*:", re.MULTILINE)


def _looks_like_pack_tests(path: Path) -> bool:
    """A top-level ``cases:`` key: other tools' ``*.test.yaml`` files are left alone."""
    try:
        with path.open("r", encoding="utf-8", errors="replace") as fh:
            head = fh.read(1 << 20)
    except OSError:
        return False
    return _CASES.search(head) is not None


class PackTestFailure(Exception):
    """A rule-pack case whose results differ from its expectations."""


class _CollectError(Exception):
    pass


class PackTestFile(pytest.File):
    """A ``*.test.yaml`` file: one item per case."""

    def collect(self) -> Iterator[pytest.Item]:
        from pbrules.packtest import prepare_file

        try:
            prepared = prepare_file(self.path)
        except PackError as exc:
            raise _CollectError("\n".join(str(p) for p in exc.problems)) from None
        for case in prepared.cases:
            yield PackTestItem.from_parent(self, name=case.name, loaded=prepared.loaded, case=case)

    def repr_failure(  # type: ignore[override]
        self, excinfo: pytest.ExceptionInfo[BaseException]
    ) -> str:
        if isinstance(excinfo.value, _CollectError):
            return f"invalid rule-pack test file or pack:\n{excinfo.value}"
        return str(super().repr_failure(excinfo))


class PackTestItem(pytest.Item):
    """One case of a rule-pack test file."""

    def __init__(self, *, loaded: Any, case: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.loaded = loaded
        self.case = case

    def runtest(self) -> None:
        from pbrules.packtest import run_case

        result = run_case(self.loaded, self.case)
        if not result.ok:
            raise PackTestFailure(result.text())

    def repr_failure(  # type: ignore[override]
        self, excinfo: pytest.ExceptionInfo[BaseException]
    ) -> str:
        if isinstance(excinfo.value, PackTestFailure):
            return str(excinfo.value)
        return str(super().repr_failure(excinfo))

    def reportinfo(self) -> tuple[Path, int, str]:
        return self.path, self.case.pos.line - 1, f"{self.path.name}::{self.name}"


@pytest.fixture
def pbrules_fresh_host() -> Iterator[None]:
    """A fresh process-wide plugin host during the test, and a fresh one after it."""
    from pbrules.plugins import reset_host

    reset_host()
    try:
        yield
    finally:
        reset_host()


@pytest.fixture
def pbrules_plugin() -> Iterator[Callable[..., str]]:
    """``register(plugin, name=None) -> name``: a plugin registered for this test only."""
    from pbrules.plugins import get_host

    host = get_host()
    names: list[str] = []

    def register(plugin: object, name: str | None = None) -> str:
        registered = host.register(plugin, name)
        names.append(registered)
        return registered

    try:
        yield register
    finally:
        for name in reversed(names):
            if host.pm.has_plugin(name):
                host.unregister(name)
