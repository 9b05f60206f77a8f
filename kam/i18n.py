"""The user's language: one catalogue per language, Chinese by default.

Messages are written in the code in English, as gettext msgids: `t("Logged {kind}
for {code}", kind=..., code=...)`. The translations live in standard gettext
catalogues, `kam/locale/<lang>/LC_MESSAGES/kam.po` (what a translator edits, with
Poedit, Weblate or a text editor) and its compiled `kam.mo` (what kam reads: read_mo()
below, a third of the standard library's gettext parse, which stays the reader of a
catalogue in another charset). Adding a language is adding a directory: no code.
`python tests/catalogue.py` extracts the messages (Babel), merges them into every
catalogue and compiles it; the test suite fails if a message has no translation.

The language comes from --lang, else KAM_LANG, else `language:` in kam.yaml, else
Chinese (the template's language). English is the source text itself.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from kam.text import pattern
from kam.typenames import Any

SOURCE = "en"  # the language the msgids are written in
DEFAULT = "zh"
LOCALE_DIR = Path(__file__).with_name("locale")

_current = DEFAULT
_catalogue: dict[str, str] | None = None  # msgid -> translation, read when first needed


def languages() -> tuple[str, ...]:
    """The languages kam can speak: the source and every compiled catalogue."""
    found = {p.parent.parent.name for p in LOCALE_DIR.glob("*/LC_MESSAGES/kam.mo")}
    return tuple(sorted(found | {SOURCE}))


def normalise(name: str) -> str | None:
    """'zh', 'zh_CN', 'zh-CN.UTF-8', 'EN' -> a language kam has, or None."""
    base = name.strip().split(".")[0].replace("-", "_").lower()
    for candidate in (base, base.split("_")[0]):
        if candidate and candidate in languages():
            return candidate
    return None


_MAX_BYTES = 256 * 1024  # as config.MAX_BYTES: a bigger kam.yaml is refused anyway
_LANGUAGE_LINE = pattern(r"""^language[ \t]*:[ \t]*["']?([A-Za-z_.-]+)""", re.MULTILINE)


def language_in(path: Path) -> str | None:
    """`language:` of a kam.yaml, read without parsing YAML: the help page and the first
    message need the language before anything else is loaded. config.load() validates it."""
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            text = f.read(_MAX_BYTES)
    except OSError:
        return None
    found = _LANGUAGE_LINE.search(text)
    return found.group(1) if found else None



def choose(option: str | None, configured: str | None) -> str:
    """The language of this run: --lang, KAM_LANG, kam.yaml, then Chinese."""
    for given in (option, os.environ.get("KAM_LANG"), configured):
        if given and given.strip():
            found = normalise(given)
            if found:
                return found
    return DEFAULT


def set_language(lang: str) -> None:
    global _current, _catalogue
    _current = normalise(lang) or DEFAULT
    _catalogue = None


def language() -> str:
    return _current


def _translations() -> dict[str, str]:
    global _catalogue
    if _catalogue is None:
        if _current == SOURCE:
            _catalogue = {}
        else:
            _catalogue = read_mo(LOCALE_DIR / _current / "LC_MESSAGES" / "kam.mo")
    return _catalogue


_MO_MAGIC = 0x950412DE


def read_mo(path: Path) -> dict[str, str]:
    """A compiled gettext catalogue as {msgid: translation}, as gettext.GNUTranslations
    reads it for gettext(): both byte orders, the entries kept (msgfmt leaves out the
    fuzzy and the untranslated ones), no plural entries (kam has none; gettext() does
    not find them either). Each run that speaks Chinese reads this file, and this loop
    over the two tables costs a third of gettext's parse, which does more (plurals,
    contexts, every header) than kam asks of it. A catalogue in another charset than
    UTF-8 is left to gettext."""
    import struct

    data = path.read_bytes()
    for order in "<>":
        if len(data) >= 20 and struct.unpack_from(order + "I", data)[0] == _MO_MAGIC:
            break
    else:
        raise OSError(f"{path}: not a compiled gettext catalogue (.mo)")
    count, originals, translations = struct.unpack_from(order + "3I", data, 8)
    ids = struct.unpack_from(f"{order}{2 * count}I", data, originals)
    texts = struct.unpack_from(f"{order}{2 * count}I", data, translations)
    out: dict[str, str] = {}
    for i in range(0, 2 * count, 2):
        key = data[ids[i + 1]:ids[i + 1] + ids[i]]
        text = data[texts[i + 1]:texts[i + 1] + texts[i]]
        if not key:  # the header: its charset
            if b"charset=" in text and not re.search(rb"charset=\s*utf-?8", text, re.I):
                return _gettext_catalogue(path)
            continue
        if b"\0" not in key:
            out[key.decode()] = text.decode()
    return out


def _gettext_catalogue(path: Path) -> dict[str, str]:
    import gettext

    with open(path, "rb") as f:
        found = gettext.GNUTranslations(f)
    catalogue = found._catalog  # type: ignore[attr-defined]
    return {k: v for k, v in catalogue.items() if isinstance(k, str) and k}


def t(message: str, /, **values: Any) -> str:
    """The message in the user's language, its {placeholders} filled in."""
    text = _translations().get(message, message)
    return text.format(**values) if values else text


def N_(message: str) -> str:  # noqa: N802 - the gettext name for "mark for extraction"
    """Marks a message for the catalogue where it is defined; t() translates it where used."""
    return message
