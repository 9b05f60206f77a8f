"""Real-world sheets (issue 10): every customer comes in whole, nothing merged or dropped
silently. Files are built the way the programs that write them do."""

from __future__ import annotations

import json
import re
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.conftest import Kam, run
from tests.workbooks import inline_strings, workbook

SURNAMES = ["王先生", "李女士", "张总", "刘经理", "陈先生", "王先生", "赵女士"]


def test_code_less_leads_with_shared_names_stay_apart(kam: Kam, tmp_path: Path) -> None:
    """A telemarketing list: 71 leads, many named 王先生, each a different phone."""
    rows = [[i + 1, SURNAMES[i % len(SURNAMES)], 13900000000 + i, f"地址{i}", f"备注{i}"]
            for i in range(71)]
    f = workbook(tmp_path / "leads.xlsx", [("Sheet1", [["序号", "客户姓名", "客户手机号", "地址",
                                                      "备注"], *rows])])
    report = kam.json("import", str(f))
    assert (report["created"], report["merged"], report["errors"]) == (71, [], [])
    customers = kam.json("list")
    assert len(customers) == 71
    assert len({c["contact_info"] for c in customers}) == 71
    assert sorted(c["extra"]["地址"] for c in customers) == sorted(f"地址{i}" for i in range(71))


def test_same_name_and_phone_is_one_customer_and_said(kam: Kam, tmp_path: Path) -> None:
    f = workbook(tmp_path / "dup.xlsx", [("s", [
        ["客户名称", "电话", "微信", "备注"],
        ["华东精密", "139-0000-1111", "wx_old", "第一次"],
        ["华东精密", "13900001111", "wx_new", None],
        ["华东精密", "13900002222", None, "另一家同名公司"],
    ])])
    report = kam.json("import", str(f))
    assert report["created"] == 2
    assert report["merged"] == [{"rows": [2, 3], "code": "KH2026001", "by": "name+contact",
                                 "note": "rows 2, 3 merged into KH2026001: the same name and "
                                         "phone/email"}]
    one = kam.json("show", "KH2026001")
    # the later row's value wins; the one it replaced stays, named by its row
    assert one["extra"] == {"微信": "wx_new", "微信 (row 2)": "wx_old"}
    assert one["note"] == "第一次" and one["contact_info"] == "13900001111"
    assert "rows 2, 3 merged" in kam.json("history", "KH2026001")[0]["note"]
    assert kam.json("show", "KH2026002")["note"] == "另一家同名公司"
    r = kam("import", str(f), "--dry-run")
    assert "rows 2, 3 merged into KH2026001" in r.stdout


def test_same_name_at_different_addresses_are_two_shops(kam: Kam, tmp_path: Path) -> None:
    f = tmp_path / "shops.csv"
    f.write_text("店名,地址\n好又多超市,东门路1号\n好又多超市,西门路9号\n好又多超市,东门路1号\n",
                 encoding="utf-8")
    report = kam.json("import", str(f))
    assert report["created"] == 2 and [m["rows"] for m in report["merged"]] == [[2, 4]]
    assert sorted(c["extra"]["地址"] for c in kam.json("list")) == ["东门路1号", "西门路9号"]
    kam.db.unlink()
    assert kam.json("import", str(f), "--no-merge")["created"] == 3


def test_reimport_of_a_code_less_sheet_creates_nothing_new(kam: Kam, tmp_path: Path) -> None:
    f = tmp_path / "again.csv"
    f.write_text("客户名称,电话,行业\n甲公司,13900001111,制造业\n乙公司,,零售业\n", encoding="utf-8")
    kam("import", str(f))
    report = kam.json("import", str(f))
    assert (report["created"], report["unchanged"]) == (0, 2)
    assert [m["by"] for m in report["merged"]] == ["name+contact", "name"]


def test_unknown_vocabulary_never_drops_the_row(kam: Kam, tmp_path: Path) -> None:
    f = workbook(tmp_path / "grades.xlsx", [("s", [
        ["客户编号", "客户名称", "客户等级", "合作阶段"],
        ["A1", "最重要的客户", "VIP", "已成交"],
        ["A2", "钻石客户", "钻石", "合作中"],
        ["A3", "另一个钻石", "钻石", "沟通中"],
    ])])
    report = kam.json("import", str(f))
    assert (report["created"], report["errors"]) == (3, [])
    assert [(u["column"], u["value"], u["count"], u["rows"]) for u in report["unknown_values"]
            ] == [("客户等级", "钻石", 2, [3, 4]), ("合作阶段", "沟通中", 1, [4])]
    assert "vocabulary.value_level.<key>.aliases" in report["unknown_values"][0]["hint"]
    by_code = {c["code"]: c for c in kam.json("list")}
    assert (by_code["A1"]["value_level"], by_code["A1"]["stage"]) == ("high", "active")
    assert by_code["A2"]["value_level"] is None
    assert by_code["A2"]["extra"] == {"客户等级(原值)": "钻石"}
    r = kam("import", str(f))
    assert "unknown value '钻石' in 2 row(s)" in r.stderr


def test_blank_numbered_template_imports_nothing_and_no_errors(kam: Kam, tmp_path: Path
                                                                ) -> None:
    rows = [["客户信息管理模板", *[None] * 15], ["序号", "客户编号", "客户名称", "联系人", "职务",
                                                "联系方式", "所属行业", "企业规模", "客户价值等级",
                                                "核心需求类型", "合作阶段", "最近跟进时间",
                                                "跟进内容简述", "负责人", "状态标签", "备注"]]
    rows += [[n, *[None] * 15] for n in range(1, 21)]
    rows += [[None] * 16, ["填写说明：客户编号唯一；日期写成 2024-05-10", *[None] * 15]]
    f = workbook(tmp_path / "blank.xlsx", [("客户信息", rows)])
    report = kam.json("import", str(f))
    assert (report["created"], report["errors"]) == (0, [])
    assert [s["reason"] for s in report["skipped"]] == ["numbered"] * 20 + ["note"]
    r = kam("import", str(f))
    assert "20 numbered row(s) with nothing else skipped" in r.stderr
    assert "1 title or note row(s) skipped" in r.stderr


def test_the_full_list_wins_over_a_filtered_copy(kam: Kam, tmp_path: Path) -> None:
    full = [["客户名称", "电话"], *[[f"客户{i}", f"1390000{i:04d}"] for i in range(30)]]
    subset = [["客户名称", "电话", "负责人"], *[[f"客户{i}", f"1390000{i:04d}", "李明"]
                                              for i in range(3)]]
    f = workbook(tmp_path / "two.xlsx", [("全部客户", full), ("李明的", subset)])
    report = kam.json("import", str(f), "--dry-run")
    assert (report["sheet"], report["created"]) == ("全部客户", 30)
    assert report["sheets_seen"] == ["全部客户", "李明的"]
    assert kam.json("import", str(f), "--dry-run", "--sheet", "李明的")["created"] == 3


THUNDERBIRD = ("First Name,Last Name,Display Name,Nickname,Primary Email,Secondary Email,"
               "Screen Name,Work Phone,Home Phone,Fax Number,Pager Number,Mobile Number,"
               "Home Address,Home Address 2,Home City,Home State,Home ZipCode,Home Country,"
               "Work Address,Work Address 2,Work City,Work State,Work ZipCode,Work Country,"
               "Job Title,Department,Organization,Web Page 1,Web Page 2,Birth Year,Birth Month,"
               "Birth Day,Custom 1,Custom 2,Custom 3,Custom 4,Notes,\r\n")


def test_thunderbird_address_book_gbk_csv(kam: Kam, tmp_path: Path) -> None:
    """An address book exported by Thunderbird on a Chinese Windows: GBK, a trailing comma
    on every line, and the Organization column empty: the names are in Display Name."""
    lines = [f"{first},{last},{first}{last},,{first.lower()}@example.cn,,,0571-8888{i:04d},,,,"
             f"1390000{i:04d},,,,,,,,,,,,,经理,,,,,,,,,,,,老朋友{i},\r\n"
             for i, (first, last) in enumerate([("张", "伟"), ("李", "娜"), ("王", "芳")])]
    f = tmp_path / "address-book.csv"
    f.write_bytes((THUNDERBIRD + "".join(lines)).encode("gbk"))
    report = kam.json("import", str(f))
    assert (report["created"], report["errors"]) == (3, [])
    people = kam.json("list")
    assert [p["name"] for p in people] == ["张伟", "李娜", "王芳"]
    assert people[0]["contact_info"] == "张@example.cn / 0571-88880000 / 13900000000"
    assert people[0]["title"] == "经理" and people[0]["note"] == "老朋友0"
    assert people[0]["extra"] == {"First Name": "张", "Last Name": "伟"}


def test_ragged_csv_rows_keep_every_field(kam: Kam, tmp_path: Path) -> None:
    f = tmp_path / "ragged.csv"
    f.write_text("客户名称,地址\n甲公司,上海市,浦东新区\n乙公司,北京\n", encoding="utf-8")
    kam("import", str(f))
    first = kam.json("list")[0]
    assert first["extra"] == {"地址": "上海市", "列3": "浦东新区"}


def test_excel_unicode_text_utf16(kam: Kam, tmp_path: Path) -> None:
    f = tmp_path / "unicode.txt"
    f.write_bytes("客户名称\t电话\r\n甲公司\t13900001111\r\n".encode("utf-16"))
    kam("import", str(f))
    assert kam.json("list")[0]["contact_info"] == "13900001111"


def test_sheetjs_inline_strings(kam: Kam, tmp_path: Path) -> None:
    f = workbook(tmp_path / "sheetjs.xlsx", [("Sheet1", [["姓名", "手机号码", "电子邮件"],
                                                        ["王五", "13900001111", "w@x.cn"]])])
    inline_strings(f)
    assert b"sharedStrings" not in f.read_bytes()
    kam("import", str(f))
    assert [(c["name"], c["contact_info"]) for c in kam.json("list")] == [
        ("王五", "13900001111 / w@x.cn")]


CRM_HEADER = ["Record Id", "Account Owner", "Account Name", "Phone", "Website", "Account Site",
              "Parent Account", "Account Number", "Account Type", "Industry", "Annual Revenue",
              "Rating", "Ownership", "Employees", "SIC Code", "Created By", "Modified By",
              "Created Time", "Modified Time", "Billing Street", "Billing City", "Billing State",
              "Billing Code", "Billing Country", "Shipping Street", "Shipping City",
              "Shipping State", "Shipping Code", "Shipping Country", "Description",
              "Last Activity Time", "Tag", "Fax", "Ticker Symbol", "Layout", "Currency",
              "Exchange Rate", "Territories", "Locked", "Unsubscribed Mode"]


def crm_export(path: Path, n: int) -> Path:
    """An English CRM export written the way Apache POI streams it (no shared strings)."""
    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet("Accounts")
    ws.append(CRM_HEADER)
    for i in range(n):
        name = "Acme Ltd" if i % 1000 == 0 else f"Company {i}"  # five accounts named alike
        ws.append([f"zcrm_4876876000000{i:06d}", "Zhang Wei", name, f"+86 139 {i:04d} 1111",
                   f"www.c{i}.cn", "HQ", None, f"A-{i}", ["Customer", "Prospect", "Partner"][i % 3],
                   "Manufacturing", 1000000 + i, ["Hot", "Warm", "Cold"][i % 3], "Private",
                   200 + i, "3571", "Li Na", "Li Na", "2024-01-02 10:00:00",
                   "2024-05-10 11:20:30", f"{i} Road", "Shanghai", "SH", "200000", "China",
                   f"{i} Road", "Shanghai", "SH", "200000", "China", f"note {i}",
                   "2024-05-10 11:20:30", "vip", None, None, "Standard", "CNY", 1.0, "East",
                   "false", None])
    wb.save(path)
    return path


def test_english_crm_export_every_account(kam: Kam, tmp_path: Path) -> None:
    f = crm_export(tmp_path / "Accounts_2024.xlsx", 5112)
    report = kam.json("import", str(f))
    assert (report["created"], report["errors"], report["merged"]) == (5112, [], [])
    assert {k: report["columns"][k] for k in ("Record Id", "Account Owner", "Account Name",
                                              "Phone", "Account Type", "Rating", "Description",
                                              "Last Activity Time", "Account Number")} == {
        "Record Id": "code", "Account Owner": "owner", "Account Name": "name",
        "Phone": "contact_info", "Account Type": "stage", "Rating": "value_level",
        "Description": "note", "Last Activity Time": "last_contact", "Account Number": "extra"}
    assert [u["value"] for u in report["unknown_values"]] == ["Partner"]
    acme = [c for c in kam.json("search", "Acme Ltd") if c["name"] == "Acme Ltd"]
    assert len(acme) == 6  # 0, 1000, ..., 5000: six accounts of one name stay apart
    one = kam.json("show", "zcrm_4876876000000000002")
    assert (one["stage"], one["value_level"], one["last_contact"]) == (None, "low", "2024-05-10")
    assert one["extra"]["Account Type(原值)"] == "Partner"
    # 40 columns: 11 to fields, 4 empty, the other 25 and the unknown type kept as extras
    assert len(one["extra"]) == 26


HEADERS_POOL = ["客户编号", "客户名称", "联系人", "电话", "邮箱", "备注", "微信", "地址", "区域",
                "负责人", "Custom A", "备用"]
_token = st.text(alphabet=st.sampled_from(list("abcXYZ019甲乙丙丁客户华东")), min_size=1,
                 max_size=6)


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(headers=st.lists(st.sampled_from(HEADERS_POOL), min_size=2, max_size=6, unique=True),
       data=st.data())
def test_no_value_is_lost(tmp_path_factory: pytest.TempPathFactory, headers: list[str],
                          data: st.DataObject) -> None:
    """For generated sheets, every non-empty cell is found in the imported archive."""
    if "客户名称" not in headers:
        headers = ["客户名称", *headers]
    rows = data.draw(st.lists(st.lists(st.one_of(st.none(), _token, st.integers(0, 10**6)),
                                       min_size=len(headers), max_size=len(headers)),
                              min_size=1, max_size=8))
    for r in rows:
        r[headers.index("客户名称")] = r[headers.index("客户名称")] or "某公司"
        if "客户编号" in headers and isinstance(r[headers.index("客户编号")], int):
            r[headers.index("客户编号")] = f"K{r[headers.index('客户编号')]}"
    work = tmp_path_factory.mktemp("lost")
    f = workbook(work / "s.xlsx", [("s", [headers, *rows])])
    db = str(work / "kam.json")
    r = run(["--db", db, "import", str(f), "-f", "json"])
    assert r.exit_code == 0, r.stderr
    assert json.loads(r.stdout)["errors"] == []
    listed = json.loads(run(["--db", db, "list", "-f", "json"]).stdout)
    archive = json.dumps([json.loads(run(["--db", db, "show", c["code"], "-f",
                                                         "json"]).stdout) for c in listed],
                         ensure_ascii=False)
    for row in rows:
        for value in row:
            if value is not None:
                assert str(value) in archive, (value, headers, rows)


def test_a_sheet_that_declares_fewer_rows_than_it_stores_is_read_whole(
        kam: Kam, tmp_path: Path) -> None:
    """A writer that declares A1:B2 but stores 30 rows: kam does not trust the declared
    size (openpyxl would stop at it) and reads every stored row."""
    f = crm_export(tmp_path / "Accounts.xlsx", 30)
    with zipfile.ZipFile(f) as z:
        items = {n: z.read(n) for n in z.namelist()}
    sheet = next(n for n in items if n.startswith("xl/worksheets/sheet"))
    text = re.sub(r'<dimension ref="[^"]*"\s*/>', "", items[sheet].decode())
    items[sheet] = text.replace("<sheetData>", '<dimension ref="A1:B2"/><sheetData>', 1
                                ).encode() if "<sheetData>" in text else text.encode()
    with zipfile.ZipFile(f, "w") as z:
        for n, data in items.items():
            z.writestr(n, data)
    assert kam.json("import", str(f))["created"] == 30


def test_row_notes_on_screen_are_bounded_and_json_has_them_all(kam: Kam, tmp_path: Path) -> None:
    """10,000 rows sharing a phone once printed 10,000 notes: the table shows errors first,
    at most 50 lines, and says how many more; JSON lists every one."""
    f = tmp_path / "same.csv"
    f.write_text("客户编号,客户名称,联系方式\n" + "".join(f",客户{i},13900000000\n" for i in range(120))
                 + "".join(f"!!{i},坏{i},\n" for i in range(3)), encoding="utf-8")
    r = kam("import", str(f), "--dry-run")
    rows = [line for line in r.stdout.splitlines() if re.match(r"\s*\d+\s", line)]
    assert len(rows) == 50
    assert [line.split()[0] for line in rows[-3:]] == ["122", "123", "124"]  # the errors
    assert re.search(r"\d+ (more row note|条行说明未显示)", r.stderr)
    report = kam.json("import", str(f), "--dry-run")
    assert len(report["notes"]) >= 239 and len(report["errors"]) == 3
