"""The names and shapes of kam's data: the template's columns, the kinds of follow-up,
the roles of contacts, a rank. Plain constants and tuples: the daily commands read
these without the customer classes of kam/models.py (and the dataclasses module)."""

from __future__ import annotations

from typing import NamedTuple, TypedDict

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
# The decision chain in Chinese; any other role is kept as written.
ROLE_NAMES = {"决策人": "decision_maker", "决策者": "decision_maker", "影响人": "influencer",
              "影响者": "influencer", "使用人": "user", "使用者": "user", "采购": "purchaser",
              "财务": "finance", "技术": "technical", "其他": "other"}
# A role as a spreadsheet shows it (the first name of each above): 决策人, not decision_maker.
ROLE_LABELS = {key: name for name, key in reversed(ROLE_NAMES.items())}


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


class Contact(NamedTuple):
    """Another person at a customer: name, role, title and contact details."""

    name: str
    role: str = "other"
    title: str = ""
    contact_info: str = ""
