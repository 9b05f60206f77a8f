"""Hostile input, generated: never an unexpected exception; bad input is exit 2."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path
from typing import Any

from conftest import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kam import config
from kam.columns import Layout, RowData, RowError, alias_index, convert_row, find_layout, map_header
from kam.dates import coerce_date, parse_date
from kam.errors import ConfigError
from kam.scoring import parse_amount

S = config.build(None)
FUZZ = settings(max_examples=300, deadline=None,
                suppress_health_check=[HealthCheck.function_scoped_fixture])
cells = st.one_of(st.none(), st.text(max_size=30), st.integers(), st.floats(allow_nan=True),
                  st.booleans(), st.dates(), st.datetimes(),
                  st.sampled_from(["客户编号", "客户名称", "电话", "合计", "最近跟进时间", "高",
                                   "合作中", "2024年5月10日", "=SUM(A1)", "'=1", "　"]))


@FUZZ
@given(st.one_of(st.text(max_size=40), st.from_regex(r"\d{1,4}[-/.年]\d{1,2}[-/.月]\d{1,3}日?")))
def test_date_parser_returns_a_date_or_value_error(text: str) -> None:
    try:
        assert isinstance(parse_date(text), date)
    except ValueError:
        pass


@FUZZ
@given(cells)
def test_coerce_date_any_cell(value: object) -> None:
    try:
        assert isinstance(coerce_date(value), date)
    except ValueError:
        pass


@FUZZ
@given(st.one_of(st.text(max_size=20), st.floats(allow_nan=True, allow_infinity=True),
                 st.integers()), st.sampled_from(["number", "yuan", "10k", "ratio"]))
def test_amount_parser(raw: object, unit: str) -> None:
    try:
        assert isinstance(parse_amount(raw, unit), float)
    except ValueError:
        pass


@FUZZ
@given(st.lists(st.tuples(st.integers(1, 50), st.lists(cells, max_size=12).map(tuple)),
                max_size=15))
def test_header_matcher_and_rows(rows: list[tuple[int, tuple[object, ...]]]) -> None:
    class Sheet:
        name, visible = "s", True

    sheet = Sheet()
    sheet.rows = rows  # type: ignore[attr-defined]
    index = alias_index(S)
    found = find_layout([sheet], index)
    layout = found[1] if found else Layout("s", 1, map_header(rows[0][1] if rows else (), index))
    for n, values in rows:
        try:
            convert_row(n, values, layout, S)
        except RowError:
            pass


@FUZZ
@given(st.text(max_size=20))
def test_vocabulary_mapper(text: str) -> None:
    assert S.vocab["stage"].lookup(text) in (None, *S.vocab["stage"].keys())


yaml_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-5, 500), st.floats(allow_nan=False),
              st.text(max_size=8)),
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.sampled_from(
                                ["scoring", "indicators", "tiers", "weight", "floor", "cap",
                                 "steps", "table", "source", "unit", "name", "min", "followup",
                                 "cadence", "tier", "stage", "risk", "threshold", "weights",
                                 "vocabulary", "label", "aliases", "import", "slash_order",
                                 "backups", "keep", "x"]), inner, max_size=4)),
    max_leaves=20)


@FUZZ
@given(yaml_values)
def test_config_builder(data: object) -> None:
    try:
        config.build(data)
    except ConfigError:
        pass


@FUZZ
@given(st.text(max_size=200))
def test_config_loader_on_any_text(tmp_path_factory, text: str) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path_factory.mktemp("cfg") / "kam.yaml"
    path.write_text(text, encoding="utf-8")
    try:
        config.load(path)
    except ConfigError as e:
        assert str(e).startswith(str(path))


TOKENS = ["add", "edit", "show", "list", "search", "log", "due", "risk", "score", "digest",
          "import", "export", "undo", "snooze", "done", "archive", "history", "backups",
          "--name", "--code", "--stage", "--value-level", "--tag", "--extra", "--date", "--next",
          "--amount", "--kind", "--days", "--format", "--sort", "--today", "--limit", "--until",
          "-f", "json", "csv", "table", "KH2026001", "KH9", "2024-02-30", "2026-12-01", "=",
          "a=b", "高", "合作中", "昨天", "-1", "--", "--unknown"]


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.one_of(st.sampled_from(TOKENS), st.text(max_size=6)), min_size=1,
                max_size=6))
def test_cli_option_parsing_never_crashes(kam_env: Path, args: list[str]) -> None:
    if not kam_env.exists():
        run(["add", "--name", "甲"])
    if args[0] in ("import", "export"):
        args = args[:1] + ["/nonexistent/x.xlsx"]  # no files written outside tmp
    r = run(args, input="n\n")
    assert r.exit_code in (0, 2), (args, r.exit_code, r.stderr, r.exception)
    assert "Traceback" not in r.stderr


# Text a person or a hostile sheet could put anywhere: markup, control characters, formula
# leads, CJK. Surrounding spaces are trimmed on entry by design, so generated text has none.
_HOSTILE = st.text(alphabet=st.sampled_from(
    list("[]/=+-@'\"\t\x1b\x07\x0b\x7f\n,;、|") + list("ab Z09") + list("客户名称华东[链接]")),
    min_size=1, max_size=12).map(str.strip).filter(bool)
_TAG = st.text(alphabet=st.sampled_from(list("[]=+@'\x1b\x07ab客户") + ["-"]), min_size=1,
               max_size=8).filter(lambda t: t.strip() == t)


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=_HOSTILE, note=_HOSTILE, tag=_TAG, header=_HOSTILE, value=_HOSTILE)
def test_hostile_text_round_trips(tmp_path_factory: Any, name: str, note: str, tag: str,
                                  header: str, value: str) -> None:
    """add -> list (table, json) -> export xlsx/csv -> import into an empty archive:
    every value comes back equal, no exit 1, and no cell of the workbook is a formula."""
    import openpyxl
    work = tmp_path_factory.mktemp("rt")
    # not a header kam knows (those map to template fields); --extra NAME=VALUE splits
    # at the first =, so a name cannot hold one
    header = "列" + header.replace("=", "＝")

    def kam(*args: str) -> Any:
        r = run(["--db", str(work / "a" / "kam.json"), *args])
        assert r.exit_code == 0, (args, r.stderr)
        return r

    kam("add", "--code", "R1", "--name", name, "--note", note, "--tag", tag, "--extra",
        f"{header}={value}")
    kam("list")
    original = json.loads(kam("list", "-f", "json").stdout)[0]
    for kind in ("csv", "xlsx"):
        out = work / f"out.{kind}"
        kam("export", str(out))
        if kind == "xlsx":
            for ws in openpyxl.load_workbook(out).worksheets:
                assert all(c.data_type != "f" for row in ws.iter_rows() for c in row)
        db = work / kind / "kam.json"
        r = run(["--db", str(db), "import", str(out)])
        assert r.exit_code == 0, r.stderr
        back = json.loads(run(["--db", str(db), "list", "-f", "json"]).stdout)[0]
        for key in ("name", "note", "tags", "extra"):
            want = _pictured(original[key]) if kind == "xlsx" else _csv_typed(original[key])
            assert back[key] == want, (kind, key)


_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _csv_typed(value: Any) -> Any:
    """CSV carries no types: an extra column of plain numbers comes back as numbers."""
    from kam.columns import infer_numbers

    if not isinstance(value, dict):
        return value
    row = RowData(0, {}, dict(value))
    infer_numbers([row])
    return row.extra


def _pictured(value: Any) -> Any:
    """What a workbook keeps of a value: characters it cannot hold as their pictures."""
    if isinstance(value, str):
        return _FORBIDDEN.sub(lambda m: chr(0x2400 + ord(m.group(0))), value)
    if isinstance(value, list):
        return [_pictured(v) for v in value]
    if isinstance(value, dict):
        return {_pictured(k): _pictured(v) for k, v in value.items()}
    return value
