"""A result file as the ledger sync reads it, streaming (``pbrules ledger sync``).

:class:`StreamedResult` reads a result document (json or jsonl) with
:mod:`pbrules.result_stream`, one finding and one organization at a time, and keeps:

- the findings the merge needs, as rows of a temporary SQLite table (on disk, in the system's
  temporary directory), from which the failing ones are read back in order, one task per
  problem, the first of each fingerprint (:class:`~pbrules.ledger.sync.Failing` rows);
- the criterion statuses of the organizations that already have items in the ledger (the only
  ones the merge asks about);
- the result's digest, computed on the way exactly as :func:`~pbrules.ledger.sync.result_digest`
  computes it of the whole result (so syncing a file and syncing the same result held in memory
  are one and the same sync).

Nothing holds all findings or all organizations; memory grows with the ledger's items of the
pack (loaded by the merge) and about 100 bytes per organization id (duplicate detection).
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
import tempfile
from collections.abc import Collection, Iterable, Iterator, Mapping
from pathlib import Path
from types import TracebackType
from typing import Any

from pbrules.errors import ResultDocumentError
from pbrules.ledger.sync import Failing
from pbrules.model.outcome import Status
from pbrules.model.period import Period
from pbrules.model.result import Finding, OrgResult, RunResult, Summary
from pbrules.result_stream import ResultHeader, ResultStream, ResultTail

__all__ = ["StreamedResult"]

_COLUMNS = (
    "fingerprint",
    "pack",
    "status",
    "org_id",
    "criterion",
    "whole",
    "subject_type",
    "subject_id",
    "org_name",
    "title",
    "area",
    "severity",
    "message",
    "basis",
    "responsible",
    "due",
    "action",
)
_BATCH = 2000
_NO_SUMMARY = Summary(evaluated=0, rejected=0, findings=0, incomplete=0)  # replaced by counts

#: the failing findings of a pack in order, per-subject ones of a problem with an
#: organization-level finding left out, the first of each fingerprint; with whether the
#: organization-level one has per-subject findings (its message then names them)
_FAILING = f"""
WITH kept AS (
    SELECT seq, fingerprint FROM f
    WHERE status = 'fail' AND pack = ? AND (
        whole = 1 OR NOT EXISTS (
            SELECT 1 FROM f w WHERE w.org_id = f.org_id AND w.criterion = f.criterion
            AND w.whole = 1))
), firsts AS (SELECT MIN(seq) AS seq FROM kept GROUP BY fingerprint)
SELECT {", ".join(f"f.{c}" for c in _COLUMNS)},
    f.whole = 1 AND EXISTS (
        SELECT 1 FROM f s WHERE s.org_id = f.org_id AND s.criterion = f.criterion
        AND s.whole = 0) AS named
FROM f JOIN firsts ON f.seq = firsts.seq ORDER BY f.seq
"""


def _canonical(value: Any) -> bytes:
    """A value as :func:`~pbrules.ledger.sync.result_digest` writes it."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8")


def _row(finding: Finding) -> tuple[Any, ...]:
    subject, r = finding.subject, finding.rectification
    return (
        finding.fingerprint,
        finding.pack,
        finding.status.value,
        finding.org_id,
        finding.criterion,
        1 if subject is None else 0,
        None if subject is None else subject.type,
        None if subject is None else subject.id,
        finding.org_name,
        finding.title,
        finding.area,
        finding.severity.value,
        finding.message,
        finding.basis,
        r.responsible,
        None if r.due is None else r.due.isoformat(),
        r.action,
    )


def _shell(header: ResultHeader, tail: ResultTail | None) -> dict[str, Any]:
    """The result without organizations and findings, as the digest reads it."""
    parts: dict[str, Any] = {"pack": header.pack, "period": header.period, "as_of": header.as_of}
    if tail is None:
        parts["summary"] = _NO_SUMMARY
    else:
        parts.update(rankings=tail.rankings, rejected=tail.rejected, warnings=tail.warnings,
                     summary=tail.summary or _NO_SUMMARY)  # fmt: skip
    shell: dict[str, Any] = RunResult.model_validate(parts).model_dump(mode="json")
    return shell


class StreamedResult:
    """A result file read once for the merge (a :class:`~pbrules.ledger.sync.MergeSource`).

    Use as a context manager (the temporary table is removed on exit); :meth:`read` does the
    reading and returns the digest.
    """

    def __init__(self, stream: ResultStream) -> None:
        self.stream = stream
        self.pack = stream.header.pack.id
        self.period: Period = stream.header.period
        self._tmp = tempfile.TemporaryDirectory(prefix="pbrules-sync-")
        self._db = sqlite3.connect(Path(self._tmp.name) / "findings.db")
        self._db.execute("PRAGMA journal_mode = OFF")
        self._db.execute("PRAGMA synchronous = OFF")
        self._db.execute("PRAGMA cache_size = -65536")  # 64 MiB: the grouping of a big result
        columns = ", ".join(_COLUMNS)
        self._db.execute(f"CREATE TABLE f (seq INTEGER PRIMARY KEY, {columns})")
        self._criteria: dict[str, dict[str, Status]] = {}

    def __enter__(self) -> StreamedResult:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()
        self._tmp.cleanup()

    # -- reading ----------------------------------------------------------------------------------
    def read(self, org_ids: Collection[str]) -> str:
        """Read the file: the findings into the table, the statuses of ``org_ids``; the digest.

        Two readings: the findings and the tail with the organizations passed over undecoded,
        then the organizations alone. Should the two find the organizations ending at different
        places (a layout that misled the skipping), or the first fail, it is read again with
        every item decoded."""
        try:
            digest = self._read(org_ids, fast=True)
        except ResultDocumentError:
            digest = None
        if digest is None:
            self._db.execute("DELETE FROM f")
            self._criteria.clear()
            digest = self._read(org_ids, fast=False)
        if digest is None:  # pragma: no cover - both readings decode every organization
            raise ResultDocumentError(f"{self.stream.path}: the organizations read differently")
        self._db.execute("CREATE INDEX f_problem ON f (org_id, criterion, whole)")
        return digest

    def _read(self, org_ids: Collection[str], *, fast: bool) -> str | None:
        header = self.stream.header
        counts = {"findings": 0, "waived": 0, "evaluated": 0, "incomplete": 0}
        head = _shell(header, None)
        digest = hashlib.sha256(b"{")
        keys = sorted(head)
        first = keys.index("findings")
        for i, key in enumerate(keys[:first]):
            digest.update((b"," if i else b"") + _canonical(key) + b":" + _canonical(head[key]))
        tails: list[ResultTail] = []
        skipped: dict[str, tuple[int, int]] = {}
        read: dict[str, tuple[int, int]] = {}
        findings = self.stream.findings_and_tail(tails, skip_organizations=fast, ends=skipped)
        digest.update((b"," if first else b"") + _canonical("findings") + b":")
        self._hash_items(digest, self._findings(counts, findings))
        digest.update(b"," + _canonical("organizations") + b":")
        organizations = self.stream.organizations(ends=read)
        self._hash_items(digest, self._organizations(counts, org_ids, organizations))
        if skipped.get("organizations") != read.get("organizations"):
            return None
        tail = tails[0]
        shell = _shell(header, tail)
        for key in keys[first + 2 :]:
            digest.update(b"," + _canonical(key) + b":")
            if key == "summary" and tail.summary is None:  # a jsonl result without its summary
                summary = Summary(rejected=len(tail.rejected), **counts)
                digest.update(_canonical(summary.model_dump(mode="json")))
            else:
                digest.update(_canonical(shell[key]))
        digest.update(b"}")
        return digest.hexdigest()

    @staticmethod
    def _hash_items(digest: Any, items: Iterable[dict[str, Any]]) -> None:
        digest.update(b"[")
        for i, item in enumerate(items):
            digest.update(b"," if i else b"")
            digest.update(_canonical(item))
        digest.update(b"]")

    def _findings(
        self, counts: dict[str, int], findings: Iterable[Finding]
    ) -> Iterator[dict[str, Any]]:
        insert = f"INSERT INTO f ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})"
        batch: list[tuple[Any, ...]] = []
        for finding in findings:
            counts["findings"] += 1
            counts["waived"] += finding.waiver is not None
            batch.append(_row(finding))
            if len(batch) >= _BATCH:
                self._db.executemany(insert, batch)
                batch.clear()
            yield finding.model_dump(mode="json")
        self._db.executemany(insert, batch)

    def _organizations(
        self, counts: dict[str, int], org_ids: Collection[str], organizations: Iterable[OrgResult]
    ) -> Iterator[dict[str, Any]]:
        for org in organizations:
            counts["evaluated"] += 1
            counts["incomplete"] += not org.complete
            if org.org_id in org_ids:
                self._criteria[org.org_id] = {c.id: c.status for c in org.criteria}
            yield org.model_dump(mode="json")

    # -- as a MergeSource -------------------------------------------------------------------------
    def failing(self) -> Iterator[Failing]:
        named = len(_COLUMNS)
        for row in self._db.execute(_FAILING, (self.pack,)):
            data = dict(zip(_COLUMNS, row, strict=False))
            if row[named]:
                data["message"] = f"{data['message']} ({self._subjects(row)})"
            for key in ("pack", "status", "whole"):
                del data[key]
            yield Failing(**data)

    def _subjects(self, row: tuple[Any, ...]) -> str:
        org_id, criterion = row[_COLUMNS.index("org_id")], row[_COLUMNS.index("criterion")]
        ids = self._db.execute(
            "SELECT subject_id FROM f WHERE org_id = ? AND criterion = ? AND whole = 0",
            (org_id, criterion),
        )
        return ", ".join(sorted(i for (i,) in ids))

    def criteria_of(self, org_id: str) -> Mapping[str, Status] | None:
        return self._criteria.get(org_id)
