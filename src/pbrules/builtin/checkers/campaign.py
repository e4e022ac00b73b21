"""``campaign.steps``: a campaign's steps done by their due dates (软弱涣散整顿, 五化 ...)."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from pbrules.checker import CheckContext, Checker, Note, NoteText, Params, term
from pbrules.model.outcome import Outcome, Status, Subject, SubjectItem
from pbrules.model.snapshot import Campaign, CampaignStep, Snapshot

__all__ = ["CHECKERS", "CampaignSteps", "CampaignStepsParams"]

NO_CAMPAIGN = Note("campaign.none", "no {kind} campaign listed", "未列出{kind}专项工作")
NOT_DONE = Note("campaign.step_not_done", "due {due}, not done", "应于{due}完成，尚未完成")
DONE_LATE = Note(
    "campaign.step_late", "done {done}, after its due date {due}", "{done}完成，晚于规定的{due}"
)
NOT_LISTED = Note("campaign.step_not_listed", "step not listed", "未列出该步骤")
NOT_ACCEPTED = Note(
    "campaign.not_accepted",
    "target {target} passed, not accepted",
    "已过{target}目标期限，尚未验收",
)
STEP = Note("campaign.step", "{step}: {why}", "{step}：{why}")
BEHIND = Note(
    "campaign.behind",
    "{misses} campaign step(s) behind schedule",
    "{misses}个工作步骤未按期完成",
)


class CampaignStepsParams(Params):
    kind: str = Field(
        min_length=1,
        description="The campaign kind (weak_lax_rectification, five_transformations...).",
    )
    require: list[str] = Field(
        default_factory=list,
        description="Step names every campaign must list (plan, contacts, acceptance...).",
    )
    late_counts: bool = Field(
        default=True, description="A step done after its due date is a miss too."
    )
    acceptance: bool = Field(
        default=True,
        description="A campaign past its target_on and not accepted by as_of is a miss.",
    )
    when_missing: Literal["not_applicable", "fail"] = Field(
        default="not_applicable",
        description="With no campaign of the kind: not_applicable, or a missing-data failure.",
    )


def _done_by(step: CampaignStep, as_of: date) -> bool:
    return step.done_on is not None and step.done_on <= as_of


def _step_problem(step: CampaignStep, as_of: date, late_counts: bool) -> NoteText | None:
    due = step.due_on
    if due is None:
        return None
    if not _done_by(step, as_of):
        return NOT_DONE(due=due) if due < as_of else None
    if late_counts and step.done_on is not None and step.done_on > due:
        return DONE_LATE(done=step.done_on, due=due)
    return None


def _problems(
    c: Campaign, as_of: date, params: CampaignStepsParams
) -> list[tuple[str, NoteText]]:
    """``(step name, why)`` of each missed step of one campaign."""
    out: list[tuple[str, NoteText]] = []
    listed = {s.name for s in c.steps}
    for name in params.require:
        if name not in listed:
            out.append((name, NOT_LISTED()))
    for step in c.steps:
        why = _step_problem(step, as_of, params.late_counts)
        if why is not None:
            out.append((step.name, why))
    accepted = c.accepted_on is not None and c.accepted_on <= as_of
    if params.acceptance and c.target_on is not None and c.target_on < as_of and not accepted:
        out.append(("acceptance", NOT_ACCEPTED(target=c.target_on)))
    return out


def _due_count(c: Campaign, as_of: date, params: CampaignStepsParams) -> int:
    """Requirements of one campaign that are due at ``as_of``."""
    listed = {s.name for s in c.steps}
    due = sum(
        1 for s in c.steps if s.due_on is not None and (s.due_on < as_of or _done_by(s, as_of))
    )
    due += sum(1 for name in params.require if name not in listed)
    if params.acceptance and c.target_on is not None and c.target_on < as_of:
        due += 1
    return due


class CampaignSteps(Checker[CampaignStepsParams]):
    """The steps of each campaign of ``kind`` are done by their due dates.

    Campaigns of ``kind`` started by ``as_of`` are read. A step with a ``due_on`` before
    ``as_of`` and not done by ``as_of`` is a miss; with ``late_counts`` a step done after its
    ``due_on`` is a miss too; a step named in ``require`` that the campaign does not list is a
    miss; with ``acceptance`` a campaign whose ``target_on`` is before ``as_of`` and that is not
    accepted by ``as_of`` is a miss. Each miss is its own finding (subject ``campaign_step``,
    id ``CAMPAIGN/STEP``); compliance is the share of due requirements met (1 with nothing due).
    No campaign of the kind is ``not_applicable`` (an export without ``campaigns`` is never a
    failure), or a "missing data" failure with ``when_missing: fail``.

    Monotone: marking a due step done on or before its due date (and ``as_of``) never lowers
    compliance and never adds a miss.

    Example::

        check: campaign.steps     # weak-and-lax rectification on schedule
        params: {kind: weak_lax_rectification, require: [plan, contacts]}
    """

    name = "campaign.steps"
    Params = CampaignStepsParams
    notes = (NO_CAMPAIGN, BEHIND, STEP, NOT_DONE, DONE_LATE, NOT_LISTED, NOT_ACCEPTED)

    def check(self, snapshot: Snapshot, params: CampaignStepsParams, ctx: CheckContext) -> Outcome:
        chosen = sorted(
            (c for c in snapshot.campaigns if c.kind == params.kind and c.started_on <= ctx.as_of),
            key=lambda c: (c.started_on, c.id),
        )
        if not chosen:
            what = NO_CAMPAIGN(kind=term(params.kind))
            if params.when_missing == "not_applicable":
                return Outcome.not_applicable(what)
            return Outcome.missing_data(what)
        items: list[SubjectItem] = []
        due = 0
        for c in chosen:
            due += _due_count(c, ctx.as_of, params)
            for step, why in _problems(c, ctx.as_of, params):
                subject = Subject("campaign_step", f"{c.id}/{step}")
                items.append(SubjectItem(subject, STEP(step=term(step), why=why), (c.id,)))
        misses = len(items)
        due = max(due, misses)
        return Outcome(
            Status.FAIL if misses else Status.PASS,
            compliance=1.0 if due == 0 else 1.0 - misses / due,
            misses=misses,
            actual=due - misses,
            expected=due,
            evidence=tuple(c.id for c in chosen),
            items=tuple(items),
            note=BEHIND(misses=misses) if misses else "",
        )


CHECKERS = (CampaignSteps(),)
