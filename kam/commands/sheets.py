"""Spreadsheets: import (with dry run and per-row errors), export, batches and undo."""

from __future__ import annotations

import sys
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer

from kam.cli import Env, app, env
from kam.commands.archive import (
    IndustryFilter,
    MaskOpt,
    Opt,
    OwnerFilter,
    StageFilter,
    TagFilter,
    ValueFilter,
    _masked,
    announce_created,
    open_writer,
    select,
)
from kam.errors import BadInput

PROGRESS_ROWS = 3000  # show a progress bar on a terminal above this many rows


def _progress(total: int, file_bytes: int) -> Any:
    """A Rich progress bar on stderr for big files on a terminal; else nothing.

    Some writers store no sheet size: then a big file gets an open-ended counter.
    """
    big = total >= PROGRESS_ROWS or (total == 0 and file_bytes > 500_000)
    if not big or not sys.stderr.isatty():
        return None
    from kam.render import progress

    return progress(total or None, "importing")


def read_rows(e: Env, path: Path, sheet: str | None, maps: list[str]) -> tuple[Any, Any, list[Any],
                                                                             list[dict[str, Any]]]:
    """Read a file, find its layout and convert its rows; row errors are collected."""
    from kam.archive import parse_pairs
    from kam.excel import open_sheets
    from kam.models import TEMPLATE_KEYS, is_import_key

    extra_map = {}
    for header, key in parse_pairs(maps, "--map").items():
        if not is_import_key(key):
            raise BadInput(f"--map {header}={key}: unknown key {key!r}; use one of: "
                           f"{', '.join(TEMPLATE_KEYS)}, next_follow_up or date.NAME")
        extra_map[header] = key
    with open_sheets(path) as sheets:
        return _read_rows(e, path, sheets, sheet, extra_map)


def _read_rows(e: Env, path: Path, sheets: list[Any], sheet: str | None,
               extra_map: dict[str, str]) -> tuple[Any, Any, list[Any], list[dict[str, Any]]]:
    from kam.sheet import (
        RowError,
        alias_index,
        convert_row,
        find_layout,
        header_candidates,
        infer_numbers,
        is_footer,
    )

    if sheet is not None and sheet not in {s.name for s in sheets}:
        raise BadInput(f"{path}: no sheet named {sheet!r}; sheets: "
                       f"{', '.join(repr(s.name) for s in sheets)}")
    if not any(s.rows for s in sheets):
        raise BadInput(f"{path}: the workbook has no data")
    found = find_layout(sheets, alias_index(e.settings, extra_map), sheet)
    if found is None:
        raise BadInput(
            f"{path}: no header row kam recognises (it needs a 客户名称 or 客户编号 column and one "
            f"more it knows). Found {header_candidates(sheets, sheet)}. Map your headers with "
            f"--map HEADER=KEY (e.g. --map 门店编号=code --map 门店名称=name) or under "
            f"import.aliases in kam.yaml")
    data, layout = found
    rows, errors = [], []
    bar = _progress(data.size_hint, path.stat().st_size)
    for n, values in data.stream():
        if bar:
            bar.advance(n)
        if n <= layout.header_row or is_footer(values):
            continue
        try:
            rows.append(convert_row(n, values, layout, e.settings, data.epoch1904))
        except RowError as ex:
            errors.append({"row": n, "message": str(ex)})
    if bar:
        bar.stop()
    if data.text_only:
        infer_numbers(rows)
    return data, layout, rows, errors


@app.command("import")
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help="The .xlsx, .xlsm or .csv file.")],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Report what would happen; "
                                          "change nothing.")] = False,
    strict: Annotated[bool, typer.Option("--strict", help="Import nothing if any row has an "
                                         "error.")] = False,
    sheet: Annotated[Opt, typer.Option("--sheet", help="The sheet to read (default: the one "
                                       "whose header kam recognises best).")] = None,
    map_: Annotated[list[str] | None, typer.Option(  # noqa: UP007
        "--map", help="Map a header to a key, HEADER=KEY (repeatable), e.g. 门店名称=name.")
    ] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Report as table or json.")
                   ] = "table",
) -> None:
    """Import a spreadsheet (template or legacy layout); upserts by 客户编号."""
    from kam.store import open_store

    e = env(ctx)
    if fmt not in ("table", "json"):
        raise BadInput(f"--format: use table or json, not {fmt!r}")
    data, layout, rows, errors = read_rows(e, file, sheet, map_ or [])
    if dry_run:
        if e.db.exists():
            with open_store(e.db) as store:
                report = _apply(e, store, file, layout, rows, errors, dry_run=True)
        else:
            report = _apply(e, None, file, layout, rows, errors, dry_run=True)
    else:
        if strict and errors:
            _report(report_doc(file, layout, {"created": 0, "updated": 0, "unchanged": 0},
                               errors, [], None, dry_run=False), fmt)
            raise BadInput(f"{file}: {len(errors)} row(s) with errors and --strict: nothing "
                           "imported")
        with open_writer(e) as store:
            report = _apply(e, store, file, layout, rows, errors, dry_run=False)
            store.commit()
            announce_created(store)
    _report(report, fmt)


def _apply(e: Env, store: Any, file: Path, layout: Any, rows: list[Any],
           errors: list[dict[str, Any]], dry_run: bool) -> dict[str, Any]:
    """Plan the import against the archive and, unless dry, stage it in the store."""
    from kam.activity import refresh
    from kam.archive import new_code, new_interaction
    from kam.sheet import plan, tally

    stamp = e.stamp()
    existing = {c.code: c for c in store.customers(include_archived=True)} if store else {}
    p = plan(rows, existing, lambda taken: new_code(taken, e.today.year), stamp, errors)
    history = store.interactions_by_code() if store else {}
    batch_id = store.next_batch_id() if store and not dry_run else None
    added = []
    for code, when, summary, _row in p.follow_ups:
        known = history.setdefault(code, [])
        text = summary or "(imported)"
        if any(i.date == when.isoformat() and i.summary == text for i in known):
            continue  # the same follow-up imported before
        i = new_interaction(code, when, "follow_up", text, None, None, stamp, batch_id)
        known.append(i)
        added.append(i)
    after = {}
    for code, c in p.customers.items():
        known = sorted(history.get(code, []), key=lambda i: (i.date, i.created))
        c = refresh(c, known, e.today) if known else c
        before = p.before.get(code)
        after[code] = replace(c, updated=stamp) if before is None or c != before else c
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
        if changed or added:
            store.put_batch({"id": batch_id, "created": stamp, "file": str(file),
                             "sheet": layout.sheet, "counts": counts, "before": changed,
                             "interactions": [i.id for i in added]})
        else:
            batch_id = None
    return report_doc(file, layout, counts, p.errors, p.notes, None if dry_run else batch_id,
                      dry_run)


def report_doc(file: Path, layout: Any, counts: dict[str, int], errors: list[dict[str, Any]],
               notes: list[dict[str, Any]], batch: str | None, dry_run: bool) -> dict[str, Any]:
    """The import report (spec/cli.md keys first)."""
    from kam.sheet import SEQ

    return {
        "file": str(file), "sheet": layout.sheet, "header_row": layout.header_row,
        **counts, "errors": sorted(errors, key=lambda x: x["row"]),
        "unmapped_columns": layout.unmapped,
        "columns": {c.header: ("序号" if c.key == SEQ else c.key or "extra")
                    for c in layout.columns},
        "notes": notes, "batch": batch, "dry_run": dry_run,
    }


def _report(doc: dict[str, Any], fmt: str) -> None:
    from kam.render import print_json, say, warn

    if fmt == "json":
        print_json(doc)
    else:
        from kam.render import import_report

        import_report(doc)
    if fmt == "json":  # the table shows row errors; with JSON, a person still sees them
        for err in doc["errors"][:20]:
            warn(f"{doc['file']} row {err['row']}: {err['message']}")
    what = "would import" if doc["dry_run"] else "imported"
    say(f"{doc['file']} ({doc['sheet']!r}, header row {doc['header_row']}): {what} "
        f"{doc['created']} new, {doc['updated']} updated, {doc['unchanged']} unchanged, "
        f"{len(doc['errors'])} row error(s)" + (f"; undo with `kam undo {doc['batch']}`"
                                                  if doc["batch"] else ""))


@app.command()
def batches(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", "-f", help="table or json.")] = "table",
) -> None:
    """The import batches that can be undone, newest last."""
    from kam.render import emit
    from kam.store import open_store

    e = env(ctx)
    with open_store(e.db) as store:
        rows = [{"id": b["id"], "when": b["created"], "file": b["file"], "sheet": b["sheet"],
                 **b["counts"], "undone": b.get("undone")} for b in store.batches()]
    if fmt not in ("table", "json", "csv"):
        raise BadInput(f"--format: use table, json or csv, not {fmt!r}")
    if fmt == "table":
        for r in rows:
            r["file"] = Path(r["file"]).name
    keys = ("id", "when", "file", "sheet", "created", "updated", "unchanged", "undone")
    cols = [(k, k) for k in keys if fmt != "table" or k not in ("when", "sheet", "unchanged")]
    emit(rows, cols, fmt, title="import batches")


@app.command()
def undo(
    ctx: typer.Context,
    batch: Annotated[Opt, typer.Argument(help="The batch id (default: the latest import "
                                         "not yet undone); see `kam batches`.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Undo even customers changed after "
                                        "the import (those later changes are lost).")] = False,
) -> None:
    """Undo an import: every customer it created or changed goes back to its state before."""
    from kam.activity import refresh
    from kam.models import Customer
    from kam.render import say

    e = env(ctx)
    with open_writer(e, create=False) as store:
        open_batches = [b for b in store.batches() if not b.get("undone")]
        chosen = next((b for b in store.batches() if b["id"] == batch), None) if batch else (
            open_batches[-1] if open_batches else None)
        if chosen is None:
            raise BadInput(f"no import batch {batch!r} (see `kam batches`)" if batch else
                           "no import to undo")
        if chosen.get("undone"):
            raise BadInput(f"batch {chosen['id']} was already undone on {chosen['undone']}")
        later = [code for code in chosen["before"]
                 if (c := store.find(code)) is not None and c.updated > chosen["created"]]
        if later and not force:
            raise BadInput(f"{len(later)} customer(s) changed after this import "
                           f"({', '.join(later[:5])}); undo with --force to lose those changes")
        ids = set(chosen["interactions"])
        created = {code for code, doc in chosen["before"].items() if doc is None}
        # one pass over the log: the batch's follow-ups and all of its new customers'
        store.remove_interactions(lambda i: i.id not in ids and i.code not in created)
        history = store.interactions_by_code()
        for code, doc in chosen["before"].items():
            if doc is None:
                store.remove(code)
            else:
                store.put(refresh(Customer.from_doc(doc), history.get(code, []), e.today))
        store.put_batch({**chosen, "undone": e.stamp()})
        store.commit()
    say(f"Undid import {chosen['id']} of {chosen['file']}: {len(chosen['before'])} customer(s) "
        f"restored, {len(ids)} follow-up(s) removed")


@app.command()
def export(
    ctx: typer.Context,
    file: Annotated[str, typer.Argument(help="Output file, or - for stdout (csv/json).")],
    fmt: Annotated[Opt, typer.Option("--format", "-f", help="xlsx, csv or json (default: "
                                     "from the file's suffix).")] = None,
    stage: StageFilter = None, value_level: ValueFilter = None, tag: TagFilter = None,
    owner: OwnerFilter = None, industry: IndustryFilter = None,
    all_: Annotated[bool, typer.Option("--all", help="Include archived customers.")] = False,
    mask: MaskOpt = None,
) -> None:
    """Write the template layout (16 columns, then every extra column)."""
    from kam.render import say
    from kam.store import open_store

    e = env(ctx)
    kind = (fmt or (Path(file).suffix.lower().lstrip(".") if file != "-" else "csv")).lower()
    if kind not in ("xlsx", "csv", "json"):
        raise BadInput(f"--format: use xlsx, csv or json, not {kind!r}")
    if file == "-" and kind == "xlsx":
        raise BadInput("xlsx cannot go to stdout; give a file name")
    target = Path(file)
    if file != "-" and not target.parent.exists():
        raise BadInput(f"{target.parent}: no such directory")
    with open_store(e.db) as store:
        customers = store.customers(include_archived=all_)
    chosen = sorted(select(e, customers, stage, value_level, tag, owner, industry),
                    key=lambda c: c.code)
    masked = _masked(e, mask)
    if kind == "json":
        from kam.archive import record
        from kam.render import to_json
        from kam.scoring import tiers_of

        scores = tiers_of(chosen, e.settings, e.today)
        text = to_json([record(c, scores[c.code], e.settings, masked=masked) for c in chosen])
        _write_text(target if file != "-" else None, text + "\n", bom=False)
    else:
        headers, rows = export_rows(e, chosen, masked, dates_as_text=kind == "csv")
        if kind == "csv":
            _write_csv(target if file != "-" else None, headers, rows)
        else:
            from kam.excel import Column, write_xlsx

            s = e.settings
            choices = {"客户价值等级": tuple(t.label for t in s.vocab["value_level"].terms),
                       "合作阶段": tuple(t.label for t in s.vocab["stage"].terms)}
            write_xlsx(target, [Column(h, choices.get(h, ())) for h in headers], rows)
    if file != "-":
        say(f"Exported {len(chosen)} customers to {file}" + (" (masked)" if masked else ""))


def export_rows(e: Env, customers: list[Any], masked: bool, dates_as_text: bool
                ) -> tuple[list[str], list[list[Any]]]:
    """The template's 16 columns, then next follow-up and named dates if any, then extras."""
    from kam.archive import _CONTACTISH
    from kam.models import HEADERS, TEMPLATE_KEYS
    from kam.privacy import mask, mask_id
    from kam.sheet import NEXT_HEADER, TAG_SEP, date_header, date_names, extra_columns

    def day(iso: str | None) -> Any:
        return iso if dates_as_text or not iso else date.fromisoformat(iso)

    extras = extra_columns(customers)
    names = date_names(customers)
    with_next = any(c.next_follow_up for c in customers)
    stage, level = e.settings.vocab["stage"], e.settings.vocab["value_level"]
    rows = []
    for n, c in enumerate(customers, start=1):
        rows.append([
            n, c.code, c.name, c.contact, c.title,
            mask(c.contact_info) if masked else c.contact_info, c.industry, c.size,
            level.label(c.value_level) if c.value_level else "", c.need,
            stage.label(c.stage) if c.stage else "", day(c.last_contact), c.last_summary,
            c.owner, TAG_SEP.join(c.tags), c.note,
            *([day(c.next_follow_up)] if with_next else []),
            *(day(c.dates.get(k)) for k in names),
            *((mask_id(str(c.extra[k])) if masked and _CONTACTISH.search(k) else c.extra[k])
              if k in c.extra else None for k in extras),
        ])
    headers = ["序号", *(HEADERS[k] for k in TEMPLATE_KEYS), *([NEXT_HEADER] if with_next else []),
               *(date_header(k) for k in names), *extras]
    return headers, rows


def _write_text(path: Path | None, text: str, bom: bool) -> None:
    if path is None:
        sys.stdout.write(text)
        return
    from kam.excel import write_text_atomic

    write_text_atomic(path, text, "utf-8-sig" if bom else "utf-8")


def _write_csv(path: Path | None, headers: list[str], rows: list[list[Any]]) -> None:
    import io

    from kam.render import write_csv

    buf = io.StringIO()
    cols = [(str(i), h) for i, h in enumerate(headers)]
    # Excel wants CRLF and a BOM in a file; a pipe wants neither.
    write_csv(({str(i): v for i, v in enumerate(r)} for r in rows), cols, buf, use_headers=True,
              lineterminator="\r\n" if path else "\n")
    _write_text(path, buf.getvalue(), bom=path is not None)
