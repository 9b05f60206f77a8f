"""The floors stay where they are: import rules, thin commands, one clock."""

from __future__ import annotations

import ast
import json
from pathlib import Path

import pytest

from tests.conftest import Kam

KAM = Path(__file__).parent.parent / "kam"
CORE = {"kam.scoring", "kam.followup", "kam.dates", "kam.columns", "kam.activity",
        "kam.records", "kam.importplan", "kam.privacy", "kam.models", "kam.settings"}
IO = {"kam.store", "kam.config", "kam.excel", "kam.render", "kam.ops", "kam.commands",
      "kam.cli"}


def _module(path: Path) -> str:
    parts = path.relative_to(KAM.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports() -> dict[str, set[str]]:
    """module -> every module it imports (at any depth of the file, lazy ones included)."""
    out: dict[str, set[str]] = {}
    for path in KAM.rglob("*.py"):
        found: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found |= {a.name for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                found.add(node.module)
                found |= {f"{node.module}.{a.name}" for a in node.names}
        out[_module(path)] = found
    return out


def _kam_deps(imports: dict[str, set[str]]) -> dict[str, set[str]]:
    return {m: {i for i in deps if i in imports and i != m} for m, deps in imports.items()}


def test_only_the_cli_floor_imports_typer() -> None:
    for module, deps in _imports().items():
        if module == "kam.cli" or module.startswith("kam.commands"):
            continue
        assert not {d for d in deps if d.split(".")[0] in ("typer", "click")}, module


def test_one_module_owns_each_outside_library() -> None:
    owners = {"tinydb": {"kam.store.storage"}, "openpyxl": {"kam.excel"}, "rich": {"kam.render"},
              "yaml": {"kam.config"}, "python_calamine": {"kam.readsheet"},
              "charset_normalizer": {"kam.readsheet"}}
    for module, deps in _imports().items():
        for lib, allowed in owners.items():
            if any(d.split(".")[0] == lib for d in deps):
                assert module in allowed, f"{module} imports {lib}"


def test_the_core_imports_no_io() -> None:
    for module, deps in _imports().items():
        if module in CORE:
            bad = {d for d in deps if any(d == x or d.startswith(x + ".") for x in IO)}
            assert not bad, f"{module} imports {bad}"


def test_command_modules_import_no_other_command_module() -> None:
    """Only the shared one: _common (options, parsers, what commands share)."""
    shared = ("kam.commands._common",)
    for module, deps in _kam_deps(_imports()).items():
        if module.startswith("kam.commands.") and module not in shared:
            others = {d for d in deps if d.startswith("kam.commands") and d not in (
                *shared, "kam.commands")}
            assert not others, f"{module} imports {others}"


def test_use_cases_do_not_look_up() -> None:
    for module, deps in _imports().items():
        if module.startswith("kam.ops"):
            assert not {d for d in deps if d.startswith(("kam.commands", "kam.cli",
                                                         "kam.render"))}, module


def test_no_import_cycle() -> None:
    graph = _kam_deps(_imports())
    # a package's __init__ is imported with its modules: count it as one of them
    state: dict[str, int] = {}

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for d in graph.get(m, ()):
            assert state.get(d) != 1, "import cycle: " + " -> ".join([*path, d])
            if d not in state:
                visit(d, [*path, d])
        state[m] = 2

    for m in graph:
        if m not in state:
            visit(m, [m])


def test_commands_are_thin() -> None:
    """Parse, one call, render: no command function body past about 20 lines."""
    for path in (KAM / "commands").glob("*.py"):
        if path.name == "_help.py":  # the help formatter, not a command
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef):
                body_start = node.body[0].lineno
                length = (node.end_lineno or body_start) - body_start + 1
                assert length <= 20, f"{path.name}:{node.name} has {length} lines"


def test_sort_minus_is_descending(kam: Kam) -> None:
    kam("add", "--name", "低", "--value-level", "低")
    kam("add", "--name", "高", "--value-level", "高")
    assert [c["name"] for c in kam.json("list", "--sort", "-score")] == ["高", "低"]
    assert [c["name"] for c in kam.json("list", "--sort", "score")] == ["低", "高"]


def test_backups_of_a_missing_database_is_exit_2(kam: Kam, tmp_path: Path) -> None:
    r = kam("backups", "--db", str(tmp_path / "nope" / "kam.json"), code=2)
    assert r.stderr.startswith("Error: no kam database at") and r.stdout == ""
    kam("list", "--db", str(tmp_path / "nope" / "kam.json"), code=2)


def test_a_failure_after_the_commit_says_the_change_was_saved(
        kam: Kam, monkeypatch: pytest.MonkeyPatch) -> None:
    from kam.store.backups import Backups

    kam("add", "--name", "甲")

    def broken(*args: object) -> None:
        raise ZeroDivisionError("after the commit")

    with monkeypatch.context() as m:
        m.setattr(Backups, "rotate", broken)
        r = kam("edit", "KH2026001", "--note", "已保存", code=1)
    assert "the change was saved" in r.stderr and "nothing was written" not in r.stderr
    assert kam.json("show", "KH2026001")["note"] == "已保存"
    with monkeypatch.context() as m:
        m.setattr(Backups, "make", broken)
        r = kam("edit", "KH2026001", "--note", "没保存", code=1)
    assert "nothing was written" in r.stderr
    assert kam.json("show", "KH2026001")["note"] == "已保存"


def test_one_clock_for_updated_history_and_backups(kam: Kam) -> None:
    kam("add", "--name", "甲")
    kam("--today", "2020-01-02", "edit", "KH2026001", "--note", "x")
    updated = kam.json("show", "KH2026001")["updated"]
    entry = kam.json("history", "KH2026001")[-1]
    backup = kam.json("backups")[-1]
    assert updated[:10] == entry["ts"][:10] == backup["time"][:10] == "2020-01-02"
    assert updated[11:19] == entry["ts"][11:19] == backup["time"][11:19]


def test_use_cases_run_without_the_cli(tmp_path: Path) -> None:
    from datetime import date

    from kam.ops import customers, daily, interactions
    from kam.ops.context import Context

    ctx = Context.create(tmp_path / "kam.json", today=date(2026, 11, 23))
    saved = customers.add(ctx, "甲公司", customers.Changes())
    interactions.log(ctx, saved.customer.code, "电话", "call", date(2026, 11, 1))
    assert json.dumps(daily.due(ctx, 30), ensure_ascii=False) == json.dumps([{
        "code": "KH2026001", "name": "甲公司", "kind": "follow_up", "due": "2026-12-01",
        "days_overdue": -8, "section": "upcoming", "tier": "C", "owner": "", "urgency": -6.0}],
        ensure_ascii=False)


def test_an_interaction_document_has_every_field() -> None:
    """Interaction.to_doc lists the fields by hand (asdict is slow): kept in step."""
    from dataclasses import asdict

    from kam.models import Interaction

    i = Interaction("i1", "K1", "2026-11-23", "call", "电话", 5.0, "2026-12-01", "t", "b1")
    assert i.to_doc() == asdict(i)
    assert Interaction.from_doc(i.to_doc()) == i


def test_the_command_table_is_what_the_modules_define() -> None:
    """kam.cli.SECTIONS names each command's module (a command runs with only that one
    imported): every command a module of kam.commands defines is listed with it, and
    nothing else is listed."""
    import pkgutil

    import kam.commands
    from kam import cli

    defined = {}
    for info in pkgutil.iter_modules(kam.commands.__path__):
        if info.name.startswith("_") or info.name == "contacts":
            continue
        module = cli._module(info.name)
        defined |= {cli.command_of(c): info.name for c in module.app.registered_commands}
    listed = {name: module for name, module in cli.MODULE_OF.items() if module is not None}
    assert listed == defined
    assert {name for name, module in cli.MODULE_OF.items() if module is None} == {
        "completion", "contact"}
    whole = {cli.command_of(c) for c in cli.whole_app().registered_commands}
    groups = {g.name for g in cli.whole_app().registered_groups if isinstance(g.name, str)}
    assert whole | groups | set(defined) == set(cli.MODULE_OF)


def test_a_command_runs_with_only_its_module_imported(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = ("import sys; sys.argv = ['kam', '--db', sys.argv[1], 'due']\n"
            "from kam.launch import main\n"
            "try:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.startswith('kam.commands.')), "
            "file=sys.stderr)")
    out = subprocess.run([sys.executable, "-c", code, str(tmp_path / "kam.json")],
                         capture_output=True, text=True, check=False)
    assert out.stderr.splitlines()[-1] == "['kam.commands._common', 'kam.commands._help', " \
                                          "'kam.commands.daily']"
