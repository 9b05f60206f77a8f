"""The store refuses what it cannot trust and never overwrites it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kam.store.db import SCHEMA_VERSION, open_store
from tests.conftest import Kam


def _write(path: Path, text: str) -> bytes:
    path.write_text(text, encoding="utf-8")
    return path.read_bytes()


@pytest.mark.parametrize("content, message", [
    ('{"customers": {"1": {"code": "A", "name": "x"}', "is damaged (line 1"),
    ('{"customers": {}}\n}}garbage', "is damaged"),
    ('[1, 2, 3]', "top level is not an object"),
    ('{"customers": {"1": "not a document"}}', "table 'customers' is malformed"),
    ('{"customers": {"1": {"name": "no code"}}}', "a customer without code or name"),
    (b'\xff\xfe\x00'.decode("latin-1"), "is damaged"),
    ("", "is damaged (empty)"),
    (" \n\t ", "is damaged (empty)"),
    ("null", "is damaged (it holds null)"),
    ('{"customers": {"1": {"code": "A", "name": "x", "tags": 5}}}',
     "customer 'A': field 'tags' holds int '5', not a list"),
    ("[" * 100_000 + "]" * 100_000, "is damaged (nested too deep)"),
])
@pytest.mark.parametrize("command", [("list",), ("log", "A", "x"), ("add", "--name", "B")])
def test_corrupt_file_refused_exit_3_untouched(kam: Kam, content: str, message: str,
                                               command: tuple[str, ...]) -> None:
    kam.db.parent.mkdir(parents=True)
    before = _write(kam.db, content)
    r = kam(*command, code=3)
    assert message in r.stderr
    assert "kam has not changed it" in r.stderr
    assert r.stderr.count("\n") == 1
    assert kam.db.read_bytes() == before


def test_newer_schema_refused(kam: Kam) -> None:
    kam("add", "--name", "甲")
    data = json.loads(kam.db.read_text(encoding="utf-8"))
    data["_meta"]["1"]["schema_version"] = SCHEMA_VERSION + 1
    before = _write(kam.db, json.dumps(data))
    for command in (("list",), ("add", "--name", "乙")):
        r = kam(*command, code=3)
        assert "written by a newer kam" in r.stderr and "upgrade kam" in r.stderr
    assert kam.db.read_bytes() == before


def test_old_tinydb_file_is_migrated_with_backup(kam: Kam) -> None:
    kam.db.parent.mkdir(parents=True)
    original = _write(kam.db, json.dumps({"_default": {}, "customers": {
        "1": {"code": "OLD1", "name": "老客户"}}}, ensure_ascii=False))
    kam("add", "--name", "新客户")
    assert kam.db.with_name("kam.json.v0.bak").read_bytes() == original
    data = json.loads(kam.db.read_text(encoding="utf-8"))
    assert data["_meta"]["1"]["schema_version"] == SCHEMA_VERSION
    assert [c["code"] for c in kam.json("list")] == ["KH2026001", "OLD1"]


def test_db_path_is_a_directory(kam: Kam, tmp_path: Path) -> None:
    r = kam("list", "--db", str(tmp_path), code=3)
    assert "is a directory" in r.stderr


def test_file_is_utf8_readable_and_private(kam: Kam) -> None:
    kam("add", "--name", "某某科技")
    raw = kam.db.read_bytes()
    assert "某某科技".encode() in raw
    assert oct(kam.db.stat().st_mode & 0o777) == "0o600"
    assert oct(kam.db.parent.stat().st_mode & 0o777) == "0o700"


def test_lock_timeout_exit_3_names_lock_file(kam: Kam) -> None:
    kam("add", "--name", "甲")
    lock = kam.db.with_name("kam.json.lock")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import fcntl, os, sys, time\n"
         f"fd = os.open({str(lock)!r}, os.O_RDWR | os.O_CREAT)\n"
         "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('locked', flush=True)\ntime.sleep(30)\n"],
        stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "locked\n"
        before = kam.digest()
        r = kam("log", "KH2026001", "x", code=3)
        assert str(lock) in r.stderr and "another kam command is writing" in r.stderr
        assert kam.digest() == before
        kam("list")  # readers take no lock
    finally:
        holder.kill()
        holder.wait()


def test_interrupted_commit_rolls_forward(kam: Kam, monkeypatch: pytest.MonkeyPatch) -> None:
    """A crash after the commit point: the pending log is taken and renamed into place."""
    kam("add", "--name", "甲")
    kam("log", "KH2026001", "第一次")
    kam("log", "KH2026001", "误记")  # in the journal
    log = kam.db.with_name("kam.interactions.json")
    with open_store(kam.db, write=True) as store:
        c = store.get("KH2026001")
        from datetime import date

        from kam.records import new_interaction

        store.remove_interactions(lambda i: i.summary != "误记")  # the log is written whole
        store.add_interaction(new_interaction(c.code, date(2026, 11, 23), "call", "第二次", None,
                                              None, "2026-11-23T23:59:59"))
        with monkeypatch.context() as m, pytest.raises(RuntimeError):
            m.setattr(os, "replace", _crash_on_pending(os.replace))
            store.commit()
    assert log.with_name(log.name + ".pending").exists()
    # readers see the committed state at once
    assert [i["summary"] for i in kam.json("show", "KH2026001")["interactions"]] == ["第二次",
                                                                                      "第一次"]
    kam("edit", "KH2026001", "--note", "x")  # the next writer finishes the commit
    assert not log.with_name(log.name + ".pending").exists()
    assert len(json.loads(log.read_text(encoding="utf-8"))["interactions"]) == 2


def test_interrupted_commit_before_commit_point_rolls_back(kam: Kam) -> None:
    kam("add", "--name", "甲")
    kam("log", "KH2026001", "第一次")
    log = kam.db.with_name("kam.interactions.json")
    pending = log.with_name(log.name + ".pending")
    data = json.loads(log.read_text(encoding="utf-8"))
    data["interactions"]["zzz"] = {"id": "zzz", "code": "KH2026001", "date": "2026-11-23",
                                   "kind": "call", "summary": "未提交", "created": ""}
    data["_meta"]["1"]["generation"] += 5
    pending.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    (kam.db.parent / ".kam.json.abc.tmp").write_text("half")
    assert [i["summary"] for i in kam.json("show", "KH2026001")["interactions"]] == ["第一次"]
    kam("log", "KH2026001", "第二次")
    assert not pending.exists()
    assert not list(kam.db.parent.glob("*.tmp"))
    assert [i["summary"] for i in kam.json("show", "KH2026001")["interactions"]] == ["第二次",
                                                                                      "第一次"]


def _crash_on_pending(real):  # type: ignore[no-untyped-def]
    def replace(src, dst):  # type: ignore[no-untyped-def]
        if str(src).endswith(".pending"):
            raise RuntimeError("simulated crash")
        return real(src, dst)

    return replace


def test_ids_never_link_records(kam: Kam) -> None:
    """Deleting the highest document and adding another must not mix up histories."""
    kam("add", "--name", "甲")
    kam("add", "--name", "乙")
    kam("log", "KH2026002", "乙的记录")
    with open_store(kam.db, write=True) as store:
        store.remove("KH2026002")
        store.remove_interactions(lambda i: i.code != "KH2026002")
        store.commit()
    kam("add", "--name", "丙")
    assert kam.json("show", "KH2026002")["interactions"] == []


def test_the_file_is_a_tinydb_database(kam: Kam) -> None:
    """Other tools (and a future kam) can open it with plain TinyDB and kam's storage."""
    from tinydb import Query, TinyDB

    from kam.store.storage import AtomicJSONStorage

    kam("add", "--name", "甲公司", "--stage", "合作中")
    db = TinyDB(kam.db, storage=AtomicJSONStorage)
    assert [d["name"] for d in db.table("customers").search(Query().stage == "active")] == [
        "甲公司"]
    assert db.table("_meta").get(doc_id=1)["schema_version"] == 1  # type: ignore[index]


def _lines(db: Path) -> dict[str, bytes]:
    """doc id -> its line in kam.json (the customers are one a line)."""
    raw = db.read_bytes()
    body = raw[raw.index(b'\n"customers":{\n') + 15:]
    out = {}
    for line in body.split(b"\n"):
        if not line.startswith(b'"'):
            return out
        out[line[1:line.index(b'":')].decode()] = line.rstrip(b",")
    return out


def test_kam_json_has_a_customer_a_line_and_a_write_encodes_every_document(
        kam: Kam) -> None:
    from tinydb import TinyDB

    for n in range(5):
        kam("add", "--code", f"L{n}", "--name", f"客户{n}", "--note", "多行\n备注")
    # L0's line as another writer might spell the same document (escaped, spaced): the
    # next write encodes it from what it means, in kam's own spelling
    raw = kam.db.read_bytes()
    mine = _lines(kam.db)["1"]
    spelled = mine.replace("客户0".encode(), rb"\u5ba2\u6237" + b"0")
    spelled = spelled.replace(b'"code":', b'"code" : ')
    kam.db.write_bytes(raw.replace(mine, spelled))
    assert kam.json("show", "L0")["name"] == "客户0"
    before = _lines(kam.db)
    assert len(before) == 5 and all(b"\n" not in v for v in before.values())
    kam("edit", "L2", "--owner", "张华")
    after = _lines(kam.db)
    assert [k for k in before if before[k] != after[k]] == ["1", "3"]  # L2 is document 3
    assert after["1"] == mine
    assert json.loads(after["3"][4:])["owner"] == "张华"
    with TinyDB(kam.db, access_mode="r") as db:  # still a TinyDB file
        assert len(db.table("customers")) == 5


def test_a_document_changed_in_place_is_written(kam: Kam) -> None:
    """A use case that changes a parsed customer's nested value in place (extra, dates
    are dicts shared with the document) and commits another change: the file holds what
    the store holds, never the line as it was read."""
    for n in range(3):
        kam("add", "--code", f"P{n}", "--name", f"客户{n}", "--extra", "微信=wx0")
    with open_store(kam.db, write=True) as store:
        careless = store.get("P0")
        careless.extra["微信"] = "wx_new"  # in place, no put
        store.put(store.get("P1"))
        store.commit()
    with open_store(kam.db) as store:
        assert store.get("P0").extra["微信"] == "wx_new"


@pytest.mark.parametrize("layout", ["compact", "indented", "one split", "one indented",
                                    "edited by hand"])
def test_a_kam_json_in_another_layout_is_written_whole_and_right(kam: Kam,
                                                                 layout: str) -> None:
    """An older kam's compact file, a pretty-printed one, a customer split over lines:
    the first write encodes every customer; a line edited by hand in kam's own layout
    is kept as edited."""
    for n in range(3):
        kam("add", "--code", f"L{n}", "--name", f"客户{n}")
    data = json.loads(kam.db.read_text(encoding="utf-8"))
    if layout == "edited by hand":
        text = kam.db.read_text(encoding="utf-8").replace('"客户0"', '"手改的名字"')
        data["customers"]["1"]["name"] = "手改的名字"
    elif layout == "compact":
        text = json.dumps(data, ensure_ascii=False)
    elif layout == "indented":
        text = json.dumps(data, ensure_ascii=False, indent=2)
    else:
        only = {**data, "customers": {"1": data["customers"]["1"]}} if "one" in layout else data
        data = only
        from kam.store.tables import dumps_tables

        text = (dumps_tables(only).decode().replace(',"name":', ',\n"name":', 1)
                if layout == "one split" else json.dumps(only, ensure_ascii=False, indent=1))
    kam.db.write_text(text, encoding="utf-8")
    assert json.loads(text) == data
    kam("log", "L1" if layout != "one split" and "one" not in layout else "L0", "电话")
    written = json.loads(kam.db.read_text(encoding="utf-8"))
    for doc_id, doc in data["customers"].items():
        got = written["customers"][doc_id]
        assert {k: v for k, v in got.items() if k not in ("stats", "updated", "gen",
                                                          "last_contact", "last_summary")} == \
            {k: v for k, v in doc.items() if k not in ("stats", "updated", "gen",
                                                       "last_contact", "last_summary")}
    assert len(_lines(kam.db)) == len(data["customers"])


@pytest.mark.parametrize(("before", "after", "want"), [
    ({}, {"code": "A", "name": "甲", "note": None, "tags": [], "updated": "t", "stats": {}},
     {"code": [None, "A"], "name": [None, "甲"], "tags": [None, []]}),
    ({"code": "A", "name": "甲"}, {"code": "A", "name": "乙", "gen": 3},
     {"name": ["甲", "乙"]}),
    ({"code": "A", "owner": "张"}, {"code": "A"}, {"owner": ["张", None]}),
    ({}, {}, {}),
])
def test_history_diff(before: dict, after: dict, want: dict) -> None:
    """A created customer's entry (the fast path) is what the two-sided diff gives."""
    from kam.store.history import _UNTRACED, diff

    assert diff(before, after) == want
    general = {k: [before.get(k), after.get(k)] for k in sorted(set(before) | set(after))
               if k not in _UNTRACED and before.get(k) != after.get(k)}
    assert diff(before, after) == general


def _edit_customer(doc: dict, key: str, value: object) -> None:
    if key == "generation":
        doc["_meta"]["1"]["generation"] = value
        return
    customer = next(iter(doc["customers"].values()))
    if key.startswith("dates."):
        customer.setdefault("dates", {})[key[6:]] = value
    else:
        customer[key] = value


@pytest.mark.parametrize("key, value, named", [
    ("generation", "abc", "_meta.generation"),
    ("contacts", ["x"], "'contacts'"),
    ("contacts", [{"name": 5}], "'contacts'"),
    ("dates.birthday", "not-a-date", "'dates.birthday'"),
    ("last_contact", "yesterday", "'last_contact'"),
    ("next_follow_up", "2026-13-45", "'next_follow_up'"),
    ("gen", "7", "'gen'"),
    ("tags", [1], "'tags'"),
    ("stats", {"orders": "x"}, "'stats.orders'"),
    ("stats", {"orders": {"2026-11-01": "many"}}, "'stats.orders'"),
    ("stats", {"first_order": 5}, "'stats.first_order'"),
    ("stats", {"contacts": ["yesterday"]}, "'stats.contacts'"),
])
def test_a_value_kam_would_trip_over_is_refused_exit_3(kam: Kam, key: str, value: object,
                                                        named: str) -> None:
    """Hand-edited or damaged values inside a customer: exit 3 naming the customer and
    the field, for readers and writers alike, never a traceback; nothing overwritten."""
    kam("add", "--name", "甲", "--code", "A1")
    kam("log", "A1", "电话")
    doc = json.loads(kam.db.read_text(encoding="utf-8"))
    _edit_customer(doc, key, value)
    before = _write(kam.db, json.dumps(doc, ensure_ascii=False))
    for command in (("list",), ("due",), ("score",), ("show", "A1"), ("log", "A1", "x"),
                    ("add", "--name", "乙"), ("edit", "A1", "--note", "n")):
        r = kam(*command, code=3)
        assert named in r.stderr and "kam has not changed it" in r.stderr, (command, r.stderr)
        assert r.stderr.count("\n") == 1
        if key != "generation":
            assert "'A1'" in r.stderr
    assert kam.db.read_bytes() == before


@pytest.mark.parametrize("field, value", [("date", "yesterday"), ("amount", "many"),
                                          ("summary", 5)])
def test_a_follow_up_kam_would_trip_over_is_refused_exit_3(kam: Kam, field: str,
                                                           value: object) -> None:
    kam("add", "--name", "甲", "--code", "A1")
    kam("log", "A1", "电话")
    kam("add", "--name", "乙")  # folds the journal into the log
    log = kam.db.with_name("kam.interactions.json")
    doc = json.loads(log.read_text(encoding="utf-8"))
    item = next(iter(doc["interactions"].values()))
    item[field] = value
    before = _write(log, json.dumps(doc, ensure_ascii=False))
    for command in (("review", "--month", "2026-11"), ("show", "A1"), ("unlog", "A1")):
        r = kam(*command, code=3)
        assert f"'{field}'" in r.stderr and "kam has not changed it" in r.stderr, (command,
                                                                                 r.stderr)
    assert log.read_bytes() == before


def test_a_history_unreadable_throughout_is_refused_not_emptied(kam: Kam) -> None:
    """Garbage in place of kam.history.jsonl (no line kam wrote, no newline at the end)
    is not an append cut short: the next writer refuses (exit 3) instead of emptying it."""
    kam("add", "--name", "甲", "--code", "A1")
    history = kam.db.with_name("kam.history.jsonl")
    before = _write(history, "\x00\x01garbage that is no JSON at all" * 100)
    for command in (("add", "--name", "乙"), ("history", "A1"), ("edit", "A1", "--note", "x")):
        r = kam(*command, code=3)
        assert "kam.history.jsonl" in r.stderr and "kam has not changed it" in r.stderr
        assert r.stderr.count("\n") == 1
    assert history.read_bytes() == before


def test_a_damaged_history_line_in_the_middle_is_refused_not_skipped(kam: Kam) -> None:
    kam("add", "--name", "甲", "--code", "A1")
    kam("edit", "A1", "--note", "一")
    kam("edit", "A1", "--note", "二")
    history = kam.db.with_name("kam.history.jsonl")
    lines = history.read_bytes().splitlines(keepends=True)
    before = _write(history, (b"".join([lines[0], b"{damaged\n", *lines[1:]])).decode())
    r = kam("history", "A1", code=3)
    assert "line 2" in r.stderr and "kam has not changed it" in r.stderr
    kam("edit", "A1", "--note", "三")  # a writer appends; no committed line is cut
    assert history.read_bytes().startswith(before)
