"""The customer archive: dataclasses inside, dicts at the edges (store.py converts).
The constants of the template and the small value types are in kam/schema.py."""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any

from kam.schema import Contact, Stats


# Not frozen: a frozen dataclass's __init__ sets each field through
# object.__setattr__, which made reading many customers much slower. Treat them
# as values all the same: change them with dataclasses.replace().
@dataclass(slots=True)
class Customer:
    """One customer's archive (客户档案): the template's fields, extras, dates, contacts
    and the kept aggregates of its follow-ups."""

    code: str
    name: str
    contact: str = ""
    title: str = ""
    contact_info: str = ""
    industry: str = ""
    size: str = ""
    value_level: str | None = None
    need: str = ""
    stage: str | None = None
    last_contact: str | None = None  # ISO date of the newest dated interaction
    last_summary: str = ""
    owner: str = ""
    tags: tuple[str, ...] = ()
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)
    contacts: tuple[Contact, ...] = ()
    dates: dict[str, str] = field(default_factory=dict)  # name -> ISO date
    next_follow_up: str | None = None
    created: str = ""  # ISO timestamp
    updated: str = ""
    archived: bool = False
    lost: dict[str, str] = field(default_factory=dict)  # reason, note, date (stage lost)
    contact_role: str = ""  # the main contact's role in the decision chain (决策人, ...)
    # the commit that last changed it (kam undo compares it); not part of its value
    gen: int = field(default=0, compare=False)
    # Aggregates of the interaction log that the daily commands need, so that
    # they never read the log file (notes/performance.md).
    stats: Stats = field(default_factory=lambda: Stats())
    # Keys this kam does not know (written by a newer one, or by hand): kept as they are.
    unknown: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Customer:
        d = dict(doc)
        if "tags" in d:
            d["tags"] = tuple(d["tags"] or ())
        if "contacts" in d:
            d["contacts"] = tuple(Contact(**{k: v for k, v in c.items() if k in _CONTACT_FIELDS})
                                  for c in d["contacts"] or ())
        try:
            return cls(**d)
        except TypeError:
            known = {k: v for k, v in d.items() if k in _CUSTOMER_FIELDS and k != "unknown"}
            return cls(**known, unknown={k: v for k, v in d.items() if k not in known})

    def to_doc(self) -> dict[str, Any]:
        """The stored form: fields at their default are left out (a smaller, faster file)."""
        d: dict[str, Any] = {}
        for f in _CUSTOMER_ORDER:
            v = getattr(self, f)
            if v or f in ("code", "name"):
                d[f] = v
        d.pop("unknown", None)
        d.update(self.unknown)
        if self.tags:
            d["tags"] = list(self.tags)
        if self.contacts:
            d["contacts"] = [c._asdict() for c in self.contacts]
        for f in ("extra", "dates", "stats", "lost"):
            if f in d:
                d[f] = dict(d[f])
        return d


_CUSTOMER_ORDER = tuple(f.name for f in fields(Customer))
_CUSTOMER_FIELDS = frozenset(f.name for f in fields(Customer))
_CONTACT_FIELDS = frozenset(Contact._fields)
# The stored type of each customer field (None is allowed too); the store checks them.
FIELD_TYPES: dict[str, type] = {
    **dict.fromkeys(("code", "name", "contact", "title", "contact_info", "industry", "size",
                     "value_level", "need", "stage", "last_contact", "last_summary", "owner",
                     "note", "next_follow_up", "created", "updated", "contact_role"), str),
    "tags": list, "contacts": list, "extra": dict, "dates": dict, "stats": dict, "lost": dict,
    "gen": int,
    "archived": bool,
}


@dataclass(slots=True)
class Interaction:
    """One follow-up, order, complaint, ... in the follow-up log."""

    id: str
    code: str
    date: str  # ISO date
    kind: str
    summary: str
    amount: float | None = None
    next: str | None = None
    created: str = ""
    batch: str | None = None  # the import batch that created it, for undo

    @classmethod
    def from_doc(cls, doc: dict[str, Any]) -> Interaction:
        try:  # the usual case, 100,000 times for a review: exactly the fields
            return cls(**doc)
        except TypeError:  # a field this kam does not know (a newer kam wrote it)
            return cls(**{k: v for k, v in doc.items() if k in _INTERACTION_FIELDS})

    def to_doc(self) -> dict[str, Any]:
        # the fields of plain values by hand: asdict copies deeply, a cost on every import
        return {"id": self.id, "code": self.code, "date": self.date, "kind": self.kind,
                "summary": self.summary, "amount": self.amount, "next": self.next,
                "created": self.created, "batch": self.batch}


_INTERACTION_FIELDS = frozenset(f.name for f in fields(Interaction))
