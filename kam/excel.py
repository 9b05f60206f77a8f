"""Spreadsheet files in and out: the only module importing openpyxl.

Reading returns plain rows of Python values; writing takes plain rows. What
the rows mean (headers, keys, vocabulary) is kam/sheet.py's business.
"""

from __future__ import annotations

import contextlib
import csv
import io
import itertools
import re
import stat
import warnings
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kam.errors import BadInput
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

# Larger than any honest customer workbook; an XML bomb expands far beyond it.
MAX_UNCOMPRESSED = 256 * 1024 * 1024
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Chinese Excel and WPS write these built-in number formats without defining
# them; openpyxl does not know them and returns the serial number. These are
# their zh-CN meanings (ECMA-376 Part 1, 18.8.30).
CJK_BUILTIN_FORMATS = {
    27: 'yyyy"年"m"月"', 28: 'm"月"d"日"', 29: 'm"月"d"日"', 30: "m-d-yy",
    31: 'yyyy"年"m"月"d"日"', 32: 'h"时"mm"分"', 33: 'h"时"mm"分"ss"秒"',
    34: '上午/下午h"时"mm"分"', 35: '上午/下午h"时"mm"分"ss"秒"', 36: 'yyyy"年"m"月"',
    50: 'yyyy"年"m"月"', 51: 'm"月"d"日"', 52: 'yyyy"年"m"月"', 53: 'm"月"d"日"',
    54: 'm"月"d"日"', 55: '上午/下午h"时"mm"分"', 56: '上午/下午h"时"mm"分"ss"秒"',
    57: 'yyyy"年"m"月"', 58: 'm"月"d"日"',
}


HEAD_ROWS = 20  # rows of each sheet read to find the header


@dataclass
class SheetData:
    """One worksheet: its first non-empty rows, and a way to stream them all.

    Rows are (sheet row number, values); empty rows are skipped.
    """

    name: str
    visible: bool
    rows: list[tuple[int, tuple[Any, ...]]]  # the first HEAD_ROWS non-empty rows
    stream: Callable[[], Iterator[tuple[int, tuple[Any, ...]]]]
    epoch1904: bool = False
    text_only: bool = False  # CSV: every value is text
    size_hint: int = 0  # rows the sheet says it has (for a progress bar)


def _non_empty(rows: Iterable[Sequence[Any]]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    for n, values in enumerate(rows, start=1):
        for v in values:
            if v is not None and v != "":
                yield n, tuple(values)
                break


def _openpyxl() -> Any:
    import openpyxl
    from openpyxl.styles import numbers

    for fmt_id, code in CJK_BUILTIN_FORMATS.items():
        numbers.BUILTIN_FORMATS.setdefault(fmt_id, code)
    return openpyxl


def check_xlsx(path: Path) -> None:
    """Refuse, with what to do, the files openpyxl would choke on or should not open."""
    name = path.name
    _regular_file(path)
    if name.startswith("~$") or name.startswith(".~lock."):
        raise BadInput(t("{path}: this is the lock file a spreadsheet program keeps while the "
                         "workbook is open; import the workbook itself",
                         path=path))
    try:
        with path.open("rb") as f:
            head = f.read(8)
    except FileNotFoundError:
        raise BadInput(t("{path}: no such file", path=path)) from None
    except IsADirectoryError:
        raise BadInput(t("{path} is a directory, not a spreadsheet", path=path)) from None
    except OSError as e:
        raise BadInput(t("{path}: cannot read: {strerror}",
                         path=path, strerror=e.strerror)) from None
    if head == OLE2_MAGIC:
        data = path.read_bytes()
        if "EncryptionInfo".encode("utf-16-le") in data:
            raise BadInput(t("{path}: the workbook is password-protected; open it, remove the "
                             "password (File > Info > Protect Workbook) and save it again",
                             path=path))
        raise BadInput(t("{path}: this is an old .xls workbook; save it as .xlsx (Excel/WPS: Save "
                         "As > Excel Workbook, or `soffice --headless --convert-to xlsx`)",
                         path=path))
    if not head:
        raise BadInput(t("{path}: the file is empty", path=path))
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
            total = sum(i.file_size for i in infos)
    except zipfile.BadZipFile:
        raise BadInput(t("{path}: not an .xlsx workbook (not a zip archive, or damaged); open it "
                         "in Excel/WPS and save it as .xlsx",
                         path=path)) from None
    if total > MAX_UNCOMPRESSED:
        raise BadInput(t("{path}: unpacks to {value} MiB, more than a customer workbook can be "
                         "({value2} MiB); refused as unsafe",
                         path=path, value=total // 2**20, value2=MAX_UNCOMPRESSED // 2**20))
    if "xl/workbook.xml" not in names:
        raise BadInput(t("{path}: a zip archive but not an Excel workbook", path=path))


@contextlib.contextmanager
def open_xlsx(path: Path) -> Iterator[list[SheetData]]:
    """The worksheets, read-only and streamed (formulas give their cached values)."""
    check_xlsx(path)
    openpyxl = _openpyxl()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "Workbook contains no default style" etc.
            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as e:
        raise BadInput(t("{path}: cannot read the workbook ({name}: {e}); it may be damaged or "
                         "unsafe: open it in Excel/WPS and save it again",
                         path=path, name=type(e).__name__, e=e)) from None
    try:
        epoch1904 = wb.epoch.year == 1904
        sheets = []
        for ws in wb.worksheets:
            if not hasattr(ws, "iter_rows"):
                continue  # chartsheets
            def stream(ws: Any = ws) -> Iterator[tuple[int, tuple[Any, ...]]]:
                return _stored_rows(ws, path)

            hint = _declared_rows(ws)  # before the rows are read: they reset it
            head = list(itertools.islice(stream(), HEAD_ROWS))
            sheets.append(SheetData(ws.title, ws.sheet_state == "visible", head, stream,
                                    epoch1904, size_hint=hint))
        yield sheets
    except BadInput:
        raise
    except Exception as e:
        raise BadInput(t("{path}: cannot read the workbook ({name}: {e})",
                         path=path, name=type(e).__name__, e=e)) from None
    finally:
        wb.close()


# What a worksheet can hold (Excel's limits); a file declaring more is not a real sheet.
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384


def _stored_rows(ws: Any, path: Path) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(row number, values) of each non-empty row of a read-only sheet.

    The size a sheet declares is not trusted (a writer may declare less than it
    stores: openpyxl would stop there), and openpyxl fills each gap between stored
    rows with empty ones: a row or column number no worksheet can have is refused as
    soon as it is reached, so a 4 KB file declaring row 99,999,999,999 costs a second,
    not hours.
    """
    ws.reset_dimensions()
    for n, values in enumerate(ws.iter_rows(values_only=True), start=1):
        if n > MAX_ROWS:
            raise BadInput(t("{path}: sheet {title!r} goes beyond row {MAX_ROWS:,}, the last a "
                             "worksheet can have; refused as damaged or unsafe",
                             path=path, title=ws.title, MAX_ROWS=MAX_ROWS))
        if len(values) > MAX_COLUMNS:
            raise BadInput(t("{path}: sheet {title!r} row {n} declares column {width:,}, "
                             "beyond the {MAX_COLUMNS:,} a worksheet can have; refused",
                             path=path, title=ws.title, n=n, width=len(values),
                             MAX_COLUMNS=MAX_COLUMNS))
        if any(v is not None and v != "" for v in values):
            yield n, tuple(values)


def _declared_rows(ws: Any) -> int:
    """The rows the sheet says it has (for a progress bar and choosing the sheet); 0
    when it says nothing or something impossible."""
    declared = ws.max_row
    return declared if isinstance(declared, int) and 0 < declared <= MAX_ROWS else 0


def _regular_file(path: Path) -> None:
    """A FIFO, a device or a directory is refused before it is opened (it could block)."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        raise BadInput(t("{path}: no such file", path=path)) from None
    except OSError as e:
        raise BadInput(t("{path}: cannot read: {strerror}",
                         path=path, strerror=e.strerror)) from None
    if stat.S_ISDIR(mode):
        raise BadInput(t("{path} is a directory, not a spreadsheet", path=path))
    if not stat.S_ISREG(mode):
        raise BadInput(t("{path} is not a regular file (a pipe or a device); save the sheet as a "
                         "file and import that",
                         path=path))


def _unguard(text: str) -> str:
    """A CSV cell without the ' that kam (and OWASP) put before a formula-like value."""
    return text[1:] if text[:1] == "'" and text.lstrip("'").startswith(FORMULA_LEAD) else text


def _delimiter(text: str) -> str:
    """The delimiter that splits the first records into rows (nearly) all as wide as the
    first, and widest (comma on a tie). The quoting is always Excel's: "" inside quotes."""
    sample = text[:8192]
    best, best_score = ",", (False, 0)
    for d in (",", "\t", ";"):
        try:
            rows = [r for r in csv.reader(io.StringIO(sample), csv.excel, delimiter=d) if r]
        except csv.Error:
            continue
        if len(sample) < len(text):
            rows = rows[:-1]  # the last one may be cut
        if not rows or len(rows[0]) < 2:
            continue
        consistent = sum(len(r) == len(rows[0]) for r in rows) / len(rows)
        score = (consistent >= 0.9, len(rows[0]))  # then the widest
        if score > best_score:
            best, best_score = d, score
    return best


def read_csv(path: Path) -> list[SheetData]:
    """A CSV (or tab-separated text) as one sheet: UTF-16 with a BOM, UTF-8 with or
    without one, else GB18030 (a superset of GBK) as Chinese Excel and WPS save it."""
    _regular_file(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise BadInput(t("{path}: no such file", path=path)) from None
    except OSError as e:
        raise BadInput(t("{path}: cannot read: {strerror}",
                         path=path, strerror=e.strerror)) from None
    # Excel's "Unicode text" is UTF-16 with a BOM; else UTF-8 (BOM or not), else GBK/GB18030
    utf16 = raw.startswith((b"\xff\xfe", b"\xfe\xff"))
    for encoding in (("utf-16",) if utf16 else ("utf-8-sig", "gb18030")):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes nearly anything
        raise BadInput(t("{path}: unknown text encoding; save it as UTF-8 CSV", path=path))
    if "\0" in text:
        raise BadInput(t("{path}: not a text CSV file", path=path))
    delimiter = _delimiter(text)
    reader = csv.reader(io.StringIO(text), csv.excel, delimiter=delimiter)
    records: list[list[str]] = []
    start = end = 0  # the lines the last record starts after and ends on
    try:
        for record in reader:
            start, end = end, reader.line_num
            records.append(record)
    except csv.Error as e:
        raise BadInput(t("{path}: line {line_num}: malformed CSV: {e}",
                         path=path, line_num=reader.line_num, e=e)) from None
    quote = '"'
    if records and text.count(quote) % 2 and any("\n" in f for f in records[-1]):
        raise BadInput(t("{path}: line {value}: a quote ({quote}) opens here and is never closed, "
                         "so every line after it would become one value; close the quote and "
                         "import again",
                         path=path, value=start + 1, quote=quote))
    rows = list(_non_empty([_unguard(v.strip()) for v in r] for r in records))
    return [SheetData(path.stem, True, rows[:HEAD_ROWS], lambda: iter(rows), text_only=True,
                      size_hint=len(rows))]


@contextlib.contextmanager
def open_sheets(path: Path) -> Iterator[list[SheetData]]:
    """The sheets of an .xlsx/.xlsm workbook or a CSV file; rows stream while open."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt", ".tsv"):
        yield read_csv(path)
    elif suffix in (".xlsx", ".xlsm", ".xltx", ".xltm", ".xls", ".et", ""):
        with open_xlsx(path) as sheets:
            yield sheets
    else:
        raise BadInput(t("{path}: unknown file type {suffix!r}; kam imports .xlsx, .xlsm and .csv",
                         path=path, suffix=suffix))


# --- writing -----------------------------------------------------------------



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
    openpyxl = _openpyxl()
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = openpyxl.Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title)
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
    openpyxl = _openpyxl()
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
        if s.chart and s.rows:
            chart: Any = BarChart() if s.chart == "bar" else LineChart()
            if s.chart == "bar":
                chart.type = "bar" if s.key in ("funnel", "stage") else "col"
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
