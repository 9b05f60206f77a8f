"""The archive commands through the CLI: what a user sees, exactly."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import Kam


def test_init_creates_db_and_commented_config(kam: Kam) -> None:
    r = kam("init")
    assert kam.db.exists()
    cfg = kam.db.with_name("kam.yaml")
    assert "# kam settings" in cfg.read_text(encoding="utf-8")
    assert r.stdout == ""
    assert f"Created {kam.db}" in r.stderr
    before = kam.digest()
    r = kam("init", code=2)
    assert "already exists" in r.stderr
    assert kam.digest() == before


def test_add_assigns_code_and_prints_it(kam: Kam) -> None:
    r = kam("add", "--name", "甲公司")
    assert r.stdout == "KH2026001\n"
    assert "Created a new kam database" in r.stderr
    assert kam("add", "--name", "乙公司").stdout == "KH2026002\n"


def test_add_then_list_json_exact(two: Kam) -> None:
    out = two.json("list")
    assert [c["code"] for c in out] == ["KH2024001", "KH2024002"]
    assert out[0] == {
        "code": "KH2024001", "name": "某某科技有限公司", "contact": "王某某", "title": "总经理",
        "contact_info": "13956781234", "industry": "制造业", "size": "200-500人",
        "value_level": "high", "need": "设备采购", "stage": "active", "last_contact": None,
        "last_summary": "", "owner": "李某", "tags": ["重点跟进"], "note": "下季度计划扩产",
        "score": 66.0, "tier": "B", "extra": {"微信": "wx_abc"}, "next_follow_up": "2026-12-07",
        "next_follow_up_source": "cadence", "dates": {"birthday": "1980-11-25"},
        "contacts": [], "archived": False, "lost": None,
    }
    assert out[1]["stage"] == "intent" and out[1]["value_level"] == "medium"


def test_list_csv_exact(two: Kam) -> None:
    r = two("list", "--format", "csv", "--stage", "intent")
    assert r.stdout.splitlines() == [
        "code,name,contact,title,contact_info,industry,size,value_level,need,stage,last_contact,"
        "last_summary,owner,tags,note,score,tier,next_follow_up",
        "KH2024002,某某商贸有限公司,,,buyer@example.com,,,medium,,intent,,,张某,,,34,C,2026-11-30",
    ]


def test_list_filters_and_sort(two: Kam) -> None:
    assert [c["code"] for c in two.json("list", "--owner", "李某")] == ["KH2024001"]
    assert [c["code"] for c in two.json("list", "--tag", "重点跟进")] == ["KH2024001"]
    assert [c["code"] for c in two.json("list", "--value-level", "B")] == ["KH2024002"]
    assert [c["code"] for c in two.json("list", "--sort", "-code")] == ["KH2024002", "KH2024001"]
    r = two("list", "--sort", "colour", code=2)
    assert "--sort: unknown key 'colour'" in r.stderr


def test_list_table_is_plain_without_terminal(two: Kam) -> None:
    r = two("list")
    assert "KH2024001" in r.stdout and "Active" in r.stdout
    assert "\x1b[" not in r.stdout


def test_mask(two: Kam) -> None:
    out = two.json("list", "--mask")
    assert out[0]["contact_info"] == "139****1234"
    assert out[0]["extra"] == {"微信": "w***"}
    assert out[1]["contact_info"] == "b***@example.com"


def test_search_chinese_and_latin_case(two: Kam) -> None:
    assert [c["code"] for c in two.json("search", "商贸")] == ["KH2024002"]
    assert [c["code"] for c in two.json("search", "WX_ABC")] == ["KH2024001"]
    two("log", "KH2024002", "报价方案确认 Quote")
    assert [c["code"] for c in two.json("search", "quote")] == ["KH2024002"]
    assert two.json("search", "没有这个") == []


@pytest.mark.parametrize("typed", ["139 5678 1234", "+86 139-5678-1234", "13956781234",
                                   "0086 13956781234", "(139) 5678.1234", "5678-1234",
                                   "１３９ ５６７８ １２３４"])
def test_search_finds_a_phone_number_as_typed(kam: Kam, typed: str) -> None:
    """However the number was stored and however it is typed."""
    kam("add", "--code", "A", "--name", "甲", "--contact-info", "13956781234")
    kam("add", "--code", "B", "--name", "乙", "--contact-info", "+86 139-5678-1234 / b@x.cn")
    kam("add", "--code", "C", "--name", "丙", "--contact", "王", "--contact-info", "0851-88886666",
        "--extra", "备用电话=139 5678 1234")
    kam("add", "--code", "D", "--name", "丁", "--contact-info", "13800001111")
    assert [c["code"] for c in kam.json("search", typed)] == ["A", "B", "C"]
    assert [c["code"] for c in kam.json("search", "0851 8888 6666")] == ["C"]
    assert [c["code"] for c in kam.json("search", "2024")] == []  # not a phone: text


@pytest.mark.parametrize("typed", ["ABC", "abc", "ＡＢＣ", "ａｂｃ贸易"])
def test_search_takes_full_width_text_as_its_ascii_form(kam: Kam, typed: str) -> None:
    """A Chinese input method types ＡＢＣ and １３９: the same letters and digits."""
    kam("add", "--code", "A", "--name", "ＡＢＣ贸易", "--contact-info", "１３７ ００１３ ７００３")
    kam("add", "--code", "B", "--name", "ABC 公司")
    kam("add", "--code", "C", "--name", "丙")
    assert [c["code"] for c in kam.json("search", typed)] == (["A"] if "贸易" in typed
                                                               else ["A", "B"])
    assert [c["code"] for c in kam.json("search", "137 0013 7003")] == ["A"]


def test_names_sort_in_pinyin_order(kam: Kam) -> None:
    """As Chinese Excel, WPS and phone contacts list them, not by code point."""
    for name in ("中联重科", "云帆科技", "内蒙古伊利", "北方工业", "安和医疗", "博雅教育", "abc 贸易",
                 "ABD 公司"):
        kam("add", "--name", name)
    names = [c["name"] for c in kam.json("list", "--sort", "name")]
    assert names == ["abc 贸易", "ABD 公司", "安和医疗", "北方工业", "博雅教育", "内蒙古伊利",
                     "云帆科技", "中联重科"]
    assert [c["name"] for c in kam.json("list", "--sort", "-name")] == names[::-1]


def test_edit_fields_tags_unset_and_updated(two: Kam) -> None:
    before = two.json("show", "KH2024001")
    two("edit", "KH2024001", "--stage", "长期合作", "--tag", "稳定合作", "--untag", "重点跟进",
        "--unset", "extra.微信", "--unset", "note", "--extra", "地址=上海")
    after = two.json("show", "KH2024001")
    assert after["stage"] == "long_term"
    assert after["tags"] == ["稳定合作"]
    assert after["extra"] == {"地址": "上海"}
    assert after["note"] == ""
    assert after["updated"] >= before["updated"]


def test_edit_nothing_changes_writes_nothing(two: Kam) -> None:
    before = two.digest()
    r = two("edit", "KH2024001", "--stage", "active")
    assert "Nothing to change" in r.stderr
    assert two.digest() == before


def test_show_json_has_history_newest_first(two: Kam) -> None:
    two("log", "KH2024001", "初次拜访", "--date", "2026-11-01", "--kind", "visit")
    two("log", "KH2024001", "新品需求对接", "--date", "2026-11-20", "--next", "2026-12-01")
    two("log", "KH2024001", "补录旧电话", "--date", "2026-10-01", "--kind", "call")
    doc = two.json("show", "KH2024001")
    assert [i["summary"] for i in doc["interactions"]] == ["新品需求对接", "初次拜访", "补录旧电话"]
    assert doc["last_contact"] == "2026-11-20"
    assert doc["last_summary"] == "新品需求对接"
    assert doc["next_follow_up"] == "2026-12-01"
    assert set(doc["interactions"][0]) == {"id", "date", "kind", "summary", "amount", "next",
                                           "created"}


def test_show_table(two: Kam) -> None:
    r = two("show", "KH2024001")
    for text in ("某某科技有限公司", "High value", "Active", "wx_abc", "birthday"):
        assert text in r.stdout


def test_log_clears_fulfilled_follow_up(two: Kam) -> None:
    two("log", "KH2024001", "约好下周", "--next", "2026-11-20", "--date", "2026-11-10", "--force")
    two("log", "KH2024001", "按时回访", "--date", "2026-11-21")
    doc = two.json("show", "KH2024001")
    # the scheduled date is fulfilled: the next one comes from the cadence (A: 7 days)
    assert (doc["tier"], doc["next_follow_up"], doc["next_follow_up_source"]) == (
        "A", "2026-11-28", "cadence")


def test_log_order_amount_in_wan(two: Kam) -> None:
    two("log", "KH2024001", "年度订单", "--kind", "order", "--amount", "5万")
    doc = two.json("show", "KH2024001")
    assert doc["interactions"][0]["amount"] == 50000.0


def test_duplicate_code_refused(two: Kam) -> None:
    before = two.digest()
    r = two("add", "--name", "重复", "--code", "KH2024001", code=2)
    assert r.stderr == "Error: code KH2024001 is already used by 某某科技有限公司\n"
    assert two.digest() == before


def test_same_phone_warns_with_other_customer(two: Kam) -> None:
    r = two("add", "--name", "丙公司", "--contact-info", "139-5678-1234")
    assert "shares contact 13956781234 with KH2024001 某某科技有限公司" in r.stderr


@pytest.mark.parametrize("args, message", [
    (("show", "NOPE"), "no customer with code or name 'NOPE'"),
    (("log", "NOPE", "x"), "no customer with code or name 'NOPE'"),
    (("edit", "NOPE", "--note", "x"), "no customer with code or name 'NOPE'"),
    (("log", "KH2024001", "x", "--date", "2024-02-30"), "--date: no such date: '2024-02-30'"),
    (("log", "KH2024001", "x", "--date", "某一天"), "--date: not a date: '某一天'"),
    (("log", "KH2024001", "x", "--kind", "lunch"), "--kind: unknown kind 'lunch'"),
    (("log", "KH2024001", "x", "--amount", "lots"), "--amount: not an amount: 'lots'"),
    (("edit", "KH2024001", "--stage", "maybe"), "unknown stage 'maybe'; use one of: 潜在客户 (prospect)"),
    (("add", "--name", "X", "--value-level", "超高"), "unknown value grade '超高'"),
    (("add", "--name", "X", "--extra", "novalue"), "bad --extra 'novalue': write it as NAME=VALUE"),
    (("add", "--name", "X", "--date", "birthday=1980-13-01"), "no such date: '1980-13-01'"),
    (("add", "--contact", "nobody"), "--name is required"),
    (("add", "--name", "X", "--code", "has space"), "bad customer code 'has space'"),
    (("edit", "KH2024001", "--untag", "没有"), "KH2024001 has no tag '没有'"),
    (("edit", "KH2024001", "--unset", "colour"), "nothing to unset called 'colour'"),
    (("--today", "2024-02-30", "due"), "--today: no such date: '2024-02-30'"),
])
def test_bad_input_exit_2_one_line_nothing_written(two: Kam, args: tuple[str, ...],
                                                   message: str) -> None:
    before = two.digest()
    r = two(*args, code=2)
    assert message in r.stderr
    assert r.stderr.count("\n") == 1, r.stderr
    assert r.stdout == ""
    assert two.digest() == before


def test_read_command_on_missing_db(kam: Kam) -> None:
    r = kam("list", code=2)
    assert "no kam database at" in r.stderr and "kam init" in r.stderr
    assert not kam.db.exists()


def test_global_options_after_the_command(two: Kam, tmp_path) -> None:  # type: ignore[no-untyped-def]
    other = tmp_path / "other.json"
    two("add", "--name", "别处", "--db", str(other))
    assert [c["name"] for c in two.json("list", "--db", str(other))] == ["别处"]
    assert len(two.json("--db", str(two.db), "list")) == 2


def test_invalid_yaml_names_file_and_line(two: Kam) -> None:
    cfg = two.db.with_name("kam.yaml")
    cfg.write_text("risk:\n  threshold: [60\n", encoding="utf-8")
    r = two("due", code=2)
    assert r.stderr.startswith(f"Error: {cfg}: line 3: invalid YAML")


def test_unknown_config_key_names_line(two: Kam) -> None:
    cfg = two.db.with_name("kam.yaml")
    cfg.write_text("risk:\n  threshold: 50\n  treshold: 60\n", encoding="utf-8")
    r = two("list", code=2)
    assert r.stderr == (f"Error: {cfg}: line 3: risk.treshold: unknown key (known: threshold, "
                        "churn_days, dormant_days, orders_drop, complaints, weights)\n")


def test_missing_explicit_config_is_an_error(two: Kam, tmp_path) -> None:  # type: ignore[no-untyped-def]
    r = two("list", "--config", str(tmp_path / "nope.yaml"), code=2)
    assert "no such settings file" in r.stderr


def test_unexpected_error_one_line_exit_1(two: Kam, monkeypatch: pytest.MonkeyPatch) -> None:
    import kam.scoring

    def boom(*a, **k):  # type: ignore[no-untyped-def]
        raise ZeroDivisionError("secret customer data")

    monkeypatch.setattr(kam.scoring.Scorer, "scored", boom)  # the daily view scores with it
    r = two("list", code=1)
    assert r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert "--debug" in r.stderr
    r = two("--debug", "list", code=1)
    assert "Traceback" in r.stderr


def test_version_and_help() -> None:
    out = subprocess.run([sys.executable, "-m", "kam", "--version"], capture_output=True,
                         text=True, check=True)
    assert out.stdout.startswith("kam ")
    out = subprocess.run([sys.executable, "-m", "kam", "-h"], capture_output=True, text=True,
                         check=True)
    for command in ("init", "add", "edit", "show", "list", "search", "log", "due", "risk",
                    "score"):
        assert command in out.stdout


def test_cli_import_pulls_in_neither_openpyxl_nor_rich() -> None:
    code = ("import sys, kam.cli; bad = [m for m in ('openpyxl', 'rich', 'yaml', 'tinydb') "
            "if m in sys.modules]; print(json.dumps(bad))")
    out = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True,
                         text=True, check=True)
    assert json.loads(out.stdout) == []


def test_json_due_does_not_import_rich_or_openpyxl(two: Kam) -> None:
    code = ("import sys, runpy\nsys.argv = ['kam', 'due', '--format', 'json']\n"
            "try:\n    runpy.run_module('kam', run_name='__main__')\nexcept SystemExit:\n    pass\n"
            "print([m for m in ('openpyxl', 'rich') if m in sys.modules], file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env={**__import__("os").environ, "KAM_DB": str(two.db)})
    assert out.stderr.strip().splitlines()[-1] == "[]", out.stderr


def test_several_contacts_with_roles(kam: Kam) -> None:
    kam("add", "--name", "远航集团", "--person", "刘洋:decision_maker:副总裁:13790123456",
        "--person", "陈工:influencer")
    assert kam.json("show", "KH2026001")["contacts"] == [
        {"name": "刘洋", "role": "decision_maker", "title": "副总裁",
         "contact_info": "13790123456"},
        {"name": "陈工", "role": "influencer", "title": "", "contact_info": ""}]
    assert kam.json("show", "KH2026001", "--mask")["contacts"][0]["contact_info"] == "137****3456"
    kam("edit", "KH2026001", "--unset", "contacts", "--person", "王总:user")
    assert [p["name"] for p in kam.json("show", "KH2026001")["contacts"]] == ["王总"]
    kam("edit", "KH2026001", "--person", "李:老板娘", "--person", "赵:决策人")  # free text too
    assert [p["role"] for p in kam.json("show", "KH2026001")["contacts"]] == [
        "user", "老板娘", "decision_maker"]


def test_empty_results_say_so_on_stderr(two: Kam) -> None:
    r = two("list", "--owner", "nobody")
    assert r.stdout == "" and r.stderr == "No customers match.\n"
    r = two("search", "没有这个")
    assert r.stdout == "" and r.stderr == "Nothing found for '没有这个'.\n"
    assert two("list", "--owner", "nobody", "--format", "json").stdout == "[]\n"


def test_show_csv(two: Kam) -> None:
    lines = two("show", "KH2024002", "--format", "csv").stdout.splitlines()
    assert lines == [
        "code,name,contact,title,contact_info,industry,size,value_level,need,stage,last_contact,"
        "last_summary,owner,tags,note,score,tier,next_follow_up",
        "KH2024002,某某商贸有限公司,,,buyer@example.com,,,medium,,intent,,,张某,,,34,C,2026-11-30",
    ]


def test_the_main_contact_is_one_of_the_contacts(kam: Kam) -> None:
    """Role, title and details can be set on the main contact (联系人); `contact main`
    moves the role with the person; the same person twice is refused, main included."""
    kam("add", "--code", "KH1", "--name", "华东", "--contact", "王建国",
        "--contact-info", "13900000001")
    kam("contact", "edit", "KH1", "王建国", "--role", "决策人", "--title", "总经理")
    one = kam.json("show", "KH1")
    assert (one["contact"], one["contact_role"], one["title"], one["contacts"]) == (
        "王建国", "decision_maker", "总经理", [])
    r = kam("contact", "add", "KH1", "王建国", code=2)
    assert "王建国 is already a contact of KH1" in r.stderr
    r = kam("edit", "KH1", "--person", "王建国:决策人::13900000001", code=2)
    assert "王建国 is already a contact of KH1" in r.stderr
    kam("contact", "add", "KH1", "李四", "--role", "采购", "--info", "13900000002")
    kam("contact", "main", "KH1", "李四")
    one = kam.json("show", "KH1")
    assert (one["contact"], one["contact_role"], one["contact_info"]) == (
        "李四", "purchaser", "13900000002")
    assert [(p["name"], p["role"], p["title"]) for p in one["contacts"]] == [
        ("王建国", "decision_maker", "总经理")]
    kam("contact", "rm", "KH1", "李四")  # the next one becomes the main contact
    assert (kam.json("show", "KH1")["contact"], kam.json("show", "KH1")["contacts"]) == (
        "王建国", [])


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_the_main_contacts_role_survives_export_and_import(kam: Kam, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          fmt: str) -> None:
    kam("add", "--code", "KH1", "--name", "华东", "--contact", "王建国",
        "--contact-info", "13900000001")
    kam("contact", "edit", "KH1", "王建国", "--role", "决策人")
    kam("contact", "add", "KH1", "李四", "--role", "采购")
    out = tmp_path / f"out.{fmt}"
    kam("export", str(out))
    monkeypatch.setenv("KAM_DB", str(tmp_path / "again" / "kam.json"))
    kam("import", str(out))
    back = kam.json("show", "KH1")
    assert (back["contact"], back["contact_role"]) == ("王建国", "decision_maker")
    assert [(p["name"], p["role"]) for p in back["contacts"]] == [("李四", "purchaser")]


def test_show_gives_the_whole_name_and_note_at_60_columns(kam: Kam,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    name = "北京市海淀区中关村科技园区某某某某某某某某某某有限责任公司"
    note = "客户希望在明年第一季度之前完成设备更新，需要我们提供三套方案，并安排技术人员上门演示。"
    kam("add", "--name", name, "--note", note)
    out = kam("show", "KH2026001").stdout
    joined = "".join(line.strip() for line in out.splitlines())
    assert name in joined and note in joined and "…" not in out
    from kam.text import width
    assert all(width(line) <= 60 for line in out.splitlines())


def test_history_and_dry_run_name_the_extra_that_changed(kam: Kam,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Not the whole unchanged set of extra columns around the one that changed."""
    monkeypatch.setenv("COLUMNS", "80")
    kam("add", "--name", "甲", "--extra", "微信=wx1", "--extra", "地址=北京", "--extra", "QQ=123")
    dry = kam("edit", "KH2026001", "--extra", "微信=wx2", "--dry-run").stdout
    assert "微信: wx1 → wx2" in dry and "北京" not in dry and "123" not in dry
    kam("edit", "KH2026001", "--extra", "微信=wx2")
    last = kam("history", "KH2026001").stdout.split("KH2026001")[-1]
    assert "微信: wx1 → wx2" in last and "北京" not in last
    assert kam.json("history", "KH2026001")[-1]["changes"]["extra"][1]["地址"] == "北京"  # whole


def test_history_shows_a_stage_and_a_grade_by_their_labels(kam: Kam,
                                                            monkeypatch: pytest.MonkeyPatch
                                                            ) -> None:
    """As the user knows them (意向客户, 高价值), in the run's language; JSON and CSV keep
    the keys scripts read."""
    monkeypatch.setenv("COLUMNS", "200")
    monkeypatch.setenv("KAM_LANG", "zh")
    kam("add", "--name", "甲", "--stage", "意向客户")
    kam("edit", "KH2026001", "--stage", "合作中", "--value-level", "高价值")
    table = kam("history", "KH2026001").stdout
    assert "合作阶段: 意向客户 → 合作中" in table and "intent" not in table
    assert "高价值" in table and "high" not in table
    assert "stage: intent → active" in kam("history", "KH2026001", "-f", "csv").stdout
    assert kam.json("history", "KH2026001")[-1]["changes"]["stage"] == ["intent", "active"]


def test_a_merge_shows_stages_and_grades_by_their_labels(kam: Kam,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAM_LANG", "zh")
    kam("add", "--name", "甲", "--stage", "合作中", "--value-level", "高价值")
    kam("add", "--name", "甲分公司", "--stage", "意向客户", "--value-level", "中价值")
    table = kam("merge", "KH2026001", "KH2026002", "--dry-run").stdout
    assert "合作中" in table and "意向客户" in table and "高价值" in table
    assert not {"active", "intent", "high", "medium"} & set(table.split())
    doc = kam.json("merge", "KH2026001", "KH2026002", "--dry-run")
    assert {"field": "stage", "kept": "active", "other": "intent"} in doc["conflicts"]

