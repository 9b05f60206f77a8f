"""The method out of the box (issue 12): scores from what a sheet has, churn signals that
fire alone, urgency, named dates in Chinese and English, the next follow-up everywhere,
lost customers with reasons."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Kam

EXAMPLE = Path(__file__).parent.parent / "examples" / "customers.xlsx"


def test_the_example_sheet_scores_without_any_kam_yaml(kam: Kam) -> None:
    r = kam("import", str(EXAMPLE))
    # every default indicator but one has values in this sheet; the one is named
    assert [line for line in r.stderr.splitlines() if "scoring:" in line] == [
        "warning: scoring: referral (推荐潜力): no value for 22 of 22 customers; fill or map "
        "that column (--map, import.aliases), or drop the indicator's weight in kam.yaml"]
    rows = {r["name"]: r for r in kam.json("score")}
    assert {r["tier"] for r in rows.values()} == {"A", "B", "C"}
    # the method's worked example, in the method's order and tiers
    assert [rows[n]["tier"] for n in ("A公司", "C公司", "B公司")] == ["A", "B", "C"]
    assert rows["A公司"]["score"] > rows["C公司"]["score"] > rows["B公司"]["score"]
    explain = kam.json("score", "KH2024005", "--explain")[0]["explain"]
    assert {k: explain[k]["source"] for k in ("annual_purchase", "years", "value_level",
                                              "recency")} == {
        "annual_purchase": "extra.年采购额(万元)", "years": "extra.合作年限",
        "value_level": "field.value_level", "recency": "derived.days_since_contact"}


def test_a_plain_template_sheet_spreads_over_tiers_and_says_what_is_blind(
        kam: Kam, tmp_path: Path) -> None:
    f = tmp_path / "plain.csv"
    f.write_text("客户名称,客户价值等级,合作阶段,最近跟进时间,状态标签\n"
                 "甲,高价值,长期合作,2026-11-20,重点跟进\n乙,中价值,合作中,2026-11-10,\n"
                 "丙,低价值,潜在客户,2026-04-01,沉睡客户\n", encoding="utf-8")
    r = kam("import", str(f))
    assert ("warning: scoring: 5 indicators without a value for most customers; kam score "
            "--explain says which") in r.stderr  # one line on screen, each in the JSON report
    blind = kam.json("import", str(f), "--dry-run")["scoring_blind"]
    assert blind[0].startswith("annual_purchase (年采购额): no value for 3 of 3 customers; fill "
                               "or map that column")
    assert len(blind) == 5
    tiers = {r["name"]: r["tier"] for r in kam.json("score")}
    assert tiers == {"甲": "A", "乙": "B", "丙": "C"}


def _week(kam: Kam) -> Kam:
    """One customer per churn signal, on 2026-11-23."""
    add = [("ORDERS", "订单下滑"), ("COMPLAIN", "投诉两次"), ("SILENT", "沉默95天"),
           ("HEALTHY", "健康A客户"), ("DORMANT", "沉睡200天"), ("ONEGRIPE", "投诉一次")]
    for code, name in add:
        kam("add", "--code", code, "--name", name, "--value-level", "高", "--stage", "合作中")
    kam("log", "ORDERS", "大单", "--kind", "order", "--amount", "100000", "--date", "2026-07-01")
    kam("log", "ORDERS", "小单", "--kind", "order", "--amount", "40000", "--date", "2026-11-01")
    kam("log", "ORDERS", "回访", "--date", "2026-11-20")
    kam("log", "COMPLAIN", "送货慢", "--kind", "complaint", "--date", "2026-10-10")
    kam("log", "COMPLAIN", "质量问题", "--kind", "complaint", "--date", "2026-11-18")
    kam("log", "ONEGRIPE", "送货慢", "--kind", "complaint", "--date", "2026-11-18")
    kam("log", "SILENT", "最后一次", "--date", "2026-08-20")
    kam("log", "HEALTHY", "刚联系", "--date", "2026-11-21")
    kam("log", "DORMANT", "很久以前", "--date", "2026-05-07")
    return kam


@pytest.mark.parametrize(("code", "at_risk", "signals", "reason"), [
    ("ORDERS", True, ["orders_down"], "近3个月订单比之前3个月下降60%：打电话了解采购变化"),
    ("COMPLAIN", True, ["complaints"], "90天内2次投诉：安排拜访，处理投诉"),
    ("SILENT", True, ["silent"], "95天未联系，已过流失预警线（90天）：分析原因，打电话挽回"),
    ("DORMANT", True, ["dormant"], "200天未联系，已过沉睡线（180天）：发激活优惠或新品信息"),
    ("HEALTHY", False, None, None),
    ("ONEGRIPE", False, None, None),  # one complaint alone is not severe
])
@pytest.mark.usefixtures("zh")
def test_each_churn_signal_alone_puts_on_the_watch_list(
        kam: Kam, code: str, at_risk: bool, signals: list[str] | None, reason: str | None
) -> None:
    rows = {r["code"]: r for r in _week(kam).json("risk")}
    assert (code in rows) == at_risk
    if at_risk:
        assert rows[code]["signals"] == signals and rows[code]["reasons"] == [reason]
        assert rows[code]["dormant"] == (code == "DORMANT")


def test_thresholds_of_the_signals_are_settings(kam: Kam) -> None:
    _week(kam)
    kam.db.with_name("kam.yaml").write_text("risk:\n  orders_drop: 0.7\n  complaints: 3\n",
                                            encoding="utf-8")
    codes = {r["code"] for r in kam.json("risk")}
    assert "ORDERS" not in codes and "COMPLAIN" not in codes and "SILENT" in codes


def test_an_a_customer_a_few_days_late_ranks_above_a_c_customer_a_month_late(kam: Kam
                                                                             ) -> None:
    kam("add", "--code", "A6", "--name", "大客户", "--value-level", "高", "--stage", "长期合作",
        "--tag", "重点跟进")
    kam("log", "A6", "上次", "--date", "2026-11-10")  # A: every 7 days -> 6 days late
    kam("add", "--code", "C30", "--name", "小客户", "--value-level", "低", "--stage", "潜在客户")
    kam("log", "C30", "上次", "--date", "2026-09-24")  # C: every 30 days -> 30 days late
    due = kam.json("due")
    assert [(d["code"], d["days_overdue"]) for d in due] == [("A6", 6), ("C30", 30)]
    assert due[0]["urgency"] > due[1]["urgency"]
    r = kam("due", "--explain", "A6")
    assert r.stdout.startswith("A6 大客户 follow-up 2026-11-17: urgency ")
    assert "days late 6 + tier 30 + score" in r.stdout
    assert kam.json("due", "--explain", "A6")[0]["terms"]["tier"] == 30.0
    assert "nothing due" in kam("due", "--explain", "NOPE", code=2).stderr


@pytest.mark.parametrize(("given", "kind", "due", "days_overdue"), [
    ("生日=1980-11-28", "birthday", "2026-11-28", -5),  # yearly, 7 days ahead
    ("birthday=1980-11-28", "birthday", "2026-11-28", -5),
    ("合同到期=2026-12-20", "contract_end", "2026-12-20", -27),  # the contract's 30 days
    ("contract_end=2026-12-20", "contract_end", "2026-12-20", -27),
    ("签约纪念日=2020-11-30", "anniversary", "2026-11-30", -7),  # yearly
    ("合作周年=2020-11-30", "anniversary", "2026-11-30", -7),
    ("项目启动=2026-12-05", "project_start", "2026-12-05", -12),  # 14 days ahead
    ("年检=2026-11-27", "年检", "2026-11-27", -4),  # any other name: the default rule
])
def test_named_dates_in_chinese_and_english(kam: Kam, given: str, kind: str, due: str,
                                            days_overdue: int) -> None:
    kam("add", "--code", "D1", "--name", "甲", "--date", given, "--next", "2027-01-01")
    items = [(d["kind"], d["due"], d["days_overdue"]) for d in kam.json("due")]
    assert items == [(kind, due, days_overdue)]
    assert list(kam.json("show", "D1")["dates"]) == [kind]


def test_a_date_outside_its_lead_does_not_remind(kam: Kam) -> None:
    kam("add", "--code", "D1", "--name", "甲", "--date", "合同到期=2027-01-31",
        "--next", "2027-02-01")
    assert kam.json("due") == []


def test_next_follow_up_is_the_reminder_date_everywhere(kam: Kam) -> None:
    kam("add", "--code", "S1", "--name", "定了日子", "--next", "2026-12-01")
    kam("add", "--code", "C1", "--name", "按节奏", "--stage", "意向客户")
    kam("log", "C1", "电话", "--date", "2026-11-20")
    rows = {r["code"]: r for r in kam.json("list")}
    assert (rows["S1"]["next_follow_up"], rows["S1"]["next_follow_up_source"]) == (
        "2026-12-01", "scheduled")
    assert (rows["C1"]["next_follow_up"], rows["C1"]["next_follow_up_source"]) == (
        "2026-11-27", "cadence")  # 意向客户: every 7 days
    csv = kam("list", "-f", "csv").stdout.splitlines()
    assert csv[1].endswith(",2026-11-27") and csv[2].endswith(",2026-12-01")
    table = kam("list").stdout
    assert "2026-11-27" in table and "2026-12-01" in table
    exported = kam("export", "-", "-f", "csv").stdout.splitlines()
    assert exported[0].split(",")[18] == "下次跟进时间"
    assert [line.split(",")[18] for line in exported[1:]] == ["2026-11-27", "2026-12-01"]


def test_lost_customers_need_a_reason_and_leave_due_and_risk(kam: Kam) -> None:
    kam("add", "--code", "L1", "--name", "丢了的客户", "--stage", "合作中")
    kam("log", "L1", "很久以前", "--date", "2026-05-01")
    assert "L1" in {d["code"] for d in kam.json("due")}
    assert "needs a reason" in kam("lost", "L1", code=2).stderr
    assert "unknown reason '天气'" in kam("lost", "L1", "--reason", "天气", code=2).stderr
    kam("lost", "L1", "被竞品低价抢走", "--reason", "价格")
    doc = kam.json("show", "L1")
    assert (doc["stage"], doc["lost"]) == ("lost", {"reason": "价格", "note": "被竞品低价抢走",
                                                    "date": "2026-11-23"})
    assert doc["next_follow_up"] is None
    assert kam.json("due") == [] and kam.json("risk") == []
    csv = kam("export", "-", "-f", "csv").stdout.splitlines()
    assert "流失原因" in csv[0].split(",") and "价格" in csv[1].split(",")
    kam("edit", "L1", "--stage", "合作中")  # back: no longer lost
    assert kam.json("show", "L1")["lost"] is None
    kam("edit", "L1", "--stage", "已流失", "--reason", "竞争对手")
    assert kam.json("show", "L1")["lost"]["reason"] == "竞争对手"
    assert "needs a reason" in kam("add", "--name", "乙", "--stage", "lost", code=2).stderr
    assert "--reason goes with --stage lost" in kam("edit", "L1", "--stage", "合作中",
                                                    "--reason", "价格", code=2).stderr
    history = json.dumps(kam.json("history", "L1"), ensure_ascii=False)
    assert "价格" in history  # the earlier reason stays in the history


def test_lost_reasons_are_a_setting(kam: Kam) -> None:
    kam.db.parent.mkdir(parents=True)
    kam.db.with_name("kam.yaml").write_text("lost_reasons: [太贵, 其他]\n", encoding="utf-8")
    kam("add", "--code", "L1", "--name", "甲")
    kam("lost", "L1", "--reason", "太贵")
    assert "use one of: 太贵, 其他" in kam("lost", "L1", "--reason", "价格", code=2).stderr
