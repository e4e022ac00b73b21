"""The rectification ledger (问题台账): every finding tracked until it is closed.

``Ledger(path).sync(result)`` merges a period's findings by fingerprint (``sync_file(path)`` and
:func:`sync_result_file` read a result file streaming); ``close``, ``reopen``
and ``waive`` record what people do; queries return pydantic models. SQLite by default, behind
the small storage interface in :mod:`pbrules.ledger.store`. See docs/ledger.md.
"""

from __future__ import annotations

from pbrules.ledger.lifecycle import (
    TRANSITIONS,
    Ledger,
    apply,
    replay,
    result_digest,
    sync_result_file,
    with_ledger_rectifications,
)
from pbrules.ledger.models import (
    EventKind,
    ItemStatus,
    LedgerEvent,
    LedgerItem,
    SyncReport,
    Waiver,
)
from pbrules.ledger.store import LedgerSession, LedgerStore, SQLiteStore

__all__ = [
    "TRANSITIONS",
    "EventKind",
    "ItemStatus",
    "Ledger",
    "LedgerEvent",
    "LedgerItem",
    "LedgerSession",
    "LedgerStore",
    "SQLiteStore",
    "SyncReport",
    "Waiver",
    "apply",
    "replay",
    "result_digest",
    "sync_result_file",
    "with_ledger_rectifications",
]
