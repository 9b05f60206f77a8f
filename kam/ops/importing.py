"""Spreadsheets in: read, plan, apply (or not, in a dry run), report; batches and undo."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from kam import kept
from kam.errors import BadInput
from kam.i18n import t
from kam.ops.context import Context

if TYPE_CHECKING:
    from kam.columns import Layout, RowData
    from kam.importplan import Plan
    from kam.models import Customer
    from kam.readsheet import SheetData
    from kam.store.db import Store



class Bar(Protocol):
    def advance(self, done: int) -> None: ...

    def stop(self) -> None: ...


# Called with the rows the sheet says it has (0: unknown) and the file's size in bytes;
# gives a progress bar, or None when none is wanted.
Progress = Callable[[int, int], "Bar | None"]


@dataclass
class RowsRead:
    layout: Layout
    rows: list[RowData]
    errors: list[dict[str, Any]]
    skipped: list[dict[str, Any]]  # rows that are not records: row, reason, text
    sheets_seen: list[str]
    encoding: str | None = None  # a text file's encoding
    detected: bool = False  # ... found by detection (not a BOM, UTF-8 or --encoding)
    continued: list[dict[str, Any]] = field(default_factory=list)  # row, joins, contact
    # no name column: what the sheet holds and the --map to try, for when no row makes
    # a customer (a file of people, not customers, is refused rather than all errors)
    no_name: str | None = None
    cards: list[Any] | None = None  # a .vcf file: its cards, made rows against the archive


def _maps(maps: dict[str, str]) -> dict[str, str]:
    from kam.labels import field_key
    from kam.schema import TEMPLATE_KEYS, is_import_key

    maps = {header: field_key(key, (*TEMPLATE_KEYS, "next_follow_up", "lost_reason")) or key
            for header, key in maps.items()}
    for header, key in maps.items():
        if not is_import_key(key):
            raise BadInput(t("--map {header}={key}: unknown key {key!r}; use one of: {value}, "
                             "next_follow_up or date.NAME",
                             header=header, key=key, value=', '.join(TEMPLATE_KEYS)))
    return maps


def read_rows(ctx: Context, path: Path, sheet: str | None = None,
              maps: dict[str, str] | None = None, progress: Progress | None = None,
              encoding: str | None = None) -> RowsRead:
    """Read a file, find its layout and convert its rows; row errors are collected."""
    from kam.readsheet import open_sheets

    extra_map = _maps(maps or {})
    if path.suffix.lower() in (".vcf", ".vcard"):
        if sheet is not None or maps:
            raise BadInput(t("{path}: --sheet and --map are for spreadsheets; a vCard file "
                             "has neither sheets nor headers", path=path))
        return _read_cards(path, encoding)
    with open_sheets(path, encoding) as sheets:
        return _read_rows(ctx, path, sheets, sheet, extra_map, progress)


def _read_rows(ctx: Context, path: Path, sheets: list[SheetData], sheet: str | None,
               extra_map: dict[str, str], progress: Progress | None) -> RowsRead:
    from kam.columns import (
        PERSON,
        RowError,
        add_contact,
        alias_index,
        continues,
        convert_row,
        find_layout,
        infer_numbers,
        is_footer,
        noise,
        refusal,
    )

    if sheet is not None and sheet not in {s.name for s in sheets}:
        raise BadInput(t("{path}: no sheet named {sheet!r}; sheets: {value}",
                         path=path, sheet=sheet, value=', '.join(repr(s.name) for s in sheets)))
    if not any(s.rows for s in sheets):
        raise BadInput(t("{path}: the workbook has no data", path=path))
    index = alias_index(ctx.settings, extra_map)
    found = find_layout(sheets, index, sheet)
    if found is None:
        raise BadInput(t("{path}: {value}", path=path, value=refusal(sheets, index, sheet)))
    data, layout = found
    rows: list[RowData] = []
    errors, skipped, continued = [], [], []
    joined = 0  # the sheet row the last customer's rows reach
    bar = progress(data.size_hint, path.stat().st_size) if progress else None
    for n, values in data.stream():
        if bar:
            bar.advance(n)
        if n <= layout.header_row:
            continue
        why = "total" if is_footer(values) else noise(values, layout)
        if why is not None:
            skipped.append({"row": n, "reason": why, "text": " ".join(
                str(v) for v in values if v is not None and str(v).strip())[:80]})
            continue
        try:
            r = convert_row(n, values, layout, ctx.settings, data.epoch1904)
        except RowError as ex:
            errors.append({"row": n, "message": str(ex)})
            continue
        if rows and n == joined + 1 and continues(r):  # a further contact of the row above
            above = rows[-1]
            continued.append({"row": n, "joins": above.row, "contact": add_contact(above, r)})
        else:
            rows.append(r)
        joined = n
    if bar:
        bar.stop()
    if data.text_only:
        infer_numbers(rows)
    hint = None if any(c.key in ("name", PERSON) for c in layout.columns) else \
        refusal([data], index, data.name, named=True)
    return RowsRead(layout, rows, errors, skipped, [s.name for s in sheets], data.encoding,
                    data.detected, continued, hint)


def _read_cards(path: Path, encoding: str | None) -> RowsRead:
    from kam import vcard
    from kam.ops import contactcards
    from kam.readsheet import read_text

    text, used, detected = read_text(path, encoding)
    found = vcard.read(text, path)
    if not found:
        raise BadInput(t("{path}: no vCard in the file (BEGIN:VCARD ... END:VCARD)", path=path))
    return RowsRead(contactcards.layout(), [], [], [], ["vCard"], used, detected, cards=found)


def import_file(ctx: Context, path: Path, sheet: str | None = None,
                maps: dict[str, str] | None = None, dry_run: bool = False,
                strict: bool = False, progress: Progress | None = None,
                merge: bool = True, prefer: str = "newer", allow_erased: bool = False,
                encoding: str | None = None) -> dict[str, Any]:
    """Import a spreadsheet (upsert by 客户编号); the report. With strict, a file with row
    errors imports nothing: the report comes back in the BadInput's `report`."""
    if prefer not in ("newer", "archive", "sheet"):
        raise BadInput(t("--prefer: newer, archive or sheet, not {prefer!r}", prefer=prefer))
    read = read_rows(ctx, path, sheet, maps, progress, encoding)
    how = (merge, prefer, allow_erased)
    if dry_run:
        if not ctx.db.exists():
            return _apply(ctx, None, path, read, True, how)
        with ctx.reader() as store:
            return _apply(ctx, store, path, read, True, how)
    if strict and read.errors:
        raise StrictRefusal(
            t("{path}: {n_errors} row(s) with errors and --strict: nothing imported",
              path=path, n_errors=len(read.errors)),
            report_doc(path, read, {"created": 0, "updated": 0, "unchanged": 0}, None, None,
                       dry_run=False))
    with ctx.writer(create=True) as store:
        report = _apply(ctx, store, path, read, False, how)
        store.commit()
        report["created_database"] = store.created_now
    return report


class StrictRefusal(BadInput):
    """--strict and row errors: nothing imported; the report says which rows."""

    def __init__(self, message: str, report: dict[str, Any]):
        super().__init__(message)
        self.report = report


def _apply(ctx: Context, store: Store | None, file: Path, read: RowsRead, dry_run: bool,
           how: tuple[bool, str, bool]) -> dict[str, Any]:
    """Plan the import against the archive and, unless dry, stage it in the store."""
    from kam.activity import refresh
    from kam.importplan import conflict_note, kam_changes, plan, tally
    from kam.records import new_code, new_interaction

    stamp = ctx.stamp()
    existing = {c.code: c for c in store.customers(include_archived=True)} if store else {}
    merge, prefer, allow_erased = how
    erased = None if store is None else store.erased_on
    card_notes: list[dict[str, Any]] = []
    if read.cards is not None:  # address-book cards become rows against the archive
        from kam.ops.contactcards import rows

        made, card_notes = rows(read.cards, existing)
        read = replace(read, rows=made)
    p = plan(read.rows, existing, lambda taken: new_code(taken, ctx.today.year, erased=erased),
             stamp, read.errors, merge, prefer, None if allow_erased else erased,
             None if allow_erased or store is None else store.erased_person,
             kam_changes(store.read_history()) if store and existing else None)
    for c in p.conflicts:  # stage and grade as the user knows them: 合作中, not active
        if c["field"] in ("stage", "value_level"):
            vocab = ctx.settings.vocab[c["field"]]
            c["shown"] = [vocab.label(c["archive"]), vocab.label(c["sheet"])]
    if read.no_name and not p.customers and not p.skipped and p.errors:
        raise BadInput(t("{path}: {value}", path=file, value=read.no_name))
    history = store.interactions_by_code() if store else {}
    batch_id = store.next_batch_id() if store and not dry_run else None
    added = []
    for code, when, summary, _row in p.follow_ups:
        known = history.setdefault(code, [])
        text = summary or t("(imported)")  # in the user's language: it is shown as written
        if any(i.date == when.isoformat() and i.summary == text for i in known):
            continue  # the same follow-up imported before
        i = new_interaction(code, when, "follow_up", text, None, None, stamp, batch_id)
        known.append(i)
        added.append(i)
    after = {}
    for code, c in p.customers.items():
        known = sorted(history.get(code, []), key=lambda i: (i.date, i.created))
        c = refresh(c, known, ctx.today) if known else c
        before = p.before.get(code)
        after[code] = replace(c, updated=stamp) if before is None or c != before else c
    _cadence_dates_are_not_scheduled(ctx, after, p.before)
    counts = tally(after, p.before)
    if not dry_run and store is not None:
        for i in added:
            store.add_interaction(i)
        changed = {}
        for code, c in after.items():
            if p.before.get(code) is None or c != p.before[code]:
                store.put(c)
                b = p.before.get(code)
                changed[code] = b.to_doc() if b is not None else None
        for code, m in p.merged.items():
            store.annotate(code, merge_note(m))
        for c in p.conflicts:  # the sheet's values not taken stay findable: kam history
            if c["kept"] == "archive":
                store.annotate(c["code"], conflict_note(c))
        store.label = f"import {file.name} #{batch_id}"
        if changed or added:
            store.put_batch({"id": batch_id, "created": stamp, "file": str(file),
                             "sheet": read.layout.sheet, "counts": counts, "before": changed,
                             "interactions": [i.id for i in added]})
        else:
            batch_id = None
    from kam.ops.daily import blind, blind_lines
    from kam.store.history import diff

    report = report_doc(file, read, counts, p, None if dry_run else batch_id, dry_run)
    report["scoring_blind"] = blind_lines(blind(ctx, list(after.values())))
    for m in report["mapped_values"]:
        m["label"] = ctx.settings.vocab[m["field"]].label(m["to"])
    report["skipped"] = [*report["skipped"], *p.skipped]
    report["notes"] = sorted([*card_notes, *report["notes"]], key=lambda x: x["row"])
    report["conflicts"] = p.conflicts
    report["changes"] = [{"code": code, "field": k, "old": old, "new": new}
                         for code, c in after.items() if (b := p.before.get(code)) is not None
                         for k, (old, new) in diff(b.to_doc(), c.to_doc()).items()]
    return report


def _cadence_dates_are_not_scheduled(ctx: Context, after: dict[str, Customer],
                                     before: dict[str, Customer | None]) -> None:
    """A 下次跟进时间 the cadence gives anyway (an export writes the date kam reminds on)
    is not a scheduled step: it stays the cadence's, so an export re-imported is equal."""
    from datetime import date

    from kam.followup import next_contact
    from kam.scoring import Scorer

    scorer = Scorer(ctx.settings, ctx.today)
    for code, c in after.items():
        old = before.get(code)
        if not c.next_follow_up or (old is not None and old.next_follow_up == c.next_follow_up):
            continue
        plain = replace(c, next_follow_up=None)
        when = next_contact(plain, scorer.rank(plain).tier, ctx.settings)[0]
        if when == date.fromisoformat(c.next_follow_up):
            after[code] = plain


def merge_note(m: dict[str, Any]) -> str:
    """How rows became one customer, for the report and the history."""
    rows = ", ".join(str(r) for r in m["rows"])
    why = {"code": t("the same code"), "name+contact": t("the same name and phone/email"),
           "name": t("the same name, no contact details, nothing contradicting")}[m["by"]]
    return t("rows {rows} merged into {code}: {why}", rows=rows, code=m["code"], why=why)


def report_doc(file: Path, read: RowsRead, counts: dict[str, int], p: Plan | None,
               batch: str | None, dry_run: bool) -> dict[str, Any]:
    """The import report (spec/cli.md keys first)."""
    from kam.columns import DERIVED, PERSON, SEQ

    layout = read.layout
    unknown = [{"field": f, "column": col, "value": v, "count": len(rows), "rows": rows[:10],
                "kept_in": kept.raw(col),
                "hint": t("vocabulary.{field}.<key>.aliases in kam.yaml: add {value}", field=f,
                          value=repr(v))}
               for (f, col, v), rows in (p.unknown.items() if p else ())]
    return {
        "file": str(file), "sheet": layout.sheet, "header_row": layout.header_row,
        **counts, "errors": sorted(p.errors if p else read.errors, key=lambda x: x["row"]),
        "unmapped_columns": layout.unmapped,
        "columns": {c.header: ("序号" if c.key == SEQ else "name/contact" if c.key == PERSON
                               else "kam" if c.key == DERIVED else c.key or "extra")
                    for c in layout.columns},
        "notes": p.notes if p else [], "batch": batch, "dry_run": dry_run,
        "merged": [{"rows": m["rows"], "code": m["code"], "by": m["by"], "note": merge_note(m)}
                   for m in (p.merged.values() if p else ())],
        "unknown_values": unknown,
        "skipped": read.skipped,
        "sheets_seen": read.sheets_seen,
        "encoding": read.encoding, "encoding_detected": read.detected,
        "continued": read.continued,
        "mapped_values": [{"field": f, "column": col, "value": v, "to": key, "label": key,
                           "count": len(rows), "rows": rows[:10]}
                          for (f, col, v, key), rows in (p.mapped.items() if p else ())],
    }


def batches(ctx: Context) -> list[dict[str, Any]]:
    """The import batches that can be undone, oldest first."""
    with ctx.reader() as store:
        return [{"id": b["id"], "when": b["created"], "file": b["file"], "sheet": b["sheet"],
                 **b["counts"], "undone": b.get("undone")} for b in store.batches()]


def _changed_after(store: Store, batch: dict[str, Any]) -> list[str]:
    """The batch's customers some later commit changed, each with what changed it."""
    gen = batch.get("gen")
    out = []
    for code in batch["before"]:
        c = store.find(code)
        if c is None:
            continue
        if gen is None:  # a batch from before generations were kept: the time
            if c.updated > batch["created"]:
                out.append(code)
            continue
        if store.changed_since(code, int(gen)):
            later = [e for e in store.read_history(code) if int(e.get("gen", 0)) > int(gen)]
            what = ", ".join(f"{e['command']} {', '.join(e.get('changes', {})) or e['action']}"
                             for e in later[:3])
            out.append(f"{code} ({what or 'changed'})")
    return out


@dataclass
class Undone:
    batch: str
    file: str
    customers: int
    follow_ups: int


def undo(ctx: Context, batch: str | None = None, force: bool = False) -> Undone:
    """Undo an import: every customer it created or changed goes back to its state before."""
    from kam.activity import refresh
    from kam.models import Customer

    with ctx.writer() as store:
        open_batches = [b for b in store.batches() if not b.get("undone")]
        chosen = next((b for b in store.batches() if b["id"] == batch), None) if batch else (
            open_batches[-1] if open_batches else None)
        if chosen is None:
            raise BadInput(t("no import batch {batch} (see `kam batches`)", batch=repr(batch))
                           if batch else t("no import to undo"))
        if chosen.get("undone"):
            raise BadInput(t("batch {id} was already undone on {undone}",
                             id=chosen['id'], undone=chosen['undone']))
        later = _changed_after(store, chosen)
        if later and not force:
            raise BadInput(t("{n_later} customer(s) changed after this import: {value}; undo with "
                             "--force to lose those changes",
                             n_later=len(later), value='; '.join(later[:5])))
        ids = set(chosen["interactions"])
        created = {code for code, doc in chosen["before"].items() if doc is None}
        # one pass over the log: the batch's follow-ups and all of its new customers'
        removed = store.remove_interactions(lambda i: i.id not in ids and i.code not in created)
        history = store.interactions_by_code()
        for code, doc in chosen["before"].items():
            if doc is None:
                store.remove(code)
            else:
                store.put(refresh(Customer.from_doc(doc), history.get(code, []), ctx.today),
                          restored=True)
        store.put_batch({**chosen, "undone": ctx.stamp()})
        store.commit()
    return Undone(chosen["id"], chosen["file"], len(chosen["before"]), removed)
