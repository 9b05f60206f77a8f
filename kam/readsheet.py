"""Spreadsheet files in: the only module importing python_calamine and charset_normalizer.

Every workbook is read by python-calamine (Rust's calamine): .xlsx/.xlsm, .xlsb, .xls
(Excel 97-2003 BIFF8 and Excel 95 BIFF5), .ods, and WPS's .et, told apart by their bytes,
not their names. Text files (CSV, TSV) by the csv module, their encoding told by a BOM,
by UTF-8 decoding, else detected by charset-normalizer and said; --encoding overrides.

Reading returns plain rows of Python values (None for an empty cell, int for a whole
number); what the rows mean is kam/columns.py's business. openpyxl stays the writer
(kam/excel.py).

calamine holds a whole sheet in memory, as wide as its widest row: a file is first
checked for what would make that unreasonable (an XML bomb, a cell at row a billion),
so that a few kilobytes can never ask for gigabytes.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import functools
import io
import itertools
import os
import re
import zipfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from kam.errors import BadInput
from kam.i18n import t
from kam.schema import FORMULA_LEAD
from kam.store.files import NotRegular, open_regular

HEAD_ROWS = 20  # rows of each sheet read to find the header

# Larger than any honest customer workbook; an XML bomb expands far beyond it.
MAX_UNCOMPRESSED = 256 * 1024 * 1024
MAX_FILE = 128 * 1024 * 1024  # an .xls or a CSV: bytes
# What a worksheet can hold (Excel's limits); a file declaring more is not a real sheet.
MAX_ROWS, MAX_COLUMNS = 1_048_576, 16_384
# calamine keeps a sheet as rows x columns cells: far more than a customer list needs
# (50,000 rows of 200 columns), far less than the memory of a laptop.
MAX_CELLS = 20_000_000
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_MAGIC = b"PK\x03\x04"
_ENCRYPTED = "EncryptionInfo".encode("utf-16-le")  # the stream of an encrypted OOXML file
TEXT_SUFFIXES = (".csv", ".txt", ".tsv")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xltx", ".xltm", ".xlsb", ".xls", ".xlt", ".et",
                     ".ett", ".ods", ".ots")


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
    size_hint: int = 0  # rows the sheet has (for a progress bar and choosing the sheet)
    encoding: str | None = None  # text files: the encoding read
    detected: bool = False  # ... and whether it was detected (not UTF-8/16, not given)


@contextlib.contextmanager
def open_sheets(path: Path, encoding: str | None = None) -> Iterator[list[SheetData]]:
    """The sheets of a workbook or a text file; rows stream while open."""
    kind, epoch1904 = _kind(path)
    if kind == "text":
        yield read_csv(path, encoding)
        return
    yield _workbook(path, kind, epoch1904)


# --- telling files apart ------------------------------------------------------

def _kind(path: Path) -> tuple[str, bool]:
    """('text', 'ole2' (BIFF .xls/.et), 'ooxml' (.xlsx/.xlsm/.xlsb, .et) or 'ods'; whether
    the workbook counts days from 1904), or a refusal that says what the file is and what
    to do."""
    name, suffix = path.name, path.suffix.lower()
    if name.startswith("~$") or name.startswith(".~lock."):
        raise BadInput(t("{path}: this is the lock file a spreadsheet program keeps while the "
                         "workbook is open; import the workbook itself", path=path))
    size, head = _opened(path)
    if not head:
        raise BadInput(t("{path}: the file is empty", path=path))
    if head.startswith(OLE2_MAGIC):
        if size > MAX_FILE:
            raise _too_big(path, size, MAX_FILE)
        if _ENCRYPTED in path.read_bytes():  # an .xlsx with a password is an OLE2 file
            raise BadInput(t("{path}: the workbook is password-protected; open it, remove the "
                             "password (File > Info > Protect Workbook) and save it again",
                             path=path))
        return "ole2", False
    if head.startswith(ZIP_MAGIC):
        return _zip_kind(path)
    if suffix in TEXT_SUFFIXES or suffix not in WORKBOOK_SUFFIXES and suffix != "":
        if suffix not in TEXT_SUFFIXES:
            raise BadInput(t("{path}: unknown file type {suffix!r}; kam imports workbooks "
                             "(.xlsx, .xlsm, .xlsb, .xls, .ods, .et), text (.csv, .tsv, .txt) "
                             "and address-book cards (.vcf)", path=path, suffix=suffix))
        if size > MAX_FILE:
            raise _too_big(path, size, MAX_FILE)
        return "text", False
    if suffix in (".et", ".ett"):
        raise BadInput(t("{path}: a WPS spreadsheet in a format kam cannot read; in WPS, save "
                         "it as .xlsx or .xls (File > Save As) and import that", path=path))
    raise BadInput(t("{path}: not a workbook (neither Excel, OpenDocument nor WPS); if it is a "
                     "CSV file, name it .csv", path=path))


def _opened(path: Path) -> tuple[int, bytes]:
    """The file's size and first bytes. A FIFO, a device or a directory is refused without
    being read (store.files.open_regular checks the file it opened: nothing can swap it
    in between)."""
    try:
        with open_regular(path) as f:
            return os.fstat(f.fileno()).st_size, f.read(8)
    except FileNotFoundError:
        raise BadInput(t("{path}: no such file", path=path)) from None
    except (NotRegular, IsADirectoryError):
        if path.is_dir():
            raise BadInput(t("{path} is a directory, not a file to import", path=path)) from None
        raise BadInput(t("{path} is not a regular file (a pipe or a device); save the sheet as a "
                         "file and import that", path=path)) from None
    except OSError as e:
        raise BadInput(t("{path}: cannot read: {strerror}",
                         path=path, strerror=e.strerror)) from None


def _too_big(path: Path, size: int, most: int, packed: bool = False) -> BadInput:
    """A file too big to be a customer list; packed: its size unpacked (a zip archive)."""
    if packed:
        return BadInput(t("{path}: unpacks to {value} MiB, more than a customer workbook can be "
                          "({value2} MiB); refused as unsafe", path=path, value=size // 2**20,
                          value2=most // 2**20))
    return BadInput(t("{path}: {value} MiB, more than a customer list can be ({value2} MiB); "
                      "refused", path=path, value=size // 2**20, value2=most // 2**20))


# Serial numbers count from 1904 in workbooks made on old Macs (dates are shown right by
# calamine; a bare number in a date column needs to know).
_DATE1904 = re.compile(rb'<(?:\w+:)?workbookPr\b[^>]*?\sdate1904="(?:1|true)"')


def _zip_kind(path: Path) -> tuple[str, bool]:
    try:
        with zipfile.ZipFile(path) as z:
            infos = z.infolist()
            names = {i.filename for i in infos}
            if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
                raise _too_big(path, sum(i.file_size for i in infos), MAX_UNCOMPRESSED, True)
            if "xl/workbook.xml" in names:
                return "ooxml", bool(_DATE1904.search(_member(z, "xl/workbook.xml", 1 << 20)))
            if "xl/workbook.bin" in names:
                return "ooxml", False
            if "content.xml" in names and b"spreadsheet" in _member(z, "mimetype", 200):
                return "ods", False
    except zipfile.BadZipFile:
        raise BadInput(t("{path}: not an .xlsx workbook (not a zip archive, or damaged); open it "
                         "in Excel/WPS and save it as .xlsx", path=path)) from None
    raise BadInput(t("{path}: a zip archive but not an Excel workbook", path=path))


def _member(z: zipfile.ZipFile, name: str, most: int) -> bytes:
    try:
        with z.open(name) as f:
            return f.read(most)
    except KeyError:
        return b""


# --- workbooks ------------------------------------------------------------------

# Run in a child process before a workbook is read here: calamine allocates a sheet's
# whole rectangle of cells, and a few kilobytes can ask for hundreds of gigabytes (a
# cell at XFD1048576, a record at row 65,520 column 65,280), which aborts the process.
# The child, its address space limited where the system can, reads each sheet and says
# its size; if it dies, the file is refused and nothing here is lost.
_PROBE = """
import json, sys
try:
    import resource
    resource.setrlimit(resource.RLIMIT_AS, (int(sys.argv[2]), int(sys.argv[2])))
except (ImportError, ValueError, OSError):
    pass
from python_calamine import CalamineWorkbook
try:
    try:
        wb = CalamineWorkbook.from_path(sys.argv[1])
    except Exception as named:
        try:  # an .xls named .xlsx: told by its bytes
            with open(sys.argv[1], "rb") as f:
                wb = CalamineWorkbook.from_filelike(f)
        except Exception:
            raise named from None
    sizes = []
    for meta in wb.sheets_metadata:
        sheet = wb.get_sheet_by_name(meta.name)
        sizes.append([sheet.height, sheet.width])
        del sheet
    print(json.dumps({"sizes": sizes}))
except Exception as e:
    print(json.dumps({"error": type(e).__name__, "message": str(e)}))
"""
PROBE_MEMORY = 4 << 30


def _probe(path: Path, kind: str) -> None:
    """Refuse a workbook whose sheets are beyond what a worksheet can be, or beyond
    MAX_CELLS, or that the reader cannot survive (see _PROBE)."""
    import json
    import subprocess
    import sys

    try:
        done = subprocess.run([sys.executable, "-c", _PROBE, str(path), str(PROBE_MEMORY)],
                              capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
        answer = json.loads(done.stdout) if done.returncode == 0 else None
    except (OSError, ValueError, subprocess.TimeoutExpired):
        answer = None
    if not isinstance(answer, dict):
        raise BadInput(t("{path}: reading it would take more memory than any real sheet needs "
                         "(a cell far beyond the last row or column, or damage); refused as "
                         "unsafe", path=path))
    if "error" in answer:
        raise _unreadable(path, kind, answer["error"], str(answer.get("message", "")))
    for rows, cols in answer["sizes"]:
        if rows > MAX_ROWS or cols > MAX_COLUMNS:
            raise BadInput(t("{path}: a sheet reaches row {rows:,}, column {cols:,}, beyond the "
                             "{MAX_ROWS:,} rows and {MAX_COLUMNS:,} columns a worksheet can "
                             "have; refused as damaged or unsafe", path=path, rows=rows,
                             cols=cols, MAX_ROWS=MAX_ROWS, MAX_COLUMNS=MAX_COLUMNS))
        if rows * cols > MAX_CELLS:
            raise BadInput(t("{path}: a sheet spans {rows:,} rows by {cols:,} columns, more than "
                             "kam reads at once ({most:,} cells); delete the empty rows and "
                             "columns at its ends, or split it", path=path, rows=rows,
                             cols=cols, most=MAX_CELLS))


def _workbook(path: Path, kind: str, epoch1904: bool) -> list[SheetData]:
    """Every worksheet's first rows; the one imported is read again when streamed
    (calamine holds a whole sheet in memory: one at a time is kept)."""
    _probe(path, kind)
    from python_calamine import CalamineWorkbook, SheetTypeEnum, SheetVisibleEnum

    try:
        try:
            wb = CalamineWorkbook.from_path(str(path))
        except Exception as named:  # noqa: BLE001
            try:  # an .xls named .xlsx: told by its bytes
                with path.open("rb") as f:
                    wb = CalamineWorkbook.from_filelike(f)
            except Exception:  # noqa: BLE001
                raise named from None
        sheets = []
        kept: dict[str, Any] = {}  # the sheet loaded last, kept for when it is streamed
        for meta in wb.sheets_metadata:
            if meta.typ not in (SheetTypeEnum.WorkSheet, SheetTypeEnum.DialogSheet):
                continue  # chart sheets, macro sheets
            kept.clear()
            sheet = kept[meta.name] = wb.get_sheet_by_name(meta.name)
            head = list(itertools.islice(_rows(sheet), HEAD_ROWS))
            sheets.append(SheetData(meta.name, meta.visible == SheetVisibleEnum.Visible, head,
                                    functools.partial(_stream, path, kind, wb, meta.name, kept),
                                    epoch1904, size_hint=sheet.height))
            del sheet
    except BadInput:
        raise
    except Exception as e:  # noqa: BLE001 - calamine's errors are many and all mean this
        raise _unreadable(path, kind, type(e).__name__, str(e)) from None
    return sheets


def _stream(path: Path, kind: str, wb: Any, name: str, kept: dict[str, Any]
            ) -> Iterator[tuple[int, tuple[Any, ...]]]:
    try:
        sheet = kept.pop(name, None)
        if sheet is None:  # another sheet was read since, or this one streamed before
            sheet = wb.get_sheet_by_name(name)
    except Exception as e:  # noqa: BLE001
        raise _unreadable(path, kind, type(e).__name__, str(e)) from None
    yield from _rows(sheet)


def _unreadable(path: Path, kind: str, name: str, text: str) -> BadInput:
    if name == "PasswordError" or "password" in text.lower() or (
            kind == "ole2" and "EncryptionInfo" in text):
        return BadInput(t("{path}: the workbook is password-protected; open it, remove the "
                          "password (File > Info > Protect Workbook) and save it again",
                          path=path))
    return BadInput(t("{path}: cannot read the workbook ({name}: {e}); it may be damaged or "
                      "unsafe: open it in Excel/WPS and save it again", path=path,
                      name=name, e=text.splitlines()[0] if text else ""))


def _rows(sheet: Any) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(sheet row number, values) of each non-empty row, without its trailing empty cells;
    an empty cell is None, a whole number an int (as openpyxl and CSV give them)."""
    first = (sheet.start or (0, 0))[0] + 1
    for n, values in enumerate(sheet.iter_rows(), start=first):
        end = len(values)
        while end and values[end - 1] == "":
            end -= 1
        if end:  # most cells are text or empty: only the others are looked at twice
            yield n, tuple([None if v == "" else v if type(v) is str else _value(v)
                            for v in values[:end]])


def _value(v: Any) -> Any:
    if type(v) is float and v.is_integer() and abs(v) < 1e15:
        return int(v)
    if type(v) is datetime and not (v.hour or v.minute or v.second or v.microsecond):
        return date(v.year, v.month, v.day)
    return v


# --- text files -----------------------------------------------------------------

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


LIKELY = ("gb18030", "big5", "cp1252", "shift_jis", "euc_kr")


def decode(path: Path, raw: bytes, encoding: str | None) -> tuple[str, str, bool]:
    """(text, encoding, detected): the encoding given; else UTF-16 with a BOM (Excel's
    "Unicode text"), UTF-8 with or without one; else the one charset-normalizer finds
    among LIKELY (others need --encoding). Never a guess without a word: the report
    says it, and a file no encoding reads is refused."""
    if encoding is not None:
        try:
            name = codecs.lookup(encoding).name
        except LookupError:
            raise BadInput(t("--encoding: unknown encoding {encoding!r} (for example utf-8, "
                             "gb18030, big5, latin-1)", encoding=encoding)) from None
        try:
            return raw.decode(name), name, False
        except UnicodeDecodeError as e:
            raise BadInput(t("{path}: line {line}: not {encoding} text; try another --encoding, "
                             "or leave it out to have it detected", path=path,
                             line=raw.count(b"\n", 0, e.start) + 1, encoding=name)) from None
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "utf-16", False
    try:
        return raw.decode("utf-8-sig"), "utf-8", False
    except UnicodeDecodeError:
        pass
    from charset_normalizer import from_bytes

    # The encodings a salesperson's files come in, most likely first: on a short file two
    # can read equally well (GBK text is valid EUC-KR), and then the likelier one wins.
    found = {m.encoding: m.chaos for m in from_bytes(raw, cp_isolation=list(LIKELY))}
    if not found:
        raise BadInput(t("{path}: unknown text encoding; name it with --encoding (for example "
                         "gb18030 or big5), or save the file as UTF-8 text", path=path))
    least = min(found.values())
    name = next(e for e in LIKELY if e in found and found[e] <= least + 0.05)
    return raw.decode(name), name, True


def read_text(path: Path, encoding: str | None = None) -> tuple[str, str, bool]:
    """A text file (a .vcf) as (text, encoding, detected), with the guards a sheet gets:
    no FIFO or device, no file past MAX_FILE, an encoding said when detected."""
    size, _ = _opened(path)
    if size > MAX_FILE:
        raise _too_big(path, size, MAX_FILE)
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise BadInput(t("{path}: cannot read: {strerror}",
                         path=path, strerror=e.strerror)) from None
    return decode(path, raw, encoding)


def read_csv(path: Path, encoding: str | None = None) -> list[SheetData]:
    """A CSV (or tab-separated text) as one sheet."""
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise BadInput(t("{path}: cannot read: {strerror}",
                         path=path, strerror=e.strerror)) from None
    text, used, detected = decode(path, raw, encoding)
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
                      size_hint=len(rows), encoding=used, detected=detected)]


def _non_empty(rows: Iterable[Sequence[Any]]) -> Iterator[tuple[int, tuple[Any, ...]]]:
    for n, values in enumerate(rows, start=1):
        for v in values:
            if v is not None and v != "":
                yield n, tuple(values)
                break
