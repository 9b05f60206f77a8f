"""The archive forgives mistakes (issue 11): each test first reproduces what went wrong."""

from __future__ import annotations

import json
from pathlib import Path

from tests.conftest import Kam
from tests.workbooks import TEMPLATE_HEADER, TEMPLATE_ROWS, workbook


def _a_customer(kam: Kam) -> None:
    kam("add", "--code", "KH2024001", "--name", "华东精密", "--value-level", "高",
        "--stage", "合作中")
    kam("log", "KH2024001", "上次拜访", "--date", "2026-11-10")


# 1. date typos are refused where they enter
def test_a_log_dated_a_year_ahead_is_refused_and_nothing_written(kam: Kam) -> None:
    _a_customer(kam)
    before = kam.digest()
    r = kam("log", "KH2024001", "电话", "--date", "2027-11-23", code=2)
    assert r.stderr == ("Error: --date 2027-11-23 is after today (2026-11-23): it cannot have "
                        "happened yet; check the year, or add --force if it is right\n")
    assert kam.digest() == before
    assert "KH2024001" in {d["code"] for d in kam.json("due")}  # still overdue, still listed
    r = kam("log", "KH2024001", "电话", "--next", "2026-11-01", code=2)
    assert "--next 2026-11-01 is before today (2026-11-23)" in r.stderr
    kam("log", "KH2024001", "补记", "--next", "2026-11-01", "--force")  # insisted on


def test_impossible_dates_and_two_digit_years_are_named(kam: Kam) -> None:
    _a_customer(kam)
    assert "no such date: '2026-02-30'" in kam("log", "KH2024001", "x", "--date",
                                               "2026-02-30", code=2).stderr
    assert "two-digit year in '26-11-20'" in kam("log", "KH2024001", "x", "--date", "26-11-20",
                                                 code=2).stderr
    assert "birthday 2030-01-01 is in the future" in kam(
        "edit", "KH2024001", "--date", "生日=2030-01-01", code=2).stderr
    r = kam("edit", "KH2024001", "--date", "签约纪念日=2026-06-01", "--date",
            "合同到期=2026-01-31", code=2)
    assert "contract end 2026-01-31 is before the contract start 2026-06-01" in r.stderr


# 2. a wrong log entry can be removed or corrected
def test_an_order_typed_twice_is_removed_and_the_score_comes_back(kam: Kam) -> None:
    _a_customer(kam)
    kam("log", "KH2024001", "年度订单", "--kind", "order", "--amount", "80万",
        "--date", "2026-11-12")
    score = kam.json("score", "KH2024001")[0]["score"]
    kam("log", "KH2024001", "年度订单", "--kind", "order", "--amount", "80万",
        "--date", "2026-11-12")
    doubled = kam.json("show", "KH2024001")
    orders = [i for i in doubled["interactions"] if i["kind"] == "order"]
    assert len(orders) == 2
    kam("unlog", orders[0]["id"][:6])
    after = kam.json("show", "KH2024001")
    assert [i["kind"] for i in after["interactions"]].count("order") == 1
    assert kam.json("score", "KH2024001")[0]["score"] == score
    note = kam.json("history", "KH2024001")[-1]["note"]
    assert note.startswith(f"removed follow-up {orders[0]['id']}: 2026-11-12 order 年度订单")


def test_a_follow_up_is_corrected(kam: Kam) -> None:
    _a_customer(kam)
    [entry] = kam.json("show", "KH2024001")["interactions"]
    kam("relog", entry["id"][:8], "--summary", "上门拜访", "--date", "2026-11-12")
    doc = kam.json("show", "KH2024001")
    assert (doc["last_contact"], doc["last_summary"]) == ("2026-11-12", "上门拜访")
    assert "2026-11-10 → 2026-11-12" in kam.json("history", "KH2024001")[-1]["note"]
    assert "no follow-up with id 'ffffff'" in kam("unlog", "ffffff", code=2).stderr
    assert "--date 2027-01-01 is after today" in kam("relog", entry["id"], "--date",
                                                     "2027-01-01", code=2).stderr


# 6. undo compares commits, not seconds
def test_undo_refuses_after_a_same_second_edit_and_names_it(kam: Kam, tmp_path: Path) -> None:
    f = workbook(tmp_path / "t.xlsx", [("s", [TEMPLATE_HEADER, *TEMPLATE_ROWS])])
    kam("--today", "2026-11-23", "import", str(f))
    kam("--today", "2026-01-01", "edit", "KH2024002", "--note", "导入后改的")  # an earlier --today
    before = kam.digest()
    r = kam("undo", code=2)
    assert "1 customer(s) changed after this import: KH2024002 (edit note)" in r.stderr
    assert kam.digest() == before
    kam("undo", "--force")
    assert kam.json("list") == []


# 7. customers named as people name them
def test_codes_in_any_case_and_name_fragments(kam: Kam) -> None:
    _a_customer(kam)
    kam("add", "--code", "KH2024002", "--name", "华东物流")
    assert kam.json("show", "kh2024001")["code"] == "KH2024001"
    assert kam.json("show", "精密")["code"] == "KH2024001"
    kam("log", "物流", "电话")
    assert kam.json("show", "KH2024002")["last_summary"] == "电话"
    r = kam("show", "华东", code=2)
    assert r.stderr == ("Error: '华东' matches 2 customers: KH2024001 华东精密, KH2024002 华东物流; "
                        "give the code\n")
    assert json.loads(kam("score", "kh2024002", "-f", "json").stdout)[0]["code"] == "KH2024002"
    # as a Chinese input method types them: full-width letters and digits
    assert kam.json("show", "ｋｈ２０２４００２")["code"] == "KH2024002"
    kam("add", "--code", "KH2024003", "--name", "ＡＢＣ贸易")
    assert kam.json("show", "abc")["code"] == "KH2024003"


# 8. backups say what they precede; a burst of commands keeps the day's first state
def test_backups_are_labelled_and_a_burst_keeps_the_days_first_state(kam: Kam,
                                                                      tmp_path: Path) -> None:
    kam("add", "--code", "K1", "--name", "甲", "--note", "昨天的状态")
    f = tmp_path / "s.csv"
    f.write_text("客户编号,客户名称\nK2,乙\n", encoding="utf-8")
    kam("import", str(f))
    labels = [b["before"] for b in kam.json("backups")]
    assert labels == ["import s.csv #1"]
    for n in range(25):
        kam("edit", "K1", "--note", f"第{n}次")
    backups = kam.json("backups")
    assert len(backups) == 21 and backups[0]["before"] == "import s.csv #1"
    kam("restore", str(backups[0]["id"]))
    assert kam.json("show", "K1")["note"] == "昨天的状态"


# 4. one change to many customers is one command, one backup, undoable
def test_bulk_edit_by_filter_with_a_dry_run_and_one_backup(kam: Kam) -> None:
    for n in range(30):
        kam("add", "--code", f"Z{n:02d}", "--name", f"客户{n}", "--owner", "张华" if n < 25
            else "李明")
    newest = kam.json("backups")[-1]["id"]
    before = kam.digest()
    r = kam("edit", "--where", "owner=张华", "--owner", "王芳", "--dry-run")
    assert "25 to change" in r.stdout and "Owner: 张华 → 王芳" in r.stdout
    assert kam.digest() == before
    kam("edit", "--where", "owner=张华", "--owner", "王芳")
    owners = [c["owner"] for c in kam.json("list")]
    assert owners.count("王芳") == 25 and owners.count("李明") == 5
    assert [(b["id"], b["before"]) for b in kam.json("backups")[-2:]] == [
        (newest, "add"), (newest + 1, "edit Z00 Z01 Z02 … (×25)")]  # one backup for all 25
    kam("restore")  # the one backup takes all 25 back
    assert [c["owner"] for c in kam.json("list")].count("张华") == 25
    kam("edit", "z00", "z01", "--tag", "重点跟进")  # several codes, any case
    assert [c["code"] for c in kam.json("list", "--tag", "重点跟进")] == ["Z00", "Z01"]
    assert "use one of: stage" in kam("edit", "--where", "colour=red", "--note", "x",
                                      code=2).stderr
    assert "name the customers" in kam("edit", "--note", "x", code=2).stderr


# 4. two archives of one company become one; a code can change
def test_merge_keeps_everything_and_the_other_code_finds_it(kam: Kam) -> None:
    kam("add", "--code", "A1", "--name", "华东精密", "--contact", "王总", "--owner", "李明",
        "--extra", "微信=wx_a", "--tag", "重点跟进")
    kam("log", "A1", "第一次", "--date", "2026-11-01")
    kam("add", "--code", "B1", "--name", "华东精密机械", "--contact", "陈经理",
        "--contact-info", "13900001111", "--extra", "微信=wx_b", "--extra", "地址=上海",
        "--tag", "需维护", "--date", "生日=1980-02-02")
    kam("log", "B1", "第二次", "--date", "2026-11-10")
    before = kam.digest()
    r = kam("merge", "A1", "B1", "--dry-run")
    assert "2 conflicting value(s)" in r.stdout and "wx_b" in r.stdout
    assert json.loads(kam("merge", "A1", "B1", "--dry-run", "-f", "json").stdout) == {
        "code": "A1", "merged": "B1", "follow_ups": 1, "dry_run": True,
        "conflicts": [{"field": "contact", "kept": "王总", "other": "陈经理"},
                      {"field": "微信", "kept": "wx_a", "other": "wx_b"}]}
    assert kam.digest() == before
    kam("merge", "A1", "B1")
    doc = kam.json("show", "A1")
    assert [i["summary"] for i in doc["interactions"]] == ["第二次", "第一次"]
    assert (doc["contact"], doc["contact_info"], doc["last_summary"]) == (
        "王总", "13900001111", "第二次")
    assert doc["extra"] == {"微信": "wx_a", "地址": "上海", "联系人 (B1)": "陈经理",
                            "微信 (B1)": "wx_b"}
    assert doc["tags"] == ["重点跟进", "需维护"] and doc["dates"] == {"birthday": "1980-02-02"}
    assert kam.json("show", "b1")["code"] == "A1"  # the other code finds the merged one
    assert [c["code"] for c in kam.json("list")] == ["A1"]
    kam("restore")  # one backup undoes the merge
    assert [c["code"] for c in kam.json("list")] == ["A1", "B1"]


def test_rename_keeps_the_log_and_the_old_code(kam: Kam) -> None:
    kam("add", "--code", "KH2024001", "--name", "甲")
    kam("add", "--code", "KH2024002", "--name", "乙")
    kam("log", "KH2024001", "电话", "--date", "2026-11-01")
    kam("rename", "KH2024001", "HD-001")
    doc = kam.json("show", "KH2024001")
    assert doc["code"] == "HD-001" and [i["summary"] for i in doc["interactions"]] == ["电话"]
    assert "already used by 乙" in kam("rename", "HD-001", "kh2024002", code=2).stderr
    notes = [e.get("note") for e in kam.json("history", "HD-001")]
    assert "renamed from KH2024001" in notes


# 3. contacts are first-class, and travel through spreadsheets
def test_contacts_add_edit_remove_main_and_no_duplicates(kam: Kam) -> None:
    kam("add", "--code", "K1", "--name", "远航集团", "--contact", "刘洋", "--title", "副总裁",
        "--contact-info", "13790123456")
    kam("contact", "add", "K1", "王五", "--role", "决策人", "--title", "总经理", "--info",
        "13900001111")
    r = kam("contact", "add", "K1", "王五", "--info", "139-0000-1111", code=2)
    assert "王五 is already a contact of K1" in r.stderr
    kam("contact", "edit", "K1", "王五", "--title", "董事长")
    kam("contact", "add", "K1", "陈工", "--role", "技术")
    kam("contact", "rm", "K1", "陈工")
    assert "K1 has no contact '陈工'" in kam("contact", "rm", "K1", "陈工", code=2).stderr
    kam("contact", "main", "K1", "王五")
    doc = kam.json("show", "K1")
    assert (doc["contact"], doc["title"], doc["contact_info"]) == ("王五", "董事长", "13900001111")
    assert doc["contacts"] == [{"name": "刘洋", "role": "other", "title": "副总裁",
                                "contact_info": "13790123456"}]


def test_three_contacts_round_trip_through_xlsx_and_csv(kam: Kam, tmp_path: Path,
                                                        monkeypatch) -> None:  # type: ignore[no-untyped-def]
    kam("add", "--code", "K1", "--name", "远航集团", "--contact", "刘洋")
    for name, role, title, info in [("王五", "决策人", "总经理", "13900001111"),
                                    ("陈工", "技术", "", "chen@x.cn"), ("李姐", "财务", "会计", "")]:
        kam("contact", "add", "K1", name, "--role", role, "--title", title, "--info", info)
    original = kam.json("show", "K1")["contacts"]
    assert len(original) == 3
    for fmt in ("xlsx", "csv"):
        out = tmp_path / f"out.{fmt}"
        kam("export", str(out))
        monkeypatch.setenv("KAM_DB", str(tmp_path / fmt / "kam.json"))
        kam("import", str(out))
        assert kam.json("show", "K1")["contacts"] == original, fmt
        monkeypatch.setenv("KAM_DB", str(kam.db))


# 5. re-importing an older sheet never rolls newer data back
def _old_sheet(tmp_path: Path) -> Path:
    f = tmp_path / "last-year.csv"
    f.write_text("客户编号,客户名称,合作阶段,最近跟进时间,合同到期日,备注\n"
                 "KH2024001,华东精密,意向客户,2026-10-01,2026-12-31,\n"
                 "KH2024002,远航集团,合作中,2026-10-01,,老备注\n", encoding="utf-8")
    return f


def test_an_older_sheet_does_not_undo_a_signing_or_a_renewal(kam: Kam, tmp_path: Path) -> None:
    f = _old_sheet(tmp_path)
    kam("import", str(f))
    kam("edit", "KH2024001", "--stage", "合作中", "--date", "合同到期=2027-12-31")
    kam("log", "KH2024001", "签约", "--date", "2026-11-20")
    r = kam("import", str(f), "--dry-run")
    assert ("KH2024001 row 2: the sheet's Stage '意向客户' not taken, '合作中' kept (changed in "
            "kam since the last import) (--prefer sheet takes the sheet's)") in r.stderr
    doc = json.loads(kam("import", str(f), "-f", "json").stdout)
    assert [(c["code"], c["field"], c["kept"]) for c in doc["conflicts"]] == [
        ("KH2024001", "stage", "archive"), ("KH2024001", "date.contract_end", "archive")]
    one = kam.json("show", "KH2024001")
    assert (one["stage"], one["dates"]["contract_end"]) == ("active", "2027-12-31")
    kam("import", str(f), "--prefer", "sheet")
    assert kam.json("show", "KH2024001")["stage"] == "intent"


def test_dry_run_lists_each_field_that_would_change(kam: Kam, tmp_path: Path) -> None:
    f = _old_sheet(tmp_path)
    kam("import", str(f))
    f.write_text("客户编号,客户名称,备注\nKH2024002,远航集团,新备注\n", encoding="utf-8")
    doc = json.loads(kam("import", str(f), "--dry-run", "-f", "json").stdout)
    assert doc["changes"] == [{"code": "KH2024002", "field": "note", "old": "老备注",
                               "new": "新备注"}]
    r = kam("import", str(f), "--dry-run")
    assert "1 field(s) would change" in r.stdout and "新备注" in r.stdout


def test_an_erased_customer_is_not_brought_back_silently(kam: Kam, tmp_path: Path) -> None:
    f = _old_sheet(tmp_path)
    kam("import", str(f))
    kam("erase", "KH2024002", "--yes")
    doc = json.loads(kam("import", str(f), "-f", "json").stdout)
    assert doc["created"] == 0
    assert {"row": 3, "reason": "erased", "text": "KH2024002 was erased on 2026-11-23; skipped "
            "(use --allow-erased to bring it back)"} in doc["skipped"]
    assert "远航集团" not in kam.db.read_text(encoding="utf-8")  # a salted hash, no name
    kam("import", str(f), "--allow-erased")
    assert kam.json("show", "KH2024002")["name"] == "远航集团"


def test_an_erased_code_is_never_handed_out_again(kam: Kam, tmp_path: Path) -> None:
    kam("add", "--name", "张三", "--contact-info", "13912345678")
    kam("erase", "KH2026001", "--yes")
    assert kam("add", "--name", "李四").stdout.strip() == "KH2026002"
    f = tmp_path / "leads.csv"  # brand-new leads without codes: kam assigns them codes
    f.write_text("客户名称,联系方式\n王五,13800000000\n赵六,13700000000\n", encoding="utf-8")
    doc = json.loads(kam("import", str(f), "-f", "json").stdout)
    assert (doc["created"], doc["skipped"], doc["errors"]) == (2, [], [])
    assert sorted(c["code"] for c in kam.json("list")) == ["KH2026002", "KH2026003", "KH2026004"]


def test_a_sheet_without_codes_does_not_bring_an_erased_person_back(kam: Kam,
                                                                    tmp_path: Path) -> None:
    """The erased person is remembered as salted hashes of name with phone or email: a
    code-less row of theirs is skipped, counted and said; a namesake with another
    number, and anyone else, comes in; --allow-erased brings them back."""
    kam("add", "--name", "张三", "--contact-info", "13912345678, zs@example.com")
    kam("erase", "KH2026001", "--yes")
    f = tmp_path / "old.csv"
    f.write_text("客户名称,联系方式\n张 三,139-1234-5678\n张三,13600000000\n李四,ZS@example.com\n"
                 "张三,zs@EXAMPLE.com\n", encoding="utf-8")
    doc = json.loads(kam("import", str(f), "-f", "json").stdout)
    assert doc["created"] == 2 and doc["errors"] == []
    text = ("the same name and phone or email as a customer erased on 2026-11-23; skipped "
            "(use --allow-erased to bring them back)")
    assert doc["skipped"] == [{"row": 2, "reason": "erased", "text": text},
                              {"row": 5, "reason": "erased", "text": text}]
    for p in kam.db.parent.rglob("*"):  # no personal data of theirs anywhere
        if p.is_file():
            assert b"13912345678" not in p.read_bytes() and b"zs@" not in p.read_bytes(), p
    assert "2 erased customer(s) skipped" in kam("import", str(f), "--dry-run").stderr
    kam("import", str(f), "--allow-erased")
    assert "张三" in [c["name"] for c in kam.json("list")]


def test_a_reimport_never_undoes_work_done_in_kam(kam: Kam, tmp_path: Path) -> None:
    """The same sheet again, after a day's work in kam: a stage changed, a customer lost,
    an owner handed over, a phone corrected (the sheet's row even has a newer 最近跟进时间):
    kam's values stay, each of the sheet's is listed and kept in the history; a lost
    customer is not revived even with --prefer sheet."""
    f = tmp_path / "team.csv"
    f.write_text("客户编号,客户名称,合作阶段,负责人,联系方式,最近跟进时间\n"
                 "KH1,华东精密,意向客户,张华,13900000001,2026-11-01\n"
                 "KH2,远航集团,合作中,张华,13900000002,2026-11-01\n"
                 "KH3,恒达,合作中,张华,13900000003,2026-11-01\n", encoding="utf-8")
    kam("import", str(f))
    kam("edit", "KH1", "--stage", "合作中")
    kam("lost", "KH2", "选了别家", "--reason", "竞争对手")
    kam("edit", "--where", "owner=张华", "--owner", "王芳")
    kam("edit", "KH3", "--contact-info", "13900000099")
    f.write_text(f.read_text(encoding="utf-8").replace("2026-11-01", "2026-11-22"),
                 encoding="utf-8")  # a colleague's newer row
    doc = json.loads(kam("import", str(f), "-f", "json").stdout)
    kept = {(c["code"], c["field"], c["why"]) for c in doc["conflicts"] if c["kept"] == "archive"}
    assert {("KH1", "stage", "kam"), ("KH2", "stage", "lost"), ("KH3", "contact_info", "kam"),
            ("KH1", "owner", "kam"), ("KH2", "owner", "kam"), ("KH3", "owner", "kam")} <= kept
    shown = {c["code"]: c for c in kam.json("list", "--all")}
    assert (shown["KH1"]["stage"], shown["KH2"]["stage"]) == ("active", "lost")
    assert {c["owner"] for c in shown.values()} == {"王芳"}
    assert shown["KH3"]["contact_info"] == "13900000099"
    assert "KH2" not in [d["code"] for d in kam.json("due", "--days", "60")]
    notes = [e.get("note", "") for e in kam.json("history", "KH3")]
    assert any("13900000003" in n and "13900000099" in n for n in notes)  # findable
    r = kam("import", str(f), "--prefer", "sheet")  # the real import shows what changed
    assert "field(s) changed" in r.stdout and "13900000099" in r.stdout
    shown = {c["code"]: c for c in kam.json("list", "--all")}
    assert shown["KH2"]["stage"] == "lost" and shown["KH3"]["contact_info"] == "13900000003"


def test_kam_changes_reads_the_history() -> None:
    from kam.importplan import kam_changes

    entries = [
        {"code": "A", "command": "import", "action": "created", "changes": {"stage": [None, "x"]}},
        {"code": "A", "command": "edit", "action": "changed",
         "changes": {"stage": ["x", "y"], "extra": [{"微信": "a", "k": 1}, {"微信": "b", "k": 1}],
                     "dates": [None, {"birthday": "2000-01-01"}]}},
        {"code": "B", "command": "edit", "action": "changed", "changes": {"owner": ["a", "b"]}},
        {"code": "B", "command": "import", "action": "changed", "changes": {"note": ["", "n"]}},
        {"code": "C", "command": "undo", "action": "changed", "changes": {"owner": ["a", "b"]}},
    ]
    assert kam_changes(entries) == {"A": {"stage", "微信", "date.birthday"}, "B": set()}



def test_one_unreadable_cell_never_leaves_a_customer_out(kam: Kam, tmp_path: Path) -> None:
    """A VIP whose 最后联系日期 says 下周 comes in: the cell is kept as written in
    最后联系日期(原值) and reported; the summary names every row that did not come in."""
    f = tmp_path / "vip.csv"
    f.write_text("客户编号,客户名称,客户价值等级,最后联系日期,合同到期日\n"
                 "KH1,VIP公司,高价值,下周,年底\nKH2,,低,2026-11-01,\nKH3,平常公司,低,2026-11-01,\n",
                 encoding="utf-8")
    r = kam("import", str(f))
    assert "rows not imported: 3" in r.stderr
    vip = kam.json("show", "KH1")
    assert vip["value_level"] == "high" and vip["last_contact"] is None
    assert vip["extra"] == {"最后联系日期(原值)": "下周", "合同到期日(原值)": "年底"}
    doc = json.loads(kam("import", str(f), "--dry-run", "-f", "json").stdout)
    assert [e["row"] for e in doc["errors"]] == [3]


def test_log_says_what_may_be_a_slip_and_logs_all_the_same(kam: Kam) -> None:
    kam("add", "--code", "K1", "--name", "甲")
    kam("log", "K1", "订单", "-k", "order", "--amount", "50000")
    r = kam("log", "K1", "订单", "-k", "order", "--amount", "50000")
    assert "K1 already has this on 2026-11-23: logged again" in r.stderr
    kam("done", "K1", "回访")
    assert "already has this" in kam("done", "K1", "回访").stderr
    assert "already has this" not in kam("log", "K1", "另一件事").stderr
    kam("archive", "K1")
    assert "K1 甲 is archived: logged all the same (kam unarchive K1)" in kam(
        "log", "K1", "电话").stderr
    assert len(kam.json("show", "K1")["interactions"]) == 6  # every line logged


def test_a_backfilled_follow_up_may_schedule_a_past_next_step(kam: Kam) -> None:
    kam("add", "--code", "K1", "--name", "甲")
    r = kam("log", "K1", "上月的电话", "--date", "2026-11-01", "--next", "2026-11-20")
    assert "--next 2026-11-20 is already past" in r.stderr
    assert kam.json("show", "K1")["next_follow_up"] == "2026-11-20"
    r = kam("log", "K1", "x", "--date", "2026-11-10", "--next", "2026-11-05", code=2)
    assert "--next 2026-11-05 is before today" in r.stderr  # before its own --date: refused
    kam("log", "K1", "x", "--next", "2026-11-20", code=2)  # no --date: today, refused


def test_undo_force_counts_every_follow_up_it_removes(kam: Kam, tmp_path: Path) -> None:
    f = tmp_path / "new.csv"
    f.write_text("客户编号,客户名称,最近跟进时间,跟进内容简述\nN1,甲,2026-11-01,初次电话\n"
                 "N2,乙,2026-11-02,初次拜访\n", encoding="utf-8")
    kam("import", str(f))
    kam("log", "N1", "导入后的电话")  # a follow-up of a customer the import created
    r = kam("undo", "--force")
    assert "3 follow-up(s)" in r.stderr, r.stderr


def test_a_merge_that_changes_nothing_of_the_kept_customer_says_so(kam: Kam) -> None:
    kam("add", "--code", "A1", "--name", "甲")
    kam("add", "--code", "A2", "--name", "甲")
    kam("merge", "A1", "A2")
    kept = [e for e in kam.json("history", "A1") if e["command"] == "merge"]
    assert [(e["action"], e["changes"]) for e in kept] == [("noted", {})]
    assert kept[0]["note"].startswith("merged with A2")
