"""The user's language: one catalogue per language, Chinese by default.

Messages are written in the code in English, as gettext msgids: `t("Logged {kind}
for {code}", kind=..., code=...)`. The translations live in standard gettext
catalogues, `kam/locale/<lang>/LC_MESSAGES/kam.po` (what a translator edits, with
Poedit, Weblate or a text editor) and its compiled `kam.mo`, which the standard
library's gettext reads. Adding a language is adding a directory: no code.
`python tests/catalogue.py` extracts the messages (Babel), merges them into every
catalogue and compiles it; the test suite fails if a message has no translation.

The language comes from --lang, else KAM_LANG, else `language:` in kam.yaml (as
PyYAML parses it: kam.config.configured_language), else Chinese (the template's
language). English is the source text itself.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

SOURCE = "en"  # the language the msgids are written in
DEFAULT = "zh"
LOCALE_DIR = Path(__file__).with_name("locale")

_current = DEFAULT
_catalogue: Any = None  # the gettext translations of _current, read when first needed


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


def _translations() -> Any:
    global _catalogue
    if _catalogue is None:
        import gettext

        _catalogue = gettext.translation("kam", LOCALE_DIR, languages=[_current],
                                         fallback=True)
    return _catalogue


def t(message: str, /, **values: Any) -> str:
    """The message in the user's language, its {placeholders} filled in."""
    text = _translations().gettext(message)
    return text.format(**values) if values else text


def N_(message: str) -> str:  # noqa: N802 - the gettext name for "mark for extraction"
    """Marks a message for the catalogue where it is defined; t() translates it where used."""
    return message
