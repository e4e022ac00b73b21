"""pbrules: evaluate grass-roots party organizations against YAML criteria packs.

The public API. Everything listed in ``__all__`` is importable from ``pbrules`` directly; heavy
parts are imported lazily on first use so ``import pbrules`` stays fast::

    import pbrules

    pack = pbrules.load_pack("rules/district-quarterly.yaml")
    engine = pbrules.Engine(pack)
    result = engine.run(pbrules.read_dataset("examples/district/2026Q3.jsonl"))
    print(result.model_dump_json(indent=2))
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from pbrules._version import VERSION as __version__
from pbrules.hookspecs import hookimpl as hookimpl

if TYPE_CHECKING:
    from pbrules import result_io
    from pbrules.checker import CheckContext, Checker, ChildRef, ChildScore, Params
    from pbrules.dataset import Dataset, read_dataset
    from pbrules.engine.evaluate import Engine, OrgEvaluation
    from pbrules.engine.stream import RunSummary
    from pbrules.errors import (
        CheckError,
        ConfigError,
        DataError,
        LedgerError,
        PackError,
        PbrulesError,
        PluginError,
        Problem,
        ResultDocumentError,
        UsageError,
    )
    from pbrules.evaluation import Evaluation, StreamedEvaluation, evaluate, evaluate_to
    from pbrules.io import Exporter, RawRecord, Reader
    from pbrules.ledger import Ledger
    from pbrules.model.index import SnapshotIndex
    from pbrules.model.outcome import Outcome, Severity, Status, Subject, SubjectItem
    from pbrules.model.period import Period, PeriodKind
    from pbrules.model.result import Finding, OrgResult, Rejected, RunResult
    from pbrules.model.snapshot import Snapshot
    from pbrules.packs.loader import load_pack, load_packs
    from pbrules.packs.schema import LoadedPack, Pack
    from pbrules.patterns import durable_available
    from pbrules.plugins import PluginHost, get_host
    from pbrules.result_io import load_result

_LAZY: dict[str, str] = {
    "CheckContext": "pbrules.checker",
    "Checker": "pbrules.checker",
    "Params": "pbrules.checker",
    "Dataset": "pbrules.dataset",
    "read_dataset": "pbrules.dataset",
    "Engine": "pbrules.engine.evaluate",
    "Evaluation": "pbrules.evaluation",
    "evaluate": "pbrules.evaluation",
    "evaluate_to": "pbrules.evaluation",
    "StreamedEvaluation": "pbrules.evaluation",
    "RunSummary": "pbrules.engine.stream",
    "ChildRef": "pbrules.checker",
    "ChildScore": "pbrules.checker",
    "SnapshotIndex": "pbrules.model.index",
    "load_result": "pbrules.result_io",
    "OrgEvaluation": "pbrules.engine.evaluate",
    "CheckError": "pbrules.errors",
    "ConfigError": "pbrules.errors",
    "DataError": "pbrules.errors",
    "LedgerError": "pbrules.errors",
    "PackError": "pbrules.errors",
    "PbrulesError": "pbrules.errors",
    "PluginError": "pbrules.errors",
    "Problem": "pbrules.errors",
    "ResultDocumentError": "pbrules.errors",
    "UsageError": "pbrules.errors",
    "Exporter": "pbrules.io",
    "RawRecord": "pbrules.io",
    "Reader": "pbrules.io",
    "Ledger": "pbrules.ledger",
    "Outcome": "pbrules.model.outcome",
    "Severity": "pbrules.model.outcome",
    "Status": "pbrules.model.outcome",
    "Subject": "pbrules.model.outcome",
    "SubjectItem": "pbrules.model.outcome",
    "Period": "pbrules.model.period",
    "PeriodKind": "pbrules.model.period",
    "Finding": "pbrules.model.result",
    "OrgResult": "pbrules.model.result",
    "Rejected": "pbrules.model.result",
    "RunResult": "pbrules.model.result",
    "Snapshot": "pbrules.model.snapshot",
    "load_pack": "pbrules.packs.loader",
    "load_packs": "pbrules.packs.loader",
    "LoadedPack": "pbrules.packs.schema",
    "Pack": "pbrules.packs.schema",
    "PluginHost": "pbrules.plugins",
    "durable_available": "pbrules.patterns",
    "get_host": "pbrules.plugins",
}

__all__ = [
    "CheckContext",
    "CheckError",
    "Checker",
    "ChildRef",
    "ChildScore",
    "ConfigError",
    "DataError",
    "Dataset",
    "Engine",
    "Evaluation",
    "Exporter",
    "Finding",
    "Ledger",
    "LedgerError",
    "LoadedPack",
    "OrgEvaluation",
    "OrgResult",
    "Outcome",
    "Pack",
    "PackError",
    "Params",
    "PbrulesError",
    "Period",
    "PeriodKind",
    "PluginError",
    "PluginHost",
    "Problem",
    "RawRecord",
    "Reader",
    "Rejected",
    "ResultDocumentError",
    "RunResult",
    "RunSummary",
    "Severity",
    "Snapshot",
    "SnapshotIndex",
    "Status",
    "StreamedEvaluation",
    "Subject",
    "SubjectItem",
    "UsageError",
    "__version__",
    "durable_available",
    "evaluate",
    "evaluate_to",
    "get_host",
    "hookimpl",
    "load_pack",
    "load_packs",
    "load_result",
    "read_dataset",
]

#: Submodules reachable as attributes (``pbrules.result_io.load_result(...)``) after
#: ``import pbrules`` alone.
_SUBMODULES = frozenset({"result_io"})


def __getattr__(name: str) -> Any:
    if name in _SUBMODULES:
        return importlib.import_module(f"pbrules.{name}")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'pbrules' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return __all__
