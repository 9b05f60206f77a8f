"""Text formats of data: JSON and CSV, with the formula guard. Standard library only."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TextIO

from kam.schema import FORMULA_LEAD


class Encoded(str):
    """A value already encoded by encoder() (the daily view keeps `kam list`'s records
    so): json_document writes it as it is."""


def json_document(data: Any) -> str:
    """One JSON document, laid out for people and written by the C encoder (indent=
    forces the much slower pure-Python one): a list has one
    item a line; an object has one key a line, its objects likewise, and its lists
    of objects or lists one item a line."""
    dumps: Callable[[Any], str] = encoder()
    if isinstance(data, list) and data:
        return "[\n" + ",\n".join(item if type(item) is Encoded else dumps(item)
                                   for item in data) + "\n]\n"
    if isinstance(data, dict) and data:
        return _object(data, "", dumps) + "\n"
    return dumps(data) + "\n"


def encoder(compact: bool = False) -> Any:
    """json.dumps(value, ensure_ascii=False, default=str) for many values: one
    JSONEncoder made once and its encode (the C encoder for each value; json.dumps
    would check its arguments and make an encoder every time). compact=True: no
    spaces, a value JSON has no type for is refused (TypeError), as the store wants,
    and containers are not checked for cycles (the store's documents are parsed JSON
    or made fresh by kam; the check is a good part of the encoding's time)."""
    separators = (",", ":") if compact else (", ", ": ")
    return json.JSONEncoder(ensure_ascii=False, default=None if compact else str,
                            separators=separators, check_circular=not compact).encode


def _object(data: dict[Any, Any], indent: str, dumps: Any) -> str:
    inner = indent + "  "
    lines = []
    for key, value in data.items():
        if isinstance(value, dict) and value:
            text = _object(value, inner, dumps)
        elif isinstance(value, list) and any(isinstance(v, (dict, list)) for v in value):
            text = ("[\n" + ",\n".join(inner + "  " + dumps(v) for v in value)
                    + "\n" + inner + "]")
        else:
            text = dumps(value)
        lines.append(f"{inner}{dumps(str(key))}: {text}")
    return "{\n" + ",\n".join(lines) + "\n" + indent + "}"


def cell_text(value: Any, sep: str = "、") -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else ""
    if type(value) is float:  # a subclass (review.Change, Amount, Share) says it itself
        return f"{value:g}" if value != int(value) else str(int(value))
    if isinstance(value, (list, tuple)):
        return sep.join(cell_text(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}={cell_text(v)}" for k, v in value.items())
    return str(value)


def csv_guard(text: str) -> str:
    """Prefix ' to a field a spreadsheet would run as a formula (OWASP ASVS 1.2.10), and to
    to one whose formula lead follows quotes ('=x), so that import gives it back whole."""
    return "'" + text if text.lstrip("'").startswith(FORMULA_LEAD) else text


def write_csv(rows: Iterable[dict[str, Any]], columns: Sequence[tuple[str, str]], out: TextIO,
              lineterminator: str = "\n") -> None:
    """Rows as CSV; columns are (key, header)."""
    import csv

    w = csv.writer(out, lineterminator=lineterminator)
    w.writerow([csv_guard(h) for _, h in columns])
    for r in rows:
        w.writerow([_csv_cell(r.get(k)) for k, _ in columns])


def _csv_cell(value: Any) -> str:
    """Text is guarded against formula injection; numbers (-2) are numbers."""
    text = cell_text(value, sep=";")
    return csv_guard(text) if isinstance(value, (str, list, tuple, dict)) else text
