"""Scores and tiers from the weights in kam.yaml. Pure functions, no I/O."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from kam.activity import count_since, window_sum
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


def derived(name: str, c: Customer, today: date) -> float | None:
    """A figure derived from the customer's log aggregates."""
    st = c.stats or {}
    orders: dict[str, float] = st.get("orders") or {}
    if name == "order_amount_12m":
        return window_sum(orders, today, 0, 365)
    if name == "years":
        start = st.get("first_order") or (c.created[:10] if c.created else None)
        if not start:
            return None
        return max(0.0, (today - date.fromisoformat(start)).days / 365.25)
    if name == "repurchase_rate":
        months = {d[:7] for d in orders if d > (today - timedelta(days=365)).isoformat()
                  and d <= today.isoformat()}
        return len(months) / 12
    if name == "interactions_90d":
        return float(count_since(st.get("contacts") or [], today, 90))
    if name == "complaints_90d":
        return float(count_since(st.get("complaints") or [], today, 90))
    raise KeyError(name)


def _raw(ind: Indicator, c: Customer, today: date) -> Any:
    for source in ind.sources:
        kind, _, sub = source.partition(".")
        if kind == "derived":
            v = derived(sub, c, today)
            if sub == "order_amount_12m" and v is not None and ind.unit == "10k":
                v = f"{v}元"  # the log keeps yuan; say so, and parse_amount converts
        elif kind == "field":
            v = getattr(c, sub, None)
            v = list(v) if isinstance(v, tuple) else v
        else:
            v = c.extra.get(sub)
        if v is not None and v != "" and v != []:
            return v
    return None


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


def part(ind: Indicator, c: Customer, today: date, settings: Settings | None = None) -> Part:
    raw = _raw(ind, c, today)
    if raw is None or raw == "" or raw == []:
        return Part(ind.name, None, None, 0.0, ind.weight, 0.0, True)
    value: float | str
    if ind.table:
        value = str(raw)
        # a vocabulary field's alias (高, A) counts as its key (high)
        vocab = next((s[6:] for s in ind.sources if s in ("field.stage", "field.value_level")),
                     None)
        if settings and vocab:
            value = settings.vocab[vocab].lookup(value) or value
    else:
        try:
            value = parse_amount(raw, ind.unit)
        except ValueError:
            return Part(ind.name, raw, None, 0.0, ind.weight, 0.0, True)
    share = _normalise(ind, value)
    return Part(ind.name, raw, value, round(share, 4), ind.weight, round(share * ind.weight, 2) + 0.0,
                False)


def tier_for(total: float, tiers: tuple[Tier, ...]) -> Tier:
    for t in tiers:
        if total >= t.min:
            return t
    return tiers[-1]


def score(c: Customer, settings: Settings, today: date) -> Score:
    """Weighted sum of the indicators, clamped to 0..100, and the tier it reaches."""
    parts = tuple(part(ind, c, today, settings) for ind in settings.indicators)
    total = round(min(100.0, max(0.0, sum(p.points for p in parts))), 1)
    t = tier_for(total, settings.tiers)
    return Score(c.code, total, t.name, t.label, parts)


def score_all(customers: list[Customer], settings: Settings, today: date) -> dict[str, Score]:
    return {c.code: score(c, settings, today) for c in customers}
