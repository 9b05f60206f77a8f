"""kam export, round trips, and a file LibreOffice wrote."""

from __future__ import annotations

import csv
import io
import shutil
import subprocess
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import Kam
from tests.workbooks import TEMPLATE_HEADER, TEMPLATE_ROWS, workbook

DATA = Path(__file__).parent / "data"
EXAMPLES = Path(__file__).parent.parent / "examples"


def test_libreoffice_written_legacy_file(kam: Kam) -> None:
    report = kam.json("import", str(DATA / "libreoffice" / "legacy.xlsx"))
    assert (report["sheet"], report["header_row"], report["created"], report["errors"]) == (
        "客户台账", 3, 2, [])
    assert report["unmapped_columns"] == ["订单金额"]
    a, b = kam.json("list")
    assert (a["name"], a["contact_info"], a["value_level"], a["stage"], a["last_contact"],
            a["owner"], a["extra"]) == ("东方机电有限公司", "13956781234", "high", "active",
                                        "2024-05-10", "李明", {"订单金额": 120000.5})
    assert (b["contact_info"], b["last_contact"], b["extra"]) == ("0851-88886666", "2024-05-08",
                                                                  {"订单金额": 3000})


@pytest.fixture
def archive(kam: Kam, tmp_path: Path) -> Kam:
    f = workbook(tmp_path / "t.xlsx", [("s", [TEMPLATE_HEADER + ["微信", "年采购额"],
                                              *(r + ["wx" + str(i), 100 * i] for i, r in
                                                enumerate(TEMPLATE_ROWS))])])
    kam("import", str(f))
    kam("edit", "KH2024001", "--note", "=HYPERLINK(\"http://evil\")", "--tag", "需维护",
        "--date", "birthday=1980-02-29", "--next", "2026-12-01")
    kam("edit", "KH2024002", "--contact-info", "+86 139 5678 1234", "--extra", "备忘=@mention")
    return kam


def test_xlsx_export_looks_finished(archive: Kam, tmp_path: Path) -> None:
    out = tmp_path / "out.xlsx"
    r = archive("export", str(out))
    assert r.stdout == "" and "Exported 4 customers" in r.stderr
    wb = openpyxl.load_workbook(out)
    ws = wb["客户"]
    headers = [c.value for c in ws[1]]
    assert headers[:16] == TEMPLATE_HEADER
    assert headers[16:] == ["评分", "分层", "下次跟进时间", "生日", "微信", "年采购额", "备忘"]
    assert ws.freeze_panes == "A2" and ws.auto_filter.ref == "A1:W5"
    assert all(c.font.b for c in ws[1]) and ws["A1"].fill.fgColor.rgb.endswith("DDEBF7")
    assert [ws.cell(row=i, column=1).value for i in range(2, 6)] == [1, 2, 3, 4]
    row = {h: ws.cell(row=2, column=i + 1) for i, h in enumerate(headers)}
    assert row["最近跟进时间"].value == datetime(2024, 5, 10)
    assert row["最近跟进时间"].number_format == "yyyy-mm-dd"
    assert row["备注"].value == '=HYPERLINK("http://evil")' and row["备注"].data_type == "s"
    assert row["备注"].quotePrefix
    assert row["客户价值等级"].value == "高价值" and row["合作阶段"].value == "合作中"
    assert row["状态标签"].value == "重点跟进、需维护"
    assert row["年采购额"].value == 0
    r3 = {h: ws.cell(row=4, column=i + 1) for i, h in enumerate(headers)}
    assert r3["联系方式"].value == "1395678" and r3["联系方式"].data_type == "s"
    assert r3["年采购额"].value == 200
    assert wb["_lists"].sheet_state == "hidden"
    formulas = sorted(dv.formula1 for dv in ws.data_validations.dataValidation)
    assert formulas == ["=_lists!$A$1:$A$3", "=_lists!$B$1:$B$6"]
    assert ws.column_dimensions["C"].width == len("*某某科技有限公司") * 2 + 1


def test_export_reimport_is_lossless(archive: Kam, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    original = archive.json("list")
    for fmt in ("xlsx", "csv"):
        out = tmp_path / f"out.{fmt}"
        archive("export", str(out))
        monkeypatch.setenv("KAM_DB", str(tmp_path / fmt / "kam.json"))
        archive("import", str(out))
        assert archive.json("list") == original, fmt
        monkeypatch.setenv("KAM_DB", str(archive.db))


def test_csv_export_bom_in_file_not_on_stdout(archive: Kam, tmp_path: Path) -> None:
    out = tmp_path / "out.csv"
    archive("export", str(out), "--stage", "合作中")
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0][:3] == ["序号", "客户编号", "客户名称"]
    assert [r[1] for r in rows[1:]] == ["KH2024001"]
    assert rows[1][15] == "'=HYPERLINK(\"http://evil\")"  # OWASP guard
    stdout = archive("export", "-", "--format", "csv", "--stage", "意向客户").stdout
    assert not stdout.startswith("\ufeff")
    lines = stdout.splitlines()
    assert lines[1].startswith("1,KH2024002,*某某商贸有限公司,*某某,采购经理,'+86 139 5678 1234,")
    assert lines[1].endswith(",wx1,100,'@mention")


def test_json_export_to_stdout_and_mask(archive: Kam) -> None:
    import json

    out = json.loads(archive("export", "-", "--format", "json", "--mask").stdout)
    assert [c["contact_info"] for c in out] == ["", "861******1234", "139**78", "137**12"]
    assert out[0]["extra"]["微信"] == "w***"


def test_mask_in_xlsx(archive: Kam, tmp_path: Path) -> None:
    archive("edit", "KH2024003", "--contact-info", "13956781234 zhao@example.com")
    archive("export", str(tmp_path / "m.xlsx"), "--mask")
    ws = openpyxl.load_workbook(tmp_path / "m.xlsx")["客户"]
    assert ws["F4"].value == "139****1234 z***@example.com"


@pytest.mark.parametrize("args, message", [
    (("out.txt",), "--format: use xlsx, csv, json, vcf or ics, not 'txt'"),
    (("-", "--format", "xlsx"), "xlsx cannot go to stdout"),
    (("nodir/out.xlsx",), "no such directory"),
    (("/dev/null", "-f", "csv"), "/dev/null is not a regular file; export to a file, or to -"),
    ((".", "-f", "json"), ". is not a regular file"),
])
def test_export_bad_usage(archive: Kam, tmp_path: Path, monkeypatch, args, message) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    r = archive("export", *args, code=2)
    assert message in r.stderr


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice not installed")
def test_export_opens_in_libreoffice(archive: Kam, tmp_path: Path) -> None:
    out = tmp_path / "export.xlsx"
    archive("export", str(out))
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless",
         "--norestore", "--convert-to",
         "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1",
         "--outdir", str(tmp_path / "lo"), str(out)],
        capture_output=True, timeout=180)
    converted = tmp_path / "lo" / "export-客户.csv"
    assert converted.exists()
    rows = list(csv.reader(io.StringIO(converted.read_text(encoding="utf-8"))))
    assert rows[0][:16] == TEMPLATE_HEADER
    assert rows[1][1:4] == ["KH2024001", "*某某科技有限公司", "*某某"]
    assert rows[1][11] == "2024-05-10"  # a real date cell, shown as formatted
    assert rows[1][15] == '=HYPERLINK("http://evil")'  # text, never evaluated
    assert rows[3][5] == "1395678"


def test_example_files_import(kam: Kam) -> None:
    """The bundled example must keep importing cleanly (it is the quick-start demo)."""
    report = kam.json("import", str(EXAMPLES / "customers.xlsx"))
    assert (report["created"], report["errors"]) == (22, [])
    assert report["unmapped_columns"] == ["年采购额(万元)", "合作年限", "复购率", "行业影响力", "微信"]


VALUES = [  # every kind of value an export row carries, and the awkward ones
    ["KH2024001", "华东精密机械 ", " 前后有空格 ", "a & b < c > d", "第一行\n第二行", "13956781234",
     "=SUM(A1)", "+86 139", "-", "@home", "😀 表情", "", None, "竖\x0b制表"],
    [1, 2.5, -3, 0, True, False, 10**12, 1.25e-7, date(2026, 11, 23), date(1999, 1, 1),
     "0012", "'=x", "  ", "x\ty"],
]


def _cells_of(path: Path) -> list[list[tuple[object, ...]]]:
    ws = openpyxl.load_workbook(path).worksheets[0]
    return [[(c.value, c.data_type, c.number_format, c.quotePrefix, c.font.b)
             for c in row] for row in ws.iter_rows()]


def test_every_kind_of_value_reads_back_as_written(tmp_path: Path) -> None:
    """write_xlsx (openpyxl, write-only) keeps digits and formula-like text as text,
    shows a character a workbook cannot hold as its picture, and dates as dates."""
    from kam import excel

    columns = [excel.Column(f"列{i}") for i in range(14)]
    replaced = excel.write_xlsx(tmp_path / "all.xlsx", columns, VALUES)
    got = _cells_of(tmp_path / "all.xlsx")
    assert len(got) == 3 and all(len(row) == 14 for row in got)
    assert got[1][5][:3] == ("13956781234", "s", "@")  # a phone: text, never 1.39E+10
    assert got[1][6][0] == "=SUM(A1)" and got[1][6][1] == "s"  # stays text, not a formula
    assert got[1][13][0] == "竖\u240b制表" and replaced == [(0, 13)]  # a workbook has no \x0b
    assert got[2][10][:2] == ("0012", "s")
    assert got[2][8][0].date() == date(2026, 11, 23) and "yy" in got[2][8][2]
    assert [c[0] for c in got[2][:8]] == [1, 2.5, -3, 0, True, False, "1000000000000", 1.25e-7]


def test_roles_leave_in_the_sheets_words_and_come_back(kam: Kam, tmp_path: Path) -> None:
    """其他联系人 says 决策人, not decision_maker; the export imports back as it was."""
    kam("add", "--code", "K1", "--name", "甲公司", "--contact", "张三", "--contact-info", "13900000001")
    kam("contact", "add", "K1", "王五", "--role", "决策人", "--title", "总经理", "--info", "13900000002")
    kam("contact", "add", "K1", "赵六", "--role", "finance")
    out = tmp_path / "o.xlsx"
    kam("export", str(out))
    ws = openpyxl.load_workbook(out)["客户"]
    headers = [c.value for c in ws[1]]
    cell = ws.cell(row=2, column=headers.index("其他联系人") + 1).value
    assert "王五 | 决策人 | 总经理 | 13900000002" in cell and "赵六 | 财务" in cell
    assert "decision_maker" not in cell and "finance" not in cell
    before = kam.json("show", "K1")["contacts"]
    kam("import", str(out))
    assert kam.json("show", "K1")["contacts"] == before


def test_an_imported_follow_up_without_a_summary_says_so_in_the_users_language(
        kam: Kam, tmp_path: Path) -> None:
    f = tmp_path / "s.csv"
    f.write_text("客户名称,最近跟进时间\n甲公司,2026-11-01\n", encoding="utf-8")
    kam("import", str(f))
    assert kam.json("list")[0]["last_summary"] in ("（导入）", "(imported)")
    summary = kam.json("show", "KH2026001")["interactions"][0]["summary"]
    assert summary == kam.json("list")[0]["last_summary"]


def _sheet(path: Path) -> list[dict[str, object]]:
    ws = openpyxl.load_workbook(path)["客户"]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def test_export_carries_score_and_tier_and_filters_by_tier(archive: Kam, tmp_path: Path) -> None:
    scores = {r["code"]: (r["score"], r["tier"]) for r in archive.json("score")}
    out = tmp_path / "all.csv"
    archive("export", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    header = next(csv.reader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert header[:19] == [*TEMPLATE_HEADER, "评分", "分层", "下次跟进时间"]
    assert {r["客户编号"]: (float(r["评分"]), r["分层"]) for r in rows} == {
        code: (round(s, 1), tier) for code, (s, tier) in scores.items()}
    tier = scores["KH2024001"][1]
    r = archive("export", "-", "-f", "csv", "--tier", tier)
    got = [row["客户编号"] for row in csv.DictReader(io.StringIO(r.stdout))]
    assert got == sorted(c for c, (_, t) in scores.items() if t == tier)
    assert archive("export", "-", "--tier", "Z", code=2).stderr.count("\n") == 1


def test_kams_figures_read_back_are_not_imported(archive: Kam, tmp_path: Path) -> None:
    """An export read back: 评分 and 分层 are computed again, not kept as extras."""
    out = tmp_path / "o.xlsx"
    archive("export", str(out))
    report = archive.json("import", str(out), "--dry-run")
    assert report["columns"]["评分"] == report["columns"]["分层"] == "kam"
    assert "评分" not in report["unmapped_columns"]


def test_a_sheets_own_score_is_kept_and_left_out_of_the_bosss_sheet(
        kam: Kam, tmp_path: Path) -> None:
    f = tmp_path / "s.csv"
    f.write_text("客户名称,评分,客户价值等级\n甲公司,95,钻石级\n", encoding="utf-8")
    kam("import", str(f))
    extra = kam.json("show", "KH2026001")["extra"]
    assert extra == {"评分(原值)": 95, "客户价值等级(原值)": "钻石级"}
    out = tmp_path / "o.xlsx"
    r = kam("export", str(out))
    assert "2" in r.stderr and "--all-columns" in r.stderr
    row, = _sheet(out)
    assert "评分(原值)" not in row and "客户价值等级(原值)" not in row and row["评分"] != 95
    kam("export", str(out), "--all-columns")
    row, = _sheet(out)
    assert (row["评分(原值)"], row["客户价值等级(原值)"]) == (95, "钻石级")
    assert kam.json("export", "-")[0]["extra"] == extra  # JSON has every extra


def test_merge_and_replaced_values_are_kept_out_of_the_sheet_unless_asked(
        kam: Kam, tmp_path: Path) -> None:
    f = tmp_path / "s.csv"
    f.write_text("客户编号,客户名称,微信号,年采购额 (万元)\nK1,甲公司,wx1,10\nK1,甲公司,wx2,\n"
                 "K2,乙公司,wx3,(2)\n", encoding="utf-8")
    kam("import", str(f))
    kam("edit", "K2", "--extra", "微信号=wx9")
    kam("merge", "K1", "K2")
    extra = kam.json("show", "K1")["extra"]
    assert extra["微信号 (row 2)"] == "wx1" and extra["微信号 (K2)"] == "wx9"
    row, = _sheet_csv(kam("export", "-", "-f", "csv").stdout)
    assert set(row) >= {"微信号", "年采购额 (万元)"}  # the sheet's own columns stay
    assert "微信号 (row 2)" not in row and "微信号 (K2)" not in row
    row, = _sheet_csv(kam("export", "-", "-f", "csv", "--all-columns").stdout)
    assert (row["微信号 (row 2)"], row["微信号 (K2)"]) == ("wx1", "wx9")


def _sheet_csv(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))
