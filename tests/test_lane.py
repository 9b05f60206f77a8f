"""The fast lane (kam/lane.py): the daily read-only commands without typer. It parses
what click would parse to the same values, leaves everything else to typer, and
gives the same output, messages and exit codes as typer's commands."""

from __future__ import annotations

import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kam import lane
from kam.cli import app, lane_spec
from kam.commands import quick


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    return lane_spec(lane.COMMANDS)


def test_every_lane_command_is_in_the_spec_with_its_body(spec: dict[str, Any]) -> None:
    assert set(spec) == {"", *lane.COMMANDS}
    assert [p["name"] for p in spec[""]["params"]] == ["db", "config", "today", "lang", "wide",
                                                      "debug"]  # not --version, completion
    for name in lane.COMMANDS:
        body = getattr(quick, spec[name]["body"])
        names = list(inspect.signature(body).parameters)
        assert names == ["ctx", *(p["name"] for p in spec[name]["params"])], name


ENV = {"KAM_DB": "/x/kam.json", "KAM_TODAY": "2026-11-23"}
DEFAULT_GLOBALS = {"db": Path("/x/kam.json"), "config": None, "today": "2026-11-23",
                   "lang": None, "wide": False, "debug": False}
DUE = {"days": None, "owner": None, "tier": None, "stage": None, "limit": 50, "explain": None,
       "fmt": "table"}
LIST = {"stage": None, "value_level": None, "tag": None, "owner": None, "industry": None,
        "sort": "code", "all_": False, "mask": None, "fmt": "table"}
EDIT = dict.fromkeys(("codes", "name", "contact", "title", "contact_info", "industry", "size",
                      "value_level", "need", "stage", "owner", "note", "tag", "untag", "extra",
                      "date_", "person", "unset", "next_", "reason", "where")) | {
    "force": False, "dry_run": False}
PARSED: list[tuple[list[str], Any]] = [
    (["due"], ({}, DUE)),
    (["due", "-f", "json"], ({}, {**DUE, "fmt": "json"})),
    (["due", "--format=csv", "--days", "14", "--limit", "0"],
     ({}, {**DUE, "fmt": "csv", "days": 14, "limit": 0})),
    (["--db", "a.json", "due", "--owner", "张华", "--today", "2026-12-01"],
     ({"db": Path("a.json"), "today": "2026-12-01"}, {**DUE, "owner": "张华"})),
    (["due", "--lang=en", "--wide", "--debug", "--days", "+3"],
     ({"lang": "en", "wide": True, "debug": True}, {**DUE, "days": 3})),
    (["due", "--owner", "甲", "--owner", "乙"], ({}, {**DUE, "owner": "乙"})),  # the last
    (["list", "--tag", "重点", "--tag", "新", "--no-mask", "--all", "--sort", "-score"], None),
    (["list", "--tag", "重点", "--tag", "新", "--no-mask", "--all", "--sort=-score"],
     ({}, {**LIST, "tag": ["重点", "新"], "mask": False, "all_": True, "sort": "-score"})),
    (["list", "--mask", "--value-level", "高价值"],
     ({}, {**LIST, "mask": True, "value_level": "高价值"})),
    (["score", "KH1", "--explain"], ({}, {"code": "KH1", "explain": True, "tier": None,
                                          "all_": False, "fmt": "table"})),
    (["score", "-"], ({}, {"code": "-", "explain": False, "tier": None, "all_": False,
                           "fmt": "table"})),
    (["risk", "--threshold", "70.5"], ({}, {"owner": None, "tier": None, "threshold": 70.5,
                                            "fmt": "table"})),
    (["risk", "--threshold", ".5"], ({}, {"owner": None, "tier": None, "threshold": 0.5,
                                          "fmt": "table"})),
    (["digest", "-f", "markdown", "--days", "3"], ({}, {"fmt": "markdown", "days": 3})),
    (["edit", "A", "B", "--owner", "李", "--tag", "x", "--dry-run", "--db", "b.json"],
     ({"db": Path("b.json")}, {**EDIT, "codes": ["A", "B"], "owner": "李", "tag": ["x"],
                               "dry_run": True})),
    (["edit", "--where", "owner=张", "--stage=active"],
     ({}, {**EDIT, "where": ["owner=张"], "stage": "active"})),
    # left to typer: help, unknown or malformed options, values click refuses or reads
    # its own way, `--`, options joined, a command's option before the command
    *[(args, None) for args in (
        ["due", "-h"], ["due", "--help"], ["-h", "due"], ["due", "--bogus"], ["due", "--"],
        ["due", "-fjson"], ["due", "-f"], ["due", "--days"], ["due", "--days", "x"],
        ["due", "--days", "1_000"], ["due", "--days", " 3"], ["due", "-f", "JSON"],
        ["due", "-f", "xml"], ["due", "extra"], ["score", "A", "B"], ["--days", "3", "due"],
        ["due", "--wide=1"], ["due", "--all=yes"], ["list", "--all=1"], ["--version", "due"],
        ["due", "--owner", "-x"], ["risk", "--threshold", "1e3"], ["risk", "--threshold",
                                                                      "nan"],
        ["due", "--days=-1x"], ["list", "--mask=no"], ["nosuch"], [])],
]


@pytest.mark.parametrize(("args", "want"), PARSED)
def test_parse(spec: dict[str, Any], args: list[str], want: Any,
               monkeypatch: pytest.MonkeyPatch) -> None:
    for k in ("KAM_DB", "KAM_CONFIG", "KAM_TODAY", "KAM_LANG"):
        monkeypatch.delenv(k, raising=False)
    for k, v in ENV.items():
        monkeypatch.setenv(k, v)
    name = lane.command_name(args)
    got = lane.parse(spec, name, args) if name in lane.COMMANDS else None
    if want is None:
        assert got is None
    else:
        assert got == ({**DEFAULT_GLOBALS, **want[0]}, want[1])


def test_an_empty_variable_counts_as_unset(spec: dict[str, Any],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KAM_TODAY", "")
    monkeypatch.setenv("KAM_LANG", "")
    parsed = lane.parse(spec, "due", ["due"])
    assert parsed is not None and parsed[0]["today"] is None and parsed[0]["lang"] is None


def _lane(args: list[str], capfd: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = lane.run(args)
    assert code is not None, args
    out, err = capfd.readouterr()
    return code, out, err


CASES = [
    ["due"], ["due", "-f", "json"], ["due", "-f", "csv", "--days", "30"], ["due", "--limit", "1"],
    ["due", "--owner", "李某", "--lang", "en"], ["--lang", "en", "due", "--tier", "Z"],
    ["due", "--stage", "合作中", "--days", "400", "-f", "json"], ["due", "--days=-1"],
    ["due", "--explain", "KH2024001", "--days", "400"], ["due", "--explain", "nobody"],
    ["risk"], ["risk", "-f", "json", "--threshold", "101"], ["risk", "--tier", "A"],
    ["score"], ["score", "-f", "json"], ["score", "KH2024001", "--explain"],
    ["score", "nobody"], ["score", "--all", "-f", "csv"], ["score", "--tier", "C", "--wide"],
    ["list"], ["list", "-f", "json"], ["list", "-f", "csv", "--mask"],
    ["list", "--tag", "重点跟进", "--sort", "name"], ["list", "--sort", "nonsense"],
    ["list", "--stage", "nonsense"], ["list", "--all", "--no-mask", "-f", "json"],
    ["digest"], ["digest", "-f", "json"], ["digest", "-f", "markdown", "--days", "400"],
    ["digest", "--days=-3"], ["--today", "2027-02-30", "due"], ["due", "--lang", "xx"],
    ["--today", "2027-03-01", "risk", "-f", "json"], ["--db", "", "due"],
    ["show", "KH2024001"], ["show", "kh2024001", "-f", "json"], ["show", "KH2024002", "--mask"],
    ["show", "某某科技", "-f", "csv", "--no-mask"], ["show", "某某"], ["show", "nobody"],
    ["show", "KH2024001", "--lang", "en", "--wide"],
]


def test_the_lane_gives_what_typer_gives(two: Any, capfd: pytest.CaptureFixture[str],
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Output, messages and exit code of each case, through the lane and through typer."""
    two("log", "KH2024001", "电话", "--date", "2026-09-01")
    two("archive", "KH2024002")
    runner = CliRunner()
    for args in CASES:
        whole = runner.invoke(app, args)
        capfd.readouterr()
        assert _lane(args, capfd) == (whole.exit_code, whole.stdout, whole.stderr), args
    monkeypatch.setenv("KAM_LANG", "en")
    for args in (["due"], ["score", "nobody"], ["list", "-f", "csv"]):
        whole = runner.invoke(app, args)
        capfd.readouterr()
        assert _lane(args, capfd) == (whole.exit_code, whole.stdout, whole.stderr), args


def test_a_missing_archive_and_a_damaged_one(kam: Any, capfd: pytest.CaptureFixture[str]
                                             ) -> None:
    runner = CliRunner()
    for content in (None, "{ damaged"):
        if content is not None:
            kam.db.parent.mkdir(parents=True, exist_ok=True)
            kam.db.write_text(content, encoding="utf-8")
        whole = runner.invoke(app, ["due"])
        got = _lane(["due"], capfd)
        assert got == (whole.exit_code, whole.stdout, whole.stderr)
        assert got[0] in (2, 3) and got[2].count("\n") == 1


def test_an_unexpected_failure_is_one_line_and_exit_1(two: Any, capfd: pytest.CaptureFixture[str],
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*_: Any, **__: Any) -> None:
        raise ZeroDivisionError("boom")

    monkeypatch.setattr(quick, "due", broken)
    code, out, err = _lane(["due"], capfd)
    assert (code, out) == (1, "") and "ZeroDivisionError" in err and err.count("\n") == 1
    code, out, err = _lane(["due", "--debug"], capfd)
    assert code == 1 and "Traceback" in err


def test_what_the_lane_does_not_take_goes_to_typer(two: Any, tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    assert lane.run(["due", "-h"]) is None
    assert lane.run(["backups"]) is None  # not a lane command
    monkeypatch.setenv("_KAM_COMPLETE", "bash_complete")
    assert lane.run(["due"]) is None
    monkeypatch.delenv("_KAM_COMPLETE")
    monkeypatch.setenv("KAM_NO_CACHE", "1")
    assert lane.run(["due"]) is None


def test_the_spec_is_kept_and_a_damaged_one_made_again(two: Any, tmp_path: Path,
                                                       capfd: pytest.CaptureFixture[str]
                                                       ) -> None:
    assert _lane(["due", "-f", "json"], capfd)[0] == 0
    kept = list((tmp_path / "cache" / "kam").glob("lane-*.json"))
    assert len(kept) == 1 and json.loads(kept[0].read_bytes()) == lane_spec(lane.COMMANDS)
    kept[0].write_text("{ damaged", encoding="utf-8")
    assert _lane(["due", "-f", "json"], capfd)[0] == 0
    assert json.loads(kept[0].read_bytes()) == lane_spec(lane.COMMANDS)


def test_the_installed_script_takes_the_lane_without_typer(two: Any, tmp_path: Path) -> None:
    """The daily commands, once the lane's spec and the view are kept, import none of
    the heavy modules: typer, rich (piped output), yaml (kam.yaml's settings are
    kept), tinydb (the view is read), dataclasses, gettext (i18n.read_mo),
    typing (kam.typenames)."""
    env = {**os.environ, "KAM_DB": str(two.db), "XDG_CACHE_HOME": str(tmp_path / "cache"),
           "KAM_LANG": "zh"}
    probe = ("import sys; sys.argv = ['kam'] + sys.argv[1:]\n"
             "from kam.launch import main\n"
             "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
             "heavy = ('typer', 'click', 'rich', 'yaml', 'tinydb', 'dataclasses', 'gettext', "
             "'typing')\n"
             "print(*[m for m in heavy if m in sys.modules], code, file=sys.stderr)\n")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", probe, *args], env=env,
                              capture_output=True, text=True, encoding="utf-8")

    runs = [run("due", "-f", "json") for _ in range(2)]
    assert runs[0].stdout == runs[1].stdout and json.loads(runs[1].stdout)
    assert "typer" in runs[0].stderr  # the first run asks typer for the spec
    assert runs[1].stderr == "0\n"
    head = run("list", "-f", "csv")
    assert head.stderr == "0\n" and head.stdout.startswith("code,name")
    for args in (["due"], ["risk"], ["score", "-f", "json"], ["list"], ["digest"]):
        done = run(*args)
        assert done.stderr.splitlines()[-1] == "0", (args, done.stderr)


WRITES = [
    ["log", "KH2024001", "电话沟通", "-k", "call", "--next", "2026-12-05"],
    ["log", "KH2024002", "下单", "--kind=order", "--amount", "5万", "--date", "2026-11-20"],
    ["done", "KH2024001"], ["done", "KH2024002", "发了合同", "--next", "2026-12-15"],
    ["log", "nobody", "x"], ["log", "KH2024001", "x", "--date", "2026-02-30"],
    ["log", "KH2024001", "x", "--amount", "很多"], ["log", "KH2024001", "x", "-k", "nonsense"],
    ["done", "KH2024001", "--next", "2020-01-01"], ["log", "KH2024001", "未来", "--date",
                                                    "2027-01-01"],
    ["edit", "KH2024002", "--owner", "张华", "--tag", "重点", "--untag", "新", "--extra",
     "微信=wx1", "--date", "birthday=1990-02-03", "--person", "李四:finance::13800000000"],
    ["edit", "KH2024001", "KH2024002", "--note", "批量", "--dry-run"],
    ["edit", "--where", "owner=张华", "--stage", "合作中"], ["edit", "KH2024002", "--unset",
                                                          "extra.微信"],
    ["edit", "nobody", "--note", "x"], ["edit", "KH2024002", "--stage", "nonsense"],
    ["edit", "KH2024002"], ["edit", "--where", "bogus"], ["edit", "KH2024002", "--stage", "lost",
                                                         "--reason", "价格"],
]


def test_writes_through_the_lane_are_what_typer_does(two: Any, tmp_path: Path,
                                                     capfd: pytest.CaptureFixture[str],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """log, done and edit: the same messages, exit codes and archive, on two copies."""
    import shutil

    other = tmp_path / "other"
    shutil.copytree(two.db.parent, other)
    runner = CliRunner()
    for args in WRITES:
        whole = runner.invoke(app, args)
        capfd.readouterr()
        monkeypatch.setenv("KAM_DB", str(other / two.db.name))
        got = _lane(args, capfd)
        monkeypatch.setenv("KAM_DB", str(two.db))
        assert got == (whole.exit_code, whole.stdout, whole.stderr), args

    def shown(db: Path) -> Any:
        out = runner.invoke(app, ["--db", str(db), "show", "KH2024002", "-f", "json"]).stdout
        doc = json.loads(out)
        for item in doc["interactions"]:
            item.pop("id")
            item.pop("created")
        return {k: v for k, v in doc.items() if k not in ("updated", "created")}

    assert shown(two.db) == shown(other / two.db.name)


def test_a_reader_gone_away_is_exit_0_and_silent(two: Any, tmp_path: Path) -> None:
    """`kam list | head`: the pipe closes; the lane exits 0 and says nothing, not even
    what the interpreter flushes on its way out."""
    env = {**os.environ, "KAM_DB": str(two.db), "XDG_CACHE_HOME": str(tmp_path / "cache")}
    probe = ("import sys; sys.argv = ['kam', 'due']\n"
             "from kam.commands import quick\n"
             "def gone(*a, **k):\n    print('x' * 100)\n    raise BrokenPipeError(32, 'pipe')\n"
             "quick.due = gone\n"
             "from kam.launch import main\nmain()\n")
    for _ in range(2):  # the first run asks typer for the spec, the second takes the lane
        r = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                           text=True, encoding="utf-8")
        assert (r.returncode, r.stderr) == (0, "")
