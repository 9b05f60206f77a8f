"""The user's language: every command speaks Chinese or English, never a mix.

Every command's help and its main output are run in zh and in en; what is left
after taking out the user's own data (names, the sheet's headers, kam.yaml's
labels) must hold no word of the other language. The catalogues are complete,
compiled from their .po files, and keep every placeholder.
"""

from __future__ import annotations

import re
import string
from pathlib import Path
from typing import Any

import pytest
from catalogue import compiled, extract, load, po_files
from conftest import Kam
from typer.main import get_command

from kam import i18n
from kam.cli import app
from kam.config import build

CJK = re.compile(r"[\u3000-\u303f\u3400-\u9fff\uff00-\uffef]")

# English a Chinese screen may show: names of things the user types or reads in
# files (commands, options, keys, formats, values), not words of a sentence.
TOKENS = {
    "kam", "json", "csv", "xlsx", "xlsm", "yaml", "markdown", "text", "table", "KiB", "MiB",
    "UTF", "Excel", "WPS", "PIPL", "shell", "cron", "null", "true", "false", "zh", "en",
    "keep", "other", "newer", "archive", "sheet", "code", "name", "score", "stage", "owner",
    "updated", "created", "industry", "tag", "tier", "value_level", "follow_up", "call",
    "visit", "email", "wechat", "meeting", "order", "payment", "complaint", "note",
    "decision_maker", "influencer", "user", "purchaser", "finance", "technical", "high",
    "medium", "low", "prospect", "intent", "active", "long_term", "churn_risk", "lost",
    "bash", "zsh", "fish", "powershell", "pwsh", "mail", "soffice", "headless", "convert",
    "last_contact", "next_follow_up", "import", "edit", "restore", "undo", "init", "add",
    "show", "list", "search", "due", "risk", "digest", "history", "backups", "erase",
    "contact", "main", "rename", "merge", "batches", "export", "log", "done", "snooze",
    "unlog", "relog", "archived", "unarchive", "birthday", "contract_end", "lost_reasons",
    "min", "label", "floor", "cap", "steps", "weight", "source", "unit", "MDY", "DMY",
    "language", "vocabulary", "scoring", "followup", "privacy", "aliases", "completion", "Tab",
    "bashrc", "review", "xls", "xlsb", "ods", "tsv", "txt", "OpenDocument", "gb18030", "big5",
    "latin-1", "utf-8", "less", "vcf", "ics", "vCard",
}


def foreign_words(text: str, lang: str, data: set[str]) -> list[str]:
    """Words of the other language in text, once the user's data is taken out."""
    for item in sorted(data, key=len, reverse=True):
        if len(item) > 1 and item.isascii():  # a whole word, not inside another
            text = re.sub(rf"(?<![\w.-]){re.escape(item)}(?![\w-])", " ", text)
        elif item:
            text = text.replace(item, " ")
    if lang == "en":
        return CJK.findall(text)
    text = re.sub(r"\b[0-9a-f]{8}\b", " ", text)  # follow-up ids (random hex)
    text = re.sub(r"`[^`]*`|'[^']*'|\[[a-z|]+\]|--?[A-Za-z][\w-]*", " ", text)
    words = re.findall(r"[A-Za-z][A-Za-z_.=/@~<>0-9-]*", text)
    return [w for w in words if len(w) > 2 and w not in TOKENS and w.strip(".")
            not in TOKENS and not re.search(r"[_./=@~<>0-9]", w) and not w.isupper()]


def config_words() -> set[str]:
    """Every string of the default settings: labels, aliases, reasons (the user's words)."""
    out: set[str] = set()

    def walk(x: Any) -> None:
        if isinstance(x, str):
            out.add(x)
        elif hasattr(x, "_fields"):  # the settings' named tuples, without the lookups
            for name in x._fields:  # made of their words (casefolded, spaces out)
                if name not in ("words", "date_names"):
                    walk(getattr(x, name))
        elif isinstance(x, dict):
            for k, v in x.items():
                walk(k)
                walk(v)
        elif isinstance(x, (list, tuple, set, frozenset)):
            for v in x:
                walk(v)
    walk(build(None))
    return out | {part.partition(".")[2] for part in out if "." in part}


SHEET = {
    "zh": ["华东精密机械有限公司", "王建国", "总经理", "13956781234", "制造业", "200-500人",
           "高价值", "设备采购", "合作中", "2026-11-10", "电话沟通扩产计划", "李明", "重点跟进",
           "下季度计划扩产"],
    "en": ["Acme Tools Ltd", "Wang Jian", "CEO", "13956781234", "Machinery", "200-500",
           "high", "Lathes", "active", "2026-11-10", "Call about expansion", "Li Ming", "vip",
           "Expands next quarter"],
}


def scenario(kam: Kam, tmp_path: Path, lang: str) -> list[tuple[str, str]]:
    """(what was run, what it printed) for every command, in one language."""
    from kam.schema import TEMPLATE_COLUMNS

    out: list[tuple[str, str]] = []

    def run(*args: str, code: int = 0, input: str | None = None) -> None:
        r = kam(*args, code=code, input=input)
        out.append((" ".join(args), r.stdout + r.stderr))

    headers = ["序号", *(h for _, h in TEMPLATE_COLUMNS)]
    row = ["1", "KH2024001", *SHEET[lang][:10], SHEET[lang][10], SHEET[lang][11],
           SHEET[lang][12], SHEET[lang][13]]
    sheet = tmp_path / "sheet.csv"
    sheet.write_text(",".join(headers) + "\n" + ",".join(row) + "\n", encoding="utf-8")
    other = "Bright Foods" if lang == "en" else "远航集团有限公司"
    run("init")
    run("import", str(sheet), "--dry-run")
    run("import", str(sheet))
    run("batches")
    run("add", "--name", other, "--code", "KH2024002", "--contact-info", "13956781234",
        "--next", "2026-11-24", "--date", "birthday=1980-11-25")
    run("log", "KH2024001", "call" if lang == "en" else "电话", "-k",
        "call" if lang == "en" else "电话", "--next", "2026-11-25")
    run("log", "KH2024001", "order", "-k", "order", "--amount", "50000")
    run("done", "KH2024002")
    run("snooze", "KH2024001", "--days", "3")
    run("list")
    run("search", "13956781234")
    run("show", "KH2024001")
    run("score")
    run("score", "KH2024001", "--explain")
    run("due", "--today", "2026-12-30")
    run("due", "--today", "2026-12-30", "--explain", "KH2024001")
    run("risk", "--today", "2027-06-30")
    run("digest", "--today", "2027-06-30")
    run("digest", "--today", "2027-06-30", "--format", "markdown")
    run("edit", "KH2024001", "--stage", "intent", "--dry-run")
    run("edit", "KH2024001", "--stage", "intent")
    run("contact", "add", "KH2024001", "Zhao" if lang == "en" else "赵六", "--role",
        "finance")
    run("contact", "main", "KH2024001", "Zhao" if lang == "en" else "赵六")
    run("merge", "KH2024001", "KH2024002", "--dry-run")
    run("history", "KH2024001")
    run("review", "--month", "2026-11", "--as-of", "2026-11-23")
    run("review", "--quarter", "2026Q4", "--chart", "--xlsx", str(tmp_path / "review.xlsx"))
    run("backups")
    run("archive", "KH2024002")
    run("unarchive", "KH2024002")
    run("lost", "KH2024002", "--reason", "价格")
    run("rename", "KH2024002", "KH2024009")
    run("export", str(tmp_path / "out.xlsx"))
    run("undo", "--force")
    run("restore")
    run("erase", "KH2024009", "--yes")
    # mistakes: an unknown customer, a missing argument, a bad option, a bad choice
    run("show", "NOPE", code=2)
    run("log", "KH2024001", code=2)
    run("list", "--bogus", code=2)
    run("list", "--format", "xml", code=2)
    run("log", "KH2024001", "x", "-k", "fax", code=2)
    return out


def helps(kam: Kam) -> list[tuple[str, str]]:
    """The help page of kam and of every command and subcommand."""
    group: Any = get_command(app)
    pages = [("kam", kam().stdout), ("kam -h", kam("-h").stdout)]
    for name, cmd in group.commands.items():
        pages.append((f"{name} -h", kam(name, "-h").stdout))
        for sub in getattr(cmd, "commands", {}):
            pages.append((f"{name} {sub} -h", kam(name, sub, "-h").stdout))
    return pages


@pytest.mark.parametrize("lang", ["zh", "en"])
def test_every_command_speaks_one_language(kam: Kam, tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    monkeypatch.setenv("KAM_LANG", lang)
    import getpass

    data = config_words() | set(SHEET[lang]) | {str(tmp_path), "KAM_DB", "Zhao", "赵六",
                                                "Bright Foods", "远航集团有限公司",
                                                getpass.getuser()}
    from kam.schema import TEMPLATE_COLUMNS
    data |= {h for _, h in TEMPLATE_COLUMNS} | {"序号"}
    found = []
    for what, text in helps(kam) + scenario(kam, tmp_path, lang):
        assert text.strip(), f"{what} printed nothing"
        words = foreign_words(text, lang, data)
        if words:
            found.append(f"{what}: {sorted(set(words))}")
    assert not found, "\n\n".join(found)


def test_help_ends_with_examples_in_the_users_language(kam: Kam,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    for lang, heading, sample in (("zh", "示例：", "电话沟通报价"), ("en", "Examples:",
                                                                "Called about the quote")):
        monkeypatch.setenv("KAM_LANG", lang)
        for what, page in helps(kam):
            if what not in ("kam", "kam -h", "contact -h"):
                assert heading in page, f"{lang}: {what} has no examples"
        assert sample in kam("log", "-h").stdout


@pytest.mark.parametrize(("lang", "typo", "said"), [
    ("zh", "deu", "错误：没有这个命令：deu （是不是要用 due？）\n"),
    ("en", "deu", "Error: no such command: deu (did you mean due?)\n"),
    ("en", "lst", "Error: no such command: lst (did you mean lost, list?)\n"),
    ("en", "xyzzy", "Error: no such command: xyzzy\n"),
])
def test_a_mistyped_command_is_named_with_what_was_meant(kam: Kam, monkeypatch: pytest.MonkeyPatch,
                                                        lang: str, typo: str, said: str) -> None:
    """In the user's language: typer's English suggestion used to come through, cut."""
    monkeypatch.setenv("KAM_LANG", lang)
    assert kam(typo, code=2).stderr.endswith(said)


@pytest.mark.parametrize(("lang", "args", "said"), [
    ("zh", ("due", "--days", "abc"), "错误：--days：不是整数：'abc'\n"),
    ("en", ("due", "--limit", "1.5"), "Error: --limit: not a whole number: '1.5'\n"),
    ("en", ("risk", "--threshold", "x"), "Error: --threshold: not a number: 'x'\n"),
    ("zh", ("show", "a", "b (x)"), "错误：多余的参数：b (x)\n"),
])
def test_usage_errors_are_said_in_the_users_words(kam: Kam, monkeypatch: pytest.MonkeyPatch,
                                                  lang: str, args: tuple[str, ...],
                                                  said: str) -> None:
    """click's English (\"'abc' is not a valid int.\") and a cut list of extra arguments
    used to come through."""
    monkeypatch.setenv("KAM_LANG", lang)
    assert kam(*args, code=2).stderr.endswith(said)


def test_bare_kam_starts_here(kam: Kam, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAM_LANG")
    r = kam()
    assert r.stdout.startswith("用法：kam")
    start = r.stdout.index("从这里开始")
    assert r.stdout.index("kam init", start) < r.stdout.index("kam import", start) < \
        r.stdout.index("kam due", start) < r.stdout.index("每天：")


def test_language_from_option_environment_settings_and_default(
        kam: Kam, kam_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("KAM_LANG")
    kam("init")
    assert "还没有客户" in kam("list").stderr
    assert "No customers yet" in kam("--lang", "en", "list").stderr
    assert "No customers yet" in kam("list", "--lang", "en").stderr  # hoisted
    (kam_env.parent / "kam.yaml").parent.mkdir(parents=True, exist_ok=True)
    (kam_env.parent / "kam.yaml").write_text("language: en\n", encoding="utf-8")
    assert "No customers yet" in kam("list").stderr
    assert "Usage: kam list" in kam("list", "-h").stdout  # help too, before anything loads
    assert "还没有客户" in kam("--lang", "zh", "list").stderr
    monkeypatch.setenv("KAM_LANG", "zh_CN.UTF-8")
    assert "还没有客户" in kam("list").stderr
    r = kam("--lang", "fr", "list", code=2)
    assert "fr" in r.stderr
    (kam_env.parent / "kam.yaml").write_text("language: klingon\n", encoding="utf-8")
    monkeypatch.delenv("KAM_LANG")
    r = kam("list", code=2)
    assert "kam.yaml：第 1 行" in r.stderr and "klingon" in r.stderr  # all in Chinese


def test_chinese_words_are_accepted_where_a_word_is_typed(kam: Kam) -> None:
    kam("add", "--name", "甲公司", "--code", "A1", "--stage", "意向", "--value-level", "高")
    for word, key in (("电话", "call"), ("拜访", "visit"), ("微信", "wechat"), ("回访", "follow_up"),
                      ("订单", "order"), ("投诉", "complaint"), ("邮件", "email")):
        kam("log", "A1", f"{word}记录", "-k", word)
        assert kam.json("show", "A1")["interactions"][0]["kind"] == key
    r = kam("log", "A1", "x", "-k", "传真", code=2)
    assert "电话" in r.stderr or "call" in r.stderr
    kam("add", "--name", "乙公司", "--code", "B2", "--owner", "张华", "--value-level", "低")
    assert [c["code"] for c in kam.json("list", "--sort", "-评分")] == ["A1", "B2"]
    assert [c["code"] for c in kam.json("list", "--sort", "客户名称")] == ["A1", "B2"]  # 甲 (jia) < 乙 (yi)
    kam("edit", "--where", "负责人=张华", "--stage", "合作中")
    assert kam.json("show", "B2")["stage"] == "active"


def test_map_takes_the_template_header_as_target(kam: Kam, tmp_path: Path) -> None:
    sheet = tmp_path / "shops.csv"
    sheet.write_text("门店名称,店长,电话\n城东店,刘一,13900001111\n", encoding="utf-8")
    kam("import", str(sheet), "--map", "门店名称=客户名称", "--map", "店长=联系人")
    [c] = kam.json("list")
    assert (c["name"], c["contact"]) == ("城东店", "刘一")


# --- the catalogues ----------------------------------------------------------------

def _fields(text: str) -> set[str]:
    return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}


def test_every_message_is_translated_and_compiled() -> None:
    template = {m.id for m in extract() if m.id}
    assert po_files(), "no catalogue"
    for po in po_files():
        cat = load(po)
        ids = {m.id for m in cat if m.id}
        assert template - ids == set(), f"{po}: not in the catalogue (run tests/catalogue.py)"
        assert ids - template == set(), f"{po}: no longer used (run tests/catalogue.py)"
        for m in cat:
            if m.id:
                assert m.string, f"{po}: {m.id!r} has no translation"
                assert _fields(m.id) == _fields(m.string), f"{po}: placeholders of {m.id!r}"
        mo = po.with_suffix(".mo")
        assert mo.read_bytes() == compiled(cat), f"{mo} is stale (run tests/catalogue.py)"


def test_messages_are_literal_strings() -> None:
    """t() and N_() take a literal: a message built at run time cannot be translated."""
    import ast

    root = Path(__file__).parent.parent / "kam"
    for path in root.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id in ("t", "N_") and path.name != "i18n.py"):
                arg = node.args[0] if node.args else None
                # a literal, or a message marked with N_ where it is defined (a table of them)
                assert isinstance(arg, (ast.Constant, ast.Name, ast.Subscript, ast.Attribute,
                                        ast.Call)) and not (
                    isinstance(arg, ast.Call) and getattr(arg.func, "attr", "") == "format"), (
                    f"{path.name}:{node.lineno}: {node.func.id}() of a built string")
                if node.func.id == "N_" or isinstance(arg, ast.Constant):
                    assert isinstance(arg, ast.Constant) and isinstance(arg.value, str), (
                        f"{path.name}:{node.lineno}: {node.func.id}() of a non-literal")


def test_chinese_column_labels_are_the_template_headers() -> None:
    from kam.labels import COLUMNS
    from kam.schema import HEADERS

    i18n.set_language("zh")
    try:
        for key, header in HEADERS.items():
            assert i18n.t(COLUMNS[key]) == header
    finally:
        i18n.set_language("en")


def test_a_third_language_needs_no_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                                        ) -> None:
    from babel.messages.catalog import Catalog

    cat = Catalog(locale="fr", domain="kam")
    cat.add("No customer at risk.", "Aucun client à risque.")
    (tmp_path / "fr" / "LC_MESSAGES").mkdir(parents=True)
    (tmp_path / "fr" / "LC_MESSAGES" / "kam.mo").write_bytes(compiled(cat))
    monkeypatch.setattr(i18n, "LOCALE_DIR", tmp_path)
    assert "fr" in i18n.languages()
    i18n.set_language("fr")
    try:
        assert i18n.t("No customer at risk.") == "Aucun client à risque."
    finally:
        i18n.set_language("en")


@pytest.mark.parametrize("text", ['"language": en\n', "{language: en}\n", "language: 'en'  # x\n",
                                  "risk:\n  threshold: 60\nlanguage:\n  en\n"])
def test_the_language_is_what_pyyaml_reads_in_kam_yaml(kam: Kam, monkeypatch: pytest.MonkeyPatch,
                                                      text: str) -> None:
    """Any YAML spelling of `language: en` speaks English: help, messages and tables."""
    monkeypatch.delenv("KAM_LANG")
    i18n.set_language("zh")
    kam.db.parent.mkdir(parents=True, exist_ok=True)
    kam.db.with_name("kam.yaml").write_text(text, encoding="utf-8")
    assert "Add a customer" in kam("add", "--help").stdout
    r = kam("show", "KH404", code=2)
    assert "Error:" in r.stderr and "错误" not in r.stderr


def test_a_fifo_as_kam_yaml_is_refused_not_waited_on(kam: Kam) -> None:
    import os

    kam.db.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(kam.db.with_name("kam.yaml"))
    r = kam("due", code=2)
    assert "kam.yaml" in r.stderr and "not a regular file" in r.stderr


@pytest.mark.parametrize("sample", [False, True])
def test_init_writes_kam_yaml_commented_in_the_users_language(
        kam: Kam, monkeypatch: pytest.MonkeyPatch, sample: bool) -> None:
    """The kam.yaml init writes is commented in Chinese (English with --lang en), and
    holds the same settings whatever the language."""
    import yaml

    from kam.yamlnotes import notes

    read = {}
    for lang in ("zh", "en"):
        monkeypatch.setenv("KAM_LANG", lang)
        monkeypatch.setenv("KAM_DB", str(kam.db.parent / lang / "kam.json"))
        kam("init", *(["--sample"] if sample else []))
        text = (kam.db.parent / lang / "kam.yaml").read_text(encoding="utf-8")
        comments = [line.partition("# ")[2] for line in text.splitlines() if "# " in line]
        english = [c for c in comments if re.search(r"\b(the|a|of|is|and)\b", c)]
        if lang == "zh":
            assert len(english) == 0, english
            assert sum(bool(CJK.search(c)) for c in comments) == len(comments)
        else:
            assert len(english) > len(comments) // 3
        source = Path(__file__).parent.parent / ("examples" if sample else "kam") / (
            "kam.yaml" if sample else "default.yaml")
        assert len(notes(text)) == len(notes(source.read_text(encoding="utf-8")))
        read[lang] = yaml.safe_load(text)
    assert read["zh"] == read["en"]


def test_english_tables_show_english_labels_spreadsheets_keep_the_templates_words(
        kam: Kam, monkeypatch: pytest.MonkeyPatch) -> None:
    kam("add", "--code", "K1", "--name", "甲公司", "--stage", "合作中", "--value-level", "高")
    monkeypatch.setenv("KAM_LANG", "en")
    table = kam("list").stdout
    assert "Active" in table and "合作中" not in table
    shown = kam("show", "K1").stdout
    assert "Active" in shown and "High value" in shown and "高价值" not in shown
    assert "Trial" in kam("score").stdout
    csv = kam("export", "-", "-f", "csv").stdout
    assert ",高价值," in csv and ",合作中," in csv  # the template's words, for the boss
    assert kam.json("list")[0]["stage"] == "active"
    monkeypatch.setenv("KAM_LANG", "zh")
    assert "合作中" in kam("list").stdout and "试探型" in kam("score").stdout


def test_help_defaults_and_kind_lists_are_in_the_users_words(kam: Kam,
                                                             monkeypatch: pytest.MonkeyPatch
                                                             ) -> None:
    monkeypatch.setenv("KAM_LANG", "zh")
    assert "[默认：跟进]" in kam("log", "--help").stdout
    assert "[默认：]" not in kam("lost", "--help").stdout  # an empty default is not shown
    kam("add", "--code", "K1", "--name", "甲")
    r = kam("log", "K1", "x", "-k", "foo", code=2)
    assert "跟进, 电话, 拜访" in r.stderr and "follow_up" not in r.stderr


@pytest.mark.parametrize(("lang", "typed", "said"), [
    ("en", "电话", "Logged call for KH2026001"), ("zh", "call", "的电话（"),
    ("zh", "拜访", "的拜访（"), ("en", "visit", "Logged visit for"),
])
def test_a_logged_kind_is_said_in_the_runs_language(kam: Kam, monkeypatch: pytest.MonkeyPatch,
                                                    lang: str, typed: str, said: str) -> None:
    """Whatever word was typed for it (-k 电话 in an English run said 电话 back)."""
    kam("add", "--name", "甲")
    monkeypatch.setenv("KAM_LANG", lang)
    assert said in kam("log", "KH2026001", "记录", "-k", typed).stderr
