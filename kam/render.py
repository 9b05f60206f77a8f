"""Output: the only module importing rich. JSON and CSV need no rich at all.

stdout carries data only; messages go to stderr through `say`/`warn`.

Tables are laid out for the terminal's width (80 when output is piped, unless
COLUMNS says otherwise), measured in display cells (a Chinese character takes two):
a row stays on one line, but for the columns whose whole text matters (risk's
advice, notes), which wrap by Chinese rules. Codes, dates and figures are never
cut; the free-text column (name, summary) takes the room that is left and is
shortened with an ellipsis; columns that do not fit are left out, the least useful
first, and come back on a wider terminal. `kam --wide` shows everything, however
wide. Rich draws the tables; kam hands it cells already fitted to their columns.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

from kam import labels
from kam.formats import cell_text, json_document, write_csv
from kam.i18n import t
from kam.text import shorten, width
from kam.text import terminal_width as screen_width
from kam.text import wrap as wrap_lines

Columns = Sequence[str]  # keys; a table's headers come from labels.COLUMNS

_wide = False
_pager = True


def line_cells() -> int | None:
    """The cells a line of output may take: the terminal's width; None with --wide."""
    return None if _wide else screen_width()


def set_wide(wide: bool) -> None:
    """--wide: tables keep every column and the whole text."""
    global _wide
    _wide = wide


def set_pager(wanted: bool) -> None:
    """--no-pager: a long page goes straight to the terminal."""
    global _pager
    _pager = wanted


class _Held(io.StringIO):
    """A terminal's output, held until the command ends (see paged)."""

    def isatty(self) -> bool:
        return True


@contextmanager
def paged() -> Iterator[None]:
    """On a terminal, a page taller than the screen goes through a pager, as git and gh
    do: KAM_PAGER, else PAGER, else `less` (with LESS=FRX unless LESS is set: colours
    pass, and a page that fits after all stays on the screen). An empty value or `cat`,
    or --no-pager, prints it as it is. Not a terminal: nothing changes."""
    real = sys.stdout
    if not real.isatty():
        yield
        return
    held = sys.stdout = _Held()
    try:
        yield
    finally:
        sys.stdout = real
        _show(held.getvalue(), real)


def _show(text: str, out: Any) -> None:
    import os
    import shutil

    command = os.environ.get("KAM_PAGER", os.environ.get("PAGER", "less")).strip()
    if (not _pager or command in ("", "cat") or text.count("\n") < shutil.get_terminal_size().lines
            or (command == "less" and shutil.which("less") is None)):
        out.write(text)
        out.flush()
        return
    import subprocess

    out.flush()
    env = dict(os.environ)
    env.setdefault("LESS", "FRX")
    env.setdefault("LV", "-c")  # the pager lv, as git sets it: colours pass
    try:
        pager = subprocess.Popen(command, shell=True, stdin=subprocess.PIPE, env=env)
    except OSError:
        out.write(text)
        return
    try:
        assert pager.stdin is not None
        pager.stdin.write(text.encode(getattr(out, "encoding", None) or "utf-8", "replace"))
        pager.stdin.close()
    except BrokenPipeError:  # the pager quit early (q in less): the rest is not wanted
        pass
    while True:
        try:
            code = pager.wait()
            break
        except KeyboardInterrupt:  # Ctrl-C belongs to the pager while it runs
            continue
    if code == 127:  # the shell found no such pager: the page as it is
        out.write(text)
        out.flush()


def header(key: str) -> str:
    return labels.column(key)


# Control characters in data (ESC, BEL, newlines, ...) are shown as their visible
# pictures (␛, ␇, ␊), so that a name can neither drive the terminal nor break a row.
_VISIBLE = {c: 0x2400 + c for c in range(32)} | {0x7F: 0x2421} | dict.fromkeys(
    range(0x80, 0xA0), 0xFFFD)


def visible(text: str) -> str:
    # isprintable() is false for every character _VISIBLE maps (and for a few more,
    # which translate() then leaves as they are): most text skips the translation
    return text if text.isprintable() else text.translate(_VISIBLE)


def say(text: str) -> None:
    """A message for the person, on stderr."""
    print(visible(text), file=sys.stderr)


def warn(text: str) -> None:
    print(t("warning: {message}", message=visible(text)), file=sys.stderr)


def print_json(data: Any) -> None:
    """One JSON document on stdout."""
    sys.stdout.write(json_document(data))


# On a terminal, a document keeps its lines and tabs, but never drives the terminal:
# ESC and the other control characters from data are shown as their pictures.
_TERMINAL = {c: 0x2400 + c for c in range(32) if c not in (9, 10, 13)} | {0x7F: 0x2421} | \
    dict.fromkeys(range(0x80, 0xA0), 0xFFFD)


def write(text: str) -> None:
    """A document (CSV, JSON) on stdout: as it is into a file or a pipe, with control
    characters made visible on a terminal."""
    sys.stdout.write(text.translate(_TERMINAL) if sys.stdout.isatty() else text)


def _console(stderr: bool = False, cells: int | None = None, file: Any = None) -> Any:
    # markup and emoji off: text from data ("ACME[/]", "[link=...]", ":x:") stays text;
    # colour only when stdout is a terminal (and NO_COLOR is not set: rich reads it)
    # CLICOLOR_FORCE (as git and ls read it) colours output that is not a terminal, as
    # FORCE_COLOR does (Rich reads that one itself); NO_COLOR still wins
    import os

    from rich.console import Console

    forced = os.environ.get("CLICOLOR_FORCE", "0") not in ("", "0") or None
    return Console(stderr=stderr, highlight=False, soft_wrap=False, markup=False, emoji=False,
                   width=cells or screen_width(), file=file,
                   force_terminal=forced or ((sys.stdout.isatty() or None) if file is not None
                                             else None))


GAP = 2  # cells between two columns


FLEX_WANT = 30  # cells a free-text column should keep before other columns give way


def layout(sizes: Sequence[Sequence[int]], heads: Sequence[str], flex: Sequence[int],
           drop: Sequence[int], cells: int | None) -> tuple[list[int], list[int]]:
    """Which columns to show and how wide: (shown column indexes, widths), from each
    cell's width in cells (sizes, a list a row).

    Every column gets its natural width (its widest cell). While the line is too long
    and the free-text (`flex`) columns would get less than FLEX_WANT cells each, the
    `drop` columns go, first listed first. Then the flex columns share the room that
    is left evenly, a column needing less than its share giving the rest to others."""
    natural = [max([width(h)] + [r[i] for r in sizes]) for i, h in enumerate(heads)]
    shown = list(range(len(heads)))
    if cells is None:
        return shown, natural

    def room(cols: list[int]) -> int:  # cells left for the flex columns
        return cells - sum(natural[i] for i in cols if i not in flex) - GAP * (len(cols) - 1)

    def wanted(cols: list[int]) -> int:
        return sum(min(natural[i], FLEX_WANT) for i in cols if i in flex)

    for i in drop:
        over = room(shown) < sum(natural[i] for i in shown if i in flex)
        if not over or room(shown) >= wanted(shown):
            break
        shown.remove(i)

    def narrowest(cols: list[int]) -> int:  # the line with each flex column at 4 cells
        return (sum(min(natural[i], 4) if i in flex else natural[i] for i in cols)
                + GAP * (len(cols) - 1))

    for i in drop:  # a screen too narrow even so: the other droppable columns go too
        if narrowest(shown) <= cells:
            break
        if i in shown:
            shown.remove(i)
    widths = {i: natural[i] for i in shown}
    flexible = [i for i in shown if i in flex]
    left = room(shown)
    if flexible and left < sum(natural[i] for i in flexible):
        waiting = sorted(flexible, key=lambda i: natural[i])
        while waiting:
            share = max(4, left // len(waiting))
            i = waiting.pop(0)
            widths[i] = min(natural[i], share) if waiting else max(4, left)
            left -= widths[i]
    return shown, [widths[i] for i in shown]


def table(rows: Sequence[dict[str, Any]], columns: Columns, title: str | None = None,
          styles: Sequence[str | None] | None = None, flex: Sequence[str] = ("name",),
          drop: Sequence[str] = (), heads: Sequence[str] | None = None,
          wrap: Sequence[str] = ()) -> None:
    """A table drawn by Rich on stdout, one line per row, laid out by `layout`; colour as
    Rich decides it (a terminal, without NO_COLOR or TERM=dumb). The text of a `wrap`
    column (advice, notes) is never cut: it goes on over as many lines as it needs."""
    lines = {columns.index(k) for k in wrap if k in columns}  # their own lines kept
    text = [[visible(cell_text(r.get(k))) if i not in lines else
             "\n".join(map(visible, cell_text(r.get(k)).split("\n")))
             for i, k in enumerate(columns)] for r in rows]
    sizes = [[max(map(width, c.split("\n"))) if i in lines else width(c)
              for i, c in enumerate(r)] for r in text]  # each cell measured once
    heads = list(heads) if heads is not None else [header(k) for k in columns]
    cells = line_cells()
    shown, widths = layout(sizes, heads, [columns.index(k) for k in flex if k in columns],
                           [columns.index(k) for k in drop if k in columns], cells)
    right = [columns[i] in _NUMERIC for i in shown]
    title = shorten(visible(title), cells or 10**6) if title else None
    from rich.table import Table

    # The gap between columns is part of the column on its left, and figures are aligned
    # here: Rich then draws cells without padding (a Padding a cell is half its time).
    tbl = Table(box=None, padding=0, pad_edge=False, show_edge=False, header_style="bold",
                expand=False)
    folded = lines
    last = len(shown) - 1
    for n, (i, w, r) in enumerate(zip(shown, widths, right, strict=True)):
        tbl.add_column(_aligned(shorten(heads[i], w), w, r), width=w + (GAP if n < last else 0),
                       no_wrap=i not in folded, overflow="fold" if i in folded else "ignore")
    for n, row in enumerate(text):
        tbl.add_row(*(_badge(row[i]) if columns[i] == "tier" else
                      _Fitted("\n".join(wrap_lines(row[i], w))) if i in folded else
                      _Fitted(_aligned(shorten(row[i], w), w, r))
                      for i, w, r in zip(shown, widths, right, strict=True)),
                    style=styles[n] if styles else None)
    if title:  # a line of its own: a title wider than the table is shortened, never wrapped
        from rich.text import Text

        _print(Text(title, style="bold"), cells or width(title))
    # Narrower than what is left, the line is printed whole (the terminal folds it):
    # Rich would otherwise narrow the columns and cut codes and dates.
    _print(tbl, max(cells or 0, sum(widths) + GAP * (len(widths) - 1)))


class _Fitted:
    """A cell kam has fitted to its column (cut and aligned, or wrapped into lines):
    Rich draws it as the segment it is (Rich's console protocol; a line break starts
    the cell's next line) without wrapping it again as Text, which is half of a
    table's time. Rich never narrows a column below kam's width: table() prints a line
    too wide for the screen whole."""

    __slots__ = ("cells", "text")

    def __init__(self, text: str) -> None:
        self.text = text
        self.cells = max(map(width, text.split("\n")))

    def __rich_console__(self, console: Any, options: Any) -> Iterator[Any]:
        from rich.segment import Segment

        yield Segment(self.text)

    def __rich_measure__(self, console: Any, options: Any) -> Any:
        from rich.measure import Measurement

        return Measurement(self.cells, self.cells)


def _aligned(text: str, cells: int, right: bool) -> str:
    return " " * (cells - width(text)) + text if right and width(text) < cells else text


def _print(renderable: Any, cells: int) -> None:
    """Print through rich, without the spaces rich pads lines with (plain output only)."""
    buf = io.StringIO()
    _console(cells=cells, file=buf).print(renderable)
    out = buf.getvalue()
    if "\x1b" not in out:
        out = "".join(line.rstrip() + "\n" for line in out.splitlines())
    sys.stdout.write(out)


_NUMERIC = {"score", "health", "days_since_contact", "size_kib", "created", "updated",
            "unchanged", "amount", "points", "weight", "value", "normalised", "row", "count"}

# Tiers as badges (colour only on a terminal; the letter stays readable without it).
_BADGES = {"A": "bold white on red", "B": "black on yellow", "C": "white on blue",
           "D": "white on grey39"}


def _badge(text: str) -> Any:
    from rich.text import Text

    return Text(text, style=_BADGES.get(text, "bold")) if text else ""


def emit(rows: Sequence[dict[str, Any]], columns: Columns, fmt: str, title: str | None = None,
         styles: Sequence[str | None] | None = None, flex: Sequence[str] = ("name",),
         drop: Sequence[str] = (), limit: int = 0, wrap: Sequence[str] = (),
         heads: Sequence[str] | None = None) -> None:
    """The single branch point for listing output: table (its first `limit` rows when
    limit is not 0), json or csv (every row)."""
    if fmt == "json":
        print_json(rows)
    elif fmt == "csv":
        import io

        buf = io.StringIO()
        write_csv(rows, [(k, k) for k in columns], buf)
        write(buf.getvalue())
    elif rows:  # an empty table says nothing; the command says so on stderr
        if 0 < limit < len(rows):
            say(t("showing the first {limit} of {total} (--limit 0 shows all)", limit=limit,
                  total=len(rows)))
            rows, styles = rows[:limit], styles[:limit] if styles else styles
        table(rows, columns, title=title, styles=styles, flex=flex, drop=drop, wrap=wrap,
              heads=heads)


def text_block(lines: Iterable[str]) -> None:
    lines = list(lines)
    if "".join(lines).isprintable():  # the usual case: one test, not one a line
        sys.stdout.write("\n".join(lines) + "\n" if lines else "")
    else:
        sys.stdout.write("".join(f"{visible(line)}\n" for line in lines))


# --- one customer -------------------------------------------------------------

class _Bar:
    def __init__(self, total: int | None, label: str):
        from rich.progress import MofNCompleteColumn, Progress

        self._p = Progress(*Progress.get_default_columns(), MofNCompleteColumn(),
                           console=_console(stderr=True), transient=True)
        self._task = self._p.add_task(label, total=total)
        self._p.start()

    def advance(self, done: int) -> None:
        if done % 500 == 0:
            self._p.update(self._task, completed=done)

    def stop(self) -> None:
        self._p.stop()


def progress(total: int | None, label: str) -> _Bar:
    """A transient progress bar on stderr."""
    return _Bar(total, label)


PROGRESS_ROWS = 3000  # show a progress bar on a terminal above this many rows


def import_progress(total: int, file_bytes: int) -> _Bar | None:
    """A progress bar on stderr for big files on a terminal; else None.

    Some writers store no sheet size: then a big file gets an open-ended counter.
    """
    big = total >= PROGRESS_ROWS or (total == 0 and file_bytes > 500_000)
    if not big or not sys.stderr.isatty():
        return None
    return progress(total or None, t("importing"))


# --- import -------------------------------------------------------------------

def charts_wanted(chart: bool | None) -> bool:
    """Bars where colour would show (a terminal without NO_COLOR); plain tables when
    piped; --chart / --no-chart decide otherwise."""
    if chart is not None:
        return chart
    console = _console()  # Rich's rules: a terminal, not dumb, without NO_COLOR
    return bool(console.is_terminal and not console.is_dumb_terminal and not console.no_color)
