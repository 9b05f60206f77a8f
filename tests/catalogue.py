"""Keep the message catalogues in step with the code (needs Babel: `pip install -e '.[dev]'`).

    python tests/catalogue.py              extract, merge into every kam.po, compile kam.mo
    python tests/catalogue.py --fill F     also take translations from F (JSON: msgid -> text)
    python tests/catalogue.py --new fr     start a catalogue for another language

The test suite (tests/test_language.py) uses the same functions to check that
every message has a translation and that each kam.mo is compiled from its kam.po.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "kam"
LOCALES = PACKAGE / "locale"
KEYWORDS = {"t": None, "N_": None}


def extract() -> Catalog:
    """Every message the code marks with t() or N_()."""
    cat = Catalog(project="kam", domain="kam")
    for filename, lineno, message, comments, context in extract_from_dir(
            str(PACKAGE), method_map=[("**.py", "python")], keywords=KEYWORDS,
            comment_tags=("TRANSLATORS:",), strip_comment_tags=True):
        cat.add(message, None, [(f"kam/{filename}", lineno)], auto_comments=comments,
                context=context)
    from kam.yamlnotes import notes  # the comments of the kam.yaml files init writes

    for path in (PACKAGE / "default.yaml", ROOT / "examples" / "kam.yaml"):
        for message in notes(path.read_text(encoding="utf-8")):
            cat.add(message, None, [(str(path.relative_to(ROOT)), 0)],
                    auto_comments=["A kam.yaml comment: keep its line breaks short"])
    return cat


def po_files() -> list[Path]:
    return sorted(LOCALES.glob("*/LC_MESSAGES/kam.po"))


def load(po: Path) -> Catalog:
    with open(po, "rb") as f:
        return read_po(f, domain="kam")


def compiled(cat: Catalog) -> bytes:
    buf = io.BytesIO()
    write_mo(buf, cat, use_fuzzy=False)
    return buf.getvalue()


def update(fill: dict[str, str] | None = None) -> list[str]:
    """Merge the extracted messages into every catalogue and compile it; the untranslated."""
    template = extract()
    missing: list[str] = []
    for po in po_files():
        cat = load(po)
        cat.update(template, no_fuzzy_matching=True)
        cat.obsolete.clear()
        lang = po.parent.parent.name
        for msg in cat:
            if not msg.id:
                continue
            if fill and msg.id in fill:
                msg.string = fill[msg.id]
            if not msg.string:
                missing.append(f"{lang}: {msg.id}")
        with open(po, "wb") as f:
            write_po(f, cat, width=100, sort_output=False, include_previous=False)
        po.with_suffix(".mo").write_bytes(compiled(cat))
    return missing


def new(lang: str) -> None:
    po = LOCALES / lang / "LC_MESSAGES" / "kam.po"
    po.parent.mkdir(parents=True, exist_ok=True)
    cat = Catalog(locale=lang, project="kam", domain="kam")
    with open(po, "wb") as f:
        write_po(f, cat)


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--fill", type=Path)
    p.add_argument("--new")
    a = p.parse_args()
    if a.new:
        new(a.new)
    fill = json.loads(a.fill.read_text("utf-8")) if a.fill else None
    missing = update(fill)
    for m in missing:
        print(f"untranslated: {m}", file=sys.stderr)
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
