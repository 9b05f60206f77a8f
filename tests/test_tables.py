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


def test_wrap_keeps_chinese_punctuation_off_the_line_start() -> None:
    lines = wrap("给定时任务用的每日摘要：今天联系谁、为什么，新增流失风险，本周重要日期。", 24)
    assert all(width(ln) <= 24 for ln in lines)
    assert not any(ln[0] in "。，、；：" for ln in lines)
    assert "".join(lines) == "给定时任务用的每日摘要：今天联系谁、为什么，新增流失风险，本周重要日期。"


def test_plain_tables_are_what_rich_prints(crowd: Kam, monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables skip rich for speed (rich is left the consoles that read no ANSI styles):
    the lines must be the ones rich lays out."""
    from kam import render

    monkeypatch.setenv("COLUMNS", "80")
    for args in COMMANDS:
        plain = crowd(*args).stdout
        with monkeypatch.context() as m:  # through rich (without a terminal: no escapes)
            m.setattr(render, "_colour", lambda: True)
            m.setattr(render, "_ansi", lambda: False)
            through_rich = crowd(*args).stdout
        assert plain == through_rich, args


SGR = re.compile(r"\x1b\[[0-9;]*m")


def test_a_terminal_gets_the_plain_lines_styled(crowd: Kam, monkeypatch: pytest.MonkeyPatch
                                                ) -> None:
    """On a terminal the same lines come with ANSI styles, written without rich: the
    title and header bold, overdue rows red, today's bold, tiers as coloured badges."""
    from kam import render

    monkeypatch.setenv("COLUMNS", "80")
    for args in COMMANDS:
        plain = crowd(*args).stdout
        with monkeypatch.context() as m:
            m.setattr(render, "_colour", lambda: True)
            styled = crowd(*args).stdout
        assert SGR.sub("", styled) == plain, args
        assert any(ln.startswith("\x1b[1m") and ln.endswith("\x1b[0m")  # a bold header
                   for ln in styled.splitlines()), args
    with monkeypatch.context() as m:
        m.setattr(render, "_colour", lambda: True)
        late = crowd("due", "--today", "2027-03-01").stdout.splitlines()
    rows = [ln for ln in late if CODE.search(ln)]
    assert rows and all(ln.startswith("\x1b[31m") and ln.endswith("\x1b[0m") for ln in rows)
    tiers = {m.group(1) for ln in rows for m in re.finditer(r"\x1b\[([0-9;]+)m[A-D]\x1b\[0m", ln)}
    assert tiers and tiers <= {"1;37;41", "30;43", "37;44", "37;100"}
    assert all("\x1b[0m\x1b[31m" in ln for ln in rows)  # the row's red again after a badge


@pytest.mark.parametrize(("tty", "env", "expected"), [
    (True, {}, True), (False, {}, False), (True, {"NO_COLOR": "1"}, False),
    (True, {"TERM": "dumb"}, False), (True, {"TERM": "xterm-256color"}, True),
])
def test_colour_only_where_it_shows(monkeypatch: pytest.MonkeyPatch, tty: bool,
                                    env: dict[str, str], expected: bool) -> None:
    import io

    from kam import render

    class Out(io.StringIO):
        def isatty(self) -> bool:
            return tty

    for name in ("NO_COLOR", "TERM"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("sys.stdout", Out())
    assert render._colour() is expected


@pytest.mark.parametrize(("style", "sgr"), [
    ("bold", "1"), ("red", "31"), ("bold white on red", "1;37;41"), ("black on yellow", "30;43"),
    ("white on grey39", "37;100"), ("dim italic", "2;3"), (None, ""), ("sparkly", ""),
])
def test_styles_as_ansi(style: str | None, sgr: str) -> None:
    from kam.render import _sgr

    assert _sgr(style) == sgr


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
