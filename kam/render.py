"""Output: the only module importing rich. JSON and CSV need no rich at all.

stdout carries data only; messages go to stderr through `say`/`warn`.
"""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Iterable, Sequence
from typing import Any, TextIO

from kam.models import FORMULA_LEAD

Columns = Sequence[tuple[str, str]]  # (key, header)


def say(text: str) -> None:
    """A message for the person, on stderr."""
    print(text, file=sys.stderr)


def warn(text: str) -> None:
    print(f"warning: {text}", file=sys.stderr)


def to_json(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)


def print_json(data: Any) -> None:
    """One JSON document on stdout. A list has one item a line: the C encoder does
    those (indent= forces the pure-Python one, 5x slower on 10,000 customers)."""
    if isinstance(data, list) and data:
        dumps = json.JSONEncoder(ensure_ascii=False, default=str).encode
        sys.stdout.write("[\n" + ",\n".join(dumps(item) for item in data) + "\n]\n")
    else:
        sys.stdout.write(to_json(data) + "\n")


def cell_text(value: Any, sep: str = "、") -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if isinstance(value, float):
        return f"{value:g}" if value != int(value) else str(int(value))
    if isinstance(value, (list, tuple)):
        return sep.join(cell_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={cell_text(v)}" for k, v in value.items())
    return str(value)


def csv_guard(text: str) -> str:
    """Prefix ' to a field a spreadsheet would run as a formula (OWASP ASVS 1.2.10)."""
    return "'" + text if text.startswith(FORMULA_LEAD) else text


def write_csv(rows: Iterable[dict[str, Any]], columns: Columns, out: TextIO,
              use_headers: bool = False, lineterminator: str = "\n") -> None:
    w = csv.writer(out, lineterminator=lineterminator)
    w.writerow([h if use_headers else k for k, h in columns])
    for r in rows:
        w.writerow([_csv_cell(r.get(k)) for k, _ in columns])


def _csv_cell(value: Any) -> str:
    """Text is guarded against formula injection; numbers (-2) are numbers."""
    text = cell_text(value, sep=";")
    return csv_guard(text) if isinstance(value, (str, list, tuple, dict)) else text


# Columns whose values must not be broken across lines (codes, dates, figures).
_NO_WRAP = {"code", "id", "score", "tier", "health", "due", "when", "days_since_contact"}


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=False)


def table(rows: Sequence[dict[str, Any]], columns: Columns, title: str | None = None,
          styles: Sequence[str | None] | None = None, caption: str | None = None) -> None:
    """A Rich table on stdout; no colour codes without a terminal or with NO_COLOR."""
    from rich.table import Table

    t = Table(title=title, caption=caption, show_lines=False, header_style="bold",
              title_justify="left", pad_edge=False)
    for key, header in columns:
        atomic = key in _NO_WRAP or key.endswith(("_contact", "_follow_up", "due"))
        t.add_column(header, overflow="fold", no_wrap=atomic)
    for i, r in enumerate(rows):
        t.add_row(*(_badge(r.get(k)) if k == "tier" else cell_text(r.get(k)) for k, _ in columns),
                  style=styles[i] if styles else None)
    _console().print(t)


# Tiers as badges (colour only on a terminal; the letter stays readable without it).
_BADGES = {"A": "bold white on red", "B": "black on yellow", "C": "white on blue",
           "D": "white on grey39"}


def _badge(tier: Any) -> Any:
    from rich.text import Text

    text = cell_text(tier)
    return Text(f" {text} ", style=_BADGES.get(text, "bold")) if text else ""


def emit(rows: Sequence[dict[str, Any]], columns: Columns, fmt: str, title: str | None = None,
         styles: Sequence[str | None] | None = None) -> None:
    """The single branch point for listing output: table, json or csv."""
    if fmt == "json":
        print_json(rows)
    elif fmt == "csv":
        write_csv(rows, columns, sys.stdout)
    elif rows:  # an empty table says nothing; the command says so on stderr
        table(rows, columns, title=title, styles=styles)


def text_block(lines: Iterable[str]) -> None:
    sys.stdout.write("".join(f"{line}\n" for line in lines))



def show_customer(labelled: dict[str, Any], doc: dict[str, Any], why: str) -> None:
    """One customer's archive as a few Rich tables."""
    from rich.table import Table

    from kam.models import HEADERS

    con = _console()
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column(overflow="fold")
    for key, header in HEADERS.items():
        head.add_row(header, cell_text(labelled.get(key)))
    head.add_row("评分 / 分层", f"{cell_text(doc['score'])} / {cell_text(doc['tier'])}")
    head.add_row("健康度", cell_text(doc["health"]) + (
        f"  ({'; '.join(doc['health_reasons'])})" if doc["health_reasons"] else ""))
    nxt = doc["next_due"] or ""
    head.add_row("下次跟进", f"{nxt}  ({why})" if nxt else "")
    for k, v in doc["extra"].items():
        head.add_row(str(k), cell_text(v))
    for k, v in doc["dates"].items():
        head.add_row(f"date: {k}", cell_text(v))
    if doc["archived"]:
        head.add_row("archived", "yes")
    head.add_row("created / updated", f"{doc['created']} / {doc['updated']}")
    con.print(head)
    if doc["contacts"]:
        t = Table(title="联系人 contacts", title_justify="left", header_style="bold")
        for h in ("name", "role", "title", "contact_info"):
            t.add_column(h)
        for p in doc["contacts"]:
            t.add_row(p["name"], p["role"], p["title"], p["contact_info"])
        con.print(t)
    t = Table(title=f"跟进记录 history ({len(doc['interactions'])})", title_justify="left",
              header_style="bold")
    for h in ("date", "kind", "summary", "amount", "next"):
        t.add_column(h, overflow="fold")
    for i in doc["interactions"]:
        t.add_row(i["date"], i["kind"], i["summary"], cell_text(i["amount"]), i["next"] or "")
    con.print(t)


def explain_scores(rows: Sequence[dict[str, Any]], labels: dict[str, str]) -> None:
    """Per customer, a table of indicator, raw value, normalised value, weight, points."""
    from rich.table import Table

    con = _console()
    for r in rows:
        t = Table(title=f"{r['code']} {r['name']}: {r['score']:g} → {r['tier']} "
                  f"{labels.get(r['tier'], '')}", title_justify="left", header_style="bold")
        for h in ("indicator", "raw", "value", "normalised", "weight", "points"):
            t.add_column(h, justify="left" if h in ("indicator", "raw") else "right")
        for name, p in r["explain"].items():
            t.add_row(name, "(missing)" if p["missing"] else cell_text(p["raw"]),
                      cell_text(p["value"]), f"{p['normalised']:.2f}", cell_text(p["weight"]),
                      f"{p['points']:.1f}", style="yellow" if p["missing"] else None)
        con.print(t)


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


def import_report(doc: dict[str, Any]) -> None:
    """The import report: the mapping kam chose, then the row errors."""
    from rich.table import Table

    con = _console()
    t = Table(title=f"{doc['file']}: sheet {doc['sheet']!r}, header row {doc['header_row']}",
              title_justify="left", header_style="bold")
    t.add_column("column")
    t.add_column("→ kam")
    for header, key in doc["columns"].items():
        t.add_row(header, key if key != "extra" else "extra (kept as is)")
    con.print(t)
    if doc["errors"] or doc["notes"]:
        t = Table(title="rows", title_justify="left", header_style="bold")
        t.add_column("row", justify="right")
        t.add_column("")
        for err in doc["errors"]:
            t.add_row(str(err["row"]), f"error: {err['message']}", style="red")
        for note in doc["notes"]:
            t.add_row(str(note["row"]), note["message"])
        con.print(t)
