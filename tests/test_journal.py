"""The follow-up journal (store/db.py): `kam log` appends one line instead of rewriting
the log; a removal or a full journal writes the log whole; readers see committed
lines only; backups, restore and erase follow it. And activity.absorb: the kept
stats after one more follow-up equal the stats summarized from the whole log."""

from __future__ import annotations

import json
import random
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import Kam

from kam.activity import absorb, refresh
from kam.models import Customer, Interaction
from kam.records import new_interaction
from kam.store import db as store_db
from kam.store.db import JOURNAL, open_store
from kam.store.tables import docs_with

TODAY = date(2026, 11, 23)


def _journal(kam: Kam) -> Path:
    return kam.db.with_name(kam.db.stem + JOURNAL)


def _log_file(kam: Kam) -> Path:
    return kam.db.with_name(kam.db.stem + ".interactions.json")


def _ids(kam: Kam, code: str) -> list[str]:
    return [i["id"] for i in kam.json("show", code, "-f", "json")["interactions"]]


def test_log_appends_to_the_journal_and_leaves_the_log_file_alone(two: Kam) -> None:
    two("log", "KH2024001", "第一次电话")  # the first follow-up: there is no log file yet
    log_file = _log_file(two)
    before = log_file.stat()
    for n in range(3):
        two("log", "KH2024001", f"电话 {n}", "-k", "order", "--amount", "1000")
    after = log_file.stat()
    assert (after.st_ino, after.st_mtime_ns, after.st_size) == (
        before.st_ino, before.st_mtime_ns, before.st_size)
    lines = [json.loads(x) for x in _journal(two).read_text(encoding="utf-8").splitlines()]
    assert [sorted(x) for x in lines] == [["gen", "put"]] * 3
    assert [next(iter(x["put"].values()))["summary"] for x in lines] == ["电话 0", "电话 1", "电话 2"]
    shown = two.json("show", "KH2024001", "-f", "json")
    assert [i["summary"] for i in shown["interactions"]][:4] == ["电话 2", "电话 1", "电话 0",
                                                                "第一次电话"]
    assert two.json("list", "-f", "json")[0]["last_contact"] == TODAY.isoformat()


def test_a_removal_writes_the_log_whole_and_drops_the_journal(two: Kam) -> None:
    two("log", "KH2024001", "第一次电话")
    two("log", "KH2024001", "第二次电话")
    two("log", "KH2024002", "微信沟通", "-k", "wechat")
    assert _journal(two).exists()
    gone = _ids(two, "KH2024001")[0]
    two("unlog", gone)
    assert not _journal(two).exists()
    stored = json.loads(_log_file(two).read_text(encoding="utf-8"))["interactions"]
    assert sorted(d["summary"] for d in stored.values()) == ["微信沟通", "第一次电话"]


def test_a_full_journal_is_folded_into_the_log(two: Kam, monkeypatch: pytest.MonkeyPatch
                                               ) -> None:
    two("log", "KH2024001", "第一次电话")
    monkeypatch.setattr(store_db, "JOURNAL_FOLD", 100)  # bytes: one line passes it
    two("log", "KH2024001", "第二次电话，讨论了报价和交期")
    assert _journal(two).exists()
    two("log", "KH2024002", "第三次")
    assert not _journal(two).exists()
    stored = json.loads(_log_file(two).read_text(encoding="utf-8"))["interactions"]
    assert len(stored) == 3
    assert len(_ids(two, "KH2024001")) == 2


def test_a_reader_sees_only_what_had_committed_when_it_opened(two: Kam) -> None:
    two("log", "KH2024002", "写下日志文件")  # the first follow-up writes the log whole
    two("log", "KH2024001", "已提交")
    with open_store(two.db) as reader:
        two("log", "KH2024001", "之后的")  # appended after the reader loaded kam.json
        seen = [i.summary for i in reader.interactions("KH2024001")]
    assert seen == ["已提交"]


def test_a_line_of_a_commit_that_never_happened_is_ignored_then_cut(two: Kam) -> None:
    two("log", "KH2024002", "写下日志文件")
    two("log", "KH2024001", "已提交")
    journal = _journal(two)
    committed = journal.read_bytes()
    gen = json.loads(committed.splitlines()[-1])["gen"]
    stray = {"gen": gen + 1, "put": {"ffff0000": {"id": "ffff0000", "code": "KH2024001",
                                                  "date": "2026-11-23", "kind": "call",
                                                  "summary": "从未提交"}}}
    journal.write_bytes(committed + json.dumps(stray).encode() + b"\n" + b'{"gen": 9, "pu')
    assert [i["summary"] for i in two.json("show", "KH2024001", "-f", "json")["interactions"]
            ] == ["已提交"]
    two("log", "KH2024002", "下一个写入", "--date", "2026-11-20")
    lines = journal.read_bytes().splitlines()
    assert lines[0] == committed.rstrip(b"\n") and len(lines) == 2
    assert "从未提交" not in journal.read_text(encoding="utf-8")


def test_a_damaged_journal_line_is_reported_and_kept(two: Kam) -> None:
    two("log", "KH2024002", "写下日志文件")
    two("log", "KH2024001", "一")
    two("log", "KH2024001", "二")
    journal = _journal(two)
    lines = journal.read_bytes().splitlines(keepends=True)
    damaged = b'{"gen": "x"}\n' + lines[1]
    journal.write_bytes(damaged)
    r = two("show", "KH2024001", code=3)
    assert f"{journal} is damaged (line 1)" in r.stderr and "Traceback" not in r.stderr
    # `kam log` does not read the journal: it appends after the damage, which stays as it was
    two("log", "KH2024001", "三")
    assert journal.read_bytes().startswith(damaged)
    two("unlog", "ffff", code=3)  # anything that reads the log refuses, naming the line
    assert journal.read_bytes().startswith(damaged)


def test_restore_gives_the_follow_ups_of_that_backup_only(two: Kam) -> None:
    two("log", "KH2024001", "一")
    two("log", "KH2024001", "二")  # its backup links the journal, which grows after it
    two("log", "KH2024001", "三")
    backups = two.json("backups", "-f", "json")
    before_three = backups[-1]["id"]  # kept before the third follow-up
    two("restore", str(before_three))
    assert [i["summary"] for i in two.json("show", "KH2024001", "-f", "json")["interactions"]
            ] == ["二", "一"]


def test_erase_leaves_nothing_in_journals_kept_by_backups(two: Kam) -> None:
    two("log", "KH2024001", "电话 13956781234")
    two("log", "KH2024001", "再次电话 13956781234")
    two("log", "KH2024002", "别的客户")
    two("erase", "KH2024001", "--yes")
    for f in two.db.parent.rglob("*"):
        if f.is_file():
            assert b"13956781234" not in f.read_bytes(), f
    assert [i["summary"] for i in two.json("show", "KH2024002", "-f", "json")["interactions"]
            ] == ["别的客户"]


# --- absorb: one more follow-up from the kept stats, against the whole log ---

KINDS = ["call", "visit", "order", "complaint", "wechat", "follow_up"]


@pytest.mark.parametrize("seed", range(40))
def test_absorb_equals_refresh_from_the_whole_log(seed: int) -> None:
    rng = random.Random(seed)
    day = date(2025, 1, 1) + timedelta(days=rng.randrange(700))
    c = Customer("K1", "客户", last_contact=rng.choice([None, "2024-05-01"]))
    log: list[Interaction] = []
    for n in range(rng.randrange(1, 30)):
        day += timedelta(days=rng.choice([0, 0, 1, 3, 30, 200]))
        stamp = f"{day.isoformat()}T09:{n // 60:02d}:{n % 60:02d}"
        kind = rng.choice(KINDS)
        amount = float(rng.randrange(1, 9000)) / rng.choice([1, 3]) if kind == "order" else None
        when = day - timedelta(days=rng.choice([0, 0, 1, 5, 90, 130, 420]))  # often backdated
        new = new_interaction("K1", when, kind, f"第{n}次", amount, None, stamp)
        log.append(new)
        expected = refresh(c, sorted(log, key=lambda i: (i.date, i.created)), day)
        got = absorb(c, new, day) if n else None
        if got is not None:
            assert got == expected, (seed, n)
            assert got.to_doc() == expected.to_doc()
        c = replace(expected, updated=stamp)


def test_absorb_does_not_guess_without_kept_stats_or_with_an_older_clock() -> None:
    c = Customer("K1", "客户", updated="2026-11-23T10:00:00")
    new = new_interaction("K1", TODAY, "call", "x", None, None, "2026-11-23T11:00:00")
    assert absorb(c, new, TODAY) is None  # never summarized
    c = refresh(c, [new], TODAY)
    later = new_interaction("K1", TODAY, "call", "y", None, None, "2026-11-23T09:00:00")
    assert absorb(c, later, TODAY) is None  # recorded before the customer's last change


def test_log_through_absorb_agrees_with_a_full_refresh(two: Kam) -> None:
    rng = random.Random(7)
    for n in range(25):
        code = rng.choice(["KH2024001", "KH2024002"])
        kind = rng.choice(KINDS)
        day = (TODAY - timedelta(days=rng.choice([0, 1, 10, 100, 300, 500]))).isoformat()
        extra = ["--amount", str(rng.randrange(1, 50000))] if kind == "order" else []
        two("log", code, f"第{n}次", "-k", kind, "--date", day, *extra)
    with open_store(two.db) as store:
        for c in store.customers():
            assert refresh(c, store.interactions(c.code), TODAY) == c


# --- one customer's follow-ups without parsing the whole log (store/db.py docs_with) --

def _all_by_code(db: Path) -> dict[str, list[str]]:
    """Every customer's follow-up ids from the whole log (the general path)."""
    with open_store(db) as store:
        store._docs_of = lambda code: None  # type: ignore[method-assign]
        return {c.code: [i.id for i in store.interactions(c.code)]
                for c in store.customers(include_archived=True)}


def _each_by_code(db: Path) -> dict[str, list[str]]:
    out = {}
    for code in _all_by_code(db):
        with open_store(db) as store:
            out[code] = [i.id for i in store.interactions(code)]
            assert store._log is None  # found by its lines: the log was not parsed
    return out


@pytest.mark.parametrize("seed", [1, 2])
def test_one_customers_follow_ups_by_their_lines_equal_the_whole_log(kam: Kam, seed: int,
                                                                     monkeypatch: pytest.MonkeyPatch
                                                                     ) -> None:
    """Codes that are prefixes of others, quotes, backslashes and Chinese in codes and in
    summaries naming other codes; follow-ups in the log, in the journal, relogged."""
    monkeypatch.setattr(store_db, "JOURNAL_FOLD", 600)  # fold now and then
    rng = random.Random(seed)
    codes = ["KH1", "KH10", "KH100", "客户甲", "kh1", "A/B", "A.B_C-1"]
    for code in codes:
        kam("add", "--code", code, "--name", f"名称{code}")
    for n in range(60):
        code, other = rng.choice(codes), rng.choice(codes)
        summary = rng.choice([f'提到 "{other}" 和 {other}', f"{other}", "普通", '"code":"KH1"'])
        kam("log", code, summary, "--date",
            f"2026-{rng.randrange(1, 11):02d}-{rng.randrange(1, 28):02d}")
        if n % 17 == 5:
            kam("unlog", kam.json("show", code)["interactions"][0]["id"])
        if n % 10 == 9:
            assert _each_by_code(kam.db) == _all_by_code(kam.db)
            raw = _log_file(kam).read_bytes()
            for code in codes:  # the log's own lines: each its customer's alone
                found = docs_with(raw, code)
                assert found is not None and {d["code"] for d in found[1].values()} <= {code}
    assert _log_file(kam).read_bytes().startswith(b'{\n"interactions":{\n')  # a line each
    assert _each_by_code(kam.db) == _all_by_code(kam.db)
    assert sum(map(len, _all_by_code(kam.db).values())) > 40


def test_a_log_in_another_layout_is_read_whole(kam: Kam) -> None:
    """What another program may write (TinyDB's one line, an indented file, escaped
    Chinese or slashes, a follow-up over two lines): never read by lines."""
    for code in ("KH1", "客户/甲"):
        kam("add", "--code", code, "--name", "某公司")
        kam("log", code, "电话", "--date", "2026-10-01")
        kam("log", code, "拜访", "--date", "2026-10-02")
    kam("unlog", kam.json("show", "KH1")["interactions"][0]["id"])  # written whole
    log = _log_file(kam)
    doc = json.loads(log.read_text(encoding="utf-8"))
    want = _all_by_code(kam.db)
    assert want["KH1"] and want["客户/甲"]
    ours = log.read_bytes()
    assert docs_with(ours, "客户/甲") is not None
    first, rest = ours.split(b',"code"', 1)
    for other in (json.dumps(doc, ensure_ascii=False).encode(),  # TinyDB: one line
                  json.dumps(doc, indent=2, ensure_ascii=False).encode(),
                  json.dumps(doc, ensure_ascii=True).encode(),
                  ours.replace(b"/", b"\\/"),
                  ours.replace('"客户/甲"'.encode(), json.dumps("客户/甲").encode(), 1),
                  first + b',\n"code"' + rest):  # one of KH1's follow-ups over two lines
        assert docs_with(other, "KH1") is None
        found = docs_with(other, "客户/甲")  # whole lines: still found right
        assert found is None or sorted(found[1]) == sorted(want["客户/甲"])
        assert found is None or other.startswith(first)
        log.write_bytes(other)
        for code in want:  # by lines where they are whole, else the log parsed
            with open_store(kam.db) as store:
                assert [i.id for i in store.interactions(code)] == want[code]


@pytest.mark.parametrize("damage", [b'{"gen": 7, "put": {"x"\n', b"\xff\xfe not json\n",
                                    b"[1, 2]\n"])
def test_a_whole_last_line_that_does_not_parse_is_refused_never_cut(two: Kam,
                                                                     damage: bytes) -> None:
    """A last line that ends with its newline was written whole: if it does not parse,
    the file is damaged (exit 3), not an append a crash cut short. Nothing is cut, and
    the committed follow-ups before it stay, in the journal and in every backup."""
    two("log", "KH2024002", "写下日志文件")
    two("log", "KH2024001", "已提交的跟进")
    two("log", "KH2024002", "又一条")
    journal = _journal(two)
    damaged = journal.read_bytes() + damage
    journal.write_bytes(damaged)
    r = two("log", "KH2024001", "再记一条", code=3)
    assert str(journal) in r.stderr and "damaged" in r.stderr and "Traceback" not in r.stderr
    assert journal.read_bytes() == damaged
    backups = two.db.with_name(two.db.stem + ".backups")
    kept = [p.read_bytes() for p in backups.glob("*.jsonl")]
    assert kept and any("已提交的跟进".encode() in k for k in kept)


def test_backups_of_the_journal_are_copies_not_the_live_file(two: Kam) -> None:
    """The journal is appended to in place: a backup that were a hard link of it would
    change with it."""
    two("log", "KH2024002", "一")
    two("log", "KH2024001", "二")
    two("log", "KH2024001", "三")
    journal = _journal(two)
    live = journal.stat()
    backups = two.db.with_name(two.db.stem + ".backups")
    copies = list(backups.glob("*.jsonl"))
    assert copies
    assert all(p.stat().st_ino != live.st_ino for p in copies)
    before = {p: p.read_bytes() for p in copies}
    journal.write_bytes(journal.read_bytes()[:10])  # an in-place change of the live file
    assert {p: p.read_bytes() for p in copies} == before


@pytest.mark.parametrize(("raw", "found"), [
    (b'{"s":"plain"}', False),
    (b'{"s":"a \\"quote\\" and \\n a line"}', False),  # escapes with one encoding only
    (b'{"s":"\\\\u00e9"}', False),  # a backslash, then u: not an escape of u
    (b'{"s":"\\u00e9"}', True),
    (b'{"s":"a\\/b"}', True),
    (b'{"s":"\\\\\\u00e9"}', True),  # a backslash, then an escaped character
    (b'{"s":"ends with \\\\"}', False),
    (b"\\", False),
])
def test_which_logs_have_a_string_of_two_encodings(raw: bytes, found: bool) -> None:
    from kam.store.tables import _escapes

    assert _escapes(raw) is found
