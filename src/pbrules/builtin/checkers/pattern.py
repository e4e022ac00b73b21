"""``pattern``: records of several lists that match together (joins, order, absence)."""

from __future__ import annotations

from pbrules.checker import CheckContext, Checker
from pbrules.model.outcome import Outcome
from pbrules.model.snapshot import Snapshot
from pbrules.patterns.batch import PATTERN_NOTES, outcome_of
from pbrules.patterns.facts import org_facts, plan_fields
from pbrules.patterns.plan import Plan
from pbrules.patterns.python_backend import match_plan
from pbrules.patterns.spec import PatternParams

__all__ = ["CHECKERS", "PatternChecker"]


_FIELDS: dict[int, tuple[Plan, dict[str, frozenset[str]]]] = {}


def _fields(plan: Plan) -> dict[str, frozenset[str]]:
    """The fields a plan reads, cached by the plan's identity."""
    hit = _FIELDS.get(id(plan))
    if hit is None or hit[0] is not plan:
        if len(_FIELDS) >= 1024:
            _FIELDS.clear()
        hit = _FIELDS[id(plan)] = (plan, plan_fields([plan]))
    return hit[1]


class PatternChecker(Checker[PatternParams]):
    """Records of one or more lists that match together, one finding per subject.

    ``match`` lists elements in order: each binds the records of a list (``as``, ``of``) that
    satisfy its ``join`` (equal to a field of an earlier binding), ``where`` (field tests:
    ``eq ne lt le gt ge in null in_period before after within_days``) and ``any``
    (alternatives); ``current: true`` keeps posts current at ``as_of``; a ``not`` element
    requires that no record of its list match. Every combination that matches is a hit; each
    distinct ``subject`` (a field of a binding) is a finding, its evidence the records matched.
    Pass without a hit; not applicable when the first element's list is empty. The engine's
    ``pattern_backend`` (``python`` by default, or ``durable``) chooses the matcher; both give
    the same outcome. docs/patterns.md is the reference.

    Monotone: adding a record of a positive element never lowers the misses; adding a record
    of a ``not`` element never raises them.

    Example::

        - id: PT04
          title: A committee meeting prepares each general meeting
          area: standardization
          check: pattern
          params:
            match:
              - as: gm
                of: meetings
                where: {type: {eq: general_meeting}, held_on: {in_period: true}}
              - not:
                  of: meetings
                  where:
                    type: {eq: committee_meeting}
                    held_on: {within_days: {of: gm.held_on, days: 30}}
            subject: {type: meeting, id: gm.id}
          points: 4
          scoring: {mode: deduct, per_miss: 1}
    """

    name = "pattern"
    Params = PatternParams
    notes = PATTERN_NOTES

    def check(self, snapshot: Snapshot, params: PatternParams, ctx: CheckContext) -> Outcome:
        plan = params.plan
        facts = org_facts(snapshot, ctx.period, ctx.as_of, plan.lists, _fields(plan))
        return outcome_of(plan, facts, match_plan(plan, facts))


CHECKERS = (PatternChecker(),)
