"""Spreadsheets in: import (with dry run and per-row errors), batches and undo."""

from pathlib import Path
from typing import Annotated

import typer

from kam.commands._common import App, Many, Opt, ReportFmt, ReportFormatOpt, context
from kam.i18n import N_, t

app = App()


@app.command("import",
             help=N_("Import a spreadsheet (the template or a legacy layout) or the phone's "
                     "address book (.vcf); a customer already in the archive is updated, not "
                     "added twice."),
             epilog=N_("kam import customers.xlsx --dry-run\nkam import customers.xlsx\n"
                       "kam import crm.csv --map \"Account Name=name\"\n"
                       "kam import contacts.vcf      # the phone's address book"))
def import_(
    ctx: typer.Context,
    file: Annotated[Path, typer.Argument(help=N_(
        "The workbook (.xlsx, .xlsm, .xlsb, .xls, .ods, .et), text file (.csv, .tsv, .txt) "
        "or address-book cards (.vcf)."),
                                         metavar=N_("FILE"))],
    dry_run: Annotated[bool, typer.Option("--dry-run", help=N_("Report what would happen; "
                                          "change nothing."))] = False,
    strict: Annotated[bool, typer.Option("--strict", help=N_("Import nothing if any row has an "
                                         "error."))] = False,
    sheet: Annotated[Opt, typer.Option("--sheet", help=N_(
        "The sheet to read (default: the one whose header kam recognises best)."),
        metavar=N_("SHEET"))] = None,
    map_: Annotated[Many, typer.Option(
        "--map", help=N_("Map a header to a field, HEADER=FIELD (repeatable); the field as its "
                         "key or its template header, e.g. \"Store=name\"."),
        metavar=N_("HEADER=FIELD"))] = None,
    no_merge: Annotated[bool, typer.Option("--no-merge", help=N_("Import every row as a "
                                           "customer of its own (rows are merged by code, or "
                                           "by name and phone/email, otherwise)."))] = False,
    prefer: Annotated[str, typer.Option("--prefer", help=N_(
        "Where the sheet and the archive differ: newer (the sheet unless its last contact is "
        "older than the archive's), archive or sheet."))] = "newer",
    allow_erased: Annotated[bool, typer.Option("--allow-erased", help=N_("Bring back customers "
                                               "erased with kam erase."))] = False,
    encoding: Annotated[Opt, typer.Option("--encoding", help=N_(
        "A text file's encoding (utf-8, gb18030, big5, latin-1 ...); by default UTF-8 or "
        "UTF-16, else detected and said."), metavar=N_("ENCODING"))] = None,
    fmt: ReportFormatOpt = ReportFmt.table,
) -> None:
    from kam import render
    from kam.importreport import imported
    from kam.ops.importing import StrictRefusal, import_file
    from kam.records import parse_pairs

    c = context(ctx)
    try:
        done = import_file(c, file, sheet, parse_pairs(map_ or [], "--map"), dry_run, strict,
                           render.import_progress, not no_merge, prefer, allow_erased,
                           encoding=encoding)
    except StrictRefusal as refusal:
        imported(refusal.report, fmt.value)
        raise
    imported(done, fmt.value)
    if done.get("created_database"):
        render.say(t("Created a new kam database at {path}", path=c.db))


@app.command(help=N_("The import batches that can be undone, newest last."),
             epilog=N_("kam batches"))
def batches(ctx: typer.Context, fmt: ReportFormatOpt = ReportFmt.table) -> None:
    from kam import importreport
    from kam.ops.importing import batches as run

    importreport.batches(run(context(ctx)), fmt.value)


@app.command(help=N_("Undo an import: every customer it created or changed goes back to its "
                     "state before."),
             epilog=N_("kam undo\nkam undo 20261123-2"))
def undo(
    ctx: typer.Context,
    batch: Annotated[Opt, typer.Argument(help=N_(
        "The batch id (default: the latest import not yet undone); see `kam batches`."),
        metavar=N_("BATCH"))] = None,
    force: Annotated[bool, typer.Option("--force", help=N_("Undo even customers changed after "
                                        "the import (those later changes are lost)."))] = False,
) -> None:
    from kam.ops.importing import undo as run
    from kam.render import say

    u = run(context(ctx), batch, force)
    say(t("Undid import {batch} of {file}: {customers} customer(s) restored, {follow_ups} "
          "follow-up(s) removed",
          batch=u.batch, file=u.file, customers=u.customers, follow_ups=u.follow_ups))
