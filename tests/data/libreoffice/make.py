"""Rebuild the legacy-workbook fixtures: python tests/data/libreoffice/make.py (needs soffice).

A customer ledger as old sheets have it (a title row, the header on row 3, dates in
Chinese formats, phones stored as numbers, a formula, a merged cell, a bank with two
contacts on two rows, grade words, a hidden sheet) is written by openpyxl, then
LibreOffice saves it as .xlsx, .xls (Excel 97-2003) and .ods, the way a spreadsheet
program writes them; ledger.et is the .xls under WPS's name, as WPS saves it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

import openpyxl

HERE = Path(__file__).resolve().parent


def source(path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "客户台账"
    ws.append(["2023年重点客户台账"])
    ws.append([])
    ws.append(["序号", "客户编号", "客户名称", "联系人", "联系方式", "客户价值等级", "合作阶段",
               "最近跟进时间", "年采购额", "折合万元", "备注"])
    rows = [
        [1, "KH001", "东方机电有限公司", "王强", 13956781234, "高级", "合作中",
         date(2023, 5, 10), 1200000.5, "=I4/10000", "老客户"],
        [2, "KH002", "贵州黔南建材", "刘芳", "0851-88886666", "A类", "意向",
         date(2023, 4, 8), 30000, "=I5/10000", "价格敏感"],
        [3, "KH003", "华夏银行南京分行", "陈总", "025-84681234", "重要客户", "长期合作",
         date(2023, 3, 1), 5000000, "=I6/10000", "两位联系人"],
        [None, None, None, "赵经理", 13800001111, None, None, None, None, None, "信贷部"],
        [5, "KH005", "北方能源集团", "孙伟", 13512345678, "普通客户", "潜在",
         date(2022, 12, 31), None, None, "跨年"],
        [6, "KH006", "西部物流", "周敏", "zhou@example.com", "三级", "合作中",
         date(2023, 6, 30), 800, "=I9/10000", ""],
    ]
    for r in rows:
        ws.append(r)
    ws["H4"].number_format = 'yyyy"年"m"月"d"日"'
    ws["H5"].number_format = "yyyy/m/d"
    ws["H6"].number_format = 'm"月"d"日"'
    ws.merge_cells("K8:K9")
    hidden = wb.create_sheet("旧数据")
    hidden.append(["客户编号", "客户名称"])
    hidden.append(["OLD1", "不应导入"])
    hidden.sheet_state = "hidden"
    wb.save(path)


def main() -> None:
    soffice = shutil.which("soffice") or sys.exit("soffice (LibreOffice) is not installed")
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "ledger.xlsx"
        source(src)
        for target in ("xlsx:Calc MS Excel 2007 XML", "xls:MS Excel 97", "ods"):
            out = Path(tmp) / "out"
            subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/profile", "--headless",
                            "--convert-to", target, "--outdir", str(out), str(src)],
                           check=True, capture_output=True, timeout=120)
            made = out / f"ledger.{target.split(':')[0]}"
            shutil.copyfile(made, HERE / made.name)
    shutil.copyfile(HERE / "ledger.xls", HERE / "ledger.et")


if __name__ == "__main__":
    main()
