"""The entry point (kam/launch.py): `kam --version` and the main help page without
typer. The page kept in the cache is the one kam.cli writes, and a change of language,
kam.yaml or width gives another."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from kam import __version__


def _kam(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kam", *args], env=env, capture_output=True,
                          text=True, encoding="utf-8", check=True)


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    e = {k: v for k, v in os.environ.items() if k not in ("KAM_LANG", "COLUMNS", "KAM_NO_CACHE")}
    return {**e, "XDG_CACHE_HOME": str(tmp_path / "cache"), "KAM_DB": str(tmp_path / "kam.json")}


def test_version_without_typer(env: dict[str, str]) -> None:
    r = _kam("--version", env=env)
    assert r.stdout == f"kam {__version__}\n" and r.stderr == ""
    probe = ("import sys, runpy; sys.argv = ['kam', '--version']; "
             "runpy.run_module('kam', run_name='__main__'); "
             "assert 'typer' not in sys.modules and 'kam.cli' not in sys.modules")
    subprocess.run([sys.executable, "-c", probe], env=env, check=True, capture_output=True)


def test_the_kept_help_page_is_the_one_kam_writes(env: dict[str, str], tmp_path: Path) -> None:
    written = _kam("--help", env={**env, "KAM_NO_CACHE": "1"}).stdout
    assert "从这里开始" in written
    assert not (tmp_path / "cache").exists()  # KAM_NO_CACHE keeps nothing
    first = _kam("--help", env=env).stdout
    kept = list((tmp_path / "cache" / "kam").glob("help-*.txt"))
    assert first == written and len(kept) == 1
    assert kept[0].read_text(encoding="utf-8") == written
    kept[0].write_text("从缓存读出\n", encoding="utf-8")
    assert _kam("--help", env=env).stdout == "从缓存读出\n"  # read back, kam.cli not asked
    # what the page depends on gives another page
    assert "Start here" in _kam("--help", env={**env, "KAM_LANG": "en"}).stdout
    assert _kam("-h", env={**env, "COLUMNS": "120"}).stdout == _kam(
        "-h", env={**env, "COLUMNS": "120", "KAM_NO_CACHE": "1"}).stdout
    (tmp_path / "kam.yaml").write_text("language: en\n", encoding="utf-8")
    assert "Start here" in _kam("--help", env=env).stdout
    assert len(list((tmp_path / "cache" / "kam").glob("help-*.txt"))) == 4
    probe = ("import sys, runpy; sys.argv = ['kam', '--help']; "
             "runpy.run_module('kam', run_name='__main__'); "
             "assert not {'typer', 'kam.cli', 'typing', 'json'} & set(sys.modules), "
             "sorted(sys.modules)")
    r = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert r.returncode == 0 and "Start here" in r.stdout, r.stderr[-300:]


def test_no_arguments_prints_the_page_and_exits_0(env: dict[str, str]) -> None:
    assert _kam(env=env).stdout == _kam(env={**env, "KAM_NO_CACHE": "1"}).stdout


def test_an_unwritable_cache_is_no_error(env: dict[str, str], tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    page = _kam("--help", env={**env, "XDG_CACHE_HOME": str(blocker)}).stdout
    assert page == _kam("--help", env={**env, "KAM_NO_CACHE": "1"}).stdout


def test_the_lean_app_runs_each_command_as_the_whole_app_does(kam: Any) -> None:
    """kam.cli.lean_app builds only the invoked command's module: its help pages, usage
    errors and output are the whole app's."""
    from typer.main import get_command
    from typer.testing import CliRunner

    from kam.cli import app, lean_app

    kam("add", "--code", "K1", "--name", "某某科技有限公司")
    names = sorted(get_command(app).commands)  # type: ignore[attr-defined]
    assert len(names) > 25
    runner = CliRunner()
    cases = [[n, "-h"] for n in names] + [
        ["due", "--bogus"], ["--lang", "zh", "due", "-f", "json"], ["due", "--lang", "en"],
        ["list", "-f", "csv", "--wide"], ["show", "K1"], ["score", "nobody"], ["log"],
        ["contact", "-h"], ["nosuch"], ["--today", "2026-12-01", "risk"]]
    for args in cases:
        lean = lean_app(args)
        assert (lean is app) == (args[0] in ("contact", "nosuch")), args
        whole, part = runner.invoke(app, args), runner.invoke(lean, args)
        assert (part.exit_code, part.stdout, part.stderr) == (
            whole.exit_code, whole.stdout, whole.stderr), args


def _kept_settings(tmp_path: Path) -> list[Path]:
    return sorted((tmp_path / "cache" / "kam").glob("settings-*.pickle"))


def test_settings_are_kept_and_follow_every_edit_of_kam_yaml(kam: Any, tmp_path: Path) -> None:
    yaml = kam.db.with_name("kam.yaml")
    kam("init")
    kam("add", "--code", "K1", "--name", "某某科技有限公司")
    kam("list")
    assert _kept_settings(tmp_path)
    for cadence in (12, 15, 20):  # the same size each time, written within a clock tick
        text = yaml.read_text(encoding="utf-8")
        old = next(line for line in text.splitlines() if line.startswith("    default: "))
        yaml.write_text(text.replace(old, f"    default: {cadence}"), encoding="utf-8")
        assert kam.json("due", "--days", "30")[0]["due"] == (
            date(2026, 11, 23) + timedelta(days=cadence)).isoformat()
    for kept in _kept_settings(tmp_path):
        kept.write_bytes(b"not a pickle")
    assert kam.json("due", "--days", "30")[0]["due"] == "2026-12-13"
    for n in range(12):  # every edit leaves an entry: only the newest are kept
        yaml.write_text(yaml.read_text(encoding="utf-8") + f"# {n}\n", encoding="utf-8")
        kam("list")
    assert len(_kept_settings(tmp_path)) == 8


def test_a_bad_kam_yaml_is_never_kept(kam: Any, tmp_path: Path) -> None:
    kam("add", "--code", "K1", "--name", "某某科技有限公司")
    before = _kept_settings(tmp_path)  # the defaults, before there was a kam.yaml
    kam.db.with_name("kam.yaml").write_text("followup: [", encoding="utf-8")
    for _ in range(2):
        assert "kam.yaml" in kam("due", code=2).stderr
    assert _kept_settings(tmp_path) == before
