"""Data safety: backups, restore, history, archive and erase."""

from __future__ import annotations

import contextlib
from dataclasses import replace
from typing import Any

from kam.errors import BadInput, NotFound
from kam.i18n import t
from kam.models import Customer
from kam.ops.context import Context


def backups(ctx: Context) -> list[dict[str, Any]]:
    """The backups kept before each change, oldest first."""
    from kam.store.db import Store
    from kam.store.layout import require_database

    require_database(ctx.db)
    return [{"id": b["id"], "time": f"{b['time'][:4]}-{b['time'][4:6]}-{b['time'][6:8]} "
             f"{b['time'][9:11]}:{b['time'][11:13]}:{b['time'][13:15]}",
             "before": b["label"], "customers": b["touched"], "size_kib": round(b["bytes"] / 1024)}
            for b in Store(ctx.db, False).backups()]


def restore(ctx: Context, backup: int | None = None) -> int:
    """Bring a backup back (the newest by default); the present is backed up first."""
    with ctx.writer() as store:
        found = store.backups()
        if not found:
            raise BadInput(t("there are no backups to restore"))
        chosen = backup if backup is not None else int(found[-1]["id"])
        store.restore(chosen)
        store.commit()
    return chosen


def history(ctx: Context, code: str | None = None, masked: bool | None = None
            ) -> list[dict[str, Any]]:
    """Every committed change, oldest first (for one customer, or all); old and new values
    masked like any other output of personal data."""
    from kam.privacy import mask_value

    with ctx.reader() as store:
        if code is not None and store.find(code) is None:
            with contextlib.suppress(NotFound):  # an erased customer's code stays as given
                code = store.resolve(code)
        entries = store.read_history(code)
    if code is not None and not entries:
        raise BadInput(t("no history for {code!r} (see `kam list`)", code=code))
    if ctx.settings.mask_by_default if masked is None else masked:
        entries = [{**e, "changes": {k: [_mask_field(k, v, mask_value) for v in pair]
                                     for k, pair in e.get("changes", {}).items()}}
                   for e in entries]
    return entries


def _mask_field(key: str, value: Any, mask_value: Any) -> Any:
    from kam.privacy import mask_extra

    return mask_extra(key, value) if key == "contact_info" else mask_value(value)


def set_archived(ctx: Context, code: str, value: bool) -> tuple[Customer, bool]:
    """Archive (hide from due, risk and list) or bring back; (customer, changed)."""
    with ctx.writer() as store:
        c = store.get(code)
        if c.archived == value:
            return c, False
        c = replace(c, archived=value, updated=ctx.stamp())
        store.put(c)
        store.commit()
    return c, True


def get(ctx: Context, code: str) -> Customer:
    with ctx.reader() as store:
        return store.get(code)


def erase(ctx: Context, code: str) -> Customer | None:
    """Erase a customer completely (PIPL): archive, log, batches, history, every backup.

    A tombstone without personal data stays in the history. Cannot be undone.
    None: the customer was erased before (an interrupted erasure is finished on opening).
    """
    with ctx.writer() as store:
        c = store.find(code)
        if c is None and any(e.get("action") == "erased" for e in store.read_history(code)):
            return None
        c = store.get(code)
        store.erase(c.code)
        store.commit()
    return c
