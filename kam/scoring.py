"""Scores and tiers from the weights in kam.yaml. Pure functions, no I/O."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from kam.activity import Windows
from kam.models import Customer, Rank
from kam.settings import Indicator, Settings, Tier

_MULT = {"万": 1e4, "w": 1e4, "亿": 1e8, "k": 1e3, "千": 1e3, "元": 1.0}
_NUM = re.compile(r"^([-+]?\d+(?:\.\d+)?)\s*(%|万元|万|亿元|亿|元|k|w|千)?$", re.IGNORECASE)


@dataclass(frozen=True)
class Part:
    """One indicator's contribution to a score."""

    indicator: str
    raw: Any  # the value as found (None when missing)
    value: float | str | None  # in the indicator's unit, or the category
    normalised: float  # 0..1
    weight: float
    points: float
    missing: bool


@dataclass(frozen=True)
class Score:
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
        raise ValueError(f"not a number: {raw!r}")
    if isinstance(raw, (int, float)):
        value, suffix = float(raw), None
        if unit != "ratio":
            return value
    else:
        s = unicodedata.normalize("NFKC", str(raw)).strip().replace(",", "").replace("¥", "")
        m = _NUM.match(s)
        if not m:
            raise ValueError(f"not a number: {raw!r}")
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
# indicator's terms or None when missing or unreadable, share of the weight 0..1).
Measure = Callable[[Customer], tuple[Any, "float | str | None", float]]
_MISSING: tuple[Any, float | str | None, float] = (None, None, 0.0)


class Scorer:
    """Scores customers for one day. Each indicator is compiled once into a Measure;
    the totals, the breakdown and --explain all come from those measures."""

    def __init__(self, settings: Settings, today: date):
        self.settings, self.today = settings, today
        self.windows = Windows(today)
        self._measures = [(ind, self._compile(ind)) for ind in settings.indicators]

    def derived(self, name: str, c: Customer) -> float | None:
        """A figure derived from the customer's log aggregates (amounts in yuan)."""
        st = c.stats or {}
        orders: dict[str, float] = st.get("orders") or {}
        w = self.windows
        if name == "order_amount_12m":
            return w.total(orders, 0, 365)
        if name == "years":
            start = st.get("first_order") or (c.created[:10] if c.created else None)
            if not start:
                return None
            return max(0.0, (self.today - date.fromisoformat(start)).days / 365.25)
        if name == "repurchase_rate":
            return w.months(orders, 365) / 12
        if name == "interactions_90d":
            return float(w.count(st.get("contacts") or [], 90))
        if name == "complaints_90d":
            return float(w.count(st.get("complaints") or [], 90))
        raise KeyError(name)

    def parts(self, c: Customer) -> tuple[Part, ...]:
        """Each indicator's contribution, for --explain."""
        out = []
        for ind, measure in self._measures:
            raw, value, share = measure(c)
            out.append(Part(ind.name, raw, value, round(share, 4), ind.weight,
                            round(share * ind.weight, 2) + 0.0, value is None))
        return tuple(out)

    def score(self, c: Customer) -> Score:
        """Weighted sum of the indicators, clamped to 0..100, the tier it reaches, the parts."""
        tier, total = self.rank(c)
        return Score(c.code, total, tier, _tier(self.settings, tier).label, self.parts(c))

    def breakdown(self, c: Customer) -> tuple[Rank, dict[str, float]]:
        """The rank and indicator -> points (rounded for display; the total is exact)."""
        points = {ind.name: measure(c)[2] * ind.weight for ind, measure in self._measures}
        return (self._rank(sum(points.values())),
                {k: round(v, 2) + 0.0 for k, v in points.items()})

    def rank(self, c: Customer) -> Rank:
        """(tier, score): the hot path of due, risk and list."""
        total = 0.0
        for ind, measure in self._measures:
            total += measure(c)[2] * ind.weight
        return self._rank(total)

    def _rank(self, exact: float) -> Rank:
        total = round(min(100.0, max(0.0, exact)), 1)
        return Rank(tier_for(total, self.settings.tiers).name, total)

    def _compile(self, ind: Indicator) -> Measure:
        getters = [self._getter(ind, source) for source in ind.sources]
        unit = ind.unit
        table = {k.strip().casefold(): v for k, v in ind.table.items()}
        vocab = next((s[6:] for s in ind.sources if s in ("field.stage", "field.value_level")),
                     None)
        # a vocabulary field's alias (高, A) counts as its key (high)
        lookup = self.settings.vocab[vocab].lookup if vocab else None

        def raw_of(c: Customer) -> Any:
            for get in getters:
                v = get(c)
                if v is not None and v != "" and v != []:
                    return v
            return None

        def categorical(c: Customer) -> tuple[Any, float | str | None, float]:
            raw = raw_of(c)
            if raw is None:
                return _MISSING
            key = str(raw)
            if lookup is not None:
                key = lookup(key) or key
            return raw, key, table.get(key.strip().casefold(), 0.0)

        def numeric(c: Customer) -> tuple[Any, float | str | None, float]:
            raw = raw_of(c)
            if raw is None:
                return _MISSING
            if type(raw) is float and unit != "ratio":
                value = raw
            else:
                try:
                    value = parse_amount(raw, unit)
                except ValueError:
                    return raw, None, 0.0
            return raw, value, _normalise(ind, value)

        return categorical if ind.table else numeric

    def _getter(self, ind: Indicator, source: str) -> Callable[[Customer], Any]:
        kind, _, sub = source.partition(".")
        if kind == "derived":
            if sub == "order_amount_12m" and ind.unit == "10k":
                return lambda c: self.derived(sub, c) / 1e4  # type: ignore[operator]
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
    for t in tiers:
        if total >= t.min:
            return t
    return tiers[-1]


def score(c: Customer, settings: Settings, today: date) -> Score:
    return Scorer(settings, today).score(c)


def ranks(customers: list[Customer], settings: Settings, today: date) -> dict[str, Rank]:
    """code -> Rank for many customers, fast."""
    scorer = Scorer(settings, today)
    return {c.code: scorer.rank(c) for c in customers}
