"""Legacy workbooks and text files (issue 27): .xls, .ods and WPS .et as LibreOffice and
WPS write them (tests/data/libreoffice/make.py), CSV in the encodings people's files are
in, continuation rows, grade words, and a file with no customers in it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from kam import config
from tests.conftest import Kam

LEDGER = Path(__file__).parent / "data" / "libreoffice"


def _import(kam: Kam, tmp_path: Path, suffix: str) -> tuple[dict, list[dict]]:
    db = tmp_path / suffix / "kam.json"
    report = kam.json("--db", str(db), "import", str(LEDGER / f"ledger.{suffix}"))
    return report, kam.json("--db", str(db), "list")


def test_every_format_gives_the_same_customers_cell_for_cell(kam: Kam, tmp_path: Path) -> None:
    """The same ledger saved by LibreOffice as .xlsx, .xls (Excel 97-2003) and .ods, and
    the .xls under WPS's .et name: the same customers, every value the same."""
    report, customers = _import(kam, tmp_path, "xlsx")
    assert (report["sheet"], report["header_row"], report["created"], report["errors"]) == (
        "客户台账", 3, 5, [])
    assert [c["code"] for c in customers] == ["KH001", "KH002", "KH003", "KH005", "KH006"]
    first, _, bank, north, west = customers
    assert (first["contact_info"], first["last_contact"], first["value_level"],
            first["stage"], first["extra"]) == (
        "13956781234", "2023-05-10", "high", "active",  # a phone stored as a number
        {"年采购额": 1200000.5, "折合万元": 120.00005})  # a formula's value
    assert (bank["last_contact"], north["last_contact"]) == ("2023-03-01", "2022-12-31")
    assert (north["value_level"], west["value_level"]) == ("medium", "low")  # 普通客户, 三级
    for suffix in ("xls", "ods", "et"):
        other_report, others = _import(kam, tmp_path, suffix)
        assert others == customers, suffix
        for key in ("sheet", "header_row", "created", "errors", "continued", "mapped_values"):
            assert other_report[key] == report[key], (suffix, key)


def test_a_hidden_sheet_is_not_imported(kam: Kam, tmp_path: Path) -> None:
    report, customers = _import(kam, tmp_path, "xls")
    assert report["sheets_seen"] == ["客户台账", "旧数据"]
    assert "OLD1" not in {c["code"] for c in customers}


def test_a_contact_row_under_a_customer_is_its_further_contact(kam: Kam, tmp_path: Path
                                                                ) -> None:
    """A bank's name filled in only on its first contact's row: the row under it, with a
    contact and a phone, is the bank's second contact, reported, not an error; what
    else it holds stays findable."""
    report, customers = _import(kam, tmp_path, "xls")
    assert report["continued"] == [{"row": 7, "joins": 6, "contact": "赵经理"}]
    bank = next(c for c in customers if c["code"] == "KH003")
    assert [(p["name"], p["contact_info"]) for p in bank["contacts"]] == [
        ("赵经理", "13800001111")]
    assert bank["extra"]["备注 (row 7)"] == "信贷部"
    r = kam("--db", str(tmp_path / "t" / "kam.json"), "import",
            str(LEDGER / "ledger.ods"))
    assert "第 6 行客户的另一位联系人：赵经理" in r.stdout or \
        "a further contact of the customer on row 6: 赵经理" in r.stdout


def test_a_contact_row_not_directly_under_a_customer_stays_an_error(kam: Kam, tmp_path: Path
                                                                     ) -> None:
    f = tmp_path / "gap.csv"
    f.write_text("客户名称,联系人,联系方式\n甲公司,王强,13900000001\n\n,李四,13900000002\n",
                 encoding="utf-8")
    report = kam.json("import", str(f))
    assert report["continued"] == [] and [e["row"] for e in report["errors"]] == [4]


@pytest.mark.parametrize("word, grade", [
    ("高级", "high"), ("中级", "medium"), ("低级", "low"), ("一级", "high"), ("二级", "medium"),
    ("三级", "low"), ("A类", "high"), ("B类", "medium"), ("C类", "low"), ("重要客户", "high"),
    ("普通客户", "medium"), ("高价值", "high"), ("重要客戶", "high"), ("普通客戶", "medium"),
])
def test_grade_words_map_to_value_grades(word: str, grade: str) -> None:
    assert config.build({}).vocab["value_level"].lookup(word) == grade


def test_traditional_characters_read_as_simplified() -> None:
    """Big5 sheets from Hong Kong and Taiwan write 長期合作, 潛在客戶."""
    vocab = config.build({}).vocab["stage"]
    assert (vocab.lookup("長期合作"), vocab.lookup("潛在客戶")) == ("long_term", "prospect")


def test_the_report_shows_how_grade_words_were_read(kam: Kam, tmp_path: Path) -> None:
    report, _ = _import(kam, tmp_path, "xlsx")
    read = {(m["column"], m["value"]): (m["to"], m["label"], m["count"])
            for m in report["mapped_values"]}
    assert read[("客户价值等级", "高级")] == ("high", "高价值", 1)
    assert read[("客户价值等级", "普通客户")] == ("medium", "中价值", 1)
    assert ("合作阶段", "合作中") not in read  # a label is read as itself: nothing to show


# --- a workbook under another name, or none at all -----------------------------------

def test_an_xls_named_xlsx_is_read_by_what_it_is(kam: Kam, tmp_path: Path) -> None:
    f = tmp_path / "renamed.xlsx"
    shutil.copyfile(LEDGER / "ledger.xls", f)
    assert kam.json("import", str(f))["created"] == 5


def test_an_et_file_that_is_no_workbook_is_refused(kam: Kam, tmp_path: Path) -> None:
    kam("add", "--name", "已有")
    before = kam.digest()
    f = tmp_path / "wps.et"
    f.write_bytes(b"\x00WPS private format" + bytes(200))
    r = kam("import", str(f), code=2)
    assert "WPS" in r.stderr and "wps.et" in r.stderr and r.stderr.count("\n") == 1
    assert kam.digest() == before


def test_a_cell_at_the_last_row_and_column_is_refused_not_allocated(kam: Kam, tmp_path: Path
                                                                      ) -> None:
    """A 1 KB sheet with cells at A1 and XFD1048576 would make the reader allocate 17
    billion cells (the process aborted): refused at once, nothing written."""
    f = _one_far_cell(tmp_path / "corner.xlsx", "XFD")
    kam("add", "--name", "已有")
    before = kam.digest()
    r = subprocess.run([sys.executable, "-m", "kam", "--db", str(kam.db), "import", str(f)],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 2, r.stderr
    assert "more memory than any real sheet needs" in r.stderr and r.stderr.count("\n") == 1
    assert kam.digest() == before


def test_an_xls_record_far_out_is_refused_not_allocated(kam: Kam, tmp_path: Path) -> None:
    """An 8 KB .xls whose NUMBER record sits at row 65,520, column 65,280 asked the reader
    for 137 GB (the process aborted): refused, exit 2, nothing written."""
    data = bytearray((LEDGER / "ledger.xls").read_bytes())
    at = data.find(b"\x03\x02\x0e\x00")  # a NUMBER record: id 0x0203, 14 bytes
    data[at + 4:at + 8] = (0xFFF0).to_bytes(2, "little") + (0xFF00).to_bytes(2, "little")
    f = tmp_path / "far.xls"
    f.write_bytes(bytes(data))
    kam("add", "--name", "已有")
    before = kam.digest()
    r = kam("import", str(f), code=2)
    assert "far.xls" in r.stderr and ("refused as unsafe" in r.stderr or "已拒绝" in r.stderr)
    assert r.stderr.count("\n") == 1 and kam.digest() == before


# --- text files in other encodings ----------------------------------------------------

ENCODED = [
    ("gb18030", "客户名称,联系人,备注\n东方机电有限公司,王强,老客户\n贵州黔南建材,刘芳,价格敏感\n",
     "东方机电有限公司"),
    ("big5", "客戶名稱,聯絡人,備註\n台北精密機械股份有限公司,陳先生,長期合作\n高雄貿易行,林小姐,價格敏感\n",
     "台北精密機械股份有限公司"),
    ("cp1252", "Customer name,Country,Contact\nÖsterreich Handel GmbH,Österreich,Jürgen Müller\n"
     "Café Zürich AG,Schweiz,René Côté\n", "Österreich Handel GmbH"),
]


@pytest.mark.parametrize("encoding, text, name", ENCODED)
def test_a_csv_in_another_encoding_is_detected_and_said(kam: Kam, tmp_path: Path,
                                                        encoding: str, text: str, name: str
                                                        ) -> None:
    f = tmp_path / "old.csv"
    f.write_bytes(text.encode(encoding))
    r = kam("import", str(f), "-f", "json")
    assert '"encoding": "' + encoding + '"' in r.stdout and '"encoding_detected": true' in r.stdout
    assert encoding in r.stderr and "--encoding" in r.stderr
    assert kam.json("list")[0]["name"] == name


def test_a_short_gbk_file_is_read_as_chinese(kam: Kam, tmp_path: Path) -> None:
    """Short GBK text is also valid EUC-KR: the likelier encoding wins."""
    f = tmp_path / "tiny.csv"
    f.write_bytes("客户名称,联系人\n甲公司,王\n".encode("gbk"))
    kam("import", str(f))
    assert kam.json("list")[0]["name"] == "甲公司"


def test_encoding_given_is_used_and_a_wrong_one_names_the_line(kam: Kam, tmp_path: Path
                                                               ) -> None:
    f = tmp_path / "latin.csv"
    f.write_bytes("客户名称,联系人\nAcme,x\nÖsterreich AG,y\n".encode().replace(
        "Ö".encode(), "Ö".encode("latin-1")).replace("客户名称".encode(), b"Name"))
    r = kam("import", str(f), "--encoding", "latin-1", "-f", "json")
    assert '"encoding": "iso8859-1"' in r.stdout and '"encoding_detected": false' in r.stdout
    assert "Österreich AG" in {c["name"] for c in kam.json("list")}
    before = kam.digest()
    r = kam("import", str(f), "--encoding", "utf-8", code=2)
    assert "line 3" in r.stderr or "第 3 行" in r.stderr
    r = kam("import", str(f), "--encoding", "klingon", code=2)
    assert "klingon" in r.stderr
    assert kam.digest() == before


def test_utf8_and_utf16_are_not_said(kam: Kam, tmp_path: Path) -> None:
    for i, (encoding, data) in enumerate([("utf-8", "客户名称,联系人\n甲,王\n".encode()),
                                          ("utf-16", "客户名称,联系人\n乙,李\n".encode("utf-16"))]):
        f = tmp_path / f"f{i}.csv"
        f.write_bytes(data)
        r = kam("import", str(f), "-f", "json")
        assert f'"encoding": "{encoding}"' in r.stdout and "--encoding" not in r.stderr


# --- no customers in it ---------------------------------------------------------------

def test_a_file_of_people_not_customers_is_refused_with_a_map(kam: Kam, tmp_path: Path
                                                                ) -> None:
    """1,000 rows of id, full_name, email: not 1,000 row errors and exit 0, but a refusal
    naming the headers found and the --map to try; nothing written."""
    f = tmp_path / "people.csv"
    f.write_text("id,full_name,email\n" + "".join(
        f"{i},Person {i},p{i}@example.com\n" for i in range(1000)), encoding="utf-8")
    kam("add", "--name", "已有")
    before = kam.digest()
    for extra in ([], ["--dry-run"]):
        r = kam("import", str(f), *extra, code=2)
        assert "--map full_name=name" in r.stderr and "id→code" in r.stderr
        assert r.stderr.count("\n") == 1
    assert kam.digest() == before
    r = kam("import", str(f), "--map", "full_name=name", "-f", "json")
    assert '"created": 1000' in r.stdout


def test_codes_alone_still_update_customers_the_archive_has(kam: Kam, tmp_path: Path) -> None:
    kam("add", "--name", "甲公司", "--code", "KH1")
    f = tmp_path / "owners.csv"
    f.write_text("客户编号,负责人\nKH1,李明\n", encoding="utf-8")
    assert kam.json("import", str(f))["updated"] == 1


def test_the_1904_date_system(kam: Kam, tmp_path: Path) -> None:
    """A workbook from an old Mac counts days from 1904: a date cell and a bare serial
    number in a date column both come in right."""
    import datetime

    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    wb = openpyxl.Workbook()
    wb.epoch = CALENDAR_MAC_1904
    wb.active.append(["客户名称", "最近跟进时间", "下次跟进日期"])
    wb.active.append(["甲", datetime.date(2026, 3, 5), 44000])
    wb.save(tmp_path / "mac.xlsx")
    kam("import", str(tmp_path / "mac.xlsx"))
    (c,) = kam.json("list")
    assert (c["last_contact"], c["next_follow_up"]) == ("2026-03-05", "2024-06-19")


def test_a_sheet_past_twenty_million_cells_is_refused_with_what_to_do(kam: Kam, tmp_path: Path
                                                                      ) -> None:
    """Cells at A1 and T1048576: a rectangle of 21 million cells that calamine can hold but
    no customer list needs; refused with the size and what to do, nothing written."""
    f = _one_far_cell(tmp_path / "tall.xlsx", "T")
    kam("add", "--name", "已有")
    before = kam.digest()
    r = kam("import", str(f), code=2)
    assert "1,048,576" in r.stderr and "20,000,000" in r.stderr and r.stderr.count("\n") == 1
    assert kam.digest() == before


@pytest.mark.parametrize("name, head", [("huge.csv", b"a,b\n"), ("huge.xls",
                                                               b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1")])
def test_a_file_bigger_than_any_customer_list_is_refused_unread(kam: Kam, tmp_path: Path,
                                                                name: str, head: bytes) -> None:
    f = tmp_path / name
    with f.open("wb") as out:  # a sparse file: 129 MiB that take no disk
        out.write(head)
        out.truncate(129 * 2**20)
    r = kam("import", str(f), code=2)
    assert "129 MiB" in r.stderr and "128 MiB" in r.stderr and "unpacks" not in r.stderr


def _one_far_cell(path: Path, column: str) -> Path:
    """A small template sheet with one more cell, in the last row's given column."""
    from tests.workbooks import workbook

    f = workbook(path, [("客户", [["客户编号", "客户名称"], ["A1", "甲"]])])
    with zipfile.ZipFile(f) as z:
        items = {n: z.read(n) for n in z.namelist()}
    items["xl/worksheets/sheet1.xml"] = items["xl/worksheets/sheet1.xml"].replace(
        b"</sheetData>", f'<row r="1048576"><c r="{column}1048576"><v>1</v></c></row>'
        "</sheetData>".encode())
    with zipfile.ZipFile(f, "w") as z:
        for n, data in items.items():
            z.writestr(n, data)
    return f
