"""The daily job: score, due, risk, done, snooze and the cron digest."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Annotated, Any

import typer

from kam.cli import Env, Fmt, FormatOpt, app, env
from kam.commands.archive import (
    AllOpt,
    Opt,
    OwnerFilter,
    StageFilter,
    _date_opt,
    check_kind,
    open_writer,
    record_interaction,
)
from kam.errors import BadInput

TierFilter = Annotated[Opt, typer.Option("--tier", help="Only this tier (A, B, ...).")]


def _load(e: Env, include_archived: bool = False) -> tuple[list[Any], dict[str, Any]]:
    """Customers and code -> (tier, score)."""
    from kam.scoring import tiers_of
    from kam.store import open_store

    with open_store(e.db) as store:
        customers = store.customers(include_archived=include_archived)
    return customers, tiers_of(customers, e.settings, e.today)


def _filter(e: Env, customers: list[Any], scores: dict[str, Any], owner: str | None,
            tier: str | None, stage: str | None) -> list[Any]:
    from kam.archive import vocab_key

    st = vocab_key(e.settings, "stage", stage) if stage else None
    if tier and tier not in {t.name for t in e.settings.tiers}:
        raise BadInput(f"--tier: unknown tier {tier!r}; tiers are "
                       f"{', '.join(t.name for t in e.settings.tiers)}")
    return [c for c in customers
            if (not owner or c.owner == owner) and (not st or c.stage == st)
            and (not tier or scores[c.code][0] == tier)]


@app.command()
def score(
    ctx: typer.Context,
    code: Annotated[Opt, typer.Argument(help="One customer's code (default: all).")] = None,
    explain: Annotated[bool, typer.Option("--explain", help="Show each indicator's raw "
                                          "value, normalised value, weight and points.")] = False,
    tier: TierFilter = None,
    all_: AllOpt = False,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Scores and tiers from the weights in kam.yaml, best first."""
    from kam.render import emit, print_json
    from kam.scoring import Scorer
    from kam.store import open_store

    e = env(ctx)
    with open_store(e.db) as store:
        customers = store.customers(include_archived=all_ or code is not None)
    if code is not None:
        customers = [c for c in customers if c.code == code]
        if not customers:
            raise BadInput(f"no customer with code {code!r} (see `kam list`)")
    scorer = Scorer(e.settings, e.today)
    scored = {c.code: scorer.breakdown(c) for c in customers}
    customers = _filter(e, customers, scored, None, tier, None)
    customers.sort(key=lambda c: (-scored[c.code][1], c.code))
    labels = {t.name: t.label for t in e.settings.tiers}
    rows = []
    for c in customers:
        t, total, points = scored[c.code]
        row: dict[str, Any] = {"code": c.code, "name": c.name, "score": total, "tier": t,
                               "breakdown": points}
        if explain:
            row["explain"] = {p.indicator: {"raw": p.raw, "value": p.value,
                                            "normalised": p.normalised, "weight": p.weight,
                                            "points": p.points, "missing": p.missing}
                              for p in scorer.score(c).parts}
        rows.append(row)
    if fmt == Fmt.json:
        print_json(rows)
        return
    if fmt == Fmt.table and explain:
        from kam.render import explain_scores

        explain_scores(rows, labels)
        return
    names = [ind.name for ind in e.settings.indicators]
    flat = [{**{k: r[k] for k in ("code", "name", "score", "tier")},
             "tier_label": labels.get(r["tier"], ""), **r["breakdown"]} for r in rows]
    cols = [("code", "客户编号"), ("name", "客户名称"), ("score", "评分"), ("tier", "分层")]
    if fmt == Fmt.table:
        cols.append(("tier_label", ""))
    emit(flat, cols + [(n, n) for n in names], fmt.value, title=f"{len(rows)} scored")


def due_items(e: Env, days: int | None, owner: str | None, tier: str | None,
              stage: str | None) -> list[Any]:
    from kam.followup import due

    customers, scores = _load(e)
    chosen = _filter(e, customers, scores, owner, tier, stage)
    horizon = e.settings.upcoming_days if days is None else days
    if horizon < 0:
        raise BadInput("--days must be 0 or more")
    return due(chosen, scores, e.settings, e.today, horizon)


_SECTION_TITLE = {"overdue": "逾期 overdue", "today": "今天 today", "upcoming": "即将 upcoming"}
_SECTION_STYLE = {"overdue": "red", "today": "bold", "upcoming": None}


def due_row(i: Any) -> dict[str, Any]:
    return {"code": i.code, "name": i.name, "kind": i.kind, "due": i.due.isoformat(),
            "days_overdue": i.days_overdue, "section": i.section, "tier": i.tier,
            "owner": i.owner}


@app.command()
def due(
    ctx: typer.Context,
    days: Annotated[int | None, typer.Option(  # noqa: UP007
        "--days", help="Look this many days ahead (default followup.upcoming_days, 7).")] = None,
    owner: OwnerFilter = None, tier: TierFilter = None, stage: StageFilter = None,
    limit: Annotated[int, typer.Option("--limit", help="Rows per section in the table, most "
                                       "urgent first (0: all); JSON and CSV list everything."
                                       )] = 50,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """Follow-ups overdue, due today and coming up, plus date reminders."""
    from kam.render import emit, say

    e = env(ctx)
    items = due_items(e, days, owner, tier, stage)
    rows = [due_row(i) for i in items]
    if fmt != Fmt.table:
        emit(rows, [(k, k) for k in ("code", "name", "kind", "due", "days_overdue", "section",
                                     "tier", "owner")], fmt.value)
    else:
        for section in ("overdue", "today", "upcoming"):
            part = [r for r in rows if r["section"] == section]
            total = len(part)
            if limit > 0 and total > limit:
                part = part[:limit]
                say(f"{_SECTION_TITLE[section]}: showing the first {limit} of {total} "
                    "(--limit 0 shows all)")
            if part:
                for r in part:
                    r["when"] = _when(r["days_overdue"])
                    r["kind_label"] = _KIND_LABEL.get(r["kind"], r["kind"])
                emit(part, [("code", "客户编号"), ("name", "客户名称"), ("kind_label", "事项"),
                            ("due", "日期"), ("when", ""), ("tier", "分层"), ("owner", "负责人")],
                     "table", title=f"{_SECTION_TITLE[section]} ({total})",
                     styles=[_SECTION_STYLE[section]] * len(part))
    if not rows:
        say(f"Nothing due in the next {e.settings.upcoming_days if days is None else days} days.")


_KIND_LABEL = {"follow_up": "跟进 follow-up", "birthday": "生日 birthday",
               "contract_end": "合同到期 contract end", "project_start": "项目启动 project start"}


def _when(days_overdue: int) -> str:
    if days_overdue > 0:
        return f"{days_overdue} days late" if days_overdue > 1 else "1 day late"
    if days_overdue == 0:
        return "today"
    return f"in {-days_overdue} days" if days_overdue < -1 else "tomorrow"


def risk_rows(e: Env, owner: str | None, tier: str | None, threshold: float | None
              ) -> list[dict[str, Any]]:
    from kam.followup import risks

    customers, scores = _load(e)
    chosen = _filter(e, customers, scores, owner, tier, None)
    settings = e.settings
    if threshold is not None:
        settings = replace(settings, risk=replace(settings.risk, threshold=threshold))
    return [{"code": h.code, "name": h.name, "health": h.health, "reasons": list(h.reasons),
             "days_since_contact": h.days_since_contact, "dormant": h.dormant, "tier": h.tier,
             "owner": h.owner} for h in risks(chosen, scores, settings, e.today)]


@app.command()
def risk(
    ctx: typer.Context,
    owner: OwnerFilter = None, tier: TierFilter = None,
    threshold: Annotated[float | None, typer.Option(  # noqa: UP007
        "--threshold", help="Health below this is at risk (default risk.threshold, 60).")
    ] = None,
    fmt: FormatOpt = Fmt.table,
) -> None:
    """At-risk customers (流失预警) with their health score and the reasons, worst first."""
    from kam.render import emit, say

    e = env(ctx)
    rows = risk_rows(e, owner, tier, threshold)
    cols = [("code", "客户编号"), ("name", "客户名称"), ("health", "健康度"),
            ("days_since_contact", "未联系天数"), ("reasons", "原因"), ("tier", "分层"),
            ("owner", "负责人")]
    if fmt == Fmt.table:
        for r in rows:
            r["reasons"] = "; ".join(r["reasons"])
        emit(rows, cols, "table", title=f"{len(rows)} at risk",
             styles=["red" if r["dormant"] else None for r in rows])
    else:
        emit(rows, cols, fmt.value)
    if not rows:
        say("No customer at risk.")


@app.command()
def done(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="客户编号 of the customer.")],
    summary: Annotated[str, typer.Argument(help="What was done.")] = "跟进完成",
    next_: Annotated[Opt, typer.Option("--next", help="Schedule the next follow-up.")] = None,
    kind: Annotated[str, typer.Option("--kind", "-k", help="Kind of contact.")] = "follow_up",
) -> None:
    """Mark today's follow-up done (logs it; the cadence clock restarts)."""
    from kam.render import say

    e = env(ctx)
    check_kind(kind)
    next_date = _date_opt(next_, "--next")
    with open_writer(e, create=False) as store:
        c = record_interaction(e, store, store.get(code), e.today, kind, summary, None, next_date)
        store.commit()
    say(f"Done: {c.code} {c.name}" + (f"; next {c.next_follow_up}" if c.next_follow_up else ""))


@app.command()
def snooze(
    ctx: typer.Context,
    code: Annotated[str, typer.Argument(help="客户编号 of the customer.")],
    until: Annotated[Opt, typer.Option("--until", help="Follow up on this date instead.")
                     ] = None,
    days: Annotated[int | None, typer.Option(  # noqa: UP007
        "--days", help="Follow up this many days from today instead.")] = None,
) -> None:
    """Put a follow-up off to a later date."""
    from kam.render import say

    e = env(ctx)
    if (until is None) == (days is None):
        raise BadInput("give either --until YYYY-MM-DD or --days N")
    when = _date_opt(until, "--until") if until else e.today + timedelta(days=days or 0)
    assert when is not None
    if when < e.today:
        raise BadInput(f"--until {when.isoformat()} is in the past")
    with open_writer(e, create=False) as store:
        c = replace(store.get(code), next_follow_up=when.isoformat(), updated=e.stamp())
        store.put(c)
        store.commit()
    say(f"Snoozed {c.code} {c.name} until {when.isoformat()}")


@app.command()
def digest(
    ctx: typer.Context,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, markdown or json.")
                   ] = "text",
    days: Annotated[int, typer.Option("--days", help="Days ahead to look (dates with a longer "
                                      "lead, such as contract ends, come earlier).")] = 7,
) -> None:
    """The morning summary for cron: due and overdue, new risks, dates this week.

    Plain text without colour codes; always exit 0 when the data could be read.
    """
    from kam.render import print_json, text_block

    e = env(ctx)
    if fmt not in ("text", "markdown", "json"):
        raise BadInput(f"--format: use text, markdown or json, not {fmt!r}")
    items = [due_row(i) for i in due_items(e, days, None, None, None)]
    follow = [r for r in items if r["kind"] == "follow_up" and r["days_overdue"] >= 0]
    dates = [r for r in items if r["kind"] != "follow_up"]
    at_risk = risk_rows(e, None, None, None)
    week = e.settings.risk
    # New risks: crossed the churn or dormant mark within the last week.
    marks = (week.churn_days, week.dormant_days)
    new_risk = [r for r in at_risk if r["days_since_contact"] is not None
                and any(0 <= r["days_since_contact"] - m < 7 for m in marks)]
    doc = {"date": e.today.isoformat(), "due": follow, "dates": dates, "new_risks": new_risk,
           "at_risk": len(at_risk)}
    if fmt == "json":
        print_json(doc)
        return
    md = fmt == "markdown"
    h = "## " if md else ""
    b = "- " if md else "  "
    lines = [f"{'# ' if md else ''}kam digest {e.today.isoformat()}", ""]
    lines.append(f"{h}Due today and overdue ({len(follow)})")
    lines += [f"{b}{r['code']} {r['name']}: {_when(r['days_overdue'])}" for r in follow] or [
        f"{b}nothing"]
    lines += ["", f"{h}New at risk ({len(new_risk)}; {len(at_risk)} on the watch list)"]
    lines += [f"{b}{r['code']} {r['name']}: health {r['health']:g}; {'; '.join(r['reasons'])}"
              for r in new_risk] or [f"{b}nothing new"]
    lines += ["", f"{h}Dates coming up ({len(dates)})"]
    lines += [f"{b}{r['due']} {r['code']} {r['name']}: {r['kind']}" for r in dates] or [
        f"{b}none"]
    text_block(lines)
