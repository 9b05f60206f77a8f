"""One customer's whole archive (`kam show`): the record, health, next follow-up and
follow-ups, read from kam.json and the follow-up log (the customer's lines only)."""

from __future__ import annotations

from typing import Any, NamedTuple

from kam import records
from kam.ops.context import Context


class Archive(NamedTuple):
    """One customer's whole archive: JSON document, labelled fields, why it is next due."""

    doc: dict[str, Any]
    labelled: dict[str, Any]
    why: str


def show(ctx: Context, code: str, masked: bool) -> Archive:
    from kam.followup import health, next_contact
    from kam.privacy import mask_value
    from kam.scoring import Scorer

    with ctx.reader() as store:
        c = store.get(code)
        history = list(reversed(store.interactions(c.code)))
    rank = Scorer(ctx.settings, ctx.today).rank(c)
    when, why = next_contact(c, rank.tier, ctx.settings)
    h = health(c, rank.tier, ctx.settings, ctx.today)
    doc = records.record(c, rank, ctx.settings, masked=masked)
    if c.contact_role:  # the main contact's role (kam contact edit CODE NAME --role ...)
        doc["contact_role"] = c.contact_role
    doc.update(created=c.created, updated=c.updated, health=h.health,
               health_reasons=list(h.reasons),
               next_due=when.isoformat() if when else None,
               interactions=[{k: mask_value(v) if masked and k == "summary" else v
                              for k, v in i.to_doc().items() if k not in ("code", "batch")}
                             for i in history])
    labelled = records.record(c, rank, ctx.settings, masked=masked, labels=True)
    return Archive(doc, labelled, why)
