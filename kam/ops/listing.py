"""Reading the archive: `kam list`, `kam search` and shell completion. Read-only, and
without the customer classes' dataclasses: `kam list` reads the daily view."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple

from kam import records
from kam.errors import BadInput
from kam.i18n import t
from kam.ops.context import Context
from kam.records import Filter
from kam.schema import Rank
from kam.text import folded

if TYPE_CHECKING:
    pass


class Listed(NamedTuple):
    """Customer records as they leave (records.present), and how many customers were
    looked at (to tell "none match" from "none yet")."""

    records: list[Any]  # dicts, or formats.Encoded (listing)
    archive_size: int


def listing(ctx: Context, f: Filter, sort: str = "code", include_archived: bool = False,
            masked: bool = False, labels: bool = False, encoded: bool = False) -> Listed:
    """`kam list`: the customers matching the filters, sorted, from the daily view
    (ops/view.py), whose rows keep each customer's records.plain_record. encoded=True
    (for JSON output): records neither masked nor labelled may come as the JSON text the
    view keeps (formats.Encoded), not parsed and encoded again."""
    import json

    from kam.formats import Encoded
    from kam.ops import view

    text = encoded and not masked and not labels
    rows = [r for r in view.rows(ctx, (view.LIST_TEXT if text else view.LIST,))
            if include_archived or not r.archived]
    f = f.resolved(ctx.settings)
    ranks = {r.code: Rank(r.tier, r.score) for r in rows}
    chosen = records.sort_customers([r for r in rows if records.matches(r, f, r.tier)], sort,
                                    ranks)
    out: list[Any] = []
    for r in chosen:
        record = r.record
        if not text:
            record = json.loads(record) if isinstance(record, Encoded) else record
            record = records.present(record or {}, ctx.settings, masked=masked, labels=labels)
        out.append(record)
    return Listed(out, len(rows))


def search(ctx: Context, text: str, include_archived: bool = False, masked: bool = False,
           labels: bool = False) -> Listed:
    """Customers whose fields, extras, contacts or follow-up summaries hold the text."""
    from kam.scoring import ranks

    needle = folded(text.strip())
    if not needle:
        raise BadInput(t("search text is empty"))
    phone = records.phone_query(text)  # 139 5678 1234 finds 13956781234, and the reverse
    with ctx.reader() as store:
        customers = store.customers(include_archived=include_archived)
        in_log = {i.code for i in store.interactions() if needle in folded(i.summary)}
    found = [c for c in customers if c.code in in_log or needle in records.haystack(c)
             or phone is not None and records.has_phone(c, phone)]
    rank = ranks(found, ctx.settings, ctx.today)
    return Listed([records.record(c, rank[c.code], ctx.settings, masked=masked, labels=labels)
                   for c in found], len(customers))


def keep_words(ctx: Context) -> None:
    """Write the words shell completion reads (store.words.save_words) for an archive
    that has none yet: writers keep them on every change. Under the writers' lock, had
    at once, or not at all; silent, like a Tab press."""
    from kam.store import words
    from kam.store.files import try_locked

    if not ctx.db.is_file() or words.words_path(ctx.db).exists():
        return
    with try_locked(ctx.db.with_name(ctx.db.name + ".lock")) as mine:
        if not mine:
            return
        with ctx.reader() as store:
            docs = [c.to_doc() for c in store.customers(include_archived=True)]
        words.save_words(ctx.db, docs, lambda n: t("{count} customers", count=n))
