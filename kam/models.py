"""The customer archive: dataclasses inside, dicts at the edges (store.py converts)."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, NamedTuple, TypedDict

# The 15 template columns with a key, in template order (序号 has none).
TEMPLATE_COLUMNS: tuple[tuple[str, str], ...] = (
    ("code", "客户编号"),
    ("name", "客户名称"),
    ("contact", "联系人"),
    ("title", "职务"),
    ("contact_info", "联系方式"),
    ("industry", "所属行业"),
    ("size", "企业规模"),
    ("value_level", "客户价值等级"),
    ("need", "核心需求类型"),
    ("stage", "合作阶段"),
    ("last_contact", "最近跟进时间"),
    ("last_summary", "跟进内容简述"),
    ("owner", "负责人"),
    ("tags", "状态标签"),
    ("note", "备注"),
)
TEMPLATE_KEYS = tuple(k for k, _ in TEMPLATE_COLUMNS)
HEADERS = dict(TEMPLATE_COLUMNS)
VOCAB_FIELDS = ("stage", "value_level")
# Fields a person edits directly (kam add / kam edit); the rest follow the log.
EDITABLE = tuple(k for k in TEMPLATE_KEYS if k not in ("last_contact", "last_summary"))

def is_import_key(key: str) -> bool:
    """A key a spreadsheet column can map to: a template key, next_follow_up or date.NAME."""
    return key in TEMPLATE_KEYS or key in ("next_follow_up", "lost_reason", "contacts") or (
        key.startswith("date.") and len(key) > 5)


# A spreadsheet runs a cell starting with one of these as a formula (OWASP
# ASVS 1.2.10): export keeps such text as text, import drops the guard quote.
FORMULA_LEAD = ("=", "+", "-", "@", "\t", "\r", "\0")

INTERACTION_KINDS = (
    "follow_up", "call", "visit", "email", "wechat", "meeting", "order", "payment",
    "complaint", "note",
)
CONTACT_ROLES = ("decision_maker", "influencer", "user", "purchaser", "finance", "technical",
                 "other")
# The decision chain in Chinese; any other role is kept as written.
ROLE_NAMES = {"决策人": "decision_maker", "决策者": "decision_maker", "影响人": "influencer",
              "影响者": "influencer", "使用人": "user", "使用者": "user", "采购": "purchaser",
              "财务": "finance", "技术": "technical", "其他": "other"}


class Rank(NamedTuple):
    """Where scoring puts a customer."""

    tier: str
    score: float


class Stats(TypedDict, total=False):
    """Aggregates of a customer's log that the daily commands read (kam/activity.py)."""

    orders: dict[str, float]  # ISO day -> amount in yuan, the last KEEP_DAYS
    first_order: str | None
    complaints: list[str]  # ISO days, the last KEEP_CONTACT_DAYS
    contacts: list[str]
    interactions: int


@dataclass(frozen=True, slots=True)
class Contact:
    """Another person at a customer: name, role, title and contact details."""

    name: str
    role: str = "other"
    title: str = ""
    contact_info: str = ""


# Not frozen: a frozen dataclass's __init__ sets each field through
# object.__setattr__, which made reading 10,000 customers 3x slower. Treat them
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
            d["contacts"] = [asdict(c) for c in self.contacts]
        for f in ("extra", "dates", "stats", "lost"):
            if f in d:
                d[f] = dict(d[f])
        return d


_CUSTOMER_ORDER = tuple(f.name for f in fields(Customer))
_CUSTOMER_FIELDS = frozenset(f.name for f in fields(Customer))
_CONTACT_FIELDS = frozenset(f.name for f in fields(Contact))
# The stored type of each customer field (None is allowed too); the store checks them.
FIELD_TYPES: dict[str, type] = {
    **dict.fromkeys(("code", "name", "contact", "title", "contact_info", "industry", "size",
                     "value_level", "need", "stage", "last_contact", "last_summary", "owner",
                     "note", "next_follow_up", "created", "updated"), str),
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
        # the fields of plain values by hand: asdict copies deeply, a tenth of an import
        return {"id": self.id, "code": self.code, "date": self.date, "kind": self.kind,
                "summary": self.summary, "amount": self.amount, "next": self.next,
                "created": self.created, "batch": self.batch}


_INTERACTION_FIELDS = frozenset(f.name for f in fields(Interaction))
