"""The settings the core reads: named tuples (immutable values, and no dataclass to
set up at start-up), built by kam/config.py.

Kept beside the models so that the pure core (scoring, follow-up, columns)
never imports the YAML loader.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import NamedTuple

DERIVED = ("order_amount_12m", "years", "repurchase_rate", "interactions_90d", "complaints_90d",
           "days_since_contact")
UNITS = ("number", "yuan", "10k", "ratio", "years")


class Term(NamedTuple):
    """A vocabulary term: its canonical key, its label (spreadsheets, Chinese tables),
    the aliases it is known by, and its English label (English tables; none: the label)."""

    key: str
    label: str
    aliases: tuple[str, ...]
    en: str = ""


class Vocabulary(NamedTuple):
    """The terms of one vocabulary field (stage, value_level), in kam.yaml order."""

    field: str
    terms: tuple[Term, ...]
    words: dict[str, str]  # norm_word(key, label or alias) -> key: vocabulary() makes it

    def label(self, key: str | None) -> str:
        for t in self.terms:
            if t.key == key:
                return t.label
        return key or ""

    def lookup(self, text: str) -> str | None:
        """The canonical key for a key, label or alias (case and spaces ignored)."""
        return self.words.get(text) or self.words.get(norm_word(text))

    def keys(self) -> list[str]:
        return [t.key for t in self.terms]


def vocabulary(name: str, terms: tuple[Term, ...]) -> Vocabulary:
    """A vocabulary with its words worked out once: the first term wins a shared alias."""
    words: dict[str, str] = {}
    for term in reversed(terms):
        for word in (*term.aliases, term.label, term.key):
            words[norm_word(word)] = term.key
    return Vocabulary(name, terms, words)


class Indicator(NamedTuple):
    """A scoring indicator: where its value comes from, its weight and how it is scaled."""

    name: str
    sources: tuple[str, ...]  # "derived.X", "field.X" or "extra.X"; the first present counts
    weight: float
    unit: str = "number"
    floor: float | None = None
    cap: float | None = None
    steps: tuple[tuple[float, float], ...] = ()
    table: dict[str, float] = {}  # noqa: RUF012 - a value: never changed in place


class Tier(NamedTuple):
    """A tier (A, B, C ...), its label (and English label), the lowest score reaching it."""

    name: str
    label: str
    min: float
    en: str = ""


class DateRule(NamedTuple):
    """How a named date reminds: every year or once, how many days ahead, how long after."""

    yearly: bool = False
    lead: int = 7
    grace: int = 7
    aliases: tuple[str, ...] = ()


class Urgency(NamedTuple):
    """The terms of `kam due`'s ranking (like Taskwarrior's urgency coefficients)."""

    late_day: float = 1.0
    late_cap: int = 30
    score: float = 0.1
    tier: dict[str, float] = {}  # noqa: RUF012 - never changed in place
    stage: dict[str, float] = {}  # noqa: RUF012 - never changed in place
    kind: dict[str, float] = {}  # noqa: RUF012 - never changed in place


class RiskSettings(NamedTuple):
    """The churn warning: the health threshold, the marks in days and the signals' weights."""

    threshold: float
    churn_days: int
    dormant_days: int
    weights: dict[str, float]
    orders_drop: float = 0.5  # orders down this much (0.5 = 50%) alone puts on the watch list
    complaints: int = 2  # this many complaints in 90 days alone puts on the watch list


class Settings(NamedTuple):
    """Everything kam.yaml sets, as the core reads it (built by kam/config.py)."""

    vocab: dict[str, Vocabulary]
    indicators: tuple[Indicator, ...]
    tiers: tuple[Tier, ...]
    cadence_default: int
    cadence_tier: dict[str, int]
    cadence_stage: dict[str, int]
    upcoming_days: int
    date_rules: dict[str, DateRule]
    risk: RiskSettings
    slash_order: str
    import_aliases: dict[str, tuple[str, ...]]
    mask_by_default: bool
    date_names: dict[str, str]  # norm_word(name or alias) -> canonical name: date_names()
    path: Path | None = None
    backups: tuple[int, int] = (20, 30)  # newest kept, days with one a day
    min_known: float = 0.5  # scoring: the share of the weights a score is scaled up to at most
    urgency: Urgency = Urgency()
    lost_reasons: tuple[str, ...] = ("价格", "服务", "产品质量", "竞争对手", "需求变化", "其他")

    def date_name(self, name: str) -> str:
        """The canonical name of a named date (生日 -> birthday); other names as given."""
        return self.date_names.get(norm_word(name)) or name.strip()

    def date_rule(self, name: str) -> DateRule:
        rule = self.date_rules.get(name) or self.date_rules.get(self.date_name(name))
        return rule or self.date_rules.get("default") or DateRule()


def date_names(rules: dict[str, DateRule]) -> dict[str, str]:
    """norm_word(name or alias) -> the canonical name of a named date, for Settings."""
    index: dict[str, str] = {}
    for canonical, rule in rules.items():
        for word in (canonical, *rule.aliases):
            index.setdefault(norm_word(word), canonical)
    return index


# Traditional characters of the headers and words kam knows, as Big5 sheets from Hong Kong and
# Taiwan partners write them (客戶名稱, 聯絡人, 備註): headers and
# vocabulary words (長期合作, 潛在客戶) match in either script.
SIMPLIFIED = str.maketrans(
    "戶稱聯絡係備註價級業規階後時間內簡負責標籤簽電話號碼郵務職員單額購買類狀態資訊區門發"
    "戰潛議談長期終週於與錄訪歷紀機構屬產據數帳務來實際",
    "户称联络系备注价级业规阶后时间内简负责标签签电话号码邮务职员单额购买类状态资讯区门发"
    "战潜议谈长期终周于与录访历纪机构属产据数账务来实际")


def norm_word(text: str) -> str:
    return re.sub(r"\s+", "", str(text)).casefold().translate(SIMPLIFIED)
