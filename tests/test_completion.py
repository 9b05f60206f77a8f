"""Shell completion: `kam completion SHELL` prints a script generated from the Typer
app; a Tab press runs the shell and awk (kam/shell/kam.awk), never Python, reading
customer codes and tags from kam.words, which every write keeps beside kam.json."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from conftest import Kam

BASH = shutil.which("bash")


@pytest.fixture
def three(kam: Kam) -> Kam:
    for code, name, tag in (("KH2024001", "华东精密", "重点跟进"), ("KH2024002", "远航集团", "重点客户"),
                            ("HD-001", "恒达", "需维护")):
        kam("add", "--code", code, "--name", name, "--tag", tag)
        kam("log", code, "电话沟通", "-k", "电话")
    return kam


def _words(kam: Kam) -> list[str]:
    return kam.db.with_name("kam.words").read_text(encoding="utf-8").splitlines()


def _only_awk(tmp_path: Path) -> str:
    """A PATH where awk is the only program: proof that a Tab starts no Python."""
    bin_ = tmp_path / "only-awk"
    bin_.mkdir(exist_ok=True)
    awk = shutil.which("awk")
    assert awk
    if not (bin_ / "awk").exists():
        (bin_ / "awk").symlink_to(awk)
    return str(bin_)


def _bash(kam: Kam, tmp_path: Path, *words: str, env: dict[str, str] | None = None) -> list[str]:
    """What bash offers for `words` (the last one being completed), with kam's script."""
    if BASH is None:
        pytest.skip("no bash")
    script = tmp_path / "kam.bash"
    if not script.exists():
        script.write_text(kam("completion", "bash").stdout, encoding="utf-8")
    quoted = " ".join("'" + w.replace("'", "'\\''") + "'" for w in words)
    line = (f"source {script}; COMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; "
            "_kam_complete; printf '%s\\n' \"${COMPREPLY[@]}\"")
    run_env = {"PATH": _only_awk(tmp_path), "HOME": str(tmp_path),
               "KAM_DB": str(kam.db), **(env or {})}
    out = subprocess.run([BASH, "--norc", "-c", line], env=run_env, capture_output=True,
                         text=True, cwd=tmp_path, check=True)
    assert out.stderr == ""
    return [x for x in out.stdout.splitlines() if x]


@pytest.mark.parametrize(("shell", "marker"), [("bash", "complete -F _kam_complete kam"),
                                               ("zsh", "compdef _kam kam"),
                                               ("fish", "complete -c kam -f")])
def test_completion_scripts_start_no_python(kam: Kam, shell: str, marker: str) -> None:
    script = kam("completion", shell).stdout
    assert marker in script and "awk" in script
    assert "_KAM_COMPLETE" not in script  # Typer's completion, which runs kam on each Tab
    assert "\nc\tshow\t" in script and "o\tlist\t--tag\ttag" in script  # the spec, from Typer


def test_commands_options_and_choices(three: Kam, tmp_path: Path) -> None:
    assert _bash(three, tmp_path, "kam", "sh") == ["show"]
    assert "--stage" in _bash(three, tmp_path, "kam", "list", "--st")
    assert _bash(three, tmp_path, "kam", "export", "--format", "") == ["xlsx", "csv", "json", "vcf", "ics"]
    assert _bash(three, tmp_path, "kam", "contact", "") == ["add", "edit", "main", "rm"]
    assert _bash(three, tmp_path, "kam", "--lang", "") == ["zh", "en"]
    assert "--db" in _bash(three, tmp_path, "kam", "--d")  # a global option, before a command
    assert "--wide" in _bash(three, tmp_path, "kam", "due", "--wi")  # and after it


def test_vocabulary_tier_kind_sort_and_owner_values_complete(three: Kam, tmp_path: Path
                                                              ) -> None:
    """--stage, --value-level, --tier, --kind and --sort from kam.yaml and kam's own words
    (keys and labels); --owner from the archive's owners, through the word file."""
    stages = _bash(three, tmp_path, "kam", "list", "--stage", "")
    assert "prospect" in stages and "合作中" in stages
    assert _bash(three, tmp_path, "kam", "list", "--stage", "long") == ["long_term"]
    assert "高价值" in _bash(three, tmp_path, "kam", "list", "--value-level", "")
    assert _bash(three, tmp_path, "kam", "due", "--tier", "") == ["A", "B", "C"]
    assert "visit" in _bash(three, tmp_path, "kam", "log", "KH2024001", "x", "--kind", "")
    assert "拜访" in _bash(three, tmp_path, "kam", "log", "KH2024001", "x", "-k", "")
    assert "-score" in _bash(three, tmp_path, "kam", "list", "--sort", "-")
    three("edit", "KH2024001", "--owner", "李明")
    three("edit", "HD-001", "--owner", "张华")
    assert _bash(three, tmp_path, "kam", "list", "--owner", "") == ["张华", "李明"]


def test_codes_and_tags_come_from_the_word_file(three: Kam, tmp_path: Path) -> None:
    assert _bash(three, tmp_path, "kam", "show", "KH") == ["KH2024001", "KH2024002"]
    assert _bash(three, tmp_path, "kam", "show", "kh") == ["KH2024001", "KH2024002"]  # any case
    assert _bash(three, tmp_path, "kam", "log", "HD") == ["HD-001"]
    assert _bash(three, tmp_path, "kam", "due", "--explain", "KH2024") == ["KH2024001",
                                                                          "KH2024002"]
    assert _bash(three, tmp_path, "kam", "merge", "KH2024001", "HD") == ["HD-001"]
    assert _bash(three, tmp_path, "kam", "edit", "KH2024001", "KH2024002", "HD") == ["HD-001"]
    assert _bash(three, tmp_path, "kam", "contact", "add", "HD") == ["HD-001"]
    assert _bash(three, tmp_path, "kam", "list", "--tag", "重点") == ["重点客户", "重点跟进"]
    assert _bash(three, tmp_path, "kam", "list", "--tag", "=", "重点") == ["重点客户", "重点跟进"]
    assert _bash(three, tmp_path, "kam", "log", "KH2024001", "") == []  # a summary: nothing


def test_the_database_is_the_one_the_line_or_the_environment_names(three: Kam,
                                                                   tmp_path: Path) -> None:
    other = tmp_path / "other" / "kam.json"
    three("--db", str(other), "add", "--code", "ZZ-1", "--name", "别处")
    assert _bash(three, tmp_path, "kam", "--db", str(other), "show", "") == ["ZZ-1"]
    assert _bash(three, tmp_path, "kam", f"--db={other}", "show", "") == ["ZZ-1"]
    assert _bash(three, tmp_path, "kam", "show", "Z", env={"KAM_DB": str(other)}) == ["ZZ-1"]
    assert _bash(three, tmp_path, "kam", "show", "", env={"KAM_DB": str(tmp_path / "none.json")}
                 ) == []  # no archive there: nothing, silently


def test_a_file_argument_completes_file_names(three: Kam, tmp_path: Path) -> None:
    (tmp_path / "客户表.xlsx").write_bytes(b"")
    assert "客户表.xlsx" in _bash(three, tmp_path, "kam", "import", "")
    assert "客户表.xlsx" in _bash(three, tmp_path, "kam", "export", "客")


def test_every_write_keeps_the_word_file(three: Kam) -> None:
    words = _words(three)
    assert "c\tKH2024001\t华东精密" in words and "t\t重点跟进\t1 customers" in words
    assert stat.S_IMODE(three.db.with_name("kam.words").stat().st_mode) == 0o600
    three("archive", "HD-001")
    assert not [w for w in _words(three) if "HD-001" in w or "需维护" in w]
    three("add", "--code", "KH9", "--name", "换行\n名称", "--tag", "x")
    assert "c\tKH9\t换行 名称" in _words(three)  # one line, whatever the name holds


def test_a_write_that_changes_no_word_leaves_the_file(three: Kam) -> None:
    """The words are rewritten when a code, name, tag, owner or archived changes, and
    only then: logging a follow-up (most writes) does not spend a pass over everyone."""
    path = three.db.with_name("kam.words")
    kept = path.stat().st_ino
    three("log", "KH2024001", "电话回访")
    three("edit", "KH2024001", "--note", "备注")
    assert path.stat().st_ino == kept
    for change, word in ((("edit", "KH2024001", "--name", "华东精密二厂"), "华东精密二厂"),
                         (("edit", "KH2024001", "--owner", "王五"), "o\t王五\t"),
                         (("edit", "KH2024001", "--tag", "新标签"), "t\t新标签\t")):
        three(*change)
        assert any(word in w for w in _words(three)), change
        assert path.stat().st_ino != kept
        kept = path.stat().st_ino
    path.unlink()  # gone: the next write makes it whatever it changes
    three("log", "KH2024001", "电话回访")
    assert "c\tKH2024001\t华东精密二厂" in _words(three)


def test_an_erased_customer_leaves_the_word_file(three: Kam) -> None:
    three("erase", "KH2024002", "--yes")
    assert not [w for w in _words(three) if "KH2024002" in w or "远航" in w]
    assert "c\tKH2024001\t华东精密" in _words(three)


def test_kam_completion_keeps_the_words_of_an_archive_that_has_none(three: Kam) -> None:
    words = three.db.with_name("kam.words")
    words.unlink()
    three("completion", "bash")
    assert "c\tKH2024001\t华东精密" in _words(three)


@pytest.mark.skipif(shutil.which("zsh") is None, reason="no zsh")
def test_zsh_shows_the_name_beside_the_code(three: Kam, tmp_path: Path) -> None:
    script = tmp_path / "_kam"
    script.write_text(three("completion", "zsh").stdout, encoding="utf-8")
    stubs = ("compdef() { :; }; _files() { print FILES; }; "
             "compadd() { while (( $# )); do case $1 in -d) print -l -- ${(P)2}; shift 2;; "
             "*) shift;; esac; done; }; ")
    out = subprocess.run(["zsh", "-f", "-c", stubs + f"source {script}; words=(kam show KH); "
                          "CURRENT=3; _kam; words=(kam import x); CURRENT=3; _kam"],
                         env={"PATH": os.environ["PATH"], "KAM_DB": str(three.db)},
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["KH2024001  -- 华东精密", "KH2024002  -- 远航集团", "FILES"]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="no zsh")
def test_zsh_completes_on_the_first_tab_of_a_new_shell(three: Kam, tmp_path: Path) -> None:
    """Installed in fpath, _kam is autoloaded by the first Tab: that Tab completes too."""
    (tmp_path / "_kam").write_text(three("completion", "zsh").stdout, encoding="utf-8")
    stubs = ("compdef() { print COMPDEF; }; "
             "compadd() { while (( $# )); do case $1 in -d) print -l -- ${(P)2}; shift 2;; "
             "*) shift;; esac; done; }; ")
    out = subprocess.run(["zsh", "-f", "-c", stubs + f"fpath=({tmp_path} $fpath); "
                          "autoload -Uz _kam; words=(kam show KH); CURRENT=3; _kam; "
                          "words=(kam show KH2024002); CURRENT=3; _kam"],
                         env={"PATH": os.environ["PATH"], "KAM_DB": str(three.db)},
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["KH2024001  -- 华东精密", "KH2024002  -- 远航集团", "KH2024002  -- 远航集团"]


@pytest.mark.skipif(shutil.which("fish") is None, reason="no fish")
def test_fish_completes_with_descriptions(three: Kam, tmp_path: Path) -> None:
    script = tmp_path / "kam.fish"
    script.write_text(three("completion", "fish").stdout, encoding="utf-8")
    out = subprocess.run(["fish", "--no-config", "-c",
                          f"source {script}; complete -C'kam show KH'; complete -C'kam list --tag=重'"],
                         env={"PATH": os.environ["PATH"], "KAM_DB": str(three.db),
                              "HOME": str(tmp_path)},
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["KH2024001\t华东精密", "KH2024002\t远航集团", "--tag=重点客户\t1 customers",
                   "--tag=重点跟进\t1 customers"]
