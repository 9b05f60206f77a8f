"""Shell completion: scripts for bash, zsh and fish; commands, options, codes and tags.

Completing a customer code reads kam.json only, never the follow-up log.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

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
