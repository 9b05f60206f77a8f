"""The daily view (ops/view.py, kept by store/derived.py) never changes an answer:
due, risk, list and the digest read from it give what the from-scratch core gives
(followup.due_items and health, scoring) on random archives; a write patches it to
what working it out again gives; another day, kam.yaml or language works it out
again; a damaged or foreign file is ignored; an erasure removes it."""

from __future__ import annotations

import json
import random
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from conftest import Kam

from kam.dates import previous_working_day
from kam.followup import LOST, Health, due_items, health, risk_order
from kam.formats import Encoded, json_document
from kam.ops import daily
from kam.ops.context import Context
from kam.ops.customers import load_ranked
from kam.ops.listing import listing
from kam.records import Filter, record, select, sort_customers
from kam.scoring import Scorer
from kam.store import derived
from kam.store.derived import PARTS, identity_of, load, path_for

STAGES = ["潜在客户", "意向客户", "合作中", "长期合作", "流失风险客户"]
LEVELS = ["高价值", "中价值", "低价值", ""]


def _random_archive(kam: Kam, seed: int, n: int = 15) -> None:
    rng = random.Random(seed)
    for i in range(n):
        code = f"R{seed}{i:03d}"
        args = ["add", "--code", code, "--name", f"客户{seed}-{i}", "--stage", rng.choice(STAGES),
                "--owner", rng.choice(["张华", "李明"])]
        if level := rng.choice(LEVELS):
            args += ["--value-level", level]
        if rng.random() < 0.3:
            args += ["--tag", "重点跟进"]
        if rng.random() < 0.5:
            args += ["--contact-info", f"139{rng.randrange(10**8):08d}", "--note",
                     f"王总 138{rng.randrange(10**8):08d}", "--extra", f"微信=wx{i}"]
        kam(*args)
        for _ in range(rng.randrange(0, 4)):
            day = f"2026-{rng.randrange(1, 11):02d}-{rng.randrange(1, 28):02d}"
            kind = rng.choice(["call", "visit", "order", "complaint"])
            extra = ["--amount", str(rng.randrange(1000, 90000))] if kind == "order" else []
            kam("log", code, "记录", "-k", kind, "--date", day, *extra)
        if rng.random() < 0.1:
            kam("archive", code)


def _from_scratch(kam: Kam, day: str = "2026-11-23") -> dict[str, tuple[str, float]]:
    from datetime import date

    ctx = Context.create(kam.db, today=date.fromisoformat(day))
    with ctx.reader() as store:
        everyone = store.customers(include_archived=True)
    scorer = Scorer(ctx.settings, ctx.today)
    return {c.code: tuple(scorer.rank(c)) for c in everyone}  # type: ignore[misc]


def due_from_scratch(ctx: Context, days: int) -> list[dict[str, Any]]:
    """followup.due_items over every customer scored now: the path of `due --explain`."""
    with ctx.reader() as store:
        chosen = store.customers()
    scorer = Scorer(ctx.settings, ctx.today)
    ranks = {c.code: scorer.rank(c) for c in chosen}
    return [{"code": i.code, "name": i.name, "kind": i.kind, "due": i.due.isoformat(),
             "days_overdue": i.days_overdue, "section": i.section, "tier": i.tier,
             "owner": i.owner, "urgency": i.urgency}
            for i in due_items(chosen, ranks, ctx.settings, ctx.today, days)]


def risks(customers: list[Any], ranks: dict[str, Any], settings: Any, day: date
          ) -> list[Health]:
    """The churn warning from scratch: each customer's health (the core's), those at
    risk, lowest health first. Lost customers are reviewed, not warned about."""
    out = [health(c, ranks[c.code].tier, settings, day) for c in customers if c.stage != LOST]
    return sorted((h for h in out if h.at_risk), key=lambda h: risk_order(h.health, h.code))


def _risk_from_scratch(ctx: Context, threshold: float) -> list[dict[str, Any]]:
    with ctx.reader() as store:
        chosen = store.customers()
    scorer = Scorer(ctx.settings, ctx.today)
    ranks = {c.code: scorer.rank(c) for c in chosen}
    settings = ctx.settings._replace(risk=ctx.settings.risk._replace(threshold=threshold))
    return [{"code": h.code, "name": h.name, "health": h.health, "reasons": list(h.reasons),
             "days_since_contact": h.days_since_contact, "dormant": h.dormant, "tier": h.tier,
             "owner": h.owner, "signals": list(h.signals)}
            for h in risks(chosen, ranks, settings, ctx.today)]


def _new_risks_from_scratch(ctx: Context) -> list[str]:
    """The digest's new risks: on today's watch list, and not on the one of the working
    day before (each customer's tier as of today)."""
    with ctx.reader() as store:
        chosen = store.customers()
    scorer = Scorer(ctx.settings, ctx.today)
    ranks = {c.code: scorer.rank(c) for c in chosen}
    was = {h.code for h in risks(chosen, ranks, ctx.settings, previous_working_day(ctx.today))}
    return [h.code for h in risks(chosen, ranks, ctx.settings, ctx.today) if h.code not in was]


LISTINGS = [(Filter(), sort, archived, masked, labels)
            for sort in ("code", "-score", "name", "last_contact", "-next_follow_up", "stage",
                         "owner", "updated", "-created")
            for archived, masked, labels in ((False, False, False), (True, True, True))] + [
    (Filter(stage="合作中"), "code", False, False, True), (Filter(tags=("重点跟进",)), "-score",
    True, True, False), (Filter(tier="A"), "name", False, False, False),
    (Filter(owner="张华", value_level="高价值"), "code", True, False, False)]


def _list_from_scratch(ctx: Context, f: Filter, sort: str, archived: bool, masked: bool,
                       labels: bool) -> list[dict[str, Any]]:
    """`kam list` from kam.json: each customer's record made now."""
    with ctx.reader() as store:
        everyone = store.customers(include_archived=archived)
    scorer = Scorer(ctx.settings, ctx.today)
    ranks = {c.code: scorer.rank(c) for c in everyone}
    chosen = sort_customers(select(everyone, f.resolved(ctx.settings), ranks), sort, ranks)
    return [record(c, ranks[c.code], ctx.settings, masked=masked, labels=labels)
            for c in chosen]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_view_gives_what_the_core_gives_from_scratch(kam: Kam, seed: int) -> None:
    _random_archive(kam, seed, n=25)
    for day in ("2026-11-23", "2026-12-30", "2027-06-01"):
        ctx = Context.create(kam.db, today=date.fromisoformat(day))
        for days in (0, 7, 60, 400):
            assert daily.due(ctx, days) == due_from_scratch(ctx, days), (day, days)
        for threshold in (40.0, 60.0, 90.0):
            assert daily.risk(ctx, threshold=threshold) == _risk_from_scratch(ctx, threshold)
        due_all, risk_all = due_from_scratch(ctx, 60), _risk_from_scratch(ctx, 90.0)
        for owner in ("张华", "李明"):  # with a filter, each row is tested (without, not)
            f = Filter(owner=owner)
            assert daily.due(ctx, 60, f) == [i for i in due_all if i["owner"] == owner]
            assert daily.risk(ctx, f, threshold=90.0) == [r for r in risk_all
                                                          if r["owner"] == owner]
        assert {i["owner"] for i in due_all} == {"张华", "李明"}  # each filter left some out
        _customers, ranks = load_ranked(ctx, include_archived=True)
        assert {k: tuple(v) for k, v in ranks.items()} == _from_scratch(kam, day)
        for f, sort, archived, masked, labels in LISTINGS:
            scratch = _list_from_scratch(ctx, f, sort, archived, masked, labels)
            assert listing(ctx, f, sort, archived, masked, labels).records == scratch
            ctx.view = None  # JSON output takes the records as the view keeps their text
            kept = listing(ctx, f, sort, archived, masked, labels, encoded=True).records
            assert json_document(kept) == json_document(scratch), (f, sort)
            assert all(type(r) is Encoded for r in kept) or masked or labels
        for archived in (False, True):  # score: --explain works it out from scratch
            rows, blind = daily.scores(ctx, include_archived=archived)
            full, full_blind = daily.scores(ctx, include_archived=archived, explain=True)
            assert rows == [{k: v for k, v in r.items() if k != "explain"} for r in full]
            assert blind == full_blind
            ctx.view = None  # JSON output takes the items as the view keeps their text
            kept, _ = daily.scores(ctx, include_archived=archived, encoded=True)
            assert json_document(kept) == json_document(rows)
            assert all(type(r) is Encoded for r in kept)


@pytest.mark.parametrize("seed", [1, 2])
def test_the_digests_new_risks_are_what_the_core_gives_from_scratch(kam: Kam, seed: int) -> None:
    """The view keeps, for each customer on the watch list, whether it was on the list
    of the working day before: the digest's new risks, day after day, are those the
    core finds comparing the two days from scratch."""
    from datetime import timedelta

    _random_archive(kam, seed, n=25)
    found = []
    for n in range(0, 240, 3):
        day = date(2026, 11, 2) + timedelta(days=n)
        ctx = Context.create(kam.db, today=day)
        first = daily.digest(ctx)  # the view worked out for the day: from its rows
        new = [r["code"] for r in first["new_risks"]]
        assert new == _new_risks_from_scratch(ctx), ctx.today
        again = Context.create(kam.db, today=day)
        assert daily._digest_indexed(again, 7) is not None
        assert daily.digest(again) == first  # from its indexes
        found += new
    assert found  # some days had new risks


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kept_view_gives_the_same_answers(kam: Kam, seed: int) -> None:
    _random_archive(kam, seed)
    keep = path_for(kam.db)
    keep.unlink(missing_ok=True)
    first = {cmd: kam(cmd, "-f", "json").stdout for cmd in ("due", "risk", "list", "digest")}
    assert keep.exists()
    again = {cmd: kam(cmd, "-f", "json").stdout for cmd in ("due", "risk", "list", "digest")}
    assert first == again
    # score --explain computes from scratch: it agrees with what list shows
    listed = {c["code"]: c["tier"] for c in json.loads(first["list"])}
    scored = {r["code"]: r["tier"] for r in kam.json("score")}
    assert all(scored[code] == tier for code, tier in listed.items())


def _rows(kam: Kam) -> list[Any]:
    """The view's rows as a reader gets them for the kam.json on disk (with the changes
    kept since, if any)."""
    key = json.loads(path_for(kam.db).read_bytes().partition(b"\n")[0])["key"]
    rows = load(kam.db, key, identity_of(kam.db), range(1, PARTS))
    assert rows is not None
    return rows


@pytest.mark.parametrize("seed", [4, 5])
def test_a_write_patches_the_view_to_what_working_it_out_gives(kam: Kam, seed: int) -> None:
    _random_archive(kam, seed, n=12)
    rng = random.Random(seed)
    kam("due")
    writes = [("log", "{code}", "电话", "-k", "call"),
              ("log", "{code}", "下单", "-k", "order", "--amount", "50000"),
              ("log", "{code}", "投诉", "-k", "complaint"),
              ("snooze", "{code}", "--days", "3"), ("edit", "{code}", "--owner", "王五"),
              ("edit", "{code}", "--tag", "重点跟进"), ("archive", "{code}"),
              ("lost", "{code}", "--reason", "价格"),
              ("add", "--code", "NEW{n}", "--name", "新客户{n}")]
    for n in range(8):
        code = f"R{seed}{rng.randrange(12):03d}"
        args = [a.format(code=code, n=n) for a in rng.choice(writes)]
        kam(*args)
        patched = _rows(kam)  # kept by the write for the new kam.json
        path_for(kam.db).unlink()
        kam("due")
        assert _rows(kam) == patched, args


def _scratch_rows(kam: Kam) -> list[Any]:
    """Every customer's row worked out now from kam.json, as a reader parses it."""
    from kam.formats import encoder
    from kam.ops.view import Builder

    ctx = Context.create(kam.db, today=date(2026, 11, 23))
    with ctx.reader() as store:
        everyone = store.customers(include_archived=True)
    line = encoder()
    build = Builder(ctx.settings, ctx.today)
    return [[json.loads(line(part)) for part in build.row(c)] for c in everyone]


def _indexes_agree(kam: Kam, args: Any) -> None:
    """due and risk without a filter read the view's indexes (with the changes kept
    since merged in): the same answers as the core from scratch, in the same order;
    the due table reads only the items it shows."""
    from kam.followup import SECTIONS, is_at_risk, shown
    from kam.ops import view

    ctx = Context.create(kam.db, today=date(2026, 11, 23))
    for days in (0, 7, 400):
        found = view.indexed(ctx, {view.DUE_INDEX: lambda k: shown(k[0], k[1], days)})  # noqa: B023
        assert found is not None, args
        kept = found[view.DUE_INDEX]
        scratch = due_from_scratch(ctx, days)
        assert view.decoded([x for _, x in kept]) == scratch, (args, days)
        assert daily.due(ctx, days) == scratch
        for limit in (0, 2):
            assert daily.due_sections(ctx, days, limit=limit) == [
                (name, len(part), part[:limit] if limit else part)
                for name in SECTIONS for part in [[i for i in scratch if i["section"] == name]]]
    for below in (40.0, 90.0):
        found = view.indexed(ctx, {view.RISK_INDEX: lambda k: is_at_risk(k[0], k[1], below)})  # noqa: B023
        assert found is not None, args
        kept = found[view.RISK_INDEX]
        assert view.decoded([x for _, x in kept]) == _risk_from_scratch(ctx, below), args
        encoded = daily.risk(ctx, threshold=below, encoded=True)
        assert all(type(r) is Encoded for r in encoded)
        assert json_document(encoded) == json_document(_risk_from_scratch(ctx, below))
    for days in (0, 7, 60):  # the digest: its parts from the indexes as from the rows
        fast = daily._digest_indexed(ctx, days)
        assert fast is not None, args
        rows = daily._digest_rows(Context.create(kam.db, today=ctx.today), days)
        assert (fast[0], fast[2], fast[3]) == (rows[0], rows[2], rows[3]), (args, days)
        assert fast[1] == {code: list(line) for code, line in rows[1].items()}, (args, days)


@pytest.mark.parametrize("seed", [6, 7])
def test_writes_keep_their_changes_beside_the_view_then_fold_them(
        kam: Kam, seed: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Each write keeps only the rows it changed (kam.view.changes.json) and readers
    apply them; past the limit they are folded into the view. After every write, in
    any order of changes, removals and additions, the view a reader gets is the one
    worked out from scratch."""
    monkeypatch.setattr(derived, "FOLD_MIN", 6)
    monkeypatch.setattr(derived, "FOLD_SHARE", 10**6)
    _random_archive(kam, seed, n=16)
    rng = random.Random(seed)
    kam("due")
    base = path_for(kam.db).read_bytes()
    writes = [("log", "{code}", "电话", "-k", "call"), ("done", "{code}", "回访"),
              ("log", "{code}", "下单", "-k", "order", "--amount", "50000"),
              ("snooze", "{code}", "--days", "3"), ("edit", "{code}", "--owner", "王五"),
              ("archive", "{code}"), ("lost", "{code}", "--reason", "价格"),
              ("add", "--code", "NEW{n}", "--name", "新客户{n}"),
              ("rename", "{code}", "RN{n}"), ("merge", "{code}", "{other}")]
    seen = {"changes": 0, "folds": 0}
    for n in range(40):
        codes = [r[0][0] for r in _rows(kam)]
        code, other = rng.sample(codes, 2)
        args = [a.format(code=code, other=other, n=n) for a in rng.choice(writes)]
        kam(*args)
        key = json.loads(path_for(kam.db).read_bytes().partition(b"\n")[0])["key"]
        rows = load(kam.db, key, identity_of(kam.db), range(1, PARTS))
        if rows is None:  # a write changing a quarter of the customers leaves it to a reader
            assert len(codes) <= 9  # a merge (two rows) in nine
            kam("due")
            base = path_for(kam.db).read_bytes()
            continue
        assert sorted(rows) == sorted(_scratch_rows(kam)), args
        assert len({r[0][0] for r in rows}) == len(rows)
        _indexes_agree(kam, args)
        view = path_for(kam.db).read_bytes()
        if derived.changes_path(kam.db).exists():
            seen["changes"] += 1
            assert view == base  # the view itself is not rewritten for a few rows
        elif view != base:
            seen["folds"] += 1
            assert json.loads(view.partition(b"\n")[0])["source"] == identity_of(kam.db)
            base = view
    assert seen["changes"] > 20 and seen["folds"] >= 2, seen


def test_a_row_gone_and_back_is_added_again_at_the_end(tmp_path: Path) -> None:
    """A customer removed (a merge) and added again under its code is a new row, last,
    as kam.json holds it: its old place stays gone. Kept and read back the same."""
    def row(code: str) -> list[bytes]:
        return [f'["{code}", 1]'.encode()] * PARTS

    changes = derived.Changes([1, 2, 3], 3)
    changes.change("B", 1, None)
    changes.change("B", 1, row("B"))  # the writer still finds B at 1 in the view
    changes.change("C", 2, row("C"))
    changes.change("N", -1, row("N"))
    changes.change("N", -1, None)  # added, then removed: nothing left of it
    assert changes.gone == {1} and changes.rows == {"B": (-1, row("B")), "C": (2, row("C"))}
    assert changes.dropped == {"B", "N"}  # their entries leave the indexes
    columns = [["a", "b", "c"] for _ in range(PARTS)]
    count, out = changes.apply(columns, lambda p, line: line)
    assert count == 3 and out == [["a", row("C")[0], row("B")[0]]] * PARTS
    db = tmp_path / "kam.json"
    changes.write(db, "key", [9])
    back = derived.Changes.read(db, "key", [9], 3)
    assert back is not None and (back.source, back.gone, back.rows, back.dropped) == (
        changes.source, changes.gone, changes.rows, changes.dropped)
    assert derived.Changes.read(db, "key", [8], 3) is None  # of another view


def test_changes_that_do_not_fit_the_view_are_ignored(kam: Kam) -> None:
    _random_archive(kam, 8, n=6)
    kam("due")
    kam("log", "R8001", "电话")
    changes = derived.changes_path(kam.db)
    kept = changes.read_bytes()
    want = {cmd: kam(cmd, "-f", "json").stdout for cmd in ("due", "list")}
    head, _, body = kept.partition(b"\n")
    doc = json.loads(head)
    view = path_for(kam.db)
    kept_view = view.read_bytes()
    for junk in (b"{ damaged", b"", json.dumps({**doc, "base": [1, 2, 3]}).encode() + b"\n" + body,
                 json.dumps({**doc, "key": "x"}).encode() + b"\n" + body,
                 json.dumps({**doc, "rows": 99}).encode() + b"\n" + body,
                 json.dumps({**doc, "gone": [99]}).encode() + b"\n" + body,
                 json.dumps({**doc, "changed": 2}).encode() + b"\n" + body,
                 head + b"\n" + body[:len(body) // 2],  # torn
                 head + b"\n" + body.replace(b"[", b"{", 1),
                 head + b"\n" + body.replace(b"R8001", b"R8009", 1)):  # a code not there
        changes.write_bytes(junk)
        view.write_bytes(kept_view)
        assert {cmd: kam(cmd, "-f", "json").stdout for cmd in ("due", "list")} == want, junk


def test_what_the_view_depends_on(kam: Kam, kam_env: Path) -> None:
    _random_archive(kam, 7, n=8)
    kam("due")
    keep = path_for(kam.db)
    kept = keep.read_bytes()
    kam("due", "--today", "2027-03-01")  # another day: worked out for it
    assert keep.read_bytes() != kept
    kam("due")
    assert keep.read_bytes() == kept
    kam("--lang", "zh", "risk")  # another language: the reasons are in it
    assert keep.read_bytes() != kept
    kam("due")
    (kam_env.parent / "kam.yaml").write_text(
        "scoring:\n  tiers:\n    - {name: A, label: 核心, min: 10}\n"
        "    - {name: B, label: 其他, min: 0}\n", encoding="utf-8")
    tiers = {c["tier"] for c in kam.json("list")}
    assert tiers <= {"A", "B"}  # the new tiers, not the kept ones
    assert {r["tier"] for r in kam.json("due")} <= {"A", "B"}


def test_a_damaged_or_foreign_file_is_ignored(kam: Kam) -> None:
    _random_archive(kam, 9, n=6)
    want = {cmd: kam(cmd, "-f", "json").stdout for cmd in ("due", "list", "risk")}
    table = kam("due").stdout
    keep = path_for(kam.db)
    head, _, rows = keep.read_bytes().partition(b"\n")
    good = json.loads(head)
    for junk in (b"{ damaged", b"[]", b'{"key": 1}', b"", b"\n\n",
                 json.dumps({**good, "source": [1, 2, 3]}).encode() + b"\n" + rows,
                 json.dumps({**good, "key": "another kam.yaml"}).encode() + b"\n",
                 head + b"\n" + rows[:len(rows) // 2],  # torn
                 head + b"\n" + b"\n".join(rows.split(b"\n")[1:]),  # a row short
                 head + b"\n" + b"\n".join(rows.split(b"\n")[6:]),  # a block short
                 head + b"\n" + rows.replace(b"[", b"{", 1),  # a row that is not one
                 head + b"\n" + b"{}\n" + rows,
                 # an index's item or key changed, of the same length
                 head + b"\n" + rows.replace(b'"section": "', b'"section"# "', 1),
                 head + b"\n" + rows.replace(b'"section": "', b'"section": {', 1),
                 head + b"\n" + rows.replace(b'"R9', b'"X9', 1),  # a code in a row
                 head + b"\n" + rows.replace(b"false", b"fals ", 1),
                 head + b"\n" + _in_keys(rows, good, b"[", b"{")):
        keep.write_bytes(junk)
        assert {cmd: kam(cmd, "-f", "json").stdout for cmd in ("due", "list", "risk")} == want
        assert kam("due").stdout == table


def _in_keys(rows: bytes, head: dict[str, Any], old: bytes, new: bytes) -> bytes:
    """The view's blocks with the first `old` in the due index's keys made `new`."""
    at = sum(size for size, _ in head["blocks"][:PARTS])
    end = at + head["blocks"][PARTS][0]
    return rows[:at] + rows[at:end].replace(old, new, 1) + rows[end:]


def test_erase_removes_the_view(kam: Kam) -> None:
    kam("add", "--code", "E1", "--name", "要删除的公司", "--contact-info", "13900001111")
    for n in range(2, 6):
        kam("add", "--code", f"E{n}", "--name", "留下的公司")
    kam("log", "E1", "电话", "--date", "2026-01-05")
    kam("due")
    kept = path_for(kam.db).read_text(encoding="utf-8")
    assert "要删除的公司" in kept and "13900001111" in kept  # kam list's records
    kam("edit", "E1", "--note", "改过")  # kept in the view's changes
    assert "要删除的公司" in derived.changes_path(kam.db).read_text(encoding="utf-8")
    kam("erase", "E1", "--yes")
    assert not path_for(kam.db).exists() and not derived.changes_path(kam.db).exists()
    assert [r["code"] for r in kam.json("list")] == ["E2", "E3", "E4", "E5"]
    kept = path_for(kam.db).read_text(encoding="utf-8")
    assert "要删除的公司" not in kept and "13900001111" not in kept


def test_the_review_agrees_with_and_without_the_view(kam: Kam) -> None:
    _random_archive(kam, 5, n=12)
    kam("due")  # keeps today's view
    with_kept = kam("review", "--quarter", "2026Q4", "-f", "json").stdout
    path_for(kam.db).unlink()
    assert kam("review", "--quarter", "2026Q4", "-f", "json").stdout == with_kept


def test_a_kam_json_edited_by_hand_is_checked_though_a_view_was_made_of_it(kam: Kam) -> None:
    """A reader skips the shape check of the kam.json the view was made from (kam wrote
    or checked it); an edit by hand is another file, checked again."""
    kam("add", "--code", "H1", "--name", "甲")
    kam("due")
    doc = json.loads(kam.db.read_text(encoding="utf-8"))
    next(iter(doc["customers"].values()))["tags"] = "重点"
    kam.db.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    for cmd in (("show", "H1"), ("edit", "H1", "--note", "x"), ("list",)):
        r = kam(*cmd, code=3)
        assert "'tags'" in r.stderr and r.stderr.count("\n") == 1


def test_an_edit_in_place_with_the_time_put_back_is_seen(kam: Kam) -> None:
    """An editor then `touch -r`, `rsync --inplace -t` or a 2-second FAT clock: same size,
    same modification time, other content. Every daily command sees the edit, as show does."""
    import os

    kam("add", "--code", "KH1", "--name", "甲公司", "--owner", "张华")
    kam("due")  # the view, kept
    db = kam.db
    before = os.stat(db)
    raw = db.read_bytes()
    assert raw.count("张华".encode()) == 1
    with open(db, "r+b") as f:  # in place: same inode, same size
        f.write(raw.replace("张华".encode(), "李明".encode()))
    os.utime(db, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert os.stat(db).st_size == before.st_size
    assert kam.json("list")[0]["owner"] == "李明"
    assert kam.json("show", "KH1")["owner"] == "李明"
    assert kam.json("list", "--owner", "李明")[0]["code"] == "KH1"


@pytest.mark.parametrize("kind", ["fifo", "dev-zero"])
@pytest.mark.parametrize("name", ["kam.view.json", "kam.view.changes.json"])
def test_a_special_file_in_the_views_place_is_never_read(kam: Kam, kind: str, name: str) -> None:
    """A FIFO would hang a reader (writers too: they patch the view); a link to /dev/zero
    would fill the memory. Neither is opened: the answers are worked out from kam.json."""
    import os

    kam("add", "--code", "KH1", "--name", "甲公司", "--next", "2026-11-25")
    place = kam.db.with_name(name)
    place.unlink(missing_ok=True)
    if kind == "fifo":
        os.mkfifo(place)
    else:
        os.symlink("/dev/zero", place)
    assert [r["code"] for r in kam.json("due")] == ["KH1"]
    kam("log", "KH1", "电话", "--next", "2026-12-01")
    assert [r["due"] for r in kam.json("due", "--days", "30")] == ["2026-12-01"]


def test_a_view_row_of_another_shape_is_worked_out_again(kam: Kam) -> None:
    """The kept lists are read into named fields (Follow, Health): a follow-up list of
    another length (a file changed by hand) is not read at all; the answers are worked
    out from kam.json."""
    import zlib

    kam("add", "--code", "KH1", "--name", "甲", "--next", "2026-11-25")
    tier = kam.json("list")[0]["tier"]
    args = ("due", "--tier", tier)  # with a filter, due reads the due part of the rows
    expected = kam.json(*args)
    assert [i["code"] for i in expected] == ["KH1"]
    view = path_for(kam.db)
    lines = view.read_bytes().split(b"\n")
    head = json.loads(lines[0])
    rows = head["rows"]
    assert rows == 1
    lines[1 + rows] = b'[[1,"x",2],[]]'  # the first row's due part: a follow-up cut short
    at = 1
    for block in head["blocks"][:PARTS]:  # each of the rows' blocks whole: of its size and CRC
        data = b"".join(x + b"\n" for x in lines[at:at + rows])
        block[:] = [len(data), zlib.crc32(data)]
        at += rows
    lines[0] = json.dumps(head).encode()
    view.write_bytes(b"\n".join(lines))
    assert derived.load(kam.db, head["key"], identity_of(kam.db), [1]) is not None  # read
    assert kam.json(*args) == expected
    assert b'[[1,"x",2],[]]' not in view.read_bytes()  # refused, and worked out again
