"""The durable-rules side of the durable backend: runs only inside a spawned worker process.

durable-rules keeps one process-global host whose rulesets cannot be removed, so a worker
builds exactly one freshly, uniquely named ruleset for its chunk (at most 1,000
organizations: one session each, below the 1,024 live sessions a ruleset allows), asserts
facts only (never ``retract_fact`` or ``delete_state``, which can crash a session holding
unmatched facts), then exits. Other precautions:

- record fields are renamed ``v_<field>`` with a kind tag ``t_<field>`` (0 null, 1 number,
  2 text), so no fact property collides with durable-rules' own keys (``id``, ``sid``) and no
  comparison ever sees a missing property (durable-rules treats ``1 < missing`` as true) or
  two values of different kinds (it orders numbers before texts);
- the facts of each ``not`` element are asserted before the others, because a ``none``
  condition is decided when a fact arrives (a late fact cannot undo an action);
- facts are asserted one at a time: ``assert_facts`` of a list crashed the process (SIGSEGV in
  the C engine) on a rule-pack case, in some environments every time; one at a time it never
  did;
- a catch-all rule takes every fact, so no fact raises ``MessageNotHandledException``;
- actions only record the matched fact positions, and an exception inside one (which
  durable-rules would swallow) marks the organization's result as an error;
- the ruleset runs in a host of its own without durable-rules' background dispatch threads
  (``Host._run`` starts timers that take pending actions of any session every 0.2 s). Every
  action then runs inside the ``assert_facts`` call that caused it, so an organization's
  matches are all recorded before its result is read. With the threads, an action taken by
  the timer could run after the result was read and a match went missing, rarely, under load.
"""

from __future__ import annotations

import faulthandler
import uuid
from collections.abc import Callable, Sequence
from typing import Any

from pbrules.patterns.plan import MAX_MATCHES, Atom, Element, Operand, Plan

__all__ = [
    "MAX_CHUNK",
    "WorkerOrg",
    "WorkerResult",
    "check_chunk",
    "raised",
    "run_chunk",
    "serve",
    "worker_main",
]

#: (org key, window bounds, record lists) as the main process sends them.
WorkerOrg = tuple[str, dict[str, Any], dict[str, list[dict[str, Any]]]]
#: Per organization: {plan key: sorted matches} or an error text.
WorkerResult = dict[str, list[tuple[int, ...]]] | str

_CTX_KIND = {"ps": 1, "pe": 1, "asof": 1, "pms": 2, "pme": 2}


def _kind(value: Any) -> int:
    if value is None:
        return 0
    return 2 if isinstance(value, str) else 1


def _fields(plan: Plan, element: Element) -> set[str]:
    """The fields of ``element``'s records that any condition of the plan reads."""
    used: set[str] = set()
    for e in plan.elements:
        for atom in (*e.atoms, *(a for g in e.anys for alt in g for a in alt)):
            if e.index == element.index:
                used.add(atom.field)
            op = atom.operand
            if op is not None and op.kind == "ref" and op.element == element.index:
                used.add(op.field)
    return used


def _field(operand: Operand, own: int, prefix: str, m: Any, c: Any) -> Any:
    """A fresh expression for a bound field: durable-rules expression objects change when
    combined, so none is ever used twice."""
    base = m if operand.element == own else getattr(c, f"b{operand.element}")
    return getattr(base, f"{prefix}{operand.field}")


def _value(operand: Operand, own: int, m: Any, c: Any) -> Any:
    if operand.kind == "lit":
        return operand.value
    if operand.kind == "ctx":
        return getattr(m, f"c_{operand.value}")
    value = _field(operand, own, "v_", m, c)
    if operand.offset > 0:
        return value + operand.offset
    if operand.offset < 0:
        return value - (-operand.offset)
    return value


def _guard(atom: Atom, operand: Operand, own: int, m: Any, c: Any) -> list[Any]:
    """Both sides are known and of one kind (and day numbers for `dates` atoms)."""
    mine = getattr(m, f"t_{atom.field}")
    if operand.kind == "lit":
        guard = [mine == _kind(operand.value)]
    elif operand.kind == "ctx":
        guard = [mine == _CTX_KIND[operand.value]]
    else:
        guard = [mine == _field(operand, own, "t_", m, c), m.z < _field(operand, own, "t_", m, c)]
    if atom.dates:
        guard.append(getattr(m, f"t_{atom.field}") == 1)
    return guard


def _atom(atom: Atom, own: int, m: Any, c: Any) -> list[Any]:
    """The simple comparisons an atom needs (never a nested conjunction: durable-rules drops
    terms of an `and` nested in another `and`)."""
    if atom.op == "null":
        return [getattr(m, f"t_{atom.field}") == 0]
    if atom.op == "notnull":
        return [getattr(m, f"t_{atom.field}") != 0]
    operand = atom.operand
    assert operand is not None
    value = getattr(m, f"v_{atom.field}")
    other = _value(operand, own, m, c)
    if atom.op == "eq":
        compare = value == other
    elif atom.op == "ne":
        compare = value != other
    elif atom.op == "lt":
        compare = value < other
    elif atom.op == "le":
        compare = value <= other
    elif atom.op == "gt":
        compare = value > other
    else:
        compare = value >= other
    return [*_guard(atom, operand, own, m, c), compare]


def _conjunction(atoms: Sequence[Atom], own: int, m: Any, c: Any, head: Any = None) -> Any:
    """A flat `and` of every comparison of ``atoms`` (after ``head`` when given)."""
    expr = m.z == 0 if head is None else head
    for atom in atoms:
        for part in _atom(atom, own, m, c):
            expr = expr & part
    return expr


def _element_expr(key: str, element: Element, m: Any, c: Any) -> Any:
    own = element.index
    expr = _conjunction(element.atoms, own, m, c, head=m.el == f"{key}_{own}")
    for group in element.anys:
        alt_expr = None
        for alt in group:
            one = _conjunction(alt, own, m, c)
            alt_expr = one if alt_expr is None else alt_expr | one
        if alt_expr is not None:
            expr = expr & alt_expr
    return expr


def _ignore(ctx: Any) -> None:
    """The action of the catch-all rule."""


def _action(
    key: str, positives: Sequence[int], sink: Callable[[str, str, Any], None]
) -> Callable[[Any], None]:
    """The action of one plan's rule: record the matched facts' positions (one argument only:
    durable-rules checks the signature)."""

    def action(ctx: Any) -> None:
        try:
            facts = [getattr(ctx, f"b{i}") for i in positives]
            sink(str(facts[0]["sid"]), key, tuple(int(f["fid"]) for f in facts))
        except Exception as exc:  # durable-rules would swallow it: report it
            sink("", key, exc)

    return action


def _define_rules(
    name: str, plans: Sequence[tuple[str, Plan]], sink: Callable[[str, str, Any], None]
) -> Any:
    """A host of its own holding the ruleset ``name`` of ``plans``."""
    from durable import lang
    from durable.lang import c, m, none, ruleset, when_all

    rules = ruleset(name)
    with rules:
        for j, (_, plan) in enumerate(plans):
            key = f"p{j}"
            conds = []
            positives = [e.index for e in plan.elements if not e.negated]
            for e in plan.elements:
                expr = _element_expr(key, e, m, c)
                conds.append(none(expr) if e.negated else getattr(c, f"b{e.index}") << expr)

            when_all(*conds)(_action(plans[j][0], positives, sink))

        when_all(+m.el)(_ignore)
    lang._rulesets.pop(name, None)  # defined here, never by lang.get_host()'s global host
    host = _synchronous_host()
    host.register_rulesets(dict([rules.define()]))
    return host


def _synchronous_host() -> Any:
    """A durable-rules host that never starts its dispatch and timer threads."""
    from durable.engine import Host

    class SynchronousHost(Host):  # type: ignore[misc]
        def _run(self) -> None:
            """No background dispatch: actions run in the call that asserts the facts."""

    return SynchronousHost()


def _org_facts(
    sid: str, org: WorkerOrg, plans: Sequence[tuple[str, Plan]]
) -> tuple[list[Any], ...]:
    """The org's facts in two batches: those of `not` elements first, then the others."""
    _, window, lists = org
    first: list[dict[str, Any]] = []
    second: list[dict[str, Any]] = []
    bounds = {f"c_{k}": v for k, v in window.items()}
    n = 0
    for j, (_, plan) in enumerate(plans):
        for e in plan.elements:
            used = _fields(plan, e)
            for i, record in enumerate(lists.get(e.of, ())):
                fact: dict[str, Any] = {"sid": sid, "id": f"f{n}", "el": f"p{j}_{e.index}",
                                        "fid": i, "z": 0, **bounds}
                n += 1
                for f in used:
                    value = record.get(f)
                    fact[f"t_{f}"] = _kind(value)
                    fact[f"v_{f}"] = 0 if value is None else value
                (first if e.negated else second).append(fact)
    return first, second


#: organizations a worker takes at most in one request
MAX_CHUNK = 1000


def check_chunk(orgs: Sequence[WorkerOrg]) -> None:
    """Refuse a chunk of more than :data:`MAX_CHUNK` organizations."""
    if len(orgs) > MAX_CHUNK:
        raise ValueError(f"a chunk holds at most {MAX_CHUNK:,} organizations, not {len(orgs)}")


def raised(who: str, exc: Exception) -> str:
    """An organization's error text: ``who`` raised ``exc`` (its first line, cut at 200)."""
    text = str(exc).splitlines()[0][:200] if str(exc) else ""
    return f"{who} raised {type(exc).__name__}: {text}".rstrip(": ")


def run_chunk(plans: Sequence[tuple[str, Plan]], orgs: Sequence[WorkerOrg]) -> list[WorkerResult]:
    """Evaluate every plan on every organization of one chunk, in one fresh ruleset."""
    check_chunk(orgs)
    name = f"pbrules_{uuid.uuid4().hex}"
    found: dict[str, dict[str, set[tuple[int, ...]]]] = {}
    broken: dict[str, str] = {}

    def sink(sid: str, key: str, item: Any) -> None:
        if isinstance(item, Exception):
            broken[sid or "*"] = f"a rule action failed: {type(item).__name__}: {item}"
            return
        seen = found.setdefault(sid, {}).setdefault(key, set())
        if len(seen) <= MAX_MATCHES:  # the outcome reports more as a pattern too broad
            seen.add(item)

    host = _define_rules(name, plans, sink)
    results: list[WorkerResult] = []
    for pos, org in enumerate(orgs):
        sid = str(pos)
        try:
            for batch in _org_facts(sid, org, plans):
                for fact in batch:  # one at a time: assert_facts of a list can crash
                    host.assert_fact(name, fact)
        except Exception as exc:  # every engine error becomes this org's error
            results.append(raised("durable-rules", exc))
            continue
        if "*" in broken or sid in broken:
            results.append(broken.get(sid) or broken["*"])
            continue
        per = found.pop(sid, {})
        results.append({key: sorted(per.get(key, ())) for key, _ in plans})
    return results


def worker_main(conn: Any) -> None:
    """Entry point of a spawned worker: one request, one answer, then the process ends (a
    crash inside durable-rules' C engine prints the Python stack to stderr)."""
    serve(conn, run_chunk)


def serve(
    conn: Any,
    run: Callable[[Sequence[tuple[str, Plan]], Sequence[WorkerOrg]], list[WorkerResult]],
) -> None:
    """Answer one request ``(plans, orgs)`` on ``conn`` with ``("ok", run(plans, orgs))``, or
    ``("error", text)`` when ``run`` raises; a crash prints the Python stack to stderr."""
    faulthandler.enable()
    try:
        plans, orgs = conn.recv()
        answer: Any = ("ok", run(plans, orgs))
    except Exception as exc:
        answer = ("error", f"{type(exc).__name__}: {exc}"[:500])
    try:
        conn.send(answer)
    finally:
        conn.close()
