"""The wheel a user installs: built from this tree, self-contained, and runnable."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # the installed setuptools (the test extra), no download: the suite runs offline
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps",
                    "--no-build-isolation", "-w", str(out), str(ROOT)],
                   check=True, capture_output=True, cwd=out)
    (built,) = out.glob("kam-*.whl")
    return built


def test_the_wheel_holds_what_a_user_needs(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    for needed in ("kam/__init__.py", "kam/cli.py", "kam/default.yaml", "kam/shell/kam.awk", "kam/shell/kam.bash", "kam/examples/customers.xlsx",
                   "kam/examples/kam.yaml", "kam/locale/zh/LC_MESSAGES/kam.mo"):
        assert needed in names, needed
    info = next(n for n in names if n.endswith(".dist-info/METADATA"))
    metadata = zipfile.ZipFile(wheel).read(info).decode()
    assert "License-Expression: MIT" in metadata
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)
    entry = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "kam = kam.launch:main" in zipfile.ZipFile(wheel).read(entry).decode()
    assert not [n for n in names if n.startswith(("tests/", "examples/"))]


def test_the_installed_wheel_tries_the_sample_outside_the_tree(wheel: Path,
                                                               tmp_path: Path) -> None:
    """`kam init --sample` from an installed wheel, far from this checkout: the example
    workbook and kam.yaml come from the package, and import and due work on them."""
    site = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(site), str(wheel)], check=True, capture_output=True)
    env = {**os.environ, "PYTHONPATH": str(site), "KAM_DB": str(tmp_path / "home" / "kam.json"),
           "KAM_TODAY": "2026-11-23", "KAM_LANG": "en"}
    env.pop("KAM_CONFIG", None)

    def kam(*args: str) -> subprocess.CompletedProcess[str]:
        code = "import sys; from kam.launch import main; sys.argv[0] = 'kam'; main()"
        return subprocess.run([sys.executable, "-c", code, *args], capture_output=True,
                              text=True, env=env, cwd=tmp_path)

    r = kam("init", "--sample")
    assert r.returncode == 0, r.stderr
    sample = tmp_path / "home" / "customers-sample.xlsx"
    assert sample.read_bytes() == (ROOT / "examples" / "customers.xlsx").read_bytes()
    assert (tmp_path / "home" / "kam.yaml").read_bytes() == (
        ROOT / "examples" / "kam.yaml").read_bytes()
    assert f"kam import {sample}" in r.stderr
    r = kam("import", str(sample), "--format", "json")
    assert r.returncode == 0, r.stderr
    assert '"created": 22' in r.stdout
    r = kam("due", "--format", "json")
    assert r.returncode == 0 and '"KH2024012"' in r.stdout, r.stderr
    where = subprocess.run([sys.executable, "-c", "import kam; print(kam.__file__)"],
                           capture_output=True, text=True, env=env, cwd=tmp_path).stdout
    assert where.startswith(str(site)), where  # the wheel ran, not this checkout
