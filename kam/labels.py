"""The words tables show for keys: column headers, interaction kinds, contact roles.

JSON keys and the template's CSV headers never change with the language; what a
person reads in a table does. The Chinese catalogue gives the template's own
headers for its columns (a test checks they agree with models.HEADERS).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from kam.i18n import N_, language, t
from kam.schema import INTERACTION_KINDS

if TYPE_CHECKING:
    from kam.settings import Settings

COLUMNS = {
    "code": N_("Code"), "name": N_("Name"), "contact": N_("Contact"), "title": N_("Position"),
    "contact_info": N_("Contact info"), "industry": N_("Industry"), "size": N_("Size"),
    "value_level": N_("Value grade"), "need": N_("Core need"), "stage": N_("Stage"),
    "last_contact": N_("Last contact"), "last_summary": N_("Last summary"),
    "owner": N_("Owner"), "tags": N_("Tags"), "note": N_("Note"),
    "tier": N_("Tier"), "score": N_("Score"), "tier_label": N_("Tier name"),
    "next_follow_up": N_("Next follow-up"), "health": N_("Health"),
    "days_since_contact": N_("Days silent"), "reasons": N_("Reasons"), "kind_label": N_("What"),
    "kind": N_("Kind"), "due": N_("Date"), "when": N_("When"), "ts": N_("Time"),
    "user": N_("User"), "command": N_("Command"), "action": N_("Action"),
    "changes": N_("Changes"), "id": N_("Id"), "time": N_("Time"), "size_kib": N_("KiB"),
    "before": N_("Before (command)"), "file": N_("File"), "sheet": N_("Sheet"),
    "created": N_("Created"), "updated": N_("Updated"), "unchanged": N_("Unchanged"),
    "undone": N_("Undone"), "field": N_("Field"), "old": N_("Old"), "new": N_("New"),
    "date": N_("Date"), "summary": N_("Summary"), "amount": N_("Amount"), "next": N_("Next"),
    "role": N_("Role"), "indicator": N_("Indicator"), "source": N_("Source"),
    "raw": N_("Raw"), "value": N_("Value"), "normalised": N_("Normalised"),
    "weight": N_("Weight"), "points": N_("Points"), "row": N_("Row"), "column": N_("Column"),
    "target": N_("kam field"), "message": N_("Message"), "contacts": N_("Other contacts"),
    "dates": N_("Dates"), "extra": N_("Extra fields"), "lost": N_("Lost"),
    "archived": N_("Archived"), "aliases": N_("Old codes"), "count": N_("Count"),
    "customers": N_("Customers"),
}

KINDS = {
    "follow_up": N_("follow-up"), "call": N_("call"), "visit": N_("visit"),
    "email": N_("email"), "wechat": N_("WeChat"), "meeting": N_("meeting"),
    "order": N_("order"), "payment": N_("payment"), "complaint": N_("complaint"),
    "note": N_("note"), "birthday": N_("birthday"), "contract_end": N_("contract end"),
    "project_start": N_("project start"), "anniversary": N_("anniversary"),
    "contract_start": N_("contract start"),
}
# What people type for a kind, whatever the interface language (with the keys and
# the labels in the language of this run).
KIND_ALIASES = {
    "跟进": "follow_up", "回访": "follow_up", "跟踪": "follow_up", "followup": "follow_up",
    "follow-up": "follow_up", "电话": "call", "打电话": "call", "致电": "call", "来电": "call",
    "phone": "call", "拜访": "visit", "上门": "visit", "面访": "visit", "走访": "visit",
    "邮件": "email", "邮箱": "email", "mail": "email", "微信": "wechat", "会议": "meeting",
    "开会": "meeting", "会面": "meeting", "订单": "order", "下单": "order", "成交": "order",
    "回款": "payment", "付款": "payment", "收款": "payment", "投诉": "complaint",
    "抱怨": "complaint", "备注": "note", "记录": "note",
}


def column(key: str) -> str:
    """A table header for a key; keys kam does not know (extra columns) as they are."""
    label = COLUMNS.get(key)
    return t(label) if label else key


def field(key: str) -> str:
    """A field as the user knows it: its header (合作阶段 for stage), an extra column's own
    name (微信 for extra.微信), a named date's name (生日 for dates.birthday)."""
    for prefix in ("extra.", "dates.", "date."):
        if key.startswith(prefix):
            rest = key[len(prefix):]
            return rest if prefix == "extra." else kind(rest)
    return column(key)


def term(settings: Settings, field: str, key: str | None) -> str:
    """A stage or value grade as a table shows it: its English label in English (when
    kam.yaml gives one), else its label (the spreadsheets' word)."""
    for x in settings.vocab[field].terms:
        if x.key == key:
            return x.en if x.en and language() == "en" else x.label
    return key or ""


def value(settings: Settings, field: str, value: Any) -> Any:
    """A field's value as a table shows it: a stage or a value grade by its label (term),
    anything else as it is."""
    if field in settings.vocab and isinstance(value, str):
        return term(settings, field, value)
    return value


def tier(settings: Settings, name: str) -> str:
    """A tier's label in the language of the run (see term)."""
    for x in settings.tiers:
        if x.name == name:
            return x.en if x.en and language() == "en" else x.label
    return ""


def kind(key: str) -> str:
    """An interaction kind in the run's language, from its key or any word kind_key
    knows (电话 is "call" in English)."""
    label = KINDS.get(key) or KINDS.get(kind_key(key) or "")
    return t(label) if label else key


def kind_key(text: str) -> str | None:
    """The interaction kind a person typed: its key, its label in any language, an alias."""
    word = text.strip()
    low = word.casefold()
    if low in INTERACTION_KINDS:
        return low
    found = KIND_ALIASES.get(word) or KIND_ALIASES.get(low)
    if found:
        return found
    for key in INTERACTION_KINDS:
        if low in (KINDS[key].casefold(), t(KINDS[key]).casefold()):
            return key
    return None


# Chinese names of the keys that are not template columns (the template's own
# headers are models.HEADERS), understood whatever the interface language.
CHINESE_KEYS = {"评分": "score", "分数": "score", "分层": "tier", "层级": "tier",
                "下次跟进": "next_follow_up", "下次跟进时间": "next_follow_up",
                "下次跟进日期": "next_follow_up", "更新时间": "updated", "创建时间": "created",
                "标签": "tags", "客户标签": "tags", "流失原因": "lost_reason"}
# Filters name the tags field `tag` (one tag); the record names it `tags`.
_SAME = {"tag": "tags", "tags": "tag"}


def field_key(text: str, allowed: Iterable[str]) -> str | None:
    """The key of a field a person named: the key itself (any case), the template's
    header (客户名称), its table header in this run's language, or a Chinese name."""
    from kam.schema import HEADERS

    word = text.strip()
    low = word.casefold()
    keys = list(allowed)
    for key in keys:
        label = COLUMNS.get(key)
        if low == key.casefold() or word == HEADERS.get(key) or (
                label and low in (label.casefold(), t(label).casefold())):
            return key
    found = CHINESE_KEYS.get(word) or next(
        (k for k, header in HEADERS.items() if header == word), None)
    if found is not None and found not in keys:
        found = _SAME.get(found)
    return found if found in keys else None
