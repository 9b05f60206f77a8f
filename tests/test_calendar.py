"""Follow-ups and dates in the phone's calendar: `kam export FILE.ics`, read back with the
icalendar package (an independent reader)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import icalendar
import pytest

from tests.conftest import TODAY, Kam


@pytest.fixture
def dated(kam: Kam) -> Kam:
    kam("add", "--code", "K1", "--name", "华东精密机械有限公司", "--contact", "王建国",
        "--contact-info", "13956781234", "--next", "2026-11-30", "--tag", "重点跟进",
        "--date", "birthday=1980-02-29", "--date", "contract_end=2027-01-15")
    kam("add", "--code", "K2", "--name", "鑫盛商贸", "--next", "2026-11-20", "--force",
        "--date", "contract_end=2026-01-01")  # a contract end long past: no event
    kam("add", "--code", "K3", "--name", "丢掉的客户", "--next", "2026-12-01")
    kam("lost", "K3", "--reason", "价格")
    return kam


def _calendar(text: str) -> dict[str, icalendar.Event]:
    cal = icalendar.Calendar.from_ical(text)
    return {str(e["UID"]): e for e in cal.walk("VEVENT")}


def test_reminders_become_all_day_events_with_alarms(dated: Kam, tmp_path: Path) -> None:
    out = tmp_path / "kam.ics"
    r = dated("export", str(out), "--lang", "zh")
    assert r.stdout == "" and "3" in r.stderr
    events = _calendar(out.read_text(encoding="utf-8"))
    assert sorted(events) == ["K1-birthday@kam", "K1-contract_end@kam", "K1-follow-up@kam",
                              "K2-follow-up@kam"]
    follow = events["K1-follow-up@kam"]
    assert follow.decoded("DTSTART") == date(2026, 11, 30)  # ahead of today: on its day
    assert follow.decoded("DTEND") == date(2026, 12, 1)
    assert str(follow["SUMMARY"]) == "华东精密机械有限公司 · 跟进"
    assert "13956781234" in str(follow["DESCRIPTION"])
    alarms = list(follow.walk("VALARM"))
    assert [a.decoded("TRIGGER") for a in alarms] == [timedelta(hours=9)]
    late = events["K2-follow-up@kam"]  # overdue: stands on today, saying how late
    assert late.decoded("DTSTART") == date.fromisoformat(TODAY)
    assert str(late["SUMMARY"]) == "鑫盛商贸 · 跟进（已逾期 3 天）"
    birthday = events["K1-birthday@kam"]
    assert str(birthday["SUMMARY"]) == "华东精密机械有限公司 · 生日"
    assert birthday["RRULE"] == icalendar.vRecur({"FREQ": ["YEARLY"], "BYMONTH": [2],
                                                  "BYMONTHDAY": [-1]})  # 29 Feb: end of Feb
    assert sorted(a.decoded("TRIGGER") for a in birthday.walk("VALARM")) == [
        timedelta(days=-7, hours=9), timedelta(hours=9)]
    contract = events["K1-contract_end@kam"]
    assert "RRULE" not in contract and contract.decoded("DTSTART") == date(2027, 1, 15)
    assert min(a.decoded("TRIGGER") for a in contract.walk("VALARM")) == timedelta(days=-30,
                                                                                   hours=9)


def test_uids_are_stable_so_a_new_export_updates_the_events(dated: Kam, tmp_path: Path) -> None:
    first = _calendar(dated("export", "-", "-f", "ics").stdout)
    dated("log", "K1", "电话", "--next", "2026-12-10")
    second = _calendar(dated("export", "-", "-f", "ics").stdout)
    assert set(first) == set(second)
    assert second["K1-follow-up@kam"].decoded("DTSTART") == date(2026, 12, 10)
    assert int(second["K1-follow-up@kam"]["SEQUENCE"]) >= int(first["K1-follow-up@kam"]["SEQUENCE"])


def test_lines_fold_at_75_octets_without_cutting_a_character(kam: Kam) -> None:
    kam("add", "--code", "K1", "--name", "长" * 60, "--next", "2026-12-01",
        "--contact-info", "13956781234")
    raw = kam("export", "-", "-f", "ics").stdout.encode("utf-8")
    lines = raw.split(b"\r\n")
    assert all(len(line) <= 75 for line in lines)
    for line in lines:
        line.decode("utf-8")  # every physical line is whole UTF-8
    event, = _calendar(raw.decode("utf-8")).values()
    assert str(event["SUMMARY"]).startswith("长" * 60)


def test_a_masked_calendar_hides_phones_and_leaves_birthdays_out(dated: Kam) -> None:
    text = dated("export", "-", "-f", "ics", "--mask").stdout
    events = _calendar(text)
    assert "K1-birthday@kam" not in events and "K1-contract_end@kam" in events
    assert "13956781234" not in text and "139****1234" in str(
        events["K1-follow-up@kam"]["DESCRIPTION"])


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402


@settings(max_examples=200, deadline=None)
@given(summary=st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                       max_size=120).map(str.strip).filter(bool),
       description=st.text(st.characters(blacklist_categories=("Cs",)), max_size=200))
def test_any_text_survives_an_event(summary: str, description: str) -> None:
    """Escaping and folding: icalendar reads back what kam/ical.py wrote, whatever the text."""
    from datetime import datetime, timezone

    from kam import ical

    text = ical.write([ical.Event("K1-x@kam", date(2026, 2, 28), summary, description)],
                      datetime(2026, 11, 23, 8, tzinfo=timezone.utc), "名")
    assert all(len(line.encode("utf-8")) <= 75 for line in text.split("\r\n"))
    event, = _calendar(text).values()
    assert str(event["SUMMARY"]) == ical.plain(summary)
    assert str(event.get("DESCRIPTION", "")) == ical.plain(description)
