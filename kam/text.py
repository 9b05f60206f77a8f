"""Text measured in terminal cells: a CJK character takes two, a combining mark none."""

from __future__ import annotations

import os
import sys
import unicodedata
from functools import lru_cache
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import re
    from typing import Any


def terminal_width() -> int:
    """Cells per line of output: COLUMNS, else the terminal's, else 80 (piped output)."""
    env = os.environ.get("COLUMNS", "")
    if env.isdigit() and int(env) > 0:
        return int(env)
    if sys.stdout.isatty():
        import shutil  # here: kam.launch asks this before anything else is imported

        return shutil.get_terminal_size((80, 24)).columns
    return 80


@lru_cache(maxsize=4096)
def _char_width(ch: str) -> int:
    if unicodedata.combining(ch) or ch in "\u200b\u200c\u200d\ufeff":
        return 0
    return 2 if unicodedata.east_asian_width(ch) in "WF" else 1


def folded(text: str) -> str:
    """Text as kam compares what people type: full-width letters and digits as their
    ASCII forms (ＡＢＣ, １３９ from a Chinese input method), case-folded."""
    return unicodedata.normalize("NFKC", text).casefold()


def width(text: str) -> int:
    """Display width in terminal cells."""
    if text.isascii():
        return len(text)
    return sum(_char_width(c) for c in text)


def shorten(text: str, cells: int, mark: str = "…") -> str:
    """The text cut to at most `cells` cells, ending in `mark` when cut."""
    if width(text) <= cells:
        return text
    room = cells - width(mark)
    out: list[str] = []
    used = 0
    for ch in text:
        w = _char_width(ch)
        if used + w > room:
            break
        out.append(ch)
        used += w
    return "".join(out) + mark if cells > 0 else ""


def wrap(text: str, cells: int) -> list[str]:
    """Lines of at most `cells` cells: breaks at spaces, and anywhere between CJK
    characters (Chinese has no spaces); a word longer than a line is cut, and a
    character wider than the line (or a line under one cell) stands on its own."""
    cells = max(cells, 1)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0
        for token in _tokens(paragraph):
            w = width(token)
            if used + w > cells and line.strip():
                lines.append(line.rstrip())
                line, used = "", 0
                if token == " ":
                    continue
            while w > cells:  # a token wider than the line: cut it
                head = shorten(token, cells, mark="") or token[0]
                lines.append(head)
                token = token[len(head):]
                w = width(token)
            line += token
            used += w
        lines.append(line.rstrip())
    return lines


# Never at the start of a line (Chinese line-breaking rules): they stay with what precedes.
_CLOSING = set("。，、；：？！）」』】》〉…%,.;:?!)]}")
_OPENING = set("（「『【《〈")  # never at the end of a line: they stay with what follows


def _tokens(text: str) -> list[str]:
    """Words, spaces and single wide characters (each a place a line may break)."""
    out: list[str] = []
    word = ""
    for ch in text:
        if ch in _CLOSING and not word and out and out[-1] != " " and \
                _char_width(out[-1][-1]) == 2:  # 字段: ... the colon stays with 段
            out[-1] += ch
            continue
        if ch in _CLOSING and (word or out) and _char_width(ch) == 2:
            if word:  # a break may follow wide punctuation, never precede it
                out.append(word + ch)
                word = ""
            elif out[-1] != " ":
                out[-1] += ch
            else:
                out.append(ch)
            continue
        if ch in _OPENING:
            if word:
                out.append(word)
            word = ch
            continue
        if _char_width(ch) == 2 and word and word[-1] in _OPENING:
            out.append(word + ch)
            word = ""
            continue
        if ch == " " or _char_width(ch) == 2:
            if word:
                out.append(word)
                word = ""
            out.append(ch)
        else:
            word += ch
    if word:
        out.append(word)
    return out


def pattern(source: str, flags: int = 0) -> re.Pattern[str]:
    """A regular expression compiled on first use: a module's patterns cost nothing
    to a command that does not use them (compiling the dozen kam has at import was a
    twentieth of `kam list` at 1,000 customers). Its methods are the compiled
    pattern's, bound on first use (as fast as a module-level re.compile after that)."""
    return _Lazy(source, flags)  # type: ignore[return-value]


class _Lazy:
    def __init__(self, source: str, flags: int):
        self._args = (source, flags)

    def __getattr__(self, name: str) -> Any:
        import re

        compiled = re.compile(*self._args)
        for method in ("match", "fullmatch", "search", "sub", "subn", "finditer", "findall",
                       "split"):
            setattr(self, method, getattr(compiled, method))
        return getattr(compiled, name)


# --- content lines of vCard and iCalendar files (RFC 6350, RFC 5545) -----------

_CONTROL = pattern(r"[\x00-\x08\x0b-\x1f\x7f]")


def plain(value: str) -> str:
    """Text as a card or an event may hold it: line breaks as \\n, no other control
    character (RFC 6350 and 5545 allow none in text; an app may stop at one)."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def fold(line: str) -> str:
    """A content line folded at 75 octets (RFC 6350 / 5545), never inside a character."""
    out, current, size = [], "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > 75:
            out.append(current)
            current, size = " ", 1
        current += ch
        size += n
    out.append(current)
    return "\r\n".join(out) + "\r\n"
