"""Shared fixtures: every test gets its own database, settings and a fixed today."""

from __future__ import annotations

import functools
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
import typer.testing
from typer.main import get_command
from typer.testing import CliRunner

from kam import i18n
from kam.cli import app

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


@functools.cache
def _command() -> Any:
    return get_command(app)


# kam's click command built once for the whole run: typer's CliRunner builds it from
# every command's signature on each invoke, a third of the suite's time. Other apps
# (the lean ones of test_launch) are built as typer builds them.
typer.testing._get_command = lambda given: _command() if given is app else get_command(given)


class Kam:
    """Runs kam in-process and keeps the result for assertions."""

    def __init__(self, db: Path):
        self.db = db
        self.runner = CliRunner()

    def __call__(self, *args: str, code: int = 0, input: str | None = None) -> Any:
        r = self.runner.invoke(app, list(args), input=input)
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
