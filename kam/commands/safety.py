"""Data safety: backups, restore, history, archive, erase."""

import sys
from typing import Annotated, Optional

import typer

from kam.commands._common import AnyCodeArg, App, CodeArg, Fmt, FormatOpt, MaskOpt, context
from kam.i18n import N_, t

app = App()


@app.command(help=N_("The backups kam keeps before each change (newest last); see "
                     "`kam restore`."),
             epilog=N_("kam backups\nkam backups --format json"))
def backups(ctx: typer.Context, fmt: FormatOpt = Fmt.table) -> None:
    from kam import render, report
    from kam.ops.safety import backups as run

    c = context(ctx)
    rows = run(c)
    report.backups(rows, fmt.value, t("Backups of {path}", path=c.db))
    if not rows:
        render.say(t("No backups yet: kam keeps one before every change."))


@app.command(help=N_("Bring a backup back. The present state is backed up first, so this can "
                     "be undone."),
             epilog=N_("kam restore\nkam restore 3"))
def restore(
    ctx: typer.Context,
    backup: Annotated[Optional[int], typer.Argument(  # noqa: UP045
        help=N_("The backup id (default: the newest); see `kam backups`."),
        metavar=N_("ID"))] = None,
) -> None:
    from kam.ops.safety import restore as run
    from kam.render import say

    chosen = run(context(ctx), backup)
    say(t("Restored backup {chosen}; the state before it is now the newest backup (`kam restore` "
          "again to go back)",
          chosen=chosen))


@app.command(help=N_("Every change kam made: when, who, which command, which fields, old and "
                     "new."),
             epilog=N_("kam history KH2024001\nkam history --format json --mask"))
def history(
    ctx: typer.Context,
    code: AnyCodeArg = None,
    mask: MaskOpt = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    from kam import render, report
    from kam.ops.safety import history as run

    c = context(ctx)
    entries = run(c, code, mask)
    report.history(entries, fmt.value, t("History of {code}", code=code) if code
                   else t("History"), c.settings)
    if not entries:
        render.say(t("No changes recorded yet."))


def _set_archived(ctx: typer.Context, code: str, value: bool) -> None:
    from kam.ops.safety import set_archived
    from kam.render import say

    c, changed = set_archived(context(ctx), code, value)
    if not changed:
        say(t("{code} is already archived", code=code) if value
            else t("{code} is not archived", code=code))
    else:
        say(t("Archived {code} {name} (hidden from due, risk and list; --all shows it)",
              code=code, name=c.name) if value
            else t("Unarchived {code} {name}", code=code, name=c.name))


@app.command(help=N_("Hide a customer from due, risk and list without deleting anything."),
             epilog=N_("kam archive KH2024001"))
def archive(ctx: typer.Context, code: CodeArg) -> None:
    _set_archived(ctx, code, True)


@app.command(help=N_("Bring an archived customer back."),
             epilog=N_("kam unarchive KH2024001"))
def unarchive(ctx: typer.Context, code: CodeArg) -> None:
    _set_archived(ctx, code, False)


@app.command(help=N_("Erase a customer completely (PIPL): archive, history, log and every "
                     "backup. A tombstone without personal data stays in the history. This "
                     "cannot be undone."),
             epilog=N_("kam erase KH2024001\nkam erase KH2024001 --yes"))
def erase(
    ctx: typer.Context,
    code: CodeArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help=N_("Do not ask (for scripts)."))] = False,
) -> None:
    from kam.errors import BadInput
    from kam.ops import safety
    from kam.render import say

    c = context(ctx)
    if not yes:
        if not sys.stdin.isatty():
            raise BadInput(t("erasing {code} cannot be undone; confirm with --yes", code=code))
        if not typer.confirm(t("Erase {code} {name} and every copy of its data? This cannot be "
                               "undone", code=code, name=safety.get(c, code).name),
                             default=False, err=True):
            raise BadInput(t("not erased"))
    if safety.erase(c, code) is None:
        say(t("{code} was erased before; no copy of its data is left", code=code))
    else:
        say(t("Erased {code}: removed from the archive and the log, and scrubbed from the history "
              "and every backup",
              code=code))
