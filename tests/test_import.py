"""kam import on template, legacy, real and hostile files."""

from __future__ import annotations

import json
import re
import zipfile
from datetime import date, datetime
from pathlib import Path

import pytest

from tests.conftest import Kam
from tests.workbooks import TEMPLATE_HEADER, TEMPLATE_ROWS, as_builtin_format, workbook

REAL = Path(__file__).parent / "data" / "real"


def test_template_sheet_imports_exactly(kam: Kam, tmp_path: Path) -> None:
    f = workbook(tmp_path / "t.xlsx", [("客户信息", [TEMPLATE_HEADER, *TEMPLATE_ROWS])])
    report = kam.json("import", str(f))
    assert {k: report[k] for k in ("created", "updated", "unchanged", "errors",
                                   "unmapped_columns", "sheet", "header_row")} == {
        "created": 4, "updated": 0, "unchanged": 0, "errors": [], "unmapped_columns": [],
        "sheet": "客户信息", "header_row": 1}
    c = kam.json("show", "KH2024003")
    assert (c["contact_info"], c["value_level"], c["stage"], c["tags"]) == (
        "1395678", "low", "prospect", ["沉睡客户"])
    assert (c["last_contact"], c["last_summary"]) == ("2024-05-05", "初步需求沟通")
    assert [(i["date"], i["kind"], i["summary"]) for i in c["interactions"]] == [
        ("2024-05-05", "follow_up", "初步需求沟通")]


def test_reimport_is_unchanged_and_keeps_one_follow_up(kam: Kam, tmp_path: Path) -> None:
    f = workbook(tmp_path / "t.xlsx", [("客户信息", [TEMPLATE_HEADER, *TEMPLATE_ROWS])])
    kam("import", str(f))
    report = kam.json("import", str(f))
    assert (report["created"], report["updated"], report["unchanged"]) == (0, 0, 4)
    assert report["batch"] is None
    assert len(kam.json("show", "KH2024001")["interactions"]) == 1


def _legacy(tmp_path: Path) -> Path:
    header = ["序号", " 客户编码 ", "公司名称*", "联系人（必填）", "手机", "邮箱", "客户等级",
              "合作阶段", "最后联系日期", "跟进记录", "销售负责人", "标签", "微信", "地址"]
    rows = [
        ["2024年客户台账", *[None] * 13],
        [None] * 14,
        header,
        [1, "KH001", "甲公司", "张三", 13956781234, "a@x.com", "高", "合作中",
         datetime(2024, 5, 10), "新品对接", "李明", "重点跟进,需维护", "wx1", "上海"],
        [None] * 14,
        [2, "KH002", "乙公司", "李四", 13700000000.0, None, "B", "已签约", "2024/5/9", "报价",
         "李明", None, None, "北京"],
        [3, "KH003", "丙公司", None, None, None, "low", "意向", "2024.05.08", "电话", "王五",
         None, None, None],
        [4, "KH004", "丁公司", None, None, None, "中价值", "潜在", "2024年5月7日", "拜访", None,
         None, None, None],
        [5, "KH005", "戊公司", None, None, None, None, "长期稳定客户", "5/6/2024", "年度总结",
         None, None, None, None],
        [6, "KH006", "己公司", None, None, None, None, None, 45418, "序列号日期", None, None,
         None, None],
        [7, "KH007", "庚公司", None, None, None, None, None, 45417, "WPS日期", None, None,
         None, None],
        [8, "KH001", None, "张三丰", None, None, None, None, "2024-05-12", "第二次跟进", None,
         None, None, "上海浦东"],
        [9, None, "新客户", None, None, None, None, None, None, None, None, None, None, None],
        [10, "KH008", "辛公司", None, None, None, None, "跟进中", None, None, None, None, None,
         None],
        [11, "KH009", "壬公司", None, None, None, None, None, "2024-02-30", None, None, None,
         None, None],
        ["合计", None, None, None, None, None, None, None, None, None, None, None, None, None],
        [None, None, "=COUNTA(C4:C15)", None, None, None, None, None, None, None, None, None,
         None, None],
    ]
    f = workbook(tmp_path / "legacy.xlsx",
                 [("填写说明", [["请按模板填写"], ["客户编号必须唯一"]]),
                  ("隐藏", [["客户编号", "客户名称", "联系人"], ["X1", "不该导入", "x"]]),
                  ("客户台账", rows)],
                 formats={("客户台账", "I10"): "General",
                          ("客户台账", "I11"): 'yyyy"年"m"月"d"日"'},
                 merges={"客户台账": ["A1:N1"]}, hidden=("隐藏",))
    as_builtin_format(f, 'yyyy"年"m"月"d"日"', 31)
    return f


def test_legacy_sheet_every_quirk(kam: Kam, tmp_path: Path) -> None:
    f = _legacy(tmp_path)
    report = kam.json("import", str(f))
    assert report["sheet"] == "客户台账" and report["header_row"] == 3
    assert report["unmapped_columns"] == ["微信", "地址"]
    assert report["columns"]["客户编码"] == "code" and report["columns"]["邮箱"] == "contact_info"
    assert report["errors"] == []  # an unreadable date never leaves a customer out
    assert report["created"] == 10
    assert report["notes"] == [
        {"row": 13, "message": "no code; assigned KH2026001"},
        {"row": 15, "message": "最后联系日期: no such date: '2024-02-30'; kept as text in "
                               "最后联系日期(原值)"}]
    assert report["merged"] == [{"rows": [4, 12], "code": "KH001", "by": "code", "note":
                                 "rows 4, 12 merged into KH001: the same code"}]
    assert report["skipped"] == [{"row": 16, "reason": "total", "text": "合计"}]
    assert report["sheets_seen"] == ["填写说明", "隐藏", "客户台账"]
    by_code = {c["code"]: c for c in kam.json("list")}
    assert set(by_code) == {"KH001", "KH002", "KH003", "KH004", "KH005", "KH006", "KH007",
                            "KH008", "KH009", "KH2026001"}
    assert by_code["KH009"]["extra"] == {"最后联系日期(原值)": "2024-02-30"}
    assert by_code["KH008"]["stage"] == "intent"  # 跟进中: a built-in alias
    a = by_code["KH001"]
    assert a["contact"] == "张三丰"  # the later row's non-empty value wins
    assert a["contact_info"] == "13956781234 / a@x.com"
    # the values it replaced stay, named by the row they came from
    assert a["extra"] == {"微信": "wx1", "地址": "上海浦东", "联系人 (row 4)": "张三",
                          "地址 (row 4)": "上海"}
    assert "rows 4, 12 merged into KH001" in kam.json("history", "KH001")[0]["note"]
    assert a["tags"] == ["重点跟进", "需维护"]
    assert (a["last_contact"], a["last_summary"]) == ("2024-05-12", "第二次跟进")
    assert [i["summary"] for i in kam.json("show", "KH001")["interactions"]] == ["第二次跟进",
                                                                                "新品对接"]
    assert by_code["KH002"]["contact_info"] == "13700000000"
    assert [by_code[c]["value_level"] for c in ("KH001", "KH002", "KH003", "KH004")] == [
        "high", "medium", "low", "medium"]
    assert [by_code[c]["stage"] for c in ("KH001", "KH002", "KH003", "KH004", "KH005")] == [
        "active", "active", "intent", "prospect", "long_term"]
    assert [by_code[f"KH00{i}"]["last_contact"] for i in range(2, 8)] == [
        "2024-05-09", "2024-05-08", "2024-05-07", "2024-05-06", "2024-05-06", "2024-05-05"]
    assert by_code["KH2026001"]["name"] == "新客户"
    assert "不该导入" not in json.dumps(by_code, ensure_ascii=False)


def test_dry_run_reports_the_same_and_writes_nothing(kam: Kam, tmp_path: Path) -> None:
    f = _legacy(tmp_path)
    kam("add", "--name", "已有")
    before = kam.digest()
    dry = kam.json("import", str(f), "--dry-run")
    assert kam.digest() == before
    assert dry["dry_run"] is True and dry["batch"] is None
    real = kam.json("import", str(f))
    assert {k: dry[k] for k in ("created", "updated", "errors")} == {
        k: real[k] for k in ("created", "updated", "errors")}


def test_dry_run_without_database_creates_nothing(kam: Kam, tmp_path: Path) -> None:
    f = workbook(tmp_path / "t.xlsx", [("s", [TEMPLATE_HEADER, *TEMPLATE_ROWS])])
    assert kam.json("import", str(f), "--dry-run")["created"] == 4
    assert not kam.db.exists()


def test_strict_imports_nothing_on_row_errors(kam: Kam, tmp_path: Path) -> None:
    kam("add", "--name", "已有")
    before = kam.digest()
    f = workbook(tmp_path / "t.xlsx", [("s", [["客户编号", "客户名称"], ["KH1", "甲"], ["K H!", "乙"]])])
    r = kam("import", str(f), "--strict", code=2)
    assert "1 row(s) with errors and --strict: nothing imported" in r.stderr
    assert kam.digest() == before


def test_update_field_by_field_and_undo(kam: Kam, tmp_path: Path) -> None:
    f = workbook(tmp_path / "t.xlsx", [("s", [TEMPLATE_HEADER, *TEMPLATE_ROWS])])
    kam("import", str(f))
    before = kam.json("list")
    f2 = workbook(tmp_path / "t2.xlsx", [("s", [
        ["客户编号", "客户名称", "备注", "合作阶段", "微信"],
        ["KH2024001", None, "改了备注", None, "wx_new"],
        ["KH2024099", "新来的公司", None, "意向客户", None],
    ])])
    report = kam.json("import", str(f2))
    assert (report["created"], report["updated"], report["unchanged"]) == (1, 1, 0)
    c = kam.json("show", "KH2024001")
    assert (c["note"], c["stage"], c["name"], c["extra"]) == (
        "改了备注", "active", "*某某科技有限公司", {"微信": "wx_new"})
    assert len(kam.json("batches")) == 2
    r = kam("undo")
    assert "2 customer(s) restored" in r.stderr
    assert kam.json("list") == before
    kam("undo")  # the first import too
    assert kam.json("list") == []
    r = kam("undo", code=2)
    assert "no import to undo" in r.stderr


def test_undo_refuses_customers_changed_since(kam: Kam, tmp_path: Path) -> None:
    f = workbook(tmp_path / "t.xlsx", [("s", [TEMPLATE_HEADER, *TEMPLATE_ROWS])])
    kam("--today", "2026-11-20", "import", str(f))
    kam("log", "KH2024001", "导入后的跟进")
    before = kam.digest()
    r = kam("undo", code=2)
    assert ("1 customer(s) changed after this import: KH2024001 (log last_contact, "
            "last_summary)") in r.stderr
    assert kam.digest() == before
    kam("undo", "--force")
    assert kam.json("list") == []


def test_csv_utf8_bom_and_gbk(kam: Kam, tmp_path: Path) -> None:
    text = "客户编号,客户名称,联系电话,最近联系时间\r\nKH1,甲公司,13956781234,2024/5/10\r\n"
    (tmp_path / "a.csv").write_bytes(text.encode("utf-8-sig"))
    (tmp_path / "b.csv").write_bytes(text.replace("KH1,甲", "KH2,乙").encode("gbk"))
    kam("import", str(tmp_path / "a.csv"))
    kam("import", str(tmp_path / "b.csv"))
    assert [(c["code"], c["name"], c["contact_info"], c["last_contact"])
            for c in kam.json("list")] == [("KH1", "甲公司", "13956781234", "2024-05-10"),
                                           ("KH2", "乙公司", "13956781234", "2024-05-10")]


def test_csv_guard_quote_is_removed_on_import(kam: Kam, tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("客户编号,客户名称,备注\nKH1,甲,'=1+1\nKH2,乙,'quoted\n",
                                    encoding="utf-8")
    kam("import", str(tmp_path / "a.csv"))
    assert [c["note"] for c in kam.json("list")] == ["=1+1", "'quoted"]


def test_slash_order_from_config(kam: Kam, tmp_path: Path) -> None:
    kam.db.parent.mkdir(parents=True)
    kam.db.with_name("kam.yaml").write_text("import:\n  slash_order: DMY\n", encoding="utf-8")
    (tmp_path / "a.csv").write_text("客户名称,最近跟进时间\n甲,5/10/2024\n", encoding="utf-8")
    kam("import", str(tmp_path / "a.csv"))
    assert kam.json("list")[0]["last_contact"] == "2024-10-05"


def test_user_aliases_from_config_and_map(kam: Kam, tmp_path: Path) -> None:
    f = workbook(tmp_path / "s.xlsx", [("s", [["门店代号", "门店招牌", "督导"],
                                              ["S1", "一号店", "李少媚"]])])
    r = kam("import", str(f), code=2)
    assert "no header row kam recognises" in r.stderr
    assert "sheet 's' row 1: 门店代号, 门店招牌, 督导" in r.stderr
    assert "e.g. --map 门店代号=code" in r.stderr  # built from the file's own headers
    zh = kam("--lang", "zh", "import", str(f), code=2).stderr
    assert "工作表 's' 第 1 行：门店代号, 门店招牌, 督导" in zh and "sheet" not in zh
    kam("import", str(f), "--map", "门店代号=code", "--map", "门店招牌=name", "--map", "督导=owner")
    assert [(c["code"], c["name"], c["owner"]) for c in kam.json("list")] == [
        ("S1", "一号店", "李少媚")]
    kam.db.with_name("kam.yaml").write_text(
        "import:\n  aliases:\n    code: [门店代号]\n    name: [门店招牌]\n    owner: [督导]\n",
        encoding="utf-8")
    assert kam.json("import", str(f))["unchanged"] == 1
    r = kam("import", str(f), "--map", "督导=boss", code=2)
    assert "--map 督导=boss: unknown key 'boss'" in r.stderr


def test_real_lead_system_template(kam: Kam) -> None:
    report = kam.json("import", str(REAL / "lead-system_customer-import-template.xlsx"))
    assert report["created"] == 3 and report["errors"] == []
    assert report["unmapped_columns"] == ["微信", "地址", "类型", "区域"]
    second = kam.json("list")[1]
    assert (second["name"], second["contact"], second["contact_info"]) == (
        "YY建材市场", "李总", "13900139002 / li@yy.com")
    assert second["need"] == "市场门口需要安装大型遮阳棚" and second["note"] == "预算10万左右"
    assert second["extra"] == {"微信": "li_wechat", "地址": "上海市闵行区YY路200号", "类型": "商业",
                               "区域": "上海闵行"}


def test_real_store_list_imports_with_the_mapping_it_reports(kam: Kam) -> None:
    f = REAL / "ka-store-list_full-export.xlsx"
    report = kam.json("import", str(f), "--dry-run")
    assert (report["sheet"], report["created"], report["errors"]) == ("全量导出", 1732, [])
    assert {h: report["columns"][h] for h in ("门店编号", "门店名称", "姓名")} == {
        "门店编号": "code", "门店名称": "name", "姓名": "name/contact"}
    assert not kam.db.exists()
    # the user's own reading: 姓名 is the salesperson responsible
    report = kam.json("import", str(f), "--map", "门店编号=code", "--map", "门店名称=name",
                      "--map", "姓名=owner")
    assert (report["sheet"], report["header_row"], report["created"], report["errors"]) == (
        "全量导出", 2, 1732, [])
    stores = kam.json("list")
    assert len(stores) == 1732
    s = next(c for c in stores if c["code"] == "S2016082603649")
    assert (s["name"], s["owner"]) == ("惠多多超市-电白-麻岗店", "李少媚")
    assert s["extra"]["门店类型"] == "Hyper-大卖场" and s["extra"]["上级岗位编号"] == "P000115"
    assert len(s["extra"]) == 11


@pytest.mark.parametrize("name, content, message", [
    ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "cannot read the workbook"),
    ("locked.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + "EncryptionInfo".encode("utf-16-le"),
     "password-protected"),
    ("renamed.xlsx", "客户名称\n甲\n".encode(), "not a workbook (neither Excel"),
    ("empty.xlsx", b"", "the file is empty"),
    ("~$open.xlsx", b"x", "lock file a spreadsheet program keeps"),
    ("notes.docx", b"PK", "unknown file type '.docx'"),
    ("report.pdf", b"%PDF-1.4", "and address-book cards (.vcf)"),
])
def test_bad_files_exit_2_nothing_written(kam: Kam, tmp_path: Path, name: str, content: bytes,
                                          message: str) -> None:
    kam("add", "--name", "已有")
    before = kam.digest()
    (tmp_path / name).write_bytes(content)
    r = kam("import", str(tmp_path / name), code=2)
    assert message in r.stderr and r.stderr.count("\n") == 1
    assert kam.digest() == before


def test_corrupt_zip_and_not_a_workbook(kam: Kam, tmp_path: Path) -> None:
    good = workbook(tmp_path / "g.xlsx", [("s", [TEMPLATE_HEADER, *TEMPLATE_ROWS])])
    (tmp_path / "cut.xlsx").write_bytes(good.read_bytes()[:1500])
    assert "not an .xlsx workbook" in kam("import", str(tmp_path / "cut.xlsx"), code=2).stderr
    with zipfile.ZipFile(tmp_path / "other.xlsx", "w") as z:
        z.writestr("readme.txt", "hi")
    assert "not an Excel workbook" in kam("import", str(tmp_path / "other.xlsx"), code=2).stderr
    assert "no such file" in kam("import", str(tmp_path / "none.xlsx"), code=2).stderr


def test_empty_workbook_and_missing_sheet(kam: Kam, tmp_path: Path) -> None:
    f = workbook(tmp_path / "e.xlsx", [("空", [])])
    assert "the workbook has no data" in kam("import", str(f), code=2).stderr
    f = workbook(tmp_path / "t.xlsx", [("s", [TEMPLATE_HEADER, *TEMPLATE_ROWS])])
    r = kam("import", str(f), "--sheet", "nope", code=2)
    assert "no sheet named 'nope'; sheets: 's'" in r.stderr


def test_xml_bomb_refused(kam: Kam, tmp_path: Path) -> None:
    good = workbook(tmp_path / "g.xlsx", [("s", [["客户名称", "联系人"], ["甲", "乙"]])])
    with zipfile.ZipFile(good) as z:
        items = {n: z.read(n) for n in z.namelist()}
    bomb = ('<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
            '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
            '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            '<sheets><sheet name="&lol3;" sheetId="1" r:id="rId1" xmlns:r="http://schemas.'
            'openxmlformats.org/officeDocument/2006/relationships"/></sheets></workbook>')
    items["xl/workbook.xml"] = bomb.encode()
    with zipfile.ZipFile(tmp_path / "bomb.xlsx", "w") as z:
        for n, data in items.items():
            z.writestr(n, data)
    r = kam("import", str(tmp_path / "bomb.xlsx"), code=2)
    assert "unsafe" in r.stderr


def test_huge_uncompressed_size_refused_fast(kam: Kam, tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "big.xlsx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as f:
            chunk = b"\0" * (1 << 20)
            for _ in range(300):
                f.write(chunk)
    r = kam("import", str(tmp_path / "big.xlsx"), code=2)
    assert "more than a customer workbook can be" in r.stderr


def test_dates_phone_numbers_and_big_numbers(kam: Kam, tmp_path: Path) -> None:
    f = workbook(tmp_path / "d.xlsx", [("s", [
        ["客户名称", "联系电话", "最近跟进时间", "身份证"],
        ["甲", 13956781234, date(2024, 5, 10), 110101199003071234.0],
        ["乙", "021-12345678", "2024-05-10 14:30", None],
    ])])
    report = kam.json("import", str(f))
    assert report["notes"] == [
        {"row": 2, "message": "no code; assigned KH2026001"},
        # an xlsx keeps 15 significant digits: the rest is already gone
        {"row": 2, "message": "身份证 110101199003071200 has more digits than Excel keeps (15); "
                              "check the number"},
        {"row": 3, "message": "no code; assigned KH2026002"},
    ]
    rows = kam.json("list")
    assert [r["contact_info"] for r in rows] == ["13956781234", "021-12345678"]
    assert [r["last_contact"] for r in rows] == ["2024-05-10", "2024-05-10"]


def test_new_customer_with_a_known_phone_is_reported(kam: Kam, tmp_path: Path) -> None:
    kam("add", "--name", "老客户", "--code", "OLD1", "--contact-info", "139-5678-1234")
    f = workbook(tmp_path / "d.xlsx", [("s", [["客户编号", "客户名称", "联系电话"],
                                              ["N1", "新名字", 13956781234],
                                              ["N2", "另一家", "u@example.com"],
                                              ["N3", "同邮箱", "U@example.com"]])])
    report = kam.json("import", str(f))
    assert report["created"] == 3
    assert report["notes"] == [
        {"row": 2, "message": "N1 shares contact 13956781234 with OLD1 老客户"},
        {"row": 4, "message": "N3 shares contact u@example.com with N2 另一家"},
    ]


def test_the_mapping_names_dates_as_the_user_does(kam: Kam, tmp_path: Path) -> None:
    """生日 and 合同到期日 read as named dates are shown as 生日 and 合同到期, not
    date.birthday."""
    f = workbook(tmp_path / "d.xlsx", [("s", [["客户名称", "生日", "合同到期日"],
                                              ["甲", "1980-03-02", "2027-01-31"]])])
    r = kam("--lang", "zh", "import", str(f))
    report = r.stdout + r.stderr
    assert "date." not in report
    assert re.search(r"^生日\s+生日$", report, re.M) and re.search(r"^合同到期日\s+合同到期$",
                                                                   report, re.M)
