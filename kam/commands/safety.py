"""Data safety: backups, restore, history, archive, erase."""

from __future__ import annotations

import sys
from typing import Annotated, Optional

import typer

from kam.commands._common import AnyCodeArg, CodeArg, Fmt, FormatOpt, MaskOpt, context

app = typer.Typer()


@app.command()
def backups(ctx: typer.Context, fmt: FormatOpt = Fmt.table) -> None:
    """The backups kam keeps before each change (newest last); see `kam restore`."""
    from kam import render
    from kam.ops.safety import backups as run

    c = context(ctx)
    rows = run(c)
    render.backups(rows, fmt.value, f"backups of {c.db}")
    if not rows:
        render.say("No backups yet: kam keeps one before every change.")


@app.command()
def restore(
    ctx: typer.Context,
    backup: Annotated[Optional[int], typer.Argument(  # noqa: UP045
        help="The backup id (default: the newest); see `kam backups`.")] = None,
) -> None:
    """Bring a backup back. The present state is backed up first, so this can be undone."""
    from kam.ops.safety import restore as run
    from kam.render import say

    chosen = run(context(ctx), backup)
    say(f"Restored backup {chosen}; the state before it is now the newest backup "
        "(`kam restore` again to go back)")


@app.command()
def history(
    ctx: typer.Context,
    code: AnyCodeArg = None,
    mask: MaskOpt = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Every change kam made: when, who, which command, which fields, old and new."""
    from kam import render
    from kam.ops.safety import history as run

    entries = run(context(ctx), code, mask)
    render.history(entries, fmt.value, f"history of {code}" if code else "history")
    if not entries:
        render.say("No changes recorded yet.")


def _set_archived(ctx: typer.Context, code: str, value: bool) -> None:
    from kam.ops.safety import set_archived
    from kam.render import say

    c, changed = set_archived(context(ctx), code, value)
    if not changed:
        say(f"{code} is {'already' if value else 'not'} archived")
    else:
        say(f"{'Archived' if value else 'Unarchived'} {code} {c.name}"
            + (" (hidden from due, risk and list; --all shows it)" if value else ""))


@app.command()
def archive(ctx: typer.Context, code: CodeArg) -> None:
    """Hide a customer from due, risk and list without deleting anything."""
    _set_archived(ctx, code, True)


@app.command()
def unarchive(ctx: typer.Context, code: CodeArg) -> None:
    """Bring an archived customer back."""
    _set_archived(ctx, code, False)


@app.command()
def erase(
    ctx: typer.Context,
    code: CodeArg,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask (for scripts).")] = False,
) -> None:
    """Erase a customer completely (PIPL): archive, history, log and every backup.

    A tombstone without personal data stays in the history. This cannot be undone.
    """
    from kam.errors import BadInput
    from kam.ops import safety
    from kam.render import say

    c = context(ctx)
    if not yes:
        if not sys.stdin.isatty():
            raise BadInput(f"erasing {code} cannot be undone; confirm with --yes")
        if not typer.confirm(f"Erase {code} {safety.get(c, code).name} and every copy of its "
                             "data? This cannot be undone", default=False, err=True):
            raise BadInput("not erased")
    if safety.erase(c, code) is None:
        say(f"{code} was erased before; no copy of its data is left")
    else:
        say(f"Erased {code}: removed from the archive and the log, and scrubbed from the "
            "history and every backup")
