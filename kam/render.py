"""Output: the only module importing rich. JSON and CSV need no rich at all.

stdout carries data only; messages go to stderr through `say`/`warn`.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence
from typing import Any

from kam.formats import cell_text, json_document, write_csv
from kam.models import COLUMN_HEADERS

Columns = Sequence[str]  # keys; a table's headers come from models.COLUMN_HEADERS


def header(key: str) -> str:
    return COLUMN_HEADERS.get(key, key)


# Control characters in data (ESC, BEL, newlines, ...) are shown as their visible
# pictures (␛, ␇, ␊), so that a name can neither drive the terminal nor break a row.
_VISIBLE = {c: 0x2400 + c for c in range(32)} | {0x7F: 0x2421} | dict.fromkeys(
    range(0x80, 0xA0), 0xFFFD)


def visible(text: str) -> str:
    return text.translate(_VISIBLE)


def say(text: str) -> None:
    """A message for the person, on stderr."""
    print(visible(text), file=sys.stderr)


def warn(text: str) -> None:
    print(f"warning: {visible(text)}", file=sys.stderr)


def print_json(data: Any) -> None:
    """One JSON document on stdout."""
    sys.stdout.write(json_document(data))


def write(text: str) -> None:
    """A document (CSV, JSON) as it is, on stdout."""
    sys.stdout.write(text)


# Columns whose values must not be broken across lines (codes, dates, figures).
_NO_WRAP = {"code", "id", "score", "tier", "health", "due", "when", "days_since_contact"}


def _console(stderr: bool = False) -> Any:
    from rich.console import Console

    # markup and emoji off: text from data ("ACME[/]", "[link=...]", ":x:") stays text
    return Console(stderr=stderr, highlight=False, soft_wrap=False, markup=False, emoji=False)


def table(rows: Sequence[dict[str, Any]], columns: Columns, title: str | None = None,
          styles: Sequence[str | None] | None = None, caption: str | None = None) -> None:
    """A Rich table on stdout; no colour codes without a terminal or with NO_COLOR."""
    from rich.table import Table

    t = Table(title=visible(title) if title else None, caption=caption, show_lines=False,
              header_style="bold", title_justify="left", pad_edge=False)
    for key in columns:
        atomic = key in _NO_WRAP or key.endswith(("_contact", "_follow_up", "due"))
        t.add_column(header(key), overflow="fold", no_wrap=atomic)
    for i, r in enumerate(rows):
        t.add_row(*(_badge(r.get(k)) if k == "tier" else visible(cell_text(r.get(k)))
                    for k in columns),
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
        write_csv(rows, [(k, k) for k in columns], sys.stdout)
    elif rows:  # an empty table says nothing; the command says so on stderr
        table(rows, columns, title=title, styles=styles)


def text_block(lines: Iterable[str]) -> None:
    sys.stdout.write("".join(f"{visible(line)}\n" for line in lines))



def _add(t: Any, *cells: Any, style: str | None = None) -> None:
    """A table row whose text cells are shown as text (control characters visible)."""
    t.add_row(*(visible(c) if isinstance(c, str) else c for c in cells), style=style)


def show_customer(labelled: dict[str, Any], doc: dict[str, Any], why: str) -> None:
    """One customer's archive as a few Rich tables."""
    from rich.table import Table

    from kam.models import HEADERS

    con = _console()
    head = Table.grid(padding=(0, 2))
    head.add_column(style="bold")
    head.add_column(overflow="fold")
    for key, title in HEADERS.items():
        _add(head, title, cell_text(labelled.get(key)))
    _add(head, "评分 / 分层", f"{cell_text(doc['score'])} / {cell_text(doc['tier'])}")
    _add(head, "健康度", cell_text(doc["health"]) + (
        f"  ({'; '.join(doc['health_reasons'])})" if doc["health_reasons"] else ""))
    nxt = doc["next_due"] or ""
    _add(head, "下次跟进", f"{nxt}  ({why})" if nxt else "")
    for k, v in doc["extra"].items():
        _add(head, str(k), cell_text(v))
    for k, v in doc["dates"].items():
        _add(head, f"date: {k}", cell_text(v))
    if doc["archived"]:
        _add(head, "archived", "yes")
    _add(head, "created / updated", f"{doc['created']} / {doc['updated']}")
    con.print(head)
    if doc["contacts"]:
        t = Table(title="联系人 contacts", title_justify="left", header_style="bold")
        for h in ("name", "role", "title", "contact_info"):
            t.add_column(h)
        for p in doc["contacts"]:
            _add(t, p["name"], p["role"], p["title"], p["contact_info"])
        con.print(t)
    t = Table(title=f"跟进记录 history ({len(doc['interactions'])})", title_justify="left",
              header_style="bold")
    for h in ("id", "date", "kind", "summary", "amount", "next"):
        t.add_column(h, overflow="fold", no_wrap=h in ("id", "date"))
    for i in doc["interactions"]:
        _add(t, i["id"][:8], i["date"], i["kind"], i["summary"], cell_text(i["amount"]),
             i["next"] or "")
    con.print(t)


def explain_scores(rows: Sequence[dict[str, Any]], labels: dict[str, str]) -> None:
    """Per customer, a table of indicator, raw value, normalised value, weight, points."""
    from rich.table import Table

    con = _console()
    for r in rows:
        t = Table(title=visible(f"{r['code']} {r['name']}: {r['score']:g} → {r['tier']} "
                          f"{labels.get(r['tier'], '')}"), title_justify="left",
                  header_style="bold")
        for h in ("indicator", "source", "raw", "value", "normalised", "weight", "points"):
            t.add_column(h, justify="left" if h in ("indicator", "source", "raw") else "right")
        for name, p in r["explain"].items():
            _add(t, name, p["source"].partition(".")[2] or p["source"],
                 "(missing)" if p["missing"] else cell_text(p["raw"]), cell_text(p["value"]),
                 f"{p['normalised']:.2f}", cell_text(p["weight"]), f"{p['points']:.1f}",
                 style="yellow" if p["missing"] else None)
        con.print(t)
        scale = next((p["scale"] for p in r["explain"].values()), 1)
        if scale != 1:
            con.print(f"points scaled ×{scale:g}: the indicators known for it carry only part "
                      "of the weights (scoring.min_known)")


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
    t = Table(title=visible(f"{doc['file']}: sheet {doc['sheet']!r}, header row "
                            f"{doc['header_row']}"),
              title_justify="left", header_style="bold")
    t.add_column("column")
    t.add_column("→ kam")
    for header, key in doc["columns"].items():
        _add(t, header, key if key != "extra" else "extra (kept as is)")
    con.print(t)
    lines = [(e["row"], f"error: {e['message']}", "red") for e in doc["errors"]]
    lines += [(m["rows"][-1], m["note"], "") for m in doc.get("merged", [])]
    lines += [(n["row"], n["message"], "") for n in doc["notes"]]
    if lines:
        t = Table(title="rows", title_justify="left", header_style="bold")
        t.add_column("row", justify="right")
        t.add_column("")
        for row, text, style in sorted(lines, key=lambda x: x[0]):
            _add(t, str(row), text, style=style or None)
        con.print(t)
    for u in doc.get("unknown_values", []):
        warn(f"{u['column']}: unknown value {u['value']!r} in {u['count']} row(s) (first: row "
             f"{u['rows'][0]}); imported, the value kept in {u['kept_in']}; map it with "
             f"{u['hint']}")
    counts: dict[str, int] = {}
    for sk in doc.get("skipped", []):
        counts[sk["reason"]] = counts.get(sk["reason"], 0) + 1
    for reason, n in counts.items():
        say(f"{n} {_SKIPPED[reason]} skipped")
    if doc.get("dry_run") and doc.get("changes"):
        table([{**c, "old": cell_text(c["old"]), "new": cell_text(c["new"])}
               for c in doc["changes"]], ("code", "field", "old", "new"),
              title=f"{len(doc['changes'])} field(s) would change")
    kept = [c for c in doc.get("conflicts", []) if c["kept"] == "archive"]
    for c in kept[:20]:
        warn(f"row {c['row']}: {c['code']} {c['field']}: kept {cell_text(c['archive'])!r}, the "
             f"sheet's {cell_text(c['sheet'])!r} is older (--prefer sheet takes it)")
    for sk in doc.get("skipped", []):
        if sk["reason"] == "erased":
            warn(f"row {sk['row']}: {sk['text']}")
    for line in doc.get("scoring_blind", []):
        warn(f"scoring: {line}")


_SKIPPED = {"numbered": "numbered row(s) with nothing else", "note": "title or note row(s)",
            "total": "total row(s)", "empty": "empty row(s)", "erased": "erased customer(s)"}


# --- one renderer per listing ------------------------------------------------

# Readable at 80 columns; JSON, CSV and export carry every field.
LIST_COLUMNS = ("code", "name", "contact", "stage", "tier", "score", "last_contact",
                "next_follow_up", "owner")
CSV_COLUMNS = ("code", "name", "contact", "title", "contact_info", "industry", "size",
               "value_level", "need", "stage", "last_contact", "last_summary", "owner", "tags",
               "note", "score", "tier", "next_follow_up")


def customers(rows: Sequence[dict[str, Any]], fmt: str, title: str | None = None) -> None:
    """Customer records: the short table, or every field as JSON or CSV."""
    emit(rows, LIST_COLUMNS if fmt == "table" else CSV_COLUMNS, fmt, title=title)


def show(doc: dict[str, Any], labelled: dict[str, Any], why: str, fmt: str) -> None:
    if fmt == "json":
        print_json(doc)
    elif fmt == "csv":
        emit([doc], CSV_COLUMNS, "csv")
    else:
        show_customer(labelled, doc, why)


_SECTION_TITLE = {"overdue": "逾期 overdue", "today": "今天 today", "upcoming": "即将 upcoming"}
_SECTION_STYLE = {"overdue": "red", "today": "bold", "upcoming": None}
_KIND_LABEL = {"follow_up": "跟进 follow-up", "birthday": "生日 birthday",
               "contract_end": "合同到期 contract end", "project_start": "项目启动 project start"}
DUE_COLUMNS = ("code", "name", "kind", "due", "days_overdue", "section", "tier", "owner",
               "urgency")


def when(days_overdue: int) -> str:
    if days_overdue > 0:
        return f"{days_overdue} days late" if days_overdue > 1 else "1 day late"
    if days_overdue == 0:
        return "today"
    return f"in {-days_overdue} days" if days_overdue < -1 else "tomorrow"


_TERMS = {"late": "逾期天数", "tier": "分层", "score": "评分", "stage": "阶段", "kind": "事项"}


def due(rows: Sequence[dict[str, Any]], fmt: str, limit: int, explain: bool = False) -> None:
    """Due items: one table per section (most urgent first, at most limit rows each);
    with explain, only the explained customer's items and what their urgency is made of."""
    if explain:
        rows = [r for r in rows if "terms" in r]
        if fmt == "table":
            for r in rows:
                terms = " + ".join(f"{_TERMS.get(k, k)} {v:g}" for k, v in r["terms"].items())
                text_block([f"{r['code']} {r['name']} {r['kind']} {r['due']}: urgency "
                            f"{r['urgency']:g} = {terms or '0'}"])
            return
    if fmt != "table":
        emit(rows, DUE_COLUMNS, fmt)
        return
    for section in ("overdue", "today", "upcoming"):
        part = [{**r, "when": when(r["days_overdue"]),
                 "kind_label": _KIND_LABEL.get(r["kind"], r["kind"])}
                for r in rows if r["section"] == section]
        total = len(part)
        if limit > 0 and total > limit:
            part = part[:limit]
            say(f"{_SECTION_TITLE[section]}: showing the first {limit} of {total} "
                "(--limit 0 shows all)")
        if part:
            emit(part, ("code", "name", "kind_label", "due", "when", "tier", "owner"), "table",
                 title=f"{_SECTION_TITLE[section]} ({total})",
                 styles=[_SECTION_STYLE[section]] * len(part))


def risk(rows: Sequence[dict[str, Any]], fmt: str) -> None:
    cols = ("code", "name", "health", "days_since_contact", "reasons", "tier", "owner")
    if fmt == "table":
        emit([{**r, "reasons": "; ".join(r["reasons"])} for r in rows], cols, "table",
             title=f"{len(rows)} at risk", styles=["red" if r["dormant"] else None for r in rows])
    else:
        emit(rows, cols, fmt)


def scores(rows: Sequence[dict[str, Any]], fmt: str, explain: bool, tier_labels: dict[str, str],
           indicators: Sequence[str]) -> None:
    if fmt == "json":
        print_json(rows)
    elif fmt == "table" and explain:
        explain_scores(rows, tier_labels)
    else:
        flat = [{**{k: r[k] for k in ("code", "name", "score", "tier")},
                 "tier_label": tier_labels.get(r["tier"], ""), **r["breakdown"]} for r in rows]
        cols = ("code", "name", "score", "tier", *(("tier_label",) if fmt == "table" else ()))
        emit(flat, (*cols, *indicators), fmt, title=f"{len(rows)} scored")


def digest(doc: dict[str, Any], fmt: str) -> None:
    """The morning summary: JSON, or plain text / markdown without colour codes."""
    if fmt == "json":
        print_json(doc)
        return
    md = fmt == "markdown"
    h = "## " if md else ""
    b = "- " if md else "  "
    follow, new_risk, dates = doc["due"], doc["new_risks"], doc["dates"]
    lines = [f"{'# ' if md else ''}kam digest {doc['date']}", ""]
    lines.append(f"{h}Due today and overdue ({len(follow)})")
    lines += [f"{b}{r['code']} {r['name']}: {when(r['days_overdue'])}" for r in follow] or [
        f"{b}nothing"]
    lines += ["", f"{h}New at risk ({len(new_risk)}; {doc['at_risk']} on the watch list)"]
    lines += [f"{b}{r['code']} {r['name']}: health {r['health']:g}; {'; '.join(r['reasons'])}"
              for r in new_risk] or [f"{b}nothing new"]
    lines += ["", f"{h}Dates coming up ({len(dates)})"]
    lines += [f"{b}{r['due']} {r['code']} {r['name']}: {r['kind']}" for r in dates] or [
        f"{b}none"]
    text_block(lines)


def imported(doc: dict[str, Any], fmt: str) -> None:
    """The import report on stdout, and its one-line summary on stderr."""
    if fmt == "json":
        print_json(doc)
        for err in doc["errors"][:20]:  # the table shows row errors; JSON readers still see them
            warn(f"{doc['file']} row {err['row']}: {err['message']}")
    else:
        import_report(doc)
    what = "would import" if doc["dry_run"] else "imported"
    say(f"{doc['file']} ({doc['sheet']!r}, header row {doc['header_row']}): {what} "
        f"{doc['created']} new, {doc['updated']} updated, {doc['unchanged']} unchanged, "
        f"{len(doc['errors'])} row error(s)" + (f"; undo with `kam undo {doc['batch']}`"
                                                  if doc["batch"] else ""))


def batches(rows: Sequence[dict[str, Any]], fmt: str) -> None:
    if fmt == "table":
        from pathlib import Path

        rows = [{**r, "file": Path(r["file"]).name} for r in rows]
        emit(rows, ("id", "file", "created", "updated", "undone"), fmt, title="import batches")
    else:
        emit(rows, ("id", "when", "file", "sheet", "created", "updated", "unchanged", "undone"),
             fmt)


def history(entries: Sequence[dict[str, Any]], fmt: str, title: str) -> None:
    if fmt == "json":
        print_json(entries)
        return
    rows = [{**x, "changes": "; ".join(f"{k}: {_short(o)} → {_short(n)}"
                                       for k, (o, n) in x["changes"].items())}
            for x in entries]
    emit(rows, ("ts", "user", "command", "code", "action", "changes"), fmt, title=title)


def merged(keep: str, other: str, found: Sequence[tuple[str, Any, Any]], moved: int,
           dry_run: bool, fmt: str) -> None:
    """What kam merge did (or would do): the fields the two customers disagree on."""
    if fmt == "json":
        print_json({"code": keep, "merged": other, "follow_ups": moved, "dry_run": dry_run,
                    "conflicts": [{"field": f, "kept": a, "other": b} for f, a, b in found]})
        return
    rows = [{"field": f, keep: cell_text(a), other: cell_text(b)} for f, a, b in found]
    if rows:
        table(rows, ("field", keep, other), title=f"{len(rows)} conflicting value(s)")


def edits(done: Sequence[Any]) -> None:
    """What an edit changes, customer by customer (a dry run)."""
    rows = [{"code": e.code, "name": e.name, "changes": "; ".join(
        f"{k}: {_short(o)} → {_short(n)}" for k, (o, n) in e.changes.items())} for e in done]
    emit(rows, ("code", "name", "changes"), "table", title=f"{len(rows)} to change")


def _short(v: Any) -> str:
    text = cell_text(v)
    return (text[:40] + "…") if len(text) > 40 else (text or "∅")


def backups(rows: Sequence[dict[str, Any]], fmt: str, title: str) -> None:
    emit(rows, ("id", "time", "before", "size_kib"), fmt, title=title)


PROGRESS_ROWS = 3000  # show a progress bar on a terminal above this many rows


def import_progress(total: int, file_bytes: int) -> _Bar | None:
    """A progress bar on stderr for big files on a terminal; else None.

    Some writers store no sheet size: then a big file gets an open-ended counter.
    """
    big = total >= PROGRESS_ROWS or (total == 0 and file_bytes > 500_000)
    if not big or not sys.stderr.isatty():
        return None
    return progress(total or None, "importing")
