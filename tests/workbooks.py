"""Helpers that build real .xlsx files in a test, the way legacy sheets look."""

from __future__ import annotations

import re
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl


def workbook(path: Path, sheets: list[tuple[str, list[list[Any]]]],
             formats: dict[tuple[str, str], str] | None = None,
             merges: dict[str, list[str]] | None = None,
             hidden: tuple[str, ...] = ()) -> Path:
    """Write sheets of rows; formats maps (sheet, cell) -> number format."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for name, rows in sheets:
        ws = wb.create_sheet(name)
        for r in rows:
            ws.append(r)
        for rng in (merges or {}).get(name, []):
            ws.merge_cells(rng)
        if name in hidden:
            ws.sheet_state = "hidden"
    for (name, cell), fmt in (formats or {}).items():
        wb[name][cell].number_format = fmt
    wb.save(path)
    return path


def as_builtin_format(path: Path, custom_code: str, builtin_id: int) -> None:
    """Rewrite a custom number format as an undefined built-in id, as WPS writes it."""
    with zipfile.ZipFile(path) as z:
        items = {n: z.read(n) for n in z.namelist()}
    styles = items["xl/styles.xml"].decode()
    escaped = custom_code.replace('"', "&quot;")
    m = re.search(r'<numFmt numFmtId="(\d+)" formatCode="' + re.escape(escaped) + r'"\s*/>', styles)
    assert m, styles
    styles = styles.replace(m.group(0), "")
    styles = styles.replace(f'numFmtId="{m.group(1)}"', f'numFmtId="{builtin_id}"')
    items["xl/styles.xml"] = styles.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in items.items():
            z.writestr(n, data)


TEMPLATE_HEADER = ["序号", "客户编号", "客户名称", "联系人", "职务", "联系方式", "所属行业",
                   "企业规模", "客户价值等级", "核心需求类型", "合作阶段", "最近跟进时间",
                   "跟进内容简述", "负责人", "状态标签", "备注"]
TEMPLATE_ROWS = [
    [1, "KH2024001", "*某某科技有限公司", "*某某", "总经理", None, "制造业", "200-500人", "高价值",
     "设备采购", "合作中", date(2024, 5, 10), "新品需求对接", "*某某", "重点跟进", "下季度计划扩产"],
    [2, "KH2024002", "*某某商贸有限公司", "*某某", "采购经理", "userexample", "零售业", "50人以下",
     "中价值", "补充采购", "意向客户", date(2024, 5, 8), "报价方案确认", "*某某", "需跟进",
     "决策链较长"],
    [3, "KH2024003", "*某某咨询服务部", "*某某", "负责人", 1395678, "服务业", "20人以下", "低价值",
     "咨询服务", "潜在客户", date(2024, 5, 5), "初步需求沟通", "*某某", "沉睡客户", "6个月无互动"],
    [4, "KH2024004", "*某某集团有限公司", "*某某", "副总裁", 1379012, "互联网", "500人以上", "高价值",
     "技术合作", "长期合作", date(2024, 5, 1), "年度合作总结", "*某某", "稳定合作", "战略合作伙伴"],
]


def inline_strings(path: Path) -> None:
    """Rewrite every text cell as an inline string (t="inlineStr"), as SheetJS and other
    streaming writers do, and drop the shared-strings part."""
    with zipfile.ZipFile(path) as z:
        items = {n: z.read(n) for n in z.namelist()}
    shared = re.findall(r"<si><t[^>]*>(.*?)</t></si>", items.get("xl/sharedStrings.xml",
                                                                   b"").decode(), re.S)
    for name in [n for n in items if n.startswith("xl/worksheets/sheet")]:
        xml = items[name].decode()
        xml = re.sub(r'<c r="([A-Z]+\d+)"([^>]*?) t="s"([^>]*)><v>(\d+)</v></c>',
                     lambda m: f'<c r="{m.group(1)}"{m.group(2)} t="inlineStr"{m.group(3)}>'
                     f'<is><t>{shared[int(m.group(4))]}</t></is></c>', xml)
        items[name] = xml.encode()
    items.pop("xl/sharedStrings.xml", None)
    for n in ("[Content_Types].xml", "xl/_rels/workbook.xml.rels"):
        items[n] = re.sub(rb"<(Override|Relationship)[^>]*sharedStrings[^>]*/>", b"", items[n])
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in items.items():
            z.writestr(n, data)
