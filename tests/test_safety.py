"""Data safety: backups, restore, history, archive, erase, permissions, masking."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from kam.store.backups import keep_backups
from tests.conftest import Kam

SECRET = "独一无二-PLANTED-7f3a9c"


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


def test_backups_before_each_write_and_restore(kam: Kam) -> None:
    kam("add", "--name", "甲")
    kam("edit", "KH2026001", "--note", "第一版")
    kam("edit", "KH2026001", "--note", "第二版")
    ids = [b["id"] for b in kam.json("backups")]
    assert ids == [1, 2]  # the state after add, after the first edit
    kam("restore", "2")
    assert kam.json("show", "KH2026001")["note"] == "第一版"
    kam("restore")  # the newest backup is the state before the restore
    assert kam.json("show", "KH2026001")["note"] == "第二版"
    assert "no backup 99" in kam("restore", "99", code=2).stderr


def test_restore_brings_back_the_log_too(kam: Kam) -> None:
    kam("add", "--name", "甲")
    kam("log", "KH2026001", "第一次")
    kam("log", "KH2026001", "误记")
    kam("restore")
    assert [i["summary"] for i in kam.json("show", "KH2026001")["interactions"]] == ["第一次"]


@pytest.mark.parametrize("backups, newest, days, now, kept", [
    ([(i, "20261123T100000") for i in range(1, 26)], 20, 30, "20261123T120000",
     [1, *range(6, 26)]),  # the day's first state stays, however many commands follow
    ([(1, "20261001T100000"), (2, "20261101T100000"), (3, "20261101T110000"),
      (4, "20261123T100000")], 1, 30, "20261123T120000", [2, 4]),
    ([(1, "20260101T100000"), (2, "20261122T100000")], 0, 30, "20261123T120000", [2]),
    ([], 20, 30, "20261123T120000", []),
    # a stamp that is not one (nor a backup's): only the newest, nothing guessed
    ([(1, "20261122T100000"), (2, "20261123T100000")], 1, 30, "20261123", [2]),
    ([(1, "20261122T100000"), (2, "20261123T100000")], 1, 30, "20261123T12:00", [2]),
    ([(1, "20261122T100000"), (2, "20261123T100000")], 1, 30, "20261323T120000", [2]),
    ([(1, "2026112XT100000"), (2, "20261123T100000")], 0, 30, "20261123T120000", [2]),
])
def test_backup_rotation(backups: list[tuple[int, str]], newest: int, days: int, now: str,
                         kept: list[int]) -> None:
    assert keep_backups(backups, newest, days, now) == kept


def test_rotation_is_configurable(kam: Kam) -> None:
    kam("add", "--name", "甲")
    kam.db.with_name("kam.yaml").write_text("backups: {keep: 2, daily: 0}\n", encoding="utf-8")
    for n in range(5):
        kam("edit", "KH2026001", "--note", f"v{n}")
    assert [b["id"] for b in kam.json("backups")] == [4, 5]


def test_history_records_who_what_old_new(kam: Kam) -> None:
    kam("add", "--name", "甲", "--stage", "意向客户")
    kam("edit", "KH2026001", "--stage", "合作中", "--note", "签约")
    entries = kam.json("history", "KH2026001")
    assert [(e["command"], e["action"]) for e in entries] == [("add", "created"),
                                                             ("edit", "changed")]
    assert entries[1]["changes"] == {"note": [None, "签约"], "stage": ["intent", "active"]}
    assert entries[1]["user"] and entries[1]["ts"]


def test_history_hides_uncommitted_lines(kam: Kam) -> None:
    kam("add", "--name", "甲")
    with kam.db.with_name("kam.history.jsonl").open("a", encoding="utf-8") as f:
        f.write(json.dumps({"gen": 999, "code": "KH2026001", "action": "changed",
                            "changes": {}}) + "\n")
        f.write('{"torn line')
    assert len(kam.json("history", "KH2026001")) == 1


def test_archive_hides_and_unarchive_brings_back(kam: Kam) -> None:
    kam("add", "--name", "甲")
    kam("log", "KH2026001", "很久以前", "--date", "2026-01-01")
    kam("archive", "KH2026001")
    assert kam.json("list") == [] and kam.json("due") == [] and kam.json("risk") == []
    assert [c["archived"] for c in kam.json("list", "--all")] == [True]
    assert kam.json("show", "KH2026001")["archived"] is True
    kam("unarchive", "KH2026001")
    assert [i["code"] for i in kam.json("due")] == ["KH2026001"]
    assert [e["action"] for e in kam.json("history", "KH2026001")][-2:] == ["changed", "changed"]


def test_erase_leaves_no_trace_in_any_file(kam: Kam, tmp_path: Path) -> None:
    from tests.workbooks import workbook

    kam("add", "--name", "留下的客户")
    f = workbook(tmp_path / "s.xlsx", [("s", [["客户编号", "客户名称", "备注", "最近跟进时间",
                                              "跟进内容简述"],
                                             ["E1", f"要删的{SECRET}", SECRET, "2026-11-01",
                                              SECRET]])])
    kam("import", str(f))
    kam("edit", "E1", "--contact-info", f"13900000000 {SECRET}@x.com", "--extra", f"微信={SECRET}")
    kam("log", "E1", f"电话 {SECRET}", "--kind", "call")
    kam("archive", "E1")
    assert any(SECRET.encode() in p.read_bytes() for p in _files(kam.db.parent))
    r = kam("erase", "E1", code=2)  # no terminal, no --yes
    assert "confirm with --yes" in r.stderr
    kam("erase", "E1", "--yes")
    leaks = [p for p in _files(kam.db.parent) if SECRET.encode() in p.read_bytes()]
    assert leaks == []
    assert [e["action"] for e in kam.json("history", "E1")] == ["erased"]
    assert [c["name"] for c in kam.json("list", "--all")] == ["留下的客户"]
    assert "no customer with code or name 'E1'" in kam("show", "E1", code=2).stderr
    kam("undo")  # the import batch no longer knows E1: nothing comes back
    assert [c["code"] for c in kam.json("list", "--all")] == ["KH2026001"]


def test_an_interrupted_erase_is_finished_by_the_next_writer(
        kam: Kam, monkeypatch: pytest.MonkeyPatch) -> None:
    """Erase is part of the commit protocol: a failure after the commit point (a full
    disk, a kill) leaves it recorded, and the next writing command completes it."""
    import errno

    from kam.store.history import History

    kam("add", "--name", f"要删的{SECRET}", "--contact-info", "13912345678")
    kam("edit", "KH2026001", "--note", SECRET)
    kam("add", "--name", "留下的客户")

    def full(self: object, code: str) -> bool:
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(History, "scrub", full)
        r = kam("erase", "KH2026001", "--yes", code=3)
    assert "could not be finished" in r.stderr and "next kam command" in r.stderr
    assert any(SECRET.encode() in p.read_bytes() for p in _files(kam.db.parent))
    kam("edit", "KH2026002", "--note", "随便改一下")  # any writer finishes the erasure
    assert [p for p in _files(kam.db.parent) if SECRET.encode() in p.read_bytes()
            or b"13912345678" in p.read_bytes()] == []
    r = kam("erase", "KH2026001", "--yes")  # re-run: done already, exit 0
    assert "was erased before" in r.stderr
    assert [e["action"] for e in kam.json("history", "KH2026001")] == ["erased"]


def test_permissions_private(kam: Kam) -> None:
    kam("add", "--name", "甲")
    kam("edit", "KH2026001", "--note", "x")
    assert oct(kam.db.parent.stat().st_mode & 0o777) == "0o700"
    for p in _files(kam.db.parent):
        assert oct(p.stat().st_mode & 0o777) == "0o600", p
    assert oct(kam.db.with_name("kam.backups").stat().st_mode & 0o777) == "0o700"


def test_mask_by_default_setting(kam: Kam) -> None:
    kam("add", "--name", "甲", "--contact-info", "13956781234")
    kam.db.with_name("kam.yaml").write_text("privacy: {mask_by_default: true}\n", encoding="utf-8")
    assert kam.json("list")[0]["contact_info"] == "139****1234"
    assert kam.json("show", "KH2026001")["contact_info"] == "139****1234"
    assert kam.json("list", "--no-mask")[0]["contact_info"] == "13956781234"
    out = kam("export", "-", "--format", "csv").stdout
    assert "139****1234" in out and "13956781234" not in out


def test_db_under_a_file_is_bad_path(kam: Kam, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    r = kam("add", "--name", "甲", "--db", str(blocker / "kam.json"), code=2)
    assert f"{blocker} is a file, not a directory" in r.stderr


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores file permissions")
def test_read_only_directory(kam: Kam, tmp_path: Path) -> None:
    kam("add", "--name", "甲")
    kam.db.parent.chmod(0o500)
    try:
        r = kam("log", "KH2026001", "x", code=3)
        assert "not writable" in r.stderr
    finally:
        kam.db.parent.chmod(0o700)


def test_unwritable_place_is_exit_3(kam: Kam) -> None:
    r = kam("add", "--name", "甲", "--db", "/proc/kam.json", code=3)
    assert "cannot write in /proc" in r.stderr


def test_disk_full_changes_nothing(kam: Kam, monkeypatch: pytest.MonkeyPatch) -> None:
    import errno

    from kam.store import db as kam_store
    from kam.store import storage

    kam("add", "--name", "甲")
    before = kam.digest()

    def full(path, data):  # type: ignore[no-untyped-def]
        raise OSError(errno.ENOSPC, "No space left on device")

    with monkeypatch.context() as m:
        m.setattr(kam_store, "atomic_write_bytes", full)
        m.setattr(storage, "atomic_write_bytes", full)
        r = kam("edit", "KH2026001", "--note", "x", code=3)
    assert "No space left on device" in r.stderr and "nothing was changed" in r.stderr
    assert kam.digest() == before
    assert kam.json("show", "KH2026001")["note"] == ""


def test_stale_history_of_a_crashed_commit_is_dropped(kam: Kam) -> None:
    kam("add", "--name", "甲")
    history = kam.db.with_name("kam.history.jsonl")
    good = history.read_bytes()
    gen = json.loads(good.splitlines()[-1])["gen"]
    # a commit that crashed after writing its history line, and a torn line after it
    history.write_bytes(good + json.dumps({"gen": gen + 1, "code": "KH2026001",
                                           "action": "changed", "changes": {"note": [None, "幽灵"]}},
                                          ensure_ascii=False).encode() + b"\n" + b'{"gen": 9')
    kam("edit", "KH2026001", "--note", "真的")
    entries = kam.json("history", "KH2026001")
    assert [e["changes"].get("note") for e in entries] == [None, [None, "真的"]]


def test_backups_are_the_owners_alone_even_of_a_file_the_user_made(kam: Kam) -> None:
    """A kam.json the user copied in (0644): its backup is a copy made 0600, not a hard
    link sharing its permissions."""
    import stat

    kam("add", "--name", "甲")
    for f in kam.db.parent.iterdir():
        if f.is_file():
            f.chmod(0o644)
    kam("add", "--name", "乙")
    backups = [f for f in (kam.db.parent / "kam.backups").iterdir() if f.is_file()]
    assert backups
    for f in backups:
        assert stat.S_IMODE(f.stat().st_mode) == 0o600, f.name


def test_each_backup_lists_the_customers_its_command_touched(kam: Kam) -> None:
    """kam backups says which customers each command touched; an erasure takes the
    erased code out of every label too."""
    kam("add", "--name", "甲")
    kam("add", "--name", "乙")
    kam("edit", "KH2026001", "--note", "x")
    kam("edit", "KH2026002", "--note", "y")
    found = kam.json("backups")
    assert [(b["before"], b["customers"]) for b in found] == [
        ("add", ["KH2026002"]), ("edit KH2026001", ["KH2026001"]),
        ("edit KH2026002", ["KH2026002"])]
    assert "KH2026001" in kam("backups").stdout
    kam("erase", "KH2026001", "--yes")
    assert "KH2026001" not in kam("backups", "-f", "json").stdout
    for f in (kam.db.parent / "kam.backups").iterdir():
        assert b"KH2026001" not in f.read_bytes(), f.name


def test_batches_show_when(kam: Kam, tmp_path: Path) -> None:
    f = tmp_path / "s.csv"
    f.write_text("客户名称,联系人\n丙,王\n", encoding="utf-8")
    kam("import", str(f), "--today", "2026-11-23")
    assert "2026-11-23" in kam("batches").stdout
