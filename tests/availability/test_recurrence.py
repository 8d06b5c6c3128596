"""The recurrence engine: RFC 5545 rules expanded into UTC windows, DST-correct (no database)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from dateutil.rrule import rrulestr

from consortium.availability import recurrence
from consortium.availability.recurrence import RuleSpec, expand, validate
from consortium.core.errors import Invalid

LONDON = ZoneInfo("Europe/London")


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def windows(rule: RuleSpec, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    return [(w.start, w.end) for w in expand(validate(rule), start, end)]


def test_weekly_rule_keeps_local_time_across_spring_change() -> None:
    # Clocks go forward at 01:00 UTC on Sunday 28 March 2027.
    rule = RuleSpec(datetime(2027, 1, 3, 9, 0), 60, "FREQ=WEEKLY;BYDAY=SU,MO")
    found = windows(rule, utc(2027, 3, 21), utc(2027, 4, 1))
    assert [s for s, _ in found] == [
        utc(2027, 3, 21, 9),  # GMT: 09:00 local is 09:00 UTC
        utc(2027, 3, 22, 9),
        utc(2027, 3, 28, 8),  # BST from the change day itself: 09:00 local is 08:00 UTC
        utc(2027, 3, 29, 8),
    ]
    assert all(e - s == timedelta(hours=1) for s, e in found)
    assert {s.astimezone(LONDON).hour for s, _ in found} == {9}


def test_weekly_rule_keeps_local_time_across_autumn_change() -> None:
    # Clocks go back at 01:00 UTC on Sunday 31 October 2027.
    rule = RuleSpec(datetime(2027, 1, 3, 9, 0), 60, "FREQ=WEEKLY;BYDAY=SU,MO")
    found = windows(rule, utc(2027, 10, 24), utc(2027, 11, 2))
    assert [s for s, _ in found] == [
        utc(2027, 10, 24, 8),
        utc(2027, 10, 25, 8),
        utc(2027, 10, 31, 9),
        utc(2027, 11, 1, 9),
    ]


def test_window_over_the_spring_gap_lasts_its_exact_duration() -> None:
    # 01:00 local for two hours: on 28 March 01:00 local falls in the gap (01:00 GMT becomes
    # 02:00 BST), so it is read with the offset before, 01:00 UTC; two hours later is 03:00 UTC,
    # which the clocks call 04:00 BST (RFC 5545: a duration is exact time).
    rule = RuleSpec(datetime(2027, 3, 27, 1, 0), 120, "FREQ=DAILY;COUNT=3")
    found = windows(rule, utc(2027, 3, 26), utc(2027, 3, 31))
    assert found == [
        (utc(2027, 3, 27, 1), utc(2027, 3, 27, 3)),
        (utc(2027, 3, 28, 1), utc(2027, 3, 28, 3)),
        (utc(2027, 3, 29, 0), utc(2027, 3, 29, 2)),  # BST: 01:00 local is 00:00 UTC
    ]
    assert found[1][1].astimezone(LONDON).hour == 4


def test_window_over_the_autumn_overlap_starts_at_the_first_of_the_repeated_hour() -> None:
    # 01:00 on 31 October happens twice (BST, then GMT); RFC 5545 takes the first.
    rule = RuleSpec(datetime(2027, 10, 30, 1, 0), 120, "FREQ=DAILY;COUNT=3")
    found = windows(rule, utc(2027, 10, 29), utc(2027, 11, 3))
    assert found == [
        (utc(2027, 10, 30, 0), utc(2027, 10, 30, 2)),
        (utc(2027, 10, 31, 0), utc(2027, 10, 31, 2)),  # 01:00 BST to 01:00 GMT
        (utc(2027, 11, 1, 1), utc(2027, 11, 1, 3)),
    ]


def test_a_local_time_the_clocks_skip_takes_the_offset_before_the_change() -> None:
    rule = RuleSpec(datetime(2027, 3, 28, 1, 30), 30)  # 01:30 never happens that day
    assert windows(rule, utc(2027, 3, 27), utc(2027, 3, 29)) == [
        (utc(2027, 3, 28, 1, 30), utc(2027, 3, 28, 2, 0))
    ]


def test_monthly_first_monday() -> None:
    rule = RuleSpec(datetime(2027, 1, 4, 14, 0), 90, "FREQ=MONTHLY;BYDAY=1MO")
    found = windows(rule, utc(2027, 1, 1), utc(2027, 5, 1))
    assert [s.date().isoformat() for s, _ in found] == [
        "2027-01-04",
        "2027-02-01",
        "2027-03-01",
        "2027-04-05",
    ]
    # 14:00 local throughout: GMT until March, BST in April.
    assert [s.hour for s, _ in found] == [14, 14, 14, 13]


def test_count_and_until_end_a_rule() -> None:
    counted = RuleSpec(datetime(2027, 1, 4, 9, 0), 60, "FREQ=WEEKLY;COUNT=3")
    assert len(windows(counted, utc(2027, 1, 1), utc(2027, 6, 1))) == 3
    until = RuleSpec(datetime(2027, 1, 4, 9, 0), 60, "FREQ=WEEKLY;UNTIL=20270118T090000Z")
    assert [s.day for s, _ in windows(until, utc(2027, 1, 1), utc(2027, 6, 1))] == [4, 11, 18]


def test_a_rule_without_rrule_happens_once() -> None:
    rule = RuleSpec(datetime(2027, 6, 1, 10, 0), 45, None, "America/New_York")
    assert windows(rule, utc(2027, 1, 1), utc(2028, 1, 1)) == [
        (utc(2027, 6, 1, 14), utc(2027, 6, 1, 14, 45))
    ]
    assert windows(rule, utc(2027, 6, 2), utc(2028, 1, 1)) == []


def test_a_window_open_at_the_range_start_is_included() -> None:
    rule = RuleSpec(datetime(2027, 1, 4, 9, 0), 180, "FREQ=WEEKLY;BYDAY=MO")
    assert windows(rule, utc(2027, 1, 4, 10), utc(2027, 1, 4, 11)) == [
        (utc(2027, 1, 4, 9), utc(2027, 1, 4, 12))
    ]


@pytest.mark.parametrize(
    "text",
    [
        "FREQ=DAILY",
        "FREQ=WEEKLY;BYDAY=MO,WE,FR",
        "FREQ=WEEKLY;INTERVAL=2;BYDAY=TU",
        "FREQ=DAILY;INTERVAL=3",
        "FREQ=WEEKLY;INTERVAL=3;BYDAY=SU,MO;WKST=SU",
        "FREQ=MONTHLY;BYDAY=-1FR",
        "FREQ=WEEKLY;BYDAY=MO;UNTIL=20290101T000000Z",
        # Monthly and yearly rules start from a later month or year; what they took from
        # dtstart's date (its day, its month) must still hold.
        "FREQ=MONTHLY",
        "FREQ=MONTHLY;INTERVAL=5",
        "FREQ=MONTHLY;BYMONTH=3,4;INTERVAL=2",
        "FREQ=MONTHLY;BYDAY=MO,TU;BYSETPOS=2,-1",
        "FREQ=MONTHLY;BYHOUR=8,20;BYMINUTE=0,30",
        "FREQ=MONTHLY;UNTIL=20300101T000000Z",
        "FREQ=YEARLY;INTERVAL=3",
        "FREQ=YEARLY;BYMONTH=3,4",
        "FREQ=YEARLY;BYDAY=20WE",
        "FREQ=MONTHLY;COUNT=1000",
    ],
)
def test_a_rule_started_years_ago_expands_as_dateutil_does_from_its_start(text: str) -> None:
    # The engine starts long-running rules from a later whole period; the result must be what
    # iterating from the very first occurrence gives.
    dtstart = datetime(2019, 5, 15, 8, 30)
    rule = RuleSpec(dtstart, 60, text)
    start, end = utc(2027, 3, 10), utc(2027, 4, 20)
    if "YEARLY" in text:  # a range that holds dtstart's month, 15 May (or 2 years of March)
        start, end = utc(2028, 3, 10), utc(2028, 6, 1)
    reference = rrulestr(text, dtstart=dtstart.replace(tzinfo=LONDON))
    expected = [
        o.astimezone(UTC)
        for o in reference.between(
            (start - timedelta(hours=1)).astimezone(LONDON), end.astimezone(LONDON), inc=True
        )
        if o.astimezone(UTC) + timedelta(hours=1) > start and o.astimezone(UTC) < end
    ]
    assert expected
    assert [s for s, _ in windows(rule, start, end)] == expected


@pytest.mark.parametrize(
    ("fields", "field", "reason"),
    [
        ({"rrule": "FREQ=HOURLY"}, "rrule", "FREQ=HOURLY is not supported"),
        ({"rrule": "FREQ=SECONDLY"}, "rrule", "not supported"),
        ({"rrule": "BYDAY=MO"}, "rrule", "no FREQ"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=XX"}, "rrule", "invalid BYDAY 'XX'"),
        ({"rrule": "FREQ=DAILY;BYHOUR=25"}, "rrule", "hour must be in 0..23"),
        ({"rrule": "FREQ=WEEKLY;FOO=1"}, "rrule", "FOO is not supported"),
        ({"rrule": "FREQ=WEEKLY;UNTIL=20271231T235959"}, "rrule", "UNTIL must be a UTC time"),
        ({"rrule": "DTSTART:20270101T090000\nRRULE:FREQ=DAILY"}, "rrule", "dtstart"),
        ({"rrule": "FREQ=DAILY;UNTIL=20200101T000000Z"}, "rrule", "no occurrence"),
        ({"rrule": "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=30"}, "rrule", "No month"),
        ({"rrule": "FREQ=MONTHLY;BYDAY=1MO;BYMONTHDAY=8"}, "rrule", "No month"),
        ({"rrule": "FREQ=DAILY;INTERVAL=0"}, "rrule", "INTERVAL"),
        ({"rrule": "FREQ=DAILY;COUNT=0"}, "rrule", "COUNT"),
        ({"rrule": "FREQ=DAILY;COUNT=1001"}, "rrule", "COUNT must be from 1 to 1000"),
        ({"dtstart": datetime(1, 1, 1), "rrule": None, "timezone": "Asia/Tokyo"}, "dtstart", ""),
        ({"dtstart": datetime(9999, 12, 31, 23), "timezone": "America/New_York"}, "dtstart", ""),
        ({"dtstart": datetime(1999, 12, 31, 23, 59)}, "dtstart", "from 2000"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=1MO"}, "rrule", "MONTHLY or YEARLY"),
        ({"rrule": "FREQ=MONTHLY;BYDAY=MO;BYSETPOS=6"}, "rrule", "BYSETPOS"),
        ({"rrule": "FREQ=WEEKLY;BYDAY=MO;BYDAY=TU"}, "rrule", "twice"),
        ({"timezone": "Europe/Atlantis"}, "timezone", "Unknown time zone"),
        ({"duration_minutes": 24 * 60 + 1}, "duration_minutes", "24 hours"),
        ({"dtstart": datetime(2027, 1, 4, 9, 0, tzinfo=UTC)}, "dtstart", "without an offset"),
    ],
)
def test_invalid_rules_are_refused_with_the_reason(
    fields: dict[str, object], field: str, reason: str
) -> None:
    values: dict[str, object] = {
        "dtstart": datetime(2027, 1, 4, 9, 0),
        "duration_minutes": 60,
        "rrule": "FREQ=WEEKLY",
        "timezone": "Europe/London",
        **fields,
    }
    with pytest.raises(Invalid) as refused:
        validate(RuleSpec(**values))  # type: ignore[arg-type]
    assert refused.value.field == field
    assert reason in refused.value.detail


def test_monthly_and_yearly_rules_are_expanded_from_a_recent_period() -> None:
    # The last day of the month from 31 January 2000: expanded from March 2027, not 2000.
    rule = RuleSpec(datetime(2000, 1, 31, 9, 0), 60, "FREQ=MONTHLY")
    text, anchor = recurrence._anchor(rule, "FREQ=MONTHLY", datetime(2027, 3, 15))
    assert (text, anchor) == ("FREQ=MONTHLY;BYMONTHDAY=31", datetime(2027, 3, 1, 9, 0))
    yearly = RuleSpec(datetime(2000, 7, 4, 9, 0), 60, "FREQ=YEARLY;INTERVAL=2")
    text, anchor = recurrence._anchor(yearly, "FREQ=YEARLY;INTERVAL=2", datetime(2027, 3, 15))
    assert "BYMONTH=7" in text and "BYMONTHDAY=4" in text
    assert anchor == datetime(2026, 1, 1, 9, 0)
    assert [s for s, _ in windows(rule, utc(2027, 3, 1), utc(2027, 6, 1))] == [
        utc(2027, 3, 31, 8),
        utc(2027, 5, 31, 8),
    ]


def test_a_rule_stored_before_the_limits_is_expanded_within_bounds(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Rows from before validation bounded dtstart and COUNT: a one-off that cannot be read in
    # UTC is never free, and a COUNT rule from year 1 stops after MAX_EXAMINED occurrences.
    assert (
        expand(
            RuleSpec(datetime(1, 1, 1), 60, None, "Asia/Tokyo"), utc(2027, 1, 1), utc(2027, 2, 1)
        )
        == []
    )
    monkeypatch.setattr(recurrence, "MAX_EXAMINED", 100)
    old = RuleSpec(datetime(1, 1, 1, 9), 60, "FREQ=DAILY;COUNT=100000000")
    assert expand(old, utc(2027, 1, 1), utc(2027, 2, 1)) == []
    recent = RuleSpec(datetime(2027, 1, 1, 9), 60, "FREQ=DAILY;COUNT=1000")
    assert len(expand(recent, utc(2027, 1, 1), utc(2027, 2, 1))) == 31


def test_parsed_rules_keep_no_occurrences_and_the_cache_is_bounded() -> None:
    # The start point moves with the range asked for: each parsed rule must stay small.
    rule = validate(RuleSpec(datetime(2026, 1, 1, 9), 30, "FREQ=DAILY;BYHOUR=9,10,11"))
    for day in range(40):
        start = utc(2027, 1, 1) + timedelta(days=day)
        expand(rule, start, start + timedelta(days=92))
    info = recurrence._parse.cache_info()
    assert info.maxsize is not None and info.currsize <= info.maxsize <= 1024
    text, anchor = recurrence._anchor(rule, rule.rrule or "", datetime(2027, 2, 1))
    assert recurrence._parse(text, anchor, rule.timezone)._cache is None


def test_rrule_is_stored_normalised() -> None:
    rule = validate(RuleSpec(datetime(2027, 1, 4, 9, 0, 30), 60, " rrule:freq=weekly;byday=mo "))
    assert rule.rrule == "FREQ=WEEKLY;BYDAY=MO"
    assert rule.dtstart == datetime(2027, 1, 4, 9, 0)


@pytest.mark.parametrize(
    "name", ["Mars/Olympus", "", " Europe/London", "../etc/passwd", "x" * 10_000]
)
def test_a_name_that_is_no_time_zone_is_invalid_naming_the_timezone(name: str) -> None:
    with pytest.raises(Invalid) as caught:
        recurrence.zone(name)
    assert caught.value.field == "timezone"
