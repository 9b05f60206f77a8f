"""Tables fit the terminal: one line per row at 80 and 120 columns, codes and dates whole.

Chinese names of 10-20 characters take 20-40 cells; a table that wrapped them
would put one customer on several lines. Piped output is laid out for 80 columns
unless COLUMNS says otherwise; --wide keeps everything.
"""

from __future__ import annotations

import re

import pytest
from conftest import Kam

from kam.text import shorten, width, wrap

NAMES = ["华东精密机械制造有限公司", "远航国际集团控股有限公司上海分公司",
         "绿源生态农业科技发展有限公司", "北方重工装备集团股份有限公司天津销售中心",
         "星辰软件", "立信会计师事务所特殊普通合伙北京分所"]


@pytest.fixture
def crowd(kam: Kam) -> Kam:
    for i, name in enumerate(NAMES):
        code = f"KH20240{i + 1:02d}"
        kam("add", "--name", name, "--code", code, "--contact", "欧阳建国", "--owner", "司马相如",
            "--stage", "合作中", "--value-level", "高价值", "--tag", "重点跟进",
            "--next", "2026-11-25", "--date", "birthday=1980-11-28")
        kam("log", code, "电话沟通下一年度的采购计划和付款方式，客户希望年底前签合同", "-k", "电话",
            "--date", f"2026-0{(i % 5) + 3}-1{i}", "--force")
    return kam


COMMANDS = [("list",), ("due",), ("risk",), ("score",), ("history",), ("backups",),
            ("search", "有限公司"), ("show", "KH2024004"), ("due", "--today", "2027-03-01")]
CODE = re.compile(r"KH20240\d\d")
DATE = re.compile(r"20\d\d-\d\d-\d\d")


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_one_line_per_row(crowd: Kam, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    monkeypatch.setenv("KAM_LANG", lang)
    for cols in (80, 120):
        monkeypatch.setenv("COLUMNS", str(cols))
        for args in COMMANDS:
            check_table(crowd(*args).stdout, cols, args)


def check_table(out: str, cols: int, args: tuple[str, ...]) -> None:
    lines = out.splitlines()
    assert lines, args
    for line in lines:
        assert width(line) <= cols, f"{width(line)} cells > {cols}: {line!r}"
        assert line == line.rstrip(), "no trailing spaces in piped output"
    if args[0] in ("list", "search", "score"):
        rows = [ln for ln in lines if CODE.match(ln)]
        # one line per customer, each starting with its whole code
        expected = sum("有限公司" in n for n in NAMES) if args[0] == "search" else len(NAMES)
        assert len(rows) == len({r.split()[0] for r in rows}) == expected
    if args[0] == "due":
        rows = [ln for ln in lines if CODE.match(ln)]
        assert rows and all(DATE.search(r) for r in rows)  # the date whole on the same line
    for line in lines:
        for found in CODE.findall(line):
            assert len(found) == 9


def test_wider_terminal_shows_more_columns(crowd: Kam, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    narrow = crowd("list").stdout.splitlines()[1]
    monkeypatch.setenv("COLUMNS", "120")
    wide = crowd("list").stdout.splitlines()[1]
    assert len(wide.split()) > len(narrow.split())
    assert "Owner" in wide and "Owner" not in narrow


def test_names_are_shortened_with_an_ellipsis_and_wide_keeps_them(
        crowd: Kam, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    out = crowd("risk", "--today", "2027-06-30").stdout
    assert "…" in out
    whole = crowd("--wide", "risk", "--today", "2027-06-30").stdout
    assert NAMES[3] in whole and "…" not in whole
    assert max(width(ln) for ln in whole.splitlines()) > 60


def test_piped_output_defaults_to_80_columns(crowd: Kam, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("COLUMNS")
    assert max(width(ln) for ln in crowd("risk", "--today", "2027-06-30").stdout.splitlines()
               ) <= 80


@pytest.mark.parametrize(("text", "cells", "expected"), [
    ("华东精密机械", 12, "华东精密机械"),
    ("华东精密机械", 11, "华东精密机…"),
    ("华东精密机械", 10, "华东精密…"),
    ("ACME Tools", 6, "ACME …"),
    ("", 3, ""),
])
def test_shorten_counts_display_cells(text: str, cells: int, expected: str) -> None:
    assert shorten(text, cells) == expected
    assert width(shorten(text, cells)) <= cells


@pytest.mark.parametrize("cells", [-3, 0, 1, 2, 3])
def test_wrap_into_a_line_narrower_than_a_character_keeps_every_character(cells: int) -> None:
    """A line of one cell (or none) cannot hold a Chinese character: each stands on its
    own line (it used to loop for ever), and nothing is dropped."""
    text = "新增客户编号: ∅ → KH000007"
    lines = wrap(text, cells)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    assert all(width(line) <= max(cells, 2) for line in lines)


@pytest.mark.parametrize("columns", ["1", "5", "12", "30"])
def test_a_screen_narrower_than_a_table_still_shows_it(crowd: Kam, monkeypatch: pytest.MonkeyPatch,
                                                      columns: str) -> None:
    """However narrow the terminal (COLUMNS), every command answers and exits 0: kam lays
    out what fits, Rich narrows the rest."""
    monkeypatch.setenv("COLUMNS", columns)
    for args in (*COMMANDS, ("review",), ("digest",), ("-h",)):
        assert crowd(*args).stdout, args


def test_wrap_keeps_a_colon_with_the_chinese_word_before_it() -> None:
    for cells in range(10, 40):  # KH2026001; is 10 cells: narrower, it is cut
        lines = wrap("客户编号: ∅ → KH2026001; 联系方式: ∅ → 139 5678 1234", cells)
        assert not any(line.startswith((":", ";")) for line in lines), (cells, lines)


def test_one_customers_history_leaves_out_its_code_before_the_changes(
        kam: Kam, monkeypatch: pytest.MonkeyPatch) -> None:
    """The title names the customer: on a narrow screen its code column goes, not the
    room for what changed; the history of everyone keeps the codes."""
    kam("add", "--name", "甲公司", "--contact-info", "139 5678 1234")
    monkeypatch.setenv("COLUMNS", "34")
    monkeypatch.setenv("KAM_LANG", "zh")
    one = kam("history", "KH2026001").stdout.splitlines()
    assert "KH2026001" in one[0] and one[1].split() == ["时间", "操作", "改动"]
    assert "甲公司" in "".join(line[24:].strip() for line in one[2:])
    kam("add", "--name", "乙公司")
    assert "KH2026002" in kam("history").stdout  # everyone's: the codes are kept
    monkeypatch.setenv("COLUMNS", "80")
    assert "客户编号" in kam("history", "KH2026001").stdout.splitlines()[1]


@pytest.mark.parametrize("columns", ["20", "30", "40", "50"])
def test_a_narrow_screen_never_cuts_a_code_or_a_date(crowd: Kam, monkeypatch: pytest.MonkeyPatch,
                                                    columns: str) -> None:
    """The droppable columns go first; what is left is printed whole, the terminal folding
    the line, rather than Rich narrowing the columns through the codes and dates."""
    monkeypatch.setenv("COLUMNS", columns)
    codes = {c["code"] for c in crowd.json("list")}
    for args in (("list",), ("due",), ("risk",), ("score",), ("due", "--today", "2027-03-01")):
        out = crowd(*args).stdout
        shown = set(re.findall(r"KH\d+", out))
        assert shown and shown <= codes, (args, shown - codes)
        assert all(DATE.fullmatch(d) for d in re.findall(r"20\d\d-[\d-]*", out)), args


def test_wrap_keeps_chinese_punctuation_off_the_line_start() -> None:
    lines = wrap("给定时任务用的每日摘要：今天联系谁、为什么，新增流失风险，本周重要日期。", 24)
    assert all(width(ln) <= 24 for ln in lines)
    assert not any(ln[0] in "。，、；：" for ln in lines)
    assert "".join(lines) == "给定时任务用的每日摘要：今天联系谁、为什么，新增流失风险，本周重要日期。"


SGR = re.compile(r"\x1b\[[0-9;]*m")
COLOUR = re.compile(r"\x1b\[(?:[0-9;]*;)?(?:3[0-7]|4[0-7]|9[0-7]|10[0-7])[;m]")


@pytest.mark.parametrize(("env", "styled"), [
    ({"FORCE_COLOR": "1"}, True), ({}, False), ({"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
    ({"FORCE_COLOR": "1", "TERM": "dumb"}, False),
])
def test_rich_draws_the_tables_and_decides_the_colour(crowd: Kam, monkeypatch: pytest.MonkeyPatch,
                                                      env: dict[str, str], styled: bool) -> None:
    """Rich draws every table: on a terminal (FORCE_COLOR stands for one) with styles,
    the overdue rows red and tiers as badges; piped, with NO_COLOR or on a dumb terminal,
    the same lines without colour (Rich keeps bold under NO_COLOR, as no-color.org asks)."""
    monkeypatch.setenv("COLUMNS", "80")
    for name in ("NO_COLOR", "TERM", "FORCE_COLOR"):
        monkeypatch.delenv(name, raising=False)
    plain = {args: crowd(*args).stdout for args in COMMANDS}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    for args in COMMANDS:
        out = crowd(*args).stdout
        assert bool((SGR if styled else COLOUR).search(out)) is styled, (args, env)
        if "TERM" in env or not env:
            assert not SGR.search(out), (args, env)
        lines = [ln.rstrip() for ln in SGR.sub("", out).splitlines()]
        assert lines == plain[args].splitlines(), args
    if styled:
        late = crowd("due", "--today", "2027-03-01").stdout.splitlines()
        rows = [ln for ln in late if CODE.search(ln)]
        assert rows and all("\x1b[31m" in ln for ln in rows)  # overdue: red


@pytest.mark.parametrize(("word", "keys", "expected"), [
    ("score", ("code", "score"), "score"), ("SCORE", ("code", "score"), "score"),
    ("评分", ("code", "score"), "score"), ("客户名称", ("code", "name"), "name"),
    ("负责人", ("owner", "tag"), "owner"), ("状态标签", ("owner", "tag"), "tag"),
    ("标签", ("tags",), "tags"), ("下次跟进时间", ("next_follow_up",), "next_follow_up"),
    ("Owner", ("owner",), "owner"), ("客户名称", ("code",), None), ("nothing", ("code",), None),
])
def test_field_names_a_person_types(word: str, keys: tuple[str, ...], expected: str | None
                                    ) -> None:
    from kam.labels import field_key

    assert field_key(word, keys) == expected


@pytest.mark.parametrize("command", [("list",), ("search", "客户"), ("score",), ("risk",)])
def test_every_listing_table_has_a_row_limit(kam: Kam, command: tuple[str, ...]) -> None:
    """A table shows a screen's worth of rows, 50 by default, `--limit` for more or
    fewer (0: all); JSON lists every row."""
    for n in range(55):
        kam("add", "--code", f"KH{n:04d}", "--name", f"客户{n}", "--stage", "合作中")
    risky = ["--today", "2027-11-23"] if command == ("risk",) else []  # all silent a year
    shown = kam(*command, *risky)
    assert len(CODE_ANY.findall(shown.stdout)) == 50
    assert "showing the first 50 of 55 (--limit 0 shows all)" in shown.stderr
    assert len(CODE_ANY.findall(kam(*command, *risky, "--limit", "7").stdout)) == 7
    everything = kam(*command, *risky, "--limit", "0")
    assert len(CODE_ANY.findall(everything.stdout)) == 55 and "showing" not in everything.stderr
    assert len(kam.json(*command, *risky)) == 55


CODE_ANY = re.compile(r"^KH\d{4}\b", re.MULTILINE)
