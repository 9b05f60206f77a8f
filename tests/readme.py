"""The README's console blocks are real output: each `$ kam ...` line is run on the
bundled example (examples/customers.xlsx with examples/kam.yaml, as of 2026-11-23),
in Chinese at 80 columns, and its output is what the block shows.

    python tests/readme.py      rewrite the blocks in README.md
"""

from __future__ import annotations

import os
import re
import shlex
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
BLOCK = re.compile(r"```console\n\$ (?P<cmd>[^\n]*)\n(?P<out>.*?)```", re.S)
ENV = {"KAM_CONFIG": str(ROOT / "examples" / "kam.yaml"), "KAM_TODAY": "2026-11-23",
       "COLUMNS": "80", "KAM_LANG": "zh"}


def run_all(commands: list[str]) -> list[str]:
    """The output (stdout, then stderr) of each command line on a fresh example archive."""
    from conftest import run  # kam's entry point, in-process
    with tempfile.TemporaryDirectory() as tmp:
        env = {**ENV, "KAM_DB": str(Path(tmp) / "kam.json")}
        saved = {k: os.environ.get(k) for k in env}
        os.environ.update(env)
        try:
            run(["import", str(ROOT / "examples" / "customers.xlsx")])
            outputs = []
            for line in commands:
                text = ""
                for part in line.split(";"):
                    args = shlex.split(part)[1:]  # without "kam"
                    r = run(args)
                    text += r.stdout
                outputs.append(text)
            return outputs
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def blocks(text: str) -> list[tuple[str, str]]:
    return [(m["cmd"], m["out"]) for m in BLOCK.finditer(text)]


def regenerate() -> str:
    text = README.read_text(encoding="utf-8")
    found = blocks(text)
    outputs = iter(run_all([cmd for cmd, _ in found]))
    return BLOCK.sub(lambda m: f"```console\n$ {m['cmd']}\n{next(outputs)}```", text)


if __name__ == "__main__":
    README.write_text(regenerate(), encoding="utf-8")
    sys.exit(0)
