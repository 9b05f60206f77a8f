"""The pure core: dates, scoring, follow-up and health, as tables of (input, today, expected)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kam import config
from kam.activity import refresh, summarize
from kam.dates import coerce_date, next_anniversary, parse_date, resolve_date
from kam.followup import cadence, due_items, health, next_contact
from kam.models import Customer
from kam.privacy import mask
from kam.records import new_code, new_interaction
from kam.schema import Rank
from kam.scoring import parse_amount, score

S = config.build(None)
TODAY = date(2026, 11, 23)


@pytest.mark.parametrize("text, expected", [
    ("2024-05-10", date(2024, 5, 10)), ("2024/5/10", date(2024, 5, 10)),
    ("2024.05.10", date(2024, 5, 10)), ("2024年5月10日", date(2024, 5, 10)),
    ("5/10/2024", date(2024, 5, 10)), ("20240510", date(2024, 5, 10)),
    ("２０２４－０５－１０", date(2024, 5, 10)), ("2024-05-10 14:30:00", date(2024, 5, 10)),
    ("2024-02-29", date(2024, 2, 29)), (" 2024 年 5 月 10 日 ", date(2024, 5, 10)),
])
def test_parse_date(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["2024-02-30", "2023-02-29", "昨天", "", "2024-13-01", "5/10",
                                  "10/5/24", "abc"])
def test_parse_date_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        parse_date(text)


def test_day_first_and_serials() -> None:
    assert parse_date("5/10/2024", "DMY") == date(2024, 10, 5)
    assert coerce_date(45422) == date(2024, 5, 10)
    assert coerce_date(45422.0) == date(2024, 5, 10)
    assert coerce_date(43960, epoch1904=True) == date(2024, 5, 10)
    assert coerce_date(20240510) == date(2024, 5, 10)


@pytest.mark.parametrize("born, today, expected", [
    (date(1980, 2, 29), date(2026, 1, 1), date(2026, 2, 28)),
    (date(1980, 2, 29), date(2028, 1, 1), date(2028, 2, 29)),
    (date(1980, 2, 29), date(2026, 3, 1), date(2027, 2, 28)),
    (date(1990, 11, 23), TODAY, TODAY),
    (date(1990, 11, 22), TODAY, date(2027, 11, 22)),
])
def test_next_anniversary(born: date, today: date, expected: date) -> None:
    assert next_anniversary(born, today) == expected


@pytest.mark.parametrize("raw, unit, expected", [
    (300, "10k", 300), ("300万", "10k", 300), ("3000000元", "10k", 300), ("1.2亿", "10k", 12000),
    ("80%", "ratio", 0.8), ("0.8", "ratio", 0.8), (80, "ratio", 0.8), ("5万", "yuan", 50000),
    ("１２０", "number", 120), ("1,200", "number", 1200),
])
def test_parse_amount(raw: object, unit: str, expected: float) -> None:
    assert parse_amount(raw, unit) == pytest.approx(expected)


@pytest.mark.parametrize("text, expected", [
    ("13956781234", "139****1234"), ("u@example.com", "u***@example.com"),
    ("电话 139-5678-1234，邮箱 buyer@x.cn", "电话 139****1234，邮箱 b***@x.cn"), ("", ""),
    ("1395678", "139**78"),
    ("zhou[at]example.com", "z***[at]example.com"), ("zhou(at)example(dot)com", "z***(at)example(dot)com"),
    ("zhou＠example.com", "z***＠example.com"), ("zhou#example.com", "z***#example.com"),
    ("zhou at example dot com", "z*** at example dot com"), ("用户@例子.中国", "用***@例子.中国"),
])
def test_mask(text: str, expected: str) -> None:
    assert mask(text) == expected


def test_new_code() -> None:
    assert new_code(set(), 2026) == "KH2026001"
    assert new_code({"KH2026001", "KH2026007", "KH2025099"}, 2026) == "KH2026008"


def _c(**kw: object) -> Customer:
    base = {"code": "K1", "name": "甲", "created": "2026-01-01T09:00:00"}
    return Customer(**{**base, **kw})  # type: ignore[arg-type]


def _logged(c: Customer, *items: tuple[str, str, float | None], today: date = TODAY) -> Customer:
    log = [new_interaction(c.code, date.fromisoformat(d), kind, "x", amount, None,
                           f"{d}T10:00:{n:02d}") for n, (d, kind, amount) in enumerate(items)]
    return refresh(c, log, today)


@pytest.mark.parametrize("customer, tier, expected", [
    (_c(last_contact="2026-11-01"), "A", (date(2026, 11, 8), "every 7 days")),
    (_c(last_contact="2026-11-01"), "C", (date(2026, 12, 1), "every 30 days")),
    (_c(last_contact="2026-11-01", stage="intent"), "C", (date(2026, 11, 8), "every 7 days")),
    (_c(last_contact="2026-11-01", next_follow_up="2026-12-24"), "A",
     (date(2026, 12, 24), "next step set")),
    (_c(), "C", (date(2026, 1, 31), "every 30 days")),
])
def test_next_contact(customer: Customer, tier: str, expected: tuple[date, str]) -> None:
    assert next_contact(customer, tier, S) == expected


def test_logging_resets_the_cadence_clock() -> None:
    c = _c(last_contact="2026-10-01")
    assert [i.days_overdue for i in due_items([c], {"K1": Rank("B", 60)}, S, TODAY, 7)] == [39]
    c = _logged(c, ("2026-10-01", "call", None), ("2026-11-20", "visit", None))
    assert due_items([c], {"K1": Rank("B", 60)}, S, TODAY, 7) == []  # 14 days from the 20th: 4 December
    assert [i.due for i in due_items([c], {"K1": Rank("B", 60)}, S, TODAY, 14)] == [date(2026, 12, 4)]


@pytest.mark.parametrize("dates, today, expected", [
    ({"birthday": "1980-02-29"}, date(2027, 2, 25), [("birthday", date(2027, 2, 28), -3)]),
    ({"birthday": "1980-02-29"}, date(2028, 2, 25), [("birthday", date(2028, 2, 29), -4)]),
    ({"birthday": "1980-11-23"}, TODAY, [("birthday", TODAY, 0)]),
    ({"birthday": "1980-11-22"}, TODAY, []),  # passed yesterday: next year's is far off
    ({"contract_end": "2026-12-23"}, TODAY, [("contract_end", date(2026, 12, 23), -30)]),
    ({"contract_end": "2026-12-24"}, TODAY, []),  # 31 days ahead, lead is 30
    ({"contract_end": "2026-11-01"}, TODAY, [("contract_end", date(2026, 11, 1), 22)]),
    ({"contract_end": "2026-10-24"}, TODAY, [("contract_end", date(2026, 10, 24), 30)]),
    ({"contract_end": "2026-10-23"}, TODAY, []),  # past the 30-day grace
    ({"project_start": "2026-11-30"}, TODAY, [("project_start", date(2026, 11, 30), -7)]),
])
def test_named_dates(dates: dict[str, str], today: date,
                     expected: list[tuple[str, date, int]]) -> None:
    c = _c(last_contact=today.isoformat(), dates=dates)
    got = [(i.kind, i.due, i.days_overdue) for i in due_items([c], {}, S, today, 7)
           if i.kind != "follow_up"]
    assert got == expected


def test_due_order_sections_then_urgency() -> None:
    cs = [_c(code="late-C", last_contact="2026-10-01"), _c(code="late-A", last_contact="2026-10-27"),
          _c(code="today-C", last_contact="2026-10-24"), _c(code="today-A", last_contact="2026-11-16"),
          _c(code="soon", next_follow_up="2026-11-25")]
    tiers = {"late-C": ("C", 10), "late-A": ("A", 90), "today-C": ("C", 10),
             "today-A": ("A", 90), "soon": ("B", 70)}
    # an A customer 20 days late outranks a C customer 23 days late (tier bonus 30)
    items = due_items(cs, tiers, S, TODAY, 7)
    assert [(i.code, i.section, i.days_overdue, i.urgency) for i in items] == [
        ("late-A", "overdue", 20, 59.0), ("late-C", "overdue", 23, 24.0),
        ("today-A", "today", 0, 39.0), ("today-C", "today", 0, 1.0),
        ("soon", "upcoming", -2, 20.0)]
    assert dict(items[0].terms) == {"late": 20.0, "tier": 30.0, "score": 9.0}


@pytest.mark.parametrize("days, at_risk, dormant, reason", [
    (89, False, False, "89天未联系，应每30天联系一次：安排跟进"),
    (90, True, False, "90天未联系，已过流失预警线（90天）：分析原因，打电话挽回"),
    (179, True, False, "179天未联系，已过流失预警线（90天）：分析原因，打电话挽回"),
    (180, True, True, "180天未联系，已过沉睡线（180天）：发激活优惠或新品信息"),
    (30, False, False, None),
])
@pytest.mark.usefixtures("zh")
def test_health_marks_at_the_boundary(days: int, at_risk: bool, dormant: bool,
                                      reason: str | None) -> None:
    from datetime import timedelta

    c = _c(last_contact=(TODAY - timedelta(days=days)).isoformat())
    h = health(c, "C", S, TODAY)
    assert (h.at_risk, h.dormant, h.days_since_contact) == (at_risk, dormant, days)
    assert list(h.reasons) == ([reason] if reason else [])


@pytest.mark.usefixtures("zh")
def test_health_of_a_customer_with_no_interactions() -> None:
    h = health(_c(created="2026-11-20T09:00:00"), "C", S, TODAY)
    assert (h.health, h.reasons, h.days_since_contact, h.at_risk) == (100.0, (), None, False)
    h = health(_c(created="2026-01-01T09:00:00"), "C", S, TODAY)
    assert h.days_since_contact is None and h.dormant
    assert h.reasons == ("添加326天从未联系，已过沉睡线（180天）：发激活优惠或新品信息",)


@pytest.mark.parametrize("orders, expected", [
    ([], None),  # no orders at all: no trend
    ([("2026-10-01", 100.0)], None),  # orders only recently: no previous period to compare
    ([("2026-07-01", 100.0)], "近3个月订单比之前3个月下降100%：打电话了解采购变化"),
    ([("2026-07-01", 100.0), ("2026-10-01", 38.0)], "近3个月订单比之前3个月下降62%：打电话了解采购变化"),
    ([("2026-07-01", 100.0), ("2026-10-01", 150.0)], None),
])
@pytest.mark.usefixtures("zh")
def test_order_trend(orders: list[tuple[str, float]], expected: str | None) -> None:
    c = _logged(_c(), *((d, "order", a) for d, a in orders), ("2026-11-20", "call", None))
    reasons = [r for r in health(c, "C", S, TODAY).reasons if r.startswith("近3个月订单")]
    assert reasons == ([expected] if expected else [])


@pytest.mark.usefixtures("zh")
def test_complaints_and_overdue_step() -> None:
    c = _logged(_c(next_follow_up="2026-11-13"), ("2026-10-01", "complaint", None),
                ("2026-11-01", "complaint", None), ("2026-11-10", "call", None))
    c = replace(c, next_follow_up="2026-11-13")
    h = health(c, "C", S, TODAY)
    assert h.reasons == ("90天内2次投诉：安排拜访，处理投诉", "约定的跟进已逾期10天：今天联系")
    assert h.signals == ("complaints", "overdue") and h.at_risk  # 2 complaints alone
    assert h.health == 100 - 15 - 15 * 10 / 30


def test_summarize_keeps_only_the_recent_window() -> None:
    log = [new_interaction("K1", date(2020, 1, 1), "order", "old", 5.0, None, "t"),
           new_interaction("K1", date(2026, 11, 1), "order", "new", 7.0, None, "t")]
    st = summarize(log, TODAY)
    assert st["orders"] == {"2026-11-01": 7.0} and st["first_order"] == "2020-01-01"
    assert st["interactions"] == 2


def test_default_scoring_from_the_log() -> None:
    c = _logged(_c(value_level="high"), ("2025-12-15", "order", 300000.0),
                ("2026-06-15", "order", 400000.0), ("2026-11-01", "complaint", None),
                ("2026-11-10", "call", None))
    s = score(c, S, TODAY)
    parts = {p.indicator: p for p in s.parts}
    # no sheet columns: each indicator falls back to the figure kam's log has
    assert (parts["annual_purchase"].source, parts["annual_purchase"].value) == (
        "derived.order_amount_12m", 70.0)
    assert parts["years"].source == "derived.years"
    assert parts["repurchase_rate"].value == pytest.approx(2 / 12)
    assert (parts["recency"].source, parts["recency"].value) == ("derived.days_since_contact",
                                                                 13.0)
    assert parts["complaints_90d"].points == pytest.approx(-3.33, abs=0.01)
    assert parts["value_level"].value == "high"
    assert [p.indicator for p in s.parts if p.missing] == ["influence", "referral", "stage",
                                                           "tags"]
    assert s.score == pytest.approx(sum(p.points for p in s.parts), abs=0.1)


def test_missing_value_counts_zero_and_is_flagged() -> None:
    s = score(_c(), S, TODAY)
    vl = next(p for p in s.parts if p.indicator == "value_level")
    assert (vl.missing, vl.points) == (True, 0.0)


def test_tiers_follow_thresholds() -> None:
    custom = config.build({"scoring": {"indicators": {"x": {"weight": 100, "floor": 0,
                                                          "cap": 100}},
                                       "tiers": [{"name": "A", "min": 80}, {"name": "B", "min": 60},
                                                 {"name": "C", "min": 40},
                                                 {"name": "D", "min": 0}]}})
    got = [score(_c(extra={"x": v}), custom, TODAY).tier for v in (80, 79.9, 60, 59, 40, 0)]
    assert got == ["A", "B", "B", "C", "C", "D"]


def test_cadence_shortest_applies() -> None:
    assert cadence(_c(stage="intent"), "C", S) == 7
    assert cadence(_c(stage="active"), "B", S) == 14
    assert cadence(_c(), "", S) == 30


def test_fast_path_equals_full_scoring_on_varied_customers() -> None:
    from kam.scoring import Scorer

    scorer = Scorer(S, TODAY)
    customers = [
        _logged(_c(code=f"K{i}", value_level=v, stage="intent", created=f"20{20 + i % 6}-01-01"),
                *((f"2026-{m:02d}-1{i % 9}", kind, float(1234.5 * (i + m)) if kind == "order"
                   else None) for m, kind in zip(range(1, 12, 2), ["order", "call", "complaint",
                                                                   "order", "visit", "order"], strict=True)))
        for i, v in enumerate(["high", "medium", "low", None, "高", "B", "nonsense"] * 3)
    ]
    for c in customers:
        full = scorer.score(c)
        assert scorer.rank(c) == (full.tier, full.score), c.code
        assert scorer.breakdown(c) == ((full.tier, full.score),
                                       {p.indicator: p.points for p in full.parts}), c.code


@pytest.mark.parametrize(("health", "signals", "threshold", "expected"), [
    (59.9, (), 60, True), (60.0, (), 60, False), (95.0, ("silent",), 60, True),
    (95.0, ("overdue",), 60, False), (95.0, ("orders_down", "overdue"), 60, True),
    (70.0, (), 80, True),  # --threshold 80
])
def test_the_churn_warning_rule(health: float, signals: tuple[str, ...], threshold: float,
                                expected: bool) -> None:
    """One rule for `kam risk` and the digest: below the threshold, or a severe signal
    alone."""
    from kam.followup import is_at_risk

    assert is_at_risk(health, signals, threshold) is expected


@settings(max_examples=200, deadline=None)
@given(level=st.sampled_from([None, "high", "medium", "low"]),
       stage=st.sampled_from([None, "prospect", "intent", "active", "long_term"]),
       tags=st.lists(st.sampled_from(["重点跟进", "需维护", "沉睡客户"]), max_size=2),
       extra=st.dictionaries(st.sampled_from(["年采购额", "合作年限", "复购率", "行业影响力"]),
                             st.sampled_from(["300", "2", "80%", "高", "低", "0"]), max_size=3),
       past=st.lists(st.tuples(st.integers(0, 900), st.sampled_from(["order", "call",
                                                                     "complaint"]),
                               st.floats(1, 5e6)), max_size=6),
       amount=st.one_of(st.none(), st.floats(0, 5e6)))
def test_logging_an_order_never_lowers_a_score(level: str | None, stage: str | None,
                                               tags: list[str], extra: dict[str, str],
                                               past: list[tuple[int, str, float | None]],
                                               amount: float | None) -> None:
    """Under the default kam.yaml, an order logged today never lowers a score: a figure
    derived from too little history counts as unknown, not as a value near zero. (Past
    orders carry amounts here: after orders logged without one, a first amount is a
    figure kam did not know, and a small one may lower the score, as any value may.)"""
    c = _c(value_level=level, stage=stage, tags=tuple(tags), extra=extra)
    items = [((TODAY - timedelta(days=d)).isoformat(), kind, a if kind == "order" else None)
             for d, kind, a in past]
    before = score(_logged(c, *items), S, TODAY).score
    after = score(_logged(c, *items, (TODAY.isoformat(), "order", amount)), S, TODAY).score
    assert after >= before - 1e-6, (before, after)


# Dates as people type them in options, against a Monday (2026-12-07).
MONDAY = date(2026, 12, 7)


@pytest.mark.parametrize("text, expected", [
    ("2026-12-01", "2026-12-01"), ("2026年12月1日", "2026-12-01"), ("今天", "2026-12-07"),
    ("today", "2026-12-07"), ("明天", "2026-12-08"), ("tomorrow", "2026-12-08"),
    ("后天", "2026-12-09"), ("昨天", "2026-12-06"), ("前天", "2026-12-05"),
    ("+7", "2026-12-14"), ("+3d", "2026-12-10"), ("+2w", "2026-12-21"), ("+1m", "2027-01-07"),
    ("-3", "2026-12-04"), ("3天后", "2026-12-10"), ("2周后", "2026-12-21"),
    ("1个月后", "2027-01-07"), ("3天前", "2026-12-04"), ("3 days later", "2026-12-10"),
    ("2 weeks ago", "2026-11-23"), ("周五", "2026-12-11"), ("星期一", "2026-12-14"),
    ("monday", "2026-12-14"), ("下周三", "2026-12-16"), ("下星期五", "2026-12-18"),
    ("本周五", "2026-12-11"), ("下周", "2026-12-14"), ("月底", "2026-12-31"),
    ("eom", "2026-12-31"), ("下月底", "2027-01-31"), ("下月初", "2027-01-01"),
    ("年底", "2026-12-31"), ("11月30日", "2026-11-30"), ("1月5日", "2027-01-05"),
    ("12-25", "2026-12-25"), ("１２月２５号", "2026-12-25"), ("三天后", "2026-12-10"),
    ("两周后", "2026-12-21"), ("一个月后", "2027-01-07"), ("两个星期后", "2026-12-21"),
    ("十五天后", "2026-12-22"), ("二十天前", "2026-11-17"), ("in 3 days", "2026-12-10"),
    ("15号", "2026-12-15"), ("3号", "2026-12-03"), ("下个月15号", "2027-01-15"),
    ("下月3日", "2027-01-03"), ("上月20号", "2026-11-20"), ("２０号", "2026-12-20"),
    ("周末", "2026-12-13"), ("eow", "2026-12-13"), ("下周末", "2026-12-20"),
    ("sow", "2026-12-14"), ("明年", "2027-01-01"), ("soy", "2027-01-01"),
])
def test_dates_people_type(text: str, expected: str) -> None:
    assert resolve_date(text, MONDAY).isoformat() == expected


@pytest.mark.parametrize("text, lean, expected", [
    ("3号", "near", "2026-12-03"), ("3号", "future", "2027-01-03"), ("3号", "past", "2026-12-03"),
    ("15号", "past", "2026-11-15"), ("7号", "future", "2026-12-07"), ("7号", "past", "2026-12-07"),
    ("11月30日", "future", "2027-11-30"), ("1月5日", "past", "2026-01-05"),
    ("周五", "past", "2026-12-04"), ("周一", "past", "2026-11-30"), ("周五", "future", "2026-12-11"),
    ("下个月15号", "past", "2027-01-15"), ("2月29日", "past", "2024-02-29"),
    ("明天", "past", "2026-12-08"), ("下周三", "past", "2026-12-16"),
])
def test_a_date_without_its_year_or_month_looks_the_options_way(text: str, lean: str,
                                                                 expected: str) -> None:
    """--next looks ahead, --date back (what happened), the rest to the nearest; what
    names its month or week (下个月15号, 下周三, 明天) is as it says."""
    assert resolve_date(text, MONDAY, lean=lean).isoformat() == expected


@pytest.mark.parametrize("text, today, expected", [
    ("+1m", date(2027, 1, 31), "2027-02-28"), ("月底", date(2028, 2, 3), "2028-02-29"),
    ("周日", date(2026, 12, 13), "2026-12-20"), ("2月29日", date(2027, 3, 1), "2028-02-29"),
    ("3号", date(2026, 12, 28), "2027-01-03"), ("31号", date(2026, 11, 20), "2026-10-31"),
    ("周末", date(2026, 12, 13), "2026-12-13"),
])
def test_dates_people_type_at_month_and_week_ends(text: str, today: date, expected: str
                                                  ) -> None:
    assert resolve_date(text, today).isoformat() == expected


@pytest.mark.parametrize("text", ["某一天", "2026-02-30", "26-12-01", "13月1日", "+", "下周八",
                                  "三三天后", "十十天后", "3天", "32号", "下个月31号x", "0号"])
def test_what_is_no_date_says_so(text: str) -> None:
    with pytest.raises(ValueError):
        resolve_date(text, MONDAY)


def test_a_date_moved_past_the_calendar_says_so() -> None:
    with pytest.raises(ValueError, match=r"\+9999y"):
        resolve_date("+9999y", MONDAY)


_DATE_WORDS = ["下", "上", "本", "这个", "个", "月", "周", "星期", "天", "日", "号", "后", "前", "十",
               "两", "三", "二十", "年", "底", "末", "初", "in ", "days", "+", "-", "/", "w", "m"]


@settings(max_examples=300, deadline=None)
@given(parts=st.lists(st.one_of(st.sampled_from(_DATE_WORDS), st.integers(0, 99).map(str),
                                st.text(max_size=3)), max_size=5),
       today=st.dates(min_value=date(1900, 1, 1), max_value=date(2999, 12, 31)),
       lean=st.sampled_from(["near", "future", "past"]))
def test_a_typed_date_is_a_date_or_says_why(parts: list[str], today: date, lean: str) -> None:
    """Whatever is typed, against any today kam takes (years 1900 to 2999), the
    resolver gives a date or a ValueError with its reason, never another error."""
    try:
        assert isinstance(resolve_date("".join(parts), today, lean=lean), date)
    except ValueError as e:
        assert str(e)
