"""Exporters for CI systems: ``sarif``, ``junit``, ``github``, ``gitlab`` (see
:mod:`pbrules.ci_output`). The ``dataset`` option names the evaluated dataset, the artifact the
findings are reported on (``pbrules evaluate`` passes it)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from pbrules.ci_output import github_annotations, gitlab_code_quality, junit_xml, sarif_log
from pbrules.hookspecs import hookimpl
from pbrules.io import Exporter
from pbrules.model.result import RunResult

__all__ = ["CI_EXPORTERS", "CiExporter"]


def _dataset(options: dict[str, Any]) -> str | Path | None:
    value = options.get("dataset")
    return value if isinstance(value, str | Path) else None


class CiExporter:
    """One CI format, written by ``render(result, options)``."""

    def __init__(
        self,
        name: str,
        suffix: str,
        description: str,
        render: Callable[[RunResult, dict[str, Any]], str],
    ) -> None:
        self.name = name
        self.suffix = suffix
        self.description = description
        self._render = render

    def export(self, result: RunResult, out: BinaryIO, **options: Any) -> None:
        out.write(self._render(result, options).encode("utf-8"))


CI_EXPORTERS: tuple[CiExporter, ...] = (
    CiExporter(
        "sarif", ".sarif", "SARIF 2.1.0 log of the findings (code scanning viewers)",
        lambda r, o: sarif_log(r, dataset=_dataset(o)),
    ),
    CiExporter(
        "junit", ".xml", "JUnit XML: a test case per organization, failing with its findings",
        lambda r, o: junit_xml(r),
    ),
    CiExporter(
        "github", ".txt", "GitHub Actions annotations (::error file=...::message)",
        lambda r, o: github_annotations(r, dataset=_dataset(o)),
    ),
    CiExporter(
        "gitlab", ".json", "GitLab Code Quality report (merge request widget)",
        lambda r, o: gitlab_code_quality(r, dataset=_dataset(o)),
    ),
)  # fmt: skip


@hookimpl
def register_exporters(register: Callable[[Exporter], None]) -> None:
    for exporter in CI_EXPORTERS:
        register(exporter)
