"""What `kam import`, `kam undo` and `kam batches` show: the mapping kam chose, row notes
and errors (bounded on screen, all in JSON), the one-line summary, the batches."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from kam import labels
from kam.formats import cell_text
from kam.i18n import N_, t
from kam.render import emit, print_json, say, table, warn

_SKIPPED = {"numbered": N_("{count} numbered row(s) with nothing else skipped"),
            "note": N_("{count} title or note row(s) skipped"),
            "total": N_("{count} total row(s) skipped"),
            "empty": N_("{count} empty row(s) skipped"),
            "erased": N_("{count} erased customer(s) skipped")}


ROW_NOTES = 50  # row notes and errors an import shows on screen


def _where(doc: dict[str, Any]) -> str:
    """Where in the file the customers were read: a sheet and its header row, or cards."""
    if doc["header_row"] == 0:
        return t("vCard cards; rows are the lines each card begins on")
    return t("sheet {sheet}, header row {row}", sheet=repr(doc["sheet"]), row=doc["header_row"])


def import_report(doc: dict[str, Any]) -> None:
    """The import report: the mapping kam chose, then the row notes and errors."""
    special = {"extra": N_("extra (kept as is)"), "序号": N_("row number (not kept)"),
               "name/contact": N_("name, or contact")}
    mapping = [{"column": h, "target": t(special[k]) if k in special else labels.field(k)}
               for h, k in doc["columns"].items()]
    table(mapping, ("column", "target"), flex=("column", "target"),
          title=t("{file}: {where}", file=doc["file"], where=_where(doc)))
    lines = [(e["row"], t("error: {message}", message=e["message"]), "red")
             for e in doc["errors"]]
    lines += [(m["rows"][-1], m["note"], "") for m in doc.get("merged", [])]
    lines += [(n["row"], n["message"], "") for n in doc["notes"]]
    lines += [(c["row"], t("a further contact of the customer on row {joins}: {contact}",
                           joins=c["joins"], contact=c["contact"]), "")
              for c in doc.get("continued", [])]
    if lines:  # errors first, then the rest, each in sheet order; all of them in JSON
        ordered = sorted(lines, key=lambda x: (x[2] != "red", x[0]))[:ROW_NOTES]
        ordered.sort(key=lambda x: x[0])
        table([{"row": str(r), "message": m} for r, m, _ in ordered], ("row", "message"),
              title=t("Rows"), flex=("message",), styles=[s or None for _, _, s in ordered])
        if len(lines) > ROW_NOTES:
            say(t("{count} more row note(s) not shown: -f json lists them all",
                  count=len(lines) - ROW_NOTES))
    if doc.get("mapped_values"):
        table([{"column": m["column"], "value": m["value"],
                "target": m["label"], "count": m["count"]}
               for m in doc["mapped_values"]], ("column", "value", "target", "count"),
              title=t("Values read as"), flex=("value",))
    for u in doc.get("unknown_values", []):
        warn(t("{column}: unknown value {value} in {count} row(s) (first: row {row}); imported, "
               "the value kept in {kept_in}; map it with {hint}", column=u["column"],
               value=repr(u["value"]), count=u["count"], row=u["rows"][0],
               kept_in=u["kept_in"], hint=u["hint"]))
    counts: dict[str, int] = {}
    for sk in doc.get("skipped", []):
        counts[sk["reason"]] = counts.get(sk["reason"], 0) + 1
    for reason, n in counts.items():
        say(t(_SKIPPED[reason], count=n))
    if doc.get("changes"):  # field by field, a real import as a dry run; JSON has them all
        emit([{**c, "old": cell_text(c["old"]), "new": cell_text(c["new"])}
              for c in doc["changes"]], ("code", "field", "old", "new"), "table",
             title=t("{count} field(s) would change", count=len(doc["changes"]))
             if doc.get("dry_run") else t("{count} field(s) changed", count=len(doc["changes"])),
             flex=("old", "new"), limit=50)
    from kam.importplan import conflict_note

    kept = [c for c in doc.get("conflicts", []) if c["kept"] == "archive"]
    for c in kept[:20]:
        warn(t("{code} {note} (--prefer sheet takes the sheet's)", code=c["code"],
               note=conflict_note(c)))
    if len(kept) > 20:
        warn(t("{count} more value(s) of the sheet not taken: see -f json or kam history",
               count=len(kept) - 20))
    for sk in doc.get("skipped", []):
        if sk["reason"] == "erased":
            warn(t("row {row}: {text}", row=sk["row"], text=sk["text"]))
    blind = doc.get("scoring_blind", [])
    if len(blind) > 2:  # each is in the JSON report
        warn(t("scoring: {count} indicators without a value for most customers; kam score "
               "--explain says which, and what to do", count=len(blind)))
    else:
        for line in blind:
            warn(t("scoring: {line}", line=line))


def imported(doc: dict[str, Any], fmt: str) -> None:
    """The import report on stdout, and its one-line summary on stderr."""
    if fmt == "json":
        print_json(doc)
        for err in doc["errors"][:20]:  # the table shows row errors; JSON readers still see them
            warn(t("{file} row {row}: {message}", file=doc["file"], row=err["row"],
                   message=err["message"]))
    else:
        import_report(doc)
    values = {"file": doc["file"], "where": _where(doc), "created": doc["created"],
              "updated": doc["updated"], "unchanged": doc["unchanged"],
              "errors": len(doc["errors"])}
    text = (t("{file} ({where}): would import {created} new, {updated} updated, {unchanged} "
              "unchanged, {errors} row error(s)", **values)
            if doc["dry_run"] else
            t("{file} ({where}): imported {created} new, {updated} updated, {unchanged} "
              "unchanged, {errors} row error(s)", **values))
    if doc["batch"]:
        text += t("; undo with `kam undo {batch}`", batch=doc["batch"])
    say(text)
    if doc.get("encoding_detected"):
        say(t("{file}: read as {encoding} (detected); if the text looks wrong, name the "
              "encoding with --encoding", file=doc["file"], encoding=doc["encoding"]))
    left_out = sorted({e["row"] for e in doc["errors"]} | {s["row"] for s in doc.get("skipped", [])
                                                          if s.get("reason") == "erased"})
    if left_out:  # a cron import must not look complete
        say(t("rows not imported: {rows}", rows=", ".join(map(str, left_out[:50])) +
              (" …" if len(left_out) > 50 else "")))


def batches(rows: Sequence[dict[str, Any]], fmt: str) -> None:
    if fmt == "table":
        from pathlib import Path

        rows = [{**r, "file": Path(r["file"]).name, "when": str(r.get("when") or "")[:16]
                 .replace("T", " "), "undone": t("yes") if r.get("undone") else ""}
                for r in rows]
        emit(rows, ("id", "when", "file", "created", "updated", "undone"), fmt,
             title=t("Import batches"), flex=("file",))
    else:
        emit(rows, ("id", "when", "file", "sheet", "created", "updated", "unchanged", "undone"),
             fmt)
