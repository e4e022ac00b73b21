"""Checker notes in English and Chinese (docs/plugins.md, "Notes in two languages").

A checker declares each note it may write once, as a :class:`Note`: a dotted ``key``, an English
and a Chinese template with the same named fields. Calling the note renders both::

    UNPAID = Note("dues.unpaid", "{count} member-month(s) unpaid", "{count}个人月未交党费")
    Outcome(..., note=UNPAID(count=3))

The result is a :class:`NoteText`: a ``str`` holding the English text (so ``Outcome.note``, the
result JSON and every English reader see exactly what a plain string note gave) that also
carries its Chinese rendering in ``.zh`` and its ``key``. A plain string stays a valid note (a
plugin's notes keep working); it simply has no Chinese.

Field values are shown as ``str(value)`` in English and, when the value is itself a
:class:`NoteText` (a nested note, a list from :func:`listing`), as its ``.zh`` in Chinese; format
specs (``{share:.0%}``) apply to both. Every note constructed is kept in a catalog
(:func:`note_catalog`) so that docs and tests can walk it.
"""

from __future__ import annotations

import functools
import re
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

__all__ = [
    "Note",
    "NoteText",
    "join_notes",
    "listing",
    "note_catalog",
    "note_zh",
    "term",
    "terms",
]

_KEY = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
_CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")
_CATALOG: dict[str, Note] = {}

#: words notes name (record lists, meeting types, windows, visit modes, the development
#: pipeline's dates, aggregates and fields), in Chinese; see :func:`term`
_TERMS: dict[str, str] = {
    # record lists
    "members": "党员",
    "party_groups": "党小组",
    "committee": "支部委员会",
    "meetings": "会议",
    "dues": "党费",
    "disclosures": "党务公开",
    "development": "发展党员",
    "trainings": "培训",
    "visits": "走访",
    "rectifications": "整改事项",
    "coverage_units": "应覆盖单位",
    "village_committee": "村（居）民委员会",
    "reserve_cadres": "后备干部",
    "bodies": "工作机构",
    "documents": "制度文件",
    "facilities": "阵地设施",
    "feedback": "反馈问题",
    "campaigns": "专项工作",
    "two_committees": "“两委”班子",
    # meeting types
    "general_meeting": "党员大会",
    "committee_meeting": "支委会",
    "group_meeting": "党小组会",
    "party_lecture": "党课",
    "theme_day": "主题党日",
    "org_life_meeting": "组织生活会",
    "democratic_appraisal": "民主评议党员",
    "heart_talk": "谈心谈话",
    # windows
    "month": "月",
    "quarter": "季度",
    "half": "半年",
    "year": "年度",
    "period": "考核期",
    # visit modes
    "unannounced": "暗访",
    "scheduled": "明察",
    "spot_check": "抽查",
    "weekly_tip": "每周提示",
    "guidance": "指导",
    # the development pipeline's dates
    "applied_on": "入党申请",
    "talked_on": "谈话",
    "activist_on": "确定入党积极分子",
    "dev_object_on": "确定发展对象",
    "accepted_on": "接收预备党员",
    "approved_on": "审批",
    "oath_on": "入党宣誓",
    "converted_on": "转正",
    "extended_until": "延长预备期至",
    "cancelled_on": "取消预备党员资格",
    "exemption": "豁免期满",
    # aggregates of measures
    "count": "数量",
    "share": "占比",
    "sum": "合计",
    "avg": "平均值",
    "min": "最小值",
    "max": "最大值",
    "data": "数据",
    ">=": "不低于",
    "<=": "不超过",
    ">": "高于",
    "<": "低于",
    "==": "等于",
    "!=": "不等于",
    "record": "记录",
    # kinds of bodies, documents, facilities and campaigns, and campaign steps, as the baseline
    # pack and the example district name them (a district's own ids are shown as written)
    "party_member_council": "党员议事会",
    "villager_representatives": "村民代表会议",
    "finance_group": "村务理财小组",
    "supervision_committee": "村务监督委员会",
    "party_building_leading_group": "党建工作领导小组",
    "party_affairs_openness_group": "党务公开小组",
    "village_affairs_openness_group": "村务公开小组",
    "annual_plan": "年度工作计划",
    "work_summary": "年度工作总结",
    "openness_rules": "公开制度",
    "completion_rules": "办结制度",
    "proxy_service_rules": "代办服务制度",
    "pairing_assistance_rules": "结对帮扶制度",
    "help_register": "帮扶台账",
    "follow_up_register": "跟踪问效台账",
    "activity_room": "党组织活动场所",
    "disclosure_board": "党务公开栏",
    "service_center": "便民服务中心",
    "service_station": "便民服务站",
    "deliberation_hall": "议事厅",
    "cadre_supervision_board": "干部监督公示栏",
    "completion_board": "办结公示栏",
    "good_team_board": "好班子公示栏",
    "member_pledge_board": "党员承诺公示栏",
    "one_book_one_line_board": "一书一线公示栏",
    "post_duty_board": "设岗定责公示栏",
    "weak_lax_rectification": "软弱涣散党组织整顿",
    "five_transformations": "五化建设",
    "plan": "制定整顿方案",
    "county_leader_assigned": "明确县级领导联系",
    "working_team_stationed": "选派工作队进驻",
    "self_check": "自查",
    "problems_rectified": "问题整改",
    "standards_met": "达标",
    "acceptance": "验收",
    # fields named in measures and conditions
    "age": "年龄",
    "gender": "性别",
    "education": "文化程度",
    "tags": "标签",
    "points": "积分",
    "income": "收入",
    "category": "党费类别",
}


class NoteText(str):
    """A rendered note: the English text itself, with its Chinese text in ``zh``."""

    zh: str
    key: str

    def __new__(cls, en: str, zh: str, key: str = "") -> NoteText:
        text = super().__new__(cls, en)
        text.zh = zh
        text.key = key
        return text

    def __reduce__(self) -> tuple[Any, ...]:  # outcomes travel between worker processes
        return (NoteText, (str(self), self.zh, self.key))


def _fields(template: str) -> frozenset[str]:
    """The top-level field names of a ``str.format`` template (``{a.b:>3}`` -> ``a``)."""
    names = set()
    for _literal, name, _spec, _conv in string.Formatter().parse(template):
        if name is not None:
            names.add(re.split(r"[.\[]", name, maxsplit=1)[0])
    return frozenset(names)


@dataclass(frozen=True, slots=True)
class Note:
    """One note a checker may write, in English (``en``) and Chinese (``zh``).

    Raises :class:`ValueError` at construction when the key is not dotted lowercase, the Chinese
    template has no Chinese in it, the two templates name different fields, or another note
    already took the key with other texts.
    """

    key: str
    en: str
    zh: str

    def __post_init__(self) -> None:
        if not _KEY.match(self.key):
            raise ValueError(f"note key {self.key!r} is not dotted lowercase (dues.unpaid)")
        if not _CJK.search(self.zh):
            raise ValueError(f"note {self.key}: the Chinese template {self.zh!r} has no Chinese")
        if self.fields_en != self.fields_zh:
            raise ValueError(
                f"note {self.key}: the templates name different fields "
                f"(en {sorted(self.fields_en)}, zh {sorted(self.fields_zh)})"
            )
        known = _CATALOG.setdefault(self.key, self)
        if known != self:
            raise ValueError(f"note key {self.key!r} is declared twice with different texts")

    @property
    def fields_en(self) -> frozenset[str]:
        return _fields(self.en)

    @property
    def fields_zh(self) -> frozenset[str]:
        return _fields(self.zh)

    def __call__(self, **values: Any) -> NoteText:
        """Both texts with ``values`` filled in (``KeyError`` names a missing field).

        A note is mostly written with the same few values (a field's name, a due date): each
        rendering is kept by its values (:func:`_rendering_key`) and given again."""
        if not values:  # a fixed text: rendered once
            return _fixed(self)
        key = _rendering_key(self.key, values)
        text = _RENDERED.get(key) if key is not None else None
        if text is None:
            text = self._render(values)
            if key is not None:
                if len(_RENDERED) >= _RENDERED_KEPT:
                    _RENDERED.clear()
                _RENDERED[key] = text
        return text

    def _render(self, values: Mapping[str, Any]) -> NoteText:
        zh_values = {k: v.zh if isinstance(v, NoteText) else v for k, v in values.items()}
        plain = {k: str(v) if isinstance(v, NoteText) else v for k, v in values.items()}
        return NoteText(self.en.format(**plain), self.zh.format(**zh_values), self.key)


#: renderings of notes kept by :func:`_rendering_key` (at most this many, then started afresh)
_RENDERED: dict[tuple[object, ...], NoteText] = {}
_RENDERED_KEPT = 8192
#: value types whose equal values always read the same (not ``float``: ``0.0 == -0.0``)
_SAME_TEXT = frozenset({str, int, date, type(None)})


def _rendering_key(note_key: str, values: Mapping[str, Any]) -> tuple[object, ...] | None:
    """A key under which equal values render equal texts, or ``None`` (not kept).

    Types are part of the key and must be exact: ``1`` and ``True`` are equal but read
    differently. A :class:`NoteText` value adds its Chinese (two texts may share the English).
    """
    key: list[object] = [note_key]
    for name, value in values.items():
        kind = type(value)
        if kind is NoteText:
            key.append((name, kind, value, value.zh))
        elif kind in _SAME_TEXT:
            key.append((name, kind, value))
        else:
            return None
    return tuple(key)


@functools.cache
def _fixed(note: Note) -> NoteText:
    return NoteText(note.en.format(), note.zh.format(), note.key)


def listing(items: Iterable[object]) -> NoteText:
    """Ids or names listed: ``a, b`` in English, ``a、b`` in Chinese."""
    words = [str(i) for i in items]
    return NoteText(", ".join(words), "、".join(words))


def join_notes(parts: Iterable[str]) -> NoteText:
    """Several notes as one: ``a; b`` in English, ``a；b`` in Chinese (empty parts skipped)."""
    kept = [p for p in parts if p]
    return NoteText("; ".join(kept), "；".join(note_zh(p) or p for p in kept))


def note_zh(note: str | None) -> str | None:
    """The Chinese text of a note, or ``None`` for a plain string note (or no note)."""
    return note.zh if isinstance(note, NoteText) else None


def note_catalog() -> Mapping[str, Note]:
    """Every note declared so far, by key (import the checkers first to see theirs)."""
    return dict(sorted(_CATALOG.items()))


def term(value: object) -> NoteText:
    """``value`` as written, with its Chinese word where known (else as written)."""
    return _term(str(value))


@functools.lru_cache(maxsize=1024)
def _term(text: str) -> NoteText:
    return NoteText(text, _TERMS.get(text, text))


def terms(values: Iterable[object], sep: str = ", ") -> NoteText:
    """Several values joined: ``sep`` in English, ``、`` in Chinese."""
    words = [term(v) for v in values]
    return NoteText(sep.join(words), "、".join(w.zh for w in words))
