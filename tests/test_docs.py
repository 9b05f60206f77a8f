"""The docs cannot rot: every command is documented and the two README commands are real."""

from __future__ import annotations

import re
from pathlib import Path

from typer.main import get_command

from kam import config
from kam.cli import app

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_command_has_help_and_is_in_the_readme() -> None:
    group = get_command(app)
    names = sorted(group.commands)  # type: ignore[attr-defined]
    assert len(names) >= 20
    for name in names:
        cmd = group.commands[name]  # type: ignore[attr-defined]
        assert (cmd.help or "").strip(), f"{name} has no help"
        assert f"kam {name}" in README, f"`kam {name}` is not in the README"
        for param in cmd.params:
            if param.param_type_name == "option":
                assert param.help, f"{name} {param.opts} has no help"


def test_readme_console_blocks_are_real_output() -> None:
    """Each ```console block is what its command prints on the example, in Chinese, at 80
    columns. Regenerate with `python tests/readme.py`."""
    from readme import blocks, run_all

    from kam.text import width

    found = blocks(README)
    assert len(found) >= 4
    for (cmd, shown), real in zip(found, run_all([c for c, _ in found]), strict=True):
        assert shown == real, f"README block `{cmd}` is stale: run python tests/readme.py"
        assert all(width(line) <= 80 for line in shown.splitlines() if "digest" not in cmd)


def test_ci_runs_exactly_the_readme_test_command() -> None:
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").strip().splitlines()[-1]
    quick = README[README.index("## Quick start"):README.index("## Install")]
    assert ci in quick
    assert "bash examples/demo.sh" in quick


def test_default_config_is_valid_and_commented() -> None:
    settings = config.build(None)
    assert [t.name for t in settings.tiers] == ["A", "B", "C"]
    assert config.DEFAULT_YAML.count("#") > 30


def test_example_config_loads() -> None:
    settings = config.load(ROOT / "examples" / "kam.yaml", must_exist=True)
    assert [i.name for i in settings.indicators] == ["annual_purchase", "years",
                                                     "repurchase_rate", "influence"]


def test_exit_codes_documented() -> None:
    for code in ("| 0 |", "| 1 |", "| 2 |", "| 3 |"):
        assert code in README
    assert re.search(r"python-calamine", README) and re.search(r"charset-normalizer", README)


def test_readme_lists_every_header_kam_understands() -> None:
    """The header table is documentation: the README carries it as the code has it.
    Regenerate with KAM_REGOLD=1."""
    import os


    start = "<!-- headers: generated from kam/columns.py -->\n"
    end = "<!-- /headers -->"
    text = README
    if os.environ.get("KAM_REGOLD"):
        a, b = text.index(start) + len(start), text.index(end)
        text = text[:a] + header_table() + text[b:]
        (ROOT / "README.md").write_text(text, encoding="utf-8")
    assert start + header_table() + end in text


def header_table() -> str:
    """The headers kam understands, as a Markdown table (the README's copy)."""
    from kam.columns import HEADER_ALIASES, PERSON, SEQ

    names = {SEQ: "(序号: ignored)", PERSON: "name, or contact (a person's name)"}
    lines = ["| kam key | headers (any case; spaces, * and （必填） ignored) |", "|---|---|"]
    for key, aliases in HEADER_ALIASES.items():
        lines.append(f"| {names.get(key, f'`{key}`')} | {', '.join(aliases)} |")
    return "\n".join(lines) + "\n"
