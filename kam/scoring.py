"""Scores and tiers from the weights in kam.yaml. Pure functions, no I/O."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from kam.config import Indicator, Settings, Tier
from kam.models import Customer

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


class Scorer:
    """Scores customers for one day: the date windows and lookups are worked out once."""

    def __init__(self, settings: Settings, today: date):
        self.settings, self.today = settings, today
        self.iso = today.isoformat()
        self.since = {d: (today - timedelta(days=d)).isoformat() for d in (90, 365)}
        # Per indicator, compiled once: the points it gives a customer (the hot path).
        self._points = [self._compile(ind) for ind in settings.indicators]

    def derived(self, name: str, c: Customer) -> float | None:
        """A figure derived from the customer's log aggregates (amounts in yuan)."""
        st = c.stats or {}
        orders: dict[str, float] = st.get("orders") or {}
        iso, y = self.iso, self.since[365]
        if name == "order_amount_12m":
            return float(sum(v for d, v in orders.items() if y < d <= iso))
        if name == "years":
            start = st.get("first_order") or (c.created[:10] if c.created else None)
            if not start:
                return None
            return max(0.0, (self.today - date.fromisoformat(start)).days / 365.25)
        if name == "repurchase_rate":
            return len({d[:7] for d in orders if y < d <= iso}) / 12
        if name in ("interactions_90d", "complaints_90d"):
            dates = st.get("contacts" if name == "interactions_90d" else "complaints") or []
            lo = self.since[90]
            return float(sum(1 for d in dates if lo < d <= iso))
        raise KeyError(name)

    def _raw(self, ind: Indicator, c: Customer) -> Any:
        for kind, sub in (s.partition(".")[::2] for s in ind.sources):
            if kind == "derived":
                v: Any = self.derived(sub, c)
                if sub == "order_amount_12m" and v is not None and ind.unit == "10k":
                    v = v / 1e4  # the log keeps yuan
            elif kind == "field":
                v = getattr(c, sub, None)
                v = list(v) if isinstance(v, tuple) else v
            else:
                v = c.extra.get(sub)
            if v is not None and v != "" and v != []:
                return v
        return None

    def _value(self, ind: Indicator, raw: Any) -> float | str:
        """The raw value in the indicator's terms; ValueError when it is not a figure."""
        if ind.table:
            value = str(raw)
            vocab = next((s[6:] for s in ind.sources
                          if s in ("field.stage", "field.value_level")), None)
            if vocab:  # a vocabulary field's alias (高, A) counts as its key (high)
                value = self.settings.vocab[vocab].lookup(value) or value
            return value
        return parse_amount(raw, ind.unit)

    def part(self, ind: Indicator, c: Customer) -> Part:
        raw = self._raw(ind, c)
        if raw is None:
            return Part(ind.name, None, None, 0.0, ind.weight, 0.0, True)
        try:
            value = self._value(ind, raw)
        except ValueError:
            return Part(ind.name, raw, None, 0.0, ind.weight, 0.0, True)
        share = _normalise(ind, value)
        return Part(ind.name, raw, value, round(share, 4), ind.weight,
                    round(share * ind.weight, 2) + 0.0, False)

    def score(self, c: Customer) -> Score:
        """Weighted sum of the indicators, clamped to 0..100, and the tier it reaches.

        The total adds the exact points (as quick() does); parts show them rounded.
        """
        parts = tuple(self.part(ind, c) for ind in self.settings.indicators)
        exact = sum(points(c) for points in self._points)
        total = round(min(100.0, max(0.0, exact)), 1)
        t = tier_for(total, self.settings.tiers)
        return Score(c.code, total, t.name, t.label, parts)

    def breakdown(self, c: Customer) -> tuple[str, float, dict[str, float]]:
        """(tier, score, indicator -> points) without the explanation objects."""
        points = {ind.name: fn(c) for ind, fn in zip(self.settings.indicators, self._points,
                                                     strict=True)}
        total = round(min(100.0, max(0.0, sum(points.values()))), 1)
        return (tier_for(total, self.settings.tiers).name, total,
                {k: round(v, 2) + 0.0 for k, v in points.items()})

    def quick(self, c: Customer) -> tuple[str, float]:
        """(tier, score) without the breakdown: the hot path of due, risk and list."""
        total = 0.0
        for points in self._points:
            total += points(c)
        total = round(min(100.0, max(0.0, total)), 1)
        return tier_for(total, self.settings.tiers).name, total

    def _compile(self, ind: Indicator) -> Callable[[Customer], float]:
        """A function giving the indicator's points for a customer; same results as part()."""
        getters = [self._getter(ind, source) for source in ind.sources]
        weight, unit = ind.weight, ind.unit
        table = {k.casefold(): v for k, v in ind.table.items()}
        vocab = next((s[6:] for s in ind.sources if s in ("field.stage", "field.value_level")),
                     None)
        lookup = self.settings.vocab[vocab].lookup if vocab else None

        def raw_of(c: Customer) -> Any:
            for get in getters:
                v = get(c)
                if v is not None and v != "" and v != []:
                    return v
            return None

        def table_points(c: Customer) -> float:
            raw = raw_of(c)
            if raw is None:
                return 0.0
            key = str(raw).strip()
            if lookup is not None:
                key = lookup(key) or key
            return table.get(key.casefold(), 0.0) * weight

        def points(c: Customer) -> float:
            raw = raw_of(c)
            if raw is None:
                return 0.0
            if type(raw) is float and unit != "ratio":
                value = raw
            else:
                try:
                    value = parse_amount(raw, unit)
                except ValueError:
                    return 0.0
            return _normalise(ind, value) * weight

        return table_points if ind.table else points

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


def _normalise(ind: Indicator, value: float | str) -> float:
    if ind.table:
        key = str(value).strip()
        for k, share in ind.table.items():
            if k.casefold() == key.casefold():
                return share
        return 0.0
    assert isinstance(value, float)
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


def tiers_of(customers: list[Customer], settings: Settings, today: date
             ) -> dict[str, tuple[str, float]]:
    """code -> (tier, score), fast."""
    scorer = Scorer(settings, today)
    return {c.code: scorer.quick(c) for c in customers}
