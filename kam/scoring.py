"""Scores and tiers from the weights in kam.yaml. Pure functions, no I/O."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any, NamedTuple

from kam.activity import Windows
from kam.dates import parse_date
from kam.i18n import N_, language, t
from kam.schema import HEADERS, Rank
from kam.settings import Indicator, Settings, Tier
from kam.text import pattern

if TYPE_CHECKING:
    from kam.models import Customer

_MULT = {"万": 1e4, "w": 1e4, "亿": 1e8, "k": 1e3, "千": 1e3, "元": 1.0}
_NUM = pattern(r"^([-+]?\d+(?:\.\d+)?)\s*(%|万元|万|亿元|亿|元|k|w|千)?$", re.IGNORECASE)


class Part(NamedTuple):
    """One indicator's contribution to a score."""

    indicator: str
    raw: Any  # the value as found (None when missing)
    value: float | str | None  # in the indicator's unit, or the category
    normalised: float  # 0..1
    weight: float
    points: float
    missing: bool
    source: str = ""  # where the value came from (extra.年采购额, derived.years, ...)
    scale: float = 1.0  # the factor the customer's points were scaled by


class Score(NamedTuple):
    code: str
    score: float  # 0..100
    tier: str
    tier_label: str
    parts: tuple[Part, ...]


def parse_amount(raw: Any, unit: str) -> float:
    """A figure in the indicator's unit from 300, '300万', '80%', '0.8', '1.2亿'.

    Raises ValueError for text that is not a figure.
    """
    if isinstance(raw, bool):
        raise ValueError(t("not a number: {raw!r}", raw=raw))
    if isinstance(raw, (int, float)):
        value, suffix = float(raw), None
        if unit != "ratio":
            return value
    else:
        s = unicodedata.normalize("NFKC", str(raw)).strip().replace(",", "").replace("¥", "")
        m = _NUM.match(s)
        if not m:
            raise ValueError(t("not a number: {raw!r}", raw=raw))
        value, suffix = float(m.group(1)), (m.group(2) or "").lower() or None
    if suffix == "%":
        return value / 100 if unit == "ratio" else value
    if unit == "ratio":
        return value / 100 if value > 1 else value
    if suffix:
        yuan = value * _MULT[suffix[0]]
        return yuan / 1e4 if unit == "10k" else yuan
    return value


# What one indicator makes of a customer: (raw value as found, value in the
# indicator's terms or None when missing or unreadable, share of the weight 0..1,
# the source the value came from).
Reading = tuple[Any, "float | str | None", float, str]
Measure = Callable[["Customer"], Reading]
_MISSING: Reading = (None, None, 0.0, "")
_YEAR_MONTH = pattern(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?$")


# Days the log must reach back from the first order before its yearly figures count.
ORDER_HISTORY_DAYS = 90


def years_of(raw: Any, today: date) -> float:
    """Years as a figure (5, '5年', 4.5) or since a start date (2021-03-01, 2021年3月).

    Raises ValueError for anything else.
    """
    if isinstance(raw, date):
        start = raw
    else:
        text = unicodedata.normalize("NFKC", str(raw)).strip()
        m = _YEAR_MONTH.match(text)
        try:
            start = date(int(m.group(1)), int(m.group(2)), 1) if m else parse_date(text)
        except ValueError:
            return parse_amount(text.removesuffix("年").strip(), "number")
    return max(0.0, (today - start).days / 365.25)


class Scorer:
    """Scores customers for one day. Each indicator is compiled once into a Measure;
    the totals, the breakdown and --explain all come from those measures.

    A customer is scored on what is known of it: when the indicators it has values for
    carry less than the whole of the positive weights, its points are scaled up to
    them, but never by more than up to settings.min_known of the weights.
    """

    def __init__(self, settings: Settings, today: date):
        self.settings, self.today = settings, today
        self.windows = Windows(today)
        self._measures = [(ind, self._compile(ind)) for ind in settings.indicators]
        self._positive = sum(ind.weight for ind in settings.indicators if ind.weight > 0)
        self._floor = settings.min_known * self._positive

    def derived(self, name: str, c: Customer) -> float | None:
        """A figure derived from the customer's log aggregates (amounts in yuan). The
        figures of a year of orders (amount, tenure, repurchase) are unknown until the
        first order is ORDER_HISTORY_DAYS old: one order logged today says nothing yet of
        a year, and counting it as a year's worth would lower the score."""
        st = c.stats or {}
        orders: dict[str, float] = st.get("orders") or {}
        w = self.windows
        if name in ("order_amount_12m", "years", "repurchase_rate"):
            start = st.get("first_order")
            if not start or (self.today - date.fromisoformat(start)).days < ORDER_HISTORY_DAYS:
                return None
        if name == "order_amount_12m":  # the amounts known (none this year: 0): an order
            # logged without its amount adds nothing, and never makes a known 0 unknown
            return w.total(orders, 0, 365)
        if name == "years":  # of cooperation: since the first order kam knows of
            return (self.today - date.fromisoformat(st["first_order"])).days / 365.25
        if name == "repurchase_rate":  # months of the last 12 with an order
            return w.months(orders, 365) / 12
        if name == "interactions_90d":
            return float(w.count(st.get("contacts") or [], 90))
        if name == "complaints_90d":
            return float(w.count(st.get("complaints") or [], 90))
        if name == "days_since_contact":
            if not c.last_contact:
                return None
            return float((self.today - date.fromisoformat(c.last_contact)).days)
        raise KeyError(name)

    def _readings(self, c: Customer) -> tuple[list[tuple[Indicator, Reading]], float]:
        """Each indicator's reading, and the factor its points are scaled by."""
        readings = [(ind, measure(c)) for ind, measure in self._measures]
        known = sum(ind.weight for ind, r in readings if ind.weight > 0 and r[1] is not None)
        scale = self._positive / max(known, self._floor) if known else 1.0
        return readings, scale

    def parts(self, c: Customer) -> tuple[Part, ...]:
        """Each indicator's contribution, for --explain (points after the scale)."""
        readings, scale = self._readings(c)
        return tuple(Part(ind.name, raw, value, round(share, 4), ind.weight,
                          round(share * ind.weight * (scale if ind.weight > 0 else 1), 2) + 0.0,
                          value is None, source, round(scale, 4))
                     for ind, (raw, value, share, source) in readings)

    def score(self, c: Customer) -> Score:
        """Weighted sum of the indicators, clamped to 0..100, the tier it reaches, the parts."""
        tier, total = self.rank(c)
        return Score(c.code, total, tier, _tier(self.settings, tier).label, self.parts(c))

    def breakdown(self, c: Customer) -> tuple[Rank, dict[str, float]]:
        """The rank (rank()'s, added up in the same order) and indicator -> points
        (rounded for display)."""
        rank, points, _missing = self.scored(c)
        return rank, points

    def scored(self, c: Customer) -> tuple[Rank, dict[str, float], list[int]]:
        """breakdown(), and the places (in settings.indicators) of the indicators
        without a value (missing()), from one reading of each."""
        readings, scale = self._readings(c)
        positive = sum(r[2] * ind.weight for ind, r in readings if ind.weight > 0)
        negative = sum(r[2] * ind.weight for ind, r in readings if ind.weight <= 0)
        points = {ind.name: round(r[2] * ind.weight * (scale if ind.weight > 0 else 1), 2) + 0.0
                  for ind, r in readings}
        missing = [i for i, (_ind, r) in enumerate(readings) if r[1] is None]
        return self._rank(positive * scale + negative), points, missing

    def missing(self, c: Customer) -> list[int]:
        """The places (in settings.indicators) of the indicators without a value."""
        return [i for i, (_ind, measure) in enumerate(self._measures) if measure(c)[1] is None]

    def rank(self, c: Customer) -> Rank:
        """(tier, score): the hot path of due, risk and list."""
        positive = negative = known = 0.0
        for ind, measure in self._measures:
            _raw, value, share, _src = measure(c)
            if ind.weight > 0:
                positive += share * ind.weight
                if value is not None:
                    known += ind.weight
            else:
                negative += share * ind.weight
        scale = self._positive / max(known, self._floor) if known else 1.0
        return self._rank(positive * scale + negative)

    def _rank(self, exact: float) -> Rank:
        total = round(min(100.0, max(0.0, exact)), 1)
        return Rank(tier_for(total, self.settings.tiers).name, total)

    def _compile(self, ind: Indicator) -> Measure:
        getters = [(source, self._getter(ind, source)) for source in ind.sources]
        unit, today = ind.unit, self.today
        table = {k.strip().casefold(): v for k, v in ind.table.items()}
        vocab = next((s[6:] for s in ind.sources if s in ("field.stage", "field.value_level")),
                     None)
        # a vocabulary field's alias (高, A) counts as its key (high)
        lookup = self.settings.vocab[vocab].lookup if vocab else None

        def raw_of(c: Customer) -> tuple[Any, str]:
            for source, get in getters:
                v = get(c)
                if v is not None and v != "" and v != []:
                    return v, source
            return None, ""

        def category(item: Any) -> tuple[str, float | None]:
            key = str(item)
            if lookup is not None:
                key = lookup(key) or key
            return key, table.get(key.strip().casefold())

        def categorical(c: Customer) -> Reading:
            raw, source = raw_of(c)
            if raw is None:
                return _MISSING
            if isinstance(raw, list):  # tags: the best of them
                found = [(k, v) for k, v in map(category, raw) if v is not None]
                if not found:
                    return raw, "、".join(map(str, raw)), 0.0, source
                best = max(found, key=lambda kv: kv[1])
                return raw, best[0], best[1], source
            key, share = category(raw)
            return raw, key, share or 0.0, source

        def numeric(c: Customer) -> Reading:
            raw, source = raw_of(c)
            if raw is None:
                return _MISSING
            if type(raw) is float and unit not in ("ratio", "years"):
                value = raw
            else:
                try:
                    value = years_of(raw, today) if unit == "years" else parse_amount(raw, unit)
                except ValueError:
                    return raw, None, 0.0, source
            return raw, value, _normalise(ind, value), source

        return categorical if ind.table else numeric

    def _getter(self, ind: Indicator, source: str) -> Callable[[Customer], Any]:
        kind, _, sub = source.partition(".")
        if kind == "derived":
            if sub == "order_amount_12m" and ind.unit == "10k":
                return lambda c: (lambda v: None if v is None else v / 1e4)(self.derived(sub, c))
            return lambda c: self.derived(sub, c)
        if kind == "field":
            return lambda c: (lambda v: list(v) if isinstance(v, tuple) else v)(
                getattr(c, sub, None))
        return lambda c: c.extra.get(sub)


def _tier(settings: Settings, name: str) -> Tier:
    return next(t for t in settings.tiers if t.name == name)


def _normalise(ind: Indicator, value: float) -> float:
    if ind.steps:
        for at_least, share in ind.steps:
            if value >= at_least:
                return share
        return 0.0
    assert ind.floor is not None and ind.cap is not None
    share = (value - ind.floor) / (ind.cap - ind.floor)
    return min(1.0, max(0.0, share))


def tier_for(total: float, tiers: tuple[Tier, ...]) -> Tier:
    for tier in tiers:
        if total >= tier.min:
            return tier
    return tiers[-1]


def score(c: Customer, settings: Settings, today: date) -> Score:
    return Scorer(settings, today).score(c)


def ranks(customers: list[Customer], settings: Settings, today: date) -> dict[str, Rank]:
    """code -> Rank for many customers, fast."""
    scorer = Scorer(settings, today)
    return {c.code: scorer.rank(c) for c in customers}


# Where a template field or a derived figure comes from, for a person.
_WHERE = {f"field.{k}": k for k in HEADERS} | {
    "derived.days_since_contact": "last_contact", "derived.order_amount_12m": N_("orders logged"),
    "derived.years": N_("orders logged"), "derived.repurchase_rate": N_("orders logged")}


def _where(source: str) -> str:
    """Where an indicator looks, in the user's words."""
    from kam.labels import COLUMNS

    found = _WHERE.get(source)
    if found is None:
        return source
    return t(COLUMNS[found]) if found in COLUMNS else t(found)


_DERIVED_NAMES = {"complaints_90d": N_("complaints, 90 days"),
                  "interactions_90d": N_("follow-ups, 90 days"),
                  "order_amount_12m": N_("orders, 12 months"), "years": N_("years of orders"),
                  "repurchase_rate": N_("repurchase rate"),
                  "days_since_contact": N_("days silent")}


def source_label(source: str) -> str:
    """Where an indicator's value came from (derived.years, field.stage, extra.年采购额),
    in the user's words."""
    kind, _, name = source.partition(".")
    if kind == "derived" and name in _DERIVED_NAMES:
        return t(_DERIVED_NAMES[name])
    if kind == "field":
        return _where(source)
    return name or source


def indicator_label(ind: Indicator) -> str:
    """An indicator as a table heads it, in the user's words: the sheet's column it reads
    (年采购额), the template's header (合作阶段), or what kam works out (days silent).
    Of several columns, the first in the language of the run (年采购额 in Chinese,
    annual_purchase in English)."""
    extras = [s.partition(".")[2] for s in ind.sources if s.startswith("extra.")]
    if extras:
        chinese = language() == "zh"
        return next((x for x in extras if x.isascii() != chinese), extras[0])
    source = ind.sources[0] if ind.sources else ""
    if source.startswith("field."):
        return _where(source)
    name = source.partition(".")[2] if source.startswith("derived.") else ind.name
    return t(_DERIVED_NAMES[name]) if name in _DERIVED_NAMES else ind.name


def blind_spots(customers: list[Customer], scorer: Scorer) -> list[tuple[str, str, int, int]]:
    """Indicators without a value for most customers: (indicator, where it looks first,
    customers without a value, customers). Scores say little about those."""
    counts = [0] * len(scorer.settings.indicators)
    for c in customers:
        for i in scorer.missing(c):
            counts[i] += 1
    return blind_counts(scorer.settings, counts, len(customers))


def blind_counts(settings: Settings, counts: list[int], total: int
                 ) -> list[tuple[str, str, int, int]]:
    """blind_spots() from how many customers lack each indicator (in settings order)."""
    if not total:
        return []
    out = []
    for ind, missing in zip(settings.indicators, counts, strict=True):
        if ind.weight <= 0:
            continue
        if missing * 2 > total:
            looks = next((s.partition(".")[2] for s in ind.sources if s.startswith("extra.")),
                         None) or _where(ind.sources[0])
            out.append((ind.name, looks, missing, total))
    return out
