"""The comments of the kam.yaml that `kam init` writes, in the language of the run.

kam/default.yaml is written with English comments. Each block of comment lines, and
each comment after a value, is a message of the catalogue (tests/catalogue.py extracts
them with notes()); init writes the file with them translated. Only comments change:
the settings read back are the same (a test checks).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

_FULL = re.compile(r"^(\s*)# ?(.*)$")
# A comment after a value: YAML starts one at a # after a space; the values of
# kam/default.yaml hold no quoted #.
_AFTER = re.compile(r"^(.*?\S)(\s+)# (.*)$")


def _parts(text: str) -> Iterator[tuple[str, str, str | None]]:
    """(kind, prefix, message) per piece: 'block' (indent, the lines joined), 'after'
    (the line up to its comment), 'line' (a line without a comment, message None)."""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        full = _FULL.match(lines[i])
        if full:
            indent, block = full.group(1), [full.group(2)]
            while i + 1 < len(lines) and (m := _FULL.match(lines[i + 1])) and \
                    m.group(1) == indent:
                block.append(m.group(2))
                i += 1
            yield "block", indent, "\n".join(block)
        elif after := _AFTER.match(lines[i]):
            yield "after", after.group(1) + after.group(2), after.group(3)
        else:
            yield "line", lines[i], None
        i += 1


def notes(text: str) -> list[str]:
    """Every comment of a kam.yaml text, as the catalogue holds it."""
    return [message for kind, _, message in _parts(text) if message is not None]


def translated(text: str, translate: Callable[[str], str]) -> str:
    """text with every comment put through translate."""
    out: list[str] = []
    for kind, prefix, message in _parts(text):
        if message is None:
            out.append(prefix)
        elif kind == "block":
            out.extend(f"{prefix}# {line}".rstrip() for line in translate(message).split("\n"))
        else:
            out.append(f"{prefix}# {translate(message)}")
    return "\n".join(out) + "\n"
