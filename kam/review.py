"""The review of a period: the archive's past from its history and its follow-up log.

Pure functions. A customer as of a day is its record now with every change the
history logged after that day taken back (the history holds each field's old
and new value), and its log cut at that day; scoring and health then run as of
that day like they do today. No snapshot is kept: the history and the log are
the archive's past, and they are exact.
"""

from __future__ import annotations

import re
import statistics
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

from kam.i18n import t
from kam.models import Interaction

STAGE_ORDER = ("prospect", "intent", "active", "long_term", "churn_risk", "lost")


@dataclass(frozen=True)
class Period:
    start: date
    end: date  # inclusive
    kind: str  # month, quarter or range
    label: str

    def previous(self) -> Period:
        """The period just before: the month, the quarter, or as many days."""
        if self.kind == "month":
            last = self.start - timedelta(days=1)
            return month(last.year, last.month)
        if self.kind == "quarter":
            last = self.start - timedelta(days=1)
            return quarter(last.year, (last.month - 1) // 3 + 1)
        days = (self.end - self.start).days + 1
        end = self.start - timedelta(days=1)
        start = end - timedelta(days=days - 1)
        return Period(start, end, "range", f"{start.isoformat()}..{end.isoformat()}")

    def days(self) -> int:
        return (self.end - self.start).days + 1

    def months(self) -> list[str]:
        """The calendar months it touches, as YYYY-MM."""
        out, d = [], self.start.replace(day=1)
        while d <= self.end:
            out.append(d.isoformat()[:7])
            d = (d + timedelta(days=32)).replace(day=1)
        return out

    def to_doc(self) -> dict[str, str]:
        return {"from": self.start.isoformat(), "to": self.end.isoformat(), "kind": self.kind,
                "label": self.label}


def month(year: int, m: int) -> Period:
    start = date(year, m, 1)
    end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return Period(start, end, "month", f"{year:04d}-{m:02d}")


def quarter(year: int, q: int) -> Period:
    start = date(year, 3 * q - 2, 1)
    end = (date(year + (q == 4), 1 if q == 4 else 3 * q + 1, 1)) - timedelta(days=1)
    return Period(start, end, "quarter", f"{year:04d}Q{q}")


_MONTH = re.compile(r"^(\d{4})[-/.年]?(\d{1,2})月?$")
_QUARTER = re.compile(r"^(\d{4})\s*[-]?\s*[Qq季]?\s*([1-4])(?:季度)?$")


def parse_period(month_: str | None, quarter_: str | None, start: date | None,
                 end: date | None, today: date) -> Period:
    """--month 2026-11, --quarter 2026Q4, --from/--to; by default the last full month."""
    given = [x for x in (month_, quarter_) if x] + (["range"] if start or end else [])
    if len(given) > 1:
        raise ValueError(t("give one of --month, --quarter or --from/--to"))
    if month_:
        m = _MONTH.match(month_.strip())
        if not m or not 1 <= int(m[2]) <= 12:
            raise ValueError(t("--month: not a month: {value} (use YYYY-MM, e.g. 2026-11)",
                               value=repr(month_)))
        return month(int(m[1]), int(m[2]))
    if quarter_:
        q = _QUARTER.match(quarter_.strip())
        if not q:
            raise ValueError(t("--quarter: not a quarter: {value} (use YYYYQn, e.g. 2026Q4)",
                               value=repr(quarter_)))
        return quarter(int(q[1]), int(q[2]))
    if start or end:
        first = start or (end or today).replace(day=1)
        last = end or today
        if last < first:
            raise ValueError(t("--to {end} is before --from {start}", end=last, start=first))
        return Period(first, last, "range", f"{first.isoformat()}..{last.isoformat()}")
    last = today.replace(day=1) - timedelta(days=1)
    return month(last.year, last.month)


def as_of(doc: dict[str, Any], entries: list[dict[str, Any]], day: date
          ) -> dict[str, Any] | None:
    """The customer's record at the end of `day`: its changes after that day taken back
    (entries oldest first); None when it did not exist yet."""
    cut = day.isoformat()
    later = [e for e in entries if e["ts"][:10] > cut]
    if not later:
        return doc
    out = dict(doc)
    for e in reversed(later):
        if e.get("action") == "created":
            return None
        for key, (old, _new) in e.get("changes", {}).items():
            if old is None:
                out.pop(key, None)
            else:
                out[key] = old
    return out


def stage_spans(entries: list[dict[str, Any]], now: str | None
                ) -> list[tuple[str | None, str, str]]:
    """(stage, entered or "" when unknown, left or "") for each stay, from the history's
    stage changes; `now` is the stage of a customer whose history has none."""
    spans: list[tuple[str | None, str, str]] = []
    stage, since = None, ""
    for e in entries:
        day = e["ts"][:10]
        old, new = e.get("changes", {}).get("stage") or (None, None)
        if e.get("action") == "created":
            stage, since = new, day
        elif old is not None or new is not None:
            spans.append((stage if stage is not None else old, since, day))
            stage, since = new, day
    spans.append((stage if stage is not None else now, since, ""))
    return spans


def transitions(entries: Iterable[tuple[str, dict[str, Any]]], period: Period
                ) -> list[tuple[str, str, str, str]]:
    """(code, from, to, day) of every stage change in the period."""
    lo, hi = period.start.isoformat(), period.end.isoformat()
    out = []
    for code, e in entries:
        day = e["ts"][:10]
        change = e.get("changes", {}).get("stage")
        if change and lo <= day <= hi and e.get("action") != "created":
            out.append((code, change[0] or "", change[1] or "", day))
    return out


def median_days(spans: dict[str, list[tuple[str | None, str, str]]], period: Period
                ) -> dict[str, float]:
    """Median days of the stays in each stage that ended in the period."""
    lo, hi = period.start.isoformat(), period.end.isoformat()
    stays: dict[str, list[int]] = {}
    for customer_spans in spans.values():
        for stage, since, left in customer_spans:
            if stage and since and left and lo <= left <= hi:
                days = (date.fromisoformat(left) - date.fromisoformat(since)).days
                stays.setdefault(stage, []).append(days)
    return {s: float(statistics.median(v)) for s, v in stays.items()}


def weeks(period: Period) -> list[tuple[str, date, date]]:
    """(ISO week label, first day, last day) of the weeks the period touches, cut to it."""
    out = []
    d = period.start - timedelta(days=period.start.weekday())
    while d <= period.end:
        y, w, _ = d.isocalendar()
        out.append((f"{y}-W{w:02d}", max(d, period.start), min(d + timedelta(days=6),
                                                                  period.end)))
        d += timedelta(days=7)
    return out


def activity(log: Iterable[Interaction], period: Period) -> list[dict[str, Any]]:
    """Interactions per week of the period, by kind."""
    rows: list[dict[str, Any]] = [{"week": label, "from": a.isoformat(), "to": b.isoformat(),
                                   "total": 0, "kinds": {}} for label, a, b in weeks(period)]
    for i in log:
        day = date.fromisoformat(i.date)
        if period.start <= day <= period.end:
            n = (day - (period.start - timedelta(days=period.start.weekday()))).days // 7
            row = rows[n]
            row["total"] += 1
            row["kinds"][i.kind] = row["kinds"].get(i.kind, 0) + 1
    return rows


def orders_by_month(log: Iterable[Interaction], months: list[str]) -> dict[str, dict[str, float]]:
    """code -> month -> order amount, for the given months."""
    wanted = set(months)
    out: dict[str, dict[str, float]] = {}
    for i in log:
        if i.kind == "order" and i.amount and i.date[:7] in wanted:
            per = out.setdefault(i.code, {})
            per[i.date[:7]] = per.get(i.date[:7], 0.0) + float(i.amount)
    return out


def counts(values: Iterable[str | None], order: Iterable[str] = ()) -> dict[str, int]:
    """How many of each value, in the given order first, then by count."""
    found: dict[str, int] = {}
    for v in values:
        key = v or ""
        found[key] = found.get(key, 0) + 1
    ordered = {k: found[k] for k in order if k in found}
    for k, n in sorted(found.items(), key=lambda kv: (-kv[1], kv[0])):
        ordered.setdefault(k, n)
    return ordered


def compare(now: dict[str, int], before: dict[str, int]) -> list[dict[str, Any]]:
    """[{key, count, previous, change}] over the keys of either."""
    keys = list(now) + [k for k in before if k not in now]
    return [{"key": k, "count": now.get(k, 0), "previous": before.get(k, 0),
             "change": now.get(k, 0) - before.get(k, 0)} for k in keys]


# --- the review as tables: what the terminal prints and the workbook holds ---------

@dataclass(frozen=True)
class Table:
    """One section: a title, headers, rows; a chart of the value columns over the first
    column (bar for distributions and the funnel, line for weeks and months)."""

    key: str
    title: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    chart: str | None = None  # "bar" or "line"
    values: tuple[int, ...] = (1,)  # the columns charted
    notes: tuple[str, ...] = ()


class Change(float):
    """A change between two periods: a number (so in a workbook), shown signed with
    thousands separators: +2,100,000, never +2.1e+06."""

    def __str__(self) -> str:
        return "0" if not self else f"{self:+,.0f}" if self.is_integer() else f"{self:+,.2f}"


class Amount(float):
    """An amount of money: a number, shown with thousands separators."""

    def __str__(self) -> str:
        return f"{self:,.0f}" if self.is_integer() else f"{self:,.2f}"


class Share(float):
    """A rate between 0 and 1: a number, shown as a percentage."""

    def __str__(self) -> str:
        return f"{self:.0%}"


def _signed(n: float) -> Change:
    return Change(n)


def without_undone(entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One customer's history (oldest first) without what an undo took back: each
    `kam undo` line and the import line before it that it reverted. An import, its
    undo and the same import again are one change, not three."""
    kept: list[dict[str, Any]] = []
    for e in entries:
        if e.get("command") == "undo":
            at = next((i for i in range(len(kept) - 1, -1, -1)
                       if kept[i].get("command") == "import"), None)
            if at is not None:
                del kept[at]
                continue
        kept.append(e)
    return kept


def tables(doc: dict[str, Any], names: dict[str, dict[str, str]]) -> list[Table]:
    """The review document as tables, in the user's language; `names` gives the labels
    of the vocabulary (stage, value_level), of tiers and of interaction kinds."""
    from kam import labels

    def name(field: str, key: str) -> str:
        if field == "kind":
            return labels.kind(key)
        return names.get(field, {}).get(key, key) or t("(none)")

    now, before = t("This period"), t("Previous")
    change = t("Change")
    out = []
    p = doc["portfolio"]
    for field, title in (("tier", t("Tiers")), ("value_level", t("Value grades")),
                         ("stage", t("Stages"))):
        rows = tuple((name(field, r["key"]), r["count"], r["previous"], _signed(r["change"]))
                     for r in p[field])
        out.append(Table(field, title, (labels.column(field), now, before, change), rows,
                         "bar", (1, 2)))
    def said(what: str, codes: list[str]) -> str:
        return t("{what}: {count}", what=what, count=len(codes)) + (
            f" ({', '.join(codes[:8])}{' …' if len(codes) > 8 else ''})" if codes else "")

    # tier moves under the tiers, the portfolio's comings and goings under the stages
    out[0] = replace(out[0], notes=(said(t("Upgraded"), p["upgraded"]),
                                    said(t("Downgraded"), p["downgraded"])))
    out[-1] = replace(out[-1], notes=(said(t("New customers"), p["new"]),
                                      said(t("Lost"), p["lost"])))
    out.append(Table("movements", t("Movements"), (labels.column("code"), labels.column("name"),
                                                   t("What"), t("From"), t("To"), t("When or why")),
                     tuple((m["code"], m["name"], labels.column(m["field"]),
                            name(m["field"], m["from"]), name(m["field"], m["to"]),
                            m["date"] or ", ".join(f"{k} {_signed(v)}"
                                                   for k, v in m["why"].items()))
                           for m in doc["movements"])))
    a = doc["activity"]
    out.append(Table("weeks", t("Follow-ups per week"), (t("Week"), t("Follow-ups")),
                     tuple((w["week"], w["total"]) for w in a["weeks"]), "line"))
    out.append(Table("kinds", t("Follow-ups by kind"), (labels.column("kind"), now, before,
                                                         change),
                     tuple((name("kind", r["key"]), r["count"], r["previous"],
                            _signed(r["change"])) for r in a["by_kind"]), "bar", (1, 2),
                     notes=tuple(t("Not contacted in the period, tier {tier}: {count}",
                                   tier=tier, count=len(codes))
                                 + f" ({', '.join(codes[:8])}{' …' if len(codes) > 8 else ''})"
                                 for tier, codes in a["not_contacted"].items())
                     + (t("Follow-ups overdue at the end: {count}",
                          count=len(a["overdue_at_end"])),)))
    c = doc["conversion"]
    order = {s: i for i, s in enumerate(STAGE_ORDER)}
    funnel = sorted(((r["key"], r["count"]) for r in p["stage"] if r["count"]),
                    key=lambda kv: order.get(kv[0], 99))
    out.append(Table("funnel", t("Stage funnel"), (labels.column("stage"), t("Number of customers"),
                                                    t("Median days")),
                     tuple((name("stage", s), n, c["median_days"].get(s, ""))
                           for s, n in funnel), "bar"))
    out.append(Table("conversion", t("Stage changes"),
                     (t("From"), t("To"), t("Number of customers"), t("Of"), t("Rate")),
                     tuple((name("stage", r["from"]), name("stage", r["to"]), r["count"],
                            r["base"], Share(r["rate"]) if r["rate"] is not None else "")
                           for r in c["transitions"]), None, (2,)))
    life = doc["lifecycle"]
    out.append(Table("lifecycle", t("Lifecycle"), (t("Number of customers"), t("Count")),
                     ((t("New customers"), life["new"]), (t("Active"), life["active"]),
                      (t("Dormant"), life["dormant"]), (t("Lost"), life["lost"])), "bar",
                     notes=tuple(t("Crossed the {mark} mark: {count}", mark=mark,
                                   count=len(codes)) + (f" ({', '.join(codes[:8])})"
                                                         if codes else "")
                                 for mark, codes in ((t("churn"), life["crossed_churn"]),
                                                     (t("dormant"), life["crossed_dormant"])))))
    rev = doc["revenue"]
    out.append(Table("revenue", t("Orders per month"), (t("Month"), t("Amount")),
                     tuple((m["month"], Amount(m["amount"])) for m in rev["previous_months"]
                           + rev["months"]), "line",
                     notes=(t("Orders in the period: {total} (previous {previous})",
                              total=f"{rev['total']:,.0f}",
                              previous=f"{rev['previous_total']:,.0f}"),)))
    out.append(Table("top", t("Top customers by orders"),
                     (labels.column("code"), labels.column("name"), now, before, change),
                     tuple((r["code"], r["name"], Amount(r["amount"]), Amount(r["previous"]),
                            _signed(r["change"])) for r in rev["top"])))
    out.append(Table("top_change", t("Largest changes in orders"),
                     (labels.column("code"), labels.column("name"), now, before, change),
                     tuple((r["code"], r["name"], Amount(r["amount"]), Amount(r["previous"]),
                            _signed(r["change"])) for r in rev["top_change"])))
    lost = doc["lost"]
    out.append(Table("lost", t("Lost, by reason"), (t("Reason"), t("Number of customers")),
                     tuple(lost["by_reason"].items()), "bar",
                     notes=tuple(f"{r['code']} {r['name']}: {r['reason']}"
                                 + (f" ({r['note']})" if r.get("note") else "")
                                 for r in lost["customers"])))
    return out
