"""Shared fixtures: every test gets its own database, settings and a fixed today."""

from __future__ import annotations

import hashlib
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from kam import i18n

TODAY = "2026-11-23"


@pytest.fixture(autouse=True)
def kam_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    db = tmp_path / "data" / "kam.json"
    monkeypatch.setenv("KAM_DB", str(db))
    monkeypatch.delenv("KAM_CONFIG", raising=False)
    monkeypatch.setenv("KAM_TODAY", TODAY)
    monkeypatch.setenv("KAM_LOCK_TIMEOUT", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # not the developer's
    monkeypatch.setenv("COLUMNS", "120")
    monkeypatch.delenv("NO_COLOR", raising=False)
    # Messages are asserted in the language they are written in; the Chinese of every
    # command is checked by test_language.py and the golden files (which run in zh).
    monkeypatch.setenv("KAM_LANG", "en")
    i18n.set_language("en")
    return db


@pytest.fixture
def zh(monkeypatch: pytest.MonkeyPatch) -> None:
    """Chinese, the default language, for tests of words the user reads (reasons, ...)."""
    monkeypatch.setenv("KAM_LANG", "zh")
    i18n.set_language("zh")


@dataclass
class Run:
    """What a user sees of one kam command."""

    stdout: str
    stderr: str
    output: str  # stdout and stderr as they interleaved
    exit_code: int
    exception: BaseException | None


_runner = CliRunner()


def run(args: list[str], input: str | None = None, env: dict[str, str] | None = None) -> Run:
    """kam run in-process through its console entry point (kam.launch.main, which
    builds the app for these arguments as a user's run does), with stdin, stdout,
    stderr and the environment isolated by Typer's CliRunner."""
    from kam.launch import main

    exception: BaseException | None = None
    with _runner.isolation(input=input, env=env) as (out, err, mixed):
        argv, sys.argv = sys.argv, ["kam", *args]
        try:
            main()
            code = 0
        except SystemExit as e:
            code = e.code if isinstance(e.code, int) else 0 if e.code is None else 1
            exception = e if code else None
        except Exception as e:  # noqa: BLE001 - a test shows it, as a traceback would
            exception, code = e, 1
        finally:
            sys.argv = argv
            sys.stdout.flush()
            sys.stderr.flush()
        return Run(out.getvalue().decode("utf-8", "replace"),
                   err.getvalue().decode("utf-8", "replace"),
                   mixed.getvalue().decode("utf-8", "replace"), code, exception)


class Kam:
    """Runs kam in-process and keeps the result for assertions."""

    def __init__(self, db: Path):
        self.db = db

    def __call__(self, *args: str, code: int = 0, input: str | None = None) -> Run:
        r = run(list(args), input=input)
        assert r.exit_code == code, (
            f"exit {r.exit_code} != {code}\nstdout: {r.stdout}\nstderr: {r.stderr}\n"
            f"exception: {r.exception!r}")
        return r

    def json(self, *args: str) -> Any:
        return json.loads(self(*args, "--format", "json").stdout)

    def digest(self) -> str:
        """A fingerprint of every file kam keeps, to prove nothing was written."""
        h = hashlib.sha256()
        for p in sorted(self.db.parent.glob("*")):
            if p.is_file() and not p.name.endswith(".lock"):
                h.update(p.name.encode() + b"\0" + p.read_bytes())
        return h.hexdigest()


@pytest.fixture
def kam(kam_env: Path) -> Kam:
    return Kam(kam_env)


@pytest.fixture
def two(kam: Kam) -> Kam:
    """A database with two customers."""
    kam("add", "--name", "某某科技有限公司", "--code", "KH2024001", "--contact", "王某某",
        "--title", "总经理", "--contact-info", "13956781234", "--industry", "制造业",
        "--size", "200-500人", "--value-level", "高价值", "--need", "设备采购",
        "--stage", "合作中", "--owner", "李某", "--tag", "重点跟进", "--note", "下季度计划扩产",
        "--extra", "微信=wx_abc", "--date", "birthday=1980-11-25")
    kam("add", "--name", "某某商贸有限公司", "--code", "KH2024002", "--contact-info",
        "buyer@example.com", "--stage", "意向客户", "--value-level", "中", "--owner", "张某")
    return kam
