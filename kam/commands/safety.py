"""Data safety: backups, restore, history, archive, erase."""

from __future__ import annotations

import sys
from dataclasses import replace
from typing import Annotated, Any

import typer

from kam.cli import Fmt, FormatOpt, app, env
from kam.commands.archive import open_writer
from kam.errors import BadInput


@app.command()
def backups(ctx: typer.Context, fmt: FormatOpt = Fmt.table) -> None:
    """The backups kam keeps before each change (newest last); see `kam restore`."""
    from kam.render import emit, say
    from kam.store import Store

    e = env(ctx)
    store = Store(e.db, writable=False)
    rows = [{"id": b["id"], "time": f"{b['time'][:4]}-{b['time'][4:6]}-{b['time'][6:8]} "
             f"{b['time'][9:11]}:{b['time'][11:13]}:{b['time'][13:15]}",
             "size_kib": round(b["bytes"] / 1024)} for b in store.backups()]
    emit(rows, [("id", "id"), ("time", "time"), ("size_kib", "KiB")], fmt.value,
         title=f"backups of {e.db}")
    if not rows:
        say("No backups yet: kam keeps one before every change.")


@app.command()
def restore(
    ctx: typer.Context,
    backup: Annotated[int | None, typer.Argument(  # noqa: UP007
        help="The backup id (default: the newest); see `kam backups`.")] = None,
) -> None:
    """Bring a backup back. The present state is backed up first, so this can be undone."""
    from kam.render import say

    e = env(ctx)
    with open_writer(e, create=False) as store:
        found = store.backups()
        if not found:
            raise BadInput("there are no backups to restore")
        chosen = backup if backup is not None else found[-1]["id"]
        store.restore(chosen)
        store.commit()
    say(f"Restored backup {chosen}; the state before it is now the newest backup "
        "(`kam restore` again to go back)")


@app.command()
def history(
    ctx: typer.Context,
    code: Annotated[str | None, typer.Argument(  # noqa: UP007
        help="One customer's code (default: every change).")] = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Every change kam made: when, who, which command, which fields, old and new."""
    from kam.render import emit, say
    from kam.store import open_store

    e = env(ctx)
    with open_store(e.db) as store:
        entries = store.history(code)
    if code is not None and not entries:
        raise BadInput(f"no history for {code!r} (see `kam list`)")
    if fmt == Fmt.json:
        from kam.render import print_json

        print_json(entries)
        return
    rows = [{**x, "changes": "; ".join(f"{k}: {_short(o)} → {_short(n)}"
                                       for k, (o, n) in x["changes"].items())}
            for x in entries]
    emit(rows, [("ts", "when"), ("user", "who"), ("command", "command"), ("code", "code"),
                ("action", "what"), ("changes", "changes")], fmt.value,
         title=f"history of {code}" if code else "history")
    if not rows:
        say("No changes recorded yet.")


def _short(v: Any) -> str:
    from kam.render import cell_text

    text = cell_text(v)
    return (text[:40] + "…") if len(text) > 40 else (text or "∅")


def _set_archived(ctx: typer.Context, code: str, value: bool) -> None:
    from kam.render import say

    e = env(ctx)
    with open_writer(e, create=False) as store:
        c = store.get(code)
        if c.archived == value:
            say(f"{code} is {'already' if value else 'not'} archived")
            return
        store.put(replace(c, archived=value, updated=e.stamp()))
        store.commit()
    say(f"{'Archived' if value else 'Unarchived'} {code} {c.name}"
        + (" (hidden from due, risk and list; --all shows it)" if value else ""))


@app.command()
def archive(ctx: typer.Context,
            code: Annotated[str, typer.Argument(help="客户编号 of the customer.")]) -> None:
    """Hide a customer from due, risk and list without deleting anything."""
    _set_archived(ctx, code, True)


@app.command()
def unarchive(ctx: typer.Context,
              code: Annotated[str, typer.Argument(help="客户编号 of the customer.")]) -> None:
    """Bring an archived customer back."""
    _set_archived(ctx, code, False)


@app.command()
def erase(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="客户编号 of the customer.")],
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask (for scripts).")] = False,
) -> None:
    """Erase a customer completely (PIPL): archive, history, log and every backup.

    A tombstone without personal data stays in the history. This cannot be undone.
    """
    from kam.render import say

    e = env(ctx)
    with open_writer(e, create=False) as store:
        c = store.get(code)
        if not yes:
            if not sys.stdin.isatty():
                raise BadInput(f"erasing {code} cannot be undone; confirm with --yes")
            if not typer.confirm(f"Erase {code} {c.name} and every copy of its data? "
                                 "This cannot be undone", default=False, err=True):
                raise BadInput("not erased")
        store.remove(code)
        store.remove_interactions(lambda i: i.code != code)
        store.scrub_batches(code)
        store.commit()
        files = store.erase(code)
    say(f"Erased {code}: removed from the archive and the log, scrubbed from {files} "
        "history and backup file(s)")
