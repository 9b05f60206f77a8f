"""kam review on an archive whose past is known: every number of the JSON as expected,
for a month and a quarter, against the period before; the terminal and the workbook."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import Kam

CONFIG = """\
scoring:
  min_known: 0
  indicators:
    grade:  {weight: 50, source: field.value_level, table: {high: 1, medium: 0.5, low: 0.2}}
    orders: {weight: 50, source: order_amount_12m, floor: 0, cap: 40000}
  tiers:
    - {name: A, label: 核心, min: 70}
    - {name: B, label: 重点, min: 40}
    - {name: C, label: 一般, min: 0}
"""


@pytest.fixture
def past(kam: Kam, kam_env: Path, monkeypatch: pytest.MonkeyPatch) -> Kam:
    """Four customers from August; stages and tiers move on known days in October."""
    kam_env.parent.mkdir(parents=True, exist_ok=True)
    (kam_env.parent / "kam.yaml").write_text(CONFIG, encoding="utf-8")

    def on(day: str, *args: str) -> None:
        kam("--today", day, *args)

    on("2026-08-01", "add", "--code", "A", "--name", "甲", "--stage", "prospect",
       "--value-level", "high", "--owner", "张华")
    on("2026-08-01", "add", "--code", "B", "--name", "乙", "--stage", "intent",
       "--value-level", "medium", "--owner", "张华")
    on("2026-08-01", "add", "--code", "C", "--name", "丙", "--stage", "active",
       "--value-level", "low", "--owner", "李明")
    on("2026-08-01", "add", "--code", "D", "--name", "丁", "--stage", "active",
       "--value-level", "high", "--owner", "李明")
    on("2026-09-10", "log", "A", "电话介绍", "-k", "call")
    # an order without an amount in June: the log reaches back far enough for C's figures
    on("2026-08-01", "log", "C", "样品单（无金额）", "-k", "order", "--date", "2026-06-10")
    on("2026-09-10", "log", "C", "首单", "-k", "order", "--amount", "10000")
    on("2026-10-05", "edit", "A", "--stage", "intent")
    on("2026-10-05", "log", "A", "上门拜访", "-k", "visit")
    on("2026-10-12", "log", "C", "追加订单", "-k", "order", "--amount", "30000")
    on("2026-10-12", "log", "B", "交期投诉", "-k", "complaint")
    on("2026-10-20", "lost", "D", "被竞品抢走", "--reason", "价格")
    on("2026-10-25", "edit", "B", "--stage", "active")
    on("2026-11-03", "add", "--code", "E", "--name", "戊", "--stage", "prospect",
       "--owner", "张华")
    on("2026-11-03", "log", "E", "初次电话", "-k", "call")
    on("2026-11-10", "edit", "A", "--stage", "active")
    on("2026-11-10", "log", "C", "小单", "-k", "order", "--amount", "5000")
    return kam


def test_month_against_the_month_before(past: Kam) -> None:
    doc = past.json("review", "--month", "2026-10")
    assert doc["period"] == {"from": "2026-10-01", "to": "2026-10-31", "kind": "month",
                             "label": "2026-10", "as_of": "2026-10-31"}
    assert doc["previous"] == {"from": "2026-09-01", "to": "2026-09-30", "kind": "month",
                               "label": "2026-09"}
    assert doc["customers"] == 4
    p = doc["portfolio"]
    # 09-30: A and D 100 (A: grade alone, scaled to the whole weight), B 50 (B),
    # C 10 + 12.5 (C); 10-31: D is lost, C's orders reach 40000: 10 + 50 = 60 (B)
    assert p["tier"] == [{"key": "A", "count": 1, "previous": 2, "change": -1},
                         {"key": "B", "count": 2, "previous": 1, "change": 1},
                         {"key": "C", "count": 0, "previous": 1, "change": -1}]
    assert p["stage"] == [
        {"key": "intent", "count": 1, "previous": 1, "change": 0},
        {"key": "active", "count": 2, "previous": 2, "change": 0},
        {"key": "lost", "count": 1, "previous": 0, "change": 1},
        {"key": "prospect", "count": 0, "previous": 1, "change": -1}]
    assert p["value_level"] == [
        {"key": "high", "count": 2, "previous": 2, "change": 0},
        {"key": "medium", "count": 1, "previous": 1, "change": 0},
        {"key": "low", "count": 1, "previous": 1, "change": 0}]
    assert (p["new"], p["upgraded"], p["downgraded"], p["lost"]) == ([], ["C"], [], ["D"])
    assert doc["movements"] == [
        {"code": "A", "name": "甲", "field": "stage", "from": "prospect", "to": "intent",
         "date": "2026-10-05", "why": {}},
        {"code": "B", "name": "乙", "field": "stage", "from": "intent", "to": "active",
         "date": "2026-10-25", "why": {}},
        {"code": "C", "name": "丙", "field": "tier", "from": "C", "to": "B", "score_from": 22.5,
         "score_to": 60.0, "date": None, "why": {"orders": 37.5}},
        {"code": "D", "name": "丁", "field": "stage", "from": "active", "to": "lost",
         "date": "2026-10-20", "why": {}}]
    a = doc["activity"]
    assert [(w["week"], w["from"], w["to"], w["total"]) for w in a["weeks"]] == [
        ("2026-W40", "2026-10-01", "2026-10-04", 0), ("2026-W41", "2026-10-05", "2026-10-11", 1),
        ("2026-W42", "2026-10-12", "2026-10-18", 2), ("2026-W43", "2026-10-19", "2026-10-25", 0),
        ("2026-W44", "2026-10-26", "2026-10-31", 0)]
    assert a["weeks"][2]["kinds"] == {"order": 1, "complaint": 1}
    assert (a["total"], a["previous_total"]) == (3, 2)
    assert a["by_kind"] == [
        {"key": "complaint", "count": 1, "previous": 0, "change": 1},
        {"key": "order", "count": 1, "previous": 1, "change": 0},
        {"key": "visit", "count": 1, "previous": 0, "change": 1},
        {"key": "call", "count": 0, "previous": 1, "change": -1}]
    assert a["not_contacted"] == {}
    # cadence: A every 7 days, B every 14, after the last contact
    assert [(o["code"], o["due"], o["days_overdue"]) for o in a["overdue_at_end"]] == [
        ("A", "2026-10-12", 19), ("C", "2026-10-26", 5), ("B", "2026-10-26", 5)]
    c = doc["conversion"]
    assert c["transitions"] == [
        {"from": "prospect", "to": "intent", "count": 1, "base": 1, "rate": 1.0},
        {"from": "intent", "to": "active", "count": 1, "base": 2, "rate": 0.5},
        {"from": "active", "to": "lost", "count": 1, "base": 3, "rate": 0.3333}]
    assert c["in_stage"] == {"prospect": 1, "intent": 2, "active": 3, "lost": 1}
    # stays that ended in October: A prospect 08-01..10-05, D active ..10-20, B intent ..10-25
    assert c["median_days"] == {"prospect": 65.0, "active": 80.0, "intent": 85.0}
    life = doc["lifecycle"]
    assert (life["new"], life["active"], life["dormant"], life["lost"]) == (0, 3, 0, 1)
    r = doc["revenue"]
    assert r["months"] == [{"month": "2026-10", "amount": 30000.0}]
    assert r["previous_months"] == [{"month": "2026-09", "amount": 10000.0}]
    assert (r["total"], r["previous_total"]) == (30000.0, 10000.0)
    assert r["top"] == [{"code": "C", "name": "丙", "amount": 30000.0, "previous": 10000.0,
                         "change": 20000.0}]
    assert doc["lost"] == {"by_reason": {"价格": 1}, "customers": [
        {"code": "D", "name": "丁", "reason": "价格", "date": "2026-10-20",
         "note": "被竞品抢走"}]}


def test_quarter_so_far_against_the_quarter_before(past: Kam) -> None:
    doc = past.json("review", "--quarter", "2026Q4")
    assert doc["period"]["as_of"] == "2026-11-23"  # the quarter is not over
    assert doc["previous"]["label"] == "2026Q3"
    assert doc["customers"] == 5
    p = doc["portfolio"]
    assert p["new"] == ["E"] and p["lost"] == ["D"]
    assert [(m["code"], m["from"], m["to"]) for m in doc["movements"]
            if m["field"] == "stage"] == [("A", "prospect", "active"), ("B", "intent", "active"),
                                          ("D", "active", "lost")]
    assert doc["conversion"]["transitions"] == [
        {"from": "prospect", "to": "intent", "count": 1, "base": 1, "rate": 1.0},
        {"from": "intent", "to": "active", "count": 2, "base": 2, "rate": 1.0},
        {"from": "active", "to": "lost", "count": 1, "base": 4, "rate": 0.25}]
    r = doc["revenue"]
    assert [m["month"] for m in r["months"]] == ["2026-10", "2026-11", "2026-12"]
    assert [m["amount"] for m in r["months"]] == [30000.0, 5000.0, 0.0]
    assert [m["amount"] for m in r["previous_months"]] == [0.0, 0.0, 10000.0]
    assert (r["total"], r["previous_total"]) == (35000.0, 10000.0)
    life = doc["lifecycle"]
    assert (life["new"], life["active"], life["lost"]) == (1, 4, 1)
    assert doc["activity"]["total"] == 5
    assert doc["conversion"]["median_days"]["intent"] == 60.5  # A 36 days, B 85


def test_filters_and_as_of(past: Kam) -> None:
    doc = past.json("review", "--month", "2026-10", "--owner", "李明")
    assert doc["customers"] == 2 and doc["revenue"]["total"] == 30000.0
    assert [m["code"] for m in doc["movements"]] == ["C", "D"]
    past("--today", "2026-08-01", "edit", "B", "--tag", "重点", "--industry", "制造业")
    tagged = past.json("review", "--month", "2026-10", "--tag", "重点")
    assert tagged["customers"] == 1 and [m["code"] for m in tagged["movements"]] == ["B"]
    assert past.json("review", "--month", "2026-10", "--industry", "制造业")["customers"] == 1
    assert past.json("review", "--month", "2026-10", "--industry", "零售")["customers"] == 0
    early = past.json("review", "--month", "2026-10", "--as-of", "2026-10-15")
    assert early["period"]["as_of"] == "2026-10-15"
    assert early["lost"]["customers"] == [] and early["portfolio"]["lost"] == []
    # the default is the last full month
    assert past.json("review")["period"]["label"] == "2026-10"


def test_bad_periods_are_refused(past: Kam) -> None:
    assert "2026-13" in past("review", "--month", "2026-13", code=2).stderr
    assert "--quarter" in past("review", "--quarter", "2026Q5", code=2).stderr
    past("review", "--month", "2026-10", "--quarter", "2026Q4", code=2)
    past("review", "--from", "2026-10-10", "--to", "2026-10-01", code=2)
    past("review", "--month", "2027-01", code=2)


def test_terminal_charts_and_plain_tables(past: Kam, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAM_LANG", "zh")
    monkeypatch.setenv("COLUMNS", "80")
    plain = past("review", "--month", "2026-10").stdout
    assert plain.startswith("复盘 2026-10：2026-10-01 至 2026-10-31，对比 2026-09；4 个客户")
    assert "█" not in plain and "客户分层" in plain and "阶段转化" in plain
    bars = past("review", "--month", "2026-10", "--chart").stdout
    assert "█" in bars
    for out in (plain, bars):
        from kam.text import width
        assert all(width(line) <= 80 for line in out.splitlines())


def test_workbooks_print_as_the_boss_reads_them(past: Kam, tmp_path: Path) -> None:
    """A4 landscape, every column on one page's width, the header repeated on each page;
    the funnel drawn top-down (the first stage on top)."""
    import openpyxl

    target, export = tmp_path / "review.xlsx", tmp_path / "customers.xlsx"
    past("review", "--quarter", "2026Q4", "--xlsx", str(target))
    past("export", str(export))
    for book in (target, export):
        for ws in openpyxl.load_workbook(book).worksheets:
            if ws.sheet_state != "visible":
                continue
            setup = ws.page_setup
            assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == (
                "landscape", 9, 1, 0), (book.name, ws.title)
            assert ws.sheet_properties.pageSetUpPr.fitToPage and ws.print_title_rows == "$1:$1"
    bars = [c for ws in openpyxl.load_workbook(target).worksheets for c in ws._charts
            if getattr(c, "type", None) == "bar"]
    assert bars and all(c.x_axis.scaling.orientation == "maxMin" for c in bars)


def test_workbook_has_a_chart_per_charted_section(past: Kam, tmp_path: Path) -> None:
    import openpyxl

    target = tmp_path / "review.xlsx"
    past("review", "--quarter", "2026Q4", "--xlsx", str(target))
    wb = openpyxl.load_workbook(target)
    charted = {ws.title: ws._charts for ws in wb.worksheets if ws._charts}
    assert len(charted) == 9
    assert all(len(c) == 1 for c in charted.values())
    tiers = wb.worksheets[0]
    assert tiers.freeze_panes == "A2" and tiers["A1"].value == "Tier"
    [chart] = tiers._charts
    rows = 1 + len(past.json("review", "--quarter", "2026Q4")["portfolio"]["tier"])
    refs = [s.val.numRef.f for s in chart.series]
    assert refs == [f"'{tiers.title}'!$B$2:$B${rows}", f"'{tiers.title}'!$C$2:$C${rows}"]
    assert chart.series[0].tx.strRef.f == f"'{tiers.title}'!B1"  # the series' name
    lines = [ws for ws in wb.worksheets if ws._charts
             and type(ws._charts[0]).__name__ == "LineChart"]
    assert len(lines) == 2  # follow-ups per week, orders per month
    weeks = lines[0]
    n = 1 + len(past.json("review", "--quarter", "2026Q4")["activity"]["weeks"])
    [series] = weeks._charts[0].series
    assert series.val.numRef.f == f"'{weeks.title}'!$B$2:$B${n}" and series.smooth is False


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
def test_libreoffice_opens_the_review(past: Kam, tmp_path: Path) -> None:
    target = tmp_path / "review.xlsx"
    past("review", "--month", "2026-10", "--xlsx", str(target))
    r = subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                        "--headless", "--convert-to", "pdf", "--outdir",
                        str(tmp_path), str(target)], capture_output=True, timeout=180)
    assert r.returncode == 0 and (tmp_path / "review.pdf").stat().st_size > 1000


def test_an_undone_import_is_not_history_and_rates_stay_within_their_base(
        kam: Kam, tmp_path: Path) -> None:
    """An import, `kam undo`, the same import again: one change, not three; every rate
    is at most 100%, with its base shown."""
    first = tmp_path / "a.csv"
    first.write_text("客户编号,客户名称,合作阶段\nA1,甲,潜在客户\nA2,乙,潜在客户\n", encoding="utf-8")
    kam("--today", "2026-11-02", "import", str(first))
    moved = tmp_path / "b.csv"
    moved.write_text("客户编号,客户名称,合作阶段\nA1,甲,意向客户\nA2,乙,意向客户\n", encoding="utf-8")
    kam("--today", "2026-11-10", "import", str(moved))
    kam("--today", "2026-11-10", "undo", "2")
    kam("--today", "2026-11-11", "import", str(moved))
    doc = kam.json("--today", "2026-12-01", "review", "--month", "2026-11")
    rows = doc["conversion"]["transitions"]
    assert rows == [{"from": "prospect", "to": "intent", "count": 2, "base": 2, "rate": 1.0}]
    assert all(r["rate"] <= 1 for r in rows)


def test_review_numbers_are_numbers_and_codes_are_never_cut(kam: Kam, tmp_path: Path,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    from kam.review import Amount, Change, Share

    assert (str(Change(2_100_000)), str(Change(-3)), str(Change(0)), str(Change(1.5))) == (
        "+2,100,000", "-3", "0", "+1.50")
    assert (str(Amount(2_100_000)), str(Share(0.3333))) == ("2,100,000", "33%")
    kam("add", "--code", "KH2023000001", "--name", "名字很长的" * 6 + "公司", "--stage", "意向客户")
    kam("log", "KH2023000001", "订单", "-k", "order", "--amount", "2100000", "--date",
        "2026-11-05")
    monkeypatch.setenv("COLUMNS", "60")
    out = kam("--today", "2026-12-01", "review", "--month", "2026-11", "--no-chart").stdout
    assert "KH2023000001" in out and "2,100,000" in out and "e+06" not in out
    book = tmp_path / "review.xlsx"
    kam("--today", "2026-12-01", "review", "--month", "2026-11", "--xlsx", str(book))
    import openpyxl

    wb = openpyxl.load_workbook(book)
    cells = [c for ws in wb.worksheets for row in ws.iter_rows() for c in row]
    money = [c for c in cells if c.value == 2100000]
    assert money and all(c.data_type == "n" and "#,##0" in c.number_format for c in money)
    assert not [c for c in cells if isinstance(c.value, str) and "e+0" in c.value]



def test_a_device_or_a_folder_is_never_replaced_by_a_workbook(past: Kam, tmp_path: Path) -> None:
    """Run as root, an atomic rename would put a file where /dev/null was: refused, for
    the review and the export alike, and the target left as it was."""
    import os
    import stat

    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    for args in (("review", "--month", "2026-10", "--xlsx", str(fifo)),
                 ("export", str(fifo), "-f", "csv"), ("export", str(tmp_path), "-f", "json")):
        r = past(*args, code=2)
        assert "is not a regular file" in r.stderr and r.stderr.count("\n") == 1, args
    assert stat.S_ISFIFO(os.stat(fifo).st_mode) and tmp_path.is_dir()
