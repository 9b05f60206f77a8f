"""score, due, risk, done, snooze and digest through the CLI: exact JSON, as scripts see it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import Kam

EXAMPLE_CONFIG = Path(__file__).parent.parent / "examples" / "kam.yaml"


@pytest.mark.parametrize("name, extras, expected", [
    ("A公司", ["annual_purchase=300", "years=5", "repurchase_rate=80%", "influence=高"], 95),
    ("B公司", ["annual_purchase=20", "years=1", "repurchase_rate=30%", "influence=低"], 40),
    ("C公司", ["annual_purchase=120", "years=3", "repurchase_rate=60%", "influence=中"], 75),
])
def test_worked_example_on_the_example_config(kam: Kam, name: str, extras: list[str],
                                              expected: float) -> None:
    args = ["add", "--name", name, "--config", str(EXAMPLE_CONFIG)]
    for e in extras:
        args += ["--extra", e]
    code = kam(*args).stdout.strip()
    [row] = kam.json("score", code, "--config", str(EXAMPLE_CONFIG))
    assert abs(row["score"] - expected) <= 1, row


def test_worked_example_from_the_example_sheet(kam: Kam) -> None:
    kam("import", str(EXAMPLE_CONFIG.with_name("customers.xlsx")), "--config",
        str(EXAMPLE_CONFIG))
    rows = {r["name"]: r for r in kam.json("score", "--config", str(EXAMPLE_CONFIG))}
    assert [(rows[n]["score"], rows[n]["tier"]) for n in ("A公司", "B公司", "C公司")] == [
        (95, "A"), (40, "C"), (75, "B")]
    assert rows["A公司"]["breakdown"] == {"annual_purchase": 40.0, "years": 20.0,
                                         "repurchase_rate": 20.0, "influence": 15.0}
    # the score table heads each indicator by its column in the language of the run
    assert "annual_purchase" in kam("score", "--config", str(EXAMPLE_CONFIG)).stdout
    head = kam("score", "--config", str(EXAMPLE_CONFIG), "--lang", "zh").stdout.splitlines()[1]
    assert "年采购额(万元)" in head and "合作年限" in head and "annual" not in head


def test_score_json_and_explain(kam: Kam) -> None:
    kam("add", "--name", "甲", "--value-level", "高")
    [row] = kam.json("score", "--explain")
    # only the value level is known (20 of 100): scaled up to half the weights, 20/50
    assert row["code"] == "KH2026001" and row["score"] == 40.0 and row["tier"] == "C"
    assert row["breakdown"] == {"annual_purchase": 0.0, "years": 0.0, "repurchase_rate": 0.0,
                                "influence": 0.0, "referral": 0.0, "value_level": 40.0,
                                "stage": 0.0, "recency": 0.0, "tags": 0.0,
                                "complaints_90d": 0.0}
    assert row["explain"]["value_level"] == {"raw": "high", "value": "high", "normalised": 1.0,
                                             "weight": 20.0, "points": 40.0, "missing": False,
                                             "source": "field.value_level", "scale": 2.0}
    r = kam("score", "--explain")
    assert "KH2026001 甲: 40 → C Trial" in r.stdout and "Normalised" in r.stdout
    assert "points scaled ×2" in r.stdout
    zh = kam("--lang", "zh", "score", "--explain").stdout  # in the user's words
    assert "客户价值等级" in zh and "高价值" in zh and "value_level" not in zh
    assert " high " not in zh and "annual_purchase" not in zh and "年采购额" in zh
    # scoring that sees nothing says so
    assert ("warning: annual_purchase (年采购额): no value for 1 of 1 customers" in r.stderr)
    # a listing says it in one line, however many indicators, and not in JSON output
    listed = kam("score").stderr.splitlines()
    assert len(listed) == 1 and listed[0].startswith("warning: 8 indicator(s) without a value "
                                                     "for most customers (年采购额, 合作年限")
    assert kam("score", "-f", "json").stderr == ""


@pytest.mark.parametrize("yaml_text, message", [
    ("scoring:\n  indicators:\n    x: {weight: ten, floor: 0, cap: 1}\n",
     "line 3: scoring.indicators.x.weight: must be a number, not 'ten'"),
    ("scoring:\n  indicators:\n    x: {weight: 10, source: derived.magic, floor: 0, cap: 1}\n",
     "line 3: scoring.indicators.x.source: unknown source 'derived.magic'"),
    ("scoring:\n  tiers:\n    - {name: A, min: 60}\n    - {name: B, min: 80}\n",
     "line 4: scoring.tiers.1.min: tiers must go from the highest min to the lowest"),
    ("scoring:\n  indicators:\n    x: {weight: 10}\n",
     "line 3: scoring.indicators.x: needs exactly one normalisation"),
    ("followup:\n  cadence:\n    tier: {A: -7}\n",
     "line 3: followup.cadence.tier.A: must be a whole number of days, not -7"),
    ("risk:\n  churn_days: 200\n", "risk.dormant_days: must be more than churn_days"),
    ("scoring:\n  indicators:\n    x: {weight: " + "9" * 401 + ", floor: 0, cap: 1}\n",
     "line 3: scoring.indicators.x.weight: must be a number between -1e+15 and 1e+15"),
    ("scoring:\n  indicators:\n    x: {weight: 10, floor: 0, cap: " + "9" * 401 + "}\n",
     "line 3: scoring.indicators.x.cap: must be a number between -1e+15 and 1e+15"),
])
def test_weights_that_cannot_work(kam: Kam, yaml_text: str, message: str) -> None:
    kam("add", "--name", "甲")
    kam.db.with_name("kam.yaml").write_text(yaml_text, encoding="utf-8")
    r = kam("score", code=2)
    assert message in r.stderr, r.stderr
    assert r.stderr.count("\n") == 1
    f = kam.db.with_name("s.csv")
    f.write_text("客户名称,联系人\n乙,王\n", encoding="utf-8")
    r = kam("import", str(f), code=2)  # kam.yaml is named, not the file imported
    assert message in r.stderr and "s.csv" not in r.stderr, r.stderr


@pytest.fixture
def week(kam: Kam) -> Kam:
    """Customers in every state on 2026-11-23."""
    kam("add", "--code", "LATE", "--name", "逾期公司", "--stage", "合作中", "--owner", "李明")
    kam("log", "LATE", "上次沟通", "--date", "2026-10-01")
    kam("add", "--code", "TODAY", "--name", "今天公司", "--stage", "合作中", "--owner", "张华")
    kam("log", "TODAY", "约好今天回访", "--date", "2026-11-01", "--next", "2026-11-23")
    kam("add", "--code", "SOON", "--name", "即将公司", "--stage", "意向客户",
        "--date", "birthday=1980-11-25")
    kam("log", "SOON", "需求沟通", "--date", "2026-11-20")
    kam("add", "--code", "SLEEP", "--name", "沉睡公司")
    kam("log", "SLEEP", "很久以前", "--date", "2026-05-01")
    kam("log", "SLEEP", "大单", "--date", "2026-05-01", "--kind", "order", "--amount", "10万")
    kam("add", "--code", "FINE", "--name", "健康公司")
    kam("log", "FINE", "刚联系", "--date", "2026-11-22")
    return kam


def test_due_json_exact(week: Kam) -> None:
    assert week.json("due") == [
        {"code": "SLEEP", "name": "沉睡公司", "kind": "follow_up", "due": "2026-05-31",
         "days_overdue": 176, "section": "overdue", "tier": "C", "owner": "", "urgency": 31.72},
        {"code": "LATE", "name": "逾期公司", "kind": "follow_up", "due": "2026-10-31",
         "days_overdue": 23, "section": "overdue", "tier": "C", "owner": "李明",
         "urgency": 25.8},
        {"code": "TODAY", "name": "今天公司", "kind": "follow_up", "due": "2026-11-23",
         "days_overdue": 0, "section": "today", "tier": "C", "owner": "张华", "urgency": 3.6},
        {"code": "SOON", "name": "即将公司", "kind": "birthday", "due": "2026-11-25",
         "days_overdue": -2, "section": "upcoming", "tier": "C", "owner": "", "urgency": 9.0},
        {"code": "SOON", "name": "即将公司", "kind": "follow_up", "due": "2026-11-27",
         "days_overdue": -4, "section": "upcoming", "tier": "C", "owner": "", "urgency": 4.0},
    ]


def test_due_filters_days_and_csv(week: Kam) -> None:
    assert [i["code"] for i in week.json("due", "--owner", "李明")] == ["LATE"]
    assert [i["code"] for i in week.json("due", "--stage", "意向客户", "--days", "2")] == ["SOON"]
    assert week("due", "--days", "0", "--format", "csv").stdout.splitlines() == [
        "code,name,kind,due,days_overdue,section,tier,owner,urgency",
        "SLEEP,沉睡公司,follow_up,2026-05-31,176,overdue,C,,31.72",
        "LATE,逾期公司,follow_up,2026-10-31,23,overdue,C,李明,25.8",
        "TODAY,今天公司,follow_up,2026-11-23,0,today,C,张华,3.6",
        "SOON,即将公司,birthday,2026-11-25,-2,upcoming,C,,9",  # within the birthday's 7-day lead
    ]
    r = week("due", "--tier", "Z", code=2)
    assert "unknown tier 'Z'" in r.stderr


@pytest.mark.usefixtures("zh")
def test_due_table_sections(week: Kam) -> None:
    out = week("due").stdout
    assert out.index("逾期（2）") < out.index("今天（1）") < out.index("即将到期（2）")
    assert "逾期176天" in out and "2天后" in out


def test_nothing_due_is_exit_0_with_message(week: Kam) -> None:
    r = week("due", "--today", "2026-01-01", "--days", "0", "--owner", "nobody")
    assert r.stdout == "" and "Nothing due" in r.stderr
    assert week.json("due", "--owner", "nobody") == []


def test_done_and_snooze_work_through_the_list(week: Kam) -> None:
    week("done", "TODAY", "回访完成")
    week("snooze", "LATE", "--days", "3")
    codes = [i["code"] for i in week.json("due", "--days", "7")]
    assert "TODAY" not in codes
    late = [i for i in week.json("due") if i["code"] == "LATE"]
    assert late[0]["due"] == "2026-11-26" and late[0]["days_overdue"] == -3
    assert week.json("show", "TODAY")["interactions"][0]["summary"] == "回访完成"
    assert "in the past" in week("snooze", "LATE", "--until", "2026-01-01", code=2).stderr
    assert "either --until" in week("snooze", "LATE", code=2).stderr


@pytest.mark.usefixtures("zh")
def test_risk_json_exact(week: Kam) -> None:
    [row] = week.json("risk")
    assert row == {"code": "SLEEP", "name": "沉睡公司", "health": 50.0,
                   "reasons": ["206天未联系，已过沉睡线（180天）：发激活优惠或新品信息"],
                   "days_since_contact": 206, "dormant": True, "tier": "C", "owner": "",
                   "signals": ["dormant"]}


def test_risk_threshold_option_and_nobody(week: Kam) -> None:
    assert [r["code"] for r in week.json("risk", "--threshold", "95")] == ["SLEEP", "LATE"]
    r = week("risk", "--owner", "nobody")
    assert r.stdout == "" and "No customer at risk" in r.stderr


def test_digest_text_markdown_json(week: Kam) -> None:
    text = week("digest").stdout
    assert text.splitlines()[0] == "kam digest 2026-11-23"
    assert "  SLEEP 沉睡公司: 176 days late" in text and "\x1b[" not in text
    assert "  2026-11-25 SOON 即将公司: birthday" in text
    md = week("digest", "--format", "markdown").stdout
    assert md.startswith("# kam digest 2026-11-23") and "- TODAY 今天公司: today" in md
    doc = week.json("digest")
    assert [d["code"] for d in doc["due"]] == ["SLEEP", "LATE", "TODAY"]
    assert doc["at_risk"] == 1 and doc["new_risks"] == []
    assert [d["kind"] for d in doc["dates"]] == ["birthday"]


def test_digest_new_risk_is_new_since_the_previous_working_day(week: Kam) -> None:
    """New: on today's watch list and not on the previous working day's, for any
    signal; said once, not every day of the week after."""
    days = [f"2026-12-{d:02d}" for d in range(21, 32)]
    first = next(d for d in days if "LATE" in [r["code"] for r in week.json("risk", "--today", d)])
    assert [r["code"] for r in week.json("digest", "--today", first)["new_risks"]] == ["LATE"]
    later = days[days.index(first) + 1]
    assert week.json("digest", "--today", later)["new_risks"] == []


def test_digest_new_risk_from_complaints(week: Kam) -> None:
    week("log", "FINE", "交期投诉", "-k", "complaint")
    week("log", "FINE", "质量投诉", "-k", "complaint")
    assert [r["code"] for r in week.json("digest")["new_risks"]] == ["FINE"]


@pytest.mark.parametrize(("today", "before"), [("2026-11-23", "2026-11-20"),
                                               ("2026-11-24", "2026-11-23"),
                                               ("2026-11-22", "2026-11-20"),
                                               ("2026-11-21", "2026-11-20")])
def test_previous_working_day(today: str, before: str) -> None:
    from datetime import date

    from kam.dates import previous_working_day

    assert previous_working_day(date.fromisoformat(today)).isoformat() == before


def test_archived_customers_are_left_out(week: Kam) -> None:
    import json

    from kam.store.db import open_store

    with open_store(week.db, write=True) as store:
        from dataclasses import replace

        store.put(replace(store.get("SLEEP"), archived=True))
        store.commit()
    assert "SLEEP" not in json.dumps(week.json("due"))
    assert "SLEEP" not in [c["code"] for c in week.json("list")]
    assert "SLEEP" in [c["code"] for c in week.json("list", "--all")]


def test_due_table_limit_per_section(week: Kam) -> None:
    r = week("due", "--limit", "1")
    assert "Overdue (2)" in r.stdout and "SLEEP" in r.stdout and "LATE" not in r.stdout
    assert "showing the first 1 of 2 (--limit 0 shows all)" in r.stderr
    assert "LATE" in week("due", "--limit", "0").stdout
    assert len(week.json("due", "--limit", "1")) == 5  # JSON is never cut


def test_kam_alone_shows_the_morning_once_there_is_an_archive(kam: Kam) -> None:
    """Without an archive, where to start (the help); with one, the digest on one screen:
    at most 5 lines a section and how many more, with the command that lists them."""
    r = kam()
    assert "kam init" in r.stdout or "Usage" in r.stdout or "用法" in r.stdout
    for n in range(8):
        kam("add", "--name", f"公司{n}", "--next", "2026-11-20", "--force", "--today", "2026-11-01")
    morning = kam("--today", "2026-11-23").stdout
    digest = kam("digest", "--today", "2026-11-23").stdout
    assert morning.splitlines()[:7] == digest.splitlines()[:7]
    assert len(digest.splitlines()) > len(morning.splitlines())
    assert "`kam due`" in morning and "3" in morning.splitlines()[7]


def test_dates_are_typed_as_people_say_them_and_said_back_as_dates(kam: Kam) -> None:
    r = kam("add", "--name", "甲", "--next", "明天", "--today", "2026-12-07")
    assert "2026-12-08" in r.stderr
    r = kam("log", "KH2026001", "电话", "--date", "昨天", "--next", "下周三", "--today", "2026-12-07")
    assert "2026-12-06" in r.stderr and "2026-12-16" in r.stderr
    r = kam("snooze", "KH2026001", "--until", "月底", "--today", "2026-12-07")
    assert "2026-12-31" in r.stderr
    assert kam.json("show", "KH2026001", "--today", "2026-12-07")["next_follow_up"] == "2026-12-31"
    r = kam("edit", "KH2026001", "--next", "+7", "--today", "2026-12-07")
    assert "2026-12-14" in r.stderr
    assert kam.json("due", "--today", "明天", "--days", "30")[0]["due"] == "2026-12-14"
    r = kam("snooze", "KH2026001", "--until", "下个月15号", "--today", "2026-12-07")
    assert "2027-01-15" in r.stderr
    r = kam("log", "KH2026001", "拜访", "--date", "三天前", "--next", "两周后", "--today",
            "2026-12-07")
    assert "2026-12-04" in r.stderr and "2026-12-21" in r.stderr
    r = kam("log", "KH2026001", "上门", "--date", "周五", "--next", "3号", "--today", "2026-12-07")
    assert "2026-12-04" in r.stderr and "2027-01-03" in r.stderr  # last Friday; next 3rd
    r = kam("snooze", "KH2026001", "--until", "改天", code=2)
    assert "--until" in r.stderr and "改天" in r.stderr


def test_risk_shows_the_whole_advice_at_80_columns(kam: Kam, monkeypatch: pytest.MonkeyPatch
                                                    ) -> None:
    """The advice (分析原因，打电话挽回) is what to do: wrapped, never cut."""
    monkeypatch.setenv("COLUMNS", "80")
    monkeypatch.setenv("KAM_LANG", "en")
    kam("add", "--name", "Sleepy Trading Co", "--stage", "合作中", "--today", "2026-01-01")
    kam("log", "KH2026001", "电话", "--date", "2026-01-01", "--today", "2026-01-01")
    table = kam("risk", "--today", "2026-11-23").stdout.splitlines()
    at = table[1].index("Reasons")
    text = "".join(re.sub(r"\s{2,}[A-D]\s*$", "", line[at:]) for line in table[2:])
    for reason in kam.json("risk", "--today", "2026-11-23")[0]["reasons"]:
        assert reason.replace(" ", "") in text.replace(" ", ""), (reason, table)
    assert all(len(line) <= 80 for line in table) and "…" not in "".join(table)


def test_score_table_heads_indicators_in_the_users_words(kam: Kam, zh: None,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """年采购额 and 合作阶段, not annual_purchase and stage; JSON keeps the names."""
    monkeypatch.setenv("COLUMNS", "250")
    kam("add", "--name", "甲", "--extra", "年采购额=300万", "--stage", "合作中")
    head = kam("score").stdout.splitlines()[1]
    assert "年采购额" in head and "合作阶段" in head and "未联系天数" in head
    assert "annual_purchase" not in head and "complaints_90d" not in head
    assert "annual_purchase" in kam.json("score")[0]["breakdown"]


@pytest.mark.parametrize("env, coloured", [({}, False), ({"CLICOLOR_FORCE": "1"}, True),
                                           ({"FORCE_COLOR": "1"}, True),
                                           ({"CLICOLOR_FORCE": "0"}, False)])
def test_colour_can_be_forced_through_a_pipe(kam: Kam, monkeypatch: pytest.MonkeyPatch,
                                            env: dict[str, str], coloured: bool) -> None:
    kam("add", "--name", "甲", "--next", "2026-11-20", "--force", "--today", "2026-11-01")
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    assert ("\x1b[" in kam("due", "--today", "2026-11-23").stdout) is coloured
