"""What each command shows: which columns, titles, sections and charts, in a table,
JSON or CSV, built on kam.render's primitives (which alone import Rich)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kam import labels
from kam.formats import cell_text
from kam.i18n import N_, t
from kam.render import (
    GAP,
    charts_wanted,
    emit,
    header,
    line_cells,
    print_json,
    say,
    table,
    text_block,
    visible,
)
from kam.text import shorten, width, wrap


def show_customer(labelled: dict[str, Any], doc: dict[str, Any], why: str) -> None:
    """One customer's archive: the fields as label and value, then contacts and history."""
    from kam.schema import TEMPLATE_KEYS

    pairs = [(header(k), cell_text(labelled.get(k))) for k in TEMPLATE_KEYS]
    pairs.append((t("Score / tier"), f"{cell_text(doc['score'])} / {cell_text(doc['tier'])}"))
    pairs.append((header("health"), t("{date} ({why})", date=cell_text(doc["health"]),
                                      why=t("; ").join(doc["health_reasons"]))
                   if doc["health_reasons"] else cell_text(doc["health"])))
    nxt = doc["next_due"] or ""
    pairs.append((header("next_follow_up"), t("{date} ({why})", date=nxt, why=why)
                   if nxt else ""))
    pairs += [(str(k), cell_text(v)) for k, v in doc["extra"].items()]
    pairs += [(labels.kind(k), cell_text(v)) for k, v in doc["dates"].items()]
    if doc.get("lost"):
        pairs.append((t("Lost"), " ".join(cell_text(v) for v in doc["lost"].values() if v)))
    if doc["archived"]:
        pairs.append((t("Archived"), t("yes")))
    pairs.append((t("Created / updated"), f"{doc['created']} / {doc['updated']}"))
    cells = line_cells()
    left = max(width(a) for a, _ in pairs)
    lines = []
    for a, b in pairs:  # a value wider than the line goes on below, never cut
        values = wrap(visible(b), max(10, cells - left - GAP)) if cells is not None else [
            visible(b)]
        lines.append(f"{visible(a)}{' ' * (left - width(a) + GAP)}{values[0]}".rstrip())
        lines += [" " * (left + GAP) + more for more in values[1:]]
    text_block(lines)
    main = [{"name": doc["contact"], "role": doc.get("contact_role") or "other",
             "title": doc.get("title") or "", "contact_info": doc.get("contact_info") or "",
             "main": True}] if doc.get("contact") else []
    if doc["contacts"] or main and doc.get("contact_role"):
        print()
        table([{**p, "role": t("{role} (main)", role=_role(p["role"])) if p.get("main")
                else _role(p["role"])} for p in [*main, *doc["contacts"]]],
              ("name", "role", "title", "contact_info"), title=t("Contacts"),
              flex=("title", "contact_info"))
    print()
    history = [{**i, "id": i["id"][:8], "kind": labels.kind(i["kind"]),
                "amount": cell_text(i["amount"]), "next": i["next"] or ""}
               for i in doc["interactions"]]
    if history:
        table(history, ("id", "date", "kind", "summary", "amount", "next"),
              title=t("Follow-ups ({count})", count=len(history)), flex=("summary",),
              drop=("next", "amount"))
    else:
        text_block([t("No follow-ups yet.")])


_ROLES = {"decision_maker": N_("decision maker"), "influencer": N_("influencer"),
          "user": N_("user"), "purchaser": N_("purchaser"), "finance": N_("finance"),
          "technical": N_("technical"), "other": N_("other")}


def _role(role: str) -> str:
    return t(_ROLES[role]) if role in _ROLES else role


def explain_scores(rows: Sequence[dict[str, Any]], labels_: dict[str, str],
                   indicators: dict[str, str], settings: Any) -> None:
    """Per customer, a table of indicator, where its value came from, raw value,
    normalised value, weight, points, in the user's words (indicators: name -> its
    header; a stage or a grade by its label)."""
    from kam.scoring import source_label

    def said(source: str, value: Any) -> str:
        field = source.partition(".")[2] if source.startswith("field.") else ""
        return cell_text(labels.value(settings, field, value))

    for r in rows:
        parts = [{"indicator": indicators.get(name, name),
                  "source": source_label(p["source"]) if p["source"] else "",
                  "raw": t("(missing)") if p["missing"] else said(p["source"], p["raw"]),
                  "value": said(p["source"], p["value"]), "normalised": f"{p['normalised']:.2f}",
                  "weight": cell_text(p["weight"]), "points": f"{p['points']:.1f}"}
                 for name, p in r["explain"].items()]
        title = f"{r['code']} {r['name']}: {r['score']:g} → {r['tier']} " + labels_.get(
            r["tier"], "")
        table(parts, ("indicator", "source", "raw", "value", "normalised", "weight", "points"),
              title=title, styles=["yellow" if p["missing"] else None
                                   for p in r["explain"].values()],
              flex=("indicator", "source", "raw"))
        scale = next((p["scale"] for p in r["explain"].values()), 1)
        if scale != 1:
            text_block([t("points scaled ×{scale}: the indicators known for it carry only part "
                          "of the weights (scoring.min_known)", scale=f"{scale:g}")])


# --- listings -------------------------------------------------------------------

# JSON, CSV and export carry every field; the table shows what fits, in this order.
LIST_COLUMNS = ("code", "name", "contact", "stage", "tier", "score", "last_contact",
                "next_follow_up", "owner")
LIST_DROP = ("contact", "owner", "last_contact")
CSV_COLUMNS = ("code", "name", "contact", "title", "contact_info", "industry", "size",
               "value_level", "need", "stage", "last_contact", "last_summary", "owner", "tags",
               "note", "score", "tier", "next_follow_up")


def customers(rows: Sequence[dict[str, Any]], fmt: str, title: str | None = None,
              limit: int = 0) -> None:
    """Customer records: the short table, or every field as JSON or CSV."""
    if fmt == "table":
        emit(rows, LIST_COLUMNS, fmt, title=title, drop=LIST_DROP, limit=limit)
    else:
        emit(rows, CSV_COLUMNS, fmt)


def show(doc: dict[str, Any], labelled: dict[str, Any], why: str, fmt: str) -> None:
    if fmt == "json":
        print_json(doc)
    elif fmt == "csv":
        emit([doc], CSV_COLUMNS, "csv")
    else:
        show_customer(labelled, doc, why)


SECTIONS = {"overdue": N_("Overdue"), "today": N_("Today"), "upcoming": N_("Coming up")}
_SECTION_STYLE = {"overdue": "red", "today": "bold", "upcoming": None}
DUE_COLUMNS = ("code", "name", "kind", "due", "days_overdue", "section", "tier", "owner",
               "urgency")


def when(days_overdue: int) -> str:
    if days_overdue > 1:
        return t("{days} days late", days=days_overdue)
    if days_overdue == 1:
        return t("1 day late")
    if days_overdue == 0:
        return t("today")
    if days_overdue == -1:
        return t("tomorrow")
    return t("in {days} days", days=-days_overdue)


_TERMS = {"late": N_("days late"), "tier": N_("tier"), "score": N_("score"),
          "stage": N_("stage"), "kind": N_("kind")}


def due(rows: Sequence[dict[str, Any]], fmt: str, explain: bool = False) -> None:
    """Due items as JSON or CSV (every one); with explain, only the explained
    customer's items and what their urgency is made of (as text for a table)."""
    if explain:
        rows = [r for r in rows if "terms" in r]
        if fmt == "table":
            for r in rows:
                terms = " + ".join(f"{t(_TERMS.get(k, k))} {v:g}" for k, v in r["terms"].items())
                text_block([t("{code} {name} {kind} {due}: urgency {urgency} = {terms}",
                              code=r["code"], name=r["name"], kind=labels.kind(r["kind"]),
                              due=r["due"], urgency=f"{r['urgency']:g}", terms=terms or "0")])
            return
    emit(rows, DUE_COLUMNS, fmt)


def due_table(sections: Sequence[tuple[str, int, list[dict[str, Any]]]]) -> None:
    """A table per section (ops.daily.due_sections: its count and the items shown, most
    urgent first), and on stderr how many each leaves out."""
    first = True
    for section, total, part in sections:
        if len(part) < total:
            say(t("{section}: showing the first {limit} of {total} (--limit 0 shows all)",
                  section=t(SECTIONS[section]), limit=len(part), total=total))
        part = [{**r, "when": when(r["days_overdue"]), "kind_label": labels.kind(r["kind"])}
                for r in part]
        if part:
            if not first:
                print()
            first = False
            emit(part, ("code", "name", "kind_label", "due", "when", "tier", "owner"), "table",
                 title=t("{section} ({count})", section=t(SECTIONS[section]), count=total),
                 styles=[_SECTION_STYLE[section]] * len(part), drop=("owner",))


def risk(rows: Sequence[dict[str, Any]], fmt: str, limit: int = 0) -> None:
    cols = ("code", "name", "health", "days_since_contact", "reasons", "tier", "owner")
    if fmt == "table":
        shown = rows[:limit] if limit > 0 else rows
        emit([{**r, "reasons": "\n".join(r["reasons"])} for r in shown], cols, "table",
             title=t("{count} at risk", count=len(rows)),
             styles=["red" if r["dormant"] else None for r in shown],
             flex=("name", "reasons"), drop=("owner", "days_since_contact"), wrap=("reasons",))
        if len(shown) < len(rows):
            say(t("showing the first {limit} of {total} (--limit 0 shows all)", limit=limit,
                  total=len(rows)))
    else:
        emit(rows, cols, fmt)


def scores(rows: Sequence[dict[str, Any]], fmt: str, explain: bool, tier_labels: dict[str, str],
           indicators: dict[str, str], limit: int, settings: Any) -> None:
    """Scores, best first; indicators: name -> the header a table gives it (JSON and CSV
    keep the names); settings: a stage's or grade's label in --explain's table."""
    if fmt == "json":
        print_json(rows)
    elif fmt == "table" and explain:
        explain_scores(rows, tier_labels, indicators, settings)
    else:
        flat = [{**{k: r[k] for k in ("code", "name", "score", "tier")},
                 "tier_label": tier_labels.get(r["tier"], ""), **r["breakdown"]} for r in rows]
        cols = ("code", "name", "score", "tier", *(("tier_label",) if fmt == "table" else ()))
        emit(flat, (*cols, *indicators), fmt, title=t("{count} scored", count=len(rows)),
             drop=tuple(reversed(indicators)), limit=limit,
             heads=[*(header(k) for k in cols), *indicators.values()])


def digest(doc: dict[str, Any], fmt: str, limit: int = 0) -> None:
    """The morning summary, actions first: JSON, or plain text / markdown without colour;
    with limit, at most that many lines a section (`kam` alone: one screen) and how many
    more, with the command that lists them."""
    if fmt == "json":
        print_json(doc)
        return
    md = fmt == "markdown"
    h = "## " if md else ""
    b = "- " if md else "  "
    follow, new_risk, dates = doc["due"], doc["new_risks"], doc["dates"]
    lines = [f"{'# ' if md else ''}" + t("kam digest {date}", date=doc["date"]), ""]
    lines.append(h + t("Contact today ({count})", count=len(follow)))
    # the line's words looked up once (thousands of lines on a large archive)
    line, last_line, never = t("{who}: {when}; {last}"), t("last: {date} {summary}"), t(
        "never contacted")
    whens: dict[int, str] = {}  # "12 days late": a few hundred different days at most
    for r in follow[:limit or None]:
        who = " ".join([x for x in (r["code"], r["name"], r.get("contact"),
                                    r.get("contact_info")) if x])
        last = (last_line.format(date=r["last_contact"], summary=r["last_summary"])
                if r.get("last_contact") else never)
        late = r["days_overdue"]
        said = whens.get(late)
        if said is None:
            said = whens[late] = when(late)
        lines.append(b + line.format(who=who, when=said, last=last).rstrip())
    if not follow:
        lines.append(b + t("nobody"))
    lines += _more(b, follow, limit, "kam due")
    lines += ["", h + t("New at risk ({count}; {watched} on the watch list)",
                        count=len(new_risk), watched=doc["at_risk"])]
    lines += [b + t("{who}: health {health}; {reasons}", who=f"{r['code']} {r['name']}",
                    health=f"{r['health']:g}", reasons=t("; ").join(r["reasons"]))
              for r in new_risk[:limit or None]] or [b + t("nothing new")]
    lines += _more(b, new_risk, limit, "kam risk")
    lines += ["", h + t("Dates coming up ({count})", count=len(dates))]
    lines += [b + t("{date} {who}: {what}", date=r["due"], who=f"{r['code']} {r['name']}",
                    what=labels.kind(r["kind"])) for r in dates[:limit or None]] or [b + t("none")]
    lines += _more(b, dates, limit, "kam due")
    text_block(lines)


def _more(bullet: str, items: Sequence[Any], limit: int, command: str) -> list[str]:
    left = len(items) - limit if limit else 0
    return [bullet + t("… {count} more: `{command}`", count=left, command=command)] \
        if left > 0 else []


_ACTIONS = {"created": N_("created"), "changed": N_("changed"), "removed": N_("removed"),
            "erased": N_("erased"), "noted": N_("noted")}


def _action(action: str) -> str:
    label = _ACTIONS.get(action)
    return t(label) if label else action


def history(entries: Sequence[dict[str, Any]], fmt: str, title: str, settings: Any) -> None:
    if fmt == "json":
        print_json(entries)
        return
    table_ = fmt == "table"

    def shown(k: str, value: Any) -> str:  # a stage or grade by its label in a table
        return _short(labels.value(settings, k, value) if table_ else value)

    rows = [{**x, "ts": x["ts"][:16].replace("T", " ") if table_ else x["ts"],
             "action": _action(x["action"]) if table_ else x["action"],
             "changes": "; ".join(f"{labels.field(k) if table_ else k}: {shown(k, o)} → "
                                  f"{shown(k, n)}" for k, (o, n) in _itemised(x["changes"]))}
            for x in entries]
    one = len({x["code"] for x in entries}) == 1  # one customer's: the title names it
    emit(rows, ("ts", "user", "command", "code", "action", "changes"), fmt, title=title,
         flex=("changes",), drop=("user", "command", *(("code",) if one else ())),
         wrap=("changes",))


def merged(keep: str, other: str, found: Sequence[tuple[str, Any, Any]], moved: int,
           dry_run: bool, fmt: str, settings: Any) -> None:
    """What kam merge did (or would do): the fields the two customers disagree on (a
    stage or a grade by its label in the table, by its key in JSON)."""
    if fmt == "json":
        print_json({"code": keep, "merged": other, "follow_ups": moved, "dry_run": dry_run,
                    "conflicts": [{"field": f, "kept": a, "other": b} for f, a, b in found]})
        return
    rows = [{"field": labels.field(f), keep: cell_text(labels.value(settings, f, a)),
             other: cell_text(labels.value(settings, f, b))} for f, a, b in found]
    if rows:
        table(rows, ("field", keep, other), flex=(keep, other),
              title=t("{count} conflicting value(s)", count=len(rows)))


def edits(done: Sequence[Any]) -> None:
    """What an edit changes, customer by customer (a dry run)."""
    rows = [{"code": e.code, "name": e.name, "changes": "; ".join(
        f"{labels.field(k)}: {_short(o)} → {_short(n)}" for k, (o, n) in _itemised(e.changes))}
        for e in done]
    emit(rows, ("code", "name", "changes"), "table",
         title=t("{count} to change", count=len(rows)), flex=("name", "changes"),
         wrap=("changes",))


def _itemised(changes: dict[str, Any]) -> list[tuple[str, tuple[Any, Any]]]:
    """Changes field by field, an extra column or a named date by itself (extra.微信:
    a → b), not the whole unchanged set of them around the one that changed."""
    out: list[tuple[str, tuple[Any, Any]]] = []
    for k, (o, n) in changes.items():
        if k in ("extra", "dates") and isinstance(o or {}, dict) and isinstance(n or {}, dict):
            o, n = o or {}, n or {}
            out += [(f"{k}.{key}", (o.get(key), n.get(key))) for key in dict.fromkeys([*o, *n])
                    if o.get(key) != n.get(key)]
        else:
            out.append((k, (o, n)))
    return out


def _short(v: Any) -> str:
    if isinstance(v, list) and v and all(isinstance(p, dict) and "name" in p for p in v):
        v = "、".join(str(p["name"]) for p in v)  # contacts: who, not every field
    text = cell_text(v)
    return shorten(text, 40) if text else "∅"


def backups(rows: Sequence[dict[str, Any]], fmt: str, title: str) -> None:
    """The backups, each with the command it came before and the customers it touched."""
    if fmt == "table":
        rows = [{**r, "customers": _some(r["customers"])} for r in rows]
    emit(rows, ("id", "time", "before", "customers", "size_kib"), fmt, title=title,
         flex=("before", "customers"))


def _some(codes: Sequence[str], most: int = 3) -> str:
    """A few codes, and how many more: KH1, KH2, KH3 (+97)."""
    shown = ", ".join(codes[:most])
    return shown + (f" (+{len(codes) - most})" if len(codes) > most else "")


# --- the review -------------------------------------------------------------------

_EIGHTHS = " ▏▎▍▌▋▊▉█"


def bar(value: float, most: float, cells: int) -> str:
    """A horizontal bar of value/most of `cells` cells, in eighths of a cell."""
    if most <= 0 or value <= 0:
        return ""
    eighths = max(1, round(value / most * cells * 8))
    return "█" * (eighths // 8) + (_EIGHTHS[eighths % 8] if eighths % 8 else "")


def review(doc: dict[str, Any], fmt: str, sections: Sequence[Any], chart: bool | None) -> None:
    """The review: each section as bars (a terminal) or as a plain table (piped)."""
    if fmt == "json":
        print_json(doc)
        return
    p, prev = doc["period"], doc["previous"]
    text_block([t("Review {label}: {start} to {end}, against {previous}; {count} customers",
                  label=p["label"], start=p["from"], end=p["as_of"], previous=prev["label"],
                  count=doc["customers"]), ""])
    if doc.get("records_from") and doc["records_from"] > prev["from"]:
        text_block([t("kam's records begin on {date}: of the time before, it knows only the "
                      "follow-ups logged or imported with their dates.",
                      date=doc["records_from"]), ""])
    bars = charts_wanted(chart)
    for section in sections:
        if bars and section.chart and section.rows:
            _bars(section)
        elif section.rows:
            keys = [f"c{i}" for i in range(len(section.headers))]
            coded = section.headers[0] == header("code")  # a code is never cut: the name is
            table([dict(zip(keys, row, strict=True)) for row in section.rows], keys,
                  title=section.title, heads=section.headers,
                  flex=keys[1:2] if coded else keys[:1])
        else:
            text_block([section.title, "  " + t("nothing in this period")])
        if section.notes:  # what the figures mean: wrapped, never cut
            cells = line_cells()
            text_block([("  " if i == 0 else "    ") + line for n in section.notes
                        for i, line in enumerate(wrap(n, cells - 4) if cells else [n])])
        print()


def _bars(section: Any) -> None:
    """One line per row: label, bar of the first charted value, the values as text."""
    cells = line_cells()
    labels_ = [visible(cell_text(r[0])) for r in section.rows]
    first = section.values[0]
    numbers = [float(r[first] or 0) for r in section.rows]
    tails = ["  ".join(f"{section.headers[i]} {cell_text(r[i])}" for i in range(1, len(r))
                       if i != first and cell_text(r[i]) != "") for r in section.rows]
    values = [cell_text(r[first]) for r in section.rows]
    left = max([width(x) for x in labels_] or [0])
    right = max([width(v) for v in values] or [0])
    tail = max([width(x) for x in tails] or [0])
    room = max(8, min(40, (cells or 80) - left - right - tail - 3 * GAP))
    most = max(numbers or [0])
    lines = [section.title]
    for lab, n, v, extra in zip(labels_, numbers, values, tails, strict=True):
        b = bar(n, most, room)
        lines.append(f"  {lab}{' ' * (left - width(lab))} {b}{' ' * (room - width(b))} "
                     f"{v:>{right}}  {extra}".rstrip())
    text_block(lines)
