"""The phone's address book: contacts out as vCard 3.0, and in as phones export them."""

from __future__ import annotations

from pathlib import Path

import pytest

from kam import vcard
from tests.conftest import Kam

# As Android writes it: vCard 2.1, QUOTED-PRINTABLE UTF-8 with a soft line break, bare
# types, a photo; as iOS writes it: 3.0 with item groups, N without FN; and a 4.0 card.
PHONE_EXPORT = (
    "BEGIN:VCARD\r\nVERSION:2.1\r\n"
    "N;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E7=8E=8B;=E5=BB=BA=E5=9B=BD;;;\r\n"
    "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E7=8E=8B=E5=BB=BA=E5=9B=BD\r\n"
    "ORG;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E5=8D=8E=E4=B8=9C=E7=B2=BE=E5=AF=86=E6=9C=BA=\r\n"
    "=E6=A2=B0=E6=9C=89=E9=99=90=E5=85=AC=E5=8F=B8\r\n"
    "TITLE;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=E6=80=BB=E7=BB=8F=E7=90=86\r\n"
    "TEL;CELL;PREF:139-5678-1234\r\nTEL;WORK;VOICE:0851-88886666\r\n"
    "EMAIL;HOME:wang@example.com\r\n"
    "PHOTO;ENCODING=BASE64;JPEG:/9j/4AAQSkZJRgABAQAAAQABAAD\r\n"
    " /2wBDAAgGBgcGBQgHBwcJCQgKDA\r\n\r\n"
    "END:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nPRODID:-//Apple Inc.//iPhone OS 17.0//EN\r\n"
    "N:陈;丽;;;\r\nORG:鑫盛商贸有限公司;采购部\r\nTITLE:采购经理\r\n"
    "item1.TEL;type=CELL;type=VOICE;type=pref:+86 138 0000 1111\r\n"
    "item2.EMAIL;type=INTERNET;type=WORK:chenli@xinsheng.cn\r\n"
    "item3.EMAIL;type=INTERNET:chen.li@example.com\r\n"
    "item4.ADR;type=WORK:;;南京路 100 号;上海;;200001;中国\r\nitem4.X-ABLabel:_$!<Work>!$_\r\n"
    "X-QQ:123456\r\n"
    "NOTE:决策链较长\\, 需多次拜访\\n周三下午方便\r\n"
    "CATEGORIES:需跟进,重点客户\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:4.0\r\nFN:李雷\r\nORG:鑫盛商贸有限公司;采购部\r\n"
    "TEL;VALUE=uri;TYPE=\"cell,voice\":tel:+86-137-0000-2222\r\nEND:VCARD\r\n"
    "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Smith;Anna;;;\r\nEMAIL:anna@smith.example\r\n"
    "END:VCARD\r\n"
)


@pytest.fixture
def phone_file(tmp_path: Path) -> Path:
    f = tmp_path / "contacts.vcf"
    f.write_bytes(PHONE_EXPORT.encode("utf-8"))
    return f


def test_a_phone_export_comes_in_as_customers_and_their_people(kam: Kam, phone_file: Path) -> None:
    report = kam.json("import", str(phone_file))
    assert (report["created"], report["errors"], report["sheet"]) == (3, [], "vCard")
    got = {c["name"]: c for c in kam.json("list")}
    wang = got["华东精密机械有限公司"]
    assert (wang["contact"], wang["title"], wang["contact_info"]) == (
        "王建国", "总经理", "139-5678-1234 / 0851-88886666 / wang@example.com")
    chen = got["鑫盛商贸有限公司 采购部"]
    assert (chen["contact"], chen["title"], chen["contact_info"], chen["note"], chen["tags"]) == (
        "陈丽", "采购经理", "+86 138 0000 1111 / chenli@xinsheng.cn / chen.li@example.com",
        "决策链较长, 需多次拜访\n周三下午方便", ["需跟进", "重点客户"])
    assert [(p["name"], p["contact_info"]) for p in chen["contacts"]] == [
        ("李雷", "+86-137-0000-2222")]
    # what a card holds beyond kam's fields is kept, under whose card it was
    assert chen["extra"] == {"ADR (陈丽)": "南京路 100 号 上海 200001 中国", "X-QQ (陈丽)": "123456"}
    anna = got["Anna Smith"]  # a person without a company: a customer of their own
    assert (anna["contact"], anna["contact_info"]) == ("Anna Smith", "anna@smith.example")


def test_vcf_round_trip_keeps_every_value(kam: Kam, phone_file: Path, tmp_path: Path) -> None:
    kam("import", str(phone_file))
    out = tmp_path / "out.vcf"
    kam("export", str(out))
    raw = out.read_bytes()
    assert raw.count(b"BEGIN:VCARD") == 4 and b"\r\n" in raw and b"VERSION:3.0" in raw

    def people(cards: list[vcard.Card]) -> set[tuple[object, ...]]:
        return {(c.name, c.org, c.title, frozenset(n for n, _ in c.phones), frozenset(c.emails),
                 tuple(c.categories), frozenset(c.others),
                 "\n".join(x for x in c.note.splitlines() if not x.startswith("[kam]")))
                for c in cards}

    before = people(vcard.read(PHONE_EXPORT, "in"))
    after = people(vcard.read(out.read_text(encoding="utf-8"), "out"))
    # every card comes back as it was; 李雷 also carries his company's tags
    li = next(p for p in after if p[0] == "李雷")
    assert li[5] == ("需跟进", "重点客户")
    assert after - {li} == before - {p for p in before if p[0] == "李雷"}
    assert li[:5] + li[6:] == next(p for p in before if p[0] == "李雷")[:5] + (frozenset(), "")
    assert ("ADR", "南京路 100 号 上海 200001 中国") in next(
        p for p in after if p[0] == "陈丽")[6]  # what kam has no field for comes back too
    types = {line for line in raw.decode().splitlines() if line.startswith("TEL")}
    assert "TEL;TYPE=CELL:139-5678-1234" in types and "TEL;TYPE=WORK:0851-88886666" in types
    # read back, nothing changes; kam's own lines in NOTE are not taken as the note
    again = kam.json("import", str(out))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)


def test_a_card_finds_its_customer_by_phone_or_email(kam: Kam, tmp_path: Path) -> None:
    kam("add", "--code", "K1", "--name", "华东精密机械有限公司", "--contact", "王建国",
        "--contact-info", "13956781234", "--stage", "合作中")
    f = tmp_path / "one.vcf"
    f.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:王建国\nTEL:+86 139-5678-1234\n"
                 "EMAIL:wang@example.com\nEND:VCARD\n"
                 "BEGIN:VCARD\nVERSION:3.0\nFN:赵六\nORG:华东精密\nTEL:13900000009\n"
                 "EMAIL:WANG@example.com\nEND:VCARD\n", encoding="utf-8")
    r = kam("import", str(f), "-f", "json")
    assert "K1 华东精密机械有限公司" in r.stdout and "added to it" in r.stdout
    k1 = kam.json("show", "K1")
    assert k1["name"] == "华东精密机械有限公司" and k1["stage"] == "active"  # kept
    # nothing the archive had is lost: the card's new email joins the phone
    assert k1["contact_info"] == "13956781234 / wang@example.com"
    assert [(p["name"], p["contact_info"]) for p in k1["contacts"]] == [
        ("赵六", "13900000009 / WANG@example.com")]
    assert k1["extra"] == {"客户名称(原值)": "华东精密"}
    assert len(kam.json("list")) == 1
    kam("undo")  # a batch like any import
    k1 = kam.json("show", "K1")
    assert (k1["contact_info"], k1["contacts"], k1["extra"]) == ("13956781234", [], {})


@pytest.mark.parametrize("text, message", [
    ("BEGIN:VCARD\nVERSION:3.0\nFN:甲\n", "line 1: the card that begins here never ends"),
    ("BEGIN:VCARD\nVERSION:3.0\nFN:甲\nthis is not a property\nEND:VCARD\n",
     "line 4: not a vCard property"),
    ("BEGIN:VCARD\nN;CHARSET=NOPE;ENCODING=QUOTED-PRINTABLE:=E7\nEND:VCARD\n",
     "line 2: unknown CHARSET NOPE"),
    ("hello\n", "no vCard in the file"),
])
def test_a_damaged_vcf_is_refused_in_one_line(kam: Kam, tmp_path: Path, text: str,
                                               message: str) -> None:
    f = tmp_path / "bad.vcf"
    f.write_text(text, encoding="utf-8")
    r = kam("import", str(f), code=2)
    assert message in r.stderr and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr
    assert not kam.db.exists()


def test_vcf_export_masks_and_folds_without_splitting_a_character(kam: Kam,
                                                                   tmp_path: Path) -> None:
    kam("add", "--code", "K1", "--name", "甲公司", "--contact", "张三",
        "--contact-info", "13956781234 zhang@example.com / 微信 zs001", "--note", "长" * 80)
    out = kam("export", "-", "-f", "vcf", "--mask").stdout
    assert "TEL;TYPE=CELL:139****1234" in out and "13956781234" not in out
    raw = kam("export", "-", "-f", "vcf").stdout.encode("utf-8")
    for line in raw.split(b"\r\n"):
        assert len(line) <= 75
        line.decode("utf-8")  # no character cut in two
    card, = vcard.read(raw.decode("utf-8"), "out")
    assert card.note.startswith("长" * 80) and card.other == "微信 zs001"
    assert [n for n, _ in card.phones] == ["13956781234"] and card.emails == ["zhang@example.com"]


def test_sheet_options_on_a_vcf_are_refused_not_ignored(kam: Kam, phone_file: Path) -> None:
    r = kam("import", str(phone_file), "--map", "ORG=name", code=2)
    assert "--sheet and --map are for spreadsheets" in r.stderr and not kam.db.exists()


def test_a_gbk_vcf_is_read_and_its_encoding_said(kam: Kam, tmp_path: Path) -> None:
    f = tmp_path / "old.vcf"
    f.write_bytes("BEGIN:VCARD\r\nVERSION:2.1\r\nN:王;建国\r\nORG:华东精密机械有限公司\r\n"
                  "TEL;CELL:13956781234\r\nEND:VCARD\r\n".encode("gb18030"))
    r = kam("import", str(f))
    assert "gb18030" in r.stderr
    c, = kam.json("list")
    assert (c["name"], c["contact"], c["contact_info"]) == ("华东精密机械有限公司", "王建国",
                                                           "13956781234")


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=40).map(str.strip)


@settings(max_examples=200, deadline=None)
@given(name=_text.filter(bool), org=_text, title=_text, note=_text,
       tags=st.lists(_text.filter(bool), max_size=3))
def test_any_text_survives_a_card(name: str, org: str, title: str, note: str,
                                  tags: list[str]) -> None:
    """Commas, semicolons, backslashes, line breaks, emoji: written and read back as they
    were, whatever the folding."""
    card = vcard.Card(0, name, org, title, "", [("+86 139 5678 1234", "cell")], ["a@b.cn"],
                      note, tags, "K1")
    text = vcard.write([card])
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    back, = vcard.read(text, "t")
    assert (back.name, back.org, back.title, back.note, back.categories, back.code) == (
        name, org, title, note, tags, "K1")


def test_the_main_contacts_birthday_goes_both_ways(kam: Kam, tmp_path: Path) -> None:
    f = tmp_path / "b.vcf"
    f.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:王建国\nORG:甲公司\nBDAY:19800229\nEND:VCARD\n"
                 "BEGIN:VCARD\nVERSION:4.0\nFN:李四\nORG:乙公司\nBDAY:--0612\nEND:VCARD\n",
                 encoding="utf-8")
    kam("import", str(f))
    a, b = kam.json("list")
    assert a["dates"] == {"birthday": "1980-02-29"}
    assert b["dates"] == {} and b["extra"] == {"生日(原值)": "--0612"}  # no year: kept as is
    out = kam("export", "-", "-f", "vcf").stdout
    assert "BDAY:1980-02-29" in out
    assert "BDAY" not in kam("export", "-", "-f", "vcf", "--mask").stdout


def test_control_characters_never_reach_a_card_or_an_event(kam: Kam) -> None:
    kam("add", "--code", "K1", "--name", "坏\x1b[2J名", "--contact", "张\x07三",
        "--next", "2026-12-01", "--note", "一\r二")
    for fmt in ("vcf", "ics"):
        out = kam("export", "-", "-f", fmt).stdout
        body = out.replace("\r\n", "")
        assert not any(ch in body for ch in "\x1b\x07\r"), fmt
        assert "坏[2J名" in body, fmt


def test_a_card_with_the_numbers_of_two_customers_joins_neither(kam: Kam, tmp_path: Path) -> None:
    kam("add", "--code", "K1", "--name", "甲公司", "--contact-info", "13900000001")
    kam("add", "--code", "K2", "--name", "乙公司", "--contact-info", "13900000002")
    f = tmp_path / "both.vcf"
    f.write_text("BEGIN:VCARD\nVERSION:3.0\nFN:王五\nTEL:13900000001\nTEL:13900000002\n"
                 "END:VCARD\n", encoding="utf-8")
    report = kam.json("import", str(f))
    assert report["created"] == 1
    assert [n["message"] for n in report["notes"] if "several" in n["message"]] == [
        "王五: the phone numbers or emails of several customers (K1, K2); not added to any"]
    assert kam.json("show", "K1")["contacts"] == kam.json("show", "K2")["contacts"] == []


def test_a_customer_without_people_leaves_as_a_company_card_and_comes_back(
        kam: Kam, tmp_path: Path) -> None:
    kam("add", "--code", "K1", "--name", "甲公司", "--contact-info", "0851-88886666")
    out = tmp_path / "o.vcf"
    kam("export", str(out))
    text = out.read_bytes().decode("utf-8")
    assert "FN:甲公司\r\n" in text and "ORG:甲公司\r\n" in text and "X-ABShowAs:COMPANY" in text
    again = kam.json("import", str(out))
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 1)
    assert kam.json("show", "K1")["contact"] == ""  # the company is not its own contact
