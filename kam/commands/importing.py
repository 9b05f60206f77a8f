"""Spreadsheets in: import (with dry run and per-row errors), batches and undo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from kam.commands._common import Many, Opt, ReportFmt, ReportFormatOpt, context

app = typer.Typer()


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
    map_: Annotated[Many, typer.Option(
        "--map", help="Map a header to a key, HEADER=KEY (repeatable), e.g. 门店名称=name.")
    ] = None,
    no_merge: Annotated[bool, typer.Option("--no-merge", help="Import every row as a "
                                           "customer of its own (rows are merged by code, or "
                                           "by name and phone/email, otherwise).")] = False,
    prefer: Annotated[str, typer.Option("--prefer", help="Where the sheet and the archive "
                                        "differ: newer (the sheet unless its 最近跟进时间 is older "
                                        "than the archive's), archive or sheet.")] = "newer",
    allow_erased: Annotated[bool, typer.Option("--allow-erased", help="Bring back customers "
                                               "erased with kam erase.")] = False,
    fmt: ReportFormatOpt = ReportFmt.table,
) -> None:
    """Import a spreadsheet (template or legacy layout); upserts by 客户编号."""
    from kam import render
    from kam.ops.importing import StrictRefusal, import_file
    from kam.records import parse_pairs

    c = context(ctx)
    try:
        report = import_file(c, file, sheet, parse_pairs(map_ or [], "--map"), dry_run, strict,
                             render.import_progress, not no_merge, prefer, allow_erased)
    except StrictRefusal as refusal:
        render.imported(refusal.report, fmt.value)
        raise
    render.imported(report, fmt.value)
    if report.get("created_database"):
        render.say(f"Created a new kam database at {c.db}")


@app.command()
def batches(ctx: typer.Context,
            fmt: Annotated[ReportFmt, typer.Option("--format", "-f", help="table or json.")
                           ] = ReportFmt.table) -> None:
    """The import batches that can be undone, newest last."""
    from kam import render
    from kam.ops.importing import batches as run

    render.batches(run(context(ctx)), fmt.value)


@app.command()
def undo(
    ctx: typer.Context,
    batch: Annotated[Opt, typer.Argument(help="The batch id (default: the latest import "
                                         "not yet undone); see `kam batches`.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Undo even customers changed after "
                                        "the import (those later changes are lost).")] = False,
) -> None:
    """Undo an import: every customer it created or changed goes back to its state before."""
    from kam.ops.importing import undo as run
    from kam.render import say

    u = run(context(ctx), batch, force)
    say(f"Undid import {u.batch} of {u.file}: {u.customers} customer(s) restored, "
        f"{u.follow_ups} follow-up(s) removed")
