"""Spreadsheet files out: the only module importing openpyxl.

Writing takes plain rows; what the rows mean (headers, keys, vocabulary) is
kam/columns.py's business. Reading is kam/readsheet.py's (python-calamine).
"""

from __future__ import annotations

import io
import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kam.i18n import t
from kam.schema import FORMULA_LEAD
from kam.store.files import atomic_save
from kam.text import width

# Exports carry the same personal data as the database: readable by the owner only.
EXPORT_MODE = 0o600
# Characters an xlsx cell cannot hold (XML 1.0 forbids them); shown as their pictures.
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _xml_safe(text: str) -> str:
    return _FORBIDDEN.sub(lambda m: chr(0x2400 + ord(m.group(0))), text)


@dataclass(frozen=True)
class Column:
    header: str
    choices: tuple[str, ...] = ()  # dropdown values (labels)


def write_xlsx(path: Path, columns: Sequence[Column], rows: Sequence[Sequence[Any]],
               sheet_title: str = "客户") -> list[tuple[int, int]]:
    """A finished-looking workbook, written to a temp file and moved into place.

    Every text cell (headers and dropdown lists too) that a spreadsheet would run as
    a formula stays text. Returns the (row index, column index) of the values that
    held characters a workbook cannot (shown there as their pictures, e.g. ␋). The
    workbook is written by openpyxl in write-only mode (rows stream out).
    """
    cells, replaced = _cells(rows, len(columns))
    made = _workbook(columns, cells, sheet_title, len(rows), _widths(columns, cells))

    def save(tmp: str) -> None:
        with open(tmp, "wb") as f:
            f.write(made)

    atomic_save(path, save, EXPORT_MODE)
    return replaced


class _Text(str):
    """Text that must stay text: digits (a phone, an id) or a formula-like lead."""


def _cells(rows: Sequence[Sequence[Any]], n: int) -> tuple[list[list[Any]], list[tuple[int, int]]]:
    """The rows as cells: empty ones None, long integers (phones, ids) as text, forbidden
    characters as their pictures (and where), text to keep as text marked _Text."""
    out, replaced = [], []
    for r, values in enumerate(rows):
        row: list[Any] = []
        for i, value in enumerate(values[:n]):
            if value is None or value == "":
                row.append(None)
                continue
            if isinstance(value, (int, float)) and _digits_like(value):
                value = str(value)  # a phone or id: text, never 1.39E+10
            if isinstance(value, str):
                if not value.isprintable() and _FORBIDDEN.search(value):  # most text: no
                    value = _xml_safe(value)
                    replaced.append((r, i))
                # Codes and phones made of digits would turn into numbers if edited;
                # text starting with = + - @ would be a formula. Both stay text.
                if value.startswith(FORMULA_LEAD) or value.isdigit():
                    value = _Text(value)
            row.append(value)
        out.append(row)
    return out, replaced


def _widths(columns: Sequence[Column], cells: Sequence[Sequence[Any]]) -> list[int]:
    """Each column's width in cells: its header or its widest value in the first rows."""
    width_of = [width(c.header) for c in columns]
    for values in cells[:2000]:  # the first rows decide the widths; enough, and cheap
        for i, value in enumerate(values):
            if isinstance(value, str):
                width_of[i] = max(width_of[i], width(value))
            elif isinstance(value, (date, datetime)):
                width_of[i] = max(width_of[i], 10)
            elif value is not None:
                width_of[i] = max(width_of[i], len(str(value)))
    return width_of


def _workbook(columns: Sequence[Column], rows: Sequence[Sequence[Any]], sheet_title: str,
              data_rows: int, widths: Sequence[int]) -> bytes:
    """The workbook written by openpyxl (write-only: rows stream out, no cell kept)."""
    import openpyxl
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title)
    _print_ready(ws)
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = min(60, w + 2)
    ws.freeze_panes = "A2"
    last_row = max(1, data_rows + 1)
    ws.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{last_row}"
    ws.append(_header_cells(ws, [c.header for c in columns]))
    for values in rows:  # dates get their yyyy-mm-dd format from openpyxl itself
        ws.append([_text_cell(ws, str(value), as_text=True) if type(value) is _Text else value
                   for value in values])
    lists: list[list[Any]] = []  # the dropdowns' values, a column each, on a hidden sheet
    for i, col in enumerate(columns, start=1):
        if not col.choices:
            continue
        at = get_column_letter(len(lists) + 1)
        lists.append([_xml_safe(choice) for choice in col.choices])
        dv = DataValidation(type="list", formula1=f"=_lists!${at}$1:${at}$"
                            f"{len(col.choices)}", allow_blank=True, showDropDown=False)
        dv.error, dv.errorTitle = t("Choose a value from the list"), col.header
        letter = get_column_letter(i)
        dv.add(f"{letter}2:{letter}{max(last_row, 1000)}")
        ws.data_validations.append(dv)
    if lists:
        hidden = wb.create_sheet("_lists")
        hidden.sheet_state = "hidden"
        for j in range(max(len(values) for values in lists)):
            hidden.append([_text_cell(hidden, values[j]) if j < len(values) else None
                           for values in lists])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _header_look() -> tuple[Any, Any, Any]:
    """A header cell's font, fill and alignment: bold on a light fill, centred upright."""
    from openpyxl.styles import Alignment, Font, PatternFill

    return Font(bold=True), PatternFill("solid", fgColor="DDEBF7"), Alignment(
        vertical="center")


def _header_cells(ws: Any, headers: Sequence[str]) -> list[Any]:
    """The first row of a write-only sheet (export): the headers, as _header_row."""
    bold, fill, middle = _header_look()
    cells = []
    for h in headers:
        cell = _text_cell(ws, _xml_safe(h))
        cell.font, cell.fill, cell.alignment = bold, fill, middle
        cells.append(cell)
    return cells


def _text_cell(ws: Any, value: str, as_text: bool = False) -> Any:
    """A write-only cell of text that stays text: never a formula (one that looks like
    it gets the quote prefix); as_text, formatted as text too ("@": digits stay digits
    when edited)."""
    from openpyxl.cell import WriteOnlyCell

    cell = WriteOnlyCell(ws, value)
    cell.data_type = "s"
    if as_text:
        cell.number_format = "@"
    if value.startswith(FORMULA_LEAD):
        cell.quotePrefix = True
    return cell


def _header_row(ws: Any, headers: Sequence[str]) -> None:
    """The first row of an ordinary sheet (the review): the headers, bold on a light
    fill, kept as text."""
    ws.append([_xml_safe(h) for h in headers])
    _keep_text(ws[1])
    bold, fill, middle = _header_look()
    for cell in ws[1]:
        cell.font, cell.fill, cell.alignment = bold, fill, middle


def _keep_text(cells: Any) -> None:
    """Header and list cells: text that looks like a formula stays text."""
    for cell in itertools.chain.from_iterable(
            c if isinstance(c, tuple) else (c,) for c in cells):
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_LEAD):
            cell.data_type = "s"
            cell.quotePrefix = True


def _digits_like(value: Any) -> bool:
    """Whole numbers of 8+ digits are phone numbers or ids: keep them as text."""
    return isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10_000_000


def write_text(path: Path, text: str, encoding: str) -> None:
    """A text file (CSV, JSON), written atomically."""

    def save(tmp: str) -> None:
        with open(tmp, "w", encoding=encoding, newline="") as f:
            f.write(text)

    atomic_save(path, save, EXPORT_MODE)


def write_review(path: Path, sections: Sequence[Any], label: str) -> None:
    """The review for the boss: a sheet per section with its table (frozen header, widths)
    and a native chart (bar for distributions and the funnel, line for weeks and months)."""
    import openpyxl
    from openpyxl.chart import BarChart, LineChart, Reference
    from openpyxl.utils import get_column_letter

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    used: set[str] = set()
    for s in sections:
        title = _sheet_title(s.title, used)
        ws = wb.create_sheet(title)
        _header_row(ws, [str(h) for h in s.headers])
        widths = [width(str(h)) for h in s.headers]
        formats = []
        for row in s.rows:
            values = [_xml_safe(v) if isinstance(v, str) else v for v in row]
            for i, v in enumerate(values):  # numbers stay numbers, in the format they show
                look = _REVIEW_FORMATS.get(type(v).__name__)
                if look is not None:
                    values[i] = float(v)
                    formats.append((ws.max_row + 1, i + 1, look))
            ws.append(values)
            widths = [max(w, width(str(v))) for w, v in zip(widths, row, strict=True)]
        for note in s.notes:
            ws.append([])
            ws.append([_xml_safe(note)])
        _keep_text(ws[f"A2:A{max(2, ws.max_row)}"])
        for r, col, look in formats:
            ws.cell(row=r, column=col).number_format = look
        for i, w in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = min(50, w + 2)
        ws.freeze_panes = "A2"
        _print_ready(ws)
        if s.chart and s.rows:
            chart: Any = BarChart() if s.chart == "bar" else LineChart()
            if s.chart == "bar":
                chart.type = "bar" if s.key in ("funnel", "stage") else "col"
                if chart.type == "bar":  # the first stage on top, as a funnel is read
                    chart.x_axis.scaling.orientation = "maxMin"
            chart.title = f"{s.title} {label}"
            chart.height, chart.width = 8, 16
            last = len(s.rows) + 1
            for col in s.values:
                data = Reference(ws, min_col=col + 1, min_row=1, max_row=last)
                chart.add_data(data, titles_from_data=True)
            chart.set_categories(Reference(ws, min_col=1, min_row=2, max_row=last))
            for series in chart.series:  # straight lines: counts, not a curve through them
                series.smooth = False
            ws.add_chart(chart, f"A{ws.max_row + 2}")  # below the table: one page wide
    atomic_save(path, wb.save, EXPORT_MODE)


def _print_ready(ws: Any) -> None:
    """Printed as the boss reads it: A4 landscape, every column on one page's width
    (as many pages down as it takes), the header row repeated on every page."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"  # A4 (ECMA-376 ST_PaperSize)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"


# review.Change, Amount and Share: numbers in the workbook, formatted as on screen
_REVIEW_FORMATS = {"Change": "+#,##0;-#,##0;0", "Amount": "#,##0", "Share": "0%"}


def _sheet_title(title: str, used: set[str]) -> str:
    """A valid, unique sheet name: at most 31 characters, none of []:*?/\\."""
    base = re.sub(r"[\[\]:*?/\\]", " ", title)[:31] or "Sheet"
    name, n = base, 2
    while name.casefold() in used:
        name = f"{base[:28]} {n}"
        n += 1
    used.add(name.casefold())
    return name
