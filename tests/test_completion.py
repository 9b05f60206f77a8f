"""Shell completion: scripts for bash, zsh and fish; commands, options, codes and tags.

Completing a customer code reads kam.json only, never the follow-up log.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import Kam


@pytest.mark.parametrize(("shell", "marker"), [("bash", "complete -o default -F"),
                                               ("zsh", "compdef"), ("fish", "complete --command kam")])
def test_completion_scripts(kam: Kam, shell: str, marker: str) -> None:
    script = kam("completion", shell).stdout
    assert marker in script and "_KAM_COMPLETE" in script


def _complete(kam: Kam, line: str, shell: str = "bash") -> list[str]:
    words = line.split(" ")
    env = {"_KAM_COMPLETE": f"complete_{shell}", "COMP_WORDS": line,
           "COMP_CWORD": str(len(words) - 1), "_TYPER_COMPLETE_ARGS": line}
    r = kam.runner.invoke(__import__("kam.cli").cli.app, [], env=env, prog_name="kam")
    assert r.exit_code == 0, r.output
    return r.stdout.split()


@pytest.fixture
def three(kam: Kam) -> Kam:
    for code, name, tag in (("KH2024001", "华东精密", "重点跟进"), ("KH2024002", "远航集团", "重点客户"),
                            ("HD-001", "恒达", "需维护")):
        kam("add", "--code", code, "--name", name, "--tag", tag)
        kam("log", code, "电话沟通", "-k", "电话")
    return kam


def test_completes_commands_and_options(three: Kam) -> None:
    assert _complete(three, "kam sh") == ["show"]
    assert "--stage" in _complete(three, "kam list --st")


def test_completes_customer_codes_from_the_archive(three: Kam) -> None:
    assert _complete(three, "kam show KH") == ["KH2024001", "KH2024002"]
    assert _complete(three, "kam log HD") == ["HD-001"]
    assert _complete(three, "kam due --explain KH2024") == ["KH2024001", "KH2024002"]


def test_zsh_shows_the_name_beside_the_code(three: Kam) -> None:
    out = " ".join(_complete(three, "kam show KH2024001", "zsh"))
    assert "KH2024001" in out and "华东精密" in out


def test_completes_tags(three: Kam) -> None:
    assert _complete(three, "kam list --tag 重点") == ["重点客户", "重点跟进"]


def test_completion_never_reads_the_follow_up_log(three: Kam) -> None:
    log = three.db.with_name("kam.interactions.json")
    log.write_text("{ damaged", encoding="utf-8")
    assert _complete(three, "kam show KH") == ["KH2024001", "KH2024002"]


def test_completion_without_an_archive_is_silent(kam: Kam) -> None:
    assert _complete(kam, "kam show KH") == []


def test_the_installed_command_completes(three: Kam, tmp_path: Path) -> None:
    """The shell runs `kam` with no arguments and the completion variables: the entry
    point (kam/launch.py) must not take that for `kam` alone and print the help page."""
    script = Path(sys.executable).parent / "kam"
    if not script.exists():
        pytest.skip("no kam console script beside this python")
    env = {**os.environ, "_KAM_COMPLETE": "complete_bash", "COMP_WORDS": "kam show KH2024",
           "COMP_CWORD": "2", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    out = subprocess.run([str(script)], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["KH2024001", "KH2024002"]


def test_completion_from_the_daily_view_gives_the_same_and_never_builds_it(three: Kam) -> None:
    """Codes and tags come from the daily view when it is current (no kam.json parse),
    else from kam.json; a tab press never works the view out."""
    from kam.store.derived import path_for

    three("archive", "HD-001")
    path_for(three.db).unlink(missing_ok=True)
    asked = [("kam show ", "bash"), ("kam list --tag 重点", "bash"), ("kam show KH", "zsh")]
    without = [_complete(three, line, shell) for line, shell in asked]
    assert not path_for(three.db).exists()  # not worked out by a tab press
    assert "HD-001" not in without[0]  # archived customers are not offered
    three("due")  # the view, current
    assert [_complete(three, line, shell) for line, shell in asked] == without
    # the view is what is read: a name changed only there (as long) shows
    keep = path_for(three.db)
    keep.write_bytes(keep.read_bytes().replace("华东精密".encode(), "华东精工".encode()))
    assert "华东精工" in " ".join(_complete(three, "kam show KH2024001", "zsh"))


# --- the completion lane (kam/complete.py) answers as typer does -------------------

TRICKY = [("KH1", "华东精密", "重点跟进"), ("KH2", "[北京]分公司", "[VIP]"),
          ("KH3", "甲:乙贸易", "a:b"), ("KH4", "精" * 45, "长" * 30),
          ("KH5", "😀 表情贸易", "表情"), ("KH6", 'Acme "Quote" $Co`', "需维护"),
          ("KH7", "Acme  Two  Spaces", "重点客户"), ("KH8", "ＡＢＣ（中国）有限公司、分部", "x y"),
          ("kh9", "小写编号", "小写"), ("KH10", "反斜杠\\公司", "tab\t标签")]
LINES = ["kam show ", "kam show KH", "kam show KH1", "kam show kh", "kam show K", "kam log KH1 ",
         "kam log KH1 电话 ", "kam merge KH1 ", "kam merge KH1 KH2 ", "kam edit KH1 KH",
         "kam list --tag ", "kam list --tag 重", "kam list --tag [", "kam list --owner ",
         "kam due --explain KH", "kam list --stage ", "kam show --mask KH", "kam show -",
         "kam sh", "kam ", "kam --db x show KH", "kam contact add KH", "kam show -- KH",
         "kam list --tag=重", "kam show 'KH", 'kam show "KH1', "kam show KH1 KH2 ",
         "kam export --format ", "kam import ", "kam show =", "kam nosuch KH"]


def _lane_and_typer(kam: Kam, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                    env: dict[str, str]) -> tuple[Any, Any]:
    from kam import complete

    with monkeypatch.context() as m:
        for k, v in env.items():
            m.setenv(k, v)
        m.setattr(sys, "argv", ["kam"])
        capsys.readouterr()
        code = complete.run()
        lane = None if code is None else (code, capsys.readouterr().out)
    r = kam.runner.invoke(__import__("kam.cli").cli.app, [], env=env, prog_name="kam")
    return lane, (r.exit_code, r.stdout)


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_the_completion_lane_answers_as_typer_does(kam: Kam, shell: str,
                                                   monkeypatch: pytest.MonkeyPatch,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    for code, name, tag in TRICKY:
        kam("add", "--code", code, "--name", name, "--tag", tag)
    kam("archive", "KH1")
    taken = deferred = 0
    for n, line in enumerate(LINES * 2):
        if n == len(LINES):
            kam("due")  # the second round from the daily view
        words = line.split(" ")
        for columns, action in (("120", "get-args"), ("24", "is-args"), ("200", "")):
            env = {"_KAM_COMPLETE": f"complete_{shell}", "COMP_WORDS": line,
                   "COMP_CWORD": str(len(words) - 1), "_TYPER_COMPLETE_ARGS": line,
                   "_TYPER_COMPLETE_FISH_ACTION": action, "COLUMNS": columns}
            lane, typer_did = _lane_and_typer(kam, monkeypatch, capsys, env)
            if lane is None:
                deferred += 1
                continue
            taken += 1
            assert lane == typer_did, (shell, line, columns, action)
    assert taken >= 40 and deferred >= 40, (taken, deferred)  # both paths are exercised


def test_the_completion_lane_leaves_unsure_words_to_typer(kam: Kam,
                                                          monkeypatch: pytest.MonkeyPatch,
                                                          capsys: pytest.CaptureFixture[str]
                                                          ) -> None:
    for code, name, tag in TRICKY:
        kam("add", "--code", code, "--name", name, "--tag", tag)

    def lane(line: str, shell: str = "bash", **more: str) -> Any:
        env = {"_KAM_COMPLETE": f"complete_{shell}", "COMP_WORDS": line,
               "COMP_CWORD": str(len(line.split(" ")) - 1), "_TYPER_COMPLETE_ARGS": line,
               "COLUMNS": "120", **more}
        return _lane_and_typer(kam, monkeypatch, capsys, env)[0]

    assert lane("kam show KH1") == (0, "KH1\nKH10\n")
    assert lane("kam show KH1", "zsh") is None  # KH10's name has a backslash
    assert lane("kam show KH8", "zsh") == (0, "_arguments '*: :((\"KH8\":\"ＡＢＣ（中国）有限公司、分部\"))'\n")
    assert lane("kam show KH4", "fish", _TYPER_COMPLETE_FISH_ACTION="get-args",
                COLUMNS="80") is None  # Rich would wrap it
    assert lane("kam show KH4", "fish", _TYPER_COMPLETE_FISH_ACTION="get-args",
                COLUMNS="200") == (0, "KH4\t" + "精" * 45 + "\n")
    for line in ("kam edit KH1 KH", "kam merge KH1 KH", "kam log KH1 "):  # the next argument
        assert lane(line) is not None, line
    for line in ("kam sh", "kam show -", "kam --db x show KH", "kam export --format ",
                 "kam contact add KH", "kam show -- KH", "kam show KH1 KH2 "):
        assert lane(line) is None, line
    monkeypatch.setenv("KAM_NO_CACHE", "1")
    assert lane("kam show KH1") is None  # without the cache, typer answers


def test_a_tab_press_on_a_code_loads_neither_typer_nor_click(three: Kam, tmp_path: Path) -> None:
    env = {**os.environ, "_KAM_COMPLETE": "complete_bash", "COMP_WORDS": "kam show KH2024",
           "COMP_CWORD": "2", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    probe = ("import sys, runpy\nsys.argv = ['kam']\ntry:\n"
             "    runpy.run_module('kam', run_name='__main__')\nexcept SystemExit:\n    pass\n"
             "sys.stderr.write(' '.join(m for m in ('typer', 'click', 'rich', 'kam.cli') "
             "if m in sys.modules))")
    for _ in range(2):  # the first run keeps typer's command line in the cache
        r = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True,
                           text=True, check=True)
    assert r.stdout.split() == ["KH2024001", "KH2024002"] and r.stderr == ""
