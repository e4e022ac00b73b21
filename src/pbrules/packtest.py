"""Rule-pack tests: ``*.test.yaml`` files next to a pack, run by ``pbrules test`` and pytest.

A test file holds cases; each case is a snapshot (inline, or a file) or a small dataset, and
the status (and optionally misses, findings, points) expected per criterion id::

    pack: baseline.yaml            # optional; default: this file's name without .test
    cases:
      - name: committee skipped August
        period: 2026Q3             # optional; default: the snapshot's period
        as_of: 2026-09-30          # optional; overrides the snapshots' evaluation date
        snapshot: {...}            # or snapshot_file: x.json (.json, .yaml or .jsonl),
                                   # or dataset: [{...}, {...}] with org: naming the one checked
        expect:
          S02: fail
          S05: {status: fail, misses: 2, findings: 1, earned: 6.0}

Each case runs through the engine (:class:`pbrules.engine.evaluate.Engine`), exactly as
``pbrules evaluate`` would, and the organization's criteria results and findings are compared
with ``expect``. The report lists every mismatch (criterion, field, expected, actual) and the
criteria of each pack that no case mentions ("untested criteria"): the criteria its own file
lists, not those it only inherits through ``extends``.

Exit status of :attr:`TestReport.exit_code`: 0 all cases pass; 1 some case failed; 2 a test
file, snapshot or pack is invalid (nothing ran for that file).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from pbrules.errors import PackError, PbrulesError, Problem, did_you_mean
from pbrules.model.outcome import Status
from pbrules.model.snapshot import Snapshot
from pbrules.packs._yaml import Pos, YMap, YSeq, load_yaml, locate
from pbrules.packs.loader import load_pack, validation_problems
from pbrules.packs.schema import LoadedPack

if TYPE_CHECKING:
    from pbrules.model.result import RunResult
    from pbrules.plugins import Registry

__all__ = [
    "CaseResult",
    "Expect",
    "Mismatch",
    "PreparedCase",
    "PreparedFile",
    "TestReport",
    "discover",
    "format_report",
    "prepare_file",
    "run_case",
    "run_tests",
]

TEST_SUFFIXES = (".test.yaml", ".test.yml")


# ---------------------------------------------------------------------------------------------
# The test file format
# ---------------------------------------------------------------------------------------------
class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Expect(_Model):
    """What a criterion must give: a status and, optionally, counts and points."""

    status: Status
    misses: int | None = Field(default=None, ge=0)
    findings: int | None = Field(default=None, ge=0, description="findings of this criterion")
    earned: float | None = None
    max: float | None = None


class _Case(_Model):
    name: str = Field(min_length=1)
    period: str | None = None
    as_of: date | None = None
    snapshot: dict[str, Any] | None = None
    snapshot_file: str | None = None
    dataset: list[dict[str, Any]] | None = Field(default=None, min_length=1)
    org: str | None = None
    expect: dict[str, Status | Expect] = Field(min_length=1)

    @model_validator(mode="after")
    def _one_source(self) -> _Case:
        given = [k for k in ("snapshot", "snapshot_file", "dataset") if getattr(self, k)]
        if len(given) != 1:
            raise ValueError(
                "a case needs exactly one of snapshot, snapshot_file or dataset"
                + (f" (found {', '.join(given)})" if given else "")
            )
        return self


class _TestFile(_Model):
    pack: str | None = None
    cases: list[_Case] = Field(min_length=1)


@dataclass(slots=True)
class PreparedCase:
    """A validated case, ready to run."""

    file: str
    name: str
    period: str | None
    snapshots: list[Snapshot]
    org: str
    expect: dict[str, Expect]
    pos: Pos

    @property
    def id(self) -> str:
        return f"{self.file}::{self.name}"


@dataclass(slots=True)
class PreparedFile:
    path: Path
    pack_source: str
    loaded: LoadedPack
    cases: list[PreparedCase]


@dataclass(frozen=True, slots=True)
class Mismatch:
    criterion: str
    field: str
    expected: Any
    actual: Any
    note: str = ""

    def __str__(self) -> str:
        text = f"{self.criterion} {self.field}: expected {_show(self.expected)}, got "
        text += _show(self.actual)
        return text + (f"  ({self.note})" if self.note else "")


@dataclass(slots=True)
class CaseResult:
    case: PreparedCase
    mismatches: list[Mismatch] = field(default_factory=list)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return not self.mismatches and self.error is None

    def text(self) -> str:
        lines = [f"{'PASS' if self.ok else 'FAIL'} {self.case.id}"]
        if self.error:
            lines.append(f"  error: {self.error}")
        lines.extend(f"  {m}" for m in self.mismatches)
        return "\n".join(lines)


@dataclass(slots=True)
class TestReport:
    cases: list[CaseResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    #: pack source -> active criterion ids no case mentions
    untested: dict[str, list[str]] = field(default_factory=dict)

    @property
    def failed(self) -> list[CaseResult]:
        return [c for c in self.cases if not c.ok]

    @property
    def exit_code(self) -> int:
        if self.problems:
            return 2
        return 1 if self.failed else 0


def _show(v: Any) -> str:
    if v is None:
        return "nothing"
    if isinstance(v, Status):
        return v.value
    if isinstance(v, float):
        return f"{v:g}"
    return str(v)


# ---------------------------------------------------------------------------------------------
# Discovery and preparation
# ---------------------------------------------------------------------------------------------
def is_test_file(path: Path) -> bool:
    return path.name.endswith(TEST_SUFFIXES)


def discover(paths: Iterable[str | Path]) -> tuple[list[Path], list[Problem]]:
    """The ``*.test.yaml`` files named by ``paths`` (files, or directories searched)."""
    found: list[Path] = []
    problems: list[Problem] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            files = sorted(f for f in p.rglob("*") if f.is_file() and is_test_file(f))
            if not files:
                problems.append(Problem(str(p), 0, 0, "no *.test.yaml files found here"))
            found.extend(files)
        elif p.is_file():
            if not is_test_file(p):
                sibling = p.with_name(p.name.rsplit(".", 1)[0] + ".test.yaml")
                if sibling.is_file():
                    found.append(sibling)
                    continue
                problems.append(
                    Problem(str(p), 0, 0, "not a rule-pack test file (expected NAME.test.yaml)")
                )
                continue
            found.append(p)
        else:
            problems.append(Problem(str(p), 0, 0, "no such file or directory"))
    unique = list(dict.fromkeys(found))
    return unique, problems


def _default_pack(path: Path) -> str:
    name = path.name
    for suffix in TEST_SUFFIXES:
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return name + ".yaml"


def _read_snapshot_file(path: Path, display: str) -> list[Any]:
    if path.suffix.lower() == ".jsonl":
        out = []
        with path.open(encoding="utf-8") as fh:
            for n, line in enumerate(fh, 1):
                if line.strip():
                    try:
                        out.append(json.loads(line))
                    except json.JSONDecodeError as exc:
                        raise PackError([Problem(display, n, exc.colno, exc.msg)]) from None
        return out
    if path.suffix.lower() == ".json":
        try:
            return [json.loads(path.read_text(encoding="utf-8"))]
        except json.JSONDecodeError as exc:
            raise PackError([Problem(display, exc.lineno, exc.colno, exc.msg)]) from None
        except OSError as exc:
            raise PackError([Problem(display, 0, 0, f"cannot read: {exc.strerror}")]) from None
    doc = load_yaml(path, display=display)
    return list(doc) if isinstance(doc, list) else [doc]


def _snapshot_problems(exc: ValidationError, raw: Any, fallback: Pos, label: str) -> list[Problem]:
    if isinstance(raw, YMap):
        return validation_problems(exc, raw, Snapshot, label=label)
    problems = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        pos = locate(raw, loc) if isinstance(raw, YMap | YSeq) else None
        where = ".".join(str(p) for p in loc)
        msg = str(err["msg"]).removeprefix("Value error, ")
        problems.append((pos or fallback).problem(f"{label}: {where + ': ' if where else ''}{msg}"))
    return problems


def prepare_file(path: str | Path, *, registry: Registry | None = None) -> PreparedFile:
    """Read and validate a test file, its snapshots and its pack; raise :class:`PackError`."""
    path = Path(path)
    # Every problem of the file is reported: a case that does not validate is left out and the
    # other cases are still checked (their snapshots, their criteria ids) against the pack.
    doc, pack_ref, valid_cases, problems = _read_test_file(path)
    try:
        pack_source, loaded = _load_tested_pack(path, doc, pack_ref, registry)
    except PackError as exc:
        raise PackError([*problems, *exc.problems]) from None
    ids = {c.id for c in loaded.model.criteria}
    cases: list[PreparedCase] = []
    raw_cases = doc["cases"]
    problems.extend(_unknown_in_invalid_cases(raw_cases, {i for i, _ in valid_cases}, ids, loaded))
    for i, case in valid_cases:
        prepared = _prepare_case(
            path, case, raw_cases[i], raw_cases.item_pos[i], ids, loaded.id, problems
        )
        if prepared is not None:
            cases.append(prepared)
    if problems:
        raise PackError(sorted(problems, key=lambda p: (p.path, p.line, p.col)))
    return PreparedFile(path=path, pack_source=pack_source, loaded=loaded, cases=cases)


def _read_test_file(
    path: Path,
) -> tuple[YMap, str | None, list[tuple[int, _Case]], list[Problem]]:
    """The document, its ``pack:``, the cases that validate (by index) and the problems of the
    others; raises :class:`PackError` when no case can be checked at all."""
    shown = str(path)
    doc = load_yaml(path, display=shown)
    if not isinstance(doc, YMap):
        raise PackError([Pos(shown, 1, 1).problem("a test file is a mapping with cases:")])
    try:
        spec = _TestFile.model_validate(doc)
        return doc, spec.pack, list(enumerate(spec.cases)), []
    except ValidationError as exc:
        problems = validation_problems(exc, doc, _TestFile)
    pack_ref, valid_cases = _salvage_cases(doc)
    if not valid_cases:
        raise PackError(problems)
    return doc, pack_ref, valid_cases, problems


def _salvage_cases(doc: YMap) -> tuple[str | None, list[tuple[int, _Case]]]:
    """The pack reference and the cases that validate on their own, of a file that does not."""
    pack = doc.get("pack")
    raw_cases = doc.get("cases")
    valid: list[tuple[int, _Case]] = []
    if isinstance(raw_cases, YSeq):
        for i, raw in enumerate(raw_cases):
            try:
                valid.append((i, _Case.model_validate(raw)))
            except ValidationError:
                continue
    return (pack if isinstance(pack, str) else None), valid


def _unknown_criteria(expect_raw: Any, ids: set[str], pack_id: str, label: str) -> list[Problem]:
    """Located problems for the criterion ids of a case's ``expect:`` that the pack lacks."""
    if not isinstance(expect_raw, YMap):
        return []
    problems = []
    for cid in expect_raw:
        if isinstance(cid, str) and cid not in ids:
            hint = did_you_mean(cid, sorted(ids))
            problems.append(
                expect_raw.key_pos[cid].problem(
                    f"{label}: criterion '{cid}' is not in pack {pack_id}{hint}"
                )
            )
    return problems


def _unknown_in_invalid_cases(
    raw_cases: Any, valid: set[int], ids: set[str], loaded: LoadedPack
) -> list[Problem]:
    """Unknown criterion ids of the cases that did not validate (reported with the rest)."""
    if not isinstance(raw_cases, YSeq):
        return []
    problems: list[Problem] = []
    for i, raw in enumerate(raw_cases):
        if i not in valid and isinstance(raw, YMap):
            name = raw.get("name")
            label = f"case {name!r}" if isinstance(name, str) else f"cases[{i}]"
            problems.extend(_unknown_criteria(raw.get("expect"), ids, loaded.id, label))
    return problems


def _load_tested_pack(
    path: Path, doc: YMap, pack: str | None, registry: Registry | None
) -> tuple[str, LoadedPack]:
    """The pack the file tests (``pack:``, else the file's namesake), loaded."""
    pack_ref = pack or _default_pack(path)
    candidate = path.parent / pack_ref
    pack_source: str = (
        str(candidate) if candidate.is_file() or pack_ref.endswith((".yaml", ".yml")) else pack_ref
    )
    try:
        return pack_source, load_pack(pack_source, registry=registry)
    except PackError as exc:
        pos = doc.value_pos.get("pack", doc.pos)
        head = pos.problem(f"the pack {pack_source} is invalid")
        raise PackError([head, *exc.problems]) from None


def _prepare_case(
    path: Path,
    case: _Case,
    raw: Any,
    cpos: Pos,
    ids: set[str],
    pack_id: str,
    problems: list[Problem],
) -> PreparedCase | None:
    """One case, validated; ``None`` (with ``problems`` added) when it cannot be run."""
    label = f"case {case.name!r}"
    raws = _case_records(path, case, raw, label, problems)
    if raws is None:
        return None
    snaps = _case_snapshots(case, raws, label, problems)
    org = case.org
    if org is None:
        if len(raws) == 1 and snaps:
            org = snaps[0].organization.id
        elif len(raws) > 1:
            problems.append(cpos.problem(f"{label}: a dataset case needs org: (the one checked)"))
            return None
    if snaps and org is not None and org not in {s.organization.id for s in snaps}:
        problems.append(
            raw.value_pos.get("org", cpos).problem(f"{label}: org {org!r} is not in the case")
        )
    problems.extend(_unknown_criteria(raw["expect"], ids, pack_id, label))
    expect = {
        cid: (e if isinstance(e, Expect) else Expect(status=e)) for cid, e in case.expect.items()
    }
    return PreparedCase(
        file=str(path),
        name=case.name,
        period=case.period,
        snapshots=snaps,
        org=org or "",
        expect=expect,
        pos=cpos,
    )


def _case_records(
    path: Path, case: _Case, raw: Any, label: str, problems: list[Problem]
) -> list[tuple[Any, Pos]] | None:
    """The case's raw snapshot records with their positions (inline, a dataset or a file)."""
    if case.snapshot is not None:
        return [(raw["snapshot"], raw.value_pos["snapshot"])]
    if case.dataset is not None:
        seq = raw["dataset"]
        return list(zip(seq, seq.item_pos, strict=True))
    assert case.snapshot_file is not None
    fpos = raw.value_pos["snapshot_file"]
    spath = path.parent / case.snapshot_file
    if not spath.is_file():
        problems.append(fpos.problem(f"{label}: no such file {case.snapshot_file}"))
        return None
    try:
        loaded_raws = _read_snapshot_file(spath, str(spath))
    except PackError as exc:
        problems.extend(exc.problems)
        return None
    return [(r, Pos(str(spath), 1, 1)) for r in loaded_raws]


def _case_snapshots(
    case: _Case, raws: list[tuple[Any, Pos]], label: str, problems: list[Problem]
) -> list[Snapshot]:
    snaps: list[Snapshot] = []
    for item, ipos in raws:
        try:
            snap = Snapshot.model_validate(item)
        except ValidationError as exc:
            problems.extend(_snapshot_problems(exc, item, ipos, label))
            continue
        if case.as_of is not None:
            snap = snap.model_copy(update={"as_of": case.as_of})
        snaps.append(snap)
    return snaps


# ---------------------------------------------------------------------------------------------
# Running
# ---------------------------------------------------------------------------------------------
def run_case(
    loaded: LoadedPack, case: PreparedCase, *, registry: Registry | None = None
) -> CaseResult:
    """Run one case through the engine and compare with its expectations."""
    from pbrules.engine.evaluate import Engine

    try:
        result = Engine(loaded, registry=registry).run(case.snapshots, period=case.period)
    except PbrulesError as exc:
        return CaseResult(case, error=str(exc))
    return CaseResult(case, mismatches=compare(result, case))


def compare(result: RunResult, case: PreparedCase) -> list[Mismatch]:
    """The differences between a run's result for ``case.org`` and the case's expectations."""
    org = next((o for o in result.organizations if o.org_id == case.org), None)
    if org is None:
        why = "; ".join(e for r in result.rejected for e in r.errors) or "not in the result"
        return [Mismatch("*", "organization", case.org, f"not evaluated ({why})")]
    by_id = {c.id: c for c in org.criteria}
    out: list[Mismatch] = []
    for cid, exp in case.expect.items():
        got = by_id.get(cid)
        if got is None:
            out.append(Mismatch(cid, "status", exp.status, "absent (disabled?)"))
            continue
        note = got.note or ""
        if got.status != exp.status:
            out.append(Mismatch(cid, "status", exp.status, got.status, note))
        if exp.misses is not None and got.misses != exp.misses:
            out.append(Mismatch(cid, "misses", exp.misses, got.misses, note))
        if exp.earned is not None and round(got.earned, 2) != round(exp.earned, 2):
            out.append(Mismatch(cid, "earned", exp.earned, round(got.earned, 2)))
        if exp.max is not None and round(got.max, 2) != round(exp.max, 2):
            out.append(Mismatch(cid, "max", exp.max, round(got.max, 2)))
        if exp.findings is not None:
            n = sum(1 for f in result.findings if f.org_id == case.org and f.criterion == cid)
            if n != exp.findings:
                out.append(Mismatch(cid, "findings", exp.findings, n))
    return out


def own_criteria(loaded: LoadedPack) -> set[str] | None:
    """Ids of the criteria the pack's own file lists (new or changed): a pack that extends
    another is answerable for these, not for every inherited one. ``None`` when unknown."""
    if not loaded.sources:
        return None
    try:
        doc = load_yaml(Path(loaded.sources[-1]), display=loaded.sources[-1])
    except (PackError, OSError):
        return None
    criteria = doc.get("criteria") if isinstance(doc, YMap) else None
    if not isinstance(criteria, YSeq):
        return set()
    return {c["id"] for c in criteria if isinstance(c, YMap) and isinstance(c.get("id"), str)}


def run_tests(paths: Sequence[str | Path], *, registry: Registry | None = None) -> TestReport:
    """Discover, prepare and run every test file under ``paths``."""
    files, problems = discover(paths)
    report = TestReport(problems=list(problems))
    tested: dict[str, set[str]] = {}
    packs: dict[str, LoadedPack] = {}
    for path in files:
        try:
            prepared = prepare_file(path, registry=registry)
        except PackError as exc:
            report.problems.extend(exc.problems)
            continue
        key = prepared.pack_source
        packs.setdefault(key, prepared.loaded)
        seen = tested.setdefault(key, set())
        for case in prepared.cases:
            seen.update(case.expect)
            report.cases.append(run_case(prepared.loaded, case, registry=registry))
    for key, loaded in packs.items():
        own = own_criteria(loaded)
        missing = [
            c.id
            for c in loaded.model.active_criteria
            if c.id not in tested[key] and (own is None or c.id in own)
        ]
        if missing:
            report.untested[key] = missing
    return report


def format_report(report: TestReport, *, verbose: bool = False) -> str:
    """The text ``pbrules test`` prints: failures (and passes with ``verbose``), a summary."""
    lines: list[str] = [str(p) for p in report.problems]
    for case in report.cases:
        if verbose or not case.ok:
            lines.append(case.text())
    passed = len(report.cases) - len(report.failed)
    summary = f"{len(report.cases)} case(s): {passed} passed, {len(report.failed)} failed"
    if report.problems:
        summary += f", {len(report.problems)} problem(s) in test files or packs"
    lines.append(summary)
    for pack, ids in report.untested.items():
        lines.append(f"untested criteria in {pack}: {', '.join(ids)}")
    return "\n".join(lines)
