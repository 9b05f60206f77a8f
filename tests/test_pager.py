"""A page taller than the terminal goes through a pager, as git does; nothing else does."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.conftest import Kam


@pytest.fixture
def many(kam: Kam, tmp_path: Path) -> Kam:
    sheet = tmp_path / "many.csv"
    sheet.write_text("客户编号,客户名称,合作阶段\n" + "".join(
        f"K{i:02},客户{i:02},合作中\n" for i in range(12)), encoding="utf-8")
    kam("import", str(sheet))
    return kam


def on_terminal(args: list[str], env: dict[str, str]) -> tuple[str, int]:
    """What kam prints on a terminal of 100 x `LINES` cells, and its exit code."""
    main, child = pty.openpty()
    seen: list[bytes] = []

    def read() -> None:
        while True:
            try:
                chunk = os.read(main, 65536)
            except OSError:
                return
            if not chunk:
                return
            seen.append(chunk)

    reader = threading.Thread(target=read)
    reader.start()
    done = subprocess.run([sys.executable, "-m", "kam", *args], stdout=child,
                          stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                          env={**{k: v for k, v in os.environ.items()
                                  if k not in ("PAGER", "KAM_PAGER", "LESS")},
                               "COLUMNS": "100", **env}, timeout=60)
    os.close(child)
    reader.join(timeout=10)
    os.close(main)
    return b"".join(seen).decode("utf-8", "replace"), done.returncode


@pytest.mark.parametrize("env, args, paged", [
    ({"KAM_PAGER": "cat > {file}", "LINES": "8"}, ["list"], True),
    ({"PAGER": "cat > {file}", "LINES": "8"}, ["list"], True),  # PAGER, when no KAM_PAGER
    ({"KAM_PAGER": "cat > {file}", "PAGER": "false", "LINES": "8"}, ["list"], True),
    ({"KAM_PAGER": "cat > {file}", "LINES": "8"}, ["list", "--no-pager"], False),
    ({"KAM_PAGER": "cat > {file}", "LINES": "8"}, ["--no-pager", "list"], False),
    ({"KAM_PAGER": "cat > {file}", "LINES": "60"}, ["list"], False),  # it fits
    ({"KAM_PAGER": "", "PAGER": "cat > {file}", "LINES": "8"}, ["list"], False),
    ({"KAM_PAGER": "cat", "LINES": "8"}, ["list"], False),
])
def test_a_long_page_on_a_terminal_goes_through_the_pager(
        many: Kam, tmp_path: Path, env: dict[str, str], args: list[str], paged: bool) -> None:
    file = tmp_path / "paged.txt"
    env = {"KAM_DB": str(many.db), **{k: v.format(file=file) for k, v in env.items()}}
    screen, code = on_terminal(args, env)
    assert code == 0
    if paged:
        text = file.read_text(encoding="utf-8")
        assert "K00" in text and "K11" in text and "K05" not in screen
    else:
        assert not file.exists() and "K00" in screen and "K11" in screen


def test_a_missing_pager_prints_the_page(many: Kam) -> None:
    screen, code = on_terminal(["list"], {"KAM_DB": str(many.db), "LINES": "8",
                                          "KAM_PAGER": "no-such-pager-anywhere"})
    assert code == 0 and "K00" in screen and "K11" in screen


def test_the_exit_code_and_a_short_page_survive_the_pager(many: Kam, tmp_path: Path) -> None:
    file = tmp_path / "paged.txt"
    screen, code = on_terminal(["show", "NOPE"], {"KAM_DB": str(many.db), "LINES": "8",
                                                  "KAM_PAGER": f"cat > {file}"})
    assert code == 2 and not file.exists()


def test_piped_output_is_never_paged(many: Kam, tmp_path: Path) -> None:
    file = tmp_path / "paged.txt"
    out = subprocess.run([sys.executable, "-m", "kam", "list"], capture_output=True, text=True,
                         env={**os.environ, "KAM_DB": str(many.db), "LINES": "8",
                              "KAM_PAGER": f"cat > {file}"}, timeout=60)
    assert "K11" in out.stdout and not file.exists()
