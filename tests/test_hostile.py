"""Hostile text and files, one test per defect of the reliability audit (issue 16).

Each builds a small synthetic input, and checks the exit code, the message and that
nothing was lost or leaked.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import Kam
from tests.workbooks import workbook

PHONE = "13912345678"


def _files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()]


# 1. erase: a damaged backup must not keep the data (the interrupted erase is in test_safety)
def test_erase_removes_a_damaged_backup_that_holds_the_data(kam: Kam) -> None:
    kam("add", "--name", "甲", "--contact-info", PHONE)
    kam("edit", "KH2026001", "--note", "x")
    backup = next(p for p in kam.db.with_name("kam.backups").iterdir() if p.suffix == ".json")
    damaged = backup.with_name("1-20260101T000000.json")
    damaged.write_bytes(backup.read_bytes()[:-5])  # torn: not JSON any more, still the phone
    (backup.parent / ".1-x.json.tmp").write_bytes(backup.read_bytes())  # a killed scrub's copy
    kam("erase", "KH2026001", "--yes")
    assert [p for p in _files(kam.db.parent) if PHONE.encode() in p.read_bytes()] == []


# 2. and 13. text that looks like markup or drives the terminal stays text
@pytest.mark.parametrize("name", ["ACME[/]", "ACME [china] Ltd", "[link=http://x.cn]点我[/link]",
                                  "[bold red]红[/]", ":smile: 客户", "坏\x1b]0;pwned\x07名\x1b[2J"])
def test_markup_and_control_characters_are_text(kam: Kam, name: str) -> None:
    kam("add", "--name", name, "--note", name, "--next", "2026-11-20", "--force")
    for args in (("list",), ("due",), ("show", "KH2026001"), ("search", "KH2026001"),
                 ("history",), ("risk",), ("digest",)):
        r = kam(*args)
        assert "\x1b" not in r.stdout and "\x07" not in r.stdout, args
        assert "\x1b" not in r.stderr
    shown = kam("show", "KH2026001").stdout
    visible = name.replace("\x1b", "␛").replace("\x07", "␇")
    assert visible in shown
    assert kam.json("show", "KH2026001")["name"] == name  # the data itself is unchanged


def test_csv_on_a_terminal_never_drives_it_but_a_file_keeps_the_data(kam: Kam,
                                                                    tmp_path: Path) -> None:
    """-f csv to stdout: a terminal sees ESC as ␛; a pipe or a file gets the data as it is.
    Tags with control characters never reach the completion word file."""
    import os
    import pty

    name = "坏\x1b]0;pwned\x07名"
    kam("add", "--name", name, "--tag", "标\x1b[2J签")
    env = {**os.environ, "KAM_DB": str(kam.db)}
    for args in (["list", "-f", "csv"], ["export", "-", "-f", "csv"]):
        main, child = pty.openpty()
        done = subprocess.run([sys.executable, "-m", "kam", *args], stdout=child,
                              stderr=subprocess.PIPE, env=env, timeout=60)
        os.close(child)
        seen = b""
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen += chunk
        os.close(main)
        assert done.returncode == 0, done.stderr
        text = seen.decode("utf-8")
        assert "\x1b" not in text and "\x07" not in text and "坏␛]0;pwned␇名" in text, args
        piped = subprocess.run([sys.executable, "-m", "kam", *args], capture_output=True,
                               text=True, env=env, timeout=60).stdout
        assert name in piped, args
    words = kam.db.with_name("kam.words").read_text(encoding="utf-8")
    assert "\x1b" not in words and "\x07" not in words


# 3. a declared huge row, and a FIFO
def test_a_declared_huge_row_is_refused_at_once(tmp_path: Path, kam: Kam) -> None:
    f = workbook(tmp_path / "big.xlsx", [("客户", [["客户编号", "客户名称"], ["A1", "甲"]])])
    with zipfile.ZipFile(f) as z:
        items = {n: z.read(n) for n in z.namelist()}
    sheet = items["xl/worksheets/sheet1.xml"].decode()
    items["xl/worksheets/sheet1.xml"] = sheet.replace(
        "</sheetData>", '<row r="99999999999"><c r="A99999999999" t="inlineStr"><is><t>x</t>'
        "</is></c></row></sheetData>").encode()
    with zipfile.ZipFile(f, "w") as z:
        for n, data in items.items():
            z.writestr(n, data)
    env = {**os.environ, "KAM_DB": str(kam.db)}
    for extra in ([], ["--dry-run"]):
        r = subprocess.run([sys.executable, "-m", "kam", "import", str(f), *extra], env=env,
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 2, r.stderr
        assert "more memory than any real sheet needs" in r.stderr and "big.xlsx" in r.stderr


def test_a_fifo_named_xlsx_is_refused(tmp_path: Path, kam: Kam) -> None:
    fifo = tmp_path / "x.xlsx"
    os.mkfifo(fifo)
    r = kam("import", str(fifo), code=2)
    assert "not a regular file" in r.stderr
    os.mkfifo(tmp_path / "y.csv")
    kam("import", str(tmp_path / "y.csv"), code=2)


# 4. the history shows exactly the committed changes
def test_every_uncommitted_history_line_is_trimmed(kam: Kam) -> None:
    kam("add", "--name", "甲")
    history = kam.db.with_name("kam.history.jsonl")
    gen = json.loads(history.read_bytes().splitlines()[-1])["gen"]
    ghost = json.dumps({"gen": gen + 1, "code": "KH2026001", "action": "changed",
                        "changes": {"note": [None, "幽灵" * 20]}}, ensure_ascii=False)
    history.write_bytes(history.read_bytes() + (ghost + "\n").encode() * 3000)  # > 64 KiB
    kam("edit", "KH2026001", "--note", "真的")
    notes = [e["changes"].get("note") for e in kam.json("history")]
    assert notes == [None, [None, "真的"]]


# 5. kam.yaml
@pytest.mark.parametrize(("text", "message"), [
    ("a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n",
     "line 1: anchors and aliases"),
    # PyYAML refuses this itself (with its own words, which change between releases):
    # kam's contract is the exit code, the file and the line
    ("risk: " + "[" * 100_000 + "]" * 100_000 + "\n", "line 1"),
    ("risk:\n  threshold: .nan\n", "risk.threshold: must be a number, not nan"),
    ("scoring:\n  indicators:\n    x: {weight: .inf, floor: 0, cap: 1}\n", "must be a number"),
    ("privacy:\n  mask_by_default: 'false'\n", "must be true or false, not 'false'"),
    ("followup:\n  dates:\n    birthday: {yearly: 'no'}\n", "must be true or false"),
    ("# big\n" + "#" * 300_000 + "\n", "larger than 256 KiB"),
])
def test_hostile_settings_are_refused(kam: Kam, tmp_path: Path, text: str, message: str) -> None:
    cfg = tmp_path / "kam.yaml"
    cfg.write_text(text, encoding="utf-8")
    r = kam("--config", str(cfg), "due", code=2)
    assert message in r.stderr and str(cfg) in r.stderr
    assert r.stderr.count("\n") == 1


# 6. formulas through headers and labels
def test_formula_headers_and_labels_stay_text(kam: Kam, tmp_path: Path) -> None:
    evil = '=HYPERLINK("http://evil.example","点我")'
    f = tmp_path / "in.csv"  # a header cell holding formula text, as a CSV gives it
    f.write_text(f'客户编号,客户名称,"{evil.replace(chr(34), chr(34) * 2)}",@SUM(1)\nA1,甲,v,w\n',
                 encoding="utf-8")
    cfg = tmp_path / "kam.yaml"
    cfg.write_text("vocabulary:\n  value_level:\n    high: {label: '=1+1'}\n"
                   "    low: {label: 低价值}\n", encoding="utf-8")
    kam("--config", str(cfg), "import", str(f))
    kam("--config", str(cfg), "export", str(tmp_path / "out.xlsx"))
    wb = openpyxl.load_workbook(tmp_path / "out.xlsx")
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (ws.title, cell.coordinate, cell.value)
    assert evil in [c.value for c in wb["客户"][1]]
    assert "=1+1" in [c.value for c in wb["_lists"]["A"]]
    csv_head = kam("export", "-", "-f", "csv").stdout.splitlines()[0]
    assert "'=HYPERLINK" in csv_head and "'@SUM(1)" in csv_head
    # and the guard is undone on the way back in
    kam("import", str(tmp_path / "out.xlsx"))
    assert evil in kam.json("show", "A1")["extra"]


# 7. masking by one rule, everywhere
def test_mask_covers_free_text_and_history(kam: Kam, tmp_path: Path) -> None:
    kam("add", "--name", "王先生 139.1234.5678", "--note", f"手机 {PHONE}，邮箱 张三@例子.中国",
        "--extra", "QQ=12345678", "--extra", "备用号码=13800001111", "--extra", "地址=北京市朝阳区1号",
        "--contact-info", "a@b.cn")
    kam("log", "KH2026001", f"回电 {PHONE}")
    out = json.dumps(kam.json("show", "KH2026001", "--mask"), ensure_ascii=False)
    history = kam("history", "--mask", "-f", "json").stdout
    csv = kam("export", "-", "-f", "csv", "--mask").stdout
    for text in (out, history, csv):
        for secret in (PHONE, "1234.5678", "张三@", "12345678", "13800001111", "朝阳区"):
            assert secret not in text, (secret, text[:300])
    cfg = tmp_path / "kam.yaml"
    cfg.write_text("privacy:\n  mask_by_default: true\n", encoding="utf-8")
    assert PHONE not in kam("--config", str(cfg), "history", "-f", "json").stdout
    assert PHONE in kam("history", "-f", "json").stdout  # the owner's own view is whole


def test_mask_covers_written_out_emails_digest_and_birthdays(kam: Kam, tmp_path: Path) -> None:
    """zhou[at]example.com is an email; the digest masks what was said and takes --mask;
    a birthday is a person's date and leaves masked."""
    kam("add", "--name", "甲公司", "--contact", "周", "--contact-info", "zhou[at]example.com",
        "--note", "备用 zhou(at)example(dot)com", "--date", "birthday=1980-05-10",
        "--next", "2026-11-20", "--today", "2026-11-01")
    kam("log", "KH2026001", f"约好回电 {PHONE}", "--date", "2026-11-01", "--next", "2026-11-20")
    outs = [json.dumps(kam.json("show", "KH2026001", "--mask"), ensure_ascii=False),
            kam("list", "--mask", "-f", "json").stdout,
            kam("search", "甲", "--mask", "-f", "json").stdout,
            kam("export", "-", "-f", "csv", "--mask").stdout,
            kam("export", "-", "-f", "json", "--mask").stdout,
            kam("history", "--mask", "-f", "json").stdout,
            kam("digest", "--mask", "--today", "2026-11-23").stdout,
            kam("digest", "--mask", "-f", "json", "--today", "2026-11-23").stdout]
    for text in outs:
        for secret in ("zhou[at]", "zhou(at)", PHONE, "1980-05-10"):
            assert secret not in text, (secret, text[:300])
    cfg = tmp_path / "kam.yaml"
    cfg.write_text("privacy:\n  mask_by_default: true\n", encoding="utf-8")
    digest = kam("--config", str(cfg), "digest", "--today", "2026-11-23").stdout
    assert PHONE not in digest and "约好回电" in digest
    assert PHONE in kam("--config", str(cfg), "digest", "--no-mask", "--today", "2026-11-23").stdout


# 8. a database that was one is never taken for new (empty and null: test_store)
def test_a_kam_json_older_than_its_log_is_refused(kam: Kam) -> None:
    kam("add", "--name", "甲")
    old = kam.db.read_bytes()
    kam("log", "KH2026001", "电话")
    kam.db.write_bytes(old)  # copied back by hand
    r = kam("show", "KH2026001", code=3)
    assert "older than kam.interactions.json" in r.stderr


# 9. characters Excel forbids
def test_export_replaces_forbidden_characters_and_names_them(kam: Kam, tmp_path: Path) -> None:
    kam("add", "--name", "甲\x0b公司", "--note", "a\x1bb")
    r = kam("export", str(tmp_path / "o.xlsx"))
    assert "KH2026001 客户名称" in r.stderr and "KH2026001 备注" in r.stderr
    ws = openpyxl.load_workbook(tmp_path / "o.xlsx")["客户"]
    assert ws["C2"].value == "甲␋公司" and ws["P2"].value == "a␛b"


# 10. links and special files
@pytest.mark.parametrize("name", ["kam.history.jsonl", "kam.json.lock", "kam.backups"])
def test_symlinked_files_are_refused(kam: Kam, tmp_path: Path, name: str) -> None:
    kam("add", "--name", "甲")
    target = tmp_path / "elsewhere"
    target.mkdir() if name == "kam.backups" else target.write_text("keep me", encoding="utf-8")
    link = kam.db.with_name(name)
    if link.is_dir():
        for p in link.iterdir():
            p.unlink()
        link.rmdir()
    elif link.exists():
        link.unlink()
    link.symlink_to(target)
    r = kam("edit", "KH2026001", "--note", "x", code=3)
    assert "symbolic link" in r.stderr
    assert target.is_dir() and not any(target.iterdir()) if name == "kam.backups" else (
        target.read_text(encoding="utf-8") == "keep me")


def test_db_as_a_link_or_a_device_is_refused(kam: Kam, tmp_path: Path) -> None:
    kam("add", "--name", "甲")
    link = tmp_path / "link.json"
    link.symlink_to(kam.db)
    r = kam("--db", str(link), "edit", "KH2026001", "--note", "x", code=3)
    assert "symbolic link" in r.stderr and link.is_symlink()
    r = kam("--db", "/dev/null", "add", "--name", "乙", code=3)
    assert "not a regular file" in r.stderr
    assert Path("/dev/null").is_char_device()


# 11. exit 2 for bad input, 3 for the store
def test_bad_input_is_exit_2(kam: Kam, tmp_path: Path) -> None:
    kam("add", "--name", "甲")
    assert "out of range" in kam("--today", "0001-01-01", "due", code=2).stderr
    assert "too far ahead" in kam("snooze", "KH2026001", "--days", "99999999999", code=2).stderr
    assert "not UTF-8" in kam("add", "--name", "坏\udcff", code=2).stderr
    assert "--db: the path is empty" in kam("--db=", "list", code=2).stderr
    r = kam("export", "/proc/kam-export.csv", code=2)
    assert "/proc/kam-export.csv: cannot write" in r.stderr


def test_unknown_fields_survive_a_write(kam: Kam) -> None:
    kam("add", "--name", "甲")
    data = json.loads(kam.db.read_text(encoding="utf-8"))
    data["customers"]["1"]["loyalty"] = {"points": 3}  # a field a newer kam wrote
    kam.db.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    kam("edit", "KH2026001", "--note", "x")
    assert json.loads(kam.db.read_text(encoding="utf-8"))["customers"]["1"]["loyalty"] == {
        "points": 3}


# 12. two follow-ups in the same second
def test_the_later_of_two_same_second_follow_ups_is_the_last(tmp_path: Path) -> None:
    from kam.ops import customers, interactions
    from kam.ops.context import Context

    ctx = Context.create(tmp_path / "kam.json", today=date(2026, 11, 23))
    customers.add(ctx, "甲", customers.Changes())
    interactions.log(ctx, "KH2026001", "第一次")
    c = interactions.log(ctx, "KH2026001", "第二次").customer
    assert c.last_summary == "第二次"


# 14. exports are private
@pytest.mark.parametrize("name", ["o.xlsx", "o.csv", "o.json"])
def test_exports_are_0600(kam: Kam, tmp_path: Path, name: str) -> None:
    kam("add", "--name", "甲")
    kam("export", str(tmp_path / name))
    assert oct((tmp_path / name).stat().st_mode & 0o777) == "0o600"


# 15. CSV quotes, cell size, codes
def test_csv_with_an_unclosed_quote_is_refused(kam: Kam, tmp_path: Path) -> None:
    f = tmp_path / "q.csv"
    f.write_text('客户名称,电话\n甲,1\n乙,"2\n丙,3\n丁,4\n', encoding="utf-8")
    r = kam("import", str(f), code=2)
    assert "line 3: a quote" in r.stderr and "never closed" in r.stderr
    assert not kam.db.exists()


def test_oversized_cells_and_bad_codes_are_row_errors(kam: Kam, tmp_path: Path) -> None:
    f = tmp_path / "c.csv"
    f.write_text("客户编号,客户名称,备注\n"
                 f"../etc,甲,x\n{'K' * 5000},乙,y\nOK1,丙,{'长' * 40000}\nOK2,丁,z\n",
                 encoding="utf-8")
    doc = json.loads(kam("import", str(f), "-f", "json").stdout)
    assert [e["row"] for e in doc["errors"]] == [2, 3, 4]
    assert "bad customer code '../etc'" in doc["errors"][0]["message"]
    assert "40,000 characters" in doc["errors"][2]["message"]
    assert [c["code"] for c in kam.json("list")] == ["OK2"]
