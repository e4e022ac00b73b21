"""Examples for dues.monthly, dues.arrears and dues.bracket."""

from __future__ import annotations

from datetime import date

from checkers_support import run, snap
from pbrules.model.outcome import Severity, Status


def paid(
    member: str, month: str, due: float = 10, amount: float | None = None, **kw: object
) -> dict[str, object]:
    return {
        "member_id": member,
        "month": month,
        "due": due,
        "paid": due if amount is None else amount,
        **kw,
    }


M1 = {
    "id": "M1",
    "status": "full",
    "joined_on": "2000-01-01",
    "dues_category": "employed",
    "monthly_income": 4000,
}
M2 = {
    "id": "M2",
    "status": "full",
    "joined_on": "2000-01-01",
    "dues_category": "retired",
    "monthly_income": 6000,
}


def test_monthly_all_paid_passes() -> None:
    s = snap(members=[M1], dues=[paid("M1", m, 40) for m in ("2026-07", "2026-08", "2026-09")])
    out = run("dues.monthly", s)
    assert out.status is Status.PASS and (out.actual, out.expected) == (3, 3)


def test_monthly_missing_row_and_late_payment_are_unpaid() -> None:
    s = snap(
        members=[M1],
        dues=[
            paid("M1", "2026-07", 40),
            paid("M1", "2026-08", 40, 20),
            paid("M1", "2026-09", 40, paid_on="2026-10-03"),
        ],
    )
    out = run("dues.monthly", s)
    assert out.status is Status.FAIL
    assert out.evidence == ("M1:2026-08", "M1:2026-09") and out.misses == 2
    assert abs(out.compliance - 1 / 3) < 1e-9


def test_monthly_member_who_left_or_joined_mid_period() -> None:
    leaver = {**M2, "left_on": "2026-08-10"}
    joiner = {"id": "M3", "status": "probationary", "joined_on": "2026-08-15"}
    s = snap(
        members=[leaver, joiner],
        dues=[paid("M2", "2026-07"), paid("M2", "2026-08"), paid("M3", "2026-09")],
    )
    out = run("dues.monthly", s)
    assert out.status is Status.PASS and out.expected == 3  # M2: Jul, Aug; M3: Sep


def test_monthly_no_rows_is_missing_data_and_exempt_rows_count() -> None:
    out = run("dues.monthly", snap(members=[M1]))
    assert out.status is Status.FAIL and out.compliance == 0 and "missing data" in out.note
    exempt = snap(
        members=[M1], dues=[paid("M1", m, 0, 0) for m in ("2026-07", "2026-08", "2026-09")]
    )
    assert run("dues.monthly", exempt).status is Status.PASS
    assert run("dues.monthly", snap()).status is Status.NOT_APPLICABLE


def test_exempt_rows_with_due_zero_are_paid_even_without_paid() -> None:
    months = [f"2026-{m:02d}" for m in range(4, 10)]  # April to September
    rows = [{"member_id": "M1", "month": m, "due": 0} for m in months]  # paid empty
    rows += [paid("M2", m, 60) for m in months]
    s = snap(members=[M1, M2], dues=rows)
    out = run("dues.monthly", s)
    assert out.status is Status.PASS and out.misses == 0 and out.items == ()
    assert run("dues.arrears", s, {"months": 6}).items == ()
    assert run("dues.arrears", s, {"months": 1}).status is Status.PASS
    # paid after as_of on an exempt row is still exempt; a due of 0.01 is not an exemption
    late = [
        {**r, "paid": 0, "paid_on": "2026-10-05"} if r["member_id"] == "M1" else r for r in rows
    ]
    assert run("dues.monthly", snap(members=[M1, M2], dues=late)).status is Status.PASS
    owed = [{**r, "due": 0.01} if r["member_id"] == "M1" else r for r in rows]
    arrears = run("dues.arrears", snap(members=[M1, M2], dues=owed), {"months": 6})
    assert [i.subject.id for i in arrears.items] == ["M1"]


def test_bracket_skips_exempt_rows() -> None:
    rows = [paid("M1", "2026-07", 0, 0), paid("M1", "2026-08", 40), paid("M2", "2026-07", 0, 0)]
    out = run("dues.bracket", snap(members=[M1, M2], dues=rows))
    assert out.status is Status.PASS and (out.actual, out.expected) == (1, 1)
    only_exempt = snap(members=[M1, M2], dues=rows[:1] + rows[2:])
    assert run("dues.bracket", only_exempt).status is Status.NOT_APPLICABLE


def test_six_consecutive_months_is_a_critical_member_finding() -> None:
    rows = [paid("M2", f"2026-{m:02d}") for m in range(4, 10)]  # the export covers April-September
    rows += [paid("M1", f"2026-{m:02d}", 40, 0) for m in (4, 5, 6)]
    s = snap(members=[M1, M2], dues=rows)
    out = run("dues.monthly", s)
    assert out.status is Status.FAIL and out.misses == 3
    [item] = out.items
    assert item.subject.type == "member" and item.subject.id == "M1"
    assert item.severity is Severity.CRITICAL
    assert item.evidence == tuple(f"M1:2026-{m:02d}" for m in range(4, 10))
    five = snap(members=[M1, M2], dues=[*rows[:-3], paid("M1", "2026-04", 40), *rows[-2:]])
    assert run("dues.monthly", five).items == ()
    arrears = run("dues.arrears", s)
    assert arrears.status is Status.FAIL and arrears.misses == 1 and len(arrears.items) == 1


def test_arrears_stop_at_months_the_export_does_not_cover() -> None:
    # only the quarter is exported: three unpaid months cannot prove six
    s = snap(members=[M1, M2], dues=[paid("M2", f"2026-{m:02d}") for m in (7, 8, 9)])
    assert run("dues.arrears", s, {"months": 6}).status is Status.PASS
    assert len(run("dues.arrears", s, {"months": 3}).items) == 1
    assert run("dues.arrears", s, {"months": 3}, as_of=date(2026, 9, 29)).status is Status.PASS


def test_bracket_default_rates() -> None:
    farmer = {"id": "M3", "status": "full", "dues_category": "farmer"}
    unknown = {"id": "M4", "status": "full"}
    s = snap(
        members=[M1, M2, farmer, unknown],
        dues=[
            paid("M1", "2026-07", 40),  # 1% of 4000
            paid("M1", "2026-08", 40, 39),  # short
            paid("M2", "2026-07", 60),  # retired above 5000: 1%
            paid("M3", "2026-07", 0.2),
            paid("M4", "2026-07", 1),  # category unknown: not judged
        ],
    )
    out = run("dues.bracket", s)
    assert out.status is Status.FAIL and out.evidence == ("M1:2026-08",)
    assert (out.actual, out.expected) == (3, 4)
    assert "M4:2026-07" in out.note


def test_bracket_boundaries_and_custom_rates() -> None:
    at_3000 = {**M1, "monthly_income": 3000}
    s = snap(members=[at_3000], dues=[paid("M1", "2026-07", 15)])
    assert run("dues.bracket", s).status is Status.PASS
    strict = {"employed": [{"rate": 0.02}]}
    assert run("dues.bracket", s, strict).status is Status.FAIL
    no_income = snap(members=[{**M1, "monthly_income": None}], dues=[paid("M1", "2026-07", 15)])
    assert "missing data" in run("dues.bracket", no_income).note
    assert run("dues.bracket", snap(members=[M1])).status is Status.NOT_APPLICABLE
