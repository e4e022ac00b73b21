"""Output for CI systems: SARIF 2.1.0, JUnit XML, GitHub workflow annotations, GitLab Code Quality.

Two kinds of input share these formats:

- a :class:`~pbrules.RunResult` (``pbrules evaluate -f sarif|junit|github|gitlab``): one result
  per finding (the criterion is the rule, the organization the logical location, the dataset the
  artifact) and one per rejected record (at its ``path:line``);
- a list of :class:`~pbrules.Problem` (``pbrules validate -f ...``): one result per located
  problem of a pack or rule-pack test file.

Every function returns text (``str``); the exporters in :mod:`pbrules.builtin.ci_exporters` write
it. Severities map as: critical and major -> ``error``, minor -> ``warning``; a waived finding
stays in SARIF with an accepted external suppression, and is a ``notice`` in GitHub annotations.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote
from xml.etree import ElementTree as ET

from pbrules._version import VERSION
from pbrules.errors import Problem
from pbrules.model.outcome import Severity
from pbrules.model.result import Finding, Rejected, RunResult

__all__ = [
    "SARIF_SCHEMA",
    "github_annotations",
    "gitlab_code_quality",
    "junit_xml",
    "problems_output",
    "sarif_log",
]

#: the formats of ``pbrules validate --format`` besides ``text``
PROBLEM_FORMATS = ("sarif", "junit", "github", "gitlab")

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/pbrules/pbrules"
REJECTED_RULE = "pbrules.rejected"
PROBLEM_RULE = "pbrules.pack"

_LEVEL = {Severity.CRITICAL: "error", Severity.MAJOR: "error", Severity.MINOR: "warning"}
_GITLAB = {Severity.CRITICAL: "critical", Severity.MAJOR: "major", Severity.MINOR: "minor"}
_SOURCE_LINE = re.compile(r"^(?P<path>.+?):(?P<line>[1-9][0-9]*)(?:[: ].*)?$")


# ---------------------------------------------------------------------------------------------
# Shared pieces
# ---------------------------------------------------------------------------------------------
def repo_path(path: str | Path) -> str:
    """``path`` as CI systems want it: relative to the working directory (the repository root
    in CI) when it lies below it, ``/``-separated; other paths as given."""
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.relative_to(Path.cwd())
        except ValueError:
            return str(path)
    return PurePosixPath(*p.parts).as_posix() if p.parts else str(path)


def artifact_uri(path: str | Path) -> str:
    """A URI reference for a file: relative to the working directory when below it (escaped,
    ``/``-separated), else an absolute ``file:`` URI."""
    shown = repo_path(path)
    if Path(shown).is_absolute():
        return Path(shown).as_uri()
    return quote(shown, safe="/")


def _source_location(source: str) -> tuple[str, int]:
    """``path:line`` (as in :attr:`Rejected.source`) -> (path, line); line 0 when unknown."""
    m = _SOURCE_LINE.match(source)
    if m:
        return m.group("path"), int(m.group("line"))
    return source, 0


def _finding_text(f: Finding) -> str:
    subject = f" ({f.subject.type} {f.subject.id})" if f.subject is not None else ""
    return f"{f.org_id} {f.org_name}: {f.criterion}{subject}: {f.message}"


# ---------------------------------------------------------------------------------------------
# SARIF 2.1.0
# ---------------------------------------------------------------------------------------------
def _sarif_region(line: int, col: int = 0) -> dict[str, Any]:
    region: dict[str, Any] = {"startLine": line}
    if col > 0:
        region["startColumn"] = col
    return region


def _sarif_location(path: str | None, line: int = 0, col: int = 0) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(path or "dataset")}}
    if line > 0:
        physical["region"] = _sarif_region(line, col)
    return {"physicalLocation": physical}


def _sarif_rules(findings: Iterable[Finding]) -> list[dict[str, Any]]:
    rules: dict[str, dict[str, Any]] = {}
    for f in findings:
        if f.criterion in rules:
            continue
        rule: dict[str, Any] = {
            "id": f.criterion,
            "name": f.criterion,
            "shortDescription": {"text": f.title or f.criterion},
            "defaultConfiguration": {"level": _LEVEL[f.severity]},
            "properties": {"pack": f.pack, "area": f.area, "severity": f.severity.value},
        }
        if f.basis:
            rule["help"] = {"text": f.basis}
        rules[f.criterion] = rule
    return [rules[k] for k in sorted(rules)]


def _sarif_finding(f: Finding, index: int, dataset: str | None) -> dict[str, Any]:
    location = _sarif_location(dataset)
    qualified = f.org_id if f.subject is None else f"{f.org_id}/{f.subject.type}/{f.subject.id}"
    location["logicalLocations"] = [
        {"name": f.org_name or f.org_id, "fullyQualifiedName": qualified, "kind": "object"}
    ]
    out: dict[str, Any] = {
        "ruleId": f.criterion,
        "ruleIndex": index,
        "level": _LEVEL[f.severity],
        "message": {"text": _finding_text(f)},
        "locations": [location],
        "partialFingerprints": {"pbrules/v1": f.fingerprint},
        "properties": {
            "org_id": f.org_id,
            "period": str(f.period),
            "area": f.area,
            "severity": f.severity.value,
            "points_lost": f.points_lost,
            "responsible": f.rectification.responsible,
            "due": f.rectification.due.isoformat() if f.rectification.due else None,
            "action": f.rectification.action,
        },
    }
    if f.waiver is not None:
        out["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"{f.waiver.reason} ({f.waiver.owner}, "
                f"until {f.waiver.until.isoformat()})",
            }
        ]
    return out


def _sarif_rejected(r: Rejected, rule_index: int) -> dict[str, Any]:
    path, line = _source_location(r.source)
    return {
        "ruleId": REJECTED_RULE,
        "ruleIndex": rule_index,
        "level": "error",
        "message": {"text": f"record rejected: {'; '.join(r.errors)}"},
        "locations": [_sarif_location(path, line)],
        "properties": {"org_id": r.org_id},
    }


_REJECTED_RULE_DEF: dict[str, Any] = {
    "id": REJECTED_RULE,
    "name": "RejectedRecord",
    "shortDescription": {"text": "A dataset record that could not be evaluated"},
    "defaultConfiguration": {"level": "error"},
}

_PROBLEM_RULE_DEF: dict[str, Any] = {
    "id": PROBLEM_RULE,
    "name": "PackProblem",
    "shortDescription": {"text": "A problem in a criteria pack or rule-pack test file"},
    "defaultConfiguration": {"level": "error"},
}


def _sarif_run(rules: list[dict[str, Any]], results: list[dict[str, Any]], **extra: Any) -> str:
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "pbrules",
                "version": VERSION,
                "semanticVersion": VERSION,
                "informationUri": INFORMATION_URI,
                "rules": rules,
            }
        },
        "results": results,
        **extra,
    }
    log = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}
    return json.dumps(log, ensure_ascii=False, indent=2) + "\n"


def sarif_log(source: RunResult | Sequence[Problem], *, dataset: str | Path | None = None) -> str:
    """A SARIF 2.1.0 log of a result's findings and rejected records, or of pack problems."""
    if not isinstance(source, RunResult):
        results = [
            {
                "ruleId": PROBLEM_RULE,
                "ruleIndex": 0,
                "level": "warning" if p.severity == "warning" else "error",
                "message": {"text": p.message},
                "locations": [_sarif_location(p.path, p.line, p.col)],
            }
            for p in source
        ]
        done = {"executionSuccessful": True}
        return _sarif_run([_PROBLEM_RULE_DEF], results, invocations=[done])
    rules = _sarif_rules(source.findings)
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    where = str(dataset) if dataset is not None else None
    results = [_sarif_finding(f, index[f.criterion], where) for f in source.findings]
    if source.rejected:
        rules.append(_REJECTED_RULE_DEF)
        results += [_sarif_rejected(r, len(rules) - 1) for r in source.rejected]
    details = {"id": f"pbrules/{source.pack.id}/{source.period}"}
    invocation: dict[str, Any] = {
        "executionSuccessful": True,
        "toolExecutionNotifications": [
            {"level": "warning", "message": {"text": w.message}} for w in source.warnings
        ],
    }
    return _sarif_run(rules, results, automationDetails=details, invocations=[invocation])


# ---------------------------------------------------------------------------------------------
# JUnit XML
# ---------------------------------------------------------------------------------------------
def _xml(root: ET.Element) -> str:
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"


def _suite(parent: ET.Element, name: str, tests: int, failures: int) -> ET.Element:
    return ET.SubElement(
        parent, "testsuite", name=name, tests=str(tests), failures=str(failures), errors="0"
    )


def _result_junit(result: RunResult) -> ET.Element:
    by_org: dict[str, list[Finding]] = {}
    for f in result.findings:
        if f.waiver is None:
            by_org.setdefault(f.org_id, []).append(f)
    n_tests = len(result.organizations) + len(result.rejected)
    n_failed = len(by_org) + len(result.rejected)
    root = ET.Element("testsuites", name="pbrules", tests=str(n_tests), failures=str(n_failed))
    suite = _suite(root, f"{result.pack.id} {result.period}", n_tests, n_failed)
    for org in result.organizations:
        case = ET.SubElement(
            suite, "testcase", classname=f"{result.pack.id}.{org.group or org.kind}",
            name=f"{org.org_id} {org.name}",
        )  # fmt: skip
        for f in by_org.get(org.org_id, []):
            failure = ET.SubElement(case, "failure", message=_finding_text(f), type=f.severity)
            failure.text = f"{f.criterion} {f.title or ''}: {f.message}".strip()
    for r in result.rejected:
        case = ET.SubElement(suite, "testcase", classname="pbrules.rejected", name=r.source)
        ET.SubElement(case, "failure", message="; ".join(r.errors), type="rejected")
    return root


def _problems_junit(problems: Sequence[Problem], checked: Sequence[str]) -> ET.Element:
    by_path: dict[str, list[Problem]] = {path: [] for path in checked}
    for p in problems:
        by_path.setdefault(p.path, []).append(p)
    failed = sum(1 for ps in by_path.values() if ps)
    root = ET.Element("testsuites", name="pbrules", tests=str(len(by_path)), failures=str(failed))
    suite = _suite(root, "pbrules validate", len(by_path), failed)
    for path, found in by_path.items():
        case = ET.SubElement(suite, "testcase", classname="pbrules.validate", name=path)
        for p in found:
            ET.SubElement(case, "failure", message=str(p), type=p.severity)
    return root


def junit_xml(source: RunResult | Sequence[Problem], *, checked: Sequence[str] = ()) -> str:
    """JUnit XML: a test case per organization (failing with its unwaived findings) and per
    rejected record; for pack problems, a test case per checked file."""
    if isinstance(source, RunResult):
        return _xml(_result_junit(source))
    return _xml(_problems_junit(source, checked))


# ---------------------------------------------------------------------------------------------
# GitHub workflow commands and GitLab Code Quality
# ---------------------------------------------------------------------------------------------
def _gh_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _gh_property(text: str) -> str:
    return _gh_data(text).replace(":", "%3A").replace(",", "%2C")


def _gh_line(
    kind: str, message: str, file: str, line: int = 0, col: int = 0, title: str = ""
) -> str:
    props = [f"file={_gh_property(repo_path(file))}"]
    if line > 0:
        props.append(f"line={line}")
    if col > 0:
        props.append(f"col={col}")
    if title:
        props.append(f"title={_gh_property(title)}")
    return f"::{kind} {','.join(props)}::{_gh_data(message)}"


def github_annotations(
    source: RunResult | Sequence[Problem], *, dataset: str | Path | None = None
) -> str:
    """GitHub Actions workflow commands (``::error file=...::message``), one per line."""
    lines: list[str] = []
    if isinstance(source, RunResult):
        where = str(dataset) if dataset is not None else "dataset"
        for f in source.findings:
            kind = "notice" if f.waiver is not None else _LEVEL[f.severity]
            title = f"{f.criterion} {f.title or ''}".strip()
            lines.append(_gh_line(kind, _finding_text(f), where, title=title))
        for r in source.rejected:
            path, line = _source_location(r.source)
            lines.append(_gh_line("error", "; ".join(r.errors), path, line, title="rejected"))
    else:
        for p in source:
            kind = "warning" if p.severity == "warning" else "error"
            lines.append(_gh_line(kind, p.message, p.path, p.line, p.col, title="pbrules"))
    return "".join(line + "\n" for line in lines)


def _gl_issue(
    description: str, check: str, fingerprint: str, severity: str, path: str, line: int
) -> dict[str, Any]:
    return {
        "description": description,
        "check_name": check,
        "fingerprint": fingerprint,
        "severity": severity,
        "location": {"path": repo_path(path), "lines": {"begin": max(line, 1)}},
    }


def gitlab_code_quality(
    source: RunResult | Sequence[Problem], *, dataset: str | Path | None = None
) -> str:
    """A GitLab Code Quality report (a JSON array of issues) for merge request widgets."""
    import hashlib

    def digest(*parts: object) -> str:
        return hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8")).hexdigest()

    issues: list[dict[str, Any]] = []
    if isinstance(source, RunResult):
        where = str(dataset) if dataset is not None else "dataset"
        for f in source.findings:
            if f.waiver is None:
                sev = _GITLAB[f.severity]
                issues.append(
                    _gl_issue(_finding_text(f), f.criterion, f.fingerprint, sev, where, 1)
                )
        for r in source.rejected:
            path, line = _source_location(r.source)
            text = "; ".join(r.errors)
            issues.append(
                _gl_issue(text, REJECTED_RULE, digest(r.source, text), "major", path, line)
            )
    else:
        for p in source:
            sev = "minor" if p.severity == "warning" else "major"
            fp = digest(p.path, p.line, p.col, p.message)
            issues.append(_gl_issue(p.message, PROBLEM_RULE, fp, sev, p.path, p.line))
    return json.dumps(issues, ensure_ascii=False, indent=2) + "\n"


def problems_output(fmt: str, problems: Sequence[Problem], checked: Sequence[str]) -> str:
    """Pack problems in one of :data:`PROBLEM_FORMATS` (``pbrules validate --format``)."""
    if fmt == "sarif":
        return sarif_log(problems)
    if fmt == "junit":
        return junit_xml(problems, checked=checked)
    if fmt == "github":
        return github_annotations(problems)
    if fmt == "gitlab":
        return gitlab_code_quality(problems)
    raise ValueError(f"unknown format {fmt!r} (expected one of: {', '.join(PROBLEM_FORMATS)})")
